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

/// Bit q set when point b0 + q keeps its centre without reading its row: its bounds, moved by its centre's drift
/// totals, rule out every other centre by the kernel's rounding margin. Float32 throughout, each product and sum
/// widened by 1e-6 in the safe direction (more than its rounding), ‖x‖ bounded by ‖c_a‖ + u. Lanes ≥ m are 0.
INLINE uint32_t FN(settled_mask16)(int64_t b0, int m, const int32_t *indices, const float *upper, const float *lower,
                                    const float *drift_upper, const float *drift_lower, const float *half_gap,
                                    const float *center_norm, float c_max_sq, float part_slack) {
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
    v16f u = FN(floats16)(FN(bits16)(up + FN(gather16)(drift_upper, a)) + 1);
    v16f l_raw = lo - FN(gather16)(drift_lower, a);
    v16f l = FN(floats16)(FN(bits16)(l_raw) + (l_raw > 0));
    v16f g_raw = 2 * FN(gather16)(half_gap, a) - u;
    v16f g = FN(floats16)(FN(bits16)(g_raw) + (g_raw > 0));
    v16f others = l > g ? l : g;
    v16f x_norm = (FN(gather16)(center_norm, a) + u) * 1.000001f;
    v16f margin = part_slack * (x_norm * x_norm + c_max_sq) * 1.000001f + 0x1p-100f;
    v16f near = u * u * 1.000001f + margin;
    v16f far = others * others * 0.999999f;
    v16i settled = (others > 0) & (near < far);
    v16b flags = __builtin_convertvector(settled, v16b);
    uint16_t bits;
    memcpy(&bits, &flags, sizeof bits);
    return m == 16 ? bits : bits & ((1u << m) - 1);
}

/// Whether centre a stays the kernel's nearest: every other centre is at least max(l, 2·half_gap − u) away, and u²
/// plus the kernel's rounding margin part_slack·(‖x‖² + max‖c‖²), with ‖x‖ ≤ ‖c_a‖ + u, stays below that squared.
INLINE int FN(bounds_settle)(float u, float l, float half_gap, float center_norm, double c_max_sq,
                             double part_slack) {
    float gap_bound = FN(next_down)(2 * half_gap - u);
    float others = l > gap_bound ? l : gap_bound;
    if (!(others > 0)) return 0;
    double near = u, far = others, x_norm = ((double)center_norm + near) * (1 + 1e-9);
    return near * near + part_slack * (x_norm * x_norm + c_max_sq) < far * far;
}

/// The 8 lanes added as a tree (lane l + lane l+4, then +2, +1).
INLINE double FN(hsum8d)(v8d v) {
    v4d b = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
    v2d c = __builtin_shufflevector(b, b, 0, 1) + __builtin_shufflevector(b, b, 2, 3);
    return c[0] + c[1];
}

/// ‖x − c‖² (c = NULL: ‖x‖²) in float64, 8 dimensions at a time (short dependency chains), then the rest in order.
/// Float32 inputs make every product exact in float64; the sum is within d·2⁻⁵³ of the exact value.
INLINE double FN(exact_squared)(const float *x, const float *c, int64_t d) {
    v8d acc = (v8d)0.0;
    int64_t t = 0;
    for (; t + 8 <= d; t += 8) {
        v8f xv, cv = (v8f)0.0f;
        memcpy(&xv, x + t, sizeof xv);
        if (c) memcpy(&cv, c + t, sizeof cv);
        v8d diff = __builtin_convertvector(xv, v8d) - __builtin_convertvector(cv, v8d);
        acc += diff * diff;
    }
    double s = FN(hsum8d)(acc);
    for (; t < d; t++) {
        double diff = (double)x[t] - (c ? (double)c[t] : 0.0);
        s += diff * diff;
    }
    return s;
}

/// An upper bound on ‖x − c‖, as float32.
INLINE float FN(exact_distance)(const float *x, const float *c, int64_t d) {
    return FN(next_up)((float)(__builtin_sqrt(FN(exact_squared)(x, c, d)) * (1 + 1e-9)));
}

/// Searches the `count` gathered rows (indices `list`): kmk_assign's index with the second-best part in the same
/// call, new bounds from both parts widened by the rounding margin and stored relative to the new centre's drift
/// totals, and the move of every row that changed cluster into `delta` (k·d sums, k sums of ‖x‖², k counts;
/// float64, in row order).
INLINE void FN(incremental_search)(const float *points, const float *rows, const int64_t *list, int64_t count,
                                   int64_t d, const float *centers, const float *packed, const float *half_norms,
                                   int64_t k, const float *drift_upper, const float *drift_lower, double c_max_sq,
                                   double part_slack, int32_t *indices, float *upper, float *lower,
                                   double *delta) {
    int32_t found[HAMERLY_CHUNK];
    float best[HAMERLY_CHUNK], second[HAMERLY_CHUNK];
    FN(nearest_two_rows)(rows, count, d, centers, packed, half_norms, k, found, best, second);
    double *sums = delta, *squares = delta + k * d, *counts = delta + k * d + k;
    for (int64_t q = 0; q < count; q++) {
        int64_t i = list[q];
        const float *x = rows + q * d;
        double xx = FN(exact_squared)(x, NULL, d);
        // exact ‖x − c_j‖² = ‖x‖² + 2·part_j, each float32 part within part_slack·(‖x‖² + max‖c‖²) of its exact value.
        double margin = 2 * part_slack * (xx + c_max_sq);
        double near = xx + 2 * (double)best[q] + margin;
        double far = xx + 2 * (double)second[q] - margin;
        int32_t a = found[q], old = indices[i];
        float u = FN(next_up)((float)(__builtin_sqrt(near > 0 ? near : 0) * (1 + 1e-6)));
        upper[i] = FN(next_up)(u - drift_upper[a]);
        if (far == __builtin_inf()) {
            lower[i] = __builtin_inff();
        } else {
            float l = FN(next_down)((float)(__builtin_sqrt(far > 0 ? far : 0) * (1 - 1e-6)));
            lower[i] = FN(next_down)(l + drift_lower[a]);
        }
        if (old == a) continue;
        if (old >= 0) {
            for (int64_t t = 0; t < d; t++) sums[old * d + t] -= (double)x[t];
            squares[old] -= xx;
            counts[old] -= 1;
        }
        for (int64_t t = 0; t < d; t++) sums[a * d + t] += (double)x[t];
        squares[a] += xx;
        counts[a] += 1;
        indices[i] = a;
    }
}

/// Bounds are stored relative to drift totals (Drake and Hamerly's trick): the bound of a point assigned to a is
/// upper[i] + drift_upper[a] and lower[i] − drift_lower[a], where the totals only grow (each pass adds, rounding
/// up, centre a's shift and the largest shift of the others). A point whose bounds hold is therefore only read
/// (index, two bounds, ‖x‖²), never written; its row is not touched.
KMK_ATTR static int64_t FN(incremental_pass)(const float *points, int64_t n, int64_t d, const float *centers,
                                             const float *packed, const float *half_norms, int64_t k,
                                             const float *drift_upper, const float *drift_lower,
                                             const float *half_gap, const float *center_norm, double c_max_sq,
                                             double part_slack, int first_pass, int32_t *indices, float *upper,
                                             float *lower, double *delta, int64_t *read) {
    *read = 0;
    if (k <= 0 || n <= 0) return 0;
    float *rows = malloc(sizeof(float) * HAMERLY_CHUNK * (size_t)(d > 0 ? d : 1));
    if (!rows) return -1;
    int64_t list[HAMERLY_CHUNK], pending[HAMERLY_CHUNK];
    int64_t searched = 0, reads = 0, count = 0;
    const int64_t row_bytes = (int64_t)sizeof(float) * d;
    for (int64_t c0 = 0; c0 < n; c0 += HAMERLY_CHUNK) {
        int64_t end = n - c0 < HAMERLY_CHUNK ? n : c0 + HAMERLY_CHUNK;
        int64_t open = 0;
        if (first_pass) {
            for (int64_t i = c0; i < end; i++) pending[open++] = i;
        } else {
            // The bound test of 16 points at once, without branches; the rows that fail it are fetched ahead.
            for (int64_t b0 = c0; b0 < end; b0 += 16) {
                int m = end - b0 < 16 ? (int)(end - b0) : 16;
                uint32_t mask = ~FN(settled_mask16)(b0, m, indices, upper, lower, drift_upper, drift_lower, half_gap,
                                                    center_norm, (float)c_max_sq, (float)part_slack);
                mask &= m == 16 ? 0xffffu : (1u << m) - 1;
                for (; mask; mask &= mask - 1) {
                    int64_t i = b0 + __builtin_ctz(mask);
                    const char *x = (const char *)(points + i * d);
                    for (int64_t offset = 0; offset < row_bytes; offset += 64) __builtin_prefetch(x + offset);
                    pending[open++] = i;
                }
            }
        }
        reads += open;
        for (int64_t p = 0; p < open; p++) {
            int64_t i = pending[p];
            const float *x = points + i * d;
            if (!first_pass) {
                // The bounds did not hold: tighten the upper bound with the exact distance (one read of the row).
                int32_t a = indices[i];
                float tight = FN(exact_distance)(x, centers + (int64_t)a * d, d);
                float l = FN(next_down)(lower[i] - drift_lower[a]);
                if (FN(bounds_settle)(tight, l, half_gap[a], center_norm[a], c_max_sq, part_slack)) {
                    upper[i] = FN(next_up)(tight - drift_upper[a]);
                    continue;
                }
            }
            memcpy(rows + count * d, x, sizeof(float) * (size_t)d);
            list[count++] = i;
            if (count == HAMERLY_CHUNK) {
                FN(incremental_search)(points, rows, list, count, d, centers, packed, half_norms, k, drift_upper,
                                       drift_lower, c_max_sq, part_slack, indices, upper, lower, delta);
                searched += count;
                count = 0;
            }
        }
    }
    if (count > 0) {
        FN(incremental_search)(points, rows, list, count, d, centers, packed, half_norms, k, drift_upper, drift_lower,
                               c_max_sq, part_slack, indices, upper, lower, delta);
        searched += count;
    }
    free(rows);
    *read = reads;
    return searched;
}
