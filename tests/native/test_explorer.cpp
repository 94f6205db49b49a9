// The page's state: files streamed in chunks, a bad file never replacing the loaded stack, fits
// counted so that changing the sample is seen not to refit.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "error.h"
#include "error_of.h"
#include "explorer.h"
#include "npy_test_support.h"

using nlohmann::json;
using namespace pcarecon;

namespace {

// A float32 (or `descr`) C-order .npy of shape (n, h, w).
std::vector<uint8_t> npy_bytes_shaped(const std::vector<float>& values, const std::string& shape,
                                      const std::string& descr = "<f4") {
  return npy_test::c_order_npy(descr, shape, values.data(), values.size() * 4);
}

std::vector<uint8_t> npy_bytes(const std::vector<float>& values, int64_t n, int64_t h, int64_t w,
                               const std::string& descr = "<f4") {
  return npy_bytes_shaped(
      values, "(" + std::to_string(n) + ", " + std::to_string(h) + ", " + std::to_string(w) + ")",
      descr);
}

std::vector<float> random_values(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(0.f, 1.f);
  std::vector<float> v(count);
  for (float& x : v) x = uniform(rng);
  return v;
}

void load(Explorer& explorer, const std::vector<uint8_t>& bytes, size_t chunk) {
  explorer.begin_file();
  for (size_t i = 0; i < bytes.size(); i += chunk)
    explorer.feed(bytes.data() + i, std::min(chunk, bytes.size() - i));
  explorer.finish_file();
}

}  // namespace

TEST_CASE("a file fed in chunks of any size loads the same stack", "[explorer]") {
  const std::vector<float> values = random_values(12 * 4 * 5, 1);
  const std::vector<uint8_t> bytes = npy_bytes(values, 12, 4, 5);
  for (const size_t chunk : {size_t(1), size_t(7), size_t(64), size_t(100000)}) {
    Explorer explorer;
    explorer.begin_file();
    CHECK_FALSE(explorer.pending_info().has_value());
    for (size_t i = 0; i < bytes.size(); i += chunk)
      explorer.feed(bytes.data() + i, std::min(chunk, bytes.size() - i));
    REQUIRE(explorer.pending_info().has_value());
    CHECK(explorer.pending_info()->samples == 12);
    CHECK(explorer.rows_read() == 12);
    CHECK_FALSE(explorer.has_images());
    explorer.finish_file();
    CHECK(explorer.rows_read() == 0);
    REQUIRE(explorer.has_images());
    const StackInfo info = explorer.info();
    CHECK(info.samples == 12);
    CHECK(info.image.height == 4);
    CHECK(info.image.width == 5);
    CHECK(info.header.descr == "<f4");
    CHECK(info.value_min == *std::min_element(values.begin(), values.end()));
    CHECK(info.value_max == *std::max_element(values.begin(), values.end()));
    const ImageStack& stack = explorer.images();
    for (size_t i = 0; i < values.size(); ++i) CHECK(stack.rows.data()[i] == values[i]);
    const Eigen::VectorXf image = explorer.image(3);
    for (int64_t p = 0; p < 20; ++p) CHECK(image[p] == values[size_t(3 * 20 + p)]);
  }
}

TEST_CASE("a bad file does not replace the loaded stack or its model", "[explorer]") {
  const std::vector<float> first = random_values(10 * 3 * 3, 2);
  Explorer explorer;
  load(explorer, npy_bytes(first, 10, 3, 3), 50);
  explorer.fit(3);
  REQUIRE(explorer.has_model());

  SECTION("truncated") {
    const std::vector<uint8_t> other = npy_bytes(random_values(20 * 4 * 4, 3), 20, 4, 4);
    explorer.begin_file();
    explorer.feed(other.data(), other.size() - 10);
    CHECK(error_of([&] { explorer.finish_file(); }).find("truncated") != std::string::npos);
  }
  SECTION("unsupported dtype, refused as soon as the header arrives") {
    std::vector<float> doubled(2 * 2 * 2 * 2);  // bytes of a complex64 (2, 2, 2) array
    const std::vector<uint8_t> bytes = npy_bytes(doubled, 2, 2, 2, "<c8");
    explorer.begin_file();
    CHECK(error_of([&] { explorer.feed(bytes.data(), bytes.size()); }).find("complex") !=
          std::string::npos);
    // The failed file is gone: it must be started again.
    CHECK(error_of([&] { explorer.feed(bytes.data(), 1); }).find("no file is being read") == 0);
    CHECK(error_of([&] { explorer.finish_file(); }).find("no file is being read") == 0);
  }
  SECTION("cancelled") {
    const std::vector<uint8_t> other = npy_bytes(random_values(20 * 4 * 4, 3), 20, 4, 4);
    explorer.begin_file();
    explorer.feed(other.data(), 200);
    explorer.cancel_file();
    CHECK_FALSE(explorer.reading());
  }
  CHECK(explorer.info().samples == 10);
  CHECK(explorer.info().image.height == 3);
  CHECK(explorer.images().rows(0, 0) == first[0]);
  CHECK(explorer.has_model());
  CHECK(explorer.model().n_components() == 3);
  CHECK(explorer.fit_count() == 1);
  CHECK(explorer.figure(FigureOptions{}).at("frames").size() == 4);
}

TEST_CASE("a new file replaces the stack and drops the model", "[explorer]") {
  Explorer explorer;
  load(explorer, npy_bytes(random_values(10 * 3 * 3, 4), 10, 3, 3), 1000);
  explorer.fit(2);
  load(explorer, npy_bytes(random_values(8 * 2 * 2, 5), 8, 2, 2), 1000);
  CHECK(explorer.info().samples == 8);
  CHECK_FALSE(explorer.has_model());
  CHECK(error_of([&] { explorer.figure(FigureOptions{}); }).find("no model is fitted") == 0);
  CHECK(error_of([&] { explorer.model(); }).find("no model is fitted") == 0);
}

TEST_CASE("the fit counter proves that a new sample does not refit", "[explorer]") {
  Explorer explorer;
  CHECK(error_of([&] { explorer.fit(1); }).find("no images are loaded") == 0);
  CHECK(explorer.fit_count() == 0);
  load(explorer, npy_bytes(random_values(15 * 4 * 4, 6), 15, 4, 4), 333);
  explorer.fit(5);
  CHECK(explorer.fit_count() == 1);
  for (int64_t i = 0; i < 15; i += 4) {
    FigureOptions options;
    options.sample_index = i;
    options.step = 2;
    const json figure = explorer.figure(options);
    CHECK(figure.at("frames").back().at("name") == "5");
  }
  CHECK(explorer.fit_count() == 1);
  explorer.fit(0);  // all: min(N, D) = 15
  CHECK(explorer.fit_count() == 2);
  CHECK(explorer.model().n_components() == 15);
  CHECK(error_of([&] { explorer.fit(-1); }).find("number of components must be 0") == 0);
  CHECK(explorer.fit_count() == 2);
  CHECK(explorer.model().n_components() == 15);  // a refused fit keeps the model
}

// The Explorer keeps its model's components as float32 rows for its figures (frame_values.h):
// they must follow every new model, or a figure would read another model's components (or past
// the end of fewer of them).
TEST_CASE("the figures follow every new model, as figures built without kept rows", "[explorer]") {
  Explorer explorer;
  const auto same_as_built = [&](int64_t sample, int64_t k, bool first_frame_only = false) {
    FigureOptions options;
    options.sample_index = sample;
    options.n_components = k;
    options.first_frame_only = first_frame_only;
    const json kept = explorer.figure(options);
    CHECK(kept == build_figure(explorer.images(), explorer.model(), options));
    const FigureParts parts = explorer.figure_parts(options);
    const FigureParts built = build_figure_parts(explorer.images(), explorer.model(), options);
    CHECK(parts.figure == built.figure);
    CHECK(parts.images == built.images);
  };
  load(explorer, npy_bytes(random_values(15 * 4 * 4, 9), 15, 4, 4), 333);
  explorer.fit(3);
  same_as_built(2, 3);
  explorer.fit(9);  // more components than the rows kept for the first model
  same_as_built(4, 9);
  // First parts (the first frame alone) of the sample walked last come from what the Explorer
  // kept of its walk (to K + 1), within it; others are walked.
  same_as_built(4, 6);
  for (const int64_t k : {5, 7, 4, 8, 9, 1}) same_as_built(4, k, true);
  same_as_built(5, 6, true);
  same_as_built(4, 2, true);  // sample 4's walk still kept after sample 5's
  for (int64_t sample = 0; sample < 12; ++sample) same_as_built(sample, 3, true);
  for (int64_t sample = 0; sample < 12; ++sample) same_as_built(sample, 2, true);
  load(explorer, npy_bytes(random_values(12 * 5 * 3, 10), 12, 5, 3), 333);  // another D
  explorer.fit(0);
  same_as_built(11, 12);
}

TEST_CASE("per-sample views: reconstruction, distortion, components", "[explorer]") {
  Explorer explorer;
  const std::vector<float> values = random_values(9 * 2 * 3, 7);
  load(explorer, npy_bytes(values, 9, 2, 3), 17);
  explorer.fit(0);  // K = min(9, 6) = 6: the full reconstruction is exact
  const int64_t K = explorer.model().n_components();
  REQUIRE(K == 6);
  const Eigen::VectorXd full = explorer.reconstruction(4, K);
  for (int64_t p = 0; p < 6; ++p) CHECK(full[p] == Approx(values[size_t(4 * 6 + p)]).margin(1e-5));
  const Eigen::VectorXd zero = explorer.reconstruction(4, 0);
  for (int64_t p = 0; p < 6; ++p) CHECK(zero[p] == Approx(explorer.model().mean[p]));
  const ReconstructionSeries s = explorer.series(4);
  CHECK(s.distortion.size() == K + 1);
  CHECK(s.distortion[K] == Approx(0).margin(1e-9));
  CHECK(explorer.component(0).norm() == Approx(1));

  CHECK(error_of([&] { explorer.reconstruction(9, 1); }) ==
        "sample index 9 is out of range: the file has 9 samples (0 to 8)");
  CHECK(error_of([&] { explorer.reconstruction(0, 7); }).find("k = 7 is out of range") == 0);
  CHECK(error_of([&] { explorer.component(6); }).find("component 6 is out of range") == 0);
  CHECK(error_of([&] { explorer.image(-1); }).find("sample index -1 is out of range") == 0);
}

TEST_CASE("an image size hint shapes (N, D) files", "[explorer]") {
  // (N, D) = (5, 6) is not square: read as 2×3 images with the hint.
  const std::vector<float> values = random_values(5 * 6, 8);
  const std::vector<uint8_t> bytes = npy_bytes_shaped(values, "(5, 6)");
  Explorer explorer;
  explorer.begin_file(ImageShape{2, 3});
  explorer.feed(bytes.data(), bytes.size());
  explorer.finish_file();
  CHECK(explorer.info().image.height == 2);
  CHECK(explorer.info().image.width == 3);
  CHECK(error_of([&] {
          explorer.begin_file(ImageShape{0, 3});
        }).find("image size 0x3 is not valid") == 0);
}

TEST_CASE("the JSON of a header and of a model", "[explorer]") {
  Explorer explorer;
  load(explorer, npy_bytes(random_values(6 * 2 * 2, 9), 6, 2, 2), 64);
  const json header = npy_header_json(explorer.header());
  CHECK(header ==
        json{{"shape", {6, 2, 2}}, {"dtype", "<f4"}, {"fortran_order", false}, {"version", "1.0"}});
  explorer.fit(3);
  const json model = pca_model_json(explorer.model());
  CHECK(model.at("components").size() == 3);
  CHECK(model.at("components").at(0).size() == 4);
  CHECK(model.at("mean").size() == 4);
  for (const char* key : {"explained_variance", "explained_variance_ratio", "singular_values"})
    CHECK(model.at(key).size() == 3);
}

TEST_CASE("a fit split over two accumulators: the pending half is kept by the Explorer",
          "[explorer]") {
  const int64_t n = 120, h = 3, w = 4, d = h * w;
  const std::vector<uint8_t> bytes = npy_bytes(random_values(n * d, 10), n, h, w);
  Explorer plain, split;
  load(plain, bytes, 4096);
  load(split, bytes, 4096);
  plain.fit(0);

  const auto theirs = split.rows(70, 50);  // what the other worker is given
  CHECK(theirs.rows() == 50);
  CHECK(theirs == split.images().rows.bottomRows(50));
  CovarianceAccumulator other(d);
  other.add(theirs);
  CHECK(error_of([&] { split.partial_fit_dim(); }) ==
        "no partial covariance: call accumulateRows first");
  CHECK(error_of([&] { split.fit_with(0, other.state()); }) ==
        "no partial covariance: call accumulateRows first");
  split.accumulate_rows(0, 70);
  CHECK(split.partial_fit_dim() == d);
  split.fit_with(0, other.state());
  CHECK(split.fit_count() == 1);
  const PcaModel& a = plain.model();
  const PcaModel& b = split.model();
  REQUIRE(b.n_components() == a.n_components());
  for (int64_t i = 0; i < d; ++i)
    CHECK(b.explained_variance[i] ==
          Approx(a.explained_variance[i]).margin(1e-9 * a.explained_variance[0]));
  CHECK((b.mean - a.mean).cwiseAbs().maxCoeff() < 1e-9);
  // fit_with consumed the pending half.
  CHECK(error_of([&] { split.fit_with(0, other.state()); }) ==
        "no partial covariance: call accumulateRows first");

  // Ranges are checked here, with the message the page shows.
  CHECK(error_of([&] { split.rows(90, 31); }) ==
        "rows 90 to 121 are not a range of the 120 samples");
  CHECK(error_of([&] { split.rows(-1, 2); }) == "rows -1 to 1 are not a range of the 120 samples");
  CHECK(split.rows(120, 0).rows() == 0);
  CHECK(error_of([&] { split.accumulate_rows(10, 5); }) ==
        "rows 10 to 5 are not a range of the 120 samples");
  CHECK(error_of([&] { split.accumulate_rows(0, 121); }) ==
        "rows 0 to 121 are not a range of the 120 samples");
  // Rows missing from the merged halves: the fit says how many it holds.
  split.accumulate_rows(0, 60);
  CHECK(error_of([&] { split.fit_with(0, other.state()); }) ==
        "the covariance holds 110 rows of 12 values; the images are 120 rows of 12");
  // A new stack drops a pending half.
  split.accumulate_rows(0, 70);
  load(split, bytes, 4096);
  CHECK(error_of([&] { split.partial_fit_dim(); }) ==
        "no partial covariance: call accumulateRows first");
}

TEST_CASE("fit_npy_json fits any (N, D) file, square or not, as `pcarecon fit` prints it",
          "[explorer]") {
  const std::vector<uint8_t> bytes = npy_bytes_shaped(random_values(8 * 6, 11), "(8, 6)");
  const json model = fit_npy_json(bytes.data(), bytes.size(), 2);
  CHECK(model.at("n_components") == 2);
  CHECK(model.at("dim") == 6);
  CHECK(model.at("n_samples") == 8);
  CHECK(error_of([&] { fit_npy_json(bytes.data(), bytes.size(), -1); }) ==
        "number of components must be 0 (all) or at least 1 (got -1)");
}
