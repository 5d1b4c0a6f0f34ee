#include "CKMeansKernels.h"

const char *kmk_isa_name(void) {
    return "portable";
}
