// The reconstruction series against scikit-learn's inverse_transform(transform(x)) and its
// properties. Tolerances: reconstructions 1e-4 absolute (data in 0..255 or ~1e4), loadings 1e-4
// relative to the sample's norm; distortion non-increasing within 1e-12·‖x − mean‖² and
// ≤ 1e-10·‖x − mean‖² at full rank.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "error.h"
#include "pca.h"
#include "pca_fixture_cases.h"
#include "reconstruction.h"

using namespace pcarecon;

namespace {

using namespace pca_fixture_cases;

Eigen::VectorXf sample(const Case& c, int64_t i) { return c.data.row(i).transpose(); }

double data_range(const Case& c) {
  return static_cast<double>(c.data.maxCoeff()) - static_cast<double>(c.data.minCoeff());
}

void check_series_properties(const PcaModel& model, const Eigen::VectorXf& x,
                             const ReconstructionSeries& series, double range, bool full_rank) {
  const int64_t k = series.loadings.size();
  REQUIRE(series.distortion.size() == k + 1);
  REQUIRE(series.mse.size() == k + 1);
  REQUIRE(series.psnr.size() == k + 1);
  REQUIRE(series.cumulative_explained_variance_ratio.size() == k + 1);
  const double d0 = series.distortion(0);
  CHECK(d0 == Approx((x.cast<double>() - model.mean).squaredNorm()).epsilon(1e-12));
  CHECK(series.cumulative_explained_variance_ratio(0) == 0.0);
  for (int64_t i = 1; i <= k; ++i) {
    INFO("k = " << i);
    CHECK(series.distortion(i) <= series.distortion(i - 1) + 1e-12 * d0);
    CHECK(series.cumulative_explained_variance_ratio(i) >=
          series.cumulative_explained_variance_ratio(i - 1));
    // The incremental residual agrees with a reconstruction from scratch.
    const double direct = (x.cast<double>() - reconstruct(model, series.loadings, i)).squaredNorm();
    CHECK(std::abs(series.distortion(i) - direct) <= 1e-10 * d0);
  }
  CHECK(series.cumulative_explained_variance_ratio(k) <= 1.0 + 1e-12);
  if (full_rank) CHECK(series.distortion(k) <= 1e-10 * d0);
  const double dim = static_cast<double>(model.dim());
  for (int64_t i = 0; i <= k; ++i) {
    CHECK(series.mse(i) == series.distortion(i) / dim);
    if (series.mse(i) == 0) {
      CHECK(series.psnr(i) == std::numeric_limits<double>::infinity());
    } else {
      CHECK(std::isfinite(series.psnr(i)));
      CHECK(series.psnr(i) == Approx(10 * std::log10(range * range / series.mse(i))));
    }
  }
  CHECK(series.loadings.allFinite());
  CHECK(series.distortion.allFinite());
}

}  // namespace

TEST_CASE("reconstructions match scikit-learn's inverse_transform(transform(x))",
          "[reconstruction]") {
  const std::string name =
      GENERATE(as<std::string>{}, "random_200x64", "structured_faces_300x256",
               "structured_short_80x400", "offset_1e4", "rank_deficient_50x36");
  INFO("case " << name);
  const Case c = load_case(name);
  const int64_t k_full = c.expected.at("n_components").get<int64_t>();
  PcaOptions options;
  options.n_components = k_full;
  const PcaModel model = fit_pca(c.data, options);
  const double range = data_range(c);

  int checked = 0;
  for (const auto& ref : c.expected.at("reconstructions")) {
    const int64_t i = ref.at("sample").get<int64_t>();
    const int64_t k = ref.at("k").get<int64_t>();
    INFO("sample " << i << ", k = " << k);
    const ReconstructionSeries series = reconstruction_series(model, sample(c, i), range);
    const Eigen::VectorXd expected = to_vector(ref.at("values"));
    const double error = (reconstruct(model, series.loadings, k) - expected).cwiseAbs().maxCoeff();
    INFO("max |error| = " << error);
    CHECK(error <= 1e-4);
    // The walk reaches the same image.
    ReconstructionWalk walk(model, sample(c, i));
    walk.advance_to(k);
    CHECK((walk.reconstruction() - expected).cwiseAbs().maxCoeff() <= 1e-4);
    ++checked;
  }
  CHECK(checked >= 8);

  // Loadings = sklearn's transform(x) up to each component's sign, for the well-determined
  // leading components.
  for (const auto& ref : c.expected.at("loadings")) {
    const int64_t i = ref.at("sample").get<int64_t>();
    const Eigen::VectorXd expected = to_vector(ref.at("values"));
    const ReconstructionSeries series = reconstruction_series(model, sample(c, i), range);
    const double scale = std::sqrt(series.distortion(0));
    for (int64_t j = 0; j < 3; ++j) {
      INFO("sample " << i << ", loading " << j);
      CHECK(std::abs(std::abs(series.loadings(j)) - std::abs(expected(j))) <= 1e-4 * scale);
    }
  }
}

TEST_CASE("the series: distortion, mse, psnr, cumulative ratio", "[reconstruction]") {
  const std::string name = GENERATE(as<std::string>{}, "random_200x64", "structured_faces_300x256",
                                    "structured_short_80x400", "offset_1e4", "wide_60x5000");
  INFO("case " << name);
  const Case c = load_case(name);
  const PcaModel model = fit_pca(c.data, PcaOptions{});  // all components
  const double range = data_range(c);
  for (int64_t i : {int64_t{0}, c.data.rows() / 3, c.data.rows() - 1}) {
    INFO("sample " << i);
    const ReconstructionSeries series = reconstruction_series(model, sample(c, i), range);
    // Every sample of the data lies in the span of all components (N − 1 of them when N ≤ D).
    check_series_properties(model, sample(c, i), series, range, true);
    CHECK(series.loadings.size() == model.n_components());
    CHECK(series.cumulative_explained_variance_ratio(model.n_components()) ==
          Approx(model.explained_variance_ratio.sum()));

    // A prefix: the first 5 components give the first 6 entries of the full series.
    const ReconstructionSeries five = reconstruction_series(model, sample(c, i), range, 5);
    CHECK(five.loadings.size() == 5);
    CHECK(five.distortion == series.distortion.head(6));
    CHECK(five.psnr == series.psnr.head(6));
  }
}

TEST_CASE("ReconstructionWalk equals reconstruct() at every k", "[reconstruction]") {
  const Case c = load_case("structured_faces_300x256");
  PcaOptions options;
  options.n_components = 40;
  const PcaModel model = fit_pca(c.data, options);
  const Eigen::VectorXf x = sample(c, 17);
  const ReconstructionSeries series = reconstruction_series(model, x, data_range(c));
  ReconstructionWalk walk(model, x);
  CHECK(walk.k() == 0);
  CHECK(walk.reconstruction() == model.mean);
  for (int64_t k : {0, 1, 2, 3, 10, 10, 25, 40}) {
    walk.advance_to(k);
    CHECK(walk.k() == k);
    const Eigen::VectorXd direct = reconstruct(model, series.loadings, k);
    CHECK((walk.reconstruction() - direct).cwiseAbs().maxCoeff() < 1e-9);
    CHECK(walk.residual().squaredNorm() == Approx(series.distortion(k)).epsilon(1e-9));
  }
  REQUIRE_THROWS_WITH(
      walk.advance_to(12),
      "the reconstruction can only move forward: it is at k = 40, asked for k = 12");
  REQUIRE_THROWS_WITH(walk.advance_to(41),
                      "cannot reconstruct with 41 components: the model has 40");
}

TEST_CASE("PSNR: +inf at zero error; a constant dataset uses a unit peak", "[reconstruction]") {
  RowMatrixF two(2, 2);
  two << 0, 2, 2, 0;  // mean (1, 1), exactly representable
  const PcaModel model = fit_pca(two, PcaOptions{});
  Eigen::VectorXf at_mean(2);
  at_mean << 1, 1;
  const ReconstructionSeries zero = reconstruction_series(model, at_mean, 2.0);
  CHECK(zero.distortion(0) == 0.0);
  CHECK(zero.psnr(0) == std::numeric_limits<double>::infinity());

  const ReconstructionSeries first = reconstruction_series(model, two.row(0).transpose(), 2.0);
  CHECK(first.distortion(0) == Approx(2.0));
  CHECK(first.psnr(0) == Approx(10 * std::log10(4.0 / 1.0)));
  CHECK(first.distortion(1) == Approx(0.0).margin(1e-24));

  // data_range 0 with a non-zero error (x from elsewhere): 10·log10(1 / mse), finite.
  const ReconstructionSeries unit = reconstruction_series(model, two.row(0).transpose(), 0.0);
  CHECK(unit.psnr(0) == Approx(10 * std::log10(1.0 / 1.0)));
  CHECK(unit.psnr.head(1).allFinite());

  // A huge range over a tiny error still gives a finite PSNR (range² / mse would overflow).
  Eigen::VectorXf near(2);
  near << 1, 1 + 1e-7f;
  const ReconstructionSeries fine = reconstruction_series(model, near, 1e300, 0);
  CHECK(std::isfinite(fine.psnr(0)));

  // Every image the same: everything is exactly zero, PSNR +inf, no NaN anywhere.
  const Case c = load_case("constant_20x16");
  const PcaModel flat = fit_pca(c.data, PcaOptions{});
  const ReconstructionSeries series = reconstruction_series(flat, sample(c, 3), data_range(c));
  CHECK(data_range(c) == 0.0);
  CHECK(series.distortion.cwiseAbs().maxCoeff() == 0.0);
  CHECK(series.loadings.cwiseAbs().maxCoeff() == 0.0);
  CHECK(series.cumulative_explained_variance_ratio.cwiseAbs().maxCoeff() == 0.0);
  CHECK((series.psnr.array() == std::numeric_limits<double>::infinity()).all());
  ReconstructionWalk walk(flat, sample(c, 3));
  walk.advance_to(flat.n_components());
  CHECK(walk.reconstruction().allFinite());
  CHECK(walk.residual().cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("reconstruction errors name the offending value", "[reconstruction][errors]") {
  const Case c = load_case("random_200x64");
  PcaOptions options;
  options.n_components = 10;
  const PcaModel model = fit_pca(c.data, options);
  const Eigen::VectorXf x = sample(c, 0);
  const Eigen::VectorXf short_x = Eigen::VectorXf::Zero(63);
  REQUIRE_THROWS_AS(reconstruction_series(model, short_x, 1.0), Error);
  REQUIRE_THROWS_WITH(reconstruction_series(model, short_x, 1.0),
                      "this sample has 63 values, but the model has 64 per image");
  REQUIRE_THROWS_WITH(ReconstructionWalk(model, short_x),
                      "this sample has 63 values, but the model has 64 per image");
  Eigen::VectorXf nan_x = x;
  nan_x(9) = std::numeric_limits<float>::quiet_NaN();
  REQUIRE_THROWS_WITH(reconstruction_series(model, nan_x, 1.0),
                      "this sample has a non-finite value (NaN) at pixel 9");
  REQUIRE_THROWS_WITH(reconstruction_series(model, x, -1.0),
                      "the data range must be a finite number of 0 or more; got -1");
  REQUIRE_THROWS_WITH(reconstruction_series(model, x, 1.0, 11),
                      "cannot show 11 components: the model has 10 (0 = all of them)");
  REQUIRE_THROWS_WITH(reconstruction_series(model, x, 1.0, -1),
                      "cannot show -1 components: the model has 10 (0 = all of them)");
  const Eigen::VectorXd loadings = Eigen::VectorXd::Zero(3);
  REQUIRE_THROWS_WITH(reconstruct(model, loadings, 4),
                      "cannot reconstruct with 4 components from 3 loadings");
  REQUIRE_THROWS_WITH(reconstruct(model, loadings, 11),
                      "cannot reconstruct with 11 components: the model has 10");
  CHECK(reconstruct(model, loadings, 0) == model.mean);
  REQUIRE_THROWS_WITH(reconstruction_series(PcaModel{}, Eigen::VectorXf(), 1.0),
                      "the model is empty: fit PCA before reconstructing");
}
