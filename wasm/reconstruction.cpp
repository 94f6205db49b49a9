// The reconstruction series of one sample, updated one component at a time.

#include "reconstruction.h"

#include <cmath>
#include <limits>
#include <string>

#include "error.h"
#include "number_text.h"

namespace pcarecon {

namespace {

void check_k(const PcaModel& model, int64_t k) {
  if (k < 0 || k > model.n_components()) {
    throw Error("cannot reconstruct with " + std::to_string(k) + " components: the model has " +
                std::to_string(model.n_components()));
  }
}

// 10·log10(peak² / mse); +inf when mse == 0. A zero peak (constant dataset) uses a unit peak.
// Written as a difference of logs so that a subnormal mse cannot overflow the quotient to inf.
double psnr_db(double mse, double data_range) {
  if (mse <= 0) return std::numeric_limits<double>::infinity();
  const double peak = data_range > 0 ? data_range : 1.0;
  return 20.0 * std::log10(peak) - 10.0 * std::log10(mse);
}

}  // namespace

void check_sample_values(const PcaModel& model, const Eigen::Ref<const Eigen::VectorXf>& x) {
  if (model.dim() == 0) throw Error("the model is empty: fit PCA before reconstructing");
  if (x.size() != model.dim()) {
    throw Error("this sample has " + std::to_string(x.size()) + " values, but the model has " +
                std::to_string(model.dim()) + " per image");
  }
  for (Eigen::Index j = 0; j < x.size(); ++j) {
    if (!std::isfinite(x(j))) {
      throw Error("this sample has a non-finite value (" +
                  std::string(std::isnan(x(j)) ? "NaN" : (x(j) > 0 ? "+inf" : "-inf")) +
                  ") at pixel " + std::to_string(j));
    }
  }
}

ReconstructionSeries reconstruction_series(const PcaModel& model,
                                           const Eigen::Ref<const Eigen::VectorXf>& x,
                                           double data_range, int64_t n_components) {
  check_sample_values(model, x);
  if (!std::isfinite(data_range) || data_range < 0) {
    throw Error("the data range must be a finite number of 0 or more; got " +
                number_text(data_range));
  }
  if (n_components < 0 || n_components > model.n_components()) {
    throw Error("cannot show " + std::to_string(n_components) + " components: the model has " +
                std::to_string(model.n_components()) + " (0 = all of them)");
  }
  const int64_t k_max = n_components == 0 ? model.n_components() : n_components;
  const double dim = static_cast<double>(model.dim());

  ReconstructionSeries series;
  const Eigen::VectorXd centred = x.cast<double>() - model.mean;
  series.loadings = model.components.topRows(k_max) * centred;

  // The residual x − x̂ₖ is updated one component at a time and its norm measured each step,
  // rather than using ‖x − mean‖² − Σ aᵢ², which cancels catastrophically near full rank.
  Eigen::VectorXd residual = centred;
  series.distortion.resize(k_max + 1);
  series.cumulative_explained_variance_ratio.resize(k_max + 1);
  series.distortion(0) = residual.squaredNorm();
  series.cumulative_explained_variance_ratio(0) = 0;
  for (int64_t i = 0; i < k_max; ++i) {
    residual.noalias() -= series.loadings(i) * model.components.row(i).transpose();
    series.distortion(i + 1) = residual.squaredNorm();
    series.cumulative_explained_variance_ratio(i + 1) =
        series.cumulative_explained_variance_ratio(i) + model.explained_variance_ratio(i);
  }
  series.mse = series.distortion / dim;
  series.psnr.resize(k_max + 1);
  for (int64_t k = 0; k <= k_max; ++k) series.psnr(k) = psnr_db(series.mse(k), data_range);
  return series;
}

Eigen::VectorXd reconstruct(const PcaModel& model,
                            const Eigen::Ref<const Eigen::VectorXd>& loadings, int64_t k) {
  check_k(model, k);
  if (loadings.size() < k) {
    throw Error("cannot reconstruct with " + std::to_string(k) + " components from " +
                std::to_string(loadings.size()) + " loadings");
  }
  Eigen::VectorXd out = model.mean;
  out.noalias() += model.components.topRows(k).transpose() * loadings.head(k);
  return out;
}

ReconstructionWalk::ReconstructionWalk(const PcaModel& model,
                                       const Eigen::Ref<const Eigen::VectorXf>& x)
    : model_(model) {
  check_sample_values(model, x);
  x_ = x.cast<double>();
  centred_ = x_ - model.mean;
  reconstruction_ = model.mean;
}

void ReconstructionWalk::advance_to(int64_t k) {
  check_k(model_, k);
  if (k < k_) {
    throw Error("the reconstruction can only move forward: it is at k = " + std::to_string(k_) +
                ", asked for k = " + std::to_string(k));
  }
  for (; k_ < k; ++k_) {
    const double loading = model_.components.row(k_).dot(centred_.transpose());
    reconstruction_.noalias() += loading * model_.components.row(k_).transpose();
  }
}

}  // namespace pcarecon
