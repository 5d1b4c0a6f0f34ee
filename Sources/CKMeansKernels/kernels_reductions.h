// Reductions: horizontal min / sum, ‖x‖², adding rows to their cluster sums, Hamerly's dot-and-norm.
// Part of the kernel source that kernels_impl.h includes once per variant (AVX-512, AVX2+FMA, portable); it uses
// kernels_impl.h's macros (FN, INLINE, VFMA/VFNMA/SFNMA, KMK_BLOCK_POINTS) and the helpers of the files included before it.

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

/// The 16 × 16 transpose: lane l of out[j] is lane j of in[l] (four stages of two-source shuffles).
INLINE void FN(transpose16)(v16f *v) {
#define KMK_L(...) __VA_ARGS__
#define KMK_SWAP(s, LO, HI)                                                                                      \
    for (int i = 0; i < 16; i++)                                                                                 \
        if (!(i & s)) {                                                                                          \
            v16f a = v[i], b = v[i + s];                                                                         \
            v[i] = __builtin_shufflevector(a, b, LO);                                                            \
            v[i + s] = __builtin_shufflevector(a, b, HI);                                                        \
        }
    KMK_SWAP(8, KMK_L(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23),
             KMK_L(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31))
    KMK_SWAP(4, KMK_L(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27),
             KMK_L(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31))
    KMK_SWAP(2, KMK_L(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29),
             KMK_L(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31))
    KMK_SWAP(1, KMK_L(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30),
             KMK_L(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31))
#undef KMK_SWAP
#undef KMK_L
}
