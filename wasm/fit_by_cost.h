#pragma once
// Which solver fits a stack: the exact path (pca.h: a D×D covariance and a symmetric eigensolver
// for N ≥ D, the thin N-sized decomposition otherwise), the exact Gram path for N < D
// (gram_fit.h: N×N, only K components) or the top-K solver (topk_solver.h), chosen by an estimate
// of work and memory from N, D, K and the rows' type, and a fit that says which ran.

#include <cstdint>
#include <optional>
#include <string>

#include "pca.h"
#include "stack_rows.h"
#include "topk_solver.h"

namespace pcarecon {

enum class SolverKind { Exact, Randomized, Gram };
const char* solver_kind_name(SolverKind kind);  // "exact", "randomized", "gram"

struct SolverChoice {
  SolverKind kind = SolverKind::Exact;
  // Estimated work in units of one float32 multiply-add of a matrix product (the relative speed
  // of each kernel folded in), and peak working memory in bytes beyond the rows themselves.
  double exact_work = 0;
  double randomized_work = 0;
  double exact_bytes = 0;
  double randomized_bytes = 0;
  double gram_work = 0;  // N < D only (else infinite)
  double gram_bytes = 0;
};

// The cheapest for K components (0 = min(N, D)) of N×D rows of this type, among those whose
// working memory fits `memory_bytes`: for N ≥ D, Exact whenever its work is small (a fraction of
// a second) or nothing fits (its own allocation then reports the shortfall); for N < D the Gram
// path takes the place of the thin exact one (the same answer, always less work).
SolverChoice choose_solver(int64_t n_samples, int64_t dim, int64_t n_components, RowType type,
                           double memory_bytes);

enum class SolverRequest { Auto, Exact, Randomized, Gram };
// The request a name stands for ("auto", "exact", "randomized", "gram": the CLI's --solver, the
// page's FIT), or none for any other text (each caller names its own choices in its message).
std::optional<SolverRequest> solver_request_named(const std::string& name);
// The solver a request names, or `chosen` (the cost model's) for Auto.
SolverKind requested_solver(SolverRequest request, SolverKind chosen);

struct StackFit {
  PcaModel model;
  SolverKind solver = SolverKind::Exact;  // the one that ran
  int passes = 0;  // over the rows: the top-K solver's with the moments; Gram: G, components
  SolverChoice estimate;
};

// K components (0 = min(N, D)) of the rows with the solver asked for (Auto: choose_solver within
// memory_bytes; Gram: Error for N ≥ D, where the covariance is the smaller matrix). The exact path
// widens 8-bit rows to float32 a block at a time when N ≥ D (the whole stack only for N < D, whose
// thin decomposition holds a double copy anyway).
StackFit fit_stack(const StackRows& rows, int64_t n_components, SolverRequest request,
                   double memory_bytes, const TopKOptions& topk = TopKOptions{});

}  // namespace pcarecon
