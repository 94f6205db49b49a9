#include "streamed_topk.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "error.h"
#include "npy_detail.h"

namespace pcarecon {
namespace {

std::string str(int64_t v) { return std::to_string(v); }

}  // namespace

int64_t file_samples(const NpyHeader& header) {
  if (header.shape.size() < 2)
    throw Error("a file of shape " + shape_string(header.shape) + " holds no rows of images");
  return header.shape[0];
}

int64_t file_values(const NpyHeader& header) {
  file_samples(header);
  int64_t d = 1;
  for (size_t i = 1; i < header.shape.size(); ++i) d *= header.shape[i];  // checked by the header
  return d;
}

double streamed_topk_bytes(int64_t dim, int64_t n_components) {
  const int64_t k = std::max<int64_t>(1, n_components);
  const double width = static_cast<double>(std::min(k + std::max<int64_t>(10, k / 2), dim));
  const double d = static_cast<double>(dim);
  // At the peak, as the other workers' product is merged: Q, this side's pass (Q in float32, its
  // product in double), the other workers' product copied in (D×l each), and the last pass' Ritz
  // vectors (D×K double); then a block of rows as read and as float32. The solver's step after it
  // holds less (Q, Z, Z·V, Ritz vectors: topk_solver.cpp). The allocator's slack on blocks this
  // large is a few of them more: a quarter on top.
  const double peak = d * width * (8 + 4 + 8 + 8) + d * static_cast<double>(k) * 8;
  return peak * 1.25 + static_cast<double>(StackRows::block_rows(dim)) * d * 4 * 2;
}

// ---- FileRows ---------------------------------------------------------------------------------

FileRows::FileRows(const NpyHeader& header, int64_t begin, int64_t end, Sink sink)
    : header_(header),
      begin_(begin),
      end_(end),
      dim_(file_values(header)),
      row_bytes_(static_cast<size_t>(dim_) * header.item_size),
      block_rows_(StackRows::block_rows(dim_)),
      next_row_(begin),
      sink_(std::move(sink)) {
  if (header.fortran_order)
    throw Error("a Fortran-order file cannot be read by rows: its samples are interleaved");
  const int64_t n = file_samples(header);
  if (begin < 0 || end < begin || end > n)
    throw Error("rows " + str(begin) + " to " + str(end) + " are not a range of the file's " +
                str(n) + " samples");
  if (dim_ < 1) throw Error("a file of shape " + shape_string(header.shape) + " has empty rows");
}

uint64_t FileRows::first_byte() const {
  return header_.data_offset + static_cast<uint64_t>(begin_) * row_bytes_;
}

uint64_t FileRows::end_byte() const {
  return header_.data_offset + static_cast<uint64_t>(end_) * row_bytes_;
}

void FileRows::feed(const uint8_t* bytes, size_t size) {
  const uint64_t left = static_cast<uint64_t>(end_ - next_row_) * row_bytes_ - carry_.size();
  if (size > left)
    throw Error("rows " + str(begin_) + " to " + str(end_) + " of the file end " + str(left) +
                " bytes on, but " + str(static_cast<int64_t>(size)) + " were fed");
  if (!carry_.empty()) {  // complete the row begun in the last chunk
    const size_t take = std::min(size, row_bytes_ - carry_.size());
    carry_.insert(carry_.end(), bytes, bytes + take);
    bytes += take;
    size -= take;
    if (carry_.size() < row_bytes_) return;
    deliver(carry_.data(), 1);
    carry_.clear();
  }
  const int64_t whole = static_cast<int64_t>(size / row_bytes_);
  for (int64_t r = 0; r < whole; r += block_rows_) {
    const int64_t count = std::min(block_rows_, whole - r);
    deliver(bytes + static_cast<size_t>(r) * row_bytes_, count);
  }
  const size_t used = static_cast<size_t>(whole) * row_bytes_;
  carry_.assign(bytes + used, bytes + size);
}

void FileRows::deliver(const uint8_t* bytes, int64_t rows) {
  const int64_t first = next_row_;
  next_row_ += rows;
  switch (header_.dtype) {
    case DType::UInt8:
    case DType::Bool:  // stored as 0/1 bytes
      return sink_(StackRows::uint8(bytes, rows, dim_, first));
    case DType::Int8:
      return sink_(StackRows::int8(reinterpret_cast<const int8_t*>(bytes), rows, dim_, first));
    default:
      break;
  }
  const size_t count = static_cast<size_t>(rows * dim_);
  converted_.resize(count);
  npy_detail::make_converter(header_).contiguous(bytes, count, converted_.data(), 1);
  sink_(StackRows::float32(converted_.data(), rows, dim_, first));
}

// ---- moments around another shift ------------------------------------------------------------

MomentsState with_shift(const MomentsState& state, const Eigen::VectorXd& shift) {
  // Rounded as MomentsPass rounds its shift, so the state rebuilt from it says the same sums.
  const Eigen::VectorXd to = shift.cast<float>().cast<double>();
  if (to.size() != state.shift.size() || state.sum.size() != to.size() ||
      state.squares.size() != to.size())
    throw Error("moments of " + str(state.shift.size()) + " values cannot be moved to a shift of " +
                str(to.size()));
  // Σ(x − b) = Σ(x − a) + n·(a − b);  Σ(x − b)² = Σ(x − a)² + 2(a − b)·Σ(x − a) + n·(a − b)².
  const Eigen::ArrayXd delta = (state.shift - to).array();
  const double n = static_cast<double>(state.count);
  MomentsState out;
  out.count = state.count;
  out.shift = to;
  out.sum = (state.sum.array() + n * delta).matrix();
  out.squares =
      (state.squares.array() + 2 * delta * state.sum.array() + n * delta.square()).matrix();
  return out;
}

// ---- FileGramPass -----------------------------------------------------------------------------

FileGramPass::FileGramPass(const NpyHeader& header, int64_t begin, int64_t end,
                           const Eigen::VectorXd& mean, const Eigen::MatrixXd& basis) {
  if (mean.size() != file_values(header) || basis.rows() != mean.size())
    throw Error("a pass over rows of " + str(file_values(header)) +
                " values needs a mean and a basis of as many rows (got " + str(mean.size()) +
                " and " + str(basis.rows()) + ")");
  pass_ = std::make_unique<GramPass>(mean, basis);
  GramPass* pass = pass_.get();
  rows_ = std::make_unique<FileRows>(header, begin, end,
                                     [pass](const StackRows& rows) { pass->add(rows); });
}

GramPass& FileGramPass::pass() {
  if (!rows_->complete())
    throw Error("the pass read " + str(rows_->rows_done()) + " of its rows: the file ended early");
  return *pass_;
}

// ---- StreamedTopK -----------------------------------------------------------------------------

StreamedTopK::StreamedTopK(const NpyHeader& header, const MomentsPass& all_rows,
                           const TopKOptions& options)
    : header_(header),
      n_(file_samples(header)),
      solver_(file_samples(header), file_values(header), options) {
  solver_.set_moments(all_rows);
}

void StreamedTopK::begin_pass(int64_t begin, int64_t end) {
  if (done()) throw Error("the streamed fit has already converged");
  pass_ = std::make_unique<FileGramPass>(header_, begin, end, solver_.mean(), solver_.basis());
}

void StreamedTopK::feed(const uint8_t* bytes, size_t size) {
  if (!pass_) throw Error("the streamed fit has no pass in progress: begin one first");
  pass_->feed(bytes, size);
}

void StreamedTopK::merge_rest(const Eigen::Ref<const Eigen::MatrixXd>& rest_product,
                              int64_t rest_rows) {
  if (!pass_) throw Error("the streamed fit has no pass in progress: begin one first");
  pass_->pass().merge_product(rest_product, rest_rows);  // in place: a copy is D×l more
}

void StreamedTopK::finish_pass() {
  if (!pass_) throw Error("the streamed fit has no pass in progress: begin one first");
  // Its product is taken only once checked: after an Error the pass is as it was.
  solver_.submit(std::move(pass_->pass()));  // Error unless the pass covered N rows
  pass_.reset();
}

PcaModel StreamedTopK::model() const {
  if (!done()) throw Error("the streamed fit has not converged yet");
  return solver_.model();
}

}  // namespace pcarecon
