// Which solver fits a stack (fit_by_cost.h): the choice by cost at the sizes that matter, and
// fit_stack's two paths on 8-bit and float32 rows against the exact fit of the float32 copy.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "byte_rows.h"
#include "fit_by_cost.h"
#include "pca.h"

using namespace pcarecon;

namespace {

// The rows of byte_rows.h, with this file's noise.
std::vector<uint8_t> byte_rows(int64_t n, int64_t d, uint64_t seed) {
  return pcarecon_test::byte_rows(n, d, seed, 4);
}

using pcarecon_test::widen;

}  // namespace

TEST_CASE("the solver is chosen by cost — exact at Fashion-MNIST's size, top-K when wide") {
  const double memory = 2e9;
  CHECK(choose_solver(60000, 784, 50, RowType::UInt8, memory).kind == SolverKind::Exact);
  CHECK(choose_solver(70000, 784, 50, RowType::Float32, memory).kind == SolverKind::Exact);
  CHECK(choose_solver(2000, 64, 0, RowType::Float32, memory).kind == SolverKind::Exact);
  const SolverChoice colour = choose_solver(20000, 64 * 64 * 3, 50, RowType::UInt8, memory);
  CHECK(colour.kind == SolverKind::Randomized);
  CHECK(colour.randomized_work * 10 < colour.exact_work);
  // 3000 crops of 256×256: the Gram path since its eigensolver makes only K pairs by Lanczos (14 s
  // in one thread in wasm, against about 80 s for the top-K solver); 6000 too, G being 4× the
  // work (the full reduction, 8× its work, made the top-K solver the cheaper there); 10000 in
  // 1 GB, where G's doubles and 32-bit sums do not fit, the top-K solver.
  CHECK(choose_solver(3000, 256 * 256, 50, RowType::UInt8, memory).kind == SolverKind::Gram);
  const SolverChoice six = choose_solver(6000, 256 * 256, 50, RowType::UInt8, memory);
  CHECK(six.kind == SolverKind::Gram);
  CHECK(six.gram_bytes < 6e8);  // G and the 32-bit sums: 432 MB
  CHECK(choose_solver(10000, 256 * 256, 50, RowType::UInt8, 1e9).kind == SolverKind::Randomized);
  // All components of a wide stack: no cheaper than the exact answer, by the Gram path (N < D).
  CHECK(choose_solver(300, 4096, 0, RowType::UInt8, memory).kind == SolverKind::Gram);
  // Few wide images (issue #10's 300×256×256 crops): the N×N Gram matrix beats 12 passes.
  const SolverChoice few = choose_solver(300, 256 * 256, 50, RowType::UInt8, memory);
  CHECK(few.kind == SolverKind::Gram);
  CHECK(few.gram_work * 4 < few.randomized_work);
  CHECK(few.gram_work < few.exact_work);  // the thin QR's
  CHECK(choose_solver(300, 256 * 256, 50, RowType::Float32, memory).kind == SolverKind::Gram);
  // Cheaper but too big: a 6000×6000 covariance in 100 MB is not possible, the top-K solver is.
  const SolverChoice tight = choose_solver(100000, 6000, 50, RowType::UInt8, 1e8);
  CHECK(tight.exact_bytes > 1e8);
  CHECK(tight.kind == SolverKind::Randomized);
  CHECK(std::string(solver_kind_name(tight.kind)) == "randomized");
}

TEST_CASE("fit_stack: either solver on 8-bit rows gives the exact fit of the float32 copy") {
  for (const auto& [n, d] : {std::pair<int64_t, int64_t>{600, 48}, {40, 300}}) {  // N ≥ D, N < D
    const std::vector<uint8_t> bytes = byte_rows(n, d, 17);
    const RowMatrixF copy = widen(bytes, n, d);
    PcaOptions options;
    options.n_components = 3;
    options.solver = PcaSolver::Covariance;
    const PcaModel reference = fit_pca(copy, options);
    const StackRows rows = StackRows::uint8(bytes.data(), n, d);
    const StackFit exact = fit_stack(rows, 3, SolverRequest::Exact, 1e9);
    const StackFit randomized = fit_stack(rows, 3, SolverRequest::Randomized, 1e9);
    INFO("N = " << n << ", D = " << d << "; randomized passes: " << randomized.passes);
    CHECK(exact.solver == SolverKind::Exact);
    CHECK(randomized.solver == SolverKind::Randomized);
    CHECK(randomized.passes >= 2);  // the moments and at least one Gram pass
    CHECK(exact.model.explained_variance.isApprox(reference.explained_variance, 1e-10));
    CHECK((exact.model.components - reference.components).cwiseAbs().maxCoeff() < 1e-8);
    CHECK(randomized.model.explained_variance.isApprox(reference.explained_variance, 1e-5));
    CHECK((randomized.model.components - reference.components).cwiseAbs().maxCoeff() < 1e-3);
    CHECK(randomized.model.total_variance == Approx(reference.total_variance).epsilon(1e-12));
  }
}

TEST_CASE("fit_stack: auto runs what choose_solver picks and says so") {
  const std::vector<uint8_t> bytes = byte_rows(3000, 256, 5);
  const StackRows rows = StackRows::uint8(bytes.data(), 3000, 256);
  const StackFit fit = fit_stack(rows, 5, SolverRequest::Auto, 1e9);
  CHECK(fit.estimate.kind == SolverKind::Exact);
  CHECK(fit.solver == SolverKind::Exact);
  // Too little memory for the 256×256 covariance and its eigenvectors (1.6 MB), enough for the
  // top-K solver's work (1.2 MB): randomized.
  const StackFit tight = fit_stack(rows, 5, SolverRequest::Auto, 1.3e6);
  CHECK(tight.estimate.exact_bytes > 1.3e6);
  CHECK(tight.estimate.randomized_bytes < 1.3e6);
  CHECK(tight.solver == SolverKind::Randomized);
  CHECK(tight.model.explained_variance.isApprox(fit.model.explained_variance, 1e-4));
}
