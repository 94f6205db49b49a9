#include "frame_values.h"

#include <algorithm>
#include <cmath>

#include "error.h"

namespace pcarecon {
namespace {

// Pixels per block of frame_values: the block's residuals (8 KB) and each component's segment
// (4 KB) stay in the first-level cache while the block is walked through k = 0..K.
constexpr int64_t kBlock = 1024;
// Columns per tile of component_rows: a tile's K×64 doubles are read from one contiguous run.
constexpr int64_t kTile = 64;

}  // namespace

RowMatrixF component_rows(const PcaModel& model) {
  const Eigen::MatrixXd& c = model.components;
  const int64_t K = c.rows(), D = c.cols();
  RowMatrixF rows(K, D);
  for (int64_t j0 = 0; j0 < D; j0 += kTile) {
    const int64_t n = std::min(kTile, D - j0);
    for (int64_t k = 0; k < K; ++k) {
      const double* from = c.data() + j0 * K + k;
      float* to = rows.data() + k * D + j0;
      for (int64_t p = 0; p < n; ++p) to[p] = static_cast<float>(from[p * K]);
    }
  }
  return rows;
}

// Block by block of pixels, the residual r = x − mean is walked from k = 0 to K, r −= aₖvₖ at
// each step: every step is a vectorised pass over the block, a component's segment contiguous in
// `rows`. (Walking k per pixel, over the model's column-major doubles, was a chain of 13 M
// dependent scalar steps at 512×512 and K = 50: 45 ms of a figure's first part.) The residuals
// stay in double; only the components are float32 (their rounding moves a reconstruction by
// about 1e-7 of |aₖvₖ|).
FrameValues frame_values(const PcaModel& model, const RowMatrixF& rows, const Eigen::VectorXd& x,
                         int64_t K, const std::vector<int64_t>& ks, int64_t stored) {
  const int64_t D = model.dim(), F = static_cast<int64_t>(ks.size());
  const Eigen::VectorXd centred = x - model.mean;
  // aₖ = ⟨vₖ, x − mean⟩ in double over the float32 rows: a pass over K·D floats, where the
  // model's doubles are twice the bytes, read a column at a time.
  Eigen::VectorXd loadings = Eigen::VectorXd::Zero(K);
  for (int64_t j0 = 0; j0 < D; j0 += kBlock) {
    const int64_t b = std::min(kBlock, D - j0);
    const auto c = centred.segment(j0, b);
    for (int64_t k = 0; k < K; ++k)
      loadings[k] += rows.row(k).segment(j0, b).cast<double>().dot(c.transpose());
  }
  FrameValues out;
  out.pictures.assign(static_cast<size_t>(2 * stored * D), 0.f);
  out.distortion = Eigen::VectorXd::Zero(K + 1);
  Eigen::ArrayXd residual(kBlock);
  for (int64_t j0 = 0; j0 < D; j0 += kBlock) {
    const int64_t b = std::min(kBlock, D - j0);
    auto r = residual.head(b);
    r = centred.segment(j0, b).array();
    int64_t f = 0;
    for (int64_t k = 0;; ++k) {
      out.distortion[k] += r.square().sum();
      if (f < F && ks[static_cast<size_t>(f)] == k) {
        if (f < stored) {
          float* frame = out.pictures.data() + 2 * f * D + j0;
          for (int64_t i = 0; i < b; ++i) {
            frame[i] = finite_float(x[j0 + i] - r[i]);
            frame[D + i] = finite_float(r[i]);
          }
        }
        out.residual_max = std::max(out.residual_max, r.abs().maxCoeff());
        ++f;
      }
      if (k == K) break;
      r -= loadings[k] * rows.row(k).segment(j0, b).transpose().array().cast<double>();
    }
  }
  // A NaN anywhere stays in its residual up to k = K, and makes that distortion NaN.
  if (std::isnan(out.distortion[K])) throw internal_error("a NaN reached the figure");
  return out;
}

}  // namespace pcarecon
