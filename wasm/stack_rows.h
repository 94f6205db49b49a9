#pragma once
// A view of N×D image rows (row-major, C order) kept at the precision they came in: float32, or
// 8-bit integers (uint8, bool as 0/1, int8) that stay 8-bit in memory, a quarter of float32.
// Kernels never widen the whole stack: they convert a block of rows at a time, centred, into a
// float32 work buffer (centred_block), so memory is O(block·D) whatever N is.

#include <Eigen/Core>
#include <cstdint>

#include "image_stack.h"

namespace pcarecon {

// RowType: image_stack.h.
const char* row_type_name(RowType type);  // "float32", "uint8", "int8"
int64_t row_type_bytes(RowType type);     // 4, 1, 1
bool row_type_whole(RowType type);        // true for the 8-bit types

class StackRows {
 public:
  // Borrowed, not owned: `data` must outlive the view. `first_sample` is the index in the whole
  // stack of row 0 here, so messages name the sample of the file (e.g. in another worker's half).
  static StackRows float32(const float* data, int64_t rows, int64_t cols, int64_t first_sample = 0);
  static StackRows uint8(const uint8_t* data, int64_t rows, int64_t cols, int64_t first_sample = 0);
  static StackRows int8(const int8_t* data, int64_t rows, int64_t cols, int64_t first_sample = 0);
  // A float32 matrix held elsewhere (e.g. an ImageStack's rows); must be contiguous row-major.
  static StackRows of(const RowMatrixF& rows, int64_t first_sample = 0);
  // A stack's rows as it holds them: its float32 matrix or its bytes.
  static StackRows of(const ImageStack& stack);

  RowType type() const { return type_; }
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  int64_t first_sample() const { return first_sample_; }
  const void* data() const { return data_; }  // rows()·cols() values of type(), C order
  // Rows [begin, begin + count) as a view (Error when out of range).
  StackRows middle_rows(int64_t begin, int64_t count) const;

  // Rows [begin, begin + count) minus `centre` (D values) into `out` (resized to count×D).
  void centred_block(int64_t begin, int64_t count, const Eigen::VectorXf& centre,
                     RowMatrixF& out) const;
  // Throws Error naming the first NaN/Inf (sample of the whole stack and pixel); integer rows
  // have none, so this is free for them.
  void check_finite(int64_t begin, int64_t count) const;

  // Rows per block for kernels over D values: about 4 MB of float32 work, at least 8 rows.
  static int64_t block_rows(int64_t cols);

 private:
  StackRows(RowType type, const void* data, int64_t rows, int64_t cols, int64_t first_sample);
  const uint8_t* row_bytes(int64_t row) const;

  RowType type_ = RowType::Float32;
  const void* data_ = nullptr;
  int64_t rows_ = 0;
  int64_t cols_ = 0;
  int64_t first_sample_ = 0;
};

}  // namespace pcarecon
