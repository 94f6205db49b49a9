#include "stack_rows.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "error.h"

namespace pcarecon {

const char* row_type_name(RowType type) {
  switch (type) {
    case RowType::Float32:
      return "float32";
    case RowType::UInt8:
      return "uint8";
    case RowType::Int8:
      return "int8";
  }
  return "?";
}

int64_t row_type_bytes(RowType type) { return type == RowType::Float32 ? 4 : 1; }

bool row_type_whole(RowType type) { return type != RowType::Float32; }

StackRows::StackRows(RowType type, const void* data, int64_t rows, int64_t cols,
                     int64_t first_sample)
    : type_(type), data_(data), rows_(rows), cols_(cols), first_sample_(first_sample) {
  if (rows < 0 || cols < 1 || (rows > 0 && data == nullptr)) {
    throw Error("image rows need a positive number of values and data; got " +
                std::to_string(rows) + "×" + std::to_string(cols));
  }
}

StackRows StackRows::float32(const float* data, int64_t rows, int64_t cols, int64_t first_sample) {
  return StackRows(RowType::Float32, data, rows, cols, first_sample);
}

StackRows StackRows::uint8(const uint8_t* data, int64_t rows, int64_t cols, int64_t first_sample) {
  return StackRows(RowType::UInt8, data, rows, cols, first_sample);
}

StackRows StackRows::int8(const int8_t* data, int64_t rows, int64_t cols, int64_t first_sample) {
  return StackRows(RowType::Int8, data, rows, cols, first_sample);
}

StackRows StackRows::of(const RowMatrixF& rows, int64_t first_sample) {
  return float32(rows.data(), rows.rows(), rows.cols(), first_sample);
}

StackRows StackRows::of(const ImageStack& stack) {
  switch (stack.type) {
    case RowType::UInt8:
      return uint8(stack.bytes.data(), stack.samples(), stack.dim());
    case RowType::Int8:
      return int8(reinterpret_cast<const int8_t*>(stack.bytes.data()), stack.samples(),
                  stack.dim());
    case RowType::Float32:
      break;
  }
  return of(stack.rows);
}

const uint8_t* StackRows::row_bytes(int64_t row) const {
  return static_cast<const uint8_t*>(data_) + row * cols_ * row_type_bytes(type_);
}

StackRows StackRows::middle_rows(int64_t begin, int64_t count) const {
  if (begin < 0 || count < 0 || begin + count > rows_) {
    throw Error("rows " + std::to_string(begin) + " to " + std::to_string(begin + count) +
                " are outside a stack of " + std::to_string(rows_));
  }
  return StackRows(type_, count > 0 ? row_bytes(begin) : data_, count, cols_,
                   first_sample_ + begin);
}

void StackRows::centred_block(int64_t begin, int64_t count, const Eigen::VectorXf& centre,
                              RowMatrixF& out) const {
  out.resize(count, cols_);
  const auto c = centre.transpose().array();
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* row = row_bytes(begin + i);
    switch (type_) {  // each a loop the compiler vectorises: widen, subtract
      case RowType::Float32:
        out.row(i).array() =
            Eigen::Map<const Eigen::RowVectorXf>(reinterpret_cast<const float*>(row), cols_)
                .array() -
            c;
        break;
      case RowType::UInt8:
        out.row(i).array() = Eigen::Map<const Eigen::Matrix<uint8_t, 1, Eigen::Dynamic>>(row, cols_)
                                 .cast<float>()
                                 .array() -
                             c;
        break;
      case RowType::Int8:
        out.row(i).array() = Eigen::Map<const Eigen::Matrix<int8_t, 1, Eigen::Dynamic>>(
                                 reinterpret_cast<const int8_t*>(row), cols_)
                                 .cast<float>()
                                 .array() -
                             c;
        break;
    }
  }
}

void StackRows::check_finite(int64_t begin, int64_t count) const {
  if (type_ != RowType::Float32) return;
  const Eigen::Map<const RowMatrixF> block(reinterpret_cast<const float*>(row_bytes(begin)), count,
                                           cols_);
  if (block.allFinite()) return;
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t j = 0; j < cols_; ++j) {
      const float v = block(i, j);
      if (std::isfinite(v)) continue;
      const std::string what = std::isnan(v) ? "NaN" : (v > 0 ? "+inf" : "-inf");
      throw Error("sample " + std::to_string(first_sample_ + begin + i) +
                  " has a non-finite value (" + what + ") at pixel " + std::to_string(j) +
                  "; PCA needs finite numbers");
    }
  }
}

int64_t StackRows::block_rows(int64_t cols) {
  constexpr int64_t kBlockValues = int64_t{1} << 20;
  return std::clamp<int64_t>(kBlockValues / std::max<int64_t>(cols, 1), 8, 1024);
}

}  // namespace pcarecon
