#pragma once
// The exact fit of a wide stack (N < D) from its N×N Gram matrix: G = Xc·Xcᵀ, whose eigenpairs
// (λ, u) give the covariance's: variance λ/(N − 1) and component v = Xcᵀ·u/√λ. G is summed over
// blocks of columns (pixels), each block widened from the rows' own precision: 8-bit rows in
// 16-bit integers (scatter_kernel.h, exact), float32 rows as float32 products summed in double.
// Each block is shifted by its columns' means (rounded for whole numbers), and G is then centred
// exactly (G_c = H·G·H, H = I − 11ᵀ/N): a per-column shift cancels there, so parts over disjoint
// columns simply add up. Work ≈ N²·D/2 + the N×N eigensolver + N·D·K for the components, against
// the thin QR's 2·N²·D in double and the top-K solver's passes (fit_by_cost.h weighs them).

#include <Eigen/Core>
#include <cstdint>

#include "pca.h"
#include "stack_rows.h"

namespace pcarecon {

// Σ over columns [begin, end) of all N rows of (x − s)(x − s)ᵀ (N×N, lower triangle filled),
// s a column's shift, and the columns' sums of x (end − begin values). Float32 rows whose largest
// magnitude is beyond 2^±40 are multiplied by `scale`, a power of two that brings it near 2^20,
// before their float32 products (at ±3.4e38 they overflowed): gram is then scale²× that sum. The
// scale is the whole stack's, so that parts over other columns add up.
struct GramPart {
  Eigen::MatrixXd gram;
  Eigen::VectorXd column_sums;
  double scale = 1;
};

// Error when the range is not within the rows' columns or a value is not finite (naming it).
GramPart gram_of_columns(const StackRows& rows, int64_t begin, int64_t end);
// GramPart::scale for these rows (1 but for extreme float32 values).
double gram_product_scale(const StackRows& rows);

class IntegerScatter;
namespace detail {
// Columns [begin, end) of the rows into `gram` (N×N, lower triangle) and their sums into `sums`
// (end − begin values), scaled by `scale`: 8-bit rows through `integer` (N columns, flushed into
// gram when its int32 sums are full), float32 rows as float32 block products. No checks: callers
// check the range (check_column_range) and the values.
void sum_gram_columns(const StackRows& rows, int64_t begin, int64_t end, double scale,
                      IntegerScatter* integer, Eigen::MatrixXd& gram,
                      Eigen::Ref<Eigen::VectorXd> sums);
void check_column_range(int64_t begin, int64_t end, int64_t d);  // Error naming them
}  // namespace detail

// Gram matrices up to this size get every eigenvalue (symmetric_spectrum.h: 1500×1500 took 1.1 s
// in wasm, 3000×3000 12.8 s), so the variance chart shows the whole spectrum; larger ones their K
// largest by Lanczos (largest_eigenpairs.h: 0.1 and 0.6 s there) and the total variance.
constexpr int64_t kGramWholeSpectrumMax = 1000;
// Whether the Gram path finds K of N pairs by Lanczos (else every eigenvalue): the fit and the
// cost estimate (fit_by_cost.cpp) ask the same question.
constexpr bool gram_by_lanczos(int64_t n, int64_t k,
                               int64_t whole_spectrum_max = kGramWholeSpectrumMax) {
  return n > whole_spectrum_max && 4 * k <= n;
}

// Between G and the components: G's K largest eigenpairs turned into weights W = u/√λ (N×kept,
// the eigenvalues that are data), whose product Xcᵀ·W (D×kept, gram_component_rows) gives the
// components before finish_gram makes them orthonormal. That product is a block of columns at a
// time, so other workers can compute some columns' rows (split_gram.h).
struct GramWeights {
  Eigen::VectorXd mean;      // D
  Eigen::VectorXf centre;    // mean·scale in float32, as the product subtracts it
  double scale = 1;          // GramPart::scale
  Eigen::MatrixXf weights;   // N×kept
  Eigen::VectorXd values;    // K eigenvalues of G (scale² those of the rows)
  Eigen::VectorXd spectrum;  // every eigenvalue of G when the full solver ran (else empty)
  double floor = 0;          // eigenvalues at or below it are rounding, not data
  double total_variance = 0;
  int64_t samples = 0;
};
// Columns per block of the product: a range computed anywhere gives the same values as the whole
// when its ends are multiples of it (or D), as blocks start at multiples of it.
constexpr int64_t kComponentBlock = 256;

// G's eigenpairs (Lanczos or every eigenvalue, as fit_gram) and the weights; `part` is given up.
// Error when its sizes do not fit the rows.
GramWeights gram_weights(const StackRows& rows, int64_t n_components, GramPart part,
                         int64_t whole_spectrum_max = kGramWholeSpectrumMax);
// Rows [begin, end) of Xcᵀ·W ((end − begin)×kept, float32 products): `rows` hold N rows of the
// stack's columns [offset, offset + rows.cols()), and [begin, end) is within those (columns of the
// stack). Error naming a range that is not.
Eigen::MatrixXf gram_component_rows(const StackRows& rows, int64_t offset, int64_t begin,
                                    int64_t end, const GramWeights& weights);
// The model from the weights and Xcᵀ·W (D×kept, in double): its columns made orthonormal and
// completed to K (directions of variance 0 where the data has fewer than K).
PcaModel finish_gram(const GramWeights& weights, int64_t n_components, Eigen::MatrixXd product);

// K components (0 = min(N, D)) of the rows by their Gram matrix, with the whole spectrum when
// N <= whole_spectrum_max or K > N/4. Eigenvalues at rounding level (rank-deficient data:
// duplicate rows, N > rank) give variance 0 and components completed to an orthonormal set,
// never NaN. Error for N < 2 or K out of range, as fit_pca.
PcaModel fit_gram(const StackRows& rows, int64_t n_components,
                  int64_t whole_spectrum_max = kGramWholeSpectrumMax);
// The same from G over every column, summed elsewhere (split_gram.h): part.gram N×N (lower
// triangle), part.column_sums D. Error when their sizes do not fit the rows.
PcaModel fit_gram_part(const StackRows& rows, int64_t n_components, GramPart part,
                       int64_t whole_spectrum_max = kGramWholeSpectrumMax);

}  // namespace pcarecon
