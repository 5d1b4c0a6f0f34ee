// k-means++ seeding (TF's KmeansPlusPlusInitialization) distance updates, bit-exact with Eigen's float order. The
// kernel in kpp_impl.h is compiled for AVX-512, AVX2 and the baseline target like kernels_impl.h; it never fuses
// a multiply into an add (TF's Eigen build has no FMA), whatever the variant's instruction set.
#include "CKMeansKernels.h"
#include <string.h>

// No contraction of a * b + c into an FMA anywhere in this file: every rounding step must match Eigen's.
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)
// Vector arguments only cross always_inline helpers inside one variant, so the vector-ABI note does not apply.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float kpp_v8f __attribute__((ext_vector_type(8)));
typedef float kpp_v4f __attribute__((ext_vector_type(4)));

#define KPP_LOAD8(p) ({ kpp_v8f v__; memcpy(&v__, (p), sizeof v__); v__; })
#define KPP_LOAD4(p) ({ kpp_v4f v__; memcpy(&v__, (p), sizeof v__); v__; })
#define KPP_STORE4(p, v) do { kpp_v4f s__ = (v); memcpy((p), &s__, sizeof s__); } while (0)

#define KPP_SUFFIX portable
#define KPP_ATTR
#define KPP_WIDE 0
#include "kpp_impl.h"
#undef KPP_SUFFIX
#undef KPP_ATTR
#undef KPP_WIDE

#if defined(__x86_64__)
#define KPP_SUFFIX avx2
#define KPP_ATTR __attribute__((target("avx2")))
#define KPP_WIDE 0
#include "kpp_impl.h"
#undef KPP_SUFFIX
#undef KPP_ATTR
#undef KPP_WIDE

// AVX-512VL's 32 vector registers hold 4 rows × 4 candidates of 8-lane accumulators.
#define KPP_SUFFIX avx512
#define KPP_ATTR __attribute__((target("avx512f,avx512vl")))
#define KPP_WIDE 1
#include "kpp_impl.h"
#undef KPP_SUFFIX
#undef KPP_ATTR
#undef KPP_WIDE
#endif

void kmk_kpp_update(int isa, const float *points, int64_t n, int64_t d, const float *half_norms,
                    const float *current, const int64_t *candidates, int64_t count, float *const *outputs,
                    int64_t begin, int64_t end) {
    int level = kmk_isa_level();
    if (isa > 0 && isa < level) level = isa;
#if defined(__x86_64__)
    if (level >= 3) {
        kpp_update_avx512(points, n, d, half_norms, current, candidates, count, outputs, begin, end);
        return;
    }
    if (level == 2) {
        kpp_update_avx2(points, n, d, half_norms, current, candidates, count, outputs, begin, end);
        return;
    }
#endif
    kpp_update_portable(points, n, d, half_norms, current, candidates, count, outputs, begin, end);
}

float kmk_kpp_row_dot(const float *x, const float *y, int64_t d, int half_packets) {
    return kpp_row_dot_inline_portable(x, y, d, half_packets);
}
