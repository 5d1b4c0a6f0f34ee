// Incremental pass (kmk_incremental_pass): Hamerly's bound test per point, the search of the rows that fail it, and
// the float64 cluster changes of the rows that changed cluster (IncrementalState in Swift).
// Part of the kernel source that kernels_impl.h includes once per variant (AVX-512, AVX2+FMA, portable); it uses
// kernels_impl.h's macros and the helpers of the files included before it (nearest_two_* of kernels_hamerly.h).

/// The next float above v (v itself for NaN and +inf; the smallest subnormal for ±0).
INLINE float FN(next_up)(float v) {
    if (v != v || v == __builtin_inff()) return v;
    if (v == 0) return 0x1p-149f;
    int32_t bits;
    memcpy(&bits, &v, sizeof bits);
    bits += v > 0 ? 1 : -1;
    memcpy(&v, &bits, sizeof v);
    return v;
}

INLINE float FN(next_down)(float v) { return -FN(next_up)(-v); }

/// next_up for v ≥ 0 and finite, without branches (+inf becomes NaN, which fails every bound test).
INLINE float FN(next_up_nonnegative)(float v) {
    union { float f; int32_t i; } bits = {v};
    bits.i += 1;
    return bits.f;
}

/// next_down for v > 0 (+inf becomes the largest float); v ≤ 0 is returned as it is (a bound at or below 0 rules
/// nothing out either way), without branches.
INLINE float FN(next_down_positive)(float v) {
    union { float f; int32_t i; } bits = {v};
    bits.i -= v > 0;
    return bits.f;
}

/// Whether centre a stays the kernel's nearest: every other centre is at least max(l, 2·half_gap − u) away, and u²
/// plus the kernel's rounding margin stays below that squared.
INLINE int FN(bounds_settle)(float u, float l, float half_gap, double margin) {
    float gap_bound = FN(next_down)(2 * half_gap - u);
    float others = l > gap_bound ? l : gap_bound;
    if (!(others > 0)) return 0;
    double near = u, far = others;
    return near * near + margin < far * far;
}

/// ‖x − c‖ in float64, rounded up to float32.
INLINE float FN(exact_distance)(const float *x, const float *c, int64_t d) {
    double s = 0;
    for (int64_t t = 0; t < d; t++) {
        double diff = (double)x[t] - (double)c[t];
        s += diff * diff;
    }
    return FN(next_up)((float)(__builtin_sqrt(s) * (1 + 1e-9)));
}

/// Searches the `count` gathered rows (indices `list`): kmk_assign's index with the second-best part in the same
/// call, new bounds from both parts widened by the rounding margin, and the move of every row that changed cluster
/// into `delta` (k·d sums, k sums of ‖x‖², k counts; float64, in row order).
INLINE void FN(incremental_search)(const float *points, const float *rows, const int64_t *list, int64_t count,
                                   int64_t d, const float *centers, const float *packed, const float *half_norms,
                                   int64_t k, double c_max_sq, double part_slack, int32_t *indices, float *upper,
                                   float *lower, float *norms_sq, double *delta) {
    int32_t found[HAMERLY_CHUNK];
    float best[HAMERLY_CHUNK], second[HAMERLY_CHUNK];
    FN(nearest_two_rows)(rows, count, d, centers, packed, half_norms, k, found, best, second);
    double *sums = delta, *squares = delta + k * d, *counts = delta + k * d + k;
    for (int64_t q = 0; q < count; q++) {
        int64_t i = list[q];
        const float *x = points + i * d;
        double xx = 0;
        for (int64_t t = 0; t < d; t++) xx += (double)x[t] * (double)x[t];
        // exact ‖x − c_j‖² = ‖x‖² + 2·part_j, each float32 part within part_slack·(‖x‖² + max‖c‖²) of its exact value.
        double margin = 2 * part_slack * (xx + c_max_sq);
        double near = xx + 2 * (double)best[q] + margin;
        double far = xx + 2 * (double)second[q] - margin;
        upper[i] = FN(next_up)((float)(__builtin_sqrt(near > 0 ? near : 0) * (1 + 1e-6)));
        lower[i] = far == __builtin_inf() ? __builtin_inff()
                                          : FN(next_down)((float)(__builtin_sqrt(far > 0 ? far : 0) * (1 - 1e-6)));
        norms_sq[i] = (float)(xx * (1 + 1e-6));
        int32_t a = found[q], old = indices[i];
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

KMK_ATTR static int64_t FN(incremental_pass)(const float *points, int64_t n, int64_t d, const float *centers,
                                             const float *packed, const float *half_norms, int64_t k,
                                             const float *shift, const float *other_shift, const float *half_gap,
                                             double c_max_sq, double part_slack, int first_pass, int32_t *indices,
                                             float *upper, float *lower, float *norms_sq, double *delta,
                                             int64_t *read) {
    *read = 0;
    if (k <= 0 || n <= 0) return 0;
    float *rows = malloc(sizeof(float) * HAMERLY_CHUNK * (size_t)(d > 0 ? d : 1));
    if (!rows) return -1;
    int64_t list[HAMERLY_CHUNK];
    int64_t searched = 0, reads = 0, count = 0;
    for (int64_t b0 = 0; b0 < n; b0 += 16) {
        int m = n - b0 < 16 ? (int)(n - b0) : 16;
        unsigned char fails[16] = {0};
        if (!first_pass) {
            // The bound test of 16 points at once, without branches (the compiler vectorises it, with gathers).
            for (int q = 0; q < m; q++) {
                int64_t i = b0 + q;
                int32_t a = indices[i];
                float u = FN(next_up_nonnegative)(upper[i] + shift[a]);
                float l = FN(next_down_positive)(lower[i] - other_shift[a]);
                upper[i] = u;
                lower[i] = l;
                float gap_bound = FN(next_down_positive)(2 * half_gap[a] - u);
                float others = l > gap_bound ? l : gap_bound;
                double margin = part_slack * ((double)norms_sq[i] + c_max_sq);
                double near = u, far = others;
                fails[q] = !(others > 0) | !(near * near + margin < far * far);
            }
        }
        uint32_t unsettled = m == 16 ? 0xffffu : (1u << m) - 1;
        if (!first_pass) {
            uint32_t mask = 0;
            for (int q = 0; q < 16; q++) mask |= (uint32_t)fails[q] << q;
            unsettled = mask;
        }
        for (; unsettled; unsettled &= unsettled - 1) {
            int q = __builtin_ctz(unsettled);
            int64_t i = b0 + q;
            const float *x = points + i * d;
            reads++;
            if (!first_pass) {
                // The bounds did not hold: tighten the upper bound with the exact distance (one read of the row).
                int32_t a = indices[i];
                float tight = FN(exact_distance)(x, centers + (int64_t)a * d, d);
                upper[i] = tight;
                double margin = part_slack * ((double)norms_sq[i] + c_max_sq);
                if (FN(bounds_settle)(tight, lower[i], half_gap[a], margin)) continue;
            }
            memcpy(rows + count * d, x, sizeof(float) * (size_t)d);
            list[count++] = i;
            if (count == HAMERLY_CHUNK) {
                FN(incremental_search)(points, rows, list, count, d, centers, packed, half_norms, k, c_max_sq,
                                       part_slack, indices, upper, lower, norms_sq, delta);
                searched += count;
                count = 0;
            }
        }
    }
    if (count > 0) {
        FN(incremental_search)(points, rows, list, count, d, centers, packed, half_norms, k, c_max_sq, part_slack,
                               indices, upper, lower, norms_sq, delta);
        searched += count;
    }
    free(rows);
    *read = reads;
    return searched;
}
