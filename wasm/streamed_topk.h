#pragma once
// The top-K solver (topk_solver.h) over a .npy file too large to hold: every Gram pass reads the
// file once more, in chunks of any size, and its rows go into the pass a block at a time at the
// file's own precision (8-bit rows as they are, other dtypes converted to float32 a block at a
// time), so memory is O(K·D + one block) whatever N is. The moments pass runs while the file is
// first streamed (file_reading.h). A pass may be split over workers by rows: each reads its own
// rows [begin, end) (FileGramPass) and the products over disjoint rows add up.

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "npy_reader.h"
#include "stack_rows.h"
#include "topk_solver.h"

namespace pcarecon {

// Rows [begin, end) of a C-order .npy file, fed as the file's bytes from the first of them on
// (data_offset + begin·row bytes), in chunks of any size; whole rows are handed to the sink a
// block at a time (at most StackRows::block_rows). Not copyable or movable: keep it in place.
class FileRows {
 public:
  using Sink = std::function<void(const StackRows& rows)>;
  // Error for a Fortran-order header, or a range outside the file's samples.
  FileRows(const NpyHeader& header, int64_t begin, int64_t end, Sink sink);
  FileRows(const FileRows&) = delete;
  FileRows& operator=(const FileRows&) = delete;

  void feed(const uint8_t* bytes, size_t size);  // Error for bytes past row `end`
  bool complete() const { return next_row_ == end_; }
  int64_t rows_done() const { return next_row_ - begin_; }
  uint64_t first_byte() const;  // of row `begin` in the file
  uint64_t end_byte() const;    // one past row `end − 1`

 private:
  void deliver(const uint8_t* bytes, int64_t rows);

  NpyHeader header_;
  int64_t begin_, end_, dim_;
  size_t row_bytes_;
  int64_t block_rows_;
  int64_t next_row_;
  Sink sink_;
  std::vector<uint8_t> carry_;    // the start of a row split between two chunks
  std::vector<float> converted_;  // one block as float32, for dtypes other than 8-bit
};

// The values per image (D) and samples (N) of a .npy header: its shape's first axis and the
// product of the others. Error for a shape of fewer than 2 axes.
int64_t file_samples(const NpyHeader& header);
int64_t file_values(const NpyHeader& header);

// The working memory of a streamed top-K fit of K components of D values at its peak, in bytes
// (the solver's step after each pass, with the other workers' product).
double streamed_topk_bytes(int64_t dim, int64_t n_components);

// A moments pass' state re-expressed around another shift (the same rows, the same sums): parts
// of a file read in different workers each start from their own first row.
MomentsState with_shift(const MomentsState& state, const Eigen::VectorXd& shift);

// One pass over rows [begin, end) of the file: Σ (x − mean)(x − mean)ᵀ·basis, fed as bytes.
class FileGramPass {
 public:
  FileGramPass(const NpyHeader& header, int64_t begin, int64_t end, const Eigen::VectorXd& mean,
               const Eigen::MatrixXd& basis);
  void feed(const uint8_t* bytes, size_t size) { rows_->feed(bytes, size); }
  const FileRows& rows() const { return *rows_; }
  // Error unless every row of the range was fed.
  GramPass& pass();

 private:
  std::unique_ptr<GramPass> pass_;
  std::unique_ptr<FileRows> rows_;  // its sink adds to *pass_
};

// The side that steers the fit (the main worker): the solver's state between passes, started
// from the moments of all N rows; each pass it reads its own rows of the file (begin_pass, feed)
// while others read the rest, whose products finish_pass merges before the solver's step.
class StreamedTopK {
 public:
  // Error unless `all_rows` counted every sample of the file, with the file's D.
  StreamedTopK(const NpyHeader& header, const MomentsPass& all_rows, const TopKOptions& options);
  bool done() const { return solver_.done(); }
  const Eigen::VectorXd& mean() const { return solver_.mean(); }
  const Eigen::MatrixXd& basis() const { return solver_.basis(); }  // D×l, for the next pass
  int64_t samples() const { return n_; }
  // This side's rows of the next pass (any range, empty too). Error once done().
  void begin_pass(int64_t begin, int64_t end);
  void feed(const uint8_t* bytes, size_t size);  // Error before begin_pass
  // The others' product over rest_rows rows of this pass, added to this side's (every row fed).
  void merge_rest(const Eigen::Ref<const Eigen::MatrixXd>& rest_product, int64_t rest_rows);
  // The pass over all N rows, this side's and what was merged, submitted to the solver.
  void finish_pass();
  void finish_pass(const Eigen::MatrixXd& rest_product, int64_t rest_rows) {
    merge_rest(rest_product, rest_rows);
    finish_pass();
  }
  int passes() const { return solver_.passes() + 1; }  // with the moments pass
  PcaModel model() const;                              // once done()

 private:
  NpyHeader header_;
  int64_t n_;
  TopKSolver solver_;
  std::unique_ptr<FileGramPass> pass_;  // this side's part of the pass in progress
};

}  // namespace pcarecon
