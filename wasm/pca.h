#pragma once
// Principal component analysis with scikit-learn's names and meanings (ddof = 1 variances).
// Two solvers: covariance accumulated chunk by chunk + symmetric eigensolver (exact, streams),
// and randomized SVD for very wide data where a D×D matrix is too big.

#include <Eigen/Core>
#include <cstdint>

#include "image_stack.h"

namespace pcarecon {

struct PcaModel {
  Eigen::VectorXd mean;                      // D
  Eigen::MatrixXd components;                // K×D; orthonormal rows; largest-|v| entry positive
  Eigen::VectorXd explained_variance;        // K, descending
  Eigen::VectorXd explained_variance_ratio;  // K
  Eigen::VectorXd singular_values;           // K
  double total_variance = 0;                 // sum of all per-feature variances (ddof = 1)
  int64_t n_samples = 0;
  int64_t n_components() const { return components.rows(); }
  int64_t dim() const { return mean.size(); }
};

// Largest K accepted: min(N, D), as scikit-learn.
int64_t max_components(int64_t n_samples, int64_t dim);

// Accumulates mean and scatter of rows fed in chunks. Rows are shifted by a provisional mean (the
// first chunk's) before their outer products are summed, so data with a large offset loses no
// precision; the final result is corrected to the exact mean.
class CovarianceAccumulator {
 public:
  explicit CovarianceAccumulator(int64_t dim);
  void add(const Eigen::Ref<const RowMatrixF>& rows);  // n×D
  int64_t count() const;
  int64_t dim() const;
  Eigen::VectorXd mean() const;
  Eigen::MatrixXd covariance() const;  // D×D, ddof = 1; needs count() >= 2

 private:
  int64_t dim_;
  int64_t count_ = 0;
  Eigen::VectorXd shift_;    // provisional mean
  Eigen::VectorXd sum_;      // Σ (x − shift)
  Eigen::MatrixXd scatter_;  // Σ (x − shift)(x − shift)ᵀ, lower triangle filled
};

enum class PcaSolver { Auto, Covariance, Randomized };

struct PcaOptions {
  int64_t n_components = 0;  // 0 = max_components(N, D)
  PcaSolver solver = PcaSolver::Auto;  // Auto: Covariance unless D is very wide and K small
  int power_iterations = 4;  // randomized solver only
  int oversampling = 10;     // randomized solver only
  uint64_t seed = 0;         // randomized solver only: same seed, same result
};

// From an accumulator (the streamed path). Throws Error for K out of [1, min(N, D)] or N < 2.
PcaModel fit_pca(const CovarianceAccumulator& accumulator, int64_t n_components);
// From data in memory; chooses the solver per options.
PcaModel fit_pca(const Eigen::Ref<const RowMatrixF>& rows, const PcaOptions& options);

}  // namespace pcarecon
