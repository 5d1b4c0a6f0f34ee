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
        for (; q + KMK_BLOCK_POINTS <= count; q += KMK_BLOCK_POINTS)
            FN(nearest_two_block)(rows + q * d, KMK_BLOCK_POINTS, d, packed, half_norms, blocks, found + q, best + q,
                                  second + q);
        for (; q < count; q++)
            FN(nearest_two_block)(rows + q * d, 1, d, packed, half_norms, blocks, found + q, best + q, second + q);
    }
    }
}

KMK_ATTR static int64_t FN(hamerly_pass)(const float *points, int64_t n, int64_t d,
                                         const float *centers, const float *packed, const float *half_norms,
                                         int64_t k, const float *center_half_gap, const float *lower_shift,
                                         float c_max_sq, int full_scan, int32_t *indices, float *lower,
                                         float *distances, float *sums, float *counts) {
    if (k <= 0) return 0;
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
        FN(nearest_two_rows)(rows, count, d, centers, packed, half_norms, k, found, best, second);
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
