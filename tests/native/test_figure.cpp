// The plotly figure: frames never move a panel, colour ranges are fixed, the typed arrays decode
// to the reconstructions, and bad options are refused with messages that name the value.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "error.h"
#include "figure.h"
#include "figure_decode.h"
#include "pca.h"

using figure_decode::decode_z;
using figure_decode::fit;
using nlohmann::json;
using namespace pcarecon;

namespace {

ImageStack random_stack(int64_t n, int64_t h, int64_t w, unsigned seed, float offset = 0.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.f, 1.f);
  ImageStack stack;
  stack.image = {h, w};
  stack.rows.resize(n, h * w);
  // Low-rank structure plus noise, so that the first components matter.
  RowMatrixF basis(3, h * w);
  for (Eigen::Index i = 0; i < basis.size(); ++i) basis.data()[i] = uniform(rng);
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t c = 0; c < h * w; ++c) stack.rows(r, c) = offset + 0.1f * uniform(rng);
    for (int b = 0; b < 3; ++b) stack.rows.row(r) += (3.f - b) * uniform(rng) * basis.row(b);
  }
  stack.value_min = stack.rows.minCoeff();
  stack.value_max = stack.rows.maxCoeff();
  return stack;
}

// x̂ₖ computed here, independently of the reconstruction module.
Eigen::VectorXd expected_reconstruction(const PcaModel& model, const Eigen::VectorXd& x,
                                        int64_t k) {
  Eigen::VectorXd r = model.mean;
  for (int64_t i = 0; i < k; ++i) {
    const Eigen::VectorXd v = model.components.row(i).transpose();
    r += v.dot(x - model.mean) * v;
  }
  return r;
}

std::vector<std::string> frame_names(const json& figure) {
  std::vector<std::string> names;
  for (const json& frame : figure.at("frames"))
    names.push_back(frame.at("name").get<std::string>());
  return names;
}

std::vector<std::string> names_of(std::initializer_list<int> ks) {
  std::vector<std::string> names;
  for (int k : ks) names.push_back(std::to_string(k));
  return names;
}

// Every number finite; null only where plotly's animate API wants it (Play/Pause arguments).
void check_numbers(const json& j, const std::string& path) {
  if (j.is_number_float()) {
    INFO(path);
    CHECK(std::isfinite(j.get<double>()));
  } else if (j.is_null()) {
    INFO(path);
    CHECK(path.find("updatemenus") != std::string::npos);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) check_numbers(j[i], path + "[" + std::to_string(i) + "]");
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) check_numbers(it.value(), path + "." + it.key());
  }
}

std::string error_of(const ImageStack& stack, const PcaModel& model, const FigureOptions& options) {
  try {
    build_figure(stack, model, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("every frame trace keeps its base trace's type and axes", "[figure]") {
  const ImageStack stack = random_stack(30, 6, 5, 1);
  const PcaModel model = fit(stack, 8);
  FigureOptions options;
  options.sample_index = 4;
  options.step = 3;
  const json figure = build_figure(stack, model, options);

  const json& data = figure.at("data");
  REQUIRE(data.size() == 4);
  const char* axes[4][2] = {{"x", "y"}, {"x2", "y2"}, {"x3", "y3"}, {"x4", "y4"}};
  for (size_t i = 0; i < 4; ++i) {
    CHECK(data[i].at("xaxis") == axes[i][0]);
    CHECK(data[i].at("yaxis") == axes[i][1]);
  }
  for (size_t i = 0; i < 3; ++i) CHECK(data[i].at("type") == "heatmap");

  REQUIRE(!figure.at("frames").empty());
  for (const json& frame : figure.at("frames")) {
    const json& traces = frame.at("traces");
    REQUIRE(traces.size() == frame.at("data").size());
    std::set<int> seen;
    for (size_t j = 0; j < traces.size(); ++j) {
      const int index = traces[j].get<int>();
      REQUIRE(index >= 0);
      REQUIRE(index < int(data.size()));
      CHECK(seen.insert(index).second);
      const json& trace = frame.at("data")[j];
      const json& base = data[size_t(index)];
      CHECK(trace.at("type") == base.at("type"));
      CHECK(trace.at("xaxis") == base.at("xaxis"));
      CHECK(trace.at("yaxis") == base.at("yaxis"));
    }
    CHECK(seen.count(0) == 0);  // the original never changes
    for (const json& trace : frame.at("data")) CHECK(trace.at("type") == "heatmap");
  }

  // Image panels: square pixels, first row at the top; each axis anchored to its partner.
  const json& layout = figure.at("layout");
  for (const std::string suffix : {"", "2", "3"}) {
    const json& y = layout.at("yaxis" + suffix);
    CHECK(y.at("scaleanchor") == "x" + suffix);
    CHECK(y.at("autorange") == "reversed");
    CHECK(y.at("anchor") == "x" + suffix);
    CHECK(layout.at("xaxis" + suffix).at("anchor") == "y" + suffix);
  }
  CHECK(layout.at("xaxis4").at("anchor") == "y4");
  CHECK(layout.at("yaxis4").at("anchor") == "x4");
  for (size_t i = 0; i < 3; ++i)
    CHECK(data[i].at("hovertemplate").get<std::string>().find("%{z") != std::string::npos);
}

TEST_CASE("frames are named by k in order, at every step and ending at K", "[figure]") {
  const ImageStack stack = random_stack(20, 4, 4, 2);
  const PcaModel model = fit(stack, 7);
  FigureOptions options;
  options.step = 3;
  CHECK(frame_names(build_figure(stack, model, options)) == names_of({0, 3, 6, 7}));
  options.step = 7;
  CHECK(frame_names(build_figure(stack, model, options)) == names_of({0, 7}));
  options.step = 100;
  CHECK(frame_names(build_figure(stack, model, options)) == names_of({0, 7}));
  options.step = 1;
  CHECK(frame_names(build_figure(stack, model, options)) == names_of({0, 1, 2, 3, 4, 5, 6, 7}));
  options.step = 2;
  options.n_components = 4;  // fewer than fitted
  CHECK(frame_names(build_figure(stack, model, options)) == names_of({0, 2, 4}));
  options.n_components = 1;
  CHECK(frame_names(build_figure(stack, model, options)) == names_of({0, 1}));
}

TEST_CASE("slider, buttons and frame titles follow the frames", "[figure]") {
  const ImageStack stack = random_stack(20, 4, 4, 3);
  const PcaModel model = fit(stack, 5);
  FigureOptions options;
  options.step = 2;
  options.frame_duration_ms = 250;
  const json figure = build_figure(stack, model, options);
  const json& layout = figure.at("layout");
  const std::vector<std::string> names = frame_names(figure);

  const json& steps = layout.at("sliders").at(0).at("steps");
  REQUIRE(steps.size() == names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    CHECK(steps[i].at("label") == names[i]);
    CHECK(steps[i].at("method") == "animate");
    CHECK(steps[i].at("args").at(0) == json::array({names[i]}));
    const json& a = steps[i].at("args").at(1);
    CHECK(a.at("frame").at("redraw") == true);
    CHECK(a.at("frame").at("duration") == 250);
    CHECK(a.at("transition").at("duration") == 0);
    CHECK(a.at("mode") == "immediate");
  }
  const json& buttons = layout.at("updatemenus").at(0).at("buttons");
  REQUIRE(buttons.size() == 2);
  CHECK(buttons[0].at("label") == "Play");
  CHECK(buttons[0].at("args").at(0).is_null());
  CHECK(buttons[0].at("args").at(1).at("frame").at("redraw") == true);
  CHECK(buttons[1].at("label") == "Pause");
  CHECK(buttons[1].at("args").at(0) == json::array({nullptr}));
  for (const json& b : buttons) {
    CHECK(b.at("args").at(1).at("transition").at("duration") == 0);
    CHECK(b.at("args").at(1).at("mode") == "immediate");
  }

  const std::string last_title = figure.at("frames").back().at("layout").at("title").at("text");
  CHECK(last_title.find("k = 5 of 5 components") != std::string::npos);
  CHECK(last_title.find("% of variance") != std::string::npos);
  const std::string first_title = figure.at("frames").front().at("layout").at("title").at("text");
  CHECK(first_title.find("k = 0 of 5 components") != std::string::npos);
  CHECK(layout.at("title").at("text") == first_title);
}

TEST_CASE("a share of the variance short of the whole never shows as 100.0%", "[figure]") {
  // Three uncorrelated pixels, the third with 1/20 000 of the others' variance: two components
  // explain 99.995 %.
  ImageStack stack;
  stack.image = {1, 3};
  stack.rows.resize(4, 3);
  stack.rows << 1, 0, 0.005f, -1, 0, 0.005f, 0, 1, -0.005f, 0, -1, -0.005f;
  stack.value_min = stack.rows.minCoeff();
  stack.value_max = stack.rows.maxCoeff();
  const PcaModel model = fit(stack, 3);
  const double two = model.explained_variance_ratio.head(2).sum();
  REQUIRE((two > 0.9995 && two < 1 - 1e-6));
  const json figure = build_figure(stack, model, FigureOptions{});
  const auto title = [&](int k) -> std::string {
    return figure.at("frames").at(k).at("layout").at("title").at("text");
  };
  // 1 / 2.00005 of it: 49.99875 %, rounded down (no share reads as more than it is)
  CHECK(title(1).find(" \u2014 49.9% of variance") != std::string::npos);
  CHECK(title(2).find(" \u2014 >99.9% of variance") != std::string::npos);
  CHECK(title(3).find(" \u2014 100.0% of variance") != std::string::npos);
}

TEST_CASE("a share just short of 90 % is worded as less than 90 %, not rounded up to it",
          "[figure]") {
  // Three uncorrelated pixels with variances in the proportions 0.89996 : 0.1 : 0.00004, so that
  // the first component explains 89.996 % (rounded to one decimal it would read 90.0).
  const float a = std::sqrt(0.89996f), b = std::sqrt(0.1f), c = std::sqrt(0.00004f);
  ImageStack stack;
  stack.image = {1, 3};
  stack.rows.resize(6, 3);
  stack.rows << a, 0, 0, -a, 0, 0, 0, b, 0, 0, -b, 0, 0, 0, c, 0, 0, -c;
  stack.value_min = stack.rows.minCoeff();
  stack.value_max = stack.rows.maxCoeff();
  const PcaModel model = fit(stack, 3);
  const double one = model.explained_variance_ratio(0);
  REQUIRE((one > 0.8999 && one < 0.89999));
  const json figure = build_figure(stack, model, FigureOptions{});
  const std::string title = figure.at("frames").at(1).at("layout").at("title").at("text");
  CHECK(title.find(" \u2014 89.9% of variance") != std::string::npos);
}

TEST_CASE("colour ranges are the same in every frame", "[figure]") {
  const ImageStack stack = random_stack(25, 5, 6, 4, 3.f);
  const PcaModel model = fit(stack, 6);
  FigureOptions options;
  options.sample_index = 7;
  const json figure = build_figure(stack, model, options);
  const json& data = figure.at("data");

  CHECK(data[0].at("zmin").get<double>() == Approx(stack.value_min));
  CHECK(data[0].at("zmax").get<double>() == Approx(stack.value_max));
  CHECK(data[1].at("zmin") == data[0].at("zmin"));
  CHECK(data[1].at("zmax") == data[0].at("zmax"));
  const double r = data[2].at("zmax").get<double>();
  CHECK(r > 0);
  CHECK(data[2].at("zmin").get<double>() == -r);
  // At least the largest residual at k = 0.
  const Eigen::VectorXd x = stack.rows.row(7).transpose().cast<double>();
  CHECK(r >= (x - model.mean).cwiseAbs().maxCoeff() * (1 - 1e-12));

  for (const json& frame : figure.at("frames")) {
    for (size_t j = 0; j < frame.at("traces").size(); ++j) {
      const json& trace = frame.at("data")[j];
      const json& base = data[frame.at("traces")[j].get<size_t>()];
      if (base.at("type") != "heatmap") continue;
      CHECK(trace.at("zmin") == base.at("zmin"));
      CHECK(trace.at("zmax") == base.at("zmax"));
      CHECK(trace.at("zauto") == false);
    }
  }
  // The distortion axes are fixed too, so the marker never rescales them.
  CHECK(figure.at("layout").at("xaxis4").at("autorange") == false);
  CHECK(figure.at("layout").at("yaxis4").at("autorange") == false);
}

TEST_CASE("typed arrays decode to the reconstruction and residual of each k", "[figure]") {
  const ImageStack stack = random_stack(40, 7, 3, 5, -2.f);
  const PcaModel model = fit(stack, 9);
  for (const bool binary : {true, false}) {
    FigureOptions options;
    options.sample_index = 11;
    options.step = 2;
    options.binary_arrays = binary;
    const json figure = build_figure(stack, model, options);
    const Eigen::VectorXd x = stack.rows.row(11).transpose().cast<double>();
    const std::vector<float> original = decode_z(figure.at("data")[0].at("z"), stack.image);
    for (int64_t i = 0; i < x.size(); ++i) CHECK(original[size_t(i)] == float(x[i]));

    for (const json& frame : figure.at("frames")) {
      const int64_t k = std::stoll(frame.at("name").get<std::string>());
      const Eigen::VectorXd expected = expected_reconstruction(model, x, k);
      const std::vector<float> recon = decode_z(frame.at("data")[0].at("z"), stack.image);
      const std::vector<float> residual = decode_z(frame.at("data")[1].at("z"), stack.image);
      REQUIRE(frame.at("traces")[0] == 1);
      REQUIRE(frame.at("traces")[1] == 2);
      for (int64_t i = 0; i < x.size(); ++i) {
        INFO("k = " << k << ", pixel " << i << (binary ? " (binary)" : " (lists)"));
        CHECK(recon[size_t(i)] == Approx(expected[i]).margin(1e-5));
        CHECK(residual[size_t(i)] == Approx(x[i] - expected[i]).margin(1e-5));
      }
      // The marker sits on the distortion curve at k; frames carry only the two heatmaps, so
      // plotly redraws them in one step (no animatable trace to "transition").
      REQUIRE(frame.at("data").size() == 2);
      const json& marker = frame.at("layout").at("shapes").at(0);
      CHECK(marker.at("xref") == "x4");
      CHECK(marker.at("yref") == "y4");
      CHECK(marker.at("xanchor") == k);
      CHECK(marker.at("yanchor").get<double>() ==
            Approx((x - expected).squaredNorm()).epsilon(1e-6).margin(1e-9));
    }
    if (!binary) CHECK(figure.dump().find("bdata") == std::string::npos);
  }
}

TEST_CASE("figure parts: build_figure's figure with every picture apart, in order", "[figure]") {
  const ImageStack stack = random_stack(30, 5, 4, 9, 1.f);
  const PcaModel model = fit(stack, 7);
  FigureOptions options;
  options.sample_index = 3;
  options.step = 3;  // k = 0, 3, 6, 7
  const json whole = build_figure(stack, model, options);
  const FigureParts parts = build_figure_parts(stack, model, options);
  const int64_t D = stack.image.values();
  REQUIRE(parts.image_values == D);
  REQUIRE(parts.images.size() == size_t(D) * (1 + 2 * 4));
  CHECK(parts.figure.dump().find("bdata") == std::string::npos);
  // Each z names its picture; that picture is the whole figure's z, value for value.
  std::set<int64_t> named;
  auto check_trace = [&](const json& trace, const json& expected, const std::string& where) {
    INFO(where);
    const json& ref = trace.at("z");
    REQUIRE(ref.at("dtype") == "f4");
    REQUIRE(ref.at("shape") == "5,4");
    const int64_t index = ref.at("image").get<int64_t>();
    named.insert(index);
    const std::vector<float> values = decode_z(expected.at("z"), stack.image);
    for (int64_t i = 0; i < D; ++i) CHECK(parts.images[size_t(index * D + i)] == values[size_t(i)]);
    json a = trace, b = expected;
    a.erase("z");
    b.erase("z");
    CHECK(a == b);
  };
  for (size_t t = 0; t < 3; ++t)
    check_trace(parts.figure.at("data")[t], whole.at("data")[t], "trace " + std::to_string(t));
  CHECK(parts.figure.at("data")[3] == whole.at("data")[3]);
  for (size_t f = 0; f < whole.at("frames").size(); ++f)
    for (size_t t = 0; t < 2; ++t)
      check_trace(parts.figure.at("frames")[f].at("data")[t], whole.at("frames")[f].at("data")[t],
                  "frame " + std::to_string(f) + " trace " + std::to_string(t));
  CHECK(named.size() == 1 + 2 * 4);  // every picture sent is named, none twice but the first
  CHECK(parts.figure.at("layout") == whole.at("layout"));
}

TEST_CASE("figure parts, first frame only: the whole figure's first frame, slider and ranges",
          "[figure]") {
  const ImageStack stack = random_stack(30, 5, 4, 9, 1.f);
  const PcaModel model = fit(stack, 7);
  const int64_t D = stack.image.values();
  // the default colours (pictures of the first frame alone made) and a clipped scale per frame
  // (every frame's pictures measured, the first kept)
  for (const bool clipped : {false, true}) {
    INFO("clipped " << clipped);
    FigureOptions options;
    options.sample_index = 4;
    options.step = 2;  // k = 0, 2, 4, 6, 7
    if (clipped) {
      options.colour.scale = ScaleMode::per_frame;
      options.colour.clip_percent = 5;
    }
    const FigureParts whole = build_figure_parts(stack, model, options);
    options.first_frame_only = true;
    const FigureParts first = build_figure_parts(stack, model, options);
    REQUIRE(first.image_values == D);
    // frame 0's two pictures, then the original (named 2, as in a one-frame figure)
    REQUIRE(first.images.size() == size_t(D) * 3);
    const size_t original = whole.images.size() - size_t(D);
    for (size_t i = 0; i < size_t(2 * D); ++i) CHECK(first.images[i] == whole.images[i]);
    for (size_t i = 0; i < size_t(D); ++i)
      CHECK(first.images[size_t(2 * D) + i] == whole.images[original + i]);
    REQUIRE(first.figure.at("frames").size() == 1);
    CHECK(first.figure.at("frames")[0] == whole.figure.at("frames")[0]);
    CHECK(first.figure.at("layout") == whole.figure.at("layout"));  // every slider step
    json data = first.figure.at("data");
    data[0]["z"]["image"] = whole.figure.at("data")[0].at("z").at("image");
    CHECK(data == whole.figure.at("data"));
  }
}

TEST_CASE("the distortion curve covers k = 0..K and falls", "[figure]") {
  const ImageStack stack = random_stack(30, 4, 5, 6);
  const PcaModel model = fit(stack, 10);
  FigureOptions options;
  options.n_components = 8;
  options.step = 3;
  const json figure = build_figure(stack, model, options);
  const json& line = figure.at("data")[3];
  REQUIRE(line.at("x").size() == 9);
  REQUIRE(line.at("y").size() == 9);
  for (size_t k = 0; k < 9; ++k) CHECK(line.at("x")[k] == k);
  for (size_t k = 1; k < 9; ++k)
    CHECK(line.at("y")[k].get<double>() <= line.at("y")[k - 1].get<double>() + 1e-9);
}

TEST_CASE("no NaN, Inf or stray null, even for constant images", "[figure]") {
  ImageStack stack;
  stack.image = {3, 3};
  stack.rows = RowMatrixF::Constant(4, 9, 2.5f);
  stack.rows(0, 0) = 2.5f;
  stack.value_min = stack.value_max = 2.5f;
  // A constant stack has no variance; give it one varying pixel so a model can be fitted.
  stack.rows(1, 4) = 3.5f;
  stack.value_max = 3.5f;
  const PcaModel model = fit(stack, 2);
  for (const bool binary : {true, false}) {
    FigureOptions options;
    options.sample_index = 0;
    options.binary_arrays = binary;
    const json figure = build_figure(stack, model, options);
    check_numbers(figure, "figure");
    const json& residual = figure.at("data")[2];
    CHECK(residual.at("zmax").get<double>() > 0);
    CHECK(residual.at("zmin").get<double>() < 0);
  }

  // Fully constant stack: a zero residual and an empty value range still give usable scales.
  ImageStack flat;
  flat.image = {2, 2};
  flat.rows = RowMatrixF::Constant(3, 4, 1.f);
  flat.value_min = flat.value_max = 1.f;
  PcaModel zero;
  zero.mean = Eigen::VectorXd::Constant(4, 1.0);
  zero.components = Eigen::MatrixXd::Identity(1, 4);
  zero.explained_variance = Eigen::VectorXd::Zero(1);
  zero.explained_variance_ratio = Eigen::VectorXd::Zero(1);
  zero.singular_values = Eigen::VectorXd::Zero(1);
  zero.n_samples = 3;
  const json figure = build_figure(flat, zero, FigureOptions{});
  check_numbers(figure, "figure");
  CHECK(figure.at("data")[0].at("zmax").get<double>() >
        figure.at("data")[0].at("zmin").get<double>());
  CHECK(figure.at("data")[2].at("zmax").get<double>() > 0);
}

TEST_CASE("bad index, K, step and duration are refused by name", "[figure]") {
  const ImageStack stack = random_stack(10, 3, 3, 7);
  const PcaModel model = fit(stack, 4);
  FigureOptions options;

  options.sample_index = 10;
  CHECK(error_of(stack, model, options) ==
        "sample index 10 is out of range: the file has 10 samples (0 to 9)");
  options.sample_index = -1;
  CHECK(error_of(stack, model, options).find("sample index -1 is out of range") == 0);
  options.sample_index = 0;

  options.n_components = 5;
  CHECK(error_of(stack, model, options) ==
        "cannot show 5 components: choose 1 to 4 (the number fitted), or 0 for all of them");
  options.n_components = -2;
  CHECK(error_of(stack, model, options).find("cannot show -2 components") == 0);
  options.n_components = 0;

  options.step = 0;
  CHECK(error_of(stack, model, options) == "step must be at least 1 (got 0)");
  options.step = -3;
  CHECK(error_of(stack, model, options) == "step must be at least 1 (got -3)");
  options.step = 1;

  options.frame_duration_ms = -1;
  CHECK(error_of(stack, model, options).find("frame duration") == 0);
  options.frame_duration_ms = 100;

  ImageStack other = random_stack(10, 4, 4, 8);
  CHECK(error_of(other, model, options).find("the model was fitted on images of 9 values") == 0);
  CHECK(error_of(stack, model, options) == "(no error)");
}
