#include "display_range.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "error.h"

namespace pcarecon {

double percentile(const Eigen::Ref<const Eigen::VectorXd>& values, double p) {
  if (values.size() == 0) throw internal_error("a percentile of no values");
  if (!(p >= 0 && p <= 100)) throw internal_error("a percentile outside 0..100");
  std::vector<double> v(values.data(), values.data() + values.size());
  if (std::any_of(v.begin(), v.end(), [](double x) { return std::isnan(x); }))
    throw internal_error("a NaN reached a percentile");
  const double position = p / 100.0 * double(v.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  std::nth_element(v.begin(), v.begin() + below, v.end());
  const double lower = v[below];
  if (below + 1 >= v.size()) return lower;
  // The next sorted value is the smallest of those after the nth element.
  const double upper = *std::min_element(v.begin() + below + 1, v.end());
  const double t = position - double(below);
  return lower + t * (upper - lower);
}

ValueRange clipped_range(const Eigen::Ref<const Eigen::VectorXd>& values, double clip_percent) {
  ValueRange range;
  if (clip_percent > 0) {
    range.lo = percentile(values, clip_percent);
    range.hi = percentile(values, 100 - clip_percent);
  } else {
    range.lo = values.minCoeff();
    range.hi = values.maxCoeff();
  }
  if (!(range.hi > range.lo)) {
    range.lo -= 0.5;
    range.hi += 0.5;
  }
  return range;
}

double clipped_magnitude(const Eigen::Ref<const Eigen::VectorXd>& values, double clip_percent) {
  const Eigen::VectorXd magnitude = values.cwiseAbs();
  return clip_percent > 0 ? percentile(magnitude, 100 - clip_percent) : magnitude.maxCoeff();
}

}  // namespace pcarecon
