// One kernel source compiled three times (AVX-512, AVX2+FMA, portable) by dispatch.c, split by kernel family into
// the files included below (in this order: each uses helpers of the ones before). Before including, define
// KMK_SUFFIX (name suffix), KMK_ATTR (function attributes), KMK_HAS_FMA (0/1) and KMK_BLOCK_POINTS (points per
// register block, at most 8: as many as the variant's vector registers hold accumulators for).
// Every distance "part" is computed as the same fused chain acc = fma(-x_t, c_t, acc) starting from 0.5‖c‖², in
// every path of one variant, so Lloyd, Hamerly and the low-D path agree bit for bit on which centre is nearest.

#define KMK_CAT2(a, b) a##_##b
#define KMK_CAT(a, b) KMK_CAT2(a, b)
#define FN(name) KMK_CAT(name, KMK_SUFFIX)
#define INLINE static inline __attribute__((always_inline)) KMK_ATTR

#if KMK_HAS_FMA
#define VFNMA(a, b, c) __builtin_elementwise_fma(-(a), (b), (c))
#define VFMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#define SFNMA(a, b, c) __builtin_fmaf(-(a), (b), (c))
#else
#define VFNMA(a, b, c) ((c) - (a) * (b))
#define VFMA(a, b, c) ((c) + (a) * (b))
#define SFNMA(a, b, c) ((c) - (a) * (b))
#endif

#include "kernels_reductions.h"
#include "kernels_assign.h"
#include "kernels_distances.h"
#include "kernels_hamerly.h"
#include "kernels_pruned.h"
#include "kernels_incremental.h"

#undef FN
#undef INLINE
#undef VFNMA
#undef VFMA
#undef SFNMA
