// Incremental pass (kmk_incremental_pass): Hamerly's bound test per point, the search of the rows that fail it, and
// the float64 cluster changes of the rows that changed cluster (IncrementalState in Swift).
// Part of the kernel source that kernels_impl.h includes once per variant (AVX-512, AVX2+FMA, portable); it uses
// kernels_impl.h's macros and the helpers of the files included before it (nearest_two_* of kernels_hamerly.h).

/// The next float above v, without branches (the smallest subnormal for ±0, v itself for +inf; NaN stays NaN).
INLINE float FN(next_up)(float v) {
    union { float f; int32_t i; } bits = {v + 0.0f};  // −0 becomes +0
    bits.i += bits.i >= 0 ? 1 : -1;
    return v == __builtin_inff() ? v : bits.f;
}

INLINE float FN(next_down)(float v) { return -FN(next_up)(-v); }

/// The float32 bit patterns of a vector, and back.
INLINE v16i FN(bits16)(v16f v) { v16i r; memcpy(&r, &v, sizeof r); return r; }
INLINE v16f FN(floats16)(v16i v) { v16f r; memcpy(&r, &v, sizeof r); return r; }

/// table[index[l]] in every lane (one gather instruction on AVX-512).
INLINE v16f FN(gather16)(const float *table, v16i index) {
#if KMK_HAS_GATHER16
    return (v16f)__builtin_ia32_gathersiv16sf((v16f)0.0f, table, index, (uint16_t)0xffff, 4);
#else
    v16f r;
    for (int l = 0; l < 16; l++) r[l] = table[index[l]];
    return r;
#endif
}

/// The per-centre values of a pass that the bound tests look up by a point's centre (drift totals, half gaps, norm
/// bounds). On AVX-512 with k ≤ 32 they are also held in registers, so a lookup is one permute, not a gather.
typedef struct {
    const float *drift_upper, *drift_lower, *half_gap, *center_norm;
    int registers;  // 0: look up in memory; 1: k ≤ 16, one register per table; 2: k ≤ 32, two
    v16f drift_upper_r[2], drift_lower_r[2], half_gap_r[2], center_norm_r[2];
} FN(center_tables);

INLINE void FN(load_table)(const float *table, int64_t k, v16f *registers) {
    float padded[32] = {0};
    memcpy(padded, table, sizeof(float) * (size_t)k);
    memcpy(&registers[0], padded, sizeof registers[0]);
    memcpy(&registers[1], padded + 16, sizeof registers[1]);
}

INLINE FN(center_tables) FN(make_center_tables)(const float *drift_upper, const float *drift_lower,
                                                const float *half_gap, const float *center_norm, int64_t k) {
    FN(center_tables) t;
    memset(&t, 0, sizeof t);
    t.drift_upper = drift_upper;
    t.drift_lower = drift_lower;
    t.half_gap = half_gap;
    t.center_norm = center_norm;
#if KMK_HAS_GATHER16
    t.registers = k <= 16 ? 1 : k <= 32 ? 2 : 0;
#endif
    if (t.registers) {
        FN(load_table)(drift_upper, k, t.drift_upper_r);
        FN(load_table)(drift_lower, k, t.drift_lower_r);
        FN(load_table)(half_gap, k, t.half_gap_r);
        FN(load_table)(center_norm, k, t.center_norm_r);
    }
    return t;
}

/// table[a[l]] in every lane (a[l] < k).
INLINE v16f FN(lookup16)(int registers, const v16f *held, const float *table, v16i a) {
#if KMK_HAS_GATHER16
    if (registers == 1) return (v16f)__builtin_ia32_permvarsf512(held[0], a);
    if (registers == 2) return (v16f)__builtin_ia32_vpermi2varps512(held[0], a, held[1]);
#else
    (void)registers;
    (void)held;
#endif
    return FN(gather16)(table, a);
}

#define KMK_LOOKUP(t, field, a) FN(lookup16)((t)->registers, (t)->field##_r, (t)->field, (a))

/// The next float above / below every lane (±0 → the smallest subnormal, +inf / −inf kept), without branches.
INLINE v16f FN(next_up16)(v16f v) {
    v16f w = v + 0.0f;  // −0 becomes +0
    v16i bits = FN(bits16)(w);
    bits += (bits >= 0) ? (v16i)1 : (v16i)-1;
    return w == __builtin_inff() ? w : FN(floats16)(bits);
}

INLINE v16f FN(next_down16)(v16f v) { return -FN(next_up16)(-v); }

/// Lanes (−1) whose centre a stays the kernel's nearest, given u ≥ ‖x − c_a‖ and l at most the distance to every
/// other centre: every other centre is at least max(l, 2·half_gap − u) away, and u² plus the kernel's rounding
/// margin part_slack·(‖x‖² + max‖c‖²), with ‖x‖ ≤ ‖c_a‖ + u, stays below that squared. Float32, each product and
/// sum widened by 1e-6 in the safe direction (more than its rounding).
INLINE v16i FN(settles16)(v16f u, v16f l, v16f half_gap, v16f center_norm, float c_max_sq, float part_slack) {
    v16f g = FN(next_down16)(2 * half_gap - u);
    v16f others = l > g ? l : g;
    v16f x_norm = (center_norm + u) * 1.000001f;
    v16f margin = part_slack * (x_norm * x_norm + c_max_sq) * 1.000001f + 0x1p-100f;
    v16f near = u * u * 1.000001f + margin;
    v16f far = others * others * 0.999999f;
    return (others > 0) & (near < far);
}

/// The lanes of a v16i mask (−1 / 0) as bits, lanes ≥ m cleared.
INLINE uint32_t FN(mask_bits16)(v16i lanes, int m) {
    v16b flags = __builtin_convertvector(lanes, v16b);
    uint16_t bits;
    memcpy(&bits, &flags, sizeof bits);
    return m >= 16 ? bits : bits & ((1u << m) - 1);
}

/// Bit q set when point b0 + q keeps its centre without reading its row: its bounds, moved by its centre's drift
/// totals, pass settles16. Lanes ≥ m are 0.
INLINE uint32_t FN(settled_mask16)(int64_t b0, int m, const int32_t *indices, const float *upper, const float *lower,
                                    const FN(center_tables) *tables, float c_max_sq, float part_slack) {
    v16i a = (v16i)0;
    v16f up = (v16f)0.0f, lo = (v16f)0.0f;
    if (m == 16) {
        memcpy(&a, indices + b0, sizeof a);
        memcpy(&up, upper + b0, sizeof up);
        memcpy(&lo, lower + b0, sizeof lo);
    } else {
        memcpy(&a, indices + b0, sizeof(int32_t) * (size_t)m);
        memcpy(&up, upper + b0, sizeof(float) * (size_t)m);
        memcpy(&lo, lower + b0, sizeof(float) * (size_t)m);
    }
    // upper + drift ≥ 0, so its next float is one bit pattern up; a lower bound at or below 0 stays as it is.
    v16f u = FN(floats16)(FN(bits16)(up + KMK_LOOKUP(tables, drift_upper, a)) + 1);
    v16f l_raw = lo - KMK_LOOKUP(tables, drift_lower, a);
    v16f l = FN(floats16)(FN(bits16)(l_raw) + (l_raw > 0));
    v16i settled = FN(settles16)(u, l, KMK_LOOKUP(tables, half_gap, a), KMK_LOOKUP(tables, center_norm, a),
                                 c_max_sq, part_slack);
    return FN(mask_bits16)(settled, m);
}

/// The 8 lanes added as a tree (lane l + lane l+4, then +2, +1).
INLINE double FN(hsum8d)(v8d v) {
    v4d b = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
    v2d c = __builtin_shufflevector(b, b, 0, 1) + __builtin_shufflevector(b, b, 2, 3);
    return c[0] + c[1];
}

/// Moves row x from cluster `from` (−1: none) to `to` in `delta` (k·d sums, k sums of ‖x‖², k counts; float64,
/// 8 dimensions at a time, then the rest in order).
INLINE void FN(move_row)(const float *x, int64_t d, int64_t k, int32_t from, int32_t to, double *delta) {
    double *into = delta + to * d, *out_of = from >= 0 ? delta + from * d : NULL;
    v8d squares = (v8d)0.0;
    int64_t t = 0;
    for (; t + 8 <= d; t += 8) {
        v8f xv;
        v8d sum;
        memcpy(&xv, x + t, sizeof xv);
        v8d xd = __builtin_convertvector(xv, v8d);
        squares += xd * xd;
        memcpy(&sum, into + t, sizeof sum);
        sum += xd;
        memcpy(into + t, &sum, sizeof sum);
        if (out_of) {
            memcpy(&sum, out_of + t, sizeof sum);
            sum -= xd;
            memcpy(out_of + t, &sum, sizeof sum);
        }
    }
    double xx = FN(hsum8d)(squares);
    for (; t < d; t++) {
        double v = (double)x[t];
        xx += v * v;
        into[t] += v;
        if (out_of) out_of[t] -= v;
    }
    double *norms = delta + k * d, *counts = delta + k * d + k;
    if (from >= 0) {
        norms[from] -= xx;
        counts[from] -= 1;
    }
    norms[to] += xx;
    counts[to] += 1;
}

/// Searches the `count` gathered rows (indices `list`, float32 ‖x‖² `xxs` within (d + 6)·2⁻²⁴ relative):
/// kmk_assign's index with the second-best part in the same call, new bounds from both parts widened by the
/// rounding margin and stored relative to the new centre's drift totals, and the move of every row that changed
/// cluster into `delta` (float64, in row order). 16 rows at a time in lanes.
INLINE void FN(incremental_search)(const float *rows, const int64_t *list, const float *xxs, int64_t count,
                                   int64_t d, const float *centers, const float *packed, const float *half_norms,
                                   int64_t k, const FN(center_tables) *tables, float c_max_sq, float part_slack,
                                   int32_t *indices, float *upper, float *lower, double *delta) {
    int32_t found[2 * HAMERLY_CHUNK];
    float best[2 * HAMERLY_CHUNK], second[2 * HAMERLY_CHUNK];
    FN(nearest_two_rows)(rows, count, d, centers, packed, half_norms, k, found, best, second);
    for (int64_t q0 = 0; q0 < count; q0 += 16) {
        int m = count - q0 < 16 ? (int)(count - q0) : 16;
        v16i a = (v16i)0;
        v16f xx = (v16f)0.0f, b = (v16f)0.0f, s = (v16f)__builtin_inff();
        if (m == 16) {
            memcpy(&a, found + q0, sizeof a);
            memcpy(&xx, xxs + q0, sizeof xx);
            memcpy(&b, best + q0, sizeof b);
            memcpy(&s, second + q0, sizeof s);
        } else {
            memcpy(&a, found + q0, sizeof(int32_t) * (size_t)m);
            memcpy(&xx, xxs + q0, sizeof(float) * (size_t)m);
            memcpy(&b, best + q0, sizeof(float) * (size_t)m);
            memcpy(&s, second + q0, sizeof(float) * (size_t)m);
        }
        // Exact ‖x − c_j‖² = ‖x‖² + 2·part_j, each float32 part within part_slack·(‖x‖² + max‖c‖²) of its exact
        // value; a third such margin covers the float32 ‖x‖² and these additions' rounding.
        v16f margin = 3 * part_slack * (xx * 1.000001f + c_max_sq) * 1.000001f + 0x1p-100f;
        v16f near = xx + 2 * b + margin, far = xx + 2 * s - margin;
        v16f u = FN(next_up16)(__builtin_elementwise_sqrt(near > 0 ? near : (v16f)0.0f) * (1 + 0x1p-20f));
        v16f new_upper = FN(next_up16)(u - KMK_LOOKUP(tables, drift_upper, a));
        v16f l = FN(next_down16)(__builtin_elementwise_sqrt(far > 0 ? far : (v16f)0.0f) * (1 - 0x1p-20f));
        v16f new_lower = FN(next_down16)(l + KMK_LOOKUP(tables, drift_lower, a));
        new_lower = s == __builtin_inff() ? s : new_lower;
        int64_t i0 = list[q0];
        if (m == 16 && list[q0 + 15] == i0 + 15) {
            // 16 consecutive rows (a chunk searched in place): the bounds stored as vectors, only the rows that
            // changed centre visited.
            v16i old;
            memcpy(&upper[i0], &new_upper, sizeof new_upper);
            memcpy(&lower[i0], &new_lower, sizeof new_lower);
            memcpy(&old, indices + i0, sizeof old);
            for (uint32_t moved = FN(mask_bits16)(old != a, 16); moved; moved &= moved - 1) {
                int p = __builtin_ctz(moved);
                FN(move_row)(rows + (q0 + p) * d, d, k, old[p], a[p], delta);
            }
            memcpy(indices + i0, &a, sizeof a);
            continue;
        }
        for (int p = 0; p < m; p++) {
            int64_t i = list[q0 + p];
            upper[i] = new_upper[p];
            lower[i] = new_lower[p];
            int32_t old = indices[i];
            if (old == a[p]) continue;
            FN(move_row)(rows + (q0 + p) * d, d, k, old, a[p], delta);
            indices[i] = a[p];
        }
    }
}

/// Tightens the bounds of `m` ≤ 16 rows (indices `pending`) whose stored bounds failed: their exact distance to
/// their centre, float32 within (d + 6)·2⁻²⁴ relative, replaces the upper bound; a row that then settles keeps its
/// centre (new upper bound stored), the others are copied to `rows` (with ‖x‖² in `xxs` and the index in `list`)
/// for the search. Returns how many were copied.
INLINE int64_t FN(tighten16)(const float *points, int64_t d, const float *centers, const int64_t *pending, int m,
                             const int32_t *indices, float *upper, const float *lower,
                             const FN(center_tables) *tables, float c_max_sq, float part_slack, float *rows,
                             int64_t *list, float *xxs) {
    v16i a = (v16i)0;
    v16f lo = (v16f)0.0f;
    const float *xs[16], *cs[16];
    for (int p = 0; p < 16; p++) {
        int64_t i = pending[p < m ? p : 0];
        a[p] = indices[i];
        lo[p] = lower[i];
        xs[p] = points + i * d;
        cs[p] = centers + (int64_t)a[p] * d;
    }
    v16f first = FN(pair_sums8)(xs, cs, d, 1), rest = (v16f)0.0f;
    if (m > 8) rest = FN(pair_sums8)(xs + 8, cs + 8, d, 1);
    v16f dist_sq = __builtin_shufflevector(first, rest, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    v16f xx = __builtin_shufflevector(first, rest, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    const float widen = 1 + (float)(d + 8) * 0x1p-23f;
    v16f u = FN(next_up16)(FN(next_up16)(__builtin_elementwise_sqrt(dist_sq * widen)));
    v16f l_raw = lo - KMK_LOOKUP(tables, drift_lower, a);
    v16f l = FN(floats16)(FN(bits16)(l_raw) + (l_raw > 0));
    uint32_t settled = FN(mask_bits16)(FN(settles16)(u, l, KMK_LOOKUP(tables, half_gap, a),
                                                     KMK_LOOKUP(tables, center_norm, a), c_max_sq, part_slack), m);
    v16f new_upper = FN(next_up16)(u - KMK_LOOKUP(tables, drift_upper, a));
    int64_t copied = 0;
    for (int p = 0; p < m; p++) {
        int64_t i = pending[p];
        if (settled >> p & 1) {
            upper[i] = new_upper[p];
            continue;
        }
        FN(copy_row)(rows + copied * d, xs[p], d);
        xxs[copied] = xx[p];
        list[copied++] = i;
    }
    return copied;
}

/// The bound test of rows [c0, end), 16 at a time without branches: the rows that fail it go to `pending` and every
/// cache line they touch is prefetched (rows need not start on a line: Swift's arrays put their elements 48 bytes
/// past one, so a 64-byte row spans two). Returns how many failed.
INLINE int64_t FN(open_rows)(const float *points, int64_t c0, int64_t end, int64_t d, const int32_t *indices,
                             const float *upper, const float *lower, const FN(center_tables) *tables,
                             float c_max_sq, float part_slack, int64_t *pending) {
    const uintptr_t row_bytes = sizeof(float) * (uintptr_t)d;
    int64_t open = 0;
    for (int64_t b0 = c0; b0 < end; b0 += 16) {
        int m = end - b0 < 16 ? (int)(end - b0) : 16;
        uint32_t mask = ~FN(settled_mask16)(b0, m, indices, upper, lower, tables, c_max_sq, part_slack);
        mask &= m == 16 ? 0xffffu : (1u << m) - 1;
        for (; mask; mask &= mask - 1) {
            int64_t i = b0 + __builtin_ctz(mask);
            uintptr_t first = (uintptr_t)(points + i * d);
            for (uintptr_t line = first & ~(uintptr_t)63; line < first + row_bytes; line += 64)
                __builtin_prefetch((const void *)line);
            pending[open++] = i;
        }
    }
    return open;
}

/// Bounds are stored relative to drift totals (Drake and Hamerly's trick): the bound of a point assigned to a is
/// upper[i] + drift_upper[a] and lower[i] − drift_lower[a], where the totals only grow (each pass adds, rounding
/// up, centre a's shift and the largest shift of the others). A point whose bounds hold is therefore only read
/// (index and two bounds), never written; its row is not touched. The bound test runs a chunk ahead of the rows
/// it opens, so their lines arrive while the previous chunk's are tightened (16 at a time, one read each); the
/// rows still open are searched a few hundred at a time.
KMK_ATTR static int64_t FN(incremental_pass)(const float *points, int64_t n, int64_t d, const float *centers,
                                             const float *packed, const float *half_norms, int64_t k,
                                             const float *drift_upper, const float *drift_lower,
                                             const float *half_gap, const float *center_norm, double c_max_sq_d,
                                             double part_slack_d, int first_pass, int32_t *indices, float *upper,
                                             float *lower, double *delta, int64_t *read) {
    *read = 0;
    if (k <= 0 || n <= 0) return 0;
    // Room for a chunk's rows on top of fewer than a chunk's left over (searched once a chunk's worth is open).
    float *rows = malloc(sizeof(float) * 2 * HAMERLY_CHUNK * (size_t)(d > 0 ? d : 1));
    if (!rows) return -1;
    const FN(center_tables) tables = FN(make_center_tables)(drift_upper, drift_lower, half_gap, center_norm, k);
    const float c_max_sq = (float)c_max_sq_d, part_slack = (float)part_slack_d;
    int64_t list[2 * HAMERLY_CHUNK], pending[2][HAMERLY_CHUNK], opened[2] = {0, 0};
    float xxs[2 * HAMERLY_CHUNK], chunk_xxs[HAMERLY_CHUNK];
    int64_t chunk_list[HAMERLY_CHUNK];
    int64_t searched = 0, reads = 0, count = 0;
    if (!first_pass)
        opened[0] = FN(open_rows)(points, 0, n < HAMERLY_CHUNK ? n : HAMERLY_CHUNK, d, indices, upper, lower, &tables,
                                  c_max_sq, part_slack, pending[0]);
    for (int64_t c0 = 0, slot = 0; c0 < n; c0 += HAMERLY_CHUNK, slot ^= 1) {
        int64_t end = n - c0 < HAMERLY_CHUNK ? n : c0 + HAMERLY_CHUNK;
        int64_t open = first_pass ? end - c0 : opened[slot];
        if (end < n && !first_pass)
            // The next chunk's test reads only its own rows' state, which this chunk's work does not touch.
            opened[slot ^ 1] = FN(open_rows)(points, end, n - end < HAMERLY_CHUNK ? n : end + HAMERLY_CHUNK, d,
                                             indices, upper, lower, &tables, c_max_sq, part_slack, pending[slot ^ 1]);
        if (first_pass || (2 * open > end - c0 && k <= 32)) {
            // Every row on the first pass. With few centres (a search costs little more than a tightening) and most
            // rows open, as while the centres still move far, searching the whole chunk in place costs less than
            // tightening the rows one by one; with many, the tightening saves more searches than it costs.
            for (int64_t i = c0; i < end; i++) {
                chunk_xxs[i - c0] = FN(sum_squares)(points + i * d, d);
                chunk_list[i - c0] = i;
            }
            FN(incremental_search)(points + c0 * d, chunk_list, chunk_xxs, end - c0, d, centers, packed, half_norms, k,
                                   &tables, c_max_sq, part_slack, indices, upper, lower, delta);
            reads += end - c0;
            searched += end - c0;
        } else {
            reads += open;
            for (int64_t p = 0; p < open; p += 16) {
                int m = open - p < 16 ? (int)(open - p) : 16;
                count += FN(tighten16)(points, d, centers, pending[slot] + p, m, indices, upper, lower, &tables,
                                       c_max_sq, part_slack, rows + count * d, list + count, xxs + count);
            }
        }
        if (count >= HAMERLY_CHUNK || (end == n && count > 0)) {
            FN(incremental_search)(rows, list, xxs, count, d, centers, packed, half_norms, k, &tables, c_max_sq,
                                   part_slack, indices, upper, lower, delta);
            searched += count;
            count = 0;
        }
    }
    free(rows);
    *read = reads;
    return searched;
}
