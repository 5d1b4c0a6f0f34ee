// Assignment: the fused nearest-centre pass (kmk_assign), its given-centre distances and the finiteness-checked search.
// Part of the kernel source that kernels_impl.h includes once per variant (AVX-512, AVX2+FMA, portable); it uses
// kernels_impl.h's macros (FN, INLINE, VFMA/VFNMA/SFNMA, KMK_BLOCK_POINTS) and the helpers of the files included before it.

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

/// Row r (D ≤ 4 columns) repeated across the lanes: lane l holds r[l mod D].
INLINE v16f FN(repeat_row)(const float *r, const int D) {
    v4f q = (v4f)0.0f;
    memcpy(&q, r, sizeof(float) * (size_t)D);
    switch (D) {
    case 1: return (v16f)q[0];
    case 2: return __builtin_shufflevector(q, q, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
    case 3: return __builtin_shufflevector(q, q, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0);
    default: return __builtin_shufflevector(q, q, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3);
    }
}

/// Adds `count` rows (D ≤ 4 columns) to the register sums: lanes j·D + t of *sums and lane j of *counts for row l's
/// cluster j = nearest[l], in row order.
INLINE void FN(add_rows_masked)(const float *rows, const int32_t *nearest, int count, const int D, v16f *sums,
                                v16f *counts) {
    const v16i iota = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    const v16i lane_cluster = iota / D;
    v16f S = *sums, C = *counts;
    for (int l = 0; l < count; l++) {
        v16i a = (v16i)nearest[l];
        S = lane_cluster == a ? S + FN(repeat_row)(rows + l * D, D) : S;
        C = iota == a ? C + 1.0f : C;
    }
    *sums = S;
    *counts = C;
}

/// Points in lanes for D ≤ 4: 16 points per vector, centres broadcast one at a time; no horizontal reductions.
/// When k·D ≤ 16 the sums stay in a register (lane j·D + t: cluster j, column t; counts: lane j) and each point
/// is added to its cluster's lanes only (a masked add): the same float32 additions in the same order as adding
/// to memory point by point, without a store and reload per point. A group's additions run after the next group's
/// search, which does not depend on them, so the two overlap.
INLINE void FN(assign_low_d)(const float *points, int64_t n, const int D, const float *centers,
                             const float *half_norms, int64_t k,
                             int32_t *indices, float *distances, float *sums, float *counts) {
    const int in_register = sums && k * D <= 16;
    v16f S = (v16f)0.0f, C = (v16f)0.0f;
    int32_t pending[16];
    int64_t pending_start = 0;
    int pending_count = 0;
    if (in_register) {
        float s[16] = {0}, c[16] = {0};
        memcpy(s, sums, sizeof(float) * (size_t)(k * D));
        memcpy(c, counts, sizeof(float) * (size_t)k);
        S = load16(s);
        C = load16(c);
    }
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
        if (in_register) {
            // This group's additions wait for the next group's search (independent work to overlap the chain).
            if (pending_count) FN(add_rows_masked)(points + pending_start * D, pending, pending_count, D, &S, &C);
            store16i(pending, best_index);
            pending_start = i0;
            pending_count = (int)rem;
        } else if (sums) {
            for (int l = 0; l < rem; l++) {
                int32_t a = best_index[l];
                const float *row = points + (i0 + l) * D;
                for (int t = 0; t < D; t++) sums[a * D + t] += row[t];
                counts[a] += 1;
            }
        }
    }
    if (in_register) {
        if (pending_count) FN(add_rows_masked)(points + pending_start * D, pending, pending_count, D, &S, &C);
        float s[16], c[16];
        store16(s, S);
        store16(c, C);
        memcpy(sums, s, sizeof(float) * (size_t)(k * D));
        memcpy(counts, c, sizeof(float) * (size_t)k);
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
        // Points in lanes: distances come out 16 at a time; sum each chunk in row order.
        // Chunks of 256 (a multiple of 16, so add_loss keeps each point's lane).
        float scratch[256];
        int32_t index_scratch[256];
        for (int64_t c0 = 0; c0 < n; c0 += 256) {
            int64_t count = n - c0 < 256 ? n - c0 : 256;
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
