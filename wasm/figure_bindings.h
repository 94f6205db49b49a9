#pragma once
// The JavaScript surface of the figure (Explorer.figureJson, figureParts) and the checking of
// their options, colour options included; see figure.h and pcarecon.d.ts. Included by
// wasm/bindings.cpp alone, inside its anonymous namespace after its guards (guarded_val…) and
// JsExplorer: like js_values.h and fit_bindings.h it only converts values, and it keeps
// bindings.cpp within its size.

#include <string>
#include <utility>

#include "figure.h"

// The options of figureJson, converted by embind's value_object (field names as in pcarecon.d.ts).
struct JsFigureOptions {
  double sample_index = 0;
  double n_components = 0;
  double step = 1;
  double frame_duration_ms = 100;
  bool binary_arrays = true;
  bool first_frame_only = false;
};

// The figure's optional colour options (colormap, residualColormap, scale, clipPercent), with the
// core's defaults when absent; the core names a value it does not know.
pcarecon::ColourOptions colour_options(const val& options) {
  auto text = [&](const char* name, const char* fallback) {
    const val field = options[name];
    if (field.isUndefined()) return std::string(fallback);
    if (!field.isString())
      throw Error(std::string("figure options: ") + name + " must be a string (got " +
                  js_type(field) + ")");
    return field.as<std::string>();
  };
  pcarecon::ColourOptions colour;
  colour.image = pcarecon::image_colormap_named(text("colormap", "grey"));
  colour.residual = pcarecon::residual_colormap_named(text("residualColormap", "red-blue"));
  colour.scale = pcarecon::scale_mode_named(text("scale", "fixed"));
  const val clip = options["clipPercent"];
  if (!clip.isUndefined()) {
    if (!clip.isNumber())
      throw Error("figure options: clipPercent must be a number (got " + js_type(clip) + ")");
    colour.clip_percent = pcarecon::checked_clip_percent(clip.as<double>());
  }
  return colour;
}

// figureJson's and figureParts' options, checked (a message that names the bad field).
pcarecon::FigureOptions figure_options(const val& options) {
  if (options.typeOf().as<std::string>() != "object" || options.isNull() || options.isArray())
    throw Error(
        "figure options must be an object like {sampleIndex: 0, nComponents: 0, "
        "step: 1, frameDurationMs: 100} (got " +
        js_type(options) + ")");
  for (const char* name : {"sampleIndex", "nComponents", "step", "frameDurationMs"}) {
    const val field = options[name];
    if (field.isUndefined()) throw Error(std::string("figure options: ") + name + " is missing");
    if (!field.isNumber())
      throw Error(std::string("figure options: ") + name + " must be a number (got " +
                  js_type(field) + ")");
  }
  // binaryArrays and firstFrameOnly are optional (default true and false); value_object needs
  // every field present.
  val complete = val::global("Object").call<val>("assign", val::object(), options);
  for (const auto& [name, fallback] : {std::pair<const char*, bool>{"binaryArrays", true},
                                       std::pair<const char*, bool>{"firstFrameOnly", false}}) {
    const val flag = options[name];
    if (flag.isUndefined())
      complete.set(name, fallback);
    else if (!flag.isTrue() && !flag.isFalse())
      throw Error(std::string("figure options: ") + name + " must be true or false (got " +
                  js_type(flag) + ")");
  }
  const JsFigureOptions js = complete.as<JsFigureOptions>();

  pcarecon::FigureOptions o;
  o.sample_index = whole_number(js.sample_index, "sample index");
  o.n_components = whole_number(js.n_components, "number of components");
  o.step = whole_number(js.step, "step");
  o.frame_duration_ms = whole_number(js.frame_duration_ms, "frame duration");
  o.binary_arrays = js.binary_arrays;
  o.first_frame_only = js.first_frame_only;
  o.colour = colour_options(options);
  return o;
}

std::string figure_json(JsExplorer& self, val options_arg) {
  return guarded_string_with(
      "building the figure", std::move(options_arg),
      [&](const val& options) { return self.core.figure(figure_options(options)).dump(); });
}

// {json, images, imageValues}: the figure with its pictures apart (build_figure_parts), the
// pictures as one Float32Array, so that large panels travel as binary (transferred), not JSON.
val figure_parts(JsExplorer& self, val options_arg) {
  return guarded_val_with("building the figure", std::move(options_arg), [&](const val& options) {
    const pcarecon::FigureParts parts = self.core.figure_parts(figure_options(options));
    val out = val::object();
    out.set("json", parts.figure.dump());
    out.set("images", copy_out(parts.images.data(), parts.images.size()));
    out.set("imageValues", static_cast<double>(parts.image_values));
    return out;
  });
}

// The FigureOptions value_object, registered from EMSCRIPTEN_BINDINGS.
void bind_figure_options() {
  emscripten::value_object<JsFigureOptions>("FigureOptions")
      .field("sampleIndex", &JsFigureOptions::sample_index)
      .field("nComponents", &JsFigureOptions::n_components)
      .field("step", &JsFigureOptions::step)
      .field("frameDurationMs", &JsFigureOptions::frame_duration_ms)
      .field("binaryArrays", &JsFigureOptions::binary_arrays)
      .field("firstFrameOnly", &JsFigureOptions::first_frame_only);
}

// Adds the figure's functions to the Explorer's class_ (called from EMSCRIPTEN_BINDINGS).
template <class C>
void add_figure_functions(C& explorer) {
  explorer.function("figureJson", &figure_json).function("figureParts", &figure_parts);
}
