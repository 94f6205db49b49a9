#include "figure.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "base64.h"
#include "display_range.h"
#include "error.h"
#include "frame_values.h"
#include "reconstruction.h"

namespace pcarecon {
namespace {

using nlohmann::json;

// Layout of the page, in paper coordinates: three image panels on top, distortion below.
constexpr double kTopRowBottom = 0.45, kTopRowTop = 0.94;
constexpr double kBottomRowBottom = 0.0, kBottomRowTop = 0.32;
constexpr double kPanelX[3][2] = {{0.0, 0.26}, {0.345, 0.605}, {0.69, 0.95}};

// finite_float of each value. The loop cannot throw (NaNs are looked for first): in the wasm
// build, a call that may throw inside a loop goes through JavaScript on every value.
template <class Vector>
void to_finite_floats(const Vector& values, int64_t n, float* out) {
  bool nan = false;
  for (int64_t i = 0; i < n; ++i) nan |= std::isnan(static_cast<double>(values[i]));
  if (nan) throw internal_error("a NaN reached the figure");
  for (int64_t i = 0; i < n; ++i) out[i] = finite_float(static_cast<double>(values[i]));
}

double checked(double v) {
  if (!std::isfinite(v)) throw internal_error("a non-finite value reached the figure");
  return v;
}

// The shortest decimal that reads back as the same float32, so plain lists stay compact.
double shortest_for_float(float f) {
  char buffer[32];
  for (int precision = 6; precision < 9; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, static_cast<double>(f));
    if (std::strtof(buffer, nullptr) == f) return std::strtod(buffer, nullptr);
  }
  std::snprintf(buffer, sizeof buffer, "%.9g", static_cast<double>(f));
  return std::strtod(buffer, nullptr);
}

// A picture's shape as plotly's typed-array spec names it: "H,W", or "H,W,3" for RGB.
std::string shape_text(const ImageShape& shape) {
  std::string dims = std::to_string(shape.height) + "," + std::to_string(shape.width);
  if (shape.colour()) dims += "," + std::to_string(shape.channels);
  return dims;
}

// The z of a picture sent apart (build_figure_parts): its shape and its index.
json picture_ref(const ImageShape& shape, int64_t index) {
  return json{{"dtype", "f4"}, {"shape", shape_text(shape)}, {"image", index}};
}

// A trace's z from a picture's finite float32 values: H×W values for a gray heatmap, H×W×3 (r, g,
// b per pixel, as stored in a row) for an RGB image trace; plotly's typed-array spec, or nested
// lists.
json encoded_z(const float* f, const ImageShape& shape, bool binary) {
  if (binary) {
    return json{{"dtype", "f4"},
                {"bdata", base64_encode(reinterpret_cast<const uint8_t*>(f),
                                        static_cast<size_t>(shape.values()) * 4)},
                {"shape", shape_text(shape)}};
  }
  const size_t c = static_cast<size_t>(shape.channels);
  json rows = json::array();
  for (int64_t r = 0; r < shape.height; ++r) {
    json row = json::array();
    for (int64_t col = 0; col < shape.width; ++col) {
      const size_t at = static_cast<size_t>(r * shape.width + col) * c;
      if (!shape.colour()) {
        row.push_back(shortest_for_float(f[at]));
        continue;
      }
      json pixel = json::array();
      for (size_t j = 0; j < c; ++j) pixel.push_back(shortest_for_float(f[at + j]));
      row.push_back(std::move(pixel));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// encoded_z of any values (made finite float32 first). With a sink, the values go there instead,
// and z names the picture's index in it (build_figure_parts).
template <class Vector>
json image_array(const Vector& values, const ImageShape& shape, bool binary,
                 std::vector<float>* sink) {
  const int64_t n = shape.values();
  if (sink) {
    const size_t at = sink->size();
    sink->resize(at + static_cast<size_t>(n));
    to_finite_floats(values, n, sink->data() + at);
    return picture_ref(shape, static_cast<int64_t>(at) / n);
  }
  std::vector<float> f(static_cast<size_t>(n));
  to_finite_floats(values, n, f.data());
  return encoded_z(f.data(), shape, binary);
}

// The value range of a top-row trace: zmin/zmax of a heatmap, or per channel (the same for r, g
// and b, so colours keep their balance) of an RGB image trace, whose values outside are clipped.
// The image ranges have four entries because plotly.py 5's schema requires all four (its zmin is
// an info array of 4 items); plotly.js reads only the first three for colormodel rgb, and the
// fourth is its alpha default (0 and 1). An image trace's hover box takes the pixel's colour,
// which plotly.js 4.1 cannot read from a typed-array pixel (it warns and paints the box black):
// a fixed white box avoids that.
json value_range(const ImageShape& shape, double lo, double hi) {
  if (!shape.colour()) return json{{"zmin", lo}, {"zmax", hi}, {"zauto", false}};
  return json{{"colormodel", "rgb"},
              {"zmin", json::array({lo, lo, lo, 0})},
              {"zmax", json::array({hi, hi, hi, 1})},
              {"hoverlabel", {{"bgcolor", "white"}, {"bordercolor", "#444"}}}};
}

// One decimal, rounded down, so that a share never reads as more than it is: 89.96 % shows as
// 89.9, not as the 90.0 that the page's "90 % needs more than 50 components" beside it denies
// (the 1e-6 tenth absorbs the binary error of shares like 0.29). A share short of the whole but
// above 99.95 % shows as ">99.9": 50 of the 64 components of 8×8 digits leave 0.04 %, and
// "100.0% of variance" would say nothing is left. web/page/figure-text.js words it the same.
std::string percent(double ratio) {
  if (ratio < 1.0 - 1e-9 && 100.0 * ratio >= 99.95) return ">99.9";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", std::floor(1000.0 * ratio + 1e-6) / 10.0);
  return buffer;
}

std::string title_for(int64_t sample, int64_t k, int64_t K, double cumulative_ratio) {
  return "Sample " + std::to_string(sample) + ": k = " + std::to_string(k) + " of " +
         std::to_string(K) + (K == 1 ? " component" : " components") + " \u2014 " +
         percent(cumulative_ratio) + "% of variance";
}

json image_axis(int panel, bool is_y) {
  const std::string suffix = panel == 0 ? "" : std::to_string(panel + 1);
  json axis = {{"anchor", (is_y ? "x" : "y") + suffix},
               {"constrain", "domain"},
               {"showticklabels", false},
               {"showgrid", false},
               {"zeroline", false},
               {"ticks", ""}};
  if (is_y) {
    axis["domain"] = {kTopRowBottom, kTopRowTop};
    axis["scaleanchor"] = "x" + suffix;  // square pixels
    axis["scaleratio"] = 1;
    axis["autorange"] = "reversed";  // first image row at the top
  } else {
    axis["domain"] = {kPanelX[panel][0], kPanelX[panel][1]};
  }
  return axis;
}

json subplot_title(const std::string& text, double x, double y) {
  return {{"text", text},
          {"x", x},
          {"y", y},
          {"xref", "paper"},
          {"yref", "paper"},
          {"xanchor", "center"},
          {"yanchor", "bottom"},
          {"showarrow", false},
          {"font", {{"size", 14}}}};
}

json animate_args(json frames, int duration_ms) {
  return json::array({std::move(frames),
                      {{"frame", {{"duration", duration_ms}, {"redraw", true}}},
                       {"transition", {{"duration", 0}}},
                       {"mode", "immediate"}}});
}

// ---- build_figure in steps: validation, ranges, frames, base traces, layout ------------------

// Throws Error for options the model or the stack cannot show.
void check_figure_inputs(const ImageStack& images, const PcaModel& model,
                         const FigureOptions& options) {
  const int64_t N = images.samples();
  const ImageShape shape = images.image;
  if (N <= 0) throw Error("no images to show: the stack is empty");
  if (model.n_components() <= 0) throw Error("the model has no components: fit it first");
  if (shape.values() != images.dim())
    throw internal_error("image shape " + std::to_string(shape.height) + "x" +
                         std::to_string(shape.width) + "x" + std::to_string(shape.channels) +
                         " does not match " + std::to_string(images.dim()) + " values per sample");
  if (model.dim() != shape.values())
    throw Error("the model was fitted on images of " + std::to_string(model.dim()) +
                " values, but these images have " + std::to_string(shape.values()) +
                ": fit the model again");
  if (options.sample_index < 0 || options.sample_index >= N)
    throw Error("sample index " + std::to_string(options.sample_index) +
                " is out of range: the file has " + std::to_string(N) +
                (N == 1 ? " sample (index 0)" : " samples (0 to " + std::to_string(N - 1) + ")"));
  const int64_t fitted = model.n_components();
  if (options.n_components < 0 || options.n_components > fitted)
    throw Error("cannot show " + std::to_string(options.n_components) +
                " components: choose 1 to " + std::to_string(fitted) +
                " (the number fitted), or 0 for all of them");
  if (options.step < 1)
    throw Error("step must be at least 1 (got " + std::to_string(options.step) + ")");
  if (options.frame_duration_ms < 0 || options.frame_duration_ms > 60000)
    throw Error("frame duration must be between 0 and 60000 ms (got " +
                std::to_string(options.frame_duration_ms) + ")");
}

// What every step of the figure shares: the sample, the k shown, every frame's pictures, the
// distortion and the colour ranges, fixed for every frame.
struct FigurePlan {
  FigurePlan(const PcaModel& m, const ImageShape& s) : model(m), shape(s) {}
  const PcaModel& model;
  ImageShape shape;
  int64_t sample = 0;
  int64_t K = 0;            // components shown
  std::vector<int64_t> ks;  // the k of each frame: 0, step, 2·step, ..., K
  bool binary = true;
  std::vector<float>* sink = nullptr;  // build_figure_parts: where the pictures go, the frames'
                                       // (pictures, moved there) first
  int duration = 100;
  Eigen::VectorXf x;                    // the sample
  std::vector<float> pictures;          // [frame][reconstruction, residual][D] (frame_values)
  size_t stored_frames = 0;             // frames whose pictures are kept (all, or the first)
  bool first_frame_only = false;        // frames: the first alone (FigureOptions)
  Eigen::VectorXd distortion;           // K+1: ‖x − x̂ₖ‖² for k = 0..K
  Eigen::VectorXd cumulative_ratio;     // K+1: explained variance of the first k, from 0
  double value_min = 0, value_max = 0;  // values: the data range of the whole stack
  double residual_max = 0;              // residual: −residual_max..+residual_max
  double distortion_max = 0;
  // Gray images: the colour maps, and each shown frame's ranges (the same for every frame when
  // the scale is fixed); colour images keep value_min/max and residual_max.
  ColourOptions colour;
  ValueRange original_range;
  std::vector<ValueRange> frame_values;  // the reconstruction's, per entry of ks
  std::vector<double> frame_residual;    // the residual's half-width, per entry of ks
};

// Colour ranges, fixed for every frame, and the distortion axis' extent.
void set_ranges(FigurePlan& plan, const ImageStack& images, double data_range) {
  plan.value_min = images.value_min;
  plan.value_max = images.value_max;
  if (!(plan.value_max > plan.value_min)) {
    plan.value_min -= 0.5;
    plan.value_max += 0.5;
  }
  // Residual: symmetric around 0, wide enough for the largest residual of any shown frame
  // (the one at k = 0 in practice, found by frame_values), and never empty.
  double residual_max = plan.residual_max;
  if (!(residual_max > 0) || !std::isfinite(residual_max))
    residual_max = data_range > 0 ? data_range : 1.0;
  plan.residual_max = residual_max;
  double distortion_max = 0;
  for (int64_t k = 0; k <= plan.K; ++k)
    distortion_max = std::max(distortion_max, checked(plan.distortion[k]));
  plan.distortion_max = distortion_max > 0 ? distortion_max : 1.0;
}

// Every frame's pictures, the distortion at every k and the largest residual (frame_values.h),
// and the explained variance of the first k.
void fill_frame_values(FigurePlan& plan, FigureMemo* memo) {
  const PcaModel& model = plan.model;
  check_sample_values(model, plan.x);
  FigureMemo own;  // when the caller keeps none (the Explorer keeps one per model)
  if (!memo) {
    own.rows = component_rows(model);
    memo = &own;
  }
  FrameValues values = memo_frame_values(*memo, model, plan.sample, plan.x.cast<double>(), plan.K,
                                         plan.ks, static_cast<int64_t>(plan.stored_frames));
  plan.pictures = std::move(values.pictures);
  plan.distortion = values.distortion.head(plan.K + 1);
  plan.residual_max = values.residual_max;
  plan.cumulative_ratio.resize(plan.K + 1);
  plan.cumulative_ratio[0] = 0;
  for (int64_t k = 0; k < plan.K; ++k)
    plan.cumulative_ratio[k + 1] = plan.cumulative_ratio[k] + model.explained_variance_ratio[k];
}

// Frame f's reconstruction (which 0) or residual (1), as frame_values made it.
Eigen::Map<const Eigen::VectorXf> frame_picture(const FigurePlan& plan, size_t f, int which) {
  const int64_t D = plan.shape.values();
  return Eigen::Map<const Eigen::VectorXf>(
      plan.pictures.data() + (2 * static_cast<int64_t>(f) + which) * D, D);
}

// The gray images' ranges. Fixed (default): one range for every frame -- with no clipping the
// stack's data range and the largest residual (as set_ranges made them), with clipping the widest
// of the frames' clipped ranges. Per frame: each frame (and the original) its own clipped range; a
// residual of exactly 0 keeps the fixed half-width.
void set_colour_ranges(FigurePlan& plan) {
  const double clip = plan.colour.clip_percent;
  const size_t n = plan.ks.size();
  ValueRange fixed_values{plan.value_min, plan.value_max};
  plan.original_range = fixed_values;
  plan.frame_values.assign(n, fixed_values);
  plan.frame_residual.assign(n, plan.residual_max);
  if (plan.shape.colour() || (plan.colour.scale == ScaleMode::fixed && clip == 0)) return;
  plan.original_range = clipped_range(plan.x, clip);
  ValueRange widest = plan.original_range;
  double widest_residual = 0;
  for (size_t i = 0; i < n; ++i) {
    plan.frame_values[i] = clipped_range(frame_picture(plan, i, 0), clip);
    const double magnitude = clipped_magnitude(frame_picture(plan, i, 1), clip);
    if (magnitude > 0 && std::isfinite(magnitude)) plan.frame_residual[i] = magnitude;
    widest.lo = std::min(widest.lo, plan.frame_values[i].lo);
    widest.hi = std::max(widest.hi, plan.frame_values[i].hi);
    widest_residual = std::max(widest_residual, magnitude);
  }
  if (plan.colour.scale == ScaleMode::per_frame) return;
  plan.original_range = widest;
  plan.frame_values.assign(n, widest);
  if (widest_residual > 0 && std::isfinite(widest_residual))
    plan.frame_residual.assign(n, widest_residual);
}

FigurePlan plan_figure(const ImageStack& images, const PcaModel& model,
                       const FigureOptions& options, FigureMemo* memo) {
  FigurePlan plan(model, images.image);
  plan.sample = options.sample_index;
  plan.K = options.n_components == 0 ? model.n_components() : options.n_components;
  plan.binary = options.binary_arrays;
  plan.duration = static_cast<int>(options.frame_duration_ms);
  for (int64_t k = 0; k < plan.K; k += options.step) plan.ks.push_back(k);
  plan.ks.push_back(plan.K);
  plan.x = images.row(plan.sample);
  plan.colour = options.colour;
  // Ranges measured on every frame's pictures (clipping, a scale per frame) need them all.
  const bool ranges_need_all = !plan.shape.colour() && (plan.colour.scale != ScaleMode::fixed ||
                                                        plan.colour.clip_percent != 0);
  plan.first_frame_only = options.first_frame_only;
  plan.stored_frames = plan.first_frame_only && !ranges_need_all ? 1 : plan.ks.size();
  const double data_range = double(images.value_max) - double(images.value_min);
  fill_frame_values(plan, memo);
  set_ranges(plan, images, data_range);
  set_colour_ranges(plan);
  if (plan.first_frame_only) plan.pictures.resize(static_cast<size_t>(2 * plan.shape.values()));
  return plan;
}

// A top-row trace. Gray stacks show heatmaps; RGB stacks show plotly image traces (z H×W×3,
// colormodel rgb), whose residual maps −m..+m of every channel onto 0..255, so mid-grey is a
// residual of 0.
json picture_trace(const FigurePlan& plan, const char* x_axis, const char* y_axis, json z,
                   double lo, double hi) {
  json trace = {{"type", plan.shape.colour() ? "image" : "heatmap"},
                {"xaxis", x_axis},
                {"yaxis", y_axis},
                {"z", std::move(z)}};
  trace.update(value_range(plan.shape, lo, hi));
  return trace;
}

// Frame f's reconstruction (which 0) or residual (1) trace; sent apart, its picture is already
// in the sink, at 2f + which. frame_values made the pictures finite float32 already.
json frame_trace(const FigurePlan& plan, size_t f, int which) {
  const char* x_axis = which == 0 ? "x2" : "x3";
  const char* y_axis = which == 0 ? "y2" : "y3";
  // the ranges set_colour_ranges gave frame f (colour images: the data's, the largest residual)
  const double lo = which == 0 ? plan.frame_values[f].lo : -plan.frame_residual[f];
  const double hi = which == 0 ? plan.frame_values[f].hi : plan.frame_residual[f];
  json z = plan.sink ? picture_ref(plan.shape, 2 * static_cast<int64_t>(f) + which)
                     : encoded_z(frame_picture(plan, f, which).data(), plan.shape, plan.binary);
  return picture_trace(plan, x_axis, y_axis, std::move(z), lo, hi);
}

// The current-k marker is a layout shape (a dot of fixed pixel size on the distortion curve),
// moved by each frame's layout. As a scatter trace it would make plotly "transition" the frame:
// that replots only animatable traces and drops the heatmaps until the redraw a task later, so
// the images blink during play. Frames that hold only heatmaps are redrawn in one step.
json marker_shape(const FigurePlan& plan, int64_t k) {
  return json{{"type", "circle"},
              {"xref", "x4"},
              {"yref", "y4"},
              {"xsizemode", "pixel"},
              {"ysizemode", "pixel"},
              {"xanchor", k},
              {"yanchor", checked(plan.distortion[k])},
              {"x0", -6},
              {"x1", 6},
              {"y0", -6},
              {"y1", 6},
              {"fillcolor", "#d62728"},
              {"line", {{"color", "white"}, {"width", 1.5}}},
              {"name", "current k"}};
}

// One frame per shown k (traces 1 and 2, the title and the marker), with its slider step; the
// first frame's traces are also the base traces'.
struct Frames {
  json frames = json::array();
  json slider_steps = json::array();
  json first_reconstruction, first_residual;
};

Frames build_frames(const FigurePlan& plan) {
  Frames out;
  for (size_t f = 0; f < plan.ks.size(); ++f) {
    const int64_t k = plan.ks[f];
    const std::string name = std::to_string(k);
    out.slider_steps.push_back({{"label", name},
                                {"method", "animate"},
                                {"args", animate_args(json::array({name}), plan.duration)}});
    if (plan.first_frame_only && f > 0) continue;  // the slider names it; the frame comes later
    json recon = frame_trace(plan, f, 0);
    json residual = frame_trace(plan, f, 1);
    if (out.frames.empty()) {
      out.first_reconstruction = recon;
      out.first_residual = residual;
    }
    const double ratio = checked(plan.cumulative_ratio[k]);
    out.frames.push_back({{"name", name},
                          {"data", json::array({std::move(recon), std::move(residual)})},
                          {"traces", json::array({1, 2})},
                          {"layout",
                           {{"title", {{"text", title_for(plan.sample, k, plan.K, ratio)}}},
                            {"shapes", json::array({marker_shape(plan, k)})}}}});
  }
  return out;
}

// A colour bar just right of top-row panel `panel`, as tall as the row.
json panel_colorbar(int panel, const char* title) {
  return json{{"x", kPanelX[panel][1] + 0.01},
              {"xanchor", "left"},
              {"y", (kTopRowBottom + kTopRowTop) / 2},
              {"yanchor", "middle"},
              {"len", kTopRowTop - kTopRowBottom},
              {"thickness", 12},
              {"title", {{"text", title}}}};
}

// The figure's data: 0 original, 1 reconstruction, 2 residual (as in the first frame), 3 the
// distortion line.
json base_traces(const FigurePlan& plan, const Frames& frames) {
  const bool colour = plan.shape.colour();
  const json value_hover =
      colour ? "row %{y}, column %{x}<br>R %{z[0]:.4g}, G %{z[1]:.4g}, B %{z[2]:.4g}<extra></extra>"
             : "row %{y}, column %{x}<br>value %{z:.4g}<extra></extra>";
  const json residual_hover =
      colour ? "row %{y}, column %{x}<br>residual R %{z[0]:.4g}, G %{z[1]:.4g}, B %{z[2]:.4g}"
               "<extra></extra>"
             : "row %{y}, column %{x}<br>residual %{z:.4g}<extra></extra>";
  json original =
      picture_trace(plan, "x", "y", image_array(plan.x, plan.shape, plan.binary, plan.sink),
                    plan.original_range.lo, plan.original_range.hi);
  original.update(json{{"name", "Original"}, {"hovertemplate", value_hover}});
  const json image_scale = plotly_colorscale(plan.colour.image);
  if (!colour) original.update(json{{"colorscale", image_scale}, {"showscale", false}});
  json reconstruction = frames.first_reconstruction;
  reconstruction.update(json{{"name", "Reconstruction"}, {"hovertemplate", value_hover}});
  json residual = frames.first_residual;
  residual.update(json{{"name", "Residual"}, {"hovertemplate", residual_hover}});
  if (!colour) {  // image traces have no colour scale: their pixels are the colours
    reconstruction.update(json{{"colorscale", image_scale},
                               {"showscale", true},
                               {"colorbar", panel_colorbar(1, "value")}});
    residual.update(json{{"colorscale", plotly_colorscale(plan.colour.residual)},
                         {"showscale", true},
                         {"colorbar", panel_colorbar(2, "signed<br>residual")}});
  }
  json ks_axis = json::array(), distortion = json::array();
  for (int64_t k = 0; k <= plan.K; ++k) {
    ks_axis.push_back(k);
    distortion.push_back(plan.distortion[k]);
  }
  json distortion_line = {
      {"type", "scatter"},
      {"xaxis", "x4"},
      {"yaxis", "y4"},
      {"name", "Distortion"},
      {"mode", "lines"},
      {"x", std::move(ks_axis)},
      {"y", std::move(distortion)},
      {"line", {{"color", "#1f77b4"}, {"width", 2}}},
      {"hovertemplate",
       "k = %{x}<br>\u2016x \u2212 x\u0302\u2096\u2016\u00b2 = %{y:.4g}<extra></extra>"}};
  return json::array({std::move(original), std::move(reconstruction), std::move(residual),
                      std::move(distortion_line)});
}

// The distortion plot's axes: k along x, ‖x − x̂ₖ‖² up to the largest one shown.
json distortion_x_axis(int64_t K) {
  json axis = {{"domain", {0.0, 1.0}},
               {"anchor", "y4"},
               {"range", {-0.02 * double(K), 1.02 * double(K)}},
               {"autorange", false},
               {"title", {{"text", "k (number of components)"}}},
               {"zeroline", false}};
  if (K <= 10) axis["dtick"] = 1;  // whole k only
  return axis;
}

json distortion_y_axis(double distortion_max) {
  return {{"domain", {kBottomRowBottom, kBottomRowTop}},
          {"anchor", "x4"},
          // Headroom so the current-k dot (12 px) is not clipped at k = 0, the maximum.
          {"range", {0.0, 1.12 * distortion_max}},
          {"autorange", false},
          {"title", {{"text", "\u2016x \u2212 x\u0302\u2096\u2016\u00b2"}}},
          {"rangemode", "tozero"}};
}

json panel_titles(bool colour) {
  const double top_title_y = kTopRowTop + 0.01;
  auto centre = [](int panel) { return (kPanelX[panel][0] + kPanelX[panel][1]) / 2; };
  return json::array({subplot_title("Original", centre(0), top_title_y),
                      subplot_title("Reconstruction x\u0302\u2096", centre(1), top_title_y),
                      subplot_title(colour ? "Residual x \u2212 x\u0302\u2096 (grey = 0)"
                                           : "Residual x \u2212 x\u0302\u2096",
                                    centre(2), top_title_y),
                      subplot_title("Distortion \u2016x \u2212 x\u0302\u2096\u2016\u00b2 against k",
                                    0.5, kBottomRowTop + 0.01)});
}

json play_pause_buttons(int duration) {
  json play = animate_args(nullptr, duration);
  play[1]["fromcurrent"] = true;
  return json::array(
      {{{"type", "buttons"},
        {"direction", "left"},
        {"showactive", false},
        {"x", 0.0},
        {"xanchor", "left"},
        {"y", 0.0},
        {"yanchor", "top"},
        {"pad", {{"t", 62}, {"r", 10}}},
        {"buttons", json::array({{{"label", "Play"}, {"method", "animate"}, {"args", play}},
                                 {{"label", "Pause"},
                                  {"method", "animate"},
                                  {"args", animate_args(json::array({nullptr}), 0)}}})}}});
}

// The slider starts right of the Play/Pause buttons (about 115 px wide, more in Firefox, whose
// button font is wider) by a padding in pixels: a fraction of the width (0.17) put its left end
// under Pause in a figure 670 px wide. Its "k = 0" label sits at its right end, away from them.
json k_slider(json steps) {
  return json::array(
      {{{"active", 0},
        {"x", 0.0},
        {"len", 1.0},
        {"xanchor", "left"},
        {"y", 0.0},
        {"yanchor", "top"},
        {"pad", {{"t", 50}, {"l", 150}}},
        {"currentvalue", {{"prefix", "k = "}, {"visible", true}, {"xanchor", "right"}}},
        {"transition", {{"duration", 0}}},
        {"steps", std::move(steps)}}});
}

json figure_layout(const FigurePlan& plan, json slider_steps) {
  const int64_t first = plan.ks.front();
  const std::string title = title_for(plan.sample, first, plan.K, plan.cumulative_ratio[first]);
  return {
      {"title", {{"text", title}, {"x", 0.5}, {"xanchor", "center"}}},
      {"height", 820},
      {"margin", {{"l", 70}, {"r", 80}, {"t", 90}, {"b", 150}}},
      {"showlegend", false},
      {"shapes", json::array({marker_shape(plan, first)})},
      {"hovermode", "closest"},
      {"xaxis", image_axis(0, false)},
      {"yaxis", image_axis(0, true)},
      {"xaxis2", image_axis(1, false)},
      {"yaxis2", image_axis(1, true)},
      {"xaxis3", image_axis(2, false)},
      {"yaxis3", image_axis(2, true)},
      {"xaxis4", distortion_x_axis(plan.K)},
      {"yaxis4", distortion_y_axis(plan.distortion_max)},
      {"annotations", panel_titles(plan.shape.colour())},
      {"updatemenus", play_pause_buttons(plan.duration)},
      {"sliders", k_slider(std::move(slider_steps))},
  };
}

}  // namespace

namespace {

json assemble_figure(const FigurePlan& plan) {
  Frames frames = build_frames(plan);
  json data = base_traces(plan, frames);
  json layout = figure_layout(plan, std::move(frames.slider_steps));
  return json{{"data", std::move(data)},
              {"layout", std::move(layout)},
              {"frames", std::move(frames.frames)}};
}

}  // namespace

nlohmann::json build_figure(const ImageStack& images, const PcaModel& model,
                            const FigureOptions& options, FigureMemo* memo) {
  check_figure_inputs(images, model, options);
  return assemble_figure(plan_figure(images, model, options, memo));
}

FigureParts build_figure_parts(const ImageStack& images, const PcaModel& model,
                               const FigureOptions& options, FigureMemo* memo) {
  check_figure_inputs(images, model, options);
  FigurePlan plan = plan_figure(images, model, options, memo);
  FigureParts parts;
  parts.image_values = images.image.values();
  // two pictures per frame (the first frame's are the base traces' too), then the original
  parts.images = std::move(plan.pictures);
  parts.images.reserve(parts.images.size() + static_cast<size_t>(parts.image_values));
  plan.sink = &parts.images;
  parts.figure = assemble_figure(plan);
  return parts;
}

}  // namespace pcarecon
