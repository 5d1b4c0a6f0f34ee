// Hamerly: best and second-best parts and the bounded pass (kmk_hamerly_pass).
// Part of the kernel source that kernels_impl.h includes once per variant (AVX-512, AVX2+FMA, portable); it uses
// kernels_impl.h's macros (FN, INLINE, VFMA/VFNMA/SFNMA, KMK_BLOCK_POINTS) and the helpers of the files included before it.

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
        // Second best: the winning lane's runner-up, every other lane's best.
        v16f candidates = bi[p] == (v16i)a ? b2[p] : b1[p];
        best_index[p] = a;
        best_part[p] = m;
        second_part[p] = FN(hmin)(candidates);
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

/// nearest_two_block for 16 contiguous rows with the centres' parts turned into rows-in-lanes per block, so the
/// best / second-best scan runs over centres once for all 16 rows instead of a horizontal reduction per row. The
/// parts are block_parts' (the same bits); ties keep the lowest index and the second best is the multiset's
/// second smallest part, as in nearest_two_block.
INLINE void FN(nearest_two_group16)(const float *x, int64_t d, const float *packed, const float *half_norms,
                                    int64_t blocks, int32_t *best_index, float *best_part, float *second_part) {
    v16f b1 = (v16f)__builtin_inff(), b2 = b1;
    v16i bi = (v16i)0;
    for (int64_t b = 0; b < blocks; b++) {
        v16f acc[16];
        FN(block_parts)(x, 8, d, d, packed, half_norms, b, acc);
        FN(block_parts)(x + 8 * d, 8, d, d, packed, half_norms, b, acc + 8);
        FN(transpose16)(acc);
        for (int j = 0; j < 16; j++) {
            v16i closer = acc[j] < b1;
            v16f demoted = acc[j] < b2 ? acc[j] : b2;
            b2 = closer ? b1 : demoted;
            b1 = closer ? acc[j] : b1;
            bi = closer ? (v16i)(int32_t)(b * 16 + j) : bi;
        }
    }
    memcpy(best_index, &bi, sizeof bi);
    memcpy(best_part, &b1, sizeof b1);
    memcpy(second_part, &b2, sizeof b2);
}

/// Best index and part and second-best part of `count` gathered rows: the low-D path for d ≤ 4, blocks otherwise
/// (kmk_assign's indices bit for bit).
INLINE void FN(nearest_two_rows)(const float *rows, int64_t count, int64_t d, const float *centers,
                                 const float *packed, const float *half_norms, int64_t k,
                                 int32_t *found, float *best, float *second) {
    switch (d) {
    case 1: FN(nearest_two_low_d)(rows, count, 1, centers, half_norms, k, found, best, second); break;
    case 2: FN(nearest_two_low_d)(rows, count, 2, centers, half_norms, k, found, best, second); break;
    case 3: FN(nearest_two_low_d)(rows, count, 3, centers, half_norms, k, found, best, second); break;
    case 4: FN(nearest_two_low_d)(rows, count, 4, centers, half_norms, k, found, best, second); break;
    default: {
        int64_t blocks = kmk_padded_count(k) / 16, q = 0;
        // With few blocks the per-row reductions cost as much as the parts: scan 16 rows at once in lanes.
        if (KMK_BLOCK_POINTS == 8 && blocks <= 4)
            for (; q + 16 <= count; q += 16)
                FN(nearest_two_group16)(rows + q * d, d, packed, half_norms, blocks, found + q, best + q, second + q);
        for (; q + KMK_BLOCK_POINTS <= count; q += KMK_BLOCK_POINTS)
            FN(nearest_two_block)(rows + q * d, KMK_BLOCK_POINTS, d, packed, half_norms, blocks, found + q, best + q,
                                  second + q);
        for (; q < count; q++)
            FN(nearest_two_block)(rows + q * d, 1, d, packed, half_norms, blocks, found + q, best + q, second + q);
    }
    }
}

/// Best index and part and second-best part of `count` contiguous rows, row q searching only the blocks of 16
/// packed centres whose bit in skip[q] is clear. Blocks run in increasing order, each against the rows that need it
/// in groups of up to KMK_BLOCK_POINTS (the block stays in L1), with assign_block's arithmetic per part; `state`
/// holds 48 floats per row. Where every skipped part is above the row's best, the index equals nearest_two_block's
/// and the second-best part is that over the blocks searched.
INLINE void FN(nearest_two_unskipped)(const float *rows, int64_t count, int64_t d, const float *packed,
                                      const float *half_norms, int64_t blocks, const uint64_t *skip, float *state,
                                      int32_t *found, float *best, float *second) {
    const v16i iota = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    for (int64_t q = 0; q < count; q++) {
        v16f inf = (v16f)__builtin_inff();
        v16i zero = (v16i)0;
        memcpy(state + q * 48, &inf, sizeof inf);
        memcpy(state + q * 48 + 16, &inf, sizeof inf);
        memcpy(state + q * 48 + 32, &zero, sizeof zero);
    }
    int64_t members[HAMERLY_CHUNK];
    for (int64_t b = 0; b < blocks; b++) {
        int64_t m = 0;
        for (int64_t q = 0; q < count; q++)
            if (!((skip[q] >> b) & 1)) members[m++] = q;
        const float *cb = packed + b * 16 * d;
        v16f h = load16(half_norms + b * 16);
        v16i index = iota + (int32_t)(b * 16);
        for (int64_t g = 0; g < m; g += KMK_BLOCK_POINTS) {
            int P = m - g < KMK_BLOCK_POINTS ? (int)(m - g) : KMK_BLOCK_POINTS;
            const float *x[8];
            v16f acc[8];
            // A ragged group repeats its first row in the spare slots (their parts are dropped), so the
            // accumulators stay in registers.
            for (int p = 0; p < KMK_BLOCK_POINTS; p++) {
                x[p] = rows + members[g + (p < P ? p : 0)] * d;
                acc[p] = h;
            }
            for (int64_t t = 0; t < d; t++) {
                v16f c = load16(cb + t * 16);
                for (int p = 0; p < KMK_BLOCK_POINTS; p++) acc[p] = VFNMA((v16f)x[p][t], c, acc[p]);
            }
            for (int p = 0; p < P; p++) {
                float *st = state + members[g + p] * 48;
                v16f b1, b2;
                v16i bi;
                memcpy(&b1, st, sizeof b1);
                memcpy(&b2, st + 16, sizeof b2);
                memcpy(&bi, st + 32, sizeof bi);
                v16i closer = acc[p] < b1;
                v16f demoted = acc[p] < b2 ? acc[p] : b2;
                b2 = closer ? b1 : demoted;
                b1 = closer ? acc[p] : b1;
                bi = closer ? index : bi;
                memcpy(st, &b1, sizeof b1);
                memcpy(st + 16, &b2, sizeof b2);
                memcpy(st + 32, &bi, sizeof bi);
            }
        }
    }
    for (int64_t q = 0; q < count; q++) {
        v16f b1, b2;
        v16i bi;
        memcpy(&b1, state + q * 48, sizeof b1);
        memcpy(&b2, state + q * 48 + 16, sizeof b2);
        memcpy(&bi, state + q * 48 + 32, sizeof bi);
        float minimum;
        int32_t a = FN(lane_argmin)(b1, bi, &minimum);
        v16f candidates = bi == (v16i)a ? b2 : b1;
        found[q] = a;
        best[q] = minimum;
        second[q] = FN(hmin)(candidates);
    }
}

/// Lane p of the result: ⟨x[p], c[p]⟩ (`differences` = 0) or ‖x[p] − c[p]‖² (`differences` = 1) for p < 8,
/// ‖x[p − 8]‖² for p ≥ 8: 16-wide partial sums per row, reduced for all 16 sums at once as a transpose tree, so no
/// row pays its own horizontal sums. Only used for bound tests, whose margins cover the different rounding.
INLINE v16f FN(pair_sums8)(const float *const *x, const float *const *c, int64_t d, const int differences) {
    v16f v[16];
    for (int p = 0; p < 16; p++) v[p] = (v16f)0.0f;
    int64_t t = 0;
    for (; t + 16 <= d; t += 16)
        for (int p = 0; p < 8; p++) {
            v16f xv = load16(x[p] + t), cv = load16(c[p] + t);
            if (differences) {
                v16f diff = xv - cv;
                v[p] = VFMA(diff, diff, v[p]);
            } else {
                v[p] = VFMA(xv, cv, v[p]);
            }
            v[8 + p] = VFMA(xv, xv, v[8 + p]);
        }
    for (; t < d; t++)
        for (int p = 0; p < 8; p++) {
            float diff = x[p][t] - c[p][t];
            v[p][0] += differences ? diff * diff : x[p][t] * c[p][t];
            v[8 + p][0] += x[p][t] * x[p][t];
        }
    // Each stage adds the two halves of every vector's remaining partials and packs two vectors into one.
    v16f u[8];
    for (int q = 0; q < 8; q++)
        u[q] = __builtin_shufflevector(v[2 * q], v[2 * q + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
               __builtin_shufflevector(v[2 * q], v[2 * q + 1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    v16f w[4];
    for (int q = 0; q < 4; q++)
        w[q] = __builtin_shufflevector(u[2 * q], u[2 * q + 1], 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27) +
               __builtin_shufflevector(u[2 * q], u[2 * q + 1], 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
    v16f y[2];
    for (int q = 0; q < 2; q++)
        y[q] = __builtin_shufflevector(w[2 * q], w[2 * q + 1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29) +
               __builtin_shufflevector(w[2 * q], w[2 * q + 1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
    return __builtin_shufflevector(y[0], y[1], 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) +
           __builtin_shufflevector(y[0], y[1], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

/// pair_sums8's dots and norms (Hamerly's bound test for 16 ≤ d ≤ 32).
INLINE v16f FN(dots_and_norms8)(const float *const *x, const float *const *c, int64_t d) {
    return FN(pair_sums8)(x, c, d, 0);
}

/// Copies d floats (16 at a time, inline; the tail by element).
INLINE void FN(copy_row)(float *to, const float *from, int64_t d) {
    int64_t t = 0;
    for (; t + 16 <= d; t += 16) store16(to + t, load16(from + t));
    for (; t < d; t++) to[t] = from[t];
}

/// Hamerly's test for row i on centre a, given ‖x‖² and the part 0.5‖c_a‖² − ⟨x, c_a⟩: when the bounds prove the
/// centre cannot have changed, stores the row's new lower bound and distance and returns 1; else returns 0.
INLINE int FN(hamerly_holds)(int64_t i, int32_t a, float xx, float part, const float *center_half_gap,
                             const float *lower_shift, float slack, float c_max_sq, float *lower, float *distances) {
    float l = lower[i] - lower_shift[a];
    l = l > 0 ? l * (1.0f - 0x1p-20f) : 0.0f;
    float dist = 2 * (0.5f * xx + part);
    float z = l > center_half_gap[a] ? l : center_half_gap[a];
    float margin = slack * (xx + c_max_sq) + 0x1p-100f;
    if (!(z * z > dist + margin)) return 0;
    lower[i] = l;
    if (distances) distances[i] = dist;
    return 1;
}

KMK_ATTR static int64_t FN(hamerly_pass)(const float *points, int64_t n, int64_t d,
                                         const float *centers, const float *packed, const float *half_norms,
                                         int64_t k, const float *center_half_gap, const float *lower_shift,
                                         const float *block_gaps, float c_max_sq, int full_scan, int32_t *indices, float *lower,
                                         float *distances, float *sums, float *counts, int64_t *skipped_blocks) {
    if (k <= 0) return 0;
    int64_t scanned = 0, skipped_total = 0;
    const float slack = 16.0f * (float)(d + 2) * 0x1p-24f;
    // Rows needing a full search are gathered per chunk and searched together with the blocked kernels (on the
    // first pass every row is, in place).
    float *rows = malloc(sizeof(float) * HAMERLY_CHUNK * (size_t)(d > 0 ? d : 1));
    if (!rows) return -1;
    int64_t list[HAMERLY_CHUNK];
    float xxs[HAMERLY_CHUNK], best[HAMERLY_CHUNK], second[HAMERLY_CHUNK];
    int32_t found[HAMERLY_CHUNK];
    // With block_gaps, a searched row of the per-row path skips the blocks whose every centre is provably farther
    // than its old centre: skipped[q] is then a lower bound on its distance to any skipped centre (+inf if none).
    const int64_t blocks = kmk_padded_count(k) / 16;
    const int skips_blocks = block_gaps && !full_scan && d > 32 && blocks >= 2 && blocks <= 64;
    float skipped[HAMERLY_CHUNK];
    uint64_t skips[HAMERLY_CHUNK];
    float *search_state = skips_blocks ? malloc(sizeof(float) * 48 * HAMERLY_CHUNK) : 0;
    if (skips_blocks && !search_state) { free(rows); return -1; }
    for (int64_t c0 = 0; c0 < n; c0 += HAMERLY_CHUNK) {
        int64_t end = n - c0 < HAMERLY_CHUNK ? n : c0 + HAMERLY_CHUNK;
        int64_t count = 0;
        const float *searched = rows;
        if (full_scan) {
            for (int64_t i = c0; i < end; i++) {
                xxs[count] = FN(sum_squares)(points + i * d, d);
                list[count++] = i;
            }
            searched = points + c0 * d;
        } else if (d >= 16 && d <= 32) {
            // Short rows: per row, the two horizontal sums cost more than the arithmetic, so 8 rows share one
            // reduction tree and one vector test. (Longer rows measured faster with the per-row loop below.)
            for (int64_t i0 = c0; i0 < end; i0 += 8) {
                int P = end - i0 < 8 ? (int)(end - i0) : 8;
                const float *xs[8], *cs[8];
                // The rows two groups ahead (the bound test reads each row once, faster than the lines arrive).
                const char *ahead = (const char *)(points + (i0 + 16) * d);
                if (i0 + 24 <= n)
                    for (int64_t offset = 0; offset < 8 * d * (int64_t)sizeof(float); offset += 64)
                        __builtin_prefetch(ahead + offset, 0, 3);
                for (int p = 0; p < 8; p++) {
                    int64_t i = i0 + (p < P ? p : 0);
                    xs[p] = points + i * d;
                    cs[p] = centers + (int64_t)indices[i] * d;
                }
                v16f dots_norms = FN(dots_and_norms8)(xs, cs, d);
                if (P == 8) {
                    // hamerly_holds for the 8 rows in lanes (the same operations per lane); every row stores its
                    // bound and distance, and the rows that fail are searched below, which overwrites both.
                    v8i a;
                    v8f old_lower, shift, gap, half, dot, xx;
                    memcpy(&a, indices + i0, sizeof a);
                    memcpy(&old_lower, lower + i0, sizeof old_lower);
                    for (int p = 0; p < 8; p++) {
                        shift[p] = lower_shift[a[p]];
                        gap[p] = center_half_gap[a[p]];
                        half[p] = half_norms[a[p]];
                    }
                    dot = __builtin_shufflevector(dots_norms, dots_norms, 0, 1, 2, 3, 4, 5, 6, 7);
                    xx = __builtin_shufflevector(dots_norms, dots_norms, 8, 9, 10, 11, 12, 13, 14, 15);
                    v8f l = old_lower - shift;
                    l = l > 0 ? l * (1.0f - 0x1p-20f) : (v8f)0.0f;
                    v8f dist = 2 * (0.5f * xx + (half - dot));
                    v8f z = l > gap ? l : gap;
                    v8f margin = slack * (xx + c_max_sq) + 0x1p-100f;
                    v8i holds = z * z > dist + margin;
                    memcpy(lower + i0, &l, sizeof l);
                    if (distances) memcpy(distances + i0, &dist, sizeof dist);
                    for (int p = 0; p < 8; p++) {
                        if (holds[p]) continue;
                        FN(copy_row)(rows + count * d, xs[p], d);
                        xxs[count] = xx[p];
                        list[count++] = i0 + p;
                    }
                    continue;
                }
                for (int p = 0; p < P; p++) {
                    int64_t i = i0 + p;
                    int32_t a = indices[i];
                    float xx = dots_norms[8 + p];
                    if (FN(hamerly_holds)(i, a, xx, half_norms[a] - dots_norms[p], center_half_gap, lower_shift,
                                          slack, c_max_sq, lower, distances))
                        continue;
                    FN(copy_row)(rows + count * d, xs[p], d);
                    xxs[count] = xx;
                    list[count++] = i;
                }
            }
        } else {
            for (int64_t i = c0; i < end; i++) {
                const float *x = points + i * d;
                int32_t a = indices[i];
                const float *c = centers + (int64_t)a * d;
                float xx, part;
                if (d >= 8) {
                    float dot;
                    FN(dot_and_norm)(x, c, d, &dot, &xx);
                    part = half_norms[a] - dot;
                } else {
                    xx = FN(sum_squares)(x, d);
                    part = half_norms[a];
                    for (int64_t t = 0; t < d; t++) part = SFNMA(x[t], c[t], part);
                }
                if (FN(hamerly_holds)(i, a, xx, part, center_half_gap, lower_shift, slack, c_max_sq, lower,
                                      distances))
                    continue;
                if (skips_blocks) {
                    // Centre j of block b is at least gap − u from x (u ≥ ‖x − c_a‖); skip b when that bound
                    // passes Hamerly's test against c_a (so every part of b is above the row's best).
                    float upper_sq = 2 * (0.5f * xx + part) + slack * (xx + c_max_sq) + 0x1p-100f;
                    float u = __builtin_sqrtf(upper_sq > 0 ? upper_sq : 0.0f) * (1.0f + 0x1p-20f);
                    uint64_t skip = 0;
                    float nearest_skipped = __builtin_inff();
                    for (int64_t b = 0; b < blocks; b++) {
                        float z = (block_gaps[(int64_t)a * blocks + b] - u) * (1.0f - 0x1p-20f);
                        if (z > 0 && z * z > upper_sq) {
                            skip |= (uint64_t)1 << b;
                            nearest_skipped = z < nearest_skipped ? z : nearest_skipped;
                        }
                    }
                    skips[count] = skip;
                    skipped[count] = nearest_skipped;
                    skipped_total += __builtin_popcountll(skip);
                }
                memcpy(rows + count * d, x, sizeof(float) * (size_t)d);
                xxs[count] = xx;
                list[count++] = i;
            }
        }
        if (skips_blocks)
            FN(nearest_two_unskipped)(rows, count, d, packed, half_norms, blocks, skips, search_state, found, best,
                                      second);
        else
            FN(nearest_two_rows)(searched, count, d, centers, packed, half_norms, k, found, best, second);
        for (int64_t q = 0; q < count; q++) {
            int64_t i = list[q];
            float xx = xxs[q];
            float margin = slack * (xx + c_max_sq) + 0x1p-100f;
            indices[i] = found[q];
            if (distances) distances[i] = 2 * (0.5f * xx + best[q]);
            float second_sq = 2 * (0.5f * xx + second[q]) - margin;
            lower[i] = second_sq > 0 ? __builtin_sqrtf(second_sq) * (1.0f - 0x1p-20f) : 0.0f;
            if (skips_blocks && skipped[q] < lower[i]) lower[i] = skipped[q];
        }
        scanned += count;
        if (sums) FN(add_rows_any)(points, c0, end, d, indices, sums, counts);
    }
    free(rows);
    free(search_state);
    if (skipped_blocks) __atomic_fetch_add(skipped_blocks, skipped_total, __ATOMIC_RELAXED);
    return scanned;
}
