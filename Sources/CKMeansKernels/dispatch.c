// Runtime dispatch: the kernels in kernels_impl.h are compiled for AVX-512, AVX2+FMA and the baseline target,
// and the best one the CPU supports is chosen once. Function attributes, not compiler flags, select the
// instruction sets, so the package needs no unsafe flags.
#include "CKMeansKernels.h"
#include <stdlib.h>
#include <string.h>

// Vector arguments only cross always_inline helpers inside one variant, so the vector-ABI note does not apply.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float v16f __attribute__((ext_vector_type(16)));
typedef float v8f __attribute__((ext_vector_type(8)));
typedef float v4f __attribute__((ext_vector_type(4)));
typedef float v2f __attribute__((ext_vector_type(2)));
typedef int32_t v16i __attribute__((ext_vector_type(16)));
typedef int32_t v8i __attribute__((ext_vector_type(8)));
typedef int32_t v4i __attribute__((ext_vector_type(4)));
typedef int32_t v2i __attribute__((ext_vector_type(2)));
typedef _Bool v16b __attribute__((ext_vector_type(16)));
typedef double v8d __attribute__((ext_vector_type(8)));
typedef double v4d __attribute__((ext_vector_type(4)));
typedef double v2d __attribute__((ext_vector_type(2)));

#define load16(p) ({ v16f v__; memcpy(&v__, (p), sizeof v__); v__; })
#define store16(p, v) do { v16f s__ = (v); memcpy((p), &s__, sizeof s__); } while (0)
#define store16i(p, v) do { v16i s__ = (v); memcpy((p), &s__, sizeof s__); } while (0)

int64_t kmk_claim_next(int64_t *counter) { return __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED); }

int64_t kmk_padded_count(int64_t k) {
    int64_t padded = (k + 15) / 16 * 16;
    return padded < 16 ? 16 : padded;
}

void kmk_pack_centers(const float *centers, int64_t k, int64_t d, float *packed, float *half_norms, float *norms) {
    int64_t kp = kmk_padded_count(k);
    for (int64_t j = 0; j < kp; j++) {
        int64_t block = j / 16, lane = j % 16;
        float s = 0;
        for (int64_t t = 0; t < d; t++) {
            float c = j < k ? centers[j * d + t] : 0.0f;
            packed[block * 16 * d + t * 16 + lane] = c;
            s += c * c;
        }
        if (half_norms) half_norms[j] = j < k ? 0.5f * s : __builtin_inff();
        if (norms) norms[j] = j < k ? s : __builtin_inff();
    }
}

// Points per chunk in a Hamerly pass: rows that need a full search are gathered and searched together.
enum { HAMERLY_CHUNK = 256 };
// Points assigned before their rows are added to the cluster sums (a chunk of D = 128 rows is 64 KiB, in L2). 128
// measured ≈ 6 % faster than 256 on case C (1M×16×16) and the same on B and D; any multiple of 16 gives the same bits.
enum { ACCUMULATE_CHUNK = 128 };

#define KMK_SUFFIX portable
#define KMK_HAS_GATHER16 0
#define KMK_ATTR
#define KMK_HAS_FMA 0
#define KMK_BLOCK_POINTS 2
#include "kernels_impl.h"
#undef KMK_SUFFIX
#undef KMK_ATTR
#undef KMK_HAS_FMA
#undef KMK_BLOCK_POINTS
#undef KMK_HAS_GATHER16

#if defined(__x86_64__)
#define KMK_SUFFIX avx2
#define KMK_HAS_GATHER16 0
#define KMK_ATTR __attribute__((target("avx2,fma")))
#define KMK_HAS_FMA 1
#define KMK_BLOCK_POINTS 4
#include "kernels_impl.h"
#undef KMK_SUFFIX
#undef KMK_ATTR
#undef KMK_HAS_FMA
#undef KMK_BLOCK_POINTS
#undef KMK_HAS_GATHER16

#define KMK_SUFFIX avx512
#define KMK_HAS_GATHER16 1
#define KMK_ATTR __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
#define KMK_HAS_FMA 1
#define KMK_BLOCK_POINTS 8
#include "kernels_impl.h"
#undef KMK_SUFFIX
#undef KMK_ATTR
#undef KMK_HAS_FMA
#undef KMK_BLOCK_POINTS
#undef KMK_HAS_GATHER16
#endif

enum { LEVEL_UNKNOWN = 0, LEVEL_PORTABLE = 1, LEVEL_AVX2 = 2, LEVEL_AVX512 = 3 };
static int detected_level = LEVEL_UNKNOWN;

static int supported_level(void) {
    int current = __atomic_load_n(&detected_level, __ATOMIC_RELAXED);
    if (current != LEVEL_UNKNOWN) return current;
    current = LEVEL_PORTABLE;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma"))
        current = LEVEL_AVX512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        current = LEVEL_AVX2;
#endif
    // KMEANS_KERNELS_ISA=portable|avx2 lowers the choice (benchmarks compare variants this way).
    const char *requested = getenv("KMEANS_KERNELS_ISA");
    if (requested && strcmp(requested, "portable") == 0) current = LEVEL_PORTABLE;
    else if (requested && strcmp(requested, "avx2") == 0 && current > LEVEL_AVX2) current = LEVEL_AVX2;
    __atomic_store_n(&detected_level, current, __ATOMIC_RELAXED);
    return current;
}

static int level(int requested) {
    int supported = supported_level();
    return requested > 0 && requested < supported ? requested : supported;
}

int kmk_isa_level(void) { return supported_level(); }

const char *kmk_isa_name(void) {
    switch (supported_level()) {
    case LEVEL_AVX512: return "avx512";
    case LEVEL_AVX2: return "avx2";
    default: return "portable";
    }
}

#if defined(__x86_64__)
#define DISPATCH(isa, name, ...)                              \
    switch (level(isa)) {                                     \
    case LEVEL_AVX512: return name##_avx512(__VA_ARGS__);     \
    case LEVEL_AVX2: return name##_avx2(__VA_ARGS__);         \
    default: return name##_portable(__VA_ARGS__);             \
    }
#else
#define DISPATCH(isa, name, ...) (void)(isa); return name##_portable(__VA_ARGS__);
#endif

void kmk_assign(int isa, const float *points, int64_t n, int64_t d,
                const float *centers, const float *packed, const float *half_norms, int64_t k,
                int32_t *indices, float *distances, float *sums, float *counts, float *loss, int loss_lanes) {
    DISPATCH(isa, assign, points, n, d, centers, packed, half_norms, k, indices, distances, sums, counts, loss,
             loss_lanes)
}

void kmk_assigned_distances(int isa, const float *points, int64_t n, int64_t d, const float *centers,
                            const float *half_norms, const int32_t *indices, float *distances) {
    DISPATCH(isa, assigned_distances, points, n, d, centers, half_norms, indices, distances)
}

void kmk_center_gaps(int isa, const float *centers, int64_t k, int64_t d, float *gaps) {
    DISPATCH(isa, center_gaps, centers, k, d, gaps)
}

int64_t kmk_pruned_nearest(int isa, const float *points, int64_t n, int64_t d,
                           const float *centers, const float *packed, const float *half_norms, int64_t k,
                           const float *guess_packed, const float *guess_half_norms, int64_t guess_d,
                           const float *bound_packed, const float *bound_half_norms, int64_t bound_d,
                           const float *gaps, float c_max_sq, int32_t *indices, float *distances,
                           int check_finite) {
    DISPATCH(isa, pruned_nearest, points, n, d, centers, packed, half_norms, k, guess_packed, guess_half_norms,
             guess_d, bound_packed, bound_half_norms, bound_d, gaps, c_max_sq, indices, distances, check_finite)
}

int kmk_nearest_checked(int isa, const float *points, int64_t n, int64_t d,
                        const float *centers, const float *packed, const float *half_norms, int64_t k,
                        int32_t *indices, float *distances) {
    DISPATCH(isa, nearest_checked, points, n, d, centers, packed, half_norms, k, indices, distances)
}

void kmk_all_distances(int isa, const float *points, int64_t n, int64_t d,
                       const float *packed, const float *norms, int64_t k, float *out) {
    DISPATCH(isa, all_distances, points, n, d, packed, norms, k, out)
}

int64_t kmk_hamerly_pass(int isa, const float *points, int64_t n, int64_t d,
                         const float *centers, const float *packed, const float *half_norms, int64_t k,
                         const float *center_half_gap, const float *lower_shift, const float *block_gaps, float c_max_sq,
                         int full_scan, int32_t *indices, float *lower, float *distances, float *sums, float *counts,
                         int64_t *skipped_blocks) {
    DISPATCH(isa, hamerly_pass, points, n, d, centers, packed, half_norms, k, center_half_gap, lower_shift, block_gaps,
             c_max_sq, full_scan, indices, lower, distances, sums, counts, skipped_blocks)
}

int64_t kmk_incremental_pass(int isa, const float *points, int64_t n, int64_t d, const float *centers,
                             const float *packed, const float *half_norms, int64_t k, const float *drift_upper,
                             const float *drift_lower, const float *half_gap, const float *center_norm,
                             double c_max_sq, double part_slack, int first_pass, int32_t *indices, float *upper,
                             float *lower, double *delta, int64_t *read) {
    DISPATCH(isa, incremental_pass, points, n, d, centers, packed, half_norms, k, drift_upper, drift_lower, half_gap,
             center_norm, c_max_sq, part_slack, first_pass, indices, upper, lower, delta, read)
}
