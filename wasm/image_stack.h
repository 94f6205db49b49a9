#pragma once
// A stack of N gray images held as one N×D float32 matrix (D = height·width), one image per row
// in C (row-major) pixel order — the layout every other part of the core reads.

#include <Eigen/Core>
#include <cstdint>

namespace pcarecon {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct ImageShape {
  int64_t height = 0;
  int64_t width = 0;
  int64_t pixels() const { return height * width; }
};

struct ImageStack {
  ImageShape image;
  RowMatrixF rows;        // N×D; row i is sample i
  float value_min = 0.f;  // over all samples: fixes the colour range of every frame
  float value_max = 0.f;
  int64_t samples() const { return rows.rows(); }
};

}  // namespace pcarecon
