#pragma once
// The top-K solver (topk_solver.h) over rows split between two workers: the worker that holds the
// stack runs its part of every pass (SplitTopK) while the helper runs the same pass over a copy of
// the other rows (RowsShare); the helper's partial sums come back and are merged before the solver
// takes its step. A pass's partials over disjoint rows add up exactly (up to rounding), so the
// split fit gives the one-worker answer.

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <vector>

#include "fit_by_cost.h"
#include "stack_rows.h"
#include "topk_solver.h"

namespace pcarecon {

// The helper's rows: a copy, kept at their own precision, and its part of each pass.
class RowsShare {
 public:
  // `bytes` holds rows×cols values of `type` (C order); first_sample: row 0's index in the stack.
  // Error when the sizes disagree.
  RowsShare(RowType type, std::vector<uint8_t> bytes, int64_t rows, int64_t cols,
            int64_t first_sample);
  StackRows rows() const;
  MomentsState moments(const Eigen::VectorXd& shift) const;  // Error naming a NaN/Inf
  // Σ over these rows of (x − mean)(x − mean)ᵀ·basis (D×l).
  Eigen::MatrixXd gram(const Eigen::VectorXd& mean, const Eigen::MatrixXd& basis) const;

 private:
  RowType type_;
  std::vector<uint8_t> bytes_;
  int64_t rows_;
  int64_t cols_;
  int64_t first_sample_;
};

// The side that holds the stack. Its rows are the first own.rows() of n_samples; the helper holds
// the rest. Each pass: own_…() here while the helper runs its part, then merge_…(the helper's).
class SplitTopK {
 public:
  SplitTopK(const StackRows& own, int64_t n_samples, const TopKOptions& options);
  const Eigen::VectorXd& shift() const { return shift_; }  // every part's moments use it
  void own_moments();
  void merge_moments(const MomentsState& rest);  // after own_moments(); starts the solver
  bool done() const;                             // Error before merge_moments()
  const Eigen::VectorXd& mean() const { return solver_.mean(); }
  const Eigen::MatrixXd& basis() const { return solver_.basis(); }  // D×l, for the next pass
  void own_pass();                                                  // needs !done()
  void merge_pass(const Eigen::MatrixXd& rest_product, int64_t rest_rows);  // submits the pass
  int passes() const { return solver_.passes() + 1; }                       // with the moments pass
  PcaModel model() const;                                                   // once done()

 private:
  StackRows own_;
  TopKSolver solver_;
  Eigen::VectorXd shift_;
  std::optional<MomentsPass> moments_;  // own part, until merged
  std::optional<GramPass> pass_;        // own part of the pass in progress
  bool started_ = false;
};

}  // namespace pcarecon
