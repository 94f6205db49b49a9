#pragma once
// An exact scatter Σ v·vᵀ for whole-number rows v with |v| ≤ 32767 (uint8, int8 and bool images
// once shifted by a whole-number provisional mean), in 16-bit integers: each column of a segment
// of rows is packed as int16 (the rows of a column side by side), and the lower triangle of VᵀV
// is computed with the 16-bit multiply-pair-add instruction (wasm i32x4.dot_i16x8_s, SSE2
// pmaddwd natively: 8 products per instruction, twice float32's 4) into int32 sums, 2×4 entries
// at a time in registers. The int32 sums are added into the caller's double scatter before
// they can overflow, so the result is the exact integer, bit for bit what double arithmetic
// gives on the same rows.
//
// Why int32 cannot overflow: by Cauchy–Schwarz, any partial sum of products of columns a and b
// over a set of rows is at most sqrt(Σa²·Σb²) ≤ max(Σa², Σb²) in magnitude, so keeping every
// column's Σv² since the last flush within INT32_MAX bounds every intermediate int32 value
// (each lane, each pair product, each total). With uint8 data that is ≥ 33000 rows per flush.

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <vector>

#include "image_stack.h"

namespace pcarecon {

class IntegerScatter {
 public:
  // The largest |x − shift| taken: −32768 is left out so that a pair of products fits int32.
  static constexpr int32_t kMaxMagnitude = 32767;
  // The largest |x| and |shift| taken, so that x − shift is computed exactly in int32.
  static constexpr int32_t kMaxValue = 1 << 29;
  static constexpr int64_t kDefaultLimit = std::numeric_limits<int32_t>::max();
  static constexpr int64_t kMaxBlockRows = 256;  // rows per add()

  // `limit`: the most any column's Σv² may reach between flushes; INT32_MAX (the default) is
  // what int32 allows. Smaller limits only make tests flush more often.
  explicit IntegerScatter(int64_t dim, int64_t limit = kDefaultLimit);

  // The shift as integers, or empty when a value is not whole or beyond kMaxValue.
  static std::vector<int32_t> integer_shift(const Eigen::Ref<const Eigen::VectorXd>& shift);

  // When every value of `block` (D columns, at most kMaxBlockRows rows) is a whole number with |x −
  // shift| ≤ kMaxMagnitude: adds its rows v = x − shift to the pending sums and Σv per column to
  // `sum`, flushing into `scatter` (D×D, lower triangle) whenever a column's Σv² would pass the
  // limit, and returns true. Otherwise returns false and changes nothing. Rows may wait until
  // flush().
  bool add(const Eigen::Ref<const RowMatrixF>& block, const std::vector<int32_t>& shift,
           Eigen::Ref<Eigen::VectorXd> sum, Eigen::MatrixXd& scatter);

  // Adds everything pending into the lower triangle of `scatter` (D×D, else Error) and starts
  // again from zero.
  void flush(Eigen::MatrixXd& scatter);
  // The same sums as int32, exact (each within int32: above), for adding up elsewhere: the lower
  // triangle row by row ((0,0), (1,0), (1,1), (2,0) …: D(D+1)/2 values). Starts again.
  void flush_lower(std::vector<int32_t>& lower);
  // The largest Σv² of any column since the last flush: `rows` more rows of |v| ≤ m fit without a
  // flush while most_pending() + rows·m² ≤ the limit.
  int64_t most_pending() const;
  int64_t limit() const { return limit_; }

  int64_t dim() const { return dim_; }

 private:
  bool pack(const Eigen::Ref<const RowMatrixF>& rows, const int32_t* shift, int64_t at,
            int32_t* sums);
  void run_kernel();  // packed rows -> sums_, then empties the pack buffer

  int64_t dim_;
  int64_t limit_;
  int64_t padded_dim_;            // D rounded up to whole tiles (zero columns)
  int64_t packed_rows_ = 0;       // rows in the pack buffer; after them, zeros to a multiple of 8
  std::vector<int16_t> packed_;   // padded_dim_ columns of kColumnStride int16 each
  std::vector<int16_t> group_;    // 8 rows of padded_dim_ int16, before transposing
  std::vector<int32_t> sums_;     // padded_dim_², row-major; lower tiles used
  std::vector<int64_t> pending_;  // per column Σv² since the last flush
  std::vector<int32_t> block_sums_;     // per column Σv of the block being added
  std::vector<int64_t> block_squares_;  // per column Σv² of the block being added
  bool dirty_ = false;                  // sums_ or the pack buffer hold something
};

}  // namespace pcarecon
