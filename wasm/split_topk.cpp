#include "split_topk.h"

#include <string>
#include <utility>

#include "error.h"

namespace pcarecon {

RowsShare::RowsShare(RowType type, std::vector<uint8_t> bytes, int64_t rows, int64_t cols,
                     int64_t first_sample)
    : type_(type), bytes_(std::move(bytes)), rows_(rows), cols_(cols), first_sample_(first_sample) {
  const long double expected = static_cast<long double>(rows) * static_cast<long double>(cols) *
                               static_cast<long double>(row_type_bytes(type));
  if (rows < 1 || cols < 1 || first_sample < 0 ||
      static_cast<long double>(bytes_.size()) != expected) {
    throw Error("a share of " + std::to_string(rows) + " rows of " + std::to_string(cols) + " " +
                row_type_name(type) + " values from sample " + std::to_string(first_sample) +
                " cannot be made of " + std::to_string(bytes_.size()) + " bytes");
  }
}

StackRows RowsShare::rows() const {
  switch (type_) {
    case RowType::UInt8:
      return StackRows::uint8(bytes_.data(), rows_, cols_, first_sample_);
    case RowType::Int8:
      return StackRows::int8(reinterpret_cast<const int8_t*>(bytes_.data()), rows_, cols_,
                             first_sample_);
    case RowType::Float32:
      break;
  }
  return StackRows::float32(reinterpret_cast<const float*>(bytes_.data()), rows_, cols_,
                            first_sample_);
}

MomentsState RowsShare::moments(const Eigen::VectorXd& shift) const {
  MomentsPass pass(shift);
  pass.add(rows());
  return pass.state();
}

Eigen::MatrixXd RowsShare::gram(const Eigen::VectorXd& mean, const Eigen::MatrixXd& basis) const {
  GramPass pass(mean, basis);
  pass.add(rows());
  return pass.product();
}

SplitTopK::SplitTopK(const StackRows& own, int64_t n_samples, const TopKOptions& options)
    : own_(own), solver_(n_samples, own.cols(), options) {
  if (own.rows() < 1 || own.rows() > n_samples) {
    throw Error("a split fit keeps 1 to " + std::to_string(n_samples) + " rows here, not " +
                std::to_string(own.rows()));
  }
  shift_ = MomentsPass::default_shift(own_);  // row 0 of the stack is here
}

void SplitTopK::own_moments() {
  MomentsPass pass(shift_);
  pass.add(own_);
  moments_.emplace(std::move(pass));
}

void SplitTopK::merge_moments(const MomentsState& rest) {
  if (!moments_ || started_) throw Error("the split fit's moments are merged once, after its own");
  MomentsPass all = std::move(*moments_);
  moments_.reset();
  all.merge(MomentsPass::from_state(rest));
  solver_.set_moments(all);
  started_ = true;
}

bool SplitTopK::done() const {
  if (!started_) throw Error("the split fit has not merged its moments yet");
  return solver_.done();
}

void SplitTopK::own_pass() {
  if (done()) throw Error("the split fit has already converged");
  GramPass pass(solver_.mean(), solver_.basis());
  pass.add(own_);
  pass_.emplace(std::move(pass));
}

void SplitTopK::merge_pass(const Eigen::MatrixXd& rest_product, int64_t rest_rows) {
  if (!pass_) throw Error("the split fit merges a pass after its own part of it");
  GramPass all = std::move(*pass_);
  pass_.reset();
  all.merge_product(rest_product, rest_rows);
  solver_.submit(all);
}

PcaModel SplitTopK::model() const {
  if (!done()) throw Error("the split fit has not converged yet");
  return solver_.model();
}

}  // namespace pcarecon
