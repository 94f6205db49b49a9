// The Gram path (gram_fit.h) against the exact thin path of pca.h on the same rows (uint8, int8,
// float32), its column parts adding up, and its edge cases: duplicate rows, identical rows, more
// components than the data has directions, N = 2, N = 1 — clean answers or errors, never NaN.
// Agreement with scikit-learn on crops of photographs: tests/native/test_topk_sklearn.cpp.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "byte_rows.h"
#include "error.h"
#include "fit_by_cost.h"
#include "gram_fit.h"
#include "pca.h"

using namespace pcarecon;

namespace {

// The rows of byte_rows.h, with this file's noise.
std::vector<uint8_t> byte_rows(int64_t n, int64_t d, uint64_t seed) {
  return pcarecon_test::byte_rows(n, d, seed, 6);
}

using pcarecon_test::widen;

// The thin exact path (Householder QR of the centred rows) on the float32 copy.
PcaModel thin_fit(const RowMatrixF& rows, int64_t k) {
  PcaOptions options;
  options.n_components = k;
  options.solver = PcaSolver::Covariance;
  return fit_pca(rows, options);
}

void check_orthonormal(const PcaModel& model, double tolerance) {
  const Eigen::MatrixXd gram = model.components * model.components.transpose();
  const Eigen::MatrixXd eye = Eigen::MatrixXd::Identity(gram.rows(), gram.cols());
  CHECK((gram - eye).cwiseAbs().maxCoeff() < tolerance);
}

void check_finite(const PcaModel& model) {
  CHECK(model.components.allFinite());
  CHECK(model.explained_variance.allFinite());
  CHECK(model.explained_variance_ratio.allFinite());
  CHECK(model.singular_values.allFinite());
  CHECK(std::isfinite(model.total_variance));
}

// Same variances, and the same components up to sign where the variance is separated (both fits
// make signs canonical, so they agree outright).
void check_same(const PcaModel& a, const PcaModel& b, double tolerance) {
  REQUIRE(a.n_components() == b.n_components());
  CHECK((a.mean - b.mean).cwiseAbs().maxCoeff() < 1e-9);
  CHECK(a.total_variance == Approx(b.total_variance).epsilon(tolerance));
  const double top = b.explained_variance(0);
  for (int64_t i = 0; i < a.n_components(); ++i) {
    INFO("component " << i);
    CHECK(std::abs(a.explained_variance(i) - b.explained_variance(i)) <= tolerance * top);
    const double below = i + 1 < a.n_components() ? b.explained_variance(i + 1) : 0;
    const double above = i > 0 ? b.explained_variance(i - 1) : 2 * top;
    const double gap = std::min(above - b.explained_variance(i), b.explained_variance(i) - below);
    if (gap < 0.01 * top) continue;  // a near-equal pair: its vectors are not well defined
    CHECK((a.components.row(i) - b.components.row(i)).cwiseAbs().maxCoeff() < 1e-5);
  }
}

}  // namespace

TEST_CASE("Gram: the exact thin path's answer on 8-bit and float32 rows, N < D") {
  const int64_t n = 40, d = 700;
  const std::vector<uint8_t> bytes = byte_rows(n, d, 3);
  const RowMatrixF floats = widen(bytes, n, d);
  const PcaModel reference = thin_fit(floats, 12);

  const PcaModel from_bytes = fit_gram(StackRows::uint8(bytes.data(), n, d), 12);
  check_same(from_bytes, reference, 1e-10);
  check_orthonormal(from_bytes, 1e-12);
  // The whole spectrum (the variance chart's): N values, the K fitted first, summing to the total
  // variance (centred: one is zero).
  REQUIRE(from_bytes.spectrum.size() == n);
  CHECK((from_bytes.spectrum.head(12) - from_bytes.explained_variance).cwiseAbs().maxCoeff() <=
        1e-12 * from_bytes.explained_variance(0));
  CHECK(from_bytes.spectrum.sum() == Approx(from_bytes.total_variance).epsilon(1e-10));
  CHECK(from_bytes.spectrum(n - 1) == 0.0);

  const PcaModel from_floats = fit_gram(StackRows::of(floats), 12);
  check_same(from_floats, reference, 1e-6);
  check_orthonormal(from_floats, 1e-12);

  // int8: the same values minus 128 (the mean moves, nothing else).
  std::vector<int8_t> signed_bytes(bytes.size());
  std::transform(bytes.begin(), bytes.end(), signed_bytes.begin(),
                 [](uint8_t v) { return static_cast<int8_t>(static_cast<int>(v) - 128); });
  const PcaModel from_int8 = fit_gram(StackRows::int8(signed_bytes.data(), n, d), 12);
  CHECK((from_int8.explained_variance - reference.explained_variance).cwiseAbs().maxCoeff() <
        1e-10 * reference.explained_variance(0));
  CHECK((from_int8.mean.array() + 128 - reference.mean.array()).abs().maxCoeff() < 1e-9);
}

TEST_CASE("Gram: a large G's K largest pairs by Lanczos give the same fit, without the spectrum") {
  // whole_spectrum_max = 0 takes Lanczos (largest_eigenpairs.h) at this small N.
  const int64_t n = 120, d = 700, k = 20;
  const std::vector<uint8_t> bytes = byte_rows(n, d, 4);
  const PcaModel reference = thin_fit(widen(bytes, n, d), k);
  const PcaModel by_lanczos = fit_gram(StackRows::uint8(bytes.data(), n, d), k, 0);
  check_same(by_lanczos, reference, 1e-10);
  check_orthonormal(by_lanczos, 1e-12);
  CHECK(by_lanczos.spectrum.size() == 0);  // K values and the total variance only
  CHECK(by_lanczos.total_variance == Approx(reference.total_variance).epsilon(1e-10));
  const PcaModel whole = fit_gram(StackRows::uint8(bytes.data(), n, d), k);
  CHECK(whole.spectrum.size() == n);
  // K > N/4: the full solver whatever the size, with the whole spectrum.
  CHECK(fit_gram(StackRows::uint8(bytes.data(), n, d), 31, 0).spectrum.size() == n);

  // Duplicate rows (centred rank 2): Lanczos settles on the zeros or the full solver takes over.
  std::vector<uint8_t> copies;
  for (int64_t i = 0; i < 60; ++i)
    copies.insert(copies.end(), bytes.begin() + (i % 3) * d, bytes.begin() + (i % 3 + 1) * d);
  const PcaModel rank_two = fit_gram(StackRows::uint8(copies.data(), 60, d), 12, 0);
  check_finite(rank_two);
  check_orthonormal(rank_two, 1e-12);
  CHECK(rank_two.explained_variance(1) > 0);
  CHECK(rank_two.explained_variance.tail(10).cwiseAbs().maxCoeff() == 0);
}

TEST_CASE("Gram: float32 rows at the ends of float32's range are fitted as the same rows scaled") {
  // Byte rows times 2^120 reach 3.39e38 (float32's largest is 3.40e38): their products overflowed
  // float32 and the eigensolver got infinities. Times 2^-120 they would underflow.
  const int64_t n = 6, d = 50;
  const std::vector<uint8_t> bytes = byte_rows(n, d, 21);
  const RowMatrixF floats = widen(bytes, n, d);
  const PcaModel reference = fit_gram(StackRows::of(floats), 0);
  for (const int exponent : {120, -120}) {
    INFO("rows times 2^" << exponent);
    const RowMatrixF scaled = floats * std::ldexp(1.0f, exponent);
    const PcaModel model = fit_gram(StackRows::of(scaled), 0);
    check_finite(model);
    check_orthonormal(model, 1e-12);
    const double squared = std::ldexp(1.0, 2 * exponent);
    PcaModel unscaled = model;
    unscaled.mean /= std::ldexp(1.0, exponent);
    unscaled.explained_variance /= squared;
    unscaled.total_variance /= squared;
    check_same(unscaled, reference, 1e-6);
    CHECK((model.explained_variance_ratio - reference.explained_variance_ratio)
              .cwiseAbs()
              .maxCoeff() < 1e-6);
  }
}

TEST_CASE("Gram: parts over disjoint columns add up to the whole, whatever their shifts") {
  const int64_t n = 30, d = 1500;  // several 256-column blocks, and a part that splits one
  const std::vector<uint8_t> bytes = byte_rows(n, d, 5);
  const StackRows rows = StackRows::uint8(bytes.data(), n, d);
  const GramPart whole = gram_of_columns(rows, 0, d);
  const GramPart left = gram_of_columns(rows, 0, 601);
  const GramPart right = gram_of_columns(rows, 601, d);
  const Eigen::MatrixXd h =
      Eigen::MatrixXd::Identity(n, n) - Eigen::MatrixXd::Constant(n, n, 1.0 / n);
  auto centred = [&](const Eigen::MatrixXd& lower) -> Eigen::MatrixXd {
    const Eigen::MatrixXd g = lower.selfadjointView<Eigen::Lower>();
    return h * g * h;
  };
  const Eigen::MatrixXd sum = left.gram + right.gram;
  CHECK((centred(sum) - centred(whole.gram)).cwiseAbs().maxCoeff() < 1e-6);
  CHECK(left.column_sums.size() == 601);
  CHECK((whole.column_sums.tail(d - 601) - right.column_sums).cwiseAbs().maxCoeff() == 0);
  // Against X_c·X_cᵀ in double.
  const Eigen::MatrixXd x = widen(bytes, n, d).cast<double>();
  const Eigen::MatrixXd xc = x.rowwise() - x.colwise().mean();
  CHECK((centred(whole.gram) - xc * xc.transpose()).cwiseAbs().maxCoeff() < 1e-6);
  CHECK_THROWS_WITH(gram_of_columns(rows, 10, d + 1),
                    "columns 10 to 1501 are not a range of the 1500 values of a row");
}

TEST_CASE("Gram: rank-deficient data gives variance 0 and an orthonormal completion") {
  const int64_t d = 300;
  const std::vector<uint8_t> base = byte_rows(3, d, 9);
  SECTION("duplicate rows: 8 rows, 3 distinct, all 8 components asked") {
    std::vector<uint8_t> bytes;
    for (int i = 0; i < 8; ++i)
      bytes.insert(bytes.end(), base.begin() + (i % 3) * d, base.begin() + (i % 3 + 1) * d);
    const PcaModel model = fit_gram(StackRows::uint8(bytes.data(), 8, d), 8);
    check_finite(model);
    check_orthonormal(model, 1e-12);
    CHECK(model.explained_variance(1) > 0);
    CHECK(model.explained_variance.tail(6).cwiseAbs().maxCoeff() == 0);  // centred rank 2
    const PcaModel reference = thin_fit(widen(bytes, 8, d), 2);
    CHECK((model.explained_variance.head(2) - reference.explained_variance).cwiseAbs().maxCoeff() <
          1e-9 * reference.explained_variance(0));
  }
  SECTION("identical rows: every variance 0, ratios 0") {
    std::vector<uint8_t> bytes;
    for (int i = 0; i < 5; ++i) bytes.insert(bytes.end(), base.begin(), base.begin() + d);
    const PcaModel model = fit_gram(StackRows::uint8(bytes.data(), 5, d), 0);
    check_finite(model);
    check_orthonormal(model, 1e-12);
    CHECK(model.n_components() == 5);
    CHECK(model.explained_variance.cwiseAbs().maxCoeff() == 0);
    CHECK(model.explained_variance_ratio.cwiseAbs().maxCoeff() == 0);
    CHECK(model.total_variance == 0);
  }
  SECTION("float32 duplicates: variance at rounding level at most") {
    std::vector<uint8_t> bytes;
    for (int i = 0; i < 6; ++i)
      bytes.insert(bytes.end(), base.begin() + (i % 2) * d, base.begin() + (i % 2 + 1) * d);
    RowMatrixF floats = widen(bytes, 6, d);
    floats.array() = floats.array() * 0.37f + 1000.f;  // not whole: the float32 kernel
    const PcaModel model = fit_gram(StackRows::of(floats), 6);
    check_finite(model);
    check_orthonormal(model, 1e-12);
    CHECK(model.explained_variance.tail(5).cwiseAbs().maxCoeff() <
          1e-6 * model.explained_variance(0));
  }
}

TEST_CASE("Gram: N = 2 and N = 1") {
  const int64_t d = 64;
  const std::vector<uint8_t> bytes = byte_rows(2, d, 11);
  const PcaModel two = fit_gram(StackRows::uint8(bytes.data(), 2, d), 2);
  check_finite(two);
  check_orthonormal(two, 1e-12);
  const Eigen::VectorXd diff = widen(bytes, 2, d).row(1).cast<double>().transpose() -
                               widen(bytes, 2, d).row(0).cast<double>().transpose();
  // One direction: the difference of the two rows, variance |diff|²/2 (ddof 1 of two samples).
  CHECK(two.explained_variance(0) == Approx(diff.squaredNorm() / 2).epsilon(1e-12));
  CHECK(std::abs(two.components.row(0).dot(diff.normalized())) == Approx(1).epsilon(1e-12));
  CHECK(two.explained_variance(1) == 0);
  CHECK_THROWS_WITH(fit_gram(StackRows::uint8(bytes.data(), 1, d), 1),
                    "PCA needs at least 2 samples; got 1");
  CHECK_THROWS_WITH(fit_gram(StackRows::uint8(bytes.data(), 2, d), 3),
                    Catch::Contains("cannot fit 3 components"));
}

TEST_CASE("Gram: a NaN is named, never fitted") {
  RowMatrixF floats = widen(byte_rows(4, 100, 2), 4, 100);
  floats(2, 17) = std::nanf("");
  CHECK_THROWS_WITH(fit_gram(StackRows::of(floats), 2),
                    "sample 2 has a non-finite value (NaN) at pixel 17; PCA needs finite numbers");
}

TEST_CASE("fit_stack: auto takes the Gram path for few wide images, and says so") {
  const int64_t n = 60, d = 4096;
  const std::vector<uint8_t> bytes = byte_rows(n, d, 13);
  const StackRows rows = StackRows::uint8(bytes.data(), n, d);
  const StackFit fit = fit_stack(rows, 10, SolverRequest::Auto, 1e9);
  CHECK(fit.solver == SolverKind::Gram);
  CHECK(std::string(solver_kind_name(fit.solver)) == "gram");
  CHECK(fit.passes == 2);
  check_same(fit.model, thin_fit(widen(bytes, n, d), 10), 1e-10);
  const std::vector<uint8_t> tall = byte_rows(50, 20, 1);
  CHECK_THROWS_WITH(fit_stack(StackRows::uint8(tall.data(), 50, 20), 5, SolverRequest::Gram, 1e9),
                    Catch::Contains("the Gram solver is for fewer samples than values per image"));
}
