#pragma once
// Principal component analysis with scikit-learn's names and meanings (ddof = 1 variances):
// explained_variance = eigenvalues of the covariance, singular_values = sqrt(ev·(N − 1)),
// explained_variance_ratio = ev / total_variance (0 when the total variance is 0, never NaN).
// Two solvers: covariance accumulated chunk by chunk + symmetric eigensolver (exact, streams),
// and randomized SVD (Halko, Martinsson & Tropp 2011) for very wide data where a D×D matrix is
// too big. Every fit checks its input for NaN/Inf and never returns a non-finite number.

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "image_stack.h"
#include "largest_eigenpairs.h"
#include "scatter_kernel.h"
#include "stack_rows.h"

namespace pcarecon {

class SymmetricSpectrum;  // symmetric_spectrum.h: not included here, it brings Eigen/Eigenvalues

struct PcaModel {
  Eigen::VectorXd mean;                      // D
  Eigen::MatrixXd components;                // K×D; orthonormal rows; largest-|v| entry positive
  Eigen::VectorXd explained_variance;        // K, descending
  Eigen::VectorXd explained_variance_ratio;  // K
  Eigen::VectorXd singular_values;           // K
  double total_variance = 0;                 // sum of all per-feature variances (ddof = 1)
  // Every eigenvalue of the covariance, descending, when the solver found them all (the exact
  // covariance path: the variance chart shows the whole spectrum); empty otherwise.
  Eigen::VectorXd spectrum;
  int64_t n_samples = 0;
  int64_t n_components() const { return components.rows(); }
  int64_t dim() const { return mean.size(); }
};

// Largest K accepted: min(N, D), as scikit-learn.
int64_t max_components(int64_t n_samples, int64_t dim);

// K checked against (N, D) — Error for N < 2, K < 0 or K > min(N, D) — with 0 resolved to min(N,
// D).
int64_t resolve_components(int64_t n_components, int64_t n_samples, int64_t dim);

// A model from the mean, K×D components and their variances (descending): signs made canonical,
// negative rounding clamped to 0, the derived values filled; Error if anything is not finite.
PcaModel make_model(Eigen::VectorXd mean, Eigen::MatrixXd components, Eigen::VectorXd variance,
                    double total_variance, int64_t n_samples, Eigen::VectorXd spectrum = {});

// The sign convention of every fit: each row's largest-magnitude entry (the first one on exact
// ties) is made positive. Exposed so that tests can bring reference components to the same signs.
void canonicalize_signs(Eigen::MatrixXd& components);

// Standard normal numbers (column-major rows×cols) from mt19937_64 by Box–Muller: mt19937_64 is
// fully specified by the standard (std::normal_distribution is not), so native and wasm builds
// draw the same matrix. The random start of both randomized solvers (here and topk_solver.h).
Eigen::MatrixXd gaussian_matrix(int64_t rows, int64_t cols, uint64_t seed);

// How CovarianceAccumulator adds a block of (at most 256) shifted rows to its double scatter.
enum class AccumulatorKernel {
  // 16-bit integers (IntegerScatter, scatter_kernel.h) for blocks whose shifted values are
  // whole numbers with |x − shift| ≤ 32767, which holds for uint8/int8/bool images: bit-for-bit
  // the double result at 8 products per SIMD instruction. Any other block goes through double.
  // (A whole-number block outside that range has some (x − shift)² > 2³⁰, more than float32
  // holds exactly, so there is no exact float32 case left between the two.) The default.
  Auto,
  // float32 for every block: a block's scatter is rounded like float32 data (≈1e-7 of its scale),
  // blocks are summed in double. Faster on non-integer data, slightly less exact.
  Float32,
  // double for every block (the reference).
  Float64,
};

// The whole state of an accumulator, for moving partial results between workers or processes:
// Σ over `count` rows of (x − shift) and (x − shift)(x − shift)ᵀ (lower triangle used).
struct AccumulatorState {
  int64_t count = 0;
  Eigen::VectorXd shift;    // D
  Eigen::VectorXd sum;      // D
  Eigen::MatrixXd scatter;  // D×D, lower triangle (the upper one is ignored)
};

// Accumulates mean and scatter of rows fed in chunks. Rows are shifted by a provisional mean (the
// first chunk's, rounded to whole numbers when that chunk holds only whole numbers) before their
// outer products are summed, so data with a large offset loses no precision; the final result is
// corrected to the exact mean. Partial accumulators over disjoint rows merge exactly (up to
// rounding) into the accumulator of all the rows, whatever their shifts.
class CovarianceAccumulator {
 public:
  // Throws Error for dim < 1 or a D×D matrix too big to allocate.
  explicit CovarianceAccumulator(int64_t dim, AccumulatorKernel kernel = AccumulatorKernel::Auto);
  // Rebuilt from state(): throws Error when the sizes disagree (shift, sum D; scatter D×D), the
  // count is negative, or a value is not finite.
  static CovarianceAccumulator from_state(const AccumulatorState& state,
                                          AccumulatorKernel kernel = AccumulatorKernel::Auto);
  AccumulatorState state() const;
  // Adds the rows of `other` (same D, else Error) with the parallel-variance formula (Chan,
  // Golub & LeVeque 1979): M2 = M2₁ + M2₂ + δδᵀ·n₁n₂/n with δ = mean₂ − mean₁.
  void merge(const CovarianceAccumulator& other);
  // n×D, any n >= 0. Converted to double a block of rows at a time (never the whole chunk at
  // once), so memory stays O(D² + block·D) whatever the chunk size. Throws Error on a column
  // count other than D or a NaN/Inf value (naming the sample and pixel); then nothing is added.
  void add(const Eigen::Ref<const RowMatrixF>& rows);
  // The same for rows at their own precision (8-bit rows widened a block at a time): the same
  // result, bit for bit, as add() of the same values as float32.
  void add(const StackRows& rows);
  int64_t count() const;
  int64_t dim() const;
  Eigen::VectorXd mean() const;        // needs count() >= 1
  Eigen::MatrixXd covariance() const;  // D×D, ddof = 1; needs count() >= 2 (throws Error otherwise)
  AccumulatorKernel kernel() const { return kernel_; }
  int64_t float32_rows() const { return float32_rows_; }  // rows added by the float32 kernel
  int64_t int16_rows() const { return int16_rows_; }      // rows added by the integer kernel

 private:
  void add_block(const Eigen::Ref<const RowMatrixF>& block);
  void check_cols(int64_t cols) const;
  template <class Blocks>  // blocks(r, b): rows [r, r + b) as float32
  void add_rows(int64_t n, const Blocks& blocks);

  int64_t dim_;
  AccumulatorKernel kernel_;
  int64_t count_ = 0;
  int64_t float32_rows_ = 0;
  int64_t int16_rows_ = 0;
  std::optional<IntegerScatter> integer_;  // Auto's integer kernel, made on first use
  std::vector<int32_t> integer_shift_;     // shift_ as integers for it; empty when not whole
  RowMatrixD work_d_;                      // a shifted block in double
  RowMatrixF work_f_;                      // the same in float32, for the float32 kernel
  Eigen::MatrixXf block_scatter_;          // its float32 scatter (lower triangle)
  Eigen::VectorXd shift_;                  // provisional mean
  Eigen::VectorXd sum_;                    // Σ (x − shift)
  Eigen::MatrixXd scatter_;  // Σ (x − shift)(x − shift)ᵀ, lower triangle filled
};

enum class PcaSolver { Auto, Covariance, Randomized };

struct PcaOptions {
  int64_t n_components = 0;            // 0 = max_components(N, D)
  PcaSolver solver = PcaSolver::Auto;  // Auto: Covariance unless D is very wide and K small
  int power_iterations = 4;            // randomized solver only
  int oversampling = 10;               // randomized solver only
  uint64_t seed = 0;                   // randomized solver only: same seed, same result
  AccumulatorKernel kernel = AccumulatorKernel::Auto;  // covariance solver, N >= D only
  // Covariance solver, N >= D: K pairs by Lanczos where that is cheaper, every eigenvalue later
  // (ExactFit, below); the model's spectrum is then empty. The page's fits; not the CLI's.
  bool lazy_spectrum = false;
};

// From an accumulator (the streamed path). K = 0 means min(N, D). Throws Error for K < 0,
// K > min(N, D) or N < 2. Every eigenvalue (the model's spectrum), eigenvectors for K only.
PcaModel fit_pca(const CovarianceAccumulator& accumulator, int64_t n_components);

// The same, keeping what more components need: the covariance's eigen-decomposition, its mean,
// total variance and count. model(k) makes the model of any k ≤ D from it, in O(D²·k).
//
// Made with `lanczos_components` K > 0 (the page's fits), a covariance of D ≥ kLazySpectrumMin
// with 4·K ≤ D first gets only its K largest pairs by Lanczos (largest_eigenpairs.h: 0.03 s for
// Fashion-MNIST's 784×784 in wasm against 0.1 s for every eigenvalue), and the covariance is kept:
// models of up to K components come from those pairs, without the whole spectrum (the model's
// `spectrum` empty), and make_spectrum() makes it later (the variance chart, after the figure).
struct ExactFit {
  std::shared_ptr<const SymmetricSpectrum> spectrum;  // null until made, for a lazy fit
  std::shared_ptr<const Eigen::MatrixXd> covariance;  // a lazy fit's, until its spectrum is made
  std::shared_ptr<const Eigenpairs> top;              // a lazy fit's K largest pairs
  Eigen::VectorXd mean;
  double total_variance = 0;
  int64_t n_samples = 0;
  int64_t dim() const { return mean.size(); }
  // Every eigenvalue from the kept covariance (once; nothing when made). Error as
  // SymmetricSpectrum's.
  void make_spectrum();
  // From `top` for k up to its size while there is no spectrum; else from the spectrum, made
  // first when needed.
  PcaModel model(int64_t n_components);
};
constexpr int64_t kLazySpectrumMin = 256;
ExactFit exact_fit(const CovarianceAccumulator& accumulator, int64_t lanczos_components = 0);
// From data in memory (N×D, row-major, used in place); chooses the solver per options:
//  - Auto: Randomized when D > 4096 and 4·K < D, else Covariance.
//  - Covariance: exact. When N >= D, the D×D covariance + symmetric eigensolver as above; when
//    N < D, the same eigenpairs from the smaller side: a Householder QR of the centred data
//    (D×N doubles) and an SVD of its N×N triangle, which never forms a D×D matrix.
//  - Randomized: Gaussian test matrix of min(K + oversampling, N, D) columns (mt19937_64 seeded
//    by options.seed, Box–Muller, so native and wasm draw the same numbers), power iterations
//    with QR re-orthonormalisation, on the centred data a block of rows at a time (no centred copy
//    of X); exact (up to rounding) when K + oversampling >= min(N, D).
// Same errors as above, plus negative oversampling / power_iterations.
// `exact`, when given, receives the decomposition of a fit that took the covariance path (N ≥ D):
// more components from it later (ExactFit::model); it is left empty after any other path.
PcaModel fit_pca(const Eigen::Ref<const RowMatrixF>& rows, const PcaOptions& options,
                 std::optional<ExactFit>* exact = nullptr);
// The same for rows at their own precision, with the same result bit for bit as the float32 rows
// of the same values: the covariance path (N ≥ D) widens a block at a time, the others widen the
// whole stack once (the thin path holds a D×N double copy anyway).
PcaModel fit_pca(const StackRows& rows, const PcaOptions& options,
                 std::optional<ExactFit>* exact = nullptr);

}  // namespace pcarecon
