// Which solver fits a stack (fit_by_cost.h): the choice by cost at the sizes that matter, and
// fit_stack's two paths on 8-bit and float32 rows against the exact fit of the float32 copy.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "fit_by_cost.h"
#include "pca.h"

using namespace pcarecon;

namespace {

// N×D uint8 rows: a few smooth patterns with decaying weights around 120, plus noise, clipped.
std::vector<uint8_t> byte_rows(int64_t n, int64_t d, uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal;
  std::vector<uint8_t> out(static_cast<size_t>(n * d));
  for (int64_t i = 0; i < n; ++i) {
    const double a = normal(engine) * 40, b = normal(engine) * 20, c = normal(engine) * 10;
    for (int64_t j = 0; j < d; ++j) {
      const double t = static_cast<double>(j) / static_cast<double>(d);
      const double v =
          120 + a * std::sin(6.28 * t) + b * std::cos(12.6 * t) + c * t + 4 * normal(engine);
      out[static_cast<size_t>(i * d + j)] =
          static_cast<uint8_t>(std::clamp(std::round(v), 0.0, 255.0));
    }
  }
  return out;
}

RowMatrixF widen(const std::vector<uint8_t>& bytes, int64_t n, int64_t d) {
  return Eigen::Map<const Eigen::Matrix<uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
             bytes.data(), n, d)
      .cast<float>();
}

}  // namespace

TEST_CASE("the solver is chosen by cost — exact at Fashion-MNIST's size, top-K when wide") {
  const double memory = 2e9;
  CHECK(choose_solver(60000, 784, 50, RowType::UInt8, memory).kind == SolverKind::Exact);
  CHECK(choose_solver(70000, 784, 50, RowType::Float32, memory).kind == SolverKind::Exact);
  CHECK(choose_solver(2000, 64, 0, RowType::Float32, memory).kind == SolverKind::Exact);
  const SolverChoice colour = choose_solver(20000, 64 * 64 * 3, 50, RowType::UInt8, memory);
  CHECK(colour.kind == SolverKind::Randomized);
  CHECK(colour.randomized_work * 10 < colour.exact_work);
  CHECK(choose_solver(3000, 256 * 256, 50, RowType::UInt8, memory).kind == SolverKind::Randomized);
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
