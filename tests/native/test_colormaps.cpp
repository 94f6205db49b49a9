// Colour maps and colour ranges of the gray figure: the tables are matplotlib's perceptually
// ordered maps, the colour-blind-safe diverging map keeps its arms apart under simulated colour
// blindness, percentiles are NumPy's, and the figure's ranges follow the scale mode and clipping.

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "colormaps.h"
#include "display_range.h"
#include "error_of.h"
#include "figure.h"
#include "figure_decode.h"
#include "pca.h"

using figure_decode::decode_z;
using figure_decode::fit;
using nlohmann::json;
using namespace pcarecon;

namespace {

struct Lab {
  double l, a, b;
};

double linear(uint8_t c) {
  const double v = c / 255.0;
  return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
}

// CIELAB (D65) of a linear-light sRGB colour.
Lab lab_of_linear(double r, double g, double b) {
  const double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  auto f = [](double t) { return t > 0.008856 ? std::cbrt(t) : 7.787 * t + 16.0 / 116.0; };
  return {116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))};
}

Lab lab_of(const Rgb& c) { return lab_of_linear(linear(c.r), linear(c.g), linear(c.b)); }

double delta_e(const Lab& p, const Lab& q) {
  return std::sqrt((p.l - q.l) * (p.l - q.l) + (p.a - q.a) * (p.a - q.a) +
                   (p.b - q.b) * (p.b - q.b));
}

// Machado, Oliveira & Fernandes (2009), severity 1: what a dichromat sees, in linear RGB.
using Matrix3 = double[3][3];
const Matrix3 kProtanopia = {{0.152286, 1.052583, -0.204868},
                             {0.114503, 0.786281, 0.099216},
                             {-0.003882, -0.048116, 1.051998}};
const Matrix3 kDeuteranopia = {{0.367322, 0.860646, -0.227968},
                               {0.280085, 0.672501, 0.047413},
                               {-0.011820, 0.042940, 0.968881}};

Lab seen_by(const Matrix3& m, const Rgb& c) {
  const double in[3] = {linear(c.r), linear(c.g), linear(c.b)};
  double out[3];
  for (int i = 0; i < 3; ++i)
    out[i] = std::clamp(m[i][0] * in[0] + m[i][1] * in[1] + m[i][2] * in[2], 0.0, 1.0);
  return lab_of_linear(out[0], out[1], out[2]);
}

// The map's colour at t in [0, 1], interpolated between its evenly spaced stops as plotly does.
Rgb at(const std::vector<Rgb>& stops, double t) {
  const double position = t * double(stops.size() - 1);
  const size_t i = std::min(stops.size() - 2, size_t(position));
  const double u = position - double(i);
  auto mix = [&](uint8_t p, uint8_t q) { return uint8_t(std::lround(p * (1 - u) + q * u)); };
  return {mix(stops[i].r, stops[i + 1].r), mix(stops[i].g, stops[i + 1].g),
          mix(stops[i].b, stops[i + 1].b)};
}

// The least difference between the two arms of a diverging map at equal distance from the centre
// (from 0.15 to 0.5 of the way out), as seen through `m` (nullptr: normal vision).
double arms_apart(const std::vector<Rgb>& stops, const Matrix3* m) {
  double least = 1e9;
  for (double d = 0.15; d <= 0.5 + 1e-9; d += 0.05) {
    const Rgb negative = at(stops, 0.5 - d), positive = at(stops, 0.5 + d);
    const Lab p = m ? seen_by(*m, negative) : lab_of(negative);
    const Lab q = m ? seen_by(*m, positive) : lab_of(positive);
    least = std::min(least, delta_e(p, q));
  }
  return least;
}

ImageStack random_stack(int64_t n, int64_t h, int64_t w, int64_t channels, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(0.f, 1.f);
  ImageStack stack;
  stack.image = {h, w, channels};
  stack.rows.resize(n, h * w * channels);
  for (Eigen::Index i = 0; i < stack.rows.size(); ++i)
    stack.rows.data()[i] = 255.f * uniform(rng) * uniform(rng);
  stack.rows(0, 0) = 2000.f;  // one extreme pixel, as clipping is for
  stack.value_min = stack.rows.minCoeff();
  stack.value_max = stack.rows.maxCoeff();
  return stack;
}

Eigen::VectorXd as_doubles(const std::vector<float>& values) {
  Eigen::VectorXd out(Eigen::Index(values.size()));
  for (size_t i = 0; i < values.size(); ++i) out[Eigen::Index(i)] = values[i];
  return out;
}

}  // namespace

TEST_CASE("image colour maps are matplotlib's, dark to light", "[colormaps]") {
  struct Case {
    ImageColormap map;
    const char* first;
    const char* last;
  };
  const Case cases[] = {{ImageColormap::viridis, "#440154", "#fde725"},
                        {ImageColormap::cividis, "#00224e", "#fee838"},
                        {ImageColormap::magma, "#000004", "#fcfdbf"}};
  for (const Case& c : cases) {
    INFO(name_of(c.map));
    const json scale = plotly_colorscale(c.map);
    REQUIRE(scale.size() == 256);
    CHECK(scale.front() == json::array({0.0, c.first}));
    CHECK(scale.back() == json::array({1.0, c.last}));
    // Perceptually ordered: lightness rises with the value, stop by stop.
    const std::vector<Rgb> stops = colour_stops(c.map);
    for (size_t i = 1; i < stops.size(); ++i) {
      INFO("stop " << i);
      CHECK(lab_of(stops[i]).l > lab_of(stops[i - 1]).l - 0.2);
    }
    CHECK(lab_of(stops.back()).l - lab_of(stops.front()).l > 70);
  }
  // The figure's colours before the maps came in are kept exactly.
  CHECK(plotly_colorscale(ImageColormap::grey) ==
        json::parse(R"([[0.0, "#000000"], [1.0, "#ffffff"]])"));
  CHECK(plotly_colorscale(ResidualColormap::red_blue) ==
        json::parse(R"([[0.0, "#2166ac"], [0.25, "#92c5de"], [0.5, "#f7f7f7"],
                        [0.75, "#f4a582"], [1.0, "#b2182b"]])"));
}

TEST_CASE("purple-orange keeps its arms apart for red-green colour blindness", "[colormaps]") {
  const std::vector<Rgb> safe = colour_stops(ResidualColormap::purple_orange);
  const std::vector<Rgb> red_blue = colour_stops(ResidualColormap::red_blue);
  REQUIRE(safe.size() == 11);
  CHECK(safe[5] == Rgb{0xf7, 0xf7, 0xf7});  // 0 is a neutral light grey, as in red-blue
  CHECK(safe.front().b > safe.front().r);   // negative: purple
  CHECK(safe.back().r > safe.back().b);     // positive: orange-brown
  // Each arm darkens steadily from the centre out, so |residual| reads as darkness too.
  for (size_t i = 1; i <= 5; ++i) {
    CHECK(lab_of(safe[5 - i]).l < lab_of(safe[6 - i]).l);
    CHECK(lab_of(safe[5 + i]).l < lab_of(safe[4 + i]).l);
  }
  const double normal = arms_apart(safe, nullptr);
  const double protan = arms_apart(safe, &kProtanopia);
  const double deutan = arms_apart(safe, &kDeuteranopia);
  INFO("purple-orange ΔE: normal " << normal << ", protanopia " << protan << ", deuteranopia "
                                   << deutan);
  INFO("red-blue ΔE: protanopia " << arms_apart(red_blue, &kProtanopia) << ", deuteranopia "
                                  << arms_apart(red_blue, &kDeuteranopia));
  CHECK(protan > 40);
  CHECK(deutan > 40);
  CHECK(protan > normal - 5);  // the dichromat loses almost nothing
  // ... where red-blue loses a good part of its contrast for protanopia.
  CHECK(arms_apart(red_blue, &kProtanopia) < protan - 10);
}

TEST_CASE("colour options are named, and other names refused by value", "[colormaps]") {
  for (const char* name : {"grey", "viridis", "cividis", "magma"})
    CHECK(name_of(image_colormap_named(name)) == name);
  for (const char* name : {"red-blue", "purple-orange"})
    CHECK(name_of(residual_colormap_named(name)) == name);
  CHECK(scale_mode_named("fixed") == ScaleMode::fixed);
  CHECK(scale_mode_named("frame") == ScaleMode::per_frame);
  CHECK(error_of([] { image_colormap_named("jet"); }) ==
        "unknown colour map 'jet': choose grey, viridis, cividis or magma");
  CHECK(error_of([] { residual_colormap_named("viridis"); }) ==
        "unknown residual colour map 'viridis': choose red-blue or purple-orange");
  CHECK(error_of([] { scale_mode_named("auto"); }) ==
        "unknown colour scale mode 'auto': choose fixed (one range for every frame) or frame "
        "(each frame its own)");
  CHECK(checked_clip_percent(0) == 0);
  CHECK(checked_clip_percent(25) == 25);
  CHECK(error_of([] { checked_clip_percent(30); }) ==
        "clipping of 30 % is out of range: choose 0 (none) to 25 %");
  CHECK(error_of([] { checked_clip_percent(-1); }) ==
        "clipping of -1 % is out of range: choose 0 (none) to 25 %");
  CHECK(error_of([] { checked_clip_percent(std::nan("")); }) ==
        "clipping of nan % is out of range: choose 0 (none) to 25 %");
}

TEST_CASE("percentiles are NumPy's linear ones", "[colormaps]") {
  Eigen::VectorXd v(8);
  v << 3, 1, 4, 1, 5, 9, 2, 6;
  // np.percentile([3, 1, 4, 1, 5, 9, 2, 6], [0, 10, 50, 90, 100]) = 1, 1, 3.5, 6.9, 9
  CHECK(percentile(v, 0) == 1);
  CHECK(percentile(v, 10) == Approx(1.0));
  CHECK(percentile(v, 50) == Approx(3.5));
  CHECK(percentile(v, 90) == Approx(6.9));
  CHECK(percentile(v, 100) == 9);
  Eigen::VectorXd ramp = Eigen::VectorXd::LinSpaced(10, 1, 10);
  CHECK(percentile(ramp, 1) == Approx(1.09));  // np.percentile(np.arange(1, 11), 1)
  CHECK(percentile(ramp, 99) == Approx(9.91));
  const ValueRange clipped = clipped_range(ramp, 1);
  CHECK(clipped.lo == Approx(1.09));
  CHECK(clipped.hi == Approx(9.91));
  const ValueRange whole = clipped_range(ramp, 0);
  CHECK((whole.lo == 1 && whole.hi == 10));
  const ValueRange constant = clipped_range(Eigen::VectorXd::Constant(5, 7.0), 2);
  CHECK((constant.lo == 6.5 && constant.hi == 7.5));  // never an empty range
  Eigen::VectorXd signed_values(4);
  signed_values << -8, 1, 2, -3;
  CHECK(clipped_magnitude(signed_values, 0) == 8);
  CHECK(clipped_magnitude(signed_values, 25) == Approx(4.25));
}

TEST_CASE("the figure's gray traces take the chosen colour maps", "[colormaps][figure]") {
  const ImageStack stack = random_stack(24, 5, 6, 1, 3);
  const PcaModel model = fit(stack, 6);
  FigureOptions options;
  options.colour.image = ImageColormap::magma;
  options.colour.residual = ResidualColormap::purple_orange;
  const json figure = build_figure(stack, model, options);
  const json& data = figure.at("data");
  CHECK(data[0].at("colorscale") == plotly_colorscale(ImageColormap::magma));
  CHECK(data[1].at("colorscale") == plotly_colorscale(ImageColormap::magma));
  CHECK(data[2].at("colorscale") == plotly_colorscale(ResidualColormap::purple_orange));
  // Frames carry no colour scale of their own: they keep their base trace's.
  for (const json& frame : figure.at("frames"))
    for (const json& trace : frame.at("data")) CHECK_FALSE(trace.contains("colorscale"));
  // Without colour options: the figure as it always was.
  const json plain = build_figure(stack, model, FigureOptions{});
  CHECK(plain.at("data")[1].at("colorscale") == plotly_colorscale(ImageColormap::grey));
  CHECK(plain.at("data")[2].at("colorscale") == plotly_colorscale(ResidualColormap::red_blue));
}

TEST_CASE("fixed and per-frame ranges, with and without clipping", "[colormaps][figure]") {
  const ImageStack stack = random_stack(24, 12, 12, 1, 4);
  const PcaModel model = fit(stack, 6);
  const ImageShape shape = stack.image;
  FigureOptions options;
  options.step = 2;

  SECTION("fixed, no clipping: the stack's data range in every frame") {
    const json figure = build_figure(stack, model, options);
    for (const json& frame : figure.at("frames")) {
      CHECK(frame.at("data")[0].at("zmin") == double(stack.value_min));
      CHECK(frame.at("data")[0].at("zmax") == double(stack.value_max));
    }
  }
  SECTION("fixed, 1-99 %: one range, holding every frame's clipped range, the extreme left out") {
    options.colour.clip_percent = 1;
    const json figure = build_figure(stack, model, options);
    const json& base = figure.at("data");
    const double lo = base[1].at("zmin"), hi = base[1].at("zmax"), m = base[2].at("zmax");
    CHECK(hi < 1000);  // the 2000 pixel of sample 0 is clipped
    CHECK(base[0].at("zmin") == lo);
    CHECK(base[0].at("zmax") == hi);
    for (const json& frame : figure.at("frames")) {
      const json& recon = frame.at("data")[0];
      const json& residual = frame.at("data")[1];
      CHECK((recon.at("zmin") == lo && recon.at("zmax") == hi));
      CHECK((residual.at("zmin") == -m && residual.at("zmax") == m));
      const ValueRange own = clipped_range(as_doubles(decode_z(recon.at("z"), shape)), 1);
      CHECK(own.lo >= lo - 1e-3);
      CHECK(own.hi <= hi + 1e-3);
    }
  }
  SECTION("per frame, 2-98 %: each frame's own percentiles") {
    options.colour.scale = ScaleMode::per_frame;
    options.colour.clip_percent = 2;
    const json figure = build_figure(stack, model, options);
    std::vector<double> highs;
    for (const json& frame : figure.at("frames")) {
      INFO("frame k = " << frame.at("name"));
      const json& recon = frame.at("data")[0];
      const json& residual = frame.at("data")[1];
      const Eigen::VectorXd values = as_doubles(decode_z(recon.at("z"), shape));
      // z is float32: the range computed from the doubles differs by float rounding only
      CHECK(recon.at("zmin").get<double>() == Approx(percentile(values, 2)).epsilon(1e-5));
      CHECK(recon.at("zmax").get<double>() == Approx(percentile(values, 98)).epsilon(1e-5));
      const Eigen::VectorXd r = as_doubles(decode_z(residual.at("z"), shape));
      CHECK(residual.at("zmax").get<double>() ==
            Approx(percentile(r.cwiseAbs(), 98)).epsilon(1e-4));
      CHECK(residual.at("zmin") == -residual.at("zmax").get<double>());
      highs.push_back(recon.at("zmax"));
    }
    CHECK(highs.front() != highs.back());  // the mean image and the sample differ
    const Eigen::VectorXd original = as_doubles(decode_z(figure.at("data")[0].at("z"), shape));
    CHECK(figure.at("data")[0].at("zmax").get<double>() ==
          Approx(percentile(original, 98)).epsilon(1e-5));
  }
  SECTION("per frame, no clipping: each frame's min and max") {
    options.colour.scale = ScaleMode::per_frame;
    const json figure = build_figure(stack, model, options);
    for (const json& frame : figure.at("frames")) {
      const json& recon = frame.at("data")[0];
      const Eigen::VectorXd values = as_doubles(decode_z(recon.at("z"), shape));
      CHECK(recon.at("zmin").get<double>() == Approx(values.minCoeff()).epsilon(1e-5));
      CHECK(recon.at("zmax").get<double>() == Approx(values.maxCoeff()).epsilon(1e-5));
    }
  }
}

TEST_CASE("colour (RGB) figures ignore the colour options", "[colormaps][figure]") {
  const ImageStack stack = random_stack(12, 4, 4, 3, 5);
  const PcaModel model = fit(stack, 5);
  FigureOptions chosen;
  chosen.colour = {ImageColormap::viridis, ResidualColormap::purple_orange, ScaleMode::per_frame,
                   5};
  CHECK(build_figure(stack, model, chosen) == build_figure(stack, model, FigureOptions{}));
}
