#pragma once
// The value range a colour scale spans, from the values shown, with percentile clipping.

#include <Eigen/Core>

namespace pcarecon {

struct ValueRange {
  double lo = 0, hi = 0;
};

// The p-th percentile (0 ≤ p ≤ 100) of the values, as NumPy's percentile computes it by default
// ('linear'): the sorted values at position p/100 · (n − 1), interpolated between neighbours.
// Throws an internal Error for no values or a NaN.
double percentile(const Eigen::Ref<const Eigen::VectorXd>& values, double p);

// [p-th, (100 − p)-th percentile] of the values (their min and max for p = 0), widened to ±0.5
// around a constant image, so a colour scale never spans nothing. Float32 pictures are read where
// they are (one copy as doubles for both percentiles).
ValueRange clipped_range(const Eigen::Ref<const Eigen::VectorXd>& values, double clip_percent);
ValueRange clipped_range(const Eigen::Ref<const Eigen::VectorXf>& values, double clip_percent);

// The (100 − p)-th percentile of |values|: the half-width of a residual's symmetric range.
double clipped_magnitude(const Eigen::Ref<const Eigen::VectorXd>& values, double clip_percent);
double clipped_magnitude(const Eigen::Ref<const Eigen::VectorXf>& values, double clip_percent);

}  // namespace pcarecon
