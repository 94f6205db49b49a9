#pragma once
// The reconstruction series of one sample x: x̂ₖ = mean + Σᵢ<ₖ aᵢvᵢ for k = 0..K, its residual
// and distortion, computed incrementally in O(K·D).

#include <Eigen/Core>
#include <cstdint>

#include "pca.h"

namespace pcarecon {

struct ReconstructionSeries {
  Eigen::VectorXd loadings;    // K: aᵢ = vᵢ·(x − mean)
  Eigen::VectorXd distortion;  // K+1: ‖x − x̂ₖ‖² for k = 0..K
  Eigen::VectorXd mse;         // K+1: distortion / D
  Eigen::VectorXd psnr;        // K+1: 10·log10(range² / mse) in dB; +inf where mse == 0
  Eigen::VectorXd cumulative_explained_variance_ratio;  // K+1, starts at 0
};

// `data_range` is the dataset's max − min (the peak signal for PSNR). A constant dataset has
// data_range 0 and no peak to measure against: PSNR then uses a unit peak (10·log10(1 / mse)),
// so it stays finite and still rises as the error falls; +inf where mse == 0 as always.
// Uses the first `n_components` components of the model (0 = all of them).
// Throws Error when x has the wrong length or a NaN/Inf, data_range is negative or not finite,
// or n_components is outside [0, model.n_components()].
ReconstructionSeries reconstruction_series(const PcaModel& model,
                                           const Eigen::Ref<const Eigen::VectorXf>& x,
                                           double data_range, int64_t n_components = 0);

// Throws Error when x is not a sample of the model's images: an empty model, the wrong length, or
// a NaN/Inf (naming the pixel). What every reconstruction here checks first.
void check_sample_values(const PcaModel& model, const Eigen::Ref<const Eigen::VectorXf>& x);

// x̂ₖ from loadings, O(k·D). Throws Error for k outside [0, model.n_components()] or fewer
// than k loadings.
Eigen::VectorXd reconstruct(const PcaModel& model,
                            const Eigen::Ref<const Eigen::VectorXd>& loadings, int64_t k);

// Walks k upward one component at a time, O(D) a step.
// Keeps a reference to `model`, which must outlive the walk.
class ReconstructionWalk {
 public:
  ReconstructionWalk(const PcaModel& model, const Eigen::Ref<const Eigen::VectorXf>& x);  // throws
  void advance_to(int64_t k);  // k >= current k, k <= model.n_components(); throws Error otherwise
  int64_t k() const { return k_; }
  const Eigen::VectorXd& reconstruction() const { return reconstruction_; }
  Eigen::VectorXd residual() const { return x_ - reconstruction_; }

 private:
  const PcaModel& model_;
  Eigen::VectorXd x_;
  Eigen::VectorXd centred_;  // x − mean
  Eigen::VectorXd reconstruction_;
  int64_t k_ = 0;
};

}  // namespace pcarecon
