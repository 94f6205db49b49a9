// Dataset-wide views against scikit-learn (tests/fixtures/dataset_stats_cases.py): the k reaching
// 90/95/99 % of the variance, every row's distortion at k, their mean for k = 0..30, the worst
// rows, and reconstructions from a component range. Tolerances: distortions 1e-6 relative to the
// row's ‖x − mean‖² (our fit is float32 data summed in double), reconstructions 1e-3 grey levels.

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "dataset_stats.h"
#include "error.h"
#include "error_of.h"
#include "pca.h"
#include "reconstruction.h"

using namespace pcarecon;

namespace {

const std::string kDir = std::string(PCARECON_FIXTURES_DIR) + "/dataset_stats/";

struct Fixture {
  RowMatrixF rows;
  nlohmann::json expected;
  PcaModel model;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture out;
    std::ifstream json_in(kDir + "expected.json");
    if (!json_in) FAIL("cannot open " << kDir << "expected.json: run make_fixtures.py first");
    out.expected = nlohmann::json::parse(json_in);
    out.rows.resize(out.expected.at("rows").get<int64_t>(), out.expected.at("cols").get<int64_t>());
    std::ifstream in(kDir + "faces.f32", std::ios::binary);
    in.read(reinterpret_cast<char*>(out.rows.data()),
            static_cast<std::streamsize>(out.rows.size() * sizeof(float)));
    REQUIRE(in.gcount() == static_cast<std::streamsize>(out.rows.size() * sizeof(float)));
    out.model = fit_pca(out.rows, PcaOptions{});
    return out;
  }();
  return f;
}

std::vector<double> to_vector(const nlohmann::json& j) { return j.get<std::vector<double>>(); }

}  // namespace

TEST_CASE("components_for_share: the k scikit-learn's PCA(n_components=share) keeps") {
  const Fixture& f = fixture();
  for (const auto& [share, k] : f.expected.at("shares").items()) {
    INFO("share " << share);
    const auto ours = components_for_share(f.model.explained_variance_ratio, std::stod(share));
    REQUIRE(ours.has_value());
    CHECK(*ours == k.get<int64_t>());
    // Only the first K ratios known (a top-K fit): below the answer there is none to give.
    CHECK_FALSE(
        components_for_share(f.model.explained_variance_ratio.head(*ours - 1), std::stod(share))
            .has_value());
    CHECK(components_for_share(f.model.explained_variance_ratio.head(*ours), std::stod(share)) ==
          ours);
  }
}

TEST_CASE("components_for_share: more than the share, not equal; bad shares named") {
  const Eigen::Vector4d ratio(0.5, 0.25, 0.15, 0.1);
  CHECK(components_for_share(ratio, 0.5) == 2);  // 0.5 is reached at 1 but not exceeded
  CHECK(components_for_share(ratio, 0.49) == 1);
  CHECK(components_for_share(ratio, 0.95) == 4);
  CHECK_FALSE(components_for_share(Eigen::VectorXd::Zero(3), 0.9).has_value());  // no variance
  CHECK(error_of([&] { components_for_share(ratio, 1.0); }) ==
        "a share of the variance must be between 0 and 1, exclusive (got 1)");
  CHECK(error_of([&] { components_for_share(ratio, std::nan("")); }) ==
        "a share of the variance must be between 0 and 1, exclusive (got nan)");
}

TEST_CASE("row_distortions: every row's ‖x − x̂ₖ‖² and their mean against scikit-learn") {
  const Fixture& f = fixture();
  const int64_t n = f.rows.rows();
  const Eigen::VectorXd d0 =
      (f.rows.cast<double>().rowwise() - f.model.mean.transpose()).rowwise().squaredNorm();
  for (const auto& [k_text, expected] : f.expected.at("distortions").items()) {
    const int64_t k = std::stoll(k_text);
    INFO("k = " << k);
    const RowDistortions out = row_distortions(f.rows, f.model.mean, f.model.components.topRows(k));
    REQUIRE(out.at_k.size() == n);
    REQUIRE(out.sums.size() == k + 1);
    const std::vector<double> reference = to_vector(expected);
    for (int64_t i = 0; i < n; ++i) CHECK(std::abs(out.at_k(i) - reference[i]) <= 1e-6 * d0(i));
    // The worst rows, worst first, as NumPy ranks them.
    std::vector<int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return out.at_k(a) > out.at_k(b); });
    const auto worst = f.expected.at("worst").at(k_text).get<std::vector<int64_t>>();
    CHECK(std::vector<int64_t>(order.begin(), order.begin() + 8) == worst);
  }
  const std::vector<double> mean = to_vector(f.expected.at("mean_distortion"));
  const int64_t k_mean = static_cast<int64_t>(mean.size()) - 1;
  const RowDistortions all =
      row_distortions(f.rows, f.model.mean, f.model.components.topRows(k_mean));
  for (int64_t k = 0; k <= k_mean; ++k) {
    INFO("mean at k = " << k);
    CHECK(all.sums(k) / double(n) == Approx(mean[k]).epsilon(1e-6).margin(1e-6 * mean[0]));
  }
}

TEST_CASE("row_distortions: rows split in two merge into the whole; one row is its series") {
  const Fixture& f = fixture();
  const auto components = f.model.components.topRows(12);
  const RowDistortions whole = row_distortions(f.rows, f.model.mean, components);
  const RowDistortions head = row_distortions(f.rows.topRows(100), f.model.mean, components);
  const RowDistortions tail = row_distortions(f.rows.bottomRows(200), f.model.mean, components);
  CHECK(head.at_k.isApprox(whole.at_k.head(100)));
  CHECK(tail.at_k.isApprox(whole.at_k.tail(200)));
  CHECK((head.sums + tail.sums).isApprox(whole.sums, 1e-12));
  const Eigen::VectorXf x = f.rows.row(5).transpose();
  const ReconstructionSeries series = reconstruction_series(f.model, x, 255.0, 12);
  const RowDistortions one = row_distortions(f.rows.middleRows(5, 1), f.model.mean, components);
  for (int64_t k = 0; k <= 12; ++k)
    CHECK(one.sums(k) == Approx(series.distortion(k)).margin(1e-9 * series.distortion(0)));
}

TEST_CASE("row_distortions: sizes and non-finite values are refused by name") {
  const Fixture& f = fixture();
  CHECK(error_of([&] {
          row_distortions(f.rows.leftCols(10), f.model.mean, f.model.components.topRows(2));
        }) == "the rows have 10 values, but the model has 144 per image");
  CHECK(error_of([&] {
          row_distortions(f.rows, f.model.mean, f.model.components.topLeftCorner(2, 3));
        }) == "the components have 3 values, but the mean has 144");
  RowMatrixF bad = f.rows.topRows(3);
  bad(2, 7) = std::numeric_limits<float>::infinity();
  CHECK(error_of([&] { row_distortions(bad, f.model.mean, f.model.components.topRows(2)); }) ==
        "row 2 has a non-finite value (inf) at value 7");
  CHECK(row_distortions(f.rows.topRows(0), f.model.mean, f.model.components.topRows(2))
            .sums.isZero());
}

TEST_CASE("reconstruct_range: components a..b only, against scikit-learn's loadings") {
  const Fixture& f = fixture();
  for (const auto& entry : f.expected.at("ranges")) {
    const int64_t first = entry.at("first"), last = entry.at("last"), i = entry.at("sample");
    INFO("components " << first << ".." << last << ", sample " << i);
    const Eigen::VectorXd ours = reconstruct_range(f.model, f.rows.row(i).transpose(), first, last);
    const std::vector<double> reference = to_vector(entry.at("values"));
    REQUIRE(ours.size() == static_cast<Eigen::Index>(reference.size()));
    double worst = 0;
    for (Eigen::Index j = 0; j < ours.size(); ++j)
      worst = std::max(worst, std::abs(ours(j) - reference[j]));
    CHECK(worst <= 1e-3);
  }
  // 1..k is the usual x̂ₖ.
  const Eigen::VectorXf x = f.rows.row(3).transpose();
  const ReconstructionSeries series = reconstruction_series(f.model, x, 255.0);
  CHECK(reconstruct_range(f.model, x, 1, 9).isApprox(reconstruct(f.model, series.loadings, 9)));
  CHECK(error_of([&] { reconstruct_range(f.model, x, 0, 3); }) ==
        "components 0..3 are not a range within 1..144");
  CHECK(error_of([&] { reconstruct_range(f.model, x, 5, 4); }) ==
        "components 5..4 are not a range within 1..144");
  CHECK(error_of([&] { reconstruct_range(f.model, x.head(4), 1, 2); }) ==
        "this sample has 4 values, but the model has 144 per image");
}
