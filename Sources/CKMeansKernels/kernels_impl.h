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

/// The 8 lanes added as a fixed tree: (lane l + lane l+4), then (0 + 2) + (1 + 3).
INLINE float FN(hsum8)(v8f v) {
    v4f b = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
    v2f c = __builtin_shufflevector(b, b, 0, 1) + __builtin_shufflevector(b, b, 2, 3);
    return c[0] + c[1];
}

/// The 16 lanes added as a fixed tree (lane l + lane l+8, then +4, +2, +1).
INLINE float FN(hsum16)(v16f v) {
    return FN(hsum8)(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                     __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15));
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
        s = FN(hsum16)(v);
    }
    for (; t < d; t++) s += x[t] * x[t];
    return s;
}

/// sum_squares of 8 rows (d ≥ 16) at once, lane p = row p, with exactly sum_squares' operations per row: the 16
/// partial sums per row, then the same pairwise tree (lane l + lane l+8, +4, +2, +1) done for the 8 rows together
/// by pairing their vectors, then the remaining dimensions in order.
INLINE v8f FN(sum_squares8)(const float *x, int64_t d) {
    v16f v[8];
    for (int p = 0; p < 8; p++) {
        const float *row = x + p * d;
        v16f w = load16(row);
        v[p] = w * w;
        for (int64_t t = 16; t + 16 <= d; t += 16) {
            w = load16(row + t);
            v[p] = VFMA(w, w, v[p]);
        }
    }
    v16f a[4], b[2];
    for (int q = 0; q < 4; q++)  // lanes 0–7: row 2q's l + l+8; lanes 8–15: row 2q+1's
        a[q] = __builtin_shufflevector(v[2 * q], v[2 * q + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
               __builtin_shufflevector(v[2 * q], v[2 * q + 1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    for (int q = 0; q < 2; q++)  // four lanes per row: l + l+4
        b[q] = __builtin_shufflevector(a[2 * q], a[2 * q + 1], 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27) +
               __builtin_shufflevector(a[2 * q], a[2 * q + 1], 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
    v16f c = __builtin_shufflevector(b[0], b[1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29) +
             __builtin_shufflevector(b[0], b[1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
    v8f s = __builtin_shufflevector(c, c, 0, 2, 4, 6, 8, 10, 12, 14) + __builtin_shufflevector(c, c, 1, 3, 5, 7, 9, 11, 13, 15);
    for (int64_t t = d / 16 * 16; t < d; t++) {
        v8f w;
        for (int p = 0; p < 8; p++) w[p] = x[p * d + t];
        s += w * w;
    }
    return s;
}

/// Adds rows [i0, i1) to their clusters' sums in row order (256-bit pieces: on Zen 4 a 512-bit store forwards
/// badly to the next 512-bit load of the same cluster).
INLINE void FN(add_rows)(const float *points, int64_t i0, int64_t i1, const int64_t d, const int32_t *indices,
                         float *sums, float *counts) {
    for (int64_t i = i0; i < i1; i++) {
        int32_t a = indices[i];
        float *s = sums + (int64_t)a * d;
        const float *row = points + i * d;
        int64_t t = 0;
        for (; t + 8 <= d; t += 8) {
            v8f u, v;
            memcpy(&u, s + t, sizeof u);
            memcpy(&v, row + t, sizeof v);
            u = u + v;
            memcpy(s + t, &u, sizeof u);
        }
        for (; t < d; t++) s[t] += row[t];
        counts[a] += 1;
    }
}

/// add_rows with a constant width for the common D (straight-line 256-bit adds, no loop control per row).
INLINE void FN(add_rows_any)(const float *points, int64_t i0, int64_t i1, int64_t d, const int32_t *indices,
                             float *sums, float *counts) {
    switch (d) {
    case 16: FN(add_rows)(points, i0, i1, 16, indices, sums, counts); break;
    case 32: FN(add_rows)(points, i0, i1, 32, indices, sums, counts); break;
    default: FN(add_rows)(points, i0, i1, d, indices, sums, counts); break;
    }
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
    float sd = FN(hsum8)(vd), sn = FN(hsum8)(vn);
    for (; t < d; t++) {
        sd += a[t] * b[t];
        sn += a[t] * a[t];
    }
    *dot = sd;
    *norm = sn;
}

/// The parts of P rows (row stride `stride`, their first `dims` columns) against block b of 16 packed centres
/// (packed from `dims` columns) into acc[0..P): the fused chain from 0.5‖c‖², fma(−x_t, c_t, ·) in t order.
INLINE void FN(block_parts)(const float *x, const int P, int64_t stride, int64_t dims, const float *packed,
                            const float *half_norms, int64_t b, v16f *acc) {
    const float *cb = packed + b * 16 * dims;
    v16f h = load16(half_norms + b * 16);
    for (int p = 0; p < P; p++) acc[p] = h;
    for (int64_t t = 0; t < dims; t++) {
        v16f c = load16(cb + t * 16);
        for (int p = 0; p < P; p++) acc[p] = VFNMA((v16f)x[p * stride + t], c, acc[p]);
    }
}

/// Per lane, keeps the lower of `best` and `acc` (the earlier on a tie) and the index that goes with it.
INLINE void FN(keep_lower)(v16f acc, v16i index, v16f *best, v16i *best_index) {
    v16i closer = acc < *best;
    *best = closer ? acc : *best;
    *best_index = closer ? index : *best_index;
}

/// Centres in lanes: P points (rows of x) against every block of 16 packed centres. `parts` (if given) receives
/// each point's winning part.
INLINE void FN(assign_block_parts)(const float *x, const int P, int64_t d,
                                   const float *packed, const float *half_norms, int64_t blocks,
                                   int32_t *indices, float *distances, float *parts) {
    v16f best[8];
    v16i best_index[8];
    for (int p = 0; p < P; p++) { best[p] = (v16f)__builtin_inff(); best_index[p] = (v16i)0; }
    const v16i iota = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    for (int64_t b = 0; b < blocks; b++) {
        v16f acc[8];
        FN(block_parts)(x, P, d, d, packed, half_norms, b, acc);
        v16i index = iota + (int32_t)(b * 16);
        for (int p = 0; p < P; p++) FN(keep_lower)(acc[p], index, &best[p], &best_index[p]);
    }
    for (int p = 0; p < P; p++) {
        float part;
        indices[p] = FN(lane_argmin)(best[p], best_index[p], &part);
        if (parts) parts[p] = part;
        if (distances) distances[p] = 2 * (0.5f * FN(sum_squares)(x + p * d, d) + part);
    }
}

INLINE void FN(assign_block)(const float *x, const int P, int64_t d,
                             const float *packed, const float *half_norms, int64_t blocks,
                             int32_t *indices, float *distances) {
    FN(assign_block_parts)(x, P, d, packed, half_norms, blocks, indices, distances, 0);
}

/// Column t of rows [i0, i0 + rem) (rem ≤ 16, D ≤ 4 columns) into lane l of X[t]; lanes past rem hold 0.
INLINE void FN(gather_low_d)(const float *points, int64_t i0, int64_t rem, const int D, v16f *X) {
    float buffer[4][16];
    for (int t = 0; t < D; t++)
        for (int l = 0; l < 16; l++) buffer[t][l] = l < rem ? points[(i0 + l) * D + t] : 0.0f;
    for (int t = 0; t < D; t++) X[t] = load16(buffer[t]);
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
            FN(gather_low_d)(points, i0, rem, D, X);
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

/// assign_low_d with a constant D for d = 1, 2, 3 (any other d: 4).
INLINE void FN(assign_low_d_any)(const float *points, int64_t n, int64_t d, const float *centers,
                                 const float *half_norms, int64_t k,
                                 int32_t *indices, float *distances, float *sums, float *counts) {
    switch (d) {
    case 1: FN(assign_low_d)(points, n, 1, centers, half_norms, k, indices, distances, sums, counts); break;
    case 2: FN(assign_low_d)(points, n, 2, centers, half_norms, k, indices, distances, sums, counts); break;
    case 3: FN(assign_low_d)(points, n, 3, centers, half_norms, k, indices, distances, sums, counts); break;
    default: FN(assign_low_d)(points, n, 4, centers, half_norms, k, indices, distances, sums, counts); break;
    }
}

/// Adds the per-point distances of one chunk (starting at a multiple of 16 points into the range) to the running
/// loss: sequentially in row order into lane 0 (`lanes` = 0), or point i of the range into lane i mod 16.
INLINE void FN(add_loss)(const float *distances, int64_t count, int lanes, v16f *loss) {
    int64_t i = 0;
    if (lanes) {
        v16f acc = *loss;
        for (; i + 16 <= count; i += 16) acc = acc + load16(distances + i);
        for (int l = 0; i < count; i++, l++) acc[l] += distances[i];
        *loss = acc;
    } else {
        float s = (*loss)[0];
        for (; i < count; i++) s += distances[i];
        (*loss)[0] = s;
    }
}

/// Indices only, 4 points against groups of 4 blocks of 16 centres (16 accumulators): one broadcast of x_t feeds 4
/// FMAs and one centre load feeds 4 points. Every part is the same fused chain, and the best-so-far is updated
/// block by block in increasing order, so the indices equal assign_block's.
INLINE void FN(assign_group4)(const float *x, int64_t d, const float *packed, const float *half_norms,
                              int64_t blocks, int32_t *indices) {
    v16f best[4];
    v16i best_index[4];
    for (int p = 0; p < 4; p++) { best[p] = (v16f)__builtin_inff(); best_index[p] = (v16i)0; }
    const v16i iota = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    int64_t b = 0;
    for (; b + 4 <= blocks; b += 4) {
        const float *cb = packed + b * 16 * d;
        v16f acc[4][4];
        for (int g = 0; g < 4; g++) {
            v16f h = load16(half_norms + (b + g) * 16);
            for (int p = 0; p < 4; p++) acc[p][g] = h;
        }
        for (int64_t t = 0; t < d; t++) {
            v16f c0 = load16(cb + t * 16), c1 = load16(cb + 16 * d + t * 16);
            v16f c2 = load16(cb + 32 * d + t * 16), c3 = load16(cb + 48 * d + t * 16);
            for (int p = 0; p < 4; p++) {
                v16f xv = (v16f)x[p * d + t];
                acc[p][0] = VFNMA(xv, c0, acc[p][0]);
                acc[p][1] = VFNMA(xv, c1, acc[p][1]);
                acc[p][2] = VFNMA(xv, c2, acc[p][2]);
                acc[p][3] = VFNMA(xv, c3, acc[p][3]);
            }
        }
        for (int g = 0; g < 4; g++) {
            v16i index = iota + (int32_t)((b + g) * 16);
            for (int p = 0; p < 4; p++) FN(keep_lower)(acc[p][g], index, &best[p], &best_index[p]);
        }
    }
    for (; b < blocks; b++) {
        v16f acc[4];
        FN(block_parts)(x, 4, d, d, packed, half_norms, b, acc);
        v16i index = iota + (int32_t)(b * 16);
        for (int p = 0; p < 4; p++) FN(keep_lower)(acc[p], index, &best[p], &best_index[p]);
    }
    for (int p = 0; p < 4; p++) {
        float part;
        indices[p] = FN(lane_argmin)(best[p], best_index[p], &part);
    }
}

/// Nearest centre and (optionally) TF's per-point distance for points [c0, c1) of one chunk, with the distance of
/// every point written to `distances` (the caller's array or chunk scratch indexed from c0).
INLINE void FN(assign_chunk)(const float *points, int64_t c0, int64_t c1, int64_t d, const float *packed,
                             const float *half_norms, int64_t blocks, int32_t *indices, float *distances) {
    int64_t i = c0;
    if (KMK_BLOCK_POINTS == 8 && distances && d >= 16) {
        // The 8 rows' ‖x‖² together (sum_squares8: the same bits, a third of the reduction work).
        for (; i + 8 <= c1; i += 8) {
            v8f parts;
            float part[8];
            FN(assign_block_parts)(points + i * d, 8, d, packed, half_norms, blocks, indices + i, 0, part);
            memcpy(&parts, part, sizeof parts);
            v8f dist = 2 * (0.5f * FN(sum_squares8)(points + i * d, d) + parts);
            memcpy(distances + (i - c0), &dist, sizeof dist);
        }
    }
    if (KMK_BLOCK_POINTS == 8 && !distances && blocks >= 4) {
        for (; i + 4 <= c1; i += 4) FN(assign_group4)(points + i * d, d, packed, half_norms, blocks, indices + i);
    }
    for (; i + KMK_BLOCK_POINTS <= c1; i += KMK_BLOCK_POINTS)
        FN(assign_block)(points + i * d, KMK_BLOCK_POINTS, d, packed, half_norms, blocks, indices + i,
                         distances ? distances + (i - c0) : 0);
    for (; i < c1; i++)
        FN(assign_block)(points + i * d, 1, d, packed, half_norms, blocks, indices + i,
                         distances ? distances + (i - c0) : 0);
}

KMK_ATTR static void FN(assign)(const float *points, int64_t n, int64_t d,
                                const float *centers, const float *packed, const float *half_norms, int64_t k,
                                int32_t *indices, float *distances, float *sums, float *counts, float *loss,
                                int loss_lanes) {
    if (k <= 0) return;
    v16f running = (v16f)0.0f;
    if (loss && d >= 1 && d <= 4) {
        // Points in lanes: distances come out 16 at a time; sum each group in row order.
        float scratch[16];
        int32_t index_scratch[16];
        for (int64_t c0 = 0; c0 < n; c0 += 16) {
            int64_t count = n - c0 < 16 ? n - c0 : 16;
            float *out = distances ? distances + c0 : scratch;
            int32_t *nearest = indices ? indices + c0 : index_scratch;
            const float *x = points + c0 * d;
            FN(assign_low_d_any)(x, count, d, centers, half_norms, k, nearest, out, sums, counts);
            FN(add_loss)(out, count, loss_lanes, &running);
        }
        *loss = loss_lanes ? FN(hsum16)(running) : running[0];
        return;
    }
    if (d >= 1 && d <= 4) {
        FN(assign_low_d_any)(points, n, d, centers, half_norms, k, indices, distances, sums, counts);
        return;
    }
    int64_t blocks = kmk_padded_count(k) / 16;
    // Assign a chunk first, then add its rows (still in cache) to their clusters in row order: the additions no
    // longer wait on each point's argmin, and the sums are the same as adding point by point.
    for (int64_t c0 = 0; c0 < n; c0 += ACCUMULATE_CHUNK) {
        int64_t c1 = n - c0 < ACCUMULATE_CHUNK ? n : c0 + ACCUMULATE_CHUNK;
        float chunk_distances[ACCUMULATE_CHUNK];
        float *out = distances ? distances + c0 : (loss ? chunk_distances : 0);
        if (indices) {
            FN(assign_chunk)(points, c0, c1, d, packed, half_norms, blocks, indices, out);
        } else {
            // No index output wanted (the caller keeps only sums, counts and loss): the chunk's indices live here.
            int32_t chunk_indices[ACCUMULATE_CHUNK];
            FN(assign_chunk)(points + c0 * d, 0, c1 - c0, d, packed, half_norms, blocks, chunk_indices, out);
            if (sums) FN(add_rows_any)(points + c0 * d, 0, c1 - c0, d, chunk_indices, sums, counts);
            if (loss) FN(add_loss)(out, c1 - c0, loss_lanes, &running);
            continue;
        }
        if (loss) FN(add_loss)(out, c1 - c0, loss_lanes, &running);
        if (sums) FN(add_rows_any)(points, c0, c1, d, indices, sums, counts);
    }
    if (loss) *loss = loss_lanes ? FN(hsum16)(running) : running[0];
}

/// The kernels' fused chain for 8 (row, centre) pairs at once (independent chains in flight): acc[u] goes on from
/// its start value (the centre's 0.5‖c‖²) with fma(−xs[u][t], cs[u][t], ·) for t in [0, d).
INLINE void FN(pair_parts8)(const float *const *xs, const float *const *cs, int64_t d, float *acc) {
    for (int64_t t = 0; t < d; t++)
        for (int u = 0; u < 8; u++) acc[u] = SFNMA(xs[u][t], cs[u][t], acc[u]);
}

/// kmk_assigned_distances: each point's part for its given centre is the kernels' fused chain (from 0.5‖c‖²,
/// fma(−x_t, c_t, ·) in t order), its ‖x‖² is sum_squares, combined as assign combines them: the same bits.
/// GROUP points at once keep independent chains in flight.
KMK_ATTR static void FN(assigned_distances)(const float *points, int64_t n, int64_t d, const float *centers,
                                            const float *half_norms, const int32_t *indices, float *distances) {
    enum { GROUP = 8 };  // pair_parts8's width
    for (int64_t i0 = 0; i0 < n; i0 += GROUP) {
        int g = n - i0 < GROUP ? (int)(n - i0) : GROUP;
        const float *xs[GROUP], *cs[GROUP];
        float acc[GROUP];
        for (int u = 0; u < GROUP; u++) {
            int64_t i = i0 + (u < g ? u : 0);
            int32_t a = indices[i];
            xs[u] = points + i * d;
            cs[u] = centers + (int64_t)a * d;
            acc[u] = half_norms[a];
        }
        FN(pair_parts8)(xs, cs, d, acc);
        for (int u = 0; u < g; u++) distances[i0 + u] = 2 * (0.5f * FN(sum_squares)(xs[u], d) + acc[u]);
    }
}

/// 1 when one of the `count` values at x is NaN or infinite (exponent bits all set), else 0.
INLINE int FN(any_non_finite)(const float *x, int64_t count) {
    v16i high = (v16i)0, high2 = (v16i)0;
    int64_t i = 0;
    for (; i + 32 <= count; i += 32) {
        v16i a, b;
        memcpy(&a, x + i, sizeof a);
        memcpy(&b, x + i + 16, sizeof b);
        a &= 0x7fffffff;
        b &= 0x7fffffff;
        high = a > high ? a : high;
        high2 = b > high2 ? b : high2;
    }
    for (; i + 16 <= count; i += 16) {
        v16i a;
        memcpy(&a, x + i, sizeof a);
        a &= 0x7fffffff;
        high = a > high ? a : high;
    }
    high = high2 > high ? high2 : high;
    v16i bad = high >= 0x7f800000;
    int flag = 0;
    for (int l = 0; l < 16; l++) flag |= bad[l] != 0;
    for (; i < count; i++) flag |= !__builtin_isfinite(x[i]);
    return flag;
}

/// kmk_assign's indices (and distances when not NULL) for points [0, n), without sums or loss, checking every value
/// per chunk while its rows are in cache: returns 1 (outputs then invalid) as soon as a chunk holds a NaN or
/// infinity, else 0.
KMK_ATTR static int FN(nearest_checked)(const float *points, int64_t n, int64_t d,
                                        const float *centers, const float *packed, const float *half_norms,
                                        int64_t k, int32_t *indices, float *distances) {
    if (k <= 0 || n <= 0) return 0;
    int64_t blocks = kmk_padded_count(k) / 16;
    for (int64_t c0 = 0; c0 < n; c0 += ACCUMULATE_CHUNK) {
        int64_t c1 = n - c0 < ACCUMULATE_CHUNK ? n : c0 + ACCUMULATE_CHUNK, count = c1 - c0;
        const float *x = points + c0 * d;
        float *out = distances ? distances + c0 : 0;
        // Assign first (reading the rows as the plain pass does, so memory and arithmetic overlap), then check the
        // rows, now in cache. A non-finite value only makes that chunk's outputs meaningless; nothing is indexed
        // by them here.
        if (d >= 1 && d <= 4) FN(assign_low_d_any)(x, count, d, centers, half_norms, k, indices + c0, out, 0, 0);
        else FN(assign_chunk)(points, c0, c1, d, packed, half_norms, blocks, indices, out);
        if (FN(any_non_finite)(x, count * d)) return 1;
    }
    return 0;
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
        v16f acc[8];
        FN(block_parts)(x, P, d, d, packed, half_norms, b, acc);
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
        v16f X[4];
        FN(gather_low_d)(rows, i0, rem, D, X);
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
        if (sums) FN(add_rows_any)(points, c0, end, d, indices, sums, counts);
    }
    free(rows);
    return scanned;
}


/// Σ (a_t − b_t)² with 16-wide partial sums. Only used for bounds, whose margins cover its rounding.
INLINE float FN(squared_difference)(const float *a, const float *b, int64_t d) {
    v16f v = (v16f)0.0f;
    int64_t t = 0;
    for (; t + 16 <= d; t += 16) {
        v16f e = load16(a + t) - load16(b + t);
        v = VFMA(e, e, v);
    }
    float s = FN(hsum16)(v);
    for (; t < d; t++) { float e = a[t] - b[t]; s += e * e; }
    return s;
}

/// ‖x‖² and ‖x − c‖² in one read of x, 16-wide partial sums. Only used for bounds and margins, which cover their
/// rounding.
INLINE void FN(norm_and_distance)(const float *x, const float *c, int64_t d, float *norm, float *distance) {
    v16f vx = (v16f)0.0f, ve = (v16f)0.0f;
    int64_t t = 0;
    for (; t + 16 <= d; t += 16) {
        v16f xv = load16(x + t);
        v16f e = xv - load16(c + t);
        vx = VFMA(xv, xv, vx);
        ve = VFMA(e, e, ve);
    }
    float sx = FN(hsum16)(vx), se = FN(hsum16)(ve);
    for (; t < d; t++) {
        float e = x[t] - c[t];
        sx += x[t] * x[t];
        se += e * e;
    }
    *norm = sx;
    *distance = se;
}

/// Lower bounds on ‖c_a − c_j‖ for all pairs, k rows of padded_count(k) floats (+inf in the padding).
KMK_ATTR static void FN(center_gaps)(const float *centers, int64_t k, int64_t d, float *gaps) {
    int64_t kp = kmk_padded_count(k);
    const float shrink = (1.0f - (float)(d + 4) * 0x1p-22f) * (1.0f - 0x1p-20f);
    for (int64_t a = 0; a < k; a++) {
        gaps[a * kp + a] = 0.0f;
        for (int64_t j = a + 1; j < k; j++) {
            float s = FN(squared_difference)(centers + a * d, centers + j * d, d);
            float g = __builtin_sqrtf(s) * shrink;
            g = g > 0 ? g : 0.0f;
            gaps[a * kp + j] = g;
            gaps[j * kp + a] = g;
        }
        for (int64_t j = k; j < kp; j++) gaps[a * kp + j] = __builtin_inff();
    }
}

/// Indices of the nearest of the 16·blocks packed centres over the first `dims` columns of P rows with row
/// stride `stride` (a guess: same kernel as assign_block on a leading slice of the dimensions). The parts of every
/// centre are also written to parts[p · parts_stride + j].
INLINE void FN(guess_block)(const float *x, const int P, int64_t stride, int64_t dims,
                            const float *packed, const float *half_norms, int64_t blocks, int32_t *indices,
                            float *parts, int64_t parts_stride) {
    v16f best[8];
    v16i best_index[8];
    for (int p = 0; p < P; p++) { best[p] = (v16f)__builtin_inff(); best_index[p] = (v16i)0; }
    const v16i iota = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    for (int64_t b = 0; b < blocks; b++) {
        v16f acc[8];
        FN(block_parts)(x, P, stride, dims, packed, half_norms, b, acc);
        for (int p = 0; p < P; p++) store16(parts + p * parts_stride + b * 16, acc[p]);
        v16i index = iota + (int32_t)(b * 16);
        for (int p = 0; p < P; p++) FN(keep_lower)(acc[p], index, &best[p], &best_index[p]);
    }
    for (int p = 0; p < P; p++) {
        float part;
        indices[p] = FN(lane_argmin)(best[p], best_index[p], &part);
    }
}

/// Parts 0.5‖c_j‖² − ⟨x, c_j⟩ over a leading slice of the columns for every packed centre (padding: +inf) and P
/// rows, continued from the parts `init[p]` of the columns before the slice's last `dims` columns: x[p] points at
/// the first of those columns, the centres are packed from them with their half norms; written to
/// out[p · out_stride + j]. A bound only (the margins cover the different rounding).
INLINE void FN(parts_block_continued)(const float *const *x, const int P, int64_t dims, const float *packed,
                                      const float *half_norms, int64_t blocks, const float *const *init,
                                      float *out, int64_t out_stride) {
    for (int64_t b = 0; b < blocks; b++) {
        const float *cb = packed + b * 16 * dims;
        v16f acc[8];
        v16f h = load16(half_norms + b * 16);
        for (int p = 0; p < P; p++) acc[p] = load16(init[p] + b * 16) + h;
        for (int64_t t = 0; t < dims; t++) {
            v16f c = load16(cb + t * 16);
            for (int p = 0; p < P; p++) acc[p] = VFNMA((v16f)x[p][t], c, acc[p]);
        }
        for (int p = 0; p < P; p++) store16(out + p * out_stride + b * 16, acc[p]);
    }
}

/// Appends to the pair list the lanes of `blocks` 16-wide groups where `values[j] > limit` is false (Elkan's test
/// or the partial-distance test could not rule centre j out) and, for the first 64 groups, `prior` (if given) has
/// the lane's bit set; `masks` (64 entries) receives those bits. Returns the number found, or stops and returns
/// more than `cap` when there are too many.
INLINE int64_t FN(collect_candidates)(const float *values, float limit, int64_t blocks, int64_t cap, int32_t owner,
                                      int32_t *pair_center, int32_t *pair_owner, int64_t *pairs,
                                      const uint16_t *prior, uint16_t *masks) {
    v16f bound = (v16f)limit;
    int64_t candidates = 0;
    int64_t counted = blocks < 64 ? blocks : 64;
    for (int64_t b = 0; b < counted; b++) {
        v16i ruled_out = load16(values + b * 16) > bound;
        v16b keep = __builtin_convertvector(~ruled_out, v16b);
        memcpy(&masks[b], &keep, sizeof masks[b]);
        if (prior) masks[b] &= prior[b];
        candidates += __builtin_popcount(masks[b]);
    }
    if (candidates > cap) return candidates;
    candidates = 0;
    for (int64_t b = 0; b < blocks; b++) {
        uint16_t bits;
        if (b < counted) {
            bits = masks[b];
        } else {
            v16i ruled_out = load16(values + b * 16) > bound;
            v16b keep = __builtin_convertvector(~ruled_out, v16b);
            memcpy(&bits, &keep, sizeof bits);
        }
        candidates += __builtin_popcount(bits);
        if (candidates > cap) { *pairs -= candidates - __builtin_popcount(bits); return candidates; }
        while (bits) {
            int lane = __builtin_ctz(bits);
            bits &= bits - 1;
            pair_center[*pairs] = lane + (int32_t)(b * 16);
            pair_owner[*pairs] = owner;
            (*pairs)++;
        }
    }
    return candidates;
}

/// Exact nearest centre with pruning (see kmk_pruned_nearest). Returns the number of points that needed the full
/// search, or −1 when scratch memory could not be allocated.
KMK_ATTR static int64_t FN(pruned_nearest)(const float *points, int64_t n, int64_t d,
                                           const float *centers, const float *packed, const float *half_norms,
                                           int64_t k, const float *guess_packed, const float *guess_half_norms,
                                           int64_t guess_d, const float *bound_packed, const float *bound_half_norms,
                                           int64_t bound_d, const float *gaps, float c_max_sq,
                                           int32_t *indices, float *distances, int check_finite) {
    if (k <= 0 || n <= 0) return 0;
    enum { CHUNK = 256, MAX_CANDIDATES = 32, GROUP = 8 };  // GROUP: pair_parts8's width
    int64_t kp = kmk_padded_count(k), blocks = kp / 16;
    const float slack = 16.0f * (float)(d + 2) * 0x1p-24f;
    const float grow = (1.0f + (float)(d + 4) * 0x1p-22f);
    int64_t scanned = 0;
    // Per chunk: candidate pairs (point, centre) whose exact part is computed, rows for the partial-distance test
    // and the full search, and the partial parts of those rows.
    size_t pair_capacity = (size_t)CHUNK * (MAX_CANDIDATES + 1) + GROUP;
    int32_t *pair_center = malloc(sizeof(int32_t) * pair_capacity);
    int32_t *pair_owner = malloc(sizeof(int32_t) * pair_capacity);
    float *pair_part = malloc(sizeof(float) * pair_capacity);
    float *rows = malloc(sizeof(float) * CHUNK * (size_t)d);
    float *bound_parts = malloc(sizeof(float) * KMK_BLOCK_POINTS * (size_t)kp);
    int32_t *exact_center = malloc(sizeof(int32_t) * pair_capacity);
    int32_t *exact_owner = malloc(sizeof(int32_t) * pair_capacity);
    float *guess_parts = malloc(sizeof(float) * CHUNK * (size_t)kp);
    if (!pair_center || !pair_owner || !pair_part || !rows || !bound_parts || !exact_center || !exact_owner ||
        !guess_parts) {
        free(pair_center); free(pair_owner); free(pair_part); free(rows); free(bound_parts);
        free(exact_center); free(exact_owner); free(guess_parts);
        return -1;
    }
    int32_t guess[CHUNK], found[CHUNK], first_pair[CHUNK], pair_count[CHUNK];
    const v16i iota = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    int64_t list[CHUNK], full_list[CHUNK];
    const float *open_rows[CHUNK];
    uint16_t elkan_masks[CHUNK * 64];
    float found_distance[CHUNK], upper[CHUNK], margins[CHUNK];
    for (int64_t c0 = 0; c0 < n; c0 += CHUNK) {
        int64_t end = n - c0 < CHUNK ? n : c0 + CHUNK, count = end - c0;
        // 1. A guess from the leading dimensions.
        int64_t q = 0;
        for (; q + KMK_BLOCK_POINTS <= count; q += KMK_BLOCK_POINTS) {
            // The guess reads the first columns of each row; fetch the rest for the next stage meanwhile (the
            // guess is bound by arithmetic, the next stage by memory).
            const char *block_rows = (const char *)(points + (c0 + q) * d);
            for (int p = 0; p < KMK_BLOCK_POINTS; p++)
                for (int64_t offset = 64; offset < d * (int64_t)sizeof(float); offset += 64)
                    __builtin_prefetch(block_rows + p * d * (int64_t)sizeof(float) + offset, 0, 2);
            FN(guess_block)(points + (c0 + q) * d, KMK_BLOCK_POINTS, d, guess_d, guess_packed, guess_half_norms,
                            blocks, guess + q, guess_parts + q * kp, kp);
        }
        for (; q < count; q++)
            FN(guess_block)(points + (c0 + q) * d, 1, d, guess_d, guess_packed, guess_half_norms, blocks, guess + q,
                            guess_parts + q * kp, kp);
        // 2. Elkan: with R ≥ ‖x − c_a‖, centre j is certainly farther than a (by more than the rounding of the
        //    parts) when ‖c_a − c_j‖ > R + sqrt(R² + margin). The others become candidate pairs.
        int64_t pairs = 0, open = 0;
        for (q = 0; q < count; q++) {
            const float *x = points + (c0 + q) * d;
            int32_t a = guess[q];
            if ((uint32_t)a >= (uint32_t)k) a = 0;  // a guess from a row of NaNs: any centre will do
            float xx, r2;
            FN(norm_and_distance)(x, centers + (int64_t)a * d, d, &xx, &r2);
            // A NaN or infinity makes ‖x‖² NaN or infinite (so does overflow of finite values: check the row).
            if (check_finite && !(xx <= __FLT_MAX__) && FN(any_non_finite)(x, d)) { scanned = -2; goto finish; }
            float margin = slack * (xx + c_max_sq) + 0x1p-100f;
            r2 *= grow;
            float r = __builtin_sqrtf(r2) * (1.0f + 0x1p-20f);
            float threshold = (r + __builtin_sqrtf(r * r + margin)) * (1.0f + 0x1p-20f);
            margins[q] = margin;
            first_pair[q] = (int32_t)pairs;
            int64_t candidates = FN(collect_candidates)(gaps + (int64_t)a * kp, threshold, blocks, MAX_CANDIDATES,
                                                        (int32_t)q, pair_center, pair_owner, &pairs, 0,
                                                        elkan_masks + open * 64);
            pair_count[q] = (int32_t)(pairs - first_pair[q]);
            if (candidates > MAX_CANDIDATES || candidates == 0) {
                open_rows[open] = x;
                upper[open] = r * r;
                list[open++] = q;
            } else if (candidates == 1 && !distances) {
                indices[c0 + q] = pair_center[first_pair[q]];  // only the guess is left: the answer, no part needed
                pairs = first_pair[q];
                pair_count[q] = 0;
            }
        }
        // 3. Partial distances over the first bound_d dimensions (a lower bound on the full distance) for the
        //    points Elkan's test left open: centre j is ruled out when that bound exceeds ‖x − c‖² by more than
        //    the margins, for c the nearer of the guess and the centre nearest over those dimensions. Points
        //    with too many candidates left take the full search.
        int64_t full = 0;
        for (int64_t o0 = 0; o0 < open; o0 += KMK_BLOCK_POINTS) {
            int P = open - o0 < KMK_BLOCK_POINTS ? (int)(open - o0) : KMK_BLOCK_POINTS;
            // The guess's parts over the first guess_d columns, continued over columns [guess_d, bound_d).
            const float *tails[KMK_BLOCK_POINTS], *starts[KMK_BLOCK_POINTS];
            for (int p = 0; p < P; p++) {
                tails[p] = open_rows[o0 + p] + guess_d;
                starts[p] = guess_parts + list[o0 + p] * kp;
            }
            if (P == KMK_BLOCK_POINTS)
                FN(parts_block_continued)(tails, KMK_BLOCK_POINTS, bound_d - guess_d, bound_packed,
                                          bound_half_norms, blocks, starts, bound_parts, kp);
            else
                for (int p = 0; p < P; p++)
                    FN(parts_block_continued)(tails + p, 1, bound_d - guess_d, bound_packed, bound_half_norms,
                                              blocks, starts + p, bound_parts + p * kp, kp);
            for (int p = 0; p < P; p++) {
                int64_t o = o0 + p;
                q = list[o];
                const float *x = open_rows[o];
                float xx_bound = FN(sum_squares)(x, bound_d);
                // The centre nearest over the leading dimensions often beats the guess: bound with the nearer.
                v16f lowest = load16(bound_parts + p * kp);
                v16i lowest_index = iota;
                for (int64_t b = 1; b < blocks; b++) {
                    FN(keep_lower)(load16(bound_parts + p * kp + b * 16), iota + (int32_t)(b * 16), &lowest,
                                   &lowest_index);
                }
                float lowest_part;
                int32_t b_index = FN(lane_argmin)(lowest, lowest_index, &lowest_part);
                if (b_index >= 0 && b_index < k) {
                    float other = FN(squared_difference)(x, centers + (int64_t)b_index * d, d) * grow;
                    float other_r = __builtin_sqrtf(other) * (1.0f + 0x1p-20f);
                    if (other_r * other_r < upper[o]) upper[o] = other_r * other_r;
                }
                // part_j > limit ⇔ 2·part_j + ‖x[:g]‖² > ‖x − c_a‖² + 2·margin (with room for this rounding).
                float limit = ((upper[o] + 2 * margins[q]) * (1.0f + 0x1p-20f) - xx_bound) * 0.5f;
                first_pair[q] = (int32_t)pairs;
                uint16_t kept[64];
                int64_t candidates = FN(collect_candidates)(bound_parts + p * kp, limit, blocks, MAX_CANDIDATES,
                                                            (int32_t)q, pair_center, pair_owner, &pairs,
                                                            elkan_masks + o * 64, kept);
                pair_count[q] = (int32_t)(pairs - first_pair[q]);
                if (candidates > MAX_CANDIDATES || candidates == 0) {
                    memcpy(rows + full * d, x, sizeof(float) * (size_t)d);
                    full_list[full++] = q;
                }
            }
        }
        // 4. Squared distances to the candidates (fast, not the exact chain): a candidate farther than the nearest
        //    one by more than the rounding margins cannot win. Usually one is left; it is the answer unless the
        //    distance is wanted or several are left, in which case their exact parts decide.
        int64_t exact = 0;
        for (q = 0; q < count; q++) {
            int32_t p0 = first_pair[q], p1 = p0 + pair_count[q];
            if (p1 == p0) continue;
            const float *x = points + (c0 + q) * d;
            float nearest = __builtin_inff();
            for (int32_t p = p0; p < p1; p++) {
                float sd = FN(squared_difference)(x, centers + (int64_t)pair_center[p] * d, d);
                pair_part[p] = sd;
                nearest = sd < nearest ? sd : nearest;
            }
            float cutoff = (nearest * grow + margins[q]) * grow * (1.0f + 0x1p-20f);
            first_pair[q] = (int32_t)exact;
            for (int32_t p = p0; p < p1; p++) {
                if (pair_part[p] > cutoff) continue;
                exact_center[exact] = pair_center[p];
                exact_owner[exact++] = (int32_t)q;
            }
            pair_count[q] = (int32_t)(exact - first_pair[q]);
            if (pair_count[q] == 1 && !distances) {
                indices[c0 + q] = exact_center[first_pair[q]];
                exact = first_pair[q];
                pair_count[q] = 0;
            }
        }
        // 5. Exact parts of what is left: the same fused chain as the blocked kernel, GROUP pairs at once; the
        //    lowest part wins, ties to the lowest index (pairs are in index order).
        for (int64_t p0 = 0; p0 < exact; p0 += GROUP) {
            const float *xs[GROUP], *cs[GROUP];
            float acc[GROUP];
            for (int u = 0; u < GROUP; u++) {
                int64_t p = p0 + u < exact ? p0 + u : p0;
                int32_t j = exact_center[p];
                xs[u] = points + (c0 + exact_owner[p]) * d;
                cs[u] = centers + (int64_t)j * d;
                acc[u] = half_norms[j];
            }
            FN(pair_parts8)(xs, cs, d, acc);
            for (int u = 0; u < GROUP && p0 + u < exact; u++) pair_part[p0 + u] = acc[u];
        }
        for (q = 0; q < count; q++) {
            int32_t p0 = first_pair[q], p1 = p0 + pair_count[q];
            if (p1 == p0) continue;
            float best = __builtin_inff();
            int32_t best_index = exact_center[p0];
            for (int32_t p = p0; p < p1; p++)
                if (pair_part[p] < best) { best = pair_part[p]; best_index = exact_center[p]; }
            indices[c0 + q] = best_index;
            if (distances) distances[c0 + q] = 2 * (0.5f * FN(sum_squares)(points + (c0 + q) * d, d) + best);
        }
        // 6. Full search for the points with too many candidates (their rows were compacted to the front).
        q = 0;
        for (; q + KMK_BLOCK_POINTS <= full; q += KMK_BLOCK_POINTS)
            FN(assign_block)(rows + q * d, KMK_BLOCK_POINTS, d, packed, half_norms, blocks, found + q,
                             found_distance + q);
        for (; q < full; q++)
            FN(assign_block)(rows + q * d, 1, d, packed, half_norms, blocks, found + q, found_distance + q);
        for (q = 0; q < full; q++) {
            indices[c0 + full_list[q]] = found[q];
            if (distances) distances[c0 + full_list[q]] = found_distance[q];
        }
        scanned += full;
    }
finish:
    free(pair_center); free(pair_owner); free(pair_part); free(rows); free(bound_parts);
    free(exact_center); free(exact_owner); free(guess_parts);
    return scanned;
}

#undef FN
#undef INLINE
#undef VFNMA
#undef VFMA
#undef SFNMA
