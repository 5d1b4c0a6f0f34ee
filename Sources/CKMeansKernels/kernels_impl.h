// One kernel source compiled three times (AVX-512, AVX2+FMA, portable) by dispatch.c. Before including, define
// KMK_SUFFIX (name suffix), KMK_ATTR (function attributes) and KMK_HAS_FMA (0/1).
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

INLINE float FN(hmin)(v16f v) {
    v8f a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
    v8f b = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    a = b < a ? b : a;
    v4f c = __builtin_shufflevector(a, a, 0, 1, 2, 3);
    v4f e = __builtin_shufflevector(a, a, 4, 5, 6, 7);
    c = e < c ? e : c;
    v2f f = __builtin_shufflevector(c, c, 0, 1);
    v2f g = __builtin_shufflevector(c, c, 2, 3);
    f = g < f ? g : f;
    return f[1] < f[0] ? f[1] : f[0];
}

INLINE int32_t FN(hmin_i)(v16i v) {
    v8i a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7);
    v8i b = __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    a = b < a ? b : a;
    v4i c = __builtin_shufflevector(a, a, 0, 1, 2, 3);
    v4i e = __builtin_shufflevector(a, a, 4, 5, 6, 7);
    c = e < c ? e : c;
    v2i f = __builtin_shufflevector(c, c, 0, 1);
    v2i g = __builtin_shufflevector(c, c, 2, 3);
    f = g < f ? g : f;
    return f[1] < f[0] ? f[1] : f[0];
}

/// Lowest centre index among the lanes holding the minimum of `best`.
INLINE int32_t FN(lane_argmin)(v16f best, v16i index, float *minimum) {
    float m = FN(hmin)(best);
    *minimum = m;
    v16i big = (v16i)0x7fffffff;
    return FN(hmin_i)(best == m ? index : big);
}

INLINE float FN(sum_squares)(const float *x, int64_t d) {
    float s = 0;
    for (int64_t t = 0; t < d; t++) s += x[t] * x[t];
    return s;
}

INLINE void FN(add_row)(float *restrict sums, const float *restrict x, int64_t d) {
    for (int64_t t = 0; t < d; t++) sums[t] += x[t];
}

/// Centres in lanes: P points (rows of x) against every block of 16 packed centres.
INLINE void FN(assign_block)(const float *x, const int P, int64_t d,
                             const float *packed, const float *half_norms, int64_t blocks,
                             int32_t *indices, float *distances, float *sums, float *counts) {
    v16f best[8];
    v16i best_index[8];
    for (int p = 0; p < P; p++) { best[p] = (v16f)__builtin_inff(); best_index[p] = (v16i)0; }
    const v16i iota = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    for (int64_t b = 0; b < blocks; b++) {
        const float *cb = packed + b * 16 * d;
        v16f acc[8];
        v16f h = load16(half_norms + b * 16);
        for (int p = 0; p < P; p++) acc[p] = h;
        for (int64_t t = 0; t < d; t++) {
            v16f c = load16(cb + t * 16);
            for (int p = 0; p < P; p++) acc[p] = VFNMA((v16f)x[p * d + t], c, acc[p]);
        }
        v16i index = iota + (int32_t)(b * 16);
        for (int p = 0; p < P; p++) {
            v16i closer = acc[p] < best[p];
            best[p] = closer ? acc[p] : best[p];
            best_index[p] = closer ? index : best_index[p];
        }
    }
    for (int p = 0; p < P; p++) {
        float part;
        int32_t a = FN(lane_argmin)(best[p], best_index[p], &part);
        const float *row = x + p * d;
        indices[p] = a;
        if (distances) distances[p] = 2 * (0.5f * FN(sum_squares)(row, d) + part);
        if (sums) {
            FN(add_row)(sums + (int64_t)a * d, row, d);
            counts[a] += 1;
        }
    }
}

/// Points in lanes for D ≤ 4: 16 points per vector, centres broadcast one at a time; no horizontal reductions.
INLINE void FN(assign_low_d)(const float *points, int64_t n, const int D, const float *centers,
                             const float *half_norms, int64_t k,
                             int32_t *indices, float *distances, float *sums, float *counts) {
    for (int64_t i0 = 0; i0 < n; i0 += 16) {
        int64_t rem = n - i0 < 16 ? n - i0 : 16;
        v16f X[4];
        if (rem == 16 && D == 2) {
            v16f lo = load16(points + i0 * 2), hi = load16(points + i0 * 2 + 16);
            X[0] = __builtin_shufflevector(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            X[1] = __builtin_shufflevector(lo, hi, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        } else {
            float buffer[4][16];
            for (int t = 0; t < D; t++)
                for (int l = 0; l < 16; l++) buffer[t][l] = l < rem ? points[(i0 + l) * D + t] : 0.0f;
            for (int t = 0; t < D; t++) X[t] = load16(buffer[t]);
        }
        v16f best = (v16f)__builtin_inff();
        v16i best_index = (v16i)0;
        for (int64_t j = 0; j < k; j++) {
            v16f acc = (v16f)half_norms[j];
            for (int t = 0; t < D; t++) acc = VFNMA(X[t], (v16f)centers[j * D + t], acc);
            v16i closer = acc < best;
            best = closer ? acc : best;
            best_index = closer ? (v16i)(int32_t)j : best_index;
        }
        if (rem == 16) {
            store16i(indices + i0, best_index);
        } else {
            for (int l = 0; l < rem; l++) indices[i0 + l] = best_index[l];
        }
        if (distances) {
            v16f xx = X[0] * X[0];
            for (int t = 1; t < D; t++) xx = xx + X[t] * X[t];
            v16f dist = 2 * (0.5f * xx + best);
            if (rem == 16) store16(distances + i0, dist);
            else for (int l = 0; l < rem; l++) distances[i0 + l] = dist[l];
        }
        if (sums) {
            for (int l = 0; l < rem; l++) {
                int32_t a = best_index[l];
                const float *row = points + (i0 + l) * D;
                for (int t = 0; t < D; t++) sums[a * D + t] += row[t];
                counts[a] += 1;
            }
        }
    }
}

KMK_ATTR static void FN(assign)(const float *points, int64_t n, int64_t d,
                                const float *centers, const float *packed, const float *half_norms, int64_t k,
                                int32_t *indices, float *distances, float *sums, float *counts) {
    if (k <= 0) return;
    switch (d) {
    case 1: FN(assign_low_d)(points, n, 1, centers, half_norms, k, indices, distances, sums, counts); return;
    case 2: FN(assign_low_d)(points, n, 2, centers, half_norms, k, indices, distances, sums, counts); return;
    case 3: FN(assign_low_d)(points, n, 3, centers, half_norms, k, indices, distances, sums, counts); return;
    case 4: FN(assign_low_d)(points, n, 4, centers, half_norms, k, indices, distances, sums, counts); return;
    default: break;
    }
    int64_t blocks = kmk_padded_count(k) / 16;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        FN(assign_block)(points + i * d, 8, d, packed, half_norms, blocks, indices + i,
                         distances ? distances + i : 0, sums, counts);
    for (; i < n; i++)
        FN(assign_block)(points + i * d, 1, d, packed, half_norms, blocks, indices + i,
                         distances ? distances + i : 0, sums, counts);
}

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
    for (; i + 8 <= n; i += 8) FN(distances_block)(points + i * d, 8, d, packed, norms, k, out + i * k);
    for (; i < n; i++) FN(distances_block)(points + i * d, 1, d, packed, norms, k, out + i * k);
}

/// Best and second-best part for one point over all centres (same arithmetic as the Lloyd paths).
INLINE int32_t FN(nearest_two)(const float *x, int64_t d, const float *packed, const float *half_norms,
                               int64_t blocks, float *best_part, float *second_part) {
    v16f b1 = (v16f)__builtin_inff(), b2 = b1;
    v16i bi = (v16i)0;
    const v16i iota = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    int64_t b = 0;
    while (b < blocks) {
        int G = blocks - b >= 4 ? 4 : 1;
        v16f acc[4];
        for (int g = 0; g < G; g++) acc[g] = load16(half_norms + (b + g) * 16);
        for (int64_t t = 0; t < d; t++) {
            v16f xt = (v16f)x[t];
            for (int g = 0; g < G; g++) acc[g] = VFNMA(xt, load16(packed + (b + g) * 16 * d + t * 16), acc[g]);
        }
        for (int g = 0; g < G; g++) {
            v16i closer = acc[g] < b1;
            v16f demoted = acc[g] < b2 ? acc[g] : b2;
            b2 = closer ? b1 : demoted;
            b1 = closer ? acc[g] : b1;
            bi = closer ? iota + (int32_t)((b + g) * 16) : bi;
        }
        b += G;
    }
    float m;
    int32_t a = FN(lane_argmin)(b1, bi, &m);
    float second = __builtin_inff();
    for (int l = 0; l < 16; l++) {
        float candidate = bi[l] == a ? b2[l] : b1[l];
        if (candidate < second) second = candidate;
    }
    *best_part = m;
    *second_part = second;
    return a;
}

KMK_ATTR static int64_t FN(hamerly_pass)(const float *points, int64_t n, int64_t d,
                                         const float *centers, const float *packed, const float *half_norms,
                                         int64_t k, const float *center_half_gap, const float *lower_shift,
                                         float c_max_sq, int full_scan, int32_t *indices, float *lower,
                                         float *distances, float *sums, float *counts) {
    if (k <= 0) return 0;
    int64_t blocks = kmk_padded_count(k) / 16;
    int64_t scanned = 0;
    const float slack = 16.0f * (float)(d + 2) * 0x1p-24f;
    for (int64_t i = 0; i < n; i++) {
        const float *x = points + i * d;
        float xx = FN(sum_squares)(x, d);
        float margin = slack * (xx + c_max_sq) + 0x1p-100f;
        float dist;
        int32_t a;
        if (!full_scan) {
            a = indices[i];
            float l = lower[i] - lower_shift[a];
            l = l > 0 ? l * (1.0f - 0x1p-20f) : 0.0f;
            const float *c = centers + (int64_t)a * d;
            float part = half_norms[a];
            for (int64_t t = 0; t < d; t++) part = SFNMA(x[t], c[t], part);
            dist = 2 * (0.5f * xx + part);
            float z = l > center_half_gap[a] ? l : center_half_gap[a];
            if (z * z > dist + margin) {
                lower[i] = l;
                goto done;
            }
        }
        {
            float best, second;
            a = FN(nearest_two)(x, d, packed, half_norms, blocks, &best, &second);
            indices[i] = a;
            dist = 2 * (0.5f * xx + best);
            float second_sq = 2 * (0.5f * xx + second) - margin;
            lower[i] = second_sq > 0 ? __builtin_sqrtf(second_sq) * (1.0f - 0x1p-20f) : 0.0f;
            scanned++;
        }
    done:
        if (distances) distances[i] = dist;
        if (sums) {
            FN(add_row)(sums + (int64_t)a * d, x, d);
            counts[a] += 1;
        }
    }
    return scanned;
}

#undef FN
#undef INLINE
#undef VFNMA
#undef VFMA
#undef SFNMA
