#pragma once
// The top-K solver: only the K leading principal components, by randomized subspace iteration on
// the covariance with a Rayleigh–Ritz step after every pass (Halko, Martinsson & Tropp 2011,
// algorithms 4.4 and 5.3; the stopping rule on Ritz residuals as in block Lanczos/LOBPCG codes),
// for images too wide for a D×D covariance. Everything that touches the data is a *pass* over
// row blocks whose partial results over disjoint rows add up exactly (up to rounding), so two
// workers, or several reads of a file, can each do part of a pass and merge:
//   1. MomentsPass: column sums and sums of squares → the mean and the total variance (the exact
//      trace of the covariance, the denominator of every explained_variance_ratio);
//   2. GramPass, repeated: Z = Xcᵀ·(Xc·Q) for the solver's current basis Q (D×l), Xc = X − mean,
//      with Xc never formed: each block of rows is centred into float32 on the fly, from float32
//      or 8-bit rows (stack_rows.h), and its products summed in double.
// TopKSolver holds the small state between passes (D×l) and decides when to stop; fit_topk runs
// every pass here over rows in memory. fit_by_cost.h weighs it against the exact path (pca.h).

#include <Eigen/Core>
#include <cstdint>

#include "pca.h"
#include "stack_rows.h"

namespace pcarecon {

// A MomentsPass's whole state, for moving a partial pass between workers.
struct MomentsState {
  int64_t count = 0;
  Eigen::VectorXd shift;    // D
  Eigen::VectorXd sum;      // D, Σ (x − shift)
  Eigen::VectorXd squares;  // D, Σ (x − shift)²
};

// Column sums of (x − shift) and of (x − shift)², and the row count. The shift keeps float data
// with a large offset exact enough (for 8-bit rows x − shift stays a whole number of at most 255,
// so their sums are exact in double for any N below 10¹¹). Partials merge when their shifts are
// the same.
class MomentsPass {
 public:
  explicit MomentsPass(Eigen::VectorXd shift);
  // The shift a pass over these rows should use: the first row, whatever the rows' type, so that
  // 8-bit rows and the same values as float32 give the same model bit for bit.
  static Eigen::VectorXd default_shift(const StackRows& rows);
  // Checks every value (Error naming the first NaN/Inf: sample and pixel) before adding any.
  void add(const StackRows& rows);
  void merge(const MomentsPass& other);  // Error unless D and the shift are the same
  MomentsState state() const;
  // Error when the sizes disagree, the count is negative or a value is not finite.
  static MomentsPass from_state(const MomentsState& state);
  int64_t count() const { return count_; }
  int64_t dim() const { return shift_.size(); }
  Eigen::VectorXd mean() const;   // needs count() >= 1
  double total_variance() const;  // Σ of per-feature variances, ddof = 1; needs count() >= 2

 private:
  int64_t count_ = 0;
  Eigen::VectorXd shift_;
  Eigen::VectorXd sum_;
  Eigen::VectorXd squares_;
};

// One pass of the solver over some rows: product() = Σ over those rows of (x − mean)(x − mean)ᵀ·Q.
class GramPass {
 public:
  GramPass(const Eigen::VectorXd& mean, const Eigen::MatrixXd& basis);  // D, D×l
  void add(const StackRows& rows);    // rows already checked finite (by the MomentsPass)
  void merge(const GramPass& other);  // Error unless the sizes are the same
  // Another worker's product over `count` rows (its GramPass::product()); Error unless it is D×l
  // and finite, or count < 0.
  // A Ref: a Map over a product passed in from JavaScript is merged without a copy.
  void merge_product(const Eigen::Ref<const Eigen::MatrixXd>& product, int64_t count);
  int64_t count() const { return count_; }
  const Eigen::MatrixXd& product() const { return product_; }  // D×l
  // The product, moved out; the pass' own D×l (Q in float32) is freed with it.
  Eigen::MatrixXd take_product();

 private:
  int64_t count_ = 0;
  Eigen::VectorXf mean_;
  Eigen::MatrixXf basis_;     // Q in float32: the products run at float32 SIMD width
  Eigen::MatrixXd product_;   // Σ blocks' Xcᵀ·Xc·Q, in double
  RowMatrixF work_;           // one centred block
  Eigen::MatrixXf loadings_;  // its Xc·Q
};

struct TopKOptions {
  int64_t n_components = 50;  // K; 0 = min(N, D) (then the exact path is cheaper anyway)
  int64_t oversampling = -1;  // extra basis vectors; −1: max(10, K/2)
  int max_passes = 16;        // Gram passes at most
  // Stop when every one of the K Ritz pairs (θ, u) has ‖C·u − θ·u‖ ≤ tolerance·θ (+ a floor of
  // float32 rounding relative to θ₁), C the scatter matrix.
  double tolerance = 2e-3;
  uint64_t seed = 0;  // the Gaussian start (same draws natively and in wasm)
};

// The state between passes. Start it with the moments, then repeatedly run a GramPass over all
// rows with basis() and submit() it, until done().
class TopKSolver {
 public:
  // Error for N < 2, K < 0 or K > min(N, D), bad options.
  TopKSolver(int64_t n_samples, int64_t dim, const TopKOptions& options);
  void set_moments(const MomentsPass& all_rows);  // Error unless it counted N rows of D values
  bool done() const { return done_; }
  const Eigen::VectorXd& mean() const { return mean_; }
  const Eigen::MatrixXd& basis() const { return basis_; }  // D×l orthonormal, for the next pass
  // Rayleigh–Ritz on the pass' product, the convergence test, and the next basis. Error unless
  // the pass covered N rows with the current basis' width, or when called once done().
  void submit(const GramPass& all_rows);
  // The same, taking the pass' product: its D×l are freed as soon as the step is done with them.
  // At a wide D each D×l matters (512·512·3 values × 75 columns is 472 MB in double).
  void submit(GramPass&& all_rows);
  int passes() const { return passes_; }
  int64_t width() const { return width_; }                    // l
  double max_relative_residual() const { return residual_; }  // of the K Ritz pairs, last pass
  PcaModel model() const;  // the K Ritz pairs as a model; needs at least one pass

 private:
  void check_pass(const GramPass& all_rows) const;
  // Frees *owned (the product z) once it is no longer needed, when given.
  void step(const Eigen::MatrixXd& z, Eigen::MatrixXd* owned);

  int64_t n_;
  int64_t dim_;
  int64_t k_;
  int64_t width_;
  TopKOptions options_;
  bool has_moments_ = false;
  bool done_ = false;
  int passes_ = 0;
  double residual_ = 0;
  double total_variance_ = 0;
  Eigen::VectorXd mean_;
  Eigen::MatrixXd basis_;        // Q
  Eigen::MatrixXd ritz_;         // D×K Ritz vectors of the last pass
  Eigen::VectorXd ritz_values_;  // K, descending (of the scatter, not yet / (N − 1))
};

// Every pass over rows in memory, one block at a time (memory O(K·D + block·D) beyond the rows).
PcaModel fit_topk(const StackRows& rows, const TopKOptions& options, int* passes = nullptr);

}  // namespace pcarecon
