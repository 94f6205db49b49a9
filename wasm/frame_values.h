#pragma once
// One sample's reconstructions x̂ₖ = mean + Σᵢ<ₖ aᵢvᵢ and residuals x − x̂ₖ at the k a figure
// shows, and its distortion ‖x − x̂ₖ‖² at every k = 0..K: the numbers behind every frame of a
// figure (figure.cpp), computed from the components laid out a component per row, in float32
// (component_rows: made once per model, Explorer keeps them).

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "image_stack.h"
#include "pca.h"

namespace pcarecon {

// A float32 that is always finite: reconstructions of finite data can only leave the float range
// by rounding, so they are clamped to it (a NaN stays NaN: callers look for it).
inline float finite_float(double v) {
  constexpr double kMax = std::numeric_limits<float>::max();
  return static_cast<float>(std::clamp(v, -kMax, kMax));
}

// The model's components as float32, one contiguous row per component (the model's double K×D
// matrix is column-major, where a component's values are strided): half its bytes, and the
// layout frame_values walks a component at a time.
RowMatrixF component_rows(const PcaModel& model);

struct FrameValues {
  // [frame][reconstruction, residual][D] of the first `stored` frames, finite float32
  std::vector<float> pictures;
  Eigen::VectorXd distortion;  // ‖x − x̂ₖ‖² for k = 0..K (the K walked: at least the figure's)
  Eigen::VectorXd largest;  // the largest |x − x̂ₖ|, k = 0..K (as distortion)
  double residual_max = 0;  // the largest |residual| of every frame in ks (stored or not)
};

// x: the sample (D, finite); ks: the k of each frame, ascending, within 0..K; rows:
// component_rows(model) (at least K rows), which the loadings ⟨vₖ, x − mean⟩ are also taken from
// (summed in double). Throws internal_error if a NaN comes out.
FrameValues frame_values(const PcaModel& model, const RowMatrixF& rows, const Eigen::VectorXd& x,
                         int64_t K, const std::vector<int64_t>& ks, int64_t stored);

// What the figures of one model keep between them (the Explorer keeps one per model): the
// component rows, and the distortion and largest residual at every k of the samples walked last,
// so that a figure of one of them storing its first frame alone (k = 0: x − mean needs no walk)
// is made without a walk -- the first part of a change of K, 50-60 ms at 512×512 panels. (A few
// samples: the figures asked for ahead walk the samples next to the one on screen meanwhile.)
struct FigureMemo {
  struct Walk {
    int64_t sample = -1;
    Eigen::VectorXd distortion;  // its FrameValues' (k = 0..the K walked)
    Eigen::VectorXd largest;
  };
  static constexpr size_t kWalks = 8;
  RowMatrixF rows;          // component_rows(model)
  std::vector<Walk> walks;  // the last walked last, at most kWalks
};

// frame_values of `sample` through `memo`: from what it keeps when that covers the sample to K
// and `stored` ≤ 1, else walked (to K + 1 where the model has it: the figure of K + 1 is asked
// for ahead) and kept.
FrameValues memo_frame_values(FigureMemo& memo, const PcaModel& model, int64_t sample,
                              const Eigen::VectorXd& x, int64_t K, const std::vector<int64_t>& ks,
                              int64_t stored);

}  // namespace pcarecon
