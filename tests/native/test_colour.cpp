// RGB images (N, H, W, 3), written by NumPy in C and Fortran order: loaded as NumPy's
// X.reshape(N, -1) (r, g, b interleaved per pixel), fitted as scikit-learn fits those rows,
// rebuilt exactly at full rank, and shown as plotly image traces that never leave their panels.

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "error.h"
#include "explorer.h"
#include "figure_decode.h"
#include "npy_reader.h"

using figure_decode::decode_z;
using nlohmann::json;
using pcarecon::Explorer;
using pcarecon::ImageShape;

namespace {

const std::string kDir = std::string(PCARECON_FIXTURES_DIR) + "/figure/";
const char* const kCases[] = {"rgb", "rgb_fortran"};  // uint8 C order; float32 Fortran order

json reference(const std::string& name) {
  std::ifstream in(kDir + name + ".json");
  if (!in) FAIL("cannot open " << kDir << name << ".json: run tests/fixtures/make_fixtures.py");
  return json::parse(in);
}

std::vector<uint8_t> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// As the page loads a file: through the Explorer, in chunks of `chunk` bytes.
void load(Explorer& explorer, const std::string& name, size_t chunk) {
  const std::vector<uint8_t> bytes = slurp(kDir + name + ".npy");
  explorer.begin_file();
  for (size_t at = 0; at < bytes.size(); at += chunk)
    explorer.feed(bytes.data() + at, std::min(chunk, bytes.size() - at));
  explorer.finish_file();
}

Eigen::VectorXd vector_of(const json& j) {
  const auto v = j.get<std::vector<double>>();
  return Eigen::Map<const Eigen::VectorXd>(v.data(), Eigen::Index(v.size()));
}

}  // namespace

TEST_CASE("RGB stacks load as rows of H·W·3 values, C and Fortran order alike", "[colour]") {
  for (const std::string name : kCases) {
    INFO("fixture " << name);
    const json ref = reference(name);
    REQUIRE(ref.at("channels") == 3);
    Explorer explorer;
    load(explorer, name, 37);  // chunks that cut pixels and channels apart
    const pcarecon::StackInfo info = explorer.info();
    CHECK(info.samples == 40);
    CHECK(info.image.height == ref.at("image")[0].get<int64_t>());
    CHECK(info.image.width == ref.at("image")[1].get<int64_t>());
    CHECK(info.image.channels == 3);
    // The rows as float32 (the uint8 file is held as its bytes).
    const pcarecon::RowMatrixF held = explorer.rows(0, info.samples);
    CHECK(held.cols() == info.image.height * info.image.width * 3);
    // The column means are scikit-learn's mean_ of X.reshape(N, -1): any reordering of pixels or
    // channels (e.g. a Fortran file read channel-major) would move them.
    const Eigen::VectorXd mean = held.cast<double>().colwise().mean().transpose();
    CHECK((mean - vector_of(ref.at("mean"))).cwiseAbs().maxCoeff() < 1e-3);
    // Whole-file reading agrees with the streamed one.
    const pcarecon::ImageStack whole = pcarecon::read_npy_file(kDir + name + ".npy");
    CHECK(whole.image.channels == 3);
    CHECK(whole.rows == held);
  }
}

TEST_CASE("PCA of RGB rows matches scikit-learn on X.reshape(N, -1)", "[colour]") {
  for (const std::string name : kCases) {
    INFO("fixture " << name);
    const json ref = reference(name);
    const int64_t k = ref.at("n_components");
    Explorer explorer;
    load(explorer, name, 1 << 20);
    explorer.fit(k);
    const pcarecon::PcaModel& m = explorer.model();
    REQUIRE(m.n_components() == k);
    REQUIRE(m.dim() == 6 * 5 * 3);
    const Eigen::VectorXd variance = vector_of(ref.at("explained_variance"));
    for (int64_t i = 0; i < k; ++i) {
      INFO("component " << i);
      CHECK(m.explained_variance[i] ==
            Approx(variance[i]).epsilon(1e-4).margin(1e-3 * variance[0]));
      CHECK(m.explained_variance_ratio[i] ==
            Approx(ref.at("explained_variance_ratio")[size_t(i)].get<double>()).margin(1e-5));
    }
    // The leading components are well separated: they match up to sign.
    for (int64_t i = 0; i < 3; ++i) {
      const Eigen::VectorXd expected = vector_of(ref.at("components")[size_t(i)]);
      Eigen::VectorXd v = m.components.row(i).transpose();
      if (v.dot(expected) < 0) v = -v;
      CHECK((v - expected).cwiseAbs().maxCoeff() < 1e-3);
    }
    // scikit-learn's reconstructions of the reference sample.
    const int64_t sample = ref.at("sample");
    for (size_t j = 0; j < ref.at("ks").size(); ++j) {
      const int64_t kk = ref.at("ks")[j];
      INFO("k = " << kk);
      const Eigen::VectorXd expected = vector_of(ref.at("reconstructions")[j]);
      // Values are 0..255: float32 fitting leaves errors far below 0.01.
      CHECK((explorer.reconstruction(sample, kk) - expected).cwiseAbs().maxCoeff() < 1e-2);
    }
  }
}

TEST_CASE("colour reconstruction at full rank equals the original", "[colour]") {
  for (const std::string name : kCases) {
    INFO("fixture " << name);
    Explorer explorer;
    load(explorer, name, 4096);
    explorer.fit(0);  // all components: min(N, D) = 40
    const int64_t K = explorer.model().n_components();
    REQUIRE(K == 40);
    for (const int64_t sample : {int64_t{0}, int64_t{17}, int64_t{39}}) {
      const Eigen::VectorXd x = explorer.image(sample).cast<double>();
      const Eigen::VectorXd full = explorer.reconstruction(sample, K);
      INFO("sample " << sample);
      CHECK((full - x).cwiseAbs().maxCoeff() < 1e-3);  // float32 data around 128
      CHECK(explorer.series(sample).distortion[K] < 1e-5);
    }
  }
}

TEST_CASE("the colour figure: RGB image traces on their own axes in base data and every frame",
          "[colour]") {
  Explorer explorer;
  load(explorer, "rgb_fortran", 512);
  explorer.fit(0);
  const ImageShape shape = explorer.info().image;
  const pcarecon::ImageStack& images = explorer.images();
  for (const bool binary : {true, false}) {
    INFO((binary ? "typed arrays" : "plain lists"));
    pcarecon::FigureOptions options;
    options.sample_index = 7;
    options.step = 5;
    options.binary_arrays = binary;
    const json figure = explorer.figure(options);
    const json& data = figure.at("data");
    REQUIRE(data.size() == 4);
    const char* axes[3][2] = {{"x", "y"}, {"x2", "y2"}, {"x3", "y3"}};
    for (size_t i = 0; i < 3; ++i) {
      CHECK(data[i].at("type") == "image");
      CHECK(data[i].at("colormodel") == "rgb");
      CHECK(data[i].at("xaxis") == axes[i][0]);
      CHECK(data[i].at("yaxis") == axes[i][1]);
      CHECK_FALSE(data[i].contains("colorscale"));  // image traces have none
      const std::string hover = data[i].at("hovertemplate");
      CHECK(hover.find("row %{y}, column %{x}") != std::string::npos);
      CHECK(hover.find("R %{z[0]") != std::string::npos);
      CHECK(hover.find("B %{z[2]") != std::string::npos);
    }
    CHECK(data[3].at("type") == "scatter");
    // Original and reconstruction on the data range, every channel alike; the residual
    // symmetric, so mid-grey is 0.
    const double lo = images.value_min, hi = images.value_max;
    // Four entries: plotly.py 5 wants all four; plotly.js reads r, g, b (the fourth is alpha's).
    CHECK(data[0].at("zmin") == json::array({lo, lo, lo, 0}));
    CHECK(data[0].at("zmax") == json::array({hi, hi, hi, 1}));
    CHECK(data[1].at("zmin") == data[0].at("zmin"));
    CHECK(data[1].at("zmax") == data[0].at("zmax"));
    const double m = data[2].at("zmax")[0];
    CHECK(m > 0);
    CHECK(data[2].at("zmin") == json::array({-m, -m, -m, 0}));
    CHECK(data[2].at("zmax") == json::array({m, m, m, 1}));
    bool grey_said = false;
    for (const json& a : figure.at("layout").at("annotations"))
      grey_said |= a.at("text").get<std::string>().find("(grey = 0)") != std::string::npos;
    CHECK(grey_said);

    const Eigen::VectorXf x = images.rows.row(7).transpose();
    const std::vector<float> original = decode_z(data[0].at("z"), shape);
    REQUIRE(original.size() == 90);
    for (size_t i = 0; i < original.size(); ++i) CHECK(original[i] == x[Eigen::Index(i)]);

    REQUIRE(figure.at("frames").size() == 9);  // k = 0, 5, ..., 40
    for (const json& frame : figure.at("frames")) {
      const int64_t k = std::stoll(frame.at("name").get<std::string>());
      INFO("frame k = " << k);
      REQUIRE(frame.at("traces") == json::array({1, 2}));
      for (size_t j = 0; j < 2; ++j) {
        const json& trace = frame.at("data")[j];
        const json& base = data[j + 1];
        CHECK(trace.at("type") == "image");
        CHECK(trace.at("xaxis") == base.at("xaxis"));
        CHECK(trace.at("yaxis") == base.at("yaxis"));
        CHECK(trace.at("colormodel") == "rgb");
        CHECK(trace.at("zmin") == base.at("zmin"));
        CHECK(trace.at("zmax") == base.at("zmax"));
      }
      const Eigen::VectorXd expected = explorer.reconstruction(7, k);
      const std::vector<float> recon = decode_z(frame.at("data")[0].at("z"), shape);
      const std::vector<float> residual = decode_z(frame.at("data")[1].at("z"), shape);
      for (Eigen::Index i = 0; i < expected.size(); ++i) {
        CHECK(recon[size_t(i)] == Approx(expected[i]).margin(1e-3));
        CHECK(residual[size_t(i)] == Approx(double(x[i]) - expected[i]).margin(1e-3));
      }
      if (k == 40) {  // full rank: the reconstruction shown is the original
        for (size_t i = 0; i < recon.size(); ++i)
          CHECK(recon[i] == Approx(original[i]).margin(1e-3));
      }
    }
  }
}

TEST_CASE("RGBA and other channel counts are refused with the accepted shapes", "[colour]") {
  pcarecon::NpyHeader h;
  h.shape = {5, 4, 4, 4};
  CHECK_THROWS_WITH(pcarecon::image_shape_for(h),
                    Catch::Contains("drop the alpha channel (x[..., :3])") &&
                        Catch::Contains("(N, H, W, 3) for RGB"));
  h.shape = {5, 4, 4, 2};
  CHECK_THROWS_WITH(pcarecon::image_shape_for(h),
                    Catch::StartsWith("not an image stack: got a 4-D array of shape (5, 4, 4, 2)"));
  h.shape = {5, 4, 4, 3};
  const ImageShape rgb = pcarecon::image_shape_for(h);
  CHECK(rgb.channels == 3);
  CHECK(rgb.values() == 48);
  h.shape = {5, 4, 4, 1};
  CHECK(pcarecon::image_shape_for(h).channels == 1);
  // The size check counts the three channels and says so.
  Explorer explorer;
  // (Fortran order: in C order it would be streamed.)
  std::string dict = "{'descr': '|u1', 'fortran_order': True, 'shape': (20000, 256, 256, 3), }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  std::vector<uint8_t> header = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(dict.size()), 0};
  header.insert(header.end(), dict.begin(), dict.end());
  explorer.begin_file();
  CHECK_THROWS_WITH(explorer.feed(header.data(), header.size()),
                    Catch::StartsWith("too large to load: 20000 images of 256x256 RGB pixels as "
                                      "bytes, with the Fortran-order data they are reordered "
                                      "from, need 7.86 GB"));
}
