// One k-means++ kernel source compiled three times by kpp.c. Before including, define KPP_SUFFIX (name suffix),
// KPP_ATTR (function attributes) and KPP_WIDE (1: blocks of 4 candidates, for 32 vector registers; 0: 2).
//
// Float order (TF's Eigen expressions on an AVX build, see KMeansPlusPlus.swift): a row's dot product with a
// candidate is Eigen's row-major GEMV order — one 8-lane accumulator acc = x·y + acc from 0 over the 8-column
// packets, reduced as (lo + hi) then (l0 + l2) + (l1 + l3); on the odd last row of an odd row count also 4-lane half
// packets, reduced and added; then the remaining columns added one by one (from 0 when there are fewer than 8).
// The block path computes 4 rows × 2 candidates at once with the same per-lane sequence: eight accumulators,
// reduced jointly by shuffles whose adds are exactly each accumulator's own reduction tree.

#define KPP_CAT2(a, b) a##_##b
#define KPP_CAT(a, b) KPP_CAT2(a, b)
#define KFN(name) KPP_CAT(name, KPP_SUFFIX)
#define KINLINE static inline __attribute__((always_inline)) KPP_ATTR
// Rows prefetched ahead in the contiguous path (8 measured ≈ 13 % faster than none on D and C; 16 and 32 no better).
#ifndef KPP_AHEAD
#define KPP_AHEAD 8
#endif

KINLINE float KFN(kpp_reduce4)(kpp_v4f p) { return (p[0] + p[2]) + (p[1] + p[3]); }

KINLINE float KFN(kpp_reduce8)(kpp_v8f p) {
    return KFN(kpp_reduce4)(__builtin_shufflevector(p, p, 0, 1, 2, 3) + __builtin_shufflevector(p, p, 4, 5, 6, 7));
}

/// One row's dot product in Eigen's GEMV order (the scalar reference of the block path).
KINLINE float KFN(kpp_row_dot_inline)(const float *x, const float *y, int64_t d, int half_packets) {
    int64_t t = 0;
    float result = 0;
    if (d >= 8) {
        kpp_v8f acc = 0;
        for (; t + 8 <= d; t += 8) acc = KPP_LOAD8(x + t) * KPP_LOAD8(y + t) + acc;
        result = KFN(kpp_reduce8)(acc);
    }
    if (half_packets && t + 4 <= d) {
        kpp_v4f acc = 0;
        for (; t + 4 <= d; t += 4) acc = KPP_LOAD4(x + t) * KPP_LOAD4(y + t) + acc;
        result += KFN(kpp_reduce4)(acc);
    }
    for (; t < d; t++) result += x[t] * y[t];
    return result;
}

/// [a_lo + a_hi, b_lo + b_hi]: the first step of kpp_reduce8 for two accumulators at once.
KINLINE kpp_v8f KFN(kpp_fold_halves)(kpp_v8f a, kpp_v8f b) {
    return __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11) +
           __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15);
}

/// Lane i of the result is kpp_reduce8(a_i): (a + hi) pairs, then (l0 + l2) and (l1 + l3), then their sum.
KINLINE kpp_v8f KFN(kpp_reduce8x8)(kpp_v8f a0, kpp_v8f a1, kpp_v8f a2, kpp_v8f a3,
                                   kpp_v8f a4, kpp_v8f a5, kpp_v8f a6, kpp_v8f a7) {
    kpp_v8f u01 = KFN(kpp_fold_halves)(a0, a1), u23 = KFN(kpp_fold_halves)(a2, a3);
    kpp_v8f u45 = KFN(kpp_fold_halves)(a4, a5), u67 = KFN(kpp_fold_halves)(a6, a7);
    // u01 = [b0_0..b0_3, b1_0..b1_3]; next lanes (b_0 + b_2, b_1 + b_3) per accumulator.
    kpp_v8f v03 = __builtin_shufflevector(u01, u23, 0, 1, 4, 5, 8, 9, 12, 13) +
                  __builtin_shufflevector(u01, u23, 2, 3, 6, 7, 10, 11, 14, 15);
    kpp_v8f v47 = __builtin_shufflevector(u45, u67, 0, 1, 4, 5, 8, 9, 12, 13) +
                  __builtin_shufflevector(u45, u67, 2, 3, 6, 7, 10, 11, 14, 15);
    return __builtin_shufflevector(v03, v47, 0, 2, 4, 6, 8, 10, 12, 14) +
           __builtin_shufflevector(v03, v47, 1, 3, 5, 7, 9, 11, 13, 15);
}

/// Tail columns (past the last full packet) of 4 rows × 2 candidates, added to `r` one column at a time.
KINLINE kpp_v8f KFN(kpp_tail)(kpp_v8f r, const float *x, int64_t d, const float *y0, const float *y1,
                              int64_t from) {
    for (int64_t t = from; t < d; t++) {
        float p0 = x[t], p1 = x[d + t], p2 = x[2 * d + t], p3 = x[3 * d + t];
        kpp_v8f xs = {p0, p1, p2, p3, p0, p1, p2, p3};
        kpp_v8f ys = {y0[t], y0[t], y0[t], y0[t], y1[t], y1[t], y1[t], y1[t]};
        r = r + xs * ys;
    }
    return r;
}

/// Dots of 4 consecutive rows at `x` with candidates y0, y1: lanes [y0·x0..x3, y1·x0..x3].
KINLINE kpp_v8f KFN(kpp_dots_4x2)(const float *x, int64_t d, const float *y0, const float *y1) {
    const float *x0 = x, *x1 = x + d, *x2 = x + 2 * d, *x3 = x + 3 * d;
    int64_t d8 = d & ~(int64_t)7;
    kpp_v8f r = 0;
    if (d8 > 0) {
        kpp_v8f a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        for (int64_t t = 0; t < d8; t += 8) {
            kpp_v8f p0 = KPP_LOAD8(x0 + t), p1 = KPP_LOAD8(x1 + t), p2 = KPP_LOAD8(x2 + t), p3 = KPP_LOAD8(x3 + t);
            kpp_v8f c0 = KPP_LOAD8(y0 + t), c1 = KPP_LOAD8(y1 + t);
            a0 = p0 * c0 + a0; a1 = p1 * c0 + a1; a2 = p2 * c0 + a2; a3 = p3 * c0 + a3;
            a4 = p0 * c1 + a4; a5 = p1 * c1 + a5; a6 = p2 * c1 + a6; a7 = p3 * c1 + a7;
        }
        r = KFN(kpp_reduce8x8)(a0, a1, a2, a3, a4, a5, a6, a7);
    }
    return KFN(kpp_tail)(r, x, d, y0, y1, d8);
}

#if KPP_WIDE
/// kpp_dots_4x2 for (y0, y1) and (y2, y3) in one sweep over the rows.
KINLINE void KFN(kpp_dots_4x4)(const float *x, int64_t d, const float *y0, const float *y1, const float *y2,
                               const float *y3, kpp_v8f *r01, kpp_v8f *r23) {
    const float *x0 = x, *x1 = x + d, *x2 = x + 2 * d, *x3 = x + 3 * d;
    int64_t d8 = d & ~(int64_t)7;
    kpp_v8f r = 0, s = 0;
    if (d8 > 0) {
        kpp_v8f a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        kpp_v8f b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0, b7 = 0;
        for (int64_t t = 0; t < d8; t += 8) {
            kpp_v8f p0 = KPP_LOAD8(x0 + t), p1 = KPP_LOAD8(x1 + t), p2 = KPP_LOAD8(x2 + t), p3 = KPP_LOAD8(x3 + t);
            kpp_v8f c0 = KPP_LOAD8(y0 + t), c1 = KPP_LOAD8(y1 + t);
            kpp_v8f c2 = KPP_LOAD8(y2 + t), c3 = KPP_LOAD8(y3 + t);
            a0 = p0 * c0 + a0; a1 = p1 * c0 + a1; a2 = p2 * c0 + a2; a3 = p3 * c0 + a3;
            a4 = p0 * c1 + a4; a5 = p1 * c1 + a5; a6 = p2 * c1 + a6; a7 = p3 * c1 + a7;
            b0 = p0 * c2 + b0; b1 = p1 * c2 + b1; b2 = p2 * c2 + b2; b3 = p3 * c2 + b3;
            b4 = p0 * c3 + b4; b5 = p1 * c3 + b5; b6 = p2 * c3 + b6; b7 = p3 * c3 + b7;
        }
        r = KFN(kpp_reduce8x8)(a0, a1, a2, a3, a4, a5, a6, a7);
        s = KFN(kpp_reduce8x8)(b0, b1, b2, b3, b4, b5, b6, b7);
    }
    *r01 = KFN(kpp_tail)(r, x, d, y0, y1, d8);
    *r23 = KFN(kpp_tail)(s, x, d, y2, y3, d8);
}
#endif

/// min(current, (half_norm − dot) + candidate half norm) for the 4 rows in lanes 0–3 and 4–7, stored to two outputs
/// (`o1` NULL: only the first).
KINLINE void KFN(kpp_store)(kpp_v8f dots, kpp_v8f hn, kpp_v8f cur, float hs0, float hs1, float *o0, float *o1) {
    kpp_v8f hs = {hs0, hs0, hs0, hs0, hs1, hs1, hs1, hs1};
    kpp_v8f dist = (hn - dots) + hs;
    kpp_v8f out = dist < cur ? dist : cur;
    KPP_STORE4(o0, __builtin_shufflevector(out, out, 0, 1, 2, 3));
    if (o1) KPP_STORE4(o1, __builtin_shufflevector(out, out, 4, 5, 6, 7));
}

static KPP_ATTR void KFN(kpp_update)(const float *points, int64_t n, int64_t d, const float *half_norms,
                                     const float *current, const int64_t *candidates, int64_t count,
                                     float *const *outputs, int64_t begin, int64_t end) {
    // Eigen's GEMV treats the last row of an odd row count on its own (half packets).
    int64_t odd_last = n % 2 == 1 ? n - 1 : -1;
    int64_t block_end = end;
    if (odd_last >= begin && odd_last < end) block_end = odd_last;
    int64_t j = begin;
    for (; j + 4 <= block_end; j += 4) {
        // Rows KPP_AHEAD ahead, so memory latency overlaps the arithmetic (the hardware prefetcher alone lags).
        if (j + KPP_AHEAD + 4 <= block_end) {
            const char *ahead = (const char *)(points + (j + KPP_AHEAD) * d);
            for (int64_t off = 0; off < d * 16; off += 64) __builtin_prefetch(ahead + off);
        }
        const float *x = points + j * d;
        kpp_v4f c4 = KPP_LOAD4(current + j), h4 = KPP_LOAD4(half_norms + j);
        kpp_v8f cur = __builtin_shufflevector(c4, c4, 0, 1, 2, 3, 0, 1, 2, 3);
        kpp_v8f hn = __builtin_shufflevector(h4, h4, 0, 1, 2, 3, 0, 1, 2, 3);
        int64_t m = 0;
#if KPP_WIDE
        for (; m + 4 <= count; m += 4) {
            int64_t s0 = candidates[m], s1 = candidates[m + 1], s2 = candidates[m + 2], s3 = candidates[m + 3];
            kpp_v8f r01, r23;
            KFN(kpp_dots_4x4)(x, d, points + s0 * d, points + s1 * d, points + s2 * d, points + s3 * d, &r01, &r23);
            KFN(kpp_store)(r01, hn, cur, half_norms[s0], half_norms[s1], outputs[m] + j, outputs[m + 1] + j);
            KFN(kpp_store)(r23, hn, cur, half_norms[s2], half_norms[s3], outputs[m + 2] + j, outputs[m + 3] + j);
        }
#endif
        for (; m + 2 <= count; m += 2) {
            int64_t s0 = candidates[m], s1 = candidates[m + 1];
            kpp_v8f r = KFN(kpp_dots_4x2)(x, d, points + s0 * d, points + s1 * d);
            KFN(kpp_store)(r, hn, cur, half_norms[s0], half_norms[s1], outputs[m] + j, outputs[m + 1] + j);
        }
        if (m < count) {
            int64_t s0 = candidates[m];
            kpp_v8f r = KFN(kpp_dots_4x2)(x, d, points + s0 * d, points + s0 * d);
            KFN(kpp_store)(r, hn, cur, half_norms[s0], half_norms[s0], outputs[m] + j, NULL);
        }
    }
    for (; j < end; j++) {
        float c = current[j], h = half_norms[j];
        for (int64_t m = 0; m < count; m++) {
            int64_t s = candidates[m];
            float dot = KFN(kpp_row_dot_inline)(points + j * d, points + s * d, d, j == odd_last);
            float dist = (h - dot) + half_norms[s];
            outputs[m][j] = dist < c ? dist : c;
        }
    }
}

#undef KPP_CAT2
#undef KPP_CAT
#undef KFN
#undef KINLINE
