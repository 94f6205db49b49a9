#pragma once
// A stack of N images held as one N×D float32 matrix, one image per row in C (row-major) order —
// the layout every other part of the core reads. Gray: D = height·width. Colour (RGB): D =
// height·width·3 with the channels interleaved (r, g, b of pixel 0, then of pixel 1, ...), exactly
// the C-order rows of an (N, H, W, 3) array, so PCA sees what scikit-learn sees on X.reshape(N,
// -1).

#include <Eigen/Core>
#include <cstdint>

namespace pcarecon {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct ImageShape {
  int64_t height = 0;
  int64_t width = 0;
  int64_t channels = 1;  // 1: gray; 3: RGB
  // D, the values of one image (one row). Named so, not "pixels", since an RGB pixel is 3 values.
  int64_t values() const { return height * width * channels; }
  bool colour() const { return channels == 3; }
};

struct ImageStack {
  ImageShape image;
  RowMatrixF rows;        // N×D; row i is sample i
  float value_min = 0.f;  // over all samples: fixes the colour range of every frame
  float value_max = 0.f;
  int64_t samples() const { return rows.rows(); }
};

}  // namespace pcarecon
