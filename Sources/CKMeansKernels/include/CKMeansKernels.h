#ifndef CKMEANS_KERNELS_H
#define CKMEANS_KERNELS_H
// Hot k-means kernels with runtime CPU dispatch (AVX-512 / AVX2+FMA / portable), chosen once per process.
// All matrices are row-major float32. Centres are first packed with kmk_pack_centers; the packed form is
// immutable and may be shared by threads. Every kernel takes `isa` first: 0 picks the best supported variant,
// 1–3 ask for a lower one (portable, AVX2, AVX-512; never above what the CPU supports). Every kernel works on a contiguous range of points and touches only
// its own outputs, so callers can split points into ranges and run them on different threads.
#include <stdint.h>

/// Returns a short name of the instruction set the kernels dispatch to ("avx512", "avx2", "portable").
const char *kmk_isa_name(void);

/// The best variant this CPU supports: 1 portable, 2 AVX2+FMA, 3 AVX-512. The environment variable
/// KMEANS_KERNELS_ISA=portable|avx2 lowers it for the whole process (read once).
int kmk_isa_level(void);

/// Atomically increments `*counter` and returns its previous value (workers claiming partitions in turn).
int64_t kmk_claim_next(int64_t *counter);

/// Number of centres after padding to the kernels' lane width (a multiple of 16, at least 16).
int64_t kmk_padded_count(int64_t k);

/// Packs k×d centres for the kernels. `packed` holds padded_count(k)·d floats (blocks of 16 centres, transposed),
/// `half_norms` and `norms` hold padded_count(k) floats: 0.5‖c‖² and ‖c‖² (+inf in the padding).
void kmk_pack_centers(const float *centers, int64_t k, int64_t d, float *packed, float *half_norms, float *norms);

/// Nearest centre for points [0, n): part_j = 0.5‖c_j‖² − ⟨x, c_j⟩, argmin with ties to the lowest index,
/// distance = 2·(0.5‖x‖² + part_best). `distances` may be NULL. When `sums` (k×d) and `counts` (k) are not NULL,
/// adds every point to its cluster, sequentially in row order (float32). When `loss` is not NULL, `*loss` is set
/// to the float32 sum of the per-point distances (computed even when `distances` is NULL): with `loss_lanes` 0
/// sequentially in row order; otherwise point i goes to lane i mod 16, each lane summed in row order, and the lanes
/// are added as a fixed tree (l + l+8, then +4, +2, +1). `indices` may be NULL when `loss` is not NULL: the pass
/// then produces only the sums, counts and loss (a training step that keeps no per-point assignment).
void kmk_assign(int isa, const float *points, int64_t n, int64_t d,
                const float *centers, const float *packed, const float *half_norms, int64_t k,
                int32_t *indices, float *distances, float *sums, float *counts, float *loss, int loss_lanes);

/// kmk_assign's distance 2·(0.5‖x‖² + part) of every point [0, n) to the centre indices[i] (in [0, k)), without
/// the search: the same bits kmk_assign writes when it picks that centre, in O(n·d).
void kmk_assigned_distances(int isa, const float *points, int64_t n, int64_t d, const float *centers,
                            const float *half_norms, const int32_t *indices, float *distances);

/// Lower bounds on the distances ‖c_a − c_j‖ between all centres: k rows of padded_count(k) floats (row a, column
/// j; 0 on the diagonal, +inf in the padding columns).
void kmk_center_gaps(int isa, const float *centers, int64_t k, int64_t d, float *gaps);

/// Exactly kmk_assign's indices (and distances, when `distances` is not NULL) for points [0, n), with less work:
/// a guess a from the first `guess_d` columns (centres packed from their first guess_d columns in `guess_packed` /
/// `guess_half_norms`); Elkan's test against `gaps` (kmk_center_gaps): j is ruled out when ‖c_a − c_j‖ exceeds
/// 2‖x − c_a‖ by the rounding margins; for points it leaves with many candidates, the partial distance over the
/// first `bound_d` columns (the guess's parts continued over columns [guess_d, bound_d): centres packed from those
/// columns in `bound_packed` / `bound_half_norms`), a lower bound, against ‖x − c‖² for the nearer of a and the
/// centre nearest over those columns; then a fast squared distance to every centre not ruled out, the exact part
/// of those within rounding of the nearest, and the full search for points with more than 32 candidates left.
/// `c_max_sq` bounds ‖c‖² over all centres. Returns the number of fully searched points, or −1 if scratch memory
/// could not be allocated (outputs then invalid). With `check_finite` set, every row is also checked for NaN and
/// infinity (through its ‖x‖², which the search computes anyway), and −2 is returned (outputs then invalid) when
/// one is found.
int64_t kmk_pruned_nearest(int isa, const float *points, int64_t n, int64_t d,
                           const float *centers, const float *packed, const float *half_norms, int64_t k,
                           const float *guess_packed, const float *guess_half_norms, int64_t guess_d,
                           const float *bound_packed, const float *bound_half_norms, int64_t bound_d,
                           const float *gaps, float c_max_sq, int32_t *indices, float *distances,
                           int check_finite);

/// kmk_assign's indices (and distances, when `distances` is not NULL; no sums, counts or loss) for points [0, n),
/// bit for bit, with every input value checked for NaN and infinity per chunk while its rows are in cache. Returns
/// 0, or 1 when a non-finite value was found (the outputs are then invalid).
int kmk_nearest_checked(int isa, const float *points, int64_t n, int64_t d,
                        const float *centers, const float *packed, const float *half_norms, int64_t k,
                        int32_t *indices, float *distances);

/// Raw squared Euclidean distances ‖x‖² − 2⟨x,c⟩ + ‖c‖², n×k into `out` (row stride k).
void kmk_all_distances(int isa, const float *points, int64_t n, int64_t d,
                       const float *packed, const float *norms, int64_t k, float *out);

/// One Hamerly pass over points [0, n) (see HamerlyState in Swift). `indices` and `lower` carry state across
/// passes; `center_half_gap[j]` is a lower bound on 0.5·min_{j'≠j}‖c_j − c_j'‖, and `lower_shift[j]` an upper bound
/// on how far every other centre than j moved since the previous pass. `block_gaps` (optional; k rows of
/// padded_count(k) / 16 floats) holds for centre j and block b of 16 centres a lower bound on ‖c_j − c_j'‖ over the
/// centres j' ≠ j of the block (0 for j's own block): rows searched by the per-row path (d > 32) then skip the
/// blocks that bound rules out, and `*skipped_blocks` (if given) gains how many they skipped (added atomically: one
/// counter may serve every partition). With `full_scan` set every point is
/// scanned. `c_max_sq` bounds ‖c‖² over all centres. `sums`/`counts` must be zero on entry. Returns the number
/// of points that needed a full scan, or −1 if scratch memory could not be allocated (outputs then invalid).
/// The indices, sums and counts equal kmk_assign's bit for bit; from d = 8 the distances take ‖x‖² from the bound
/// check's 8-lane sum, so they equal kmk_assign's only to float rounding.
int64_t kmk_hamerly_pass(int isa, const float *points, int64_t n, int64_t d,
                         const float *centers, const float *packed, const float *half_norms, int64_t k,
                         const float *center_half_gap, const float *lower_shift, const float *block_gaps, float c_max_sq,
                         int full_scan, int32_t *indices, float *lower, float *distances, float *sums, float *counts,
                         int64_t *skipped_blocks);

/// One IncrementalState pass (Swift) over points [0, n). Bounds are kept relative to per-centre drift totals that
/// only grow: for a point assigned to a, upper[i] + drift_upper[a] bounds its distance to c_a from above and
/// lower[i] − drift_lower[a] its distance to every other centre from below. With `first_pass` unset, point i keeps
/// a without a search when those bounds (or, after one read of its row, its float32 distance to c_a widened by its
/// rounding bound) rule out every other
/// centre by the kernel's rounding margin part_slack·(‖x‖² + c_max_sq), with ‖x‖ bounded by center_norm[a] (≥ ‖c_a‖)
/// plus the upper bound, given `half_gap[a]`, a lower bound on half the distance from c_a to its nearest other
/// centre; such a point's index and bounds are read, its row is not, and nothing is written. Every other
/// point (every point on the first pass) gets kmk_assign's index bit for bit and new bounds, and a point that
/// changed cluster moves from the old cluster's float64 sums to the new one's in `delta` (k·d sums, k sums of
/// ‖x‖², k counts), in the order the rows are searched. `*read` is set to the number of rows read. Returns the number of points
/// searched, or −1 if scratch memory could not be allocated (outputs then invalid).
int64_t kmk_incremental_pass(int isa, const float *points, int64_t n, int64_t d, const float *centers,
                             const float *packed, const float *half_norms, int64_t k, const float *drift_upper,
                             const float *drift_lower, const float *half_gap, const float *center_norm,
                             double c_max_sq, double part_slack, int first_pass, int32_t *indices, float *upper,
                             float *lower, double *delta, int64_t *read);

/// k-means++ seeding (TF's KmeansPlusPlusInitialization, kpp.c): for rows j in [begin, end) and m < count,
/// outputs[m][j] = min(current[j], (half_norms[j] − dot_j) + half_norms[candidates[m]]), where dot_j is row j's dot
/// product with row candidates[m] in Eigen's row-major GEMV float order (see kmk_kpp_row_dot), no FMA, and the min
/// keeps current[j] unless the new value is strictly smaller. `half_norms` has n entries. An output may be
/// `current` itself only when count is 1. Bit-identical in every variant and for any split of the rows.
void kmk_kpp_update(int isa, const float *points, int64_t n, int64_t d, const float *half_norms,
                    const float *current, const int64_t *candidates, int64_t count, float *const *outputs,
                    int64_t begin, int64_t end);

/// One row's dot product in Eigen's row-major GEMV order: an 8-lane accumulator (x·y + acc, from 0) over the
/// 8-column packets reduced as (lo + hi), then (l0 + l2) + (l1 + l3); with `half_packets` (the odd last row of an
/// odd row count) also 4-lane packets, reduced and added; then the remaining columns one by one.
float kmk_kpp_row_dot(const float *x, const float *y, int64_t d, int half_packets);

#endif
