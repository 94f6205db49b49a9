// PCA against scikit-learn (fixtures written by tests/fixtures/pca_cases.py) and its properties.
// Tolerances: explained variance 1e-5 relative (plus 1e-10·λ₁ absolute, for components whose
// variance is zero up to the float32 rounding of the data); components 1e-4 per entry, for
// components whose eigenvalue is non-zero and separated from its neighbours (others are not
// unique); orthonormality 1e-10; mean 1e-10 relative.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "error.h"
#include "pca.h"
#include "pca_fixture_cases.h"

using namespace pcarecon;

namespace {

using namespace pca_fixture_cases;

Eigen::MatrixXd to_matrix(const nlohmann::json& j) {
  Eigen::MatrixXd m(j.size(), j.at(0).size());
  for (Eigen::Index i = 0; i < m.rows(); ++i) m.row(i) = to_vector(j.at(i)).transpose();
  return m;
}

// Components whose direction is unique: non-zero variance, separated from both neighbours.
std::vector<Eigen::Index> resolvable(const Eigen::VectorXd& variance) {
  std::vector<Eigen::Index> out;
  const double top = variance(0);
  for (Eigen::Index i = 0; i < variance.size(); ++i) {
    const bool nonzero = variance(i) > 1e-8 * top;
    const bool apart_before = i == 0 || variance(i - 1) - variance(i) > 1e-6 * top;
    const bool apart_after = i + 1 == variance.size() || variance(i) - variance(i + 1) > 1e-6 * top;
    if (nonzero && apart_before && apart_after) out.push_back(i);
  }
  return out;
}

void check_orthonormal(const PcaModel& model) {
  const Eigen::MatrixXd gram = model.components * model.components.transpose();
  const double error =
      (gram - Eigen::MatrixXd::Identity(gram.rows(), gram.cols())).cwiseAbs().maxCoeff();
  INFO("max |V·Vᵀ − I| = " << error);
  CHECK(error < 1e-10);
}

void check_signs(const PcaModel& model) {
  for (Eigen::Index i = 0; i < model.components.rows(); ++i) {
    Eigen::Index best = 0;
    model.components.row(i).cwiseAbs().maxCoeff(&best);
    CHECK(model.components(i, best) > 0);
  }
}

void check_finite(const PcaModel& model) {
  CHECK(model.mean.allFinite());
  CHECK(model.components.allFinite());
  CHECK(model.explained_variance.allFinite());
  CHECK(model.explained_variance_ratio.allFinite());
  CHECK(model.singular_values.allFinite());
  CHECK(std::isfinite(model.total_variance));
}

// Compares the first `count` components of `model` with scikit-learn's (0 = all of sklearn's).
void check_against_sklearn(const PcaModel& model, const nlohmann::json& expected,
                           double variance_rtol = 1e-5, double component_tol = 1e-4,
                           int64_t count = 0) {
  const Eigen::VectorXd mean = to_vector(expected.at("mean"));
  const Eigen::VectorXd variance = to_vector(expected.at("explained_variance"));
  const Eigen::VectorXd ratio = to_vector(expected.at("explained_variance_ratio"));
  const Eigen::VectorXd singular = to_vector(expected.at("singular_values"));
  Eigen::MatrixXd components = to_matrix(expected.at("components"));
  canonicalize_signs(components);
  const int64_t k = count > 0 ? count : variance.size();
  REQUIRE(model.n_components() >= k);
  REQUIRE(model.dim() == mean.size());
  CHECK(model.n_samples == expected.at("n_samples").get<int64_t>());

  const double mean_error = (model.mean - mean).cwiseAbs().maxCoeff();
  INFO("max |mean error| = " << mean_error);
  CHECK(mean_error <= 1e-10 * (1 + mean.cwiseAbs().maxCoeff()));

  const double floor = 1e-10 * variance(0);
  const double n1 = static_cast<double>(model.n_samples - 1);
  // scikit-learn's total variance: ev / ratio of its first component.
  CHECK(model.total_variance == Approx(variance(0) / ratio(0)).epsilon(1e-10));
  for (int64_t i = 0; i < k; ++i) {
    INFO("component " << i << ": variance " << model.explained_variance(i) << ", sklearn "
                      << variance(i));
    CHECK(std::abs(model.explained_variance(i) - variance(i)) <=
          variance_rtol * variance(i) + floor);
    CHECK(std::abs(model.explained_variance_ratio(i) - ratio(i)) <=
          variance_rtol * ratio(i) + floor / model.total_variance);
    CHECK(std::abs(model.singular_values(i) - singular(i)) <=
          variance_rtol * singular(i) + std::sqrt(floor * n1));
  }
  int checked = 0;
  for (Eigen::Index i : resolvable(variance.head(k))) {
    const double error = (model.components.row(i) - components.row(i)).cwiseAbs().maxCoeff();
    INFO("component " << i << ": max |entry error| = " << error);
    CHECK(error <= component_tol);
    ++checked;
  }
  CHECK(checked > 0);
}

PcaOptions options_with(int64_t k, PcaSolver solver) {
  PcaOptions options;
  options.n_components = k;
  options.solver = solver;
  return options;
}

PcaModel fit_chunked(const RowMatrixF& data, int64_t chunk, int64_t k) {
  CovarianceAccumulator accumulator(data.cols());
  for (int64_t r = 0; r < data.rows(); r += chunk) {
    accumulator.add(data.middleRows(r, std::min<int64_t>(chunk, data.rows() - r)));
  }
  return fit_pca(accumulator, k);
}

RowMatrixF random_rows(int64_t n, int64_t d, uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<float> normal(0.f, 1.f);
  RowMatrixF out(n, d);
  for (Eigen::Index i = 0; i < out.size(); ++i) out.data()[i] = normal(engine);
  return out;
}

}  // namespace

TEST_CASE("fit_pca matches scikit-learn on seeded and structured data", "[pca]") {
  const std::string name =
      GENERATE(as<std::string>{}, "random_200x64", "structured_faces_300x256",
               "structured_short_80x400", "offset_1e4", "rank_deficient_50x36");
  INFO("case " << name);
  const Case c = load_case(name);
  const int64_t k = c.expected.at("n_components").get<int64_t>();

  SECTION("in memory, Auto solver (covariance; the thin QR path when N < D)") {
    const PcaModel model = fit_pca(c.data, options_with(k, PcaSolver::Auto));
    check_against_sklearn(model, c.expected);
    check_orthonormal(model);
    check_signs(model);
    check_finite(model);
  }
  SECTION("streamed through the accumulator in uneven chunks") {
    const PcaModel model = fit_chunked(c.data, 37, k);
    check_against_sklearn(model, c.expected);
    check_orthonormal(model);
    check_signs(model);
  }
  SECTION("a quarter of the components: by inverse iteration, with every eigenvalue kept") {
    const int64_t few = std::max<int64_t>(1, k / 4);
    const PcaModel model = fit_chunked(c.data, 37, few);
    REQUIRE(model.n_components() == few);
    check_against_sklearn(model, c.expected, 1e-5, 1e-4, few);
    check_orthonormal(model);
    check_signs(model);
    const Eigen::VectorXd variance = to_vector(c.expected.at("explained_variance"));
    REQUIRE(model.spectrum.size() == model.dim());
    CHECK((model.spectrum.head(variance.size()) - variance).cwiseAbs().maxCoeff() <=
          1e-5 * variance(0));
  }
  SECTION("randomized solver with enough columns to be exact") {
    PcaOptions options = options_with(k, PcaSolver::Randomized);
    const PcaModel model = fit_pca(c.data, options);
    check_against_sklearn(model, c.expected);
    check_orthonormal(model);
    check_signs(model);
  }
}

TEST_CASE("K = 0 means min(N, D), and at full rank the ratios sum to 1", "[pca]") {
  const Case c = load_case("random_200x64");
  const PcaModel model = fit_pca(c.data, PcaOptions{});
  CHECK(model.n_components() == 64);
  CHECK(model.explained_variance_ratio.sum() == Approx(1.0).epsilon(1e-12));
  CHECK(model.explained_variance.sum() == Approx(model.total_variance).epsilon(1e-12));
  for (Eigen::Index i = 1; i < model.explained_variance.size(); ++i) {
    CHECK(model.explained_variance(i) <= model.explained_variance(i - 1));
  }
  const PcaModel streamed = fit_chunked(c.data, 200, 0);
  CHECK(streamed.n_components() == 64);
}

TEST_CASE("covariance accumulated in chunks of any size equals one shot", "[pca]") {
  const Case c = load_case("structured_faces_300x256");
  CovarianceAccumulator whole(c.data.cols());
  whole.add(c.data);
  const Eigen::MatrixXd reference = whole.covariance();
  const double scale = reference.cwiseAbs().maxCoeff();

  const int64_t chunk = GENERATE(1, 2, 7, 64, 255, 299, 1000);
  INFO("chunk " << chunk);
  CovarianceAccumulator chunked(c.data.cols());
  chunked.add(c.data.topRows(0));  // an empty chunk is fine and sets nothing
  for (int64_t r = 0; r < c.data.rows(); r += chunk) {
    chunked.add(c.data.middleRows(r, std::min<int64_t>(chunk, c.data.rows() - r)));
  }
  CHECK(chunked.count() == 300);
  CHECK(chunked.dim() == 256);
  CHECK((chunked.mean() - whole.mean()).cwiseAbs().maxCoeff() < 1e-12 * 255);
  CHECK((chunked.covariance() - reference).cwiseAbs().maxCoeff() < 1e-12 * scale);
  // Symmetric, and the mean is the plain column mean.
  CHECK((reference - reference.transpose()).cwiseAbs().maxCoeff() == 0.0);
  const Eigen::VectorXd plain = c.data.cast<double>().colwise().mean().transpose();
  CHECK((whole.mean() - plain).cwiseAbs().maxCoeff() < 1e-10);
}

TEST_CASE("a large offset costs no precision", "[pca]") {
  // Integers 0..255 plus 1e6 are exact in float32, so both matrices hold the same data up to the
  // offset and must give the same covariance. A one-pass Σxxᵀ − N·μμᵀ in double would be off by
  // ~1e-5 relative here.
  const Case c = load_case("structured_faces_300x256");
  const RowMatrixF shifted = (c.data.array() + 1e6f).matrix();
  REQUIRE(((shifted.array() - 1e6f) == c.data.array()).all());
  CovarianceAccumulator plain(c.data.cols()), offset(c.data.cols());
  plain.add(c.data);
  offset.add(shifted.topRows(1));  // a first chunk of one row: the shift is that row
  offset.add(shifted.bottomRows(299));
  const Eigen::MatrixXd expected = plain.covariance();
  CHECK((offset.covariance() - expected).cwiseAbs().maxCoeff() <
        1e-10 * expected.cwiseAbs().maxCoeff());
  CHECK((offset.mean() - plain.mean() - Eigen::VectorXd::Constant(256, 1e6)).cwiseAbs().maxCoeff() <
        1e-6);
  // And the 1e4 case against scikit-learn through every path is in the first test case.
}

TEST_CASE("randomized SVD on wide low-rank data agrees with scikit-learn", "[pca]") {
  // wide_60x5000: rank 8 + noise (D = 5000 > 4096). With the default 4 power iterations and 10
  // oversampling columns the 8 signal components agree with sklearn to 1e-9 relative in variance
  // and 1e-8 per component entry (observed: ~1e-14); the noise components beyond them are not
  // determined by a randomized range finder, but their variances can only be underestimates
  // (Rayleigh–Ritz).
  const Case c = load_case("wide_60x5000");
  const Eigen::VectorXd variance = to_vector(c.expected.at("explained_variance"));
  const int64_t k = GENERATE(8, 10);
  INFO("K = " << k);
  const PcaModel model = fit_pca(c.data, options_with(k, PcaSolver::Randomized));
  REQUIRE(model.n_components() == k);
  check_against_sklearn(model, c.expected, 1e-9, 1e-8, 8);
  check_orthonormal(model);
  check_signs(model);
  check_finite(model);
  for (int64_t i = 8; i < k; ++i) CHECK(model.explained_variance(i) <= variance(i) * (1 + 1e-9));

  SECTION("Auto chooses it for this shape, with the same seed the same numbers") {
    const PcaModel automatic = fit_pca(c.data, options_with(k, PcaSolver::Auto));
    CHECK(automatic.components == model.components);
    CHECK(automatic.explained_variance == model.explained_variance);
  }
  SECTION("another seed: the signal components still agree") {
    PcaOptions options = options_with(k, PcaSolver::Randomized);
    options.seed = 12345;
    const PcaModel other = fit_pca(c.data, options);
    CHECK(other.components != model.components);
    check_against_sklearn(other, c.expected, 1e-9, 1e-8, 8);
  }
}

TEST_CASE(
    "the exact solvers on wide data: thin QR path vs scikit-learn and randomized at full width",
    "[pca]") {
  const Case c = load_case("wide_60x5000");
  const PcaModel thin = fit_pca(c.data, options_with(60, PcaSolver::Covariance));
  REQUIRE(thin.n_components() == 60);
  check_against_sklearn(thin, c.expected);  // sklearn's first 10, all resolvable
  check_orthonormal(thin);
  check_signs(thin);
  CHECK(thin.explained_variance(59) < 1e-10 * thin.explained_variance(0));  // rank N − 1
  CHECK(thin.explained_variance.sum() == Approx(thin.total_variance).epsilon(1e-10));

  // K + oversampling >= min(N, D): the range finder spans everything, the result is exact.
  const PcaModel randomized = fit_pca(c.data, options_with(55, PcaSolver::Randomized));
  for (int64_t i = 0; i < 55; ++i) {
    CHECK(std::abs(randomized.explained_variance(i) - thin.explained_variance(i)) <=
          1e-9 * thin.explained_variance(i) + 1e-12 * thin.explained_variance(0));
  }
  check_orthonormal(randomized);
}

TEST_CASE("errors name the offending value", "[pca][errors]") {
  SECTION("fewer than 2 samples") {
    const RowMatrixF one = RowMatrixF::Ones(1, 16);
    REQUIRE_THROWS_AS(fit_pca(one, PcaOptions{}), Error);
    REQUIRE_THROWS_WITH(fit_pca(one, PcaOptions{}), "PCA needs at least 2 samples; got 1");
    CovarianceAccumulator accumulator(16);
    REQUIRE_THROWS_WITH(fit_pca(accumulator, 1), "PCA needs at least 2 samples; got 0");
    accumulator.add(one);
    REQUIRE_THROWS_WITH(fit_pca(accumulator, 1), "PCA needs at least 2 samples; got 1");
    REQUIRE_THROWS_WITH(accumulator.covariance(), "PCA needs at least 2 samples; got 1");
    REQUIRE_THROWS_WITH(CovarianceAccumulator(16).mean(),
                        "no samples have been added yet, so there is no mean");
  }
  SECTION("too many components") {
    const RowMatrixF data = RowMatrixF::Zero(1000, 784);
    REQUIRE_THROWS_WITH(fit_pca(data, options_with(900, PcaSolver::Auto)),
                        "cannot fit 900 components: this data has at most 784 (min(N, D) with N "
                        "= 1000, D = 784)");
    const RowMatrixF wide = RowMatrixF::Zero(10, 30);
    REQUIRE_THROWS_WITH(fit_pca(wide, options_with(11, PcaSolver::Randomized)),
                        "cannot fit 11 components: this data has at most 10 (min(N, D) with N = "
                        "10, D = 30)");
    CovarianceAccumulator accumulator(30);
    accumulator.add(wide);
    REQUIRE_THROWS_WITH(fit_pca(accumulator, 31),
                        "cannot fit 31 components: this data has at most 10 (min(N, D) with N = "
                        "10, D = 30)");
  }
  SECTION("negative K and solver options") {
    const RowMatrixF data = random_rows(20, 8, 1);
    REQUIRE_THROWS_WITH(fit_pca(data, options_with(-1, PcaSolver::Auto)),
                        "the number of components must be positive, or 0 for all of them; got -1");
    PcaOptions options;
    options.oversampling = -2;
    REQUIRE_THROWS_WITH(fit_pca(data, options), "oversampling must be 0 or more; got -2");
    options = PcaOptions{};
    options.power_iterations = -1;
    REQUIRE_THROWS_WITH(fit_pca(data, options), "power_iterations must be 0 or more; got -1");
  }
  SECTION("shape and values") {
    REQUIRE_THROWS_WITH(CovarianceAccumulator(0),
                        "the number of pixels per image must be at least 1; got 0");
    CovarianceAccumulator accumulator(8);
    accumulator.add(random_rows(5, 8, 2));
    REQUIRE_THROWS_WITH(accumulator.add(random_rows(5, 9, 3)),
                        "these rows have 9 values each, but the earlier ones had 8");
    RowMatrixF bad = random_rows(4, 8, 4);
    bad(2, 5) = std::numeric_limits<float>::quiet_NaN();
    REQUIRE_THROWS_WITH(
        accumulator.add(bad),
        "sample 7 has a non-finite value (NaN) at pixel 5; PCA needs finite numbers");
    CHECK(accumulator.count() == 5);  // the bad chunk left no trace
    bad(2, 5) = -std::numeric_limits<float>::infinity();
    REQUIRE_THROWS_WITH(
        fit_pca(bad, PcaOptions{}),
        "sample 2 has a non-finite value (-inf) at pixel 5; PCA needs finite numbers");
    REQUIRE_THROWS_WITH(
        fit_pca(bad, options_with(2, PcaSolver::Randomized)),
        "sample 2 has a non-finite value (-inf) at pixel 5; PCA needs finite numbers");
    const RowMatrixF wide_bad = bad.replicate(1, 4);  // N < D: the thin path checks too
    REQUIRE_THROWS_WITH(
        fit_pca(wide_bad, PcaOptions{}),
        "sample 2 has a non-finite value (-inf) at pixel 5; PCA needs finite numbers");
  }
}

TEST_CASE("zero total variance gives zeros, never NaN", "[pca]") {
  const Case c = load_case("constant_20x16");  // every image the same
  const PcaSolver solver = GENERATE(PcaSolver::Auto, PcaSolver::Covariance, PcaSolver::Randomized);
  const int rows = GENERATE(20, 5);  // 5 < D = 16: the thin path
  INFO("solver " << static_cast<int>(solver) << ", rows " << rows);
  const PcaModel model = fit_pca(c.data.topRows(rows), options_with(0, solver));
  CHECK(model.n_components() == std::min(rows, 16));
  check_finite(model);
  check_orthonormal(model);
  CHECK(model.total_variance == 0.0);
  CHECK(model.explained_variance.cwiseAbs().maxCoeff() == 0.0);
  CHECK(model.explained_variance_ratio.cwiseAbs().maxCoeff() == 0.0);
  CHECK(model.singular_values.cwiseAbs().maxCoeff() == 0.0);
  CHECK((model.mean.array() == 42.0).all());
}

TEST_CASE("tiny, duplicated and rank-deficient data are fine", "[pca]") {
  SECTION("two samples") {
    RowMatrixF two(2, 3);
    two << 0, 2, 4, 2, 0, 4;
    const PcaModel model = fit_pca(two, PcaOptions{});
    REQUIRE(model.n_components() == 2);
    check_finite(model);
    check_orthonormal(model);
    CHECK(model.explained_variance(0) == Approx(4.0));  // (±√2)² · 2 / (2 − 1)
    CHECK(model.explained_variance(1) == Approx(0.0).margin(1e-12));
    CHECK(model.explained_variance_ratio(0) == Approx(1.0));
    CHECK(std::abs(model.components(0, 0)) == Approx(std::sqrt(0.5)));
    CHECK(model.components(0, 2) == Approx(0.0).margin(1e-12));
  }
  SECTION("every row twice") {
    const RowMatrixF base = random_rows(30, 6, 9);
    RowMatrixF doubled(60, 6);
    doubled << base, base;
    const PcaModel once = fit_pca(base, PcaOptions{});
    const PcaModel twice = fit_pca(doubled, PcaOptions{});
    // Same mean and directions; variances scale by (30 − 1)·2 / (60 − 1).
    CHECK((once.mean - twice.mean).cwiseAbs().maxCoeff() < 1e-12);
    CHECK((once.components - twice.components).cwiseAbs().maxCoeff() < 1e-8);
    CHECK(
        (twice.explained_variance - once.explained_variance * (58.0 / 59.0)).cwiseAbs().maxCoeff() <
        1e-10);
  }
}

TEST_CASE("canonicalize_signs makes the largest-magnitude entry positive, the first on ties",
          "[pca]") {
  Eigen::MatrixXd v(3, 3);
  v << 0.1, -0.9, 0.3,  //
      -0.5, 0.5, 0.1,   //
      0.5, -0.5, 0.1;
  canonicalize_signs(v);
  CHECK(v.row(0) == Eigen::RowVector3d(-0.1, 0.9, -0.3));
  CHECK(v.row(1) == Eigen::RowVector3d(0.5, -0.5, -0.1));
  CHECK(v.row(2) == Eigen::RowVector3d(0.5, -0.5, 0.1));
}

// ---- the block kernels and merged partial accumulators ------------------------------------------
// (The integer kernel has its own file, test_scatter_kernel.cpp, on NumPy-written integer data.)

TEST_CASE("Auto on whole-number data is exact: same bits as double", "[pca][kernel]") {
  // structured_faces holds whole numbers in [0, 255] (as uint8 images do): the integer kernel.
  const Case c = load_case("structured_faces_300x256");
  CovarianceAccumulator exact(c.data.cols(), AccumulatorKernel::Float64);
  CovarianceAccumulator fast(c.data.cols(), AccumulatorKernel::Auto);
  exact.add(c.data);
  fast.add(c.data);
  CHECK(fast.int16_rows() == 300);
  CHECK(fast.float32_rows() == 0);
  CHECK(exact.int16_rows() == 0);
  CHECK(fast.covariance() == exact.covariance());
  CHECK(fast.mean() == exact.mean());
  // Also with a huge offset (whole numbers + 1e6 stay whole in float32; the shift removes it).
  const RowMatrixF shifted = (c.data.array() + 1e6f).matrix();
  CovarianceAccumulator offset(c.data.cols());
  offset.add(shifted);
  CHECK(offset.int16_rows() == 300);
  CHECK((offset.covariance() - exact.covariance()).cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("Auto stays exact over chunks with different shifts", "[pca][kernel]") {
  std::mt19937_64 engine(11);
  RowMatrixF data(20000, 8);
  for (Eigen::Index i = 0; i < data.size(); ++i)
    data.data()[i] = static_cast<float>(engine() % 256);
  CovarianceAccumulator exact(8, AccumulatorKernel::Float64), fast(8);
  exact.add(data);
  fast.add(data.topRows(5000));
  fast.add(data.bottomRows(15000));
  CovarianceAccumulator one_shot(8);
  one_shot.add(data);
  CHECK(fast.int16_rows() == 20000);
  CHECK(one_shot.covariance() == exact.covariance());
  CHECK((fast.covariance() - exact.covariance()).cwiseAbs().maxCoeff() <=
        1e-12 * exact.covariance().cwiseAbs().maxCoeff());
}

TEST_CASE("Auto falls back to double on fractional data or values beyond 16 bits",
          "[pca][kernel]") {
  const Case c = load_case("random_200x64");  // fractional
  CovarianceAccumulator fast(c.data.cols());
  fast.add(c.data);
  CHECK(fast.int16_rows() == 0);
  CHECK(fast.float32_rows() == 0);
  const RowMatrixF big =
      (random_rows(300, 16, 7) * 50000.f).array().round().matrix();  // |x| ≫ 32767
  CovarianceAccumulator wide(16);
  wide.add(big);
  CHECK(wide.int16_rows() == 0);
  CHECK(wide.float32_rows() == 0);
}

TEST_CASE("the forced float32 kernel matches scikit-learn within float32 tolerances",
          "[pca][kernel]") {
  const std::string name =
      GENERATE(as<std::string>{}, "random_200x64", "structured_faces_300x256", "offset_1e4");
  INFO("case " << name);
  const Case c = load_case(name);
  const int64_t k = c.expected.at("n_components").get<int64_t>();
  PcaOptions options = options_with(k, PcaSolver::Covariance);
  options.kernel = AccumulatorKernel::Float32;
  const PcaModel model = fit_pca(c.data, options);
  // The data are float32: a float32 block scatter is as precise as the data (≈1e-7 relative);
  // checked on the 10 leading components, whose variance is well above that rounding.
  const Eigen::VectorXd variance = to_vector(c.expected.at("explained_variance"));
  const Eigen::VectorXd ratio = to_vector(c.expected.at("explained_variance_ratio"));
  Eigen::MatrixXd components = to_matrix(c.expected.at("components"));
  canonicalize_signs(components);
  CHECK(model.total_variance == Approx(variance(0) / ratio(0)).epsilon(1e-6));
  CHECK((model.mean - to_vector(c.expected.at("mean"))).cwiseAbs().maxCoeff() < 1e-9 * 1e4);
  const int64_t top = std::min<int64_t>(k, 10);
  for (int64_t i = 0; i < top; ++i) {
    INFO("component " << i);
    CHECK(std::abs(model.explained_variance(i) - variance(i)) <= 1e-4 * variance(i));
  }
  for (Eigen::Index i : resolvable(variance.head(top))) {
    INFO("component " << i);
    CHECK((model.components.row(i) - components.row(i)).cwiseAbs().maxCoeff() <= 1e-3);
  }
  check_orthonormal(model);
  check_signs(model);
}

TEST_CASE("partial accumulators merge into the accumulator of all rows", "[pca][merge]") {
  const std::string name =
      GENERATE(as<std::string>{}, "random_200x64", "structured_faces_300x256", "offset_1e4");
  INFO("case " << name);
  const Case c = load_case(name);
  const int64_t n = c.data.rows();
  CovarianceAccumulator whole(c.data.cols());
  whole.add(c.data);
  const Eigen::MatrixXd reference = whole.covariance();
  const double scale = reference.cwiseAbs().maxCoeff();

  const int64_t split = GENERATE(1, 37, 100);
  INFO("split at " << split);
  CovarianceAccumulator first(c.data.cols()), second(c.data.cols());
  first.add(c.data.topRows(split));
  second.add(c.data.bottomRows(n - split));
  // Through state(): what goes between workers.
  CovarianceAccumulator rebuilt = CovarianceAccumulator::from_state(second.state());
  first.merge(rebuilt);
  CHECK(first.count() == n);
  CHECK((first.mean() - whole.mean()).cwiseAbs().maxCoeff() <=
        1e-12 * (1 + whole.mean().cwiseAbs().maxCoeff()));
  CHECK((first.covariance() - reference).cwiseAbs().maxCoeff() <= 1e-10 * scale);

  // The merged model matches scikit-learn as the plain fit does.
  check_against_sklearn(fit_pca(first, c.expected.at("n_components").get<int64_t>()), c.expected);

  // Merging an empty accumulator changes nothing; merging into an empty one copies.
  CovarianceAccumulator empty(c.data.cols());
  first.merge(empty);
  CHECK(first.count() == n);
  empty.merge(first);
  CHECK(empty.covariance() == first.covariance());
}

TEST_CASE("merge and from_state refuse inconsistent input", "[pca][merge][errors]") {
  CovarianceAccumulator a(4), b(5);
  CHECK_THROWS_WITH(a.merge(b), Catch::Contains("cannot merge accumulators of 5 and 4"));
  AccumulatorState s;
  s.count = 3;
  s.shift = Eigen::VectorXd::Zero(4);
  s.sum = Eigen::VectorXd::Zero(3);
  s.scatter = Eigen::MatrixXd::Zero(4, 4);
  CHECK_THROWS_WITH(CovarianceAccumulator::from_state(s), Catch::Contains("shift and sum of D"));
  s.sum = Eigen::VectorXd::Zero(4);
  s.count = -1;
  CHECK_THROWS_WITH(CovarianceAccumulator::from_state(s), Catch::Contains("count of 0 or more"));
  s.count = 3;
  s.scatter(2, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(CovarianceAccumulator::from_state(s), Catch::Contains("non-finite"));
}
