// "Bring your own basis": bases made by scikit-learn (IncrementalPCA, PCA; fixtures written by
// tests/fixtures/npz_cases.py, each archive's members extracted as .npy files) give the
// reconstructions scikit-learn's inverse_transform gives, without a fit; bad bases are refused
// with messages naming the values, and leave the loaded stack and model as they were.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "basis.h"
#include "error.h"
#include "error_of.h"
#include "explorer.h"
#include "npy_reader.h"

using Catch::Matchers::Contains;
using namespace pcarecon;
using Bytes = std::vector<uint8_t>;

namespace {

std::string fixture(const std::string& relative) {
  return std::string(PCARECON_FIXTURES_DIR) + "/npz/" + relative;
}

Bytes slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A little-endian float64 .npy (format 1.0) of the given shape text, e.g. "(3,)" or "(2, 4)".
Bytes npy_f8(const std::vector<double>& values, const std::string& shape, bool fortran = false) {
  std::string dict =
      "{'descr': '<f8', 'fortran_order': " + std::string(fortran ? "True" : "False") +
      ", 'shape': " + shape + ", }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  Bytes out = {
      0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(dict.size() & 0xff), uint8_t(dict.size() >> 8)};
  out.insert(out.end(), dict.begin(), dict.end());
  const size_t start = out.size();
  out.resize(start + values.size() * 8);
  if (!values.empty()) std::memcpy(out.data() + start, values.data(), values.size() * 8);
  return out;
}

// Loads <dir>/images.npy into the explorer and stages the named basis arrays from <dir>.
void begin_with_images(Explorer& ex, const std::string& dir, const std::string& images = "images") {
  const Bytes bytes = slurp(fixture(dir + "/" + images + ".npy"));
  ex.begin_file();
  ex.feed(bytes.data(), bytes.size());
}

void stage(Explorer& ex, const std::string& dir, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const Bytes bytes = slurp(fixture(dir + "/" + name + ".npy"));
    ex.set_basis_array(name, bytes.data(), bytes.size());
  }
}

}  // namespace

TEST_CASE("a basis from scikit-learn reconstructs as scikit-learn does, without a fit", "[basis]") {
  struct Case {
    const char* dir;
    std::initializer_list<const char*> arrays;
    int64_t k;
    bool variance_from_file;
  };
  for (const Case& c : {Case{"basis_ipca", {"components", "mean", "explained_variance"}, 10, true},
                        Case{"basis_pca", {"components", "mean"}, 12, false}}) {
    SECTION(c.dir) {
      Explorer ex;
      begin_with_images(ex, c.dir);
      stage(ex, c.dir, c.arrays);
      ex.finish_file_with_basis();
      CHECK(ex.fit_count() == 0);
      REQUIRE(ex.has_model());
      REQUIRE(ex.basis_source().has_value());
      CHECK(ex.basis_source()->variance_from_file == c.variance_from_file);
      CHECK(ex.model().n_components() == c.k);
      CHECK(ex.model().dim() == 63);

      // scikit-learn's reconstructions (N×D float64), read as rows of 63 values.
      const Bytes ref_bytes = slurp(fixture(std::string("recon_") + c.dir + ".npy"));
      const RowMatrixF reference = read_npy_matrix(ref_bytes.data(), ref_bytes.size(), "reference");
      REQUIRE(reference.rows() == 40);
      REQUIRE(reference.cols() == 63);
      const ImageStack& images = ex.images();
      const double range = double(images.value_max) - double(images.value_min);
      double worst = 0;
      for (int64_t i = 0; i < 40; ++i) {
        const Eigen::VectorXd mine = ex.reconstruction(i, c.k);
        worst = std::max(
            worst, (mine - reference.row(i).transpose().cast<double>()).cwiseAbs().maxCoeff());
      }
      CHECK(worst <= 1e-4 * range);

      // The variances: from the file, or estimated from the images the PCA was fitted on, which
      // gives scikit-learn's own explained_variance_ and explained_variance_ratio_ back.
      const std::string prefix = c.variance_from_file ? "ipca" : "pca";
      const Bytes ev_bytes = slurp(fixture(prefix + "_explained_variance.npy"));
      const RowMatrixF ev = read_npy_matrix(ev_bytes.data(), ev_bytes.size(), "ev");
      for (int64_t j = 0; j < c.k; ++j)
        CHECK(ex.model().explained_variance[j] == Approx(ev(0, j)).epsilon(1e-4));
      if (!c.variance_from_file) {
        const Bytes ratio_bytes = slurp(fixture("pca_explained_variance_ratio.npy"));
        const RowMatrixF ratio = read_npy_matrix(ratio_bytes.data(), ratio_bytes.size(), "ratio");
        for (int64_t j = 0; j < c.k; ++j)
          CHECK(ex.model().explained_variance_ratio[j] == Approx(ratio(0, j)).epsilon(1e-4));
      }

      // The figure works from the basis as from a fit.
      FigureOptions options;
      options.sample_index = 3;
      const nlohmann::json figure = ex.figure(options);
      CHECK(figure["frames"].size() == size_t(c.k + 1));
      CHECK(ex.fit_count() == 0);
    }
  }
}

TEST_CASE("a Spark-style basis keeps its explained variance ratio", "[basis]") {
  Explorer ex;
  begin_with_images(ex, "basis_spark");
  stage(ex, "basis_spark", {"components", "mean", "explained_variance_ratio"});
  ex.finish_file_with_basis();
  REQUIRE(ex.basis_source().has_value());
  CHECK(ex.basis_source()->ratio_from_file);
  CHECK_FALSE(ex.basis_source()->variance_from_file);
  const Bytes ratio_bytes = slurp(fixture("pca_explained_variance_ratio.npy"));
  const RowMatrixF ratio = read_npy_matrix(ratio_bytes.data(), ratio_bytes.size(), "ratio");
  for (int64_t j = 0; j < 5; ++j)
    CHECK(ex.model().explained_variance_ratio[j] == Approx(ratio(0, j)).epsilon(1e-6));
  CHECK(ex.fit_count() == 0);
}

TEST_CASE("a bad basis is refused with its values and changes nothing", "[basis]") {
  // A stack loaded and fitted first: it and its model must survive every bad basis.
  Explorer ex;
  {
    const Bytes other = slurp(fixture("basis_ipca/images.npy"));
    ex.begin_file();
    ex.feed(other.data(), other.size());
    ex.finish_file();
    ex.fit(5);
  }
  const auto refused = [&](const std::string& dir, std::initializer_list<const char*> names) {
    return error_of([&] {
      begin_with_images(ex, dir);
      stage(ex, dir, names);
      ex.finish_file_with_basis();
    });
  };
  const auto unchanged = [&] {
    CHECK(ex.has_model());
    CHECK(ex.model().n_components() == 5);
    CHECK_FALSE(ex.basis_source().has_value());
    CHECK(ex.fit_count() == 1);
    CHECK_FALSE(ex.reading());
  };

  CHECK(refused("basis_wrong_d", {"components", "mean"}) ==
        "the basis does not fit these images: its components have 64 values each (shape (4, 64)), "
        "the images have 9×7 = 63 pixels");
  unchanged();
  CHECK_THAT(refused("basis_transposed", {"components", "mean"}),
             Contains("its components have 5 values each (shape (63, 5))") &&
                 Contains("look transposed (D×K)") && Contains("pc.toArray().T"));
  unchanged();
  CHECK_THAT(refused("basis_not_orthonormal", {"components", "mean"}),
             Contains("the basis' components are not orthonormal: component ") &&
                 Contains(" has length² 4 instead of 1 (the largest deviation of VVᵀ from the "
                          "identity is 3,") &&
                 Contains("tolerance 0.001"));
  unchanged();
  CHECK(refused("basis_pca", {"components"}) ==
        "a basis needs both 'components' (K×D) and 'mean' (D); this one has no 'mean'");
  unchanged();

  // Hand-made arrays: a 2-component basis of 63 pixels (unit vectors e0, e1).
  std::vector<double> e(2 * 63, 0.0);
  e[0] = 1;
  e[63 + 1] = 1;
  const auto with = [&](const Bytes& components, const Bytes& mean, const Bytes* ev,
                        const Bytes* ratio) {
    return error_of([&] {
      begin_with_images(ex, "basis_pca");
      ex.set_basis_array("components", components.data(), components.size());
      ex.set_basis_array("mean", mean.data(), mean.size());
      if (ev) ex.set_basis_array("explained_variance", ev->data(), ev->size());
      if (ratio) ex.set_basis_array("explained_variance_ratio", ratio->data(), ratio->size());
      ex.finish_file_with_basis();
    });
  };
  const Bytes components = npy_f8(e, "(2, 63)");
  const Bytes mean = npy_f8(std::vector<double>(63, 1.0), "(63,)");
  CHECK(with(components, npy_f8(std::vector<double>(62, 1.0), "(62,)"), nullptr, nullptr) ==
        "the basis' mean must hold 63 values (one per pixel, 9×7 = 63 pixels), got an array of "
        "shape (62,)");
  std::vector<double> nan_mean(63, 1.0);
  nan_mean[17] = std::nan("");
  CHECK(with(components, npy_f8(nan_mean, "(63,)"), nullptr, nullptr) ==
        "the basis' mean has 1 NaN or infinite value (the first at index 17)");
  const Bytes negative = npy_f8({2.0, -0.5}, "(2,)");
  CHECK(with(components, mean, &negative, nullptr) ==
        "the basis' explained_variance must not be negative: value -0.5 at index 1");
  const Bytes one = npy_f8({2.0}, "(1,)");
  CHECK(with(components, mean, &one, nullptr) ==
        "the basis' explained_variance must hold 2 values (one per component, K = 2), got an "
        "array of shape (1,)");
  const Bytes too_many = npy_f8(std::vector<double>(64, 1.0), "(64,)");
  CHECK(with(components, mean, &too_many, nullptr) ==
        "the basis' explained_variance must hold 63 values (one per eigenvalue, at most one per "
        "pixel), got an array of shape (64,)");
  const Bytes big_ratio = npy_f8({0.5, 1.5}, "(2,)");
  CHECK(with(components, mean, nullptr, &big_ratio) ==
        "the basis' explained_variance_ratio must be between 0 and 1: value 1.5 at index 1");
  CHECK(with(npy_f8({}, "(0, 63)"), mean, nullptr, nullptr) ==
        "the basis has no components: shape (0, 63)");
  CHECK_THAT(with(npy_f8(std::vector<double>(63 * 64, 0.0), "(64, 63)"), mean, nullptr, nullptr),
             Contains("the basis has 64 components of 63 values: at most 63 can be orthonormal"));
  CHECK_THAT(with(npy_f8(std::vector<double>(2 * 63, 0.0), "(2, 63, 1)"), mean, nullptr, nullptr),
             Contains("the basis' components must be a 1-D or 2-D array, got shape (2, 63, 1)"));
  unchanged();

  // And a good one right after: accepted, no fit.
  CHECK(with(components, mean, nullptr, nullptr) == "(no error)");
  CHECK(ex.basis_source().has_value());
  CHECK(ex.model().n_components() == 2);
  CHECK(ex.fit_count() == 1);
  // A fit replaces the basis' model and says so.
  ex.fit(3);
  CHECK_FALSE(ex.basis_source().has_value());
}

TEST_CASE("staged basis arrays are dropped with the file", "[basis]") {
  Explorer ex;
  CHECK_THAT(error_of([&] {
               const Bytes mean = npy_f8({1.0}, "(1,)");
               ex.set_basis_array("mean", mean.data(), mean.size());
             }),
             Contains("no file is being read"));
  begin_with_images(ex, "basis_pca");
  stage(ex, "basis_pca", {"components", "mean"});
  ex.cancel_file();
  begin_with_images(ex, "basis_pca");
  CHECK(error_of([&] { ex.finish_file_with_basis(); }) ==
        "a basis needs both 'components' (K×D) and 'mean' (D); this one has neither");
  CHECK_FALSE(ex.has_images());
  CHECK_THAT(error_of([&] {
               begin_with_images(ex, "basis_pca");
               const Bytes x = npy_f8({1.0}, "(1,)");
               ex.set_basis_array("images", x.data(), x.size());
             }),
             Contains("'images' is not an array of a basis"));
}

TEST_CASE("read_npy_matrix reads 1-D and 2-D arrays in either order", "[basis]") {
  const std::vector<double> c_order = {1, 2, 3, 4, 5, 6};  // (2, 3) row-major
  const std::vector<double> f_order = {1, 4, 2, 5, 3, 6};  // the same matrix, column-major
  const Bytes c = npy_f8(c_order, "(2, 3)");
  const Bytes f = npy_f8(f_order, "(2, 3)", true);
  const RowMatrixF a = read_npy_matrix(c.data(), c.size(), "a");
  const RowMatrixF b = read_npy_matrix(f.data(), f.size(), "b");
  CHECK(a == b);
  CHECK(a(1, 0) == 4.f);
  const Bytes v = npy_f8({7, 8, 9}, "(3,)");
  const RowMatrixF row = read_npy_matrix(v.data(), v.size(), "v");
  CHECK(row.rows() == 1);
  CHECK(row(0, 2) == 9.f);
  Bytes cut = c;
  cut.resize(cut.size() - 8);
  CHECK(error_of([&] { read_npy_matrix(cut.data(), cut.size(), "the basis' mean"); }) ==
        "the basis' mean: file is truncated: expected 48 data bytes, found 40");
  const Bytes huge = npy_f8({1e300}, "(1,)");
  CHECK(error_of([&] { read_npy_matrix(huge.data(), huge.size(), "x"); }) ==
        "x has 1 value too large for float32 (beyond 3.4e38)");
}

TEST_CASE("variances from the file larger than the images' own still give shares", "[basis]") {
  // The images may be a small sample: the file's variances can exceed the images' total variance.
  std::vector<double> e(2 * 63, 0.0);
  e[0] = 1;
  e[63 + 1] = 1;
  const Bytes components = npy_f8(e, "(2, 63)");
  const Bytes mean = npy_f8(std::vector<double>(63, 10.0), "(63,)");
  const Bytes ev = npy_f8({3e6, 1e6}, "(2,)");
  Explorer ex;
  begin_with_images(ex, "basis_pca");
  ex.set_basis_array("components", components.data(), components.size());
  ex.set_basis_array("mean", mean.data(), mean.size());
  ex.set_basis_array("explained_variance", ev.data(), ev.size());
  ex.finish_file_with_basis();
  const PcaModel& m = ex.model();
  CHECK(m.total_variance == Approx(4e6));
  CHECK(m.explained_variance_ratio[0] == Approx(0.75));
  CHECK(m.explained_variance_ratio[1] == Approx(0.25));
  CHECK(m.explained_variance[0] == 3e6);
}

TEST_CASE("explained_variance with every eigenvalue: the components' first, all kept for the chart",
          "[basis]") {
  std::vector<double> e(2 * 63, 0.0);
  e[0] = 1;
  e[63 + 1] = 1;
  const Bytes components = npy_f8(e, "(2, 63)");
  const Bytes mean = npy_f8(std::vector<double>(63, 10.0), "(63,)");
  const Bytes all = npy_f8({3e6, 1e6, 5e5, 5e5}, "(4,)");
  Explorer ex;
  begin_with_images(ex, "basis_pca");
  ex.set_basis_array("components", components.data(), components.size());
  ex.set_basis_array("mean", mean.data(), mean.size());
  ex.set_basis_array("explained_variance", all.data(), all.size());
  ex.finish_file_with_basis();
  const PcaModel& m = ex.model();
  REQUIRE(m.n_components() == 2);
  CHECK(m.explained_variance.size() == 2);
  CHECK(m.explained_variance[1] == 1e6);
  REQUIRE(m.spectrum.size() == 4);
  CHECK(m.spectrum[3] == 5e5);
  CHECK(m.total_variance == Approx(5e6));  // at least what every eigenvalue explains
  CHECK(m.explained_variance_ratio[0] == Approx(0.6));
}
