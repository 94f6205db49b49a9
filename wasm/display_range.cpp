#include "display_range.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "error.h"

namespace pcarecon {
namespace {

void check_percentile(Eigen::Index n, double p) {
  if (n == 0) throw internal_error("a percentile of no values");
  if (!(p >= 0 && p <= 100)) throw internal_error("a percentile outside 0..100");
}

// The values (their magnitudes when `magnitude`) as doubles, for percentile_of to reorder: the
// one copy a range needs. Throws an internal Error for a NaN.
template <class Values>
std::vector<double> selectable(const Values& values, bool magnitude) {
  std::vector<double> v(static_cast<size_t>(values.size()));
  for (size_t i = 0; i < v.size(); ++i) {
    const double x = static_cast<double>(values[static_cast<Eigen::Index>(i)]);
    v[i] = magnitude ? std::abs(x) : x;
  }
  if (std::any_of(v.begin(), v.end(), [](double x) { return std::isnan(x); }))
    throw internal_error("a NaN reached a percentile");
  return v;
}

// The p-th percentile of v by selection, which reorders v. The first `settled` values are known to
// be no larger than any after them, and the selection skips them when it can; on return, as many
// as the selection settled (so a second call at a higher p selects among fewer).
double percentile_of(std::vector<double>& v, double p, size_t& settled) {
  const double position = p / 100.0 * double(v.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  std::nth_element(v.begin() + static_cast<std::ptrdiff_t>(below >= settled ? settled : 0),
                   v.begin() + static_cast<std::ptrdiff_t>(below), v.end());
  settled = below;
  const double lower = v[below];
  if (below + 1 >= v.size()) return lower;
  // The next sorted value is the smallest of those after the nth element.
  const double upper =
      *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(below) + 1, v.end());
  const double t = position - double(below);
  return lower + t * (upper - lower);
}

template <class Values>
ValueRange clipped_range_of(const Values& values, double clip_percent) {
  ValueRange range;
  if (clip_percent > 0) {
    check_percentile(values.size(), clip_percent);
    std::vector<double> v = selectable(values, false);
    size_t settled = 0;
    range.lo = percentile_of(v, clip_percent, settled);
    range.hi = percentile_of(v, 100 - clip_percent, settled);
  } else {
    range.lo = static_cast<double>(values.minCoeff());
    range.hi = static_cast<double>(values.maxCoeff());
  }
  if (!(range.hi > range.lo)) {
    range.lo -= 0.5;
    range.hi += 0.5;
  }
  return range;
}

template <class Values>
double clipped_magnitude_of(const Values& values, double clip_percent) {
  if (!(clip_percent > 0)) return static_cast<double>(values.cwiseAbs().maxCoeff());
  check_percentile(values.size(), 100 - clip_percent);
  std::vector<double> v = selectable(values, true);
  size_t settled = 0;
  return percentile_of(v, 100 - clip_percent, settled);
}

}  // namespace

double percentile(const Eigen::Ref<const Eigen::VectorXd>& values, double p) {
  check_percentile(values.size(), p);
  std::vector<double> v = selectable(values, false);
  size_t settled = 0;
  return percentile_of(v, p, settled);
}

ValueRange clipped_range(const Eigen::Ref<const Eigen::VectorXd>& values, double clip_percent) {
  return clipped_range_of(values, clip_percent);
}
ValueRange clipped_range(const Eigen::Ref<const Eigen::VectorXf>& values, double clip_percent) {
  return clipped_range_of(values, clip_percent);
}

double clipped_magnitude(const Eigen::Ref<const Eigen::VectorXd>& values, double clip_percent) {
  return clipped_magnitude_of(values, clip_percent);
}
double clipped_magnitude(const Eigen::Ref<const Eigen::VectorXf>& values, double clip_percent) {
  return clipped_magnitude_of(values, clip_percent);
}

}  // namespace pcarecon
