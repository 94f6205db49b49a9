// SymmetricSpectrum (symmetric_spectrum.h) against Eigen's full eigensolver: every eigenvalue,
// top eigenvectors by inverse iteration (no fall-back on well-separated or clustered spectra),
// repeated and zero eigenvalues, the full-solution path for many vectors, and the edge cases.

#include <Eigen/Eigenvalues>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>

#include "error.h"
#include "symmetric_matrices.h"
#include "symmetric_spectrum.h"

using namespace pcarecon;
using pcarecon_test::with_eigenvalues;

namespace {

// A·V = V·Λ and VᵀV = I, to `tolerance` relative to the largest |eigenvalue|.
void check_eigenvectors(const Eigen::MatrixXd& a, const Eigen::MatrixXd& v,
                        const Eigen::VectorXd& values, double tolerance) {
  const double scale = std::max(1e-300, values.cwiseAbs().maxCoeff());
  const Eigen::MatrixXd residual = a * v - v * values.head(v.cols()).asDiagonal();
  CHECK(residual.cwiseAbs().maxCoeff() <= tolerance * scale);
  const Eigen::MatrixXd gram = v.transpose() * v;
  CHECK((gram - Eigen::MatrixXd::Identity(v.cols(), v.cols())).cwiseAbs().maxCoeff() <= tolerance);
}

}  // namespace

TEST_CASE("every eigenvalue and the top eigenvectors equal Eigen's full solver's", "[spectrum]") {
  const int64_t n = 300;
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> uniform(-1, 1);
  Eigen::MatrixXd a(n, n);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i <= j; ++i) a(i, j) = a(j, i) = uniform(random);
  a *= 1e5;  // the scale is given back: values in the data's units
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> full(a);
  const SymmetricSpectrum spectrum(a);
  const Eigen::VectorXd expected = full.eigenvalues().reverse();
  REQUIRE(spectrum.dim() == n);
  CHECK((spectrum.eigenvalues() - expected).cwiseAbs().maxCoeff() <=
        1e-11 * expected.cwiseAbs().maxCoeff());
  const Eigen::MatrixXd v = spectrum.top_vectors(40);
  CHECK_FALSE(spectrum.last_call_fell_back());
  REQUIRE(v.rows() == n);
  REQUIRE(v.cols() == 40);
  for (int64_t j = 0; j < 40; ++j) {
    const Eigen::VectorXd reference = full.eigenvectors().col(n - 1 - j);
    CHECK(std::abs(std::abs(v.col(j).dot(reference)) - 1) <= 1e-9);
  }
  check_eigenvectors(a, v, spectrum.eigenvalues(), 1e-10);
}

TEST_CASE("repeated and zero eigenvalues get orthonormal vectors of their eigenspaces",
          "[spectrum]") {
  // A covariance-like spectrum: equal pairs and a triple at the top (symmetric images have
  // them), then a long run of exact zeros (pixels that never vary).
  const int64_t n = 200;
  Eigen::VectorXd values = Eigen::VectorXd::Zero(n);
  const double top[] = {9, 9, 9, 5, 5, 4, 3, 3, 2, 1e-3, 1e-3, 1e-9};
  for (int i = 0; i < 12; ++i) values(i) = top[i];
  const Eigen::MatrixXd a = with_eigenvalues(values, 11);
  const SymmetricSpectrum spectrum(a);
  CHECK((spectrum.eigenvalues() - values).cwiseAbs().maxCoeff() <= 1e-12 * 9);
  for (int64_t k : {1, 3, 5, 12, 50}) {
    const Eigen::MatrixXd v = spectrum.top_vectors(k);
    CHECK_FALSE(spectrum.last_call_fell_back());
    check_eigenvectors(a, v, values, 1e-10);
  }
}

TEST_CASE("many vectors come from the full tridiagonal solution, still exact", "[spectrum]") {
  Eigen::VectorXd values = Eigen::VectorXd::LinSpaced(64, 64, 1);
  const Eigen::MatrixXd a = with_eigenvalues(values, 3);
  const SymmetricSpectrum spectrum(a);
  for (int64_t k : {17, 64}) check_eigenvectors(a, spectrum.top_vectors(k), values, 1e-11);
}

TEST_CASE("the spectrum's edge cases: 1×1, all zero, no vectors, too many, not finite",
          "[spectrum]") {
  const SymmetricSpectrum one(Eigen::MatrixXd::Constant(1, 1, -2.5));
  CHECK(one.eigenvalues()(0) == -2.5);
  CHECK(std::abs(one.top_vectors(1)(0, 0)) == 1.0);

  const SymmetricSpectrum zero(Eigen::MatrixXd::Zero(5, 5));
  CHECK(zero.eigenvalues().isZero());
  check_eigenvectors(Eigen::MatrixXd::Zero(5, 5), zero.top_vectors(1), zero.eigenvalues(), 1e-14);
  CHECK(zero.top_vectors(0).cols() == 0);
  CHECK_THROWS_AS(zero.top_vectors(6), Error);
  CHECK_THROWS_AS(zero.top_vectors(-1), Error);

  Eigen::MatrixXd bad = Eigen::MatrixXd::Identity(3, 3);
  bad(2, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(SymmetricSpectrum(bad), Error);
}
