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

// A frame's pictures, the reconstruction x − r and the residual r, D floats apart.
template <class Residual, class Sample>
void store_pictures(const Residual& r, const Sample& x, float* frame, int64_t D) {
  for (int64_t i = 0; i < r.size(); ++i) {
    frame[i] = finite_float(x[i] - r[i]);
    frame[D + i] = finite_float(r[i]);
  }
}

// The largest of `largest` at the frames' k.
double largest_of_frames(const Eigen::VectorXd& largest, const std::vector<int64_t>& ks) {
  double out = 0;
  for (const int64_t k : ks) out = std::max(out, largest[k]);
  return out;
}

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
  out.largest = Eigen::VectorXd::Zero(K + 1);
  Eigen::ArrayXd residual(kBlock);
  for (int64_t j0 = 0; j0 < D; j0 += kBlock) {
    const int64_t b = std::min(kBlock, D - j0);
    auto r = residual.head(b);
    r = centred.segment(j0, b).array();
    int64_t f = 0;
    for (int64_t k = 0;; ++k) {
      out.distortion[k] += r.square().sum();
      out.largest[k] = std::max(out.largest[k], r.abs().maxCoeff());
      if (f < F && ks[static_cast<size_t>(f)] == k) {
        if (f < stored)
          store_pictures(r, x.segment(j0, b), out.pictures.data() + 2 * f * D + j0, D);
        ++f;
      }
      if (k == K) break;
      r -= loadings[k] * rows.row(k).segment(j0, b).transpose().array().cast<double>();
    }
  }
  // A NaN anywhere stays in its residual up to k = K, and makes that distortion NaN.
  if (std::isnan(out.distortion[K])) throw internal_error("a NaN reached the figure");
  out.residual_max = largest_of_frames(out.largest, ks);
  return out;
}

FrameValues memo_frame_values(FigureMemo& memo, const PcaModel& model, int64_t sample,
                              const Eigen::VectorXd& x, int64_t K, const std::vector<int64_t>& ks,
                              int64_t stored) {
  auto walked = std::find_if(memo.walks.begin(), memo.walks.end(),
                             [&](const FigureMemo::Walk& walk) { return walk.sample == sample; });
  if (stored <= 1 && walked != memo.walks.end() && walked->distortion.size() > K) {
    FrameValues out;
    out.distortion = walked->distortion.head(K + 1);
    out.largest = walked->largest.head(K + 1);
    out.residual_max = largest_of_frames(out.largest, ks);
    const int64_t D = model.dim();
    out.pictures.assign(static_cast<size_t>(2 * stored * D), 0.f);
    // frame 0 is k = 0, whose residual is x − mean (as the walk makes it)
    if (stored == 1) store_pictures((x - model.mean).array(), x, out.pictures.data(), D);
    return out;
  }
  FrameValues out =
      frame_values(model, memo.rows, x, std::min(K + 1, model.n_components()), ks, stored);
  if (walked != memo.walks.end()) memo.walks.erase(walked);
  if (memo.walks.size() >= FigureMemo::kWalks) memo.walks.erase(memo.walks.begin());
  memo.walks.push_back(FigureMemo::Walk{sample, out.distortion, out.largest});
  return out;
}

}  // namespace pcarecon
