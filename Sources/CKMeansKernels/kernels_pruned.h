// Pruned search: centre gaps, guesses from leading columns, candidate lists and kmk_pruned_nearest.
// Part of the kernel source that kernels_impl.h includes once per variant (AVX-512, AVX2+FMA, portable); it uses
// kernels_impl.h's macros (FN, INLINE, VFMA/VFNMA/SFNMA, KMK_BLOCK_POINTS) and the helpers of the files included before it.

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
