// split_gram.h: G's columns summed in two places and added up exactly.

#include "split_gram.h"

#include <algorithm>
#include <string>
#include <utility>

#include "error.h"

namespace pcarecon {

namespace {

// |x − shift| of an 8-bit value minus its column's rounded mean: at most 255.
constexpr int64_t kLargestSquare = 255 * 255;

void require_bytes(RowType type, const char* what) {
  if (!row_type_whole(type))
    throw Error(std::string(what) + " sums 8-bit rows only; these are float32");
}

}  // namespace

GramSum::GramSum(const StackRows& rows)
    : rows_(rows),
      integer_(rows.rows()),
      added_(static_cast<size_t>(rows.cols()), false),
      missing_(rows.cols()) {
  require_bytes(rows.type(), "the two-worker Gram path");
  if (rows.rows() < 2)
    throw Error("the Gram path needs at least 2 samples; got " + std::to_string(rows.rows()));
  part_.gram = Eigen::MatrixXd::Zero(rows.rows(), rows.rows());
  part_.column_sums = Eigen::VectorXd::Zero(rows.cols());
}

void GramSum::claim(int64_t begin, int64_t end) {
  detail::check_column_range(begin, end, rows_.cols());
  for (int64_t c = begin; c < end; ++c)
    if (added_[static_cast<size_t>(c)])
      throw Error("column " + std::to_string(c) + " of G was already added");
  for (int64_t c = begin; c < end; ++c) added_[static_cast<size_t>(c)] = true;
  missing_ -= end - begin;
}

void GramSum::add_columns(int64_t begin, int64_t end) {
  claim(begin, end);
  detail::sum_gram_columns(rows_, begin, end, 1.0, &integer_, part_.gram,
                           part_.column_sums.segment(begin, end - begin));
}

std::vector<uint8_t> GramSum::piece(int64_t begin, int64_t end) const {
  detail::check_column_range(begin, end, rows_.cols());
  const int64_t n = rows_.rows(), d = rows_.cols(), w = end - begin;
  std::vector<uint8_t> out(static_cast<size_t>(n * w));
  const auto* data = static_cast<const uint8_t*>(rows_.data());  // int8 rows: the same bytes
  for (int64_t i = 0; i < n; ++i)
    std::copy(data + i * d + begin, data + i * d + end, out.begin() + i * w);
  return out;
}

void GramSum::add_share(const GramShareSums& share) {
  const int64_t n = rows_.rows();
  if (static_cast<int64_t>(share.lower.size()) != n * (n + 1) / 2 ||
      share.column_sums.size() != share.end - share.begin)
    throw Error("a share of G's columns " + std::to_string(share.begin) + " to " +
                std::to_string(share.end) + " has " + std::to_string(share.lower.size()) +
                " sums and " + std::to_string(share.column_sums.size()) +
                " column sums; expected " + std::to_string(n * (n + 1) / 2) + " and " +
                std::to_string(std::max<int64_t>(0, share.end - share.begin)));
  claim(share.begin, share.end);
  size_t at = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j <= i; ++j) part_.gram(i, j) += share.lower[at++];
  part_.column_sums.segment(share.begin, share.end - share.begin) += share.column_sums;
}

const GramWeights& GramSum::weigh(int64_t n_components, int64_t whole_spectrum_max) {
  if (weights_) throw Error("G was already weighed");
  if (missing_ > 0)
    throw Error("G misses " + std::to_string(missing_) + " of its " + std::to_string(rows_.cols()) +
                " columns");
  integer_.flush(part_.gram);
  part_.scale = 1;
  weights_ = gram_weights(rows_, n_components, std::move(part_), whole_spectrum_max);
  part_ = GramPart{};
  n_components_ = n_components;
  product_.resize(rows_.cols(), weights_->weights.cols());
  std::fill(added_.begin(), added_.end(), false);
  missing_ = rows_.cols();
  return *weights_;
}

const GramWeights& GramSum::weights() const {
  if (!weights_) throw Error("the components' rows come after G is weighed");
  return *weights_;
}

void GramSum::add_component_rows(int64_t begin, int64_t end) {
  const GramWeights& w = weights();
  claim(begin, end);
  if (product_.size() == 0) return;  // no weights: nothing to compute (a block of null data)
  product_.middleRows(begin, end - begin) =
      gram_component_rows(rows_, 0, begin, end, w).cast<double>();
}

void GramSum::add_rows(int64_t begin, int64_t end, const Eigen::MatrixXf& rows) {
  const GramWeights& w = weights();
  if (rows.rows() != std::max<int64_t>(0, end - begin) || rows.cols() != w.weights.cols())
    throw Error("rows " + std::to_string(begin) + " to " + std::to_string(end) +
                " of the components' product came as " + std::to_string(rows.rows()) + "×" +
                std::to_string(rows.cols()) + "; expected " + std::to_string(w.weights.cols()) +
                " values each");
  claim(begin, end);
  if (product_.size() > 0) product_.middleRows(begin, end - begin) = rows.cast<double>();
}

PcaModel GramSum::fit() {
  const GramWeights& w = weights();
  if (missing_ > 0)
    throw Error("the components' product misses " + std::to_string(missing_) + " of its " +
                std::to_string(rows_.cols()) + " rows");
  return finish_gram(w, n_components_, std::move(product_));
}

ComponentShare::ComponentShare(Eigen::MatrixXf weights, Eigen::VectorXf centre, double scale) {
  weights_.weights = std::move(weights);
  weights_.centre = std::move(centre);
  weights_.scale = scale;
}

Eigen::MatrixXf ComponentShare::rows(const StackRows& piece, int64_t begin) const {
  require_bytes(piece.type(), "a share of the components");
  return gram_component_rows(piece, begin, begin, begin + piece.cols(), weights_);
}

GramShare::GramShare(int64_t n, int64_t begin) : n_(n), begin_(begin), end_(begin), integer_(n) {
  if (n < 2) throw Error("the Gram path needs at least 2 samples; got " + std::to_string(n));
}

bool GramShare::room_for(int64_t columns) const {
  return integer_.most_pending() + columns * kLargestSquare <= integer_.limit();
}

void GramShare::add(const StackRows& piece) {
  require_bytes(piece.type(), "a share of G");
  if (piece.rows() != n_)
    throw Error("a piece of G's columns has " + std::to_string(piece.rows()) +
                " rows; the share sums " + std::to_string(n_));
  if (!room_for(piece.cols()))
    throw Error("a piece of " + std::to_string(piece.cols()) +
                " columns would overflow the share's int32 sums: take them first");
  column_sums_.resize(column_sums_.size() + static_cast<size_t>(piece.cols()));
  Eigen::Map<Eigen::VectorXd> sums(column_sums_.data() + (end_ - begin_), piece.cols());
  detail::sum_gram_columns(piece, 0, piece.cols(), 1.0, &integer_, no_flush_, sums);
  end_ += piece.cols();
}

GramShareSums GramShare::take() {
  GramShareSums out;
  out.begin = begin_;
  out.end = end_;
  integer_.flush_lower(out.lower);
  out.column_sums = Eigen::Map<const Eigen::VectorXd>(column_sums_.data(), end_ - begin_);
  column_sums_.clear();
  begin_ = end_;
  return out;
}

}  // namespace pcarecon
