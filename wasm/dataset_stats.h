#pragma once
// Views of the whole dataset under a fitted model, beside the one-sample series of
// reconstruction.h: how many components reach a share of the variance, every image's distortion
// (to rank the worst reconstructed and to average the distortion over all images), and a
// reconstruction from a range of components a..b only.

#include <Eigen/Core>
#include <cstdint>
#include <optional>

#include "image_stack.h"
#include "pca.h"
#include "stack_rows.h"

namespace pcarecon {

// The smallest k whose first k components explain more than `share` of the variance (the
// cumulative sum of explained_variance_ratio exceeds it), as scikit-learn's
// PCA(n_components=share) chooses. std::nullopt when the K ratios given do not reach it (a
// top-K fit: the share needs more than K components). Throws Error for a share outside (0, 1).
std::optional<int64_t> components_for_share(
    const Eigen::Ref<const Eigen::VectorXd>& explained_variance_ratio, double share);

// The distortion ‖x − x̂ⱼ‖² of every row x under the first j of `components` (k×D, orthonormal
// rows), j = 0..k: at_k holds each row's distortion at j = k (in row order), sums[j] the sum over
// the rows at j (so rows split between workers merge by concatenating at_k and adding sums).
struct RowDistortions {
  Eigen::VectorXd at_k;  // one per row
  Eigen::VectorXd sums;  // k + 1
};

// Computed from the loadings, ‖x − mean‖² − Σᵢ<ⱼ aᵢ² (clamped at 0 against rounding), in blocks
// of rows converted to double. Throws Error when the sizes disagree (rows and components must
// have mean.size() columns) or a row holds a NaN/Inf (naming the row and value).
RowDistortions row_distortions(const Eigen::Ref<const RowMatrixF>& rows,
                               const Eigen::Ref<const Eigen::VectorXd>& mean,
                               const Eigen::Ref<const Eigen::MatrixXd>& components);
// The same for rows at their own precision (an 8-bit stack's bytes widened a block at a time):
// the same numbers, bit for bit, as the float32 rows of the same values.
RowDistortions row_distortions(const StackRows& rows, const Eigen::Ref<const Eigen::VectorXd>& mean,
                               const Eigen::Ref<const Eigen::MatrixXd>& components);

// x̂ from components first..last only (1-based, inclusive, as the page names them):
// mean + Σᵢ₌first..last (vᵢ·(x − mean)) vᵢ. Throws Error for a range outside 1..K or first > last,
// and for a sample of the wrong length or with a NaN/Inf.
Eigen::VectorXd reconstruct_range(const PcaModel& model, const Eigen::Ref<const Eigen::VectorXf>& x,
                                  int64_t first, int64_t last);

}  // namespace pcarecon
