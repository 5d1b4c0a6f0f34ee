// All distances: the raw n×k distance matrix (kmk_all_distances).
// Part of the kernel source that kernels_impl.h includes once per variant (AVX-512, AVX2+FMA, portable); it uses
// kernels_impl.h's macros (FN, INLINE, VFMA/VFNMA/SFNMA, KMK_BLOCK_POINTS) and the helpers of the files included before it.

INLINE void FN(distances_block)(const float *x, const int P, int64_t d, const float *packed, const float *norms,
                                int64_t k, float *out) {
    int64_t blocks = kmk_padded_count(k) / 16;
    float xx[8];
    for (int p = 0; p < P; p++) xx[p] = FN(sum_squares)(x + p * d, d);
    for (int64_t b = 0; b < blocks; b++) {
        const float *cb = packed + b * 16 * d;
        v16f acc[8];
        for (int p = 0; p < P; p++) acc[p] = (v16f)0.0f;
        for (int64_t t = 0; t < d; t++) {
            v16f c = load16(cb + t * 16);
            for (int p = 0; p < P; p++) acc[p] = VFMA((v16f)x[p * d + t], c, acc[p]);
        }
        v16f cn = load16(norms + b * 16);
        int64_t width = k - b * 16 < 16 ? k - b * 16 : 16;
        for (int p = 0; p < P; p++) {
            v16f r = (v16f)xx[p] - 2 * acc[p] + cn;
            float *o = out + p * k + b * 16;
            if (width == 16) store16(o, r);
            else for (int l = 0; l < width; l++) o[l] = r[l];
        }
    }
}

KMK_ATTR static void FN(all_distances)(const float *points, int64_t n, int64_t d,
                                       const float *packed, const float *norms, int64_t k, float *out) {
    if (k <= 0) return;
    int64_t i = 0;
    for (; i + KMK_BLOCK_POINTS <= n; i += KMK_BLOCK_POINTS)
        FN(distances_block)(points + i * d, KMK_BLOCK_POINTS, d, packed, norms, k, out + i * k);
    for (; i < n; i++) FN(distances_block)(points + i * d, 1, d, packed, norms, k, out + i * k);
}
