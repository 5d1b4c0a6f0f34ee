#ifndef CKMEANS_KERNELS_H
#define CKMEANS_KERNELS_H
// Hot k-means kernels with runtime CPU dispatch. See Sources/CKMeansKernels/README in ARCHITECTURE.md.
#include <stdint.h>

/// Returns a short name of the instruction set the kernels dispatch to ("avx512", "avx2", "portable").
const char *kmk_isa_name(void);

#endif
