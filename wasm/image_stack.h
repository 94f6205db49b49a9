#pragma once
// A stack of N images, one image per row in C (row-major) order — the layout every other part of
// the core reads: an N×D float32 matrix, or, for an 8-bit file (uint8, bool as 0/1, int8) loaded
// whole, its own N×D bytes (a quarter of the float32 matrix), which readers widen a row or a block
// at a time (row(), or StackRows::of in stack_rows.h). Gray: D = height·width. Colour (RGB): D =
// height·width·3 with the channels interleaved (r, g, b of pixel 0, then of pixel 1, ...), exactly
// the C-order rows of an (N, H, W, 3) array, so PCA sees what scikit-learn sees on X.reshape(N,
// -1).

#include <Eigen/Core>
#include <cstdint>
#include <vector>

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

// How a stack's values are held (stack_rows.h reads them).
enum class RowType { Float32, UInt8, Int8 };

struct ImageStack {
  ImageShape image;
  RowMatrixF rows;  // N×D; row i is sample i (empty when the stack is held as bytes)
  // An 8-bit stack: type UInt8 or Int8, N×D values in `bytes` (C order), `rows` empty.
  RowType type = RowType::Float32;
  std::vector<uint8_t> bytes;
  float value_min = 0.f;  // over all samples: fixes the colour range of every frame
  float value_max = 0.f;

  bool held_as_bytes() const { return type != RowType::Float32; }
  int64_t samples() const {
    if (!held_as_bytes()) return rows.rows();
    return image.values() > 0 ? static_cast<int64_t>(bytes.size()) / image.values() : 0;
  }
  int64_t dim() const { return held_as_bytes() ? image.values() : rows.cols(); }  // D
  uint64_t held_bytes() const {  // the memory of the values themselves
    return held_as_bytes() ? bytes.size() : static_cast<uint64_t>(rows.size()) * sizeof(float);
  }
  // Sample i as float32 (exact for 8-bit values); i must be in range.
  Eigen::VectorXf row(int64_t i) const {
    if (!held_as_bytes()) return rows.row(i).transpose();
    const uint8_t* at = bytes.data() + i * image.values();
    if (type == RowType::UInt8)
      return Eigen::Map<const Eigen::Matrix<uint8_t, Eigen::Dynamic, 1>>(at, image.values())
          .cast<float>();
    return Eigen::Map<const Eigen::Matrix<int8_t, Eigen::Dynamic, 1>>(
               reinterpret_cast<const int8_t*>(at), image.values())
        .cast<float>();
  }
};

}  // namespace pcarecon
