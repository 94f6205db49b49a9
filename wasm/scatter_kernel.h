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
  // The largest |v| accepted: −32768 is left out so that a pair of products always fits int32.
  static constexpr double kMaxMagnitude = 32767;
  static constexpr int64_t kDefaultLimit = std::numeric_limits<int32_t>::max();

  // `limit`: the most any column's Σv² may reach between flushes; INT32_MAX (the default) is
  // what int32 allows. Smaller limits only make tests flush more often.
  explicit IntegerScatter(int64_t dim, int64_t limit = kDefaultLimit);

  // Whether every value of `block` is a whole number with |v| ≤ kMaxMagnitude.
  static bool accepts(const Eigen::Ref<const RowMatrixD>& block);

  // Adds the rows of `block` (D columns, accepted as above; `squares` is its per-column Σv²)
  // to the pending int32 sums, first flushing into `scatter` (D×D, lower triangle) whenever a
  // column's Σv² would pass the limit. Rows may wait in the pack buffer until flush().
  void add(const Eigen::Ref<const RowMatrixD>& block, const Eigen::Ref<const Eigen::RowVectorXd>& squares,
           Eigen::MatrixXd& scatter);

  // Adds everything pending into the lower triangle of `scatter` and starts again from zero.
  void flush(Eigen::MatrixXd& scatter);

  int64_t dim() const { return dim_; }

 private:
  void pack_row(const double* row);
  void run_kernel();  // packed rows -> sums_, then empties the pack buffer

  int64_t dim_;
  int64_t limit_;
  int64_t padded_dim_;               // D rounded up to whole tiles (zero columns)
  int64_t packed_rows_ = 0;          // rows in the pack buffer
  std::vector<int16_t> packed_;      // padded_dim_ columns of kSegmentRows int16 each
  std::vector<int32_t> sums_;        // padded_dim_², row-major; lower tiles used
  std::vector<int64_t> pending_;     // per column Σv² since the last flush
  bool dirty_ = false;               // sums_ or the pack buffer hold something
};

}  // namespace pcarecon
