#pragma once
// The Gram path (gram_fit.h) on two workers: G = Σ over columns of (x − s)(x − s)ᵀ adds up over
// disjoint column ranges, so this worker sums some columns (GramSum::add_columns) while the helper
// sums the others from copies sent a piece at a time (GramShare), and its sums come back as exact
// int32 (GramShare::take → GramSum::add_share). The components' product Xcᵀ·W is shared the same
// way once G's eigenpairs are known (GramSum::weigh, ComponentShare → GramSum::add_rows). Only for
// 8-bit rows: their int32 sums are exact and a piece of columns is a quarter of its float32 copy.
// The helper holds its int32 sums (N² int32) and a piece, never the whole stack or a double G: 3000
// crops of 256×256 add about 40 MB there, where the copy of half the columns and its double G added
// 380 MB.

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <vector>

#include "gram_fit.h"
#include "pca.h"
#include "scatter_kernel.h"
#include "stack_rows.h"

namespace pcarecon {

// What a GramShare hands over: the int32 sums of columns [begin, end) (the lower triangle row by
// row, N(N+1)/2 values: IntegerScatter::flush_lower) and those columns' sums.
struct GramShareSums {
  int64_t begin = 0;
  int64_t end = 0;
  std::vector<int32_t> lower;
  Eigen::VectorXd column_sums;
};

// In this worker: G over the columns summed here and the shares added, each column once.
class GramSum {
 public:
  // rows: the whole stack (8-bit), kept as a view. Error for float32 rows or N < 2.
  explicit GramSum(const StackRows& rows);
  // Columns [begin, end) summed here. Error for a bad range or a column already in.
  void add_columns(int64_t begin, int64_t end);
  // Columns [begin, end) of the rows, every row, as a row-major N×(end − begin) copy: a piece for
  // the helper.
  std::vector<uint8_t> piece(int64_t begin, int64_t end) const;
  // A share's sums. Error for a bad range, a column already in or sizes that do not fit.
  void add_share(const GramShareSums& share);
  int64_t missing_columns() const { return missing_; }

  // Then the components, shared the same way. weigh: G's eigenpairs and the weights, once every
  // column of G is in (else Error naming how many are missing); G is given up to it.
  const GramWeights& weigh(int64_t n_components,
                           int64_t whole_spectrum_max = kGramWholeSpectrumMax);
  // Rows [begin, end) of the product Xcᵀ·W computed here (gram_component_rows), or (add_rows)
  // elsewhere: (end − begin)×kept. Error before weigh, for a bad range or size, or rows already in.
  void add_component_rows(int64_t begin, int64_t end);
  void add_rows(int64_t begin, int64_t end, const Eigen::MatrixXf& rows);
  // The fit once every row of the product is in (else Error naming how many are missing).
  PcaModel fit();

 private:
  void claim(int64_t begin, int64_t end);  // marks columns as added, Error if any was
  const GramWeights& weights() const;      // Error before weigh

  StackRows rows_;
  IntegerScatter integer_;
  GramPart part_;            // G (lower triangle) and every column's sum
  std::vector<bool> added_;  // per column, of G and then of the product
  int64_t missing_ = 0;
  int64_t n_components_ = 0;
  std::optional<GramWeights> weights_;
  Eigen::MatrixXd product_;  // D×kept
};

// In the helper: the int32 sums over the pieces it is sent, which follow each other from `begin`.
class GramShare {
 public:
  // n: the rows of every piece; the first piece starts at column `begin` of the stack.
  GramShare(int64_t n, int64_t begin);
  // Whether `columns` more 8-bit columns fit the int32 sums (else take() them first).
  bool room_for(int64_t columns) const;
  // A piece: N rows of w 8-bit values (uint8 or int8), the columns after the last piece's. Error
  // unless it has N rows and room_for(w).
  void add(const StackRows& piece);
  // The sums since the last take (or the start), and begins again after them.
  GramShareSums take();

 private:
  int64_t n_;
  int64_t begin_;  // of the sums not yet taken
  int64_t end_;
  IntegerScatter integer_;
  std::vector<double> column_sums_;  // of columns [begin_, end_)
  Eigen::MatrixXd no_flush_;         // 0×0: a flush into it is an Error (room_for guards it)
};

// In the helper: rows of the product Xcᵀ·W for the pieces of columns it is sent.
class ComponentShare {
 public:
  // weights: N×kept; centre: the stack's D column means (times GramWeights::scale) in float32.
  ComponentShare(Eigen::MatrixXf weights, Eigen::VectorXf centre, double scale);
  // A piece: N rows of the stack's columns [begin, begin + w), 8-bit. Its rows of the product
  // (w×kept), the same values as gram_component_rows gives for them. Error naming a piece whose
  // rows or columns do not fit.
  Eigen::MatrixXf rows(const StackRows& piece, int64_t begin) const;

 private:
  GramWeights weights_;  // only its weights, centre and scale
};

}  // namespace pcarecon
