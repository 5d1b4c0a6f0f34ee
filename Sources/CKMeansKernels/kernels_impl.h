// One kernel source compiled three times (AVX-512, AVX2+FMA, portable) by dispatch.c. Before including, define
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

/// Lowest centre index among the lanes holding the minimum of `best`. One lane holds the minimum almost always:
/// that lane's index is the answer; exact ties between lanes take the vector path.
INLINE int32_t FN(lane_argmin)(v16f best, v16i index, float *minimum) {
    float m = FN(hmin)(best);
    *minimum = m;
    v16b equal = __builtin_convertvector(best == m, v16b);
    uint16_t bits;
    memcpy(&bits, &equal, sizeof bits);
    if (__builtin_popcount(bits) == 1) return index[__builtin_ctz(bits)];
    v16i big = (v16i)0x7fffffff;
    return FN(hmin_i)(best == m ? index : big);
}

/// ‖x‖². Below 16 dimensions a sequential sum; from 16 on, 16 lanes of partial sums (short dependency chains)
/// reduced as a fixed tree, then the remaining dimensions in order. The same function everywhere, so every path
/// agrees bit for bit.
INLINE float FN(sum_squares)(const float *x, int64_t d) {
    float s = 0;
    int64_t t = 0;
    if (d >= 16) {
        v16f v = load16(x);
        v = v * v;
        for (t = 16; t + 16 <= d; t += 16) {
            v16f w = load16(x + t);
            v = VFMA(w, w, v);
        }
        v8f a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
        v4f b = __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
        v2f c = __builtin_shufflevector(b, b, 0, 1) + __builtin_shufflevector(b, b, 2, 3);
        s = c[0] + c[1];
    }
    for (; t < d; t++) s += x[t] * x[t];
    return s;
}

INLINE void FN(add_row)(float *restrict sums, const float *restrict x, int64_t d) {
    for (int64_t t = 0; t < d; t++) sums[t] += x[t];
}

/// Σ a_t·b_t and Σ a_t² with 8-wide partial sums (short dependency chains). Only used for Hamerly's bound test,
/// whose margin covers the different rounding.
INLINE void FN(dot_and_norm)(const float *a, const float *b, int64_t d, float *dot, float *norm) {
    v8f vd = (v8f)0.0f, vn = (v8f)0.0f;
    int64_t t = 0;
    for (; t + 8 <= d; t += 8) {
        v8f x, c;
        memcpy(&x, a + t, sizeof x);
        memcpy(&c, b + t, sizeof c);
        vd = VFMA(x, c, vd);
        vn = VFMA(x, x, vn);
    }
    v4f d4 = __builtin_shufflevector(vd, vd, 0, 1, 2, 3) + __builtin_shufflevector(vd, vd, 4, 5, 6, 7);
    v4f n4 = __builtin_shufflevector(vn, vn, 0, 1, 2, 3) + __builtin_shufflevector(vn, vn, 4, 5, 6, 7);
    float sd = (d4[0] + d4[2]) + (d4[1] + d4[3]);
    float sn = (n4[0] + n4[2]) + (n4[1] + n4[3]);
    for (; t < d; t++) {
        sd += a[t] * b[t];
        sn += a[t] * a[t];
    }
    *dot = sd;
    *norm = sn;
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
    // Assign a chunk first, then add its rows (still in cache) to their clusters in row order: the additions no
    // longer wait on each point's argmin, and the sums are the same as adding point by point.
    for (int64_t c0 = 0; c0 < n; c0 += ACCUMULATE_CHUNK) {
        int64_t c1 = n - c0 < ACCUMULATE_CHUNK ? n : c0 + ACCUMULATE_CHUNK;
        int64_t i = c0;
        for (; i + KMK_BLOCK_POINTS <= c1; i += KMK_BLOCK_POINTS)
            FN(assign_block)(points + i * d, KMK_BLOCK_POINTS, d, packed, half_norms, blocks, indices + i,
                             distances ? distances + i : 0, 0, 0);
        for (; i < c1; i++)
            FN(assign_block)(points + i * d, 1, d, packed, half_norms, blocks, indices + i,
                             distances ? distances + i : 0, 0, 0);
        if (sums) {
            for (i = c0; i < c1; i++) {
                int32_t a = indices[i];
                FN(add_row)(sums + (int64_t)a * d, points + i * d, d);
                counts[a] += 1;
            }
        }
    }
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
    for (; i + KMK_BLOCK_POINTS <= n; i += KMK_BLOCK_POINTS)
        FN(distances_block)(points + i * d, KMK_BLOCK_POINTS, d, packed, norms, k, out + i * k);
    for (; i < n; i++) FN(distances_block)(points + i * d, 1, d, packed, norms, k, out + i * k);
}

/// Best and second-best part for P contiguous rows (centres in lanes), same arithmetic as assign_block.
INLINE void FN(nearest_two_block)(const float *x, const int P, int64_t d, const float *packed,
                                  const float *half_norms, int64_t blocks,
                                  int32_t *best_index, float *best_part, float *second_part) {
    v16f b1[8], b2[8];
    v16i bi[8];
    for (int p = 0; p < P; p++) { b1[p] = (v16f)__builtin_inff(); b2[p] = b1[p]; bi[p] = (v16i)0; }
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
            v16i closer = acc[p] < b1[p];
            v16f demoted = acc[p] < b2[p] ? acc[p] : b2[p];
            b2[p] = closer ? b1[p] : demoted;
            b1[p] = closer ? acc[p] : b1[p];
            bi[p] = closer ? index : bi[p];
        }
    }
    for (int p = 0; p < P; p++) {
        float m;
        int32_t a = FN(lane_argmin)(b1[p], bi[p], &m);
        float second = __builtin_inff();
        for (int l = 0; l < 16; l++) {
            float candidate = bi[p][l] == a ? b2[p][l] : b1[p][l];
            if (candidate < second) second = candidate;
        }
        best_index[p] = a;
        best_part[p] = m;
        second_part[p] = second;
    }
}

/// Best and second-best part for `count` contiguous rows of D ≤ 4 (points in lanes), same arithmetic as
/// assign_low_d.
INLINE void FN(nearest_two_low_d)(const float *rows, int64_t count, const int D, const float *centers,
                                  const float *half_norms, int64_t k,
                                  int32_t *best_index, float *best_part, float *second_part) {
    for (int64_t i0 = 0; i0 < count; i0 += 16) {
        int64_t rem = count - i0 < 16 ? count - i0 : 16;
        float buffer[4][16];
        for (int t = 0; t < D; t++)
            for (int l = 0; l < 16; l++) buffer[t][l] = l < rem ? rows[(i0 + l) * D + t] : 0.0f;
        v16f X[4];
        for (int t = 0; t < D; t++) X[t] = load16(buffer[t]);
        v16f b1 = (v16f)__builtin_inff(), b2 = b1;
        v16i bi = (v16i)0;
        for (int64_t j = 0; j < k; j++) {
            v16f acc = (v16f)half_norms[j];
            for (int t = 0; t < D; t++) acc = VFNMA(X[t], (v16f)centers[j * D + t], acc);
            v16i closer = acc < b1;
            v16f demoted = acc < b2 ? acc : b2;
            b2 = closer ? b1 : demoted;
            b1 = closer ? acc : b1;
            bi = closer ? (v16i)(int32_t)j : bi;
        }
        for (int l = 0; l < rem; l++) {
            best_index[i0 + l] = bi[l];
            best_part[i0 + l] = b1[l];
            second_part[i0 + l] = b2[l];
        }
    }
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
    // Rows needing a full search are gathered per chunk and searched together with the blocked kernels.
    float *rows = malloc(sizeof(float) * HAMERLY_CHUNK * (size_t)(d > 0 ? d : 1));
    if (!rows) return -1;
    int64_t list[HAMERLY_CHUNK];
    float xxs[HAMERLY_CHUNK], best[HAMERLY_CHUNK], second[HAMERLY_CHUNK];
    int32_t found[HAMERLY_CHUNK];
    for (int64_t c0 = 0; c0 < n; c0 += HAMERLY_CHUNK) {
        int64_t end = n - c0 < HAMERLY_CHUNK ? n : c0 + HAMERLY_CHUNK;
        int64_t count = 0;
        for (int64_t i = c0; i < end; i++) {
            const float *x = points + i * d;
            float xx;
            if (!full_scan) {
                int32_t a = indices[i];
                float l = lower[i] - lower_shift[a];
                l = l > 0 ? l * (1.0f - 0x1p-20f) : 0.0f;
                const float *c = centers + (int64_t)a * d;
                float part;
                if (d >= 8) {
                    float dot;
                    FN(dot_and_norm)(x, c, d, &dot, &xx);
                    part = half_norms[a] - dot;
                } else {
                    xx = FN(sum_squares)(x, d);
                    part = half_norms[a];
                    for (int64_t t = 0; t < d; t++) part = SFNMA(x[t], c[t], part);
                }
                float dist = 2 * (0.5f * xx + part);
                float z = l > center_half_gap[a] ? l : center_half_gap[a];
                float margin = slack * (xx + c_max_sq) + 0x1p-100f;
                if (z * z > dist + margin) {
                    lower[i] = l;
                    if (distances) distances[i] = dist;
                    continue;
                }
            } else {
                xx = FN(sum_squares)(x, d);
            }
            memcpy(rows + count * d, x, sizeof(float) * (size_t)d);
            xxs[count] = xx;
            list[count++] = i;
        }
        switch (d) {
        case 1: FN(nearest_two_low_d)(rows, count, 1, centers, half_norms, k, found, best, second); break;
        case 2: FN(nearest_two_low_d)(rows, count, 2, centers, half_norms, k, found, best, second); break;
        case 3: FN(nearest_two_low_d)(rows, count, 3, centers, half_norms, k, found, best, second); break;
        case 4: FN(nearest_two_low_d)(rows, count, 4, centers, half_norms, k, found, best, second); break;
        default: {
            int64_t q = 0;
            for (; q + KMK_BLOCK_POINTS <= count; q += KMK_BLOCK_POINTS)
                FN(nearest_two_block)(rows + q * d, KMK_BLOCK_POINTS, d, packed, half_norms, blocks, found + q, best + q, second + q);
            for (; q < count; q++)
                FN(nearest_two_block)(rows + q * d, 1, d, packed, half_norms, blocks, found + q, best + q, second + q);
        }
        }
        for (int64_t q = 0; q < count; q++) {
            int64_t i = list[q];
            float xx = xxs[q];
            float margin = slack * (xx + c_max_sq) + 0x1p-100f;
            indices[i] = found[q];
            if (distances) distances[i] = 2 * (0.5f * xx + best[q]);
            float second_sq = 2 * (0.5f * xx + second[q]) - margin;
            lower[i] = second_sq > 0 ? __builtin_sqrtf(second_sq) * (1.0f - 0x1p-20f) : 0.0f;
        }
        scanned += count;
        if (sums) {
            for (int64_t i = c0; i < end; i++) {
                int32_t a = indices[i];
                FN(add_row)(sums + (int64_t)a * d, points + i * d, d);
                counts[a] += 1;
            }
        }
    }
    free(rows);
    return scanned;
}

#undef FN
#undef INLINE
#undef VFNMA
#undef VFMA
#undef SFNMA
