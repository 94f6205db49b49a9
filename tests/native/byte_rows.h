#pragma once
// Synthetic 8-bit image rows for the solver tests (test_fit_by_cost.cpp, test_gram_fit.cpp): a
// few smooth patterns with decaying weights around 120, plus noise, clipped to 0..255; and their
// float32 copy, which the exact paths fit.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "stack_rows.h"

namespace pcarecon_test {

// N×D uint8 rows, row-major; `noise` is the Gaussian noise's standard deviation in grey levels.
inline std::vector<uint8_t> byte_rows(int64_t n, int64_t d, uint64_t seed, double noise) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal;
  std::vector<uint8_t> out(static_cast<size_t>(n * d));
  for (int64_t i = 0; i < n; ++i) {
    const double a = normal(engine) * 40, b = normal(engine) * 20, c = normal(engine) * 10;
    for (int64_t j = 0; j < d; ++j) {
      const double t = static_cast<double>(j) / static_cast<double>(d);
      const double v =
          120 + a * std::sin(6.28 * t) + b * std::cos(12.6 * t) + c * t + noise * normal(engine);
      out[static_cast<size_t>(i * d + j)] =
          static_cast<uint8_t>(std::clamp(std::round(v), 0.0, 255.0));
    }
  }
  return out;
}

inline pcarecon::RowMatrixF widen(const std::vector<uint8_t>& bytes, int64_t n, int64_t d) {
  return Eigen::Map<const Eigen::Matrix<uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
             bytes.data(), n, d)
      .cast<float>();
}

}  // namespace pcarecon_test
