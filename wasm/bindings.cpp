// The JavaScript surface of the module, described in pcarecon.d.ts. The only file that includes
// Emscripten headers: the core builds and is tested natively without it.
//
// Errors: every bound call runs the core inside run_guarded(), which turns a C++ exception into a
// message and a kind; the call then throws a JS Error with that text and the kind's code as
// error.code (for 'needs_image_shape' also error.samples and error.values, the file's N and D). The
// throw happens only after every C++ object of the call (vectors, vals holding JS handles, the
// exception itself) is gone, because a JS exception unwinding through wasm frames runs no
// destructors: nothing leaks on an error path.
//
// Arrays: typed arrays enter the heap as one block copy and leave as copies (slices), so they stay
// valid when wasm memory grows.

#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "error.h"
#include "explorer.h"
#include "js_values.h"
#include "npy_reader.h"
#include "pca.h"

using emscripten::val;

// Throws a JS Error with the message and code (error.code; samples and values too for
// 'needs_image_shape'); the strings' storage is static, so nothing is left behind.
// (The body is JavaScript, which clang-format would break.)
// clang-format off
EM_JS(void, pcarecon_throw_js_error,
      (const char* message, const char* code, double samples, double values), {
        const error = new Error(UTF8ToString(message));
        error.code = UTF8ToString(code);
        if (error.code === 'needs_image_shape') {
          error.samples = samples;
          error.values = values;
        }
        throw error;
      });
// clang-format on

namespace {

using pcarecon::Error;
using pcarecon::ErrorKind;
using namespace pcarecon::js;  // the value conversions (js_values.h)

// The error of the last failed call, until it is thrown in JS.
struct PendingError {
  std::string message;
  ErrorKind kind = ErrorKind::Internal;
  int64_t samples = 0;  // NeedsImageShape: the file's N and D
  int64_t values = 0;
};

PendingError& pending_error() {
  static PendingError error;
  return error;
}

[[noreturn]] void throw_pending_error() {
  const PendingError& e = pending_error();
  pcarecon_throw_js_error(e.message.c_str(), pcarecon::error_code(e.kind),
                          static_cast<double>(e.samples), static_cast<double>(e.values));
  __builtin_unreachable();
}

// Runs f; on a C++ exception stores its message and kind and returns false. `what` names the
// operation for an out-of-memory message.
template <class F>
bool run_guarded(const char* what, F&& f) {
  PendingError& pending = pending_error();
  pending = PendingError{};
  try {
    f();
    return true;
  } catch (const std::bad_alloc&) {
    pending.message = std::string("out of memory: ") + what +
                      " needs more memory than this WebAssembly module can have (4 GB at most)";
    pending.kind = ErrorKind::OutOfMemory;
  } catch (const Error& e) {
    pending.message = e.what();
    pending.kind = e.kind();
    pending.samples = e.samples();
    pending.values = e.values();
  } catch (const std::exception& e) {
    pending.message = e.what();
  } catch (...) {
    pending.message = std::string("unexpected error while ") + what;
  }
  return false;
}

// Run f and throw a JS Error if it failed. On failure the result holds no handle (undefined is
// a reserved one) when the JS error is thrown.
template <class F>
void guarded_void(const char* what, F&& f) {
  if (!run_guarded(what, std::forward<F>(f))) throw_pending_error();
}
template <class F>
val guarded_val(const char* what, F&& f) {
  val result = val::undefined();  // a reserved handle: nothing to release if the call fails
  const bool ok = run_guarded(what, [&] { result = f(); });
  if (!ok) throw_pending_error();
  return result;
}

// The same for a call that takes a JS value, f(arg): `arg` is released before a JS error is thrown
// (a thrown JS error unwinds no C++ frame, so a handle still held, or a string's heap memory,
// would leak). A failed call's result was never assigned: undefined, or an empty string.
template <class F>
bool run_guarded_with(const char* what, val arg, F&& f) {
  const val held = std::move(arg);
  return run_guarded(what, [&] { f(held); });
}
template <class F>
void guarded_void_with(const char* what, val arg, F&& f) {
  if (!run_guarded_with(what, std::move(arg), std::forward<F>(f))) throw_pending_error();
}
template <class F>
val guarded_val_with(const char* what, val arg, F&& f) {
  val result = val::undefined();
  if (!run_guarded_with(what, std::move(arg), [&](const val& a) { result = f(a); }))
    throw_pending_error();
  return result;
}
template <class F>
std::string guarded_string_with(const char* what, val arg, F&& f) {
  std::string result;
  if (!run_guarded_with(what, std::move(arg), [&](const val& a) { result = f(a); }))
    throw_pending_error();
  return result;
}

val info_val(const pcarecon::NpyHeader& header, const pcarecon::ImageShape& image, int64_t samples,
             std::optional<std::pair<float, float>> range) {
  val info = val::object();
  info.set("shape", shape_array(header.shape));
  info.set("dtype", header.descr);
  info.set("fortranOrder", header.fortran_order);
  info.set("version", header.version());
  info.set("samples", static_cast<double>(samples));
  info.set("height", static_cast<double>(image.height));
  info.set("width", static_cast<double>(image.width));
  info.set("channels", static_cast<double>(image.channels));
  const double nan = std::nan("");
  info.set("valueMin", range ? static_cast<double>(range->first) : nan);
  info.set("valueMax", range ? static_cast<double>(range->second) : nan);
  return info;
}

val info_val(const pcarecon::StackInfo& s, bool has_values) {
  val info =
      info_val(s.header, s.image, s.samples,
               has_values ? std::optional(std::pair(s.value_min, s.value_max)) : std::nullopt);
  if (s.streamed) {
    val streamed = val::object();
    streamed.set("totalSamples", static_cast<double>(s.streamed->total_samples));
    streamed.set("keptSamples", static_cast<double>(s.streamed->kept_samples));
    streamed.set("dataOffset", static_cast<double>(s.streamed->data_offset));
    streamed.set("sampleBytes", static_cast<double>(s.streamed->sample_bytes));
    streamed.set("topk", s.streamed->topk);
    info.set("streamed", streamed);
  }
  return info;
}

// ---- Explorer --------------------------------------------------------------------------------

int g_live_explorers = 0;  // test hook: embind objects must be deleted

struct JsExplorer {
  JsExplorer() { ++g_live_explorers; }
  ~JsExplorer() { --g_live_explorers; }
  JsExplorer(const JsExplorer&) = delete;
  JsExplorer& operator=(const JsExplorer&) = delete;
  pcarecon::Explorer core;
};

void begin_file(JsExplorer& self, double height, double width) {
  guarded_void("starting a file", [&] {
    const int64_t h = whole_number(height, "image height");
    const int64_t w = whole_number(width, "image width");
    std::optional<pcarecon::ImageShape> hint;  // 0, 0: infer
    if (h != 0 || w != 0) hint = pcarecon::ImageShape{h, w};
    self.core.begin_file(hint);
  });
}

void feed(JsExplorer& self, val chunk) {
  guarded_void_with("reading the file", std::move(chunk), [&](const val& bytes) {
    const val array = as_uint8_array(bytes, "the chunk");
    const std::vector<uint8_t> copy = copy_in(array, length_of(array));
    self.core.feed(copy.data(), copy.size());
  });
}

val header_info(JsExplorer& self) {
  return guarded_val("reading the header", [&] {
    const auto info = self.core.pending_info();
    if (!info) return val::null();
    return info_val(*info, self.core.rows_read() > 0);
  });
}

double rows_read(JsExplorer& self) { return static_cast<double>(self.core.rows_read()); }

val finish_file(JsExplorer& self) {
  return guarded_val("reading the file", [&] {
    self.core.finish_file();
    return info_val(self.core.info(), true);
  });
}

void cancel_file(JsExplorer& self) { self.core.cancel_file(); }

void expect_file_size(JsExplorer& self, double bytes) {
  guarded_void("starting a file", [&] {
    const int64_t n = whole_number(bytes, "file size");
    if (n < 0) throw Error("file size must be 0 or more (got " + std::to_string(n) + ")");
    self.core.expect_file_size(static_cast<uint64_t>(n));
  });
}

val info(JsExplorer& self) {
  return guarded_val("describing the images", [&] { return info_val(self.core.info(), true); });
}

void fit(JsExplorer& self, double n_components) {
  guarded_void("fitting the model",
               [&] { self.core.fit(whole_number(n_components, "number of components")); });
}

double fit_count(JsExplorer& self) { return static_cast<double>(self.core.fit_count()); }

// The model's sizes and variances: what a summary needs, without copying the K×D components.
val variance_fields(const pcarecon::PcaModel& m) {
  val out = val::object();
  out.set("nComponents", static_cast<double>(m.n_components()));
  out.set("dim", static_cast<double>(m.dim()));
  out.set("nSamples", static_cast<double>(m.n_samples));
  out.set("explainedVariance", copy_out(m.explained_variance));
  out.set("explainedVarianceRatio", copy_out(m.explained_variance_ratio));
  out.set("singularValues", copy_out(m.singular_values));
  out.set("totalVariance", m.total_variance);
  out.set("spectrum", copy_out(m.spectrum));
  return out;
}

val variance(JsExplorer& self) {
  return guarded_val("copying the variances", [&] { return variance_fields(self.core.model()); });
}

// The model's K, without copying its arrays (variance() copies every eigenvalue).
double component_count(JsExplorer& self) {
  double k = 0;
  guarded_void("reading the model",
               [&] { k = static_cast<double>(self.core.model().n_components()); });
  return k;
}

val model(JsExplorer& self) {
  return guarded_val("copying the model", [&] {
    const pcarecon::PcaModel& m = self.core.model();
    const pcarecon::RowMatrixD components = m.components;  // row-major, as documented
    val out = variance_fields(m);
    out.set("mean", copy_out(m.mean));
    out.set("components", copy_out(components.data(), static_cast<size_t>(components.size())));
    return out;
  });
}

#include "figure_bindings.h"  // figureJson, figureParts and their options

val image(JsExplorer& self, double sample_index) {
  return guarded_val("copying the image", [&] {
    const Eigen::VectorXf pixels = self.core.image(whole_number(sample_index, "sample index"));
    return copy_out(pixels.data(), static_cast<size_t>(pixels.size()));
  });
}

val reconstruction(JsExplorer& self, double sample_index, double k) {
  return guarded_val("reconstructing the image", [&] {
    return copy_out(
        self.core.reconstruction(whole_number(sample_index, "sample index"), whole_number(k, "k")));
  });
}

val distortion(JsExplorer& self, double sample_index) {
  return guarded_val("computing the distortion", [&] {
    return copy_out(self.core.series(whole_number(sample_index, "sample index")).distortion);
  });
}

val mean_image(JsExplorer& self) {
  return guarded_val("copying the mean", [&] { return copy_out(self.core.model().mean); });
}

val component(JsExplorer& self, double i) {
  return guarded_val("copying a component", [&] {
    return copy_out(self.core.component(whole_number(i, "component index")));
  });
}

// ---- Bring your own basis -------------------------------------------------------------------

val basis_val(const pcarecon::Explorer& core) {
  const auto source = core.basis_source();
  if (!source) return val::null();
  val out = val::object();
  out.set("nComponents", static_cast<double>(core.model().n_components()));
  out.set("source", std::string("file"));
  out.set("explainedVariance", source->variance_from_file);
  out.set("explainedVarianceRatio", source->ratio_from_file);
  return out;
}

void set_basis_array(JsExplorer& self, std::string name_arg, val bytes_arg) {
  guarded_void_with("reading the basis", std::move(bytes_arg), [&](const val& bytes) {
    const std::string name = std::move(name_arg);  // its memory released with the lambda's frame
    const val array = as_uint8_array(bytes, "the array");
    const std::vector<uint8_t> copy = copy_in(array, length_of(array));
    self.core.set_basis_array(name, copy.data(), copy.size());
  });
}

val finish_file_with_basis(JsExplorer& self) {
  return guarded_val("reading the file", [&] {
    self.core.finish_file_with_basis();
    val info = info_val(self.core.info(), true);
    info.set("basis", basis_val(self.core));
    return info;
  });
}

val basis_info(JsExplorer& self) {
  return guarded_val("describing the basis", [&] { return basis_val(self.core); });
}

// ---- Stateless helpers -----------------------------------------------------------------------

val npy_info(val bytes_arg) {
  return guarded_val_with("reading the header", std::move(bytes_arg), [&](const val& bytes) {
    const val array = as_uint8_array(bytes, "the file");
    const size_t n = length_of(array);
    // Only the header is needed: copy a growing prefix until it parses.
    size_t take = std::min<size_t>(n, 4096);
    for (;;) {
      const std::vector<uint8_t> prefix = copy_in(array, take);
      if (const auto header = pcarecon::parse_npy_header(prefix.data(), prefix.size())) {
        // An (N, D) file whose D is not a square needs a size from the user: height and width
        // are 0 then. Shapes that are never images (1-D, RGBA, ...) are refused here.
        const pcarecon::ImageShape image = pcarecon::image_shape_if_known(*header);
        return info_val(*header, image, header->shape.empty() ? 0 : header->shape[0], std::nullopt);
      }
      if (take == n)
        throw Error("file is truncated: it ends before the end of its .npy header (" +
                    std::to_string(n) + (n == 1 ? " byte)" : " bytes)"));
      take = std::min(n, take * 4);
    }
  });
}

// The header of a .npy file's first bytes, whatever its shape (the members of a .npz: images,
// basis arrays, labels): {shape, dtype, fortranOrder, version, height, width, imageError}, with
// height = width = 0 and imageError = the reader's reason when it is not an image stack as it
// stands. null while more bytes are needed.
val npy_header(val bytes_arg) {
  return guarded_val_with("reading the header", std::move(bytes_arg), [&](const val& bytes) {
    const val array = as_uint8_array(bytes, "the bytes");
    const std::vector<uint8_t> copy = copy_in(array, length_of(array));
    const auto header = pcarecon::parse_npy_header(copy.data(), copy.size());
    if (!header) return val::null();
    val out = val::object();
    out.set("shape", shape_array(header->shape));
    out.set("dtype", header->descr);
    out.set("fortranOrder", header->fortran_order);
    out.set("version", header->version());
    pcarecon::ImageShape image{0, 0};
    std::string image_error;
    try {
      image = pcarecon::image_shape_for(*header);
    } catch (const Error& e) {
      image_error = e.what();
    }
    out.set("height", static_cast<double>(image.height));
    out.set("width", static_cast<double>(image.width));
    out.set("imageError", image_error.empty() ? val::null() : val(image_error));
    return out;
  });
}

std::string fit_json(val bytes_arg, double n_components) {
  return guarded_string_with("fitting the model", std::move(bytes_arg), [&](const val& bytes) {
    const int64_t k = whole_number(n_components, "number of components");
    const val array = as_uint8_array(bytes, "the file");
    const std::vector<uint8_t> copy = copy_in(array, length_of(array));
    return pcarecon::fit_npy_json(copy.data(), copy.size(), k).dump();
  });
}

// ---- Split fits: a second worker accumulates part of the rows -----------------------------

// Rows [start, start + count) of the loaded stack, row-major, as a Float32Array copy.
val rows(JsExplorer& self, double start, double count) {
  return guarded_val("copying rows", [&] {
    const auto block =
        self.core.rows(whole_number(start, "first row"), whole_number(count, "row count"));
    return copy_out(block.data(), static_cast<size_t>(block.size()));
  });
}

// The same rows as the stack holds them: a Uint8Array (uint8, bool), an Int8Array (int8) or a
// Float32Array copy, for the other worker (a quarter of rows()' copy for an 8-bit file).
val held_rows(JsExplorer& self, double start, double count) {
  return guarded_val("copying rows", [&] {
    const pcarecon::StackRows some =
        self.core.held_rows(whole_number(start, "first row"), whole_number(count, "row count"));
    const size_t n = static_cast<size_t>(some.rows() * some.cols());
    switch (some.type()) {
      case pcarecon::RowType::UInt8:
        return copy_out(static_cast<const uint8_t*>(some.data()), n);
      case pcarecon::RowType::Int8:
        return copy_out(static_cast<const int8_t*>(some.data()), n);
      case pcarecon::RowType::Float32:
        break;
    }
    return copy_out(static_cast<const float*>(some.data()), n);
  });
}

// A Float64Array field of a state object, checked for its length.
Eigen::VectorXd state_array(const val& state, const char* name, size_t n) {
  const val field = state[name];
  if (!field.instanceof (val::global("Float64Array")) || length_of(field) != n)
    throw Error(std::string("accumulator state: ") + name + " must be a Float64Array of " +
                std::to_string(n) + " values");
  return copy_doubles_in(field);
}

// {count, shift, sum, scatter} (Float64Arrays of D, D, D·D) as an AccumulatorState, its values
// unchecked (CovarianceAccumulator::from_state checks them).
pcarecon::AccumulatorState state_from(const val& state, int64_t d) {
  if (state.typeOf().as<std::string>() != "object" || state.isNull())
    throw Error("accumulator state must be an object {count, shift, sum, scatter}");
  pcarecon::AccumulatorState s;
  s.count = whole_number(state["count"].as<double>(), "accumulator count");
  s.shift = state_array(state, "shift", static_cast<size_t>(d));
  s.sum = state_array(state, "sum", static_cast<size_t>(d));
  const Eigen::VectorXd scatter = state_array(state, "scatter", static_cast<size_t>(d * d));
  s.scatter = Eigen::Map<const Eigen::MatrixXd>(scatter.data(), d, d);
  return s;
}

void accumulate_rows(JsExplorer& self, double begin, double end) {
  guarded_void("accumulating rows", [&] {
    self.core.accumulate_rows(whole_number(begin, "first row"), whole_number(end, "end row"));
  });
}

void fit_with(JsExplorer& self, double n_components, val state_arg) {
  guarded_void_with("fitting the model", std::move(state_arg), [&](const val& state) {
    const int64_t d = self.core.partial_fit_dim();  // throws when accumulateRows was not called
    self.core.fit_with(whole_number(n_components, "number of components"), state_from(state, d));
  });
}

// An accumulator's state as {dim, count, shift, sum, scatter} (scatter column-major D×D).
val state_val(const pcarecon::AccumulatorState& s) {
  val out = val::object();
  out.set("dim", static_cast<double>(s.shift.size()));
  out.set("count", static_cast<double>(s.count));
  out.set("shift", copy_out(s.shift));
  out.set("sum", copy_out(s.sum));
  out.set("scatter", copy_out(s.scatter.data(), static_cast<size_t>(s.scatter.size())));
  return out;
}

// The covariance of rows handed over by another worker: add(Float32Array of n·D, D) any number
// of times, then state() = {dim, count, shift, sum, scatter} (column-major D×D).
struct JsAccumulator {
  std::optional<pcarecon::CovarianceAccumulator> core;
};

void accumulator_add(JsAccumulator& self, val rows_arg, double dim) {
  guarded_void_with("adding rows", std::move(rows_arg), [&](const val& rows) {
    // 8-bit rows (Explorer.heldRows) are widened to float32 by the copy into the block below.
    if (!rows.instanceof (val::global("Float32Array")) && !rows.instanceof
        (val::global("Uint8Array")) && !rows.instanceof (val::global("Int8Array")))
      throw Error("rows must be a Float32Array (got " + js_type(rows) + ")");
    const int64_t d = whole_number(dim, "row length");
    if (d < 1) throw Error("row length must be at least 1 (got " + std::to_string(d) + ")");
    const size_t total = length_of(rows);
    if (total % static_cast<size_t>(d) != 0)
      throw Error(std::to_string(total) + " values are not whole rows of " + std::to_string(d));
    if (!self.core) self.core.emplace(d);  // only once the first rows are known to be valid
    // A block of rows at a time: the heap holds one block, whatever the array's size.
    const int64_t n = static_cast<int64_t>(total) / d;
    const int64_t block = std::max<int64_t>(1, (int64_t{4} << 20) / (d * 4));
    pcarecon::RowMatrixF buffer;
    for (int64_t r = 0; r < n; r += block) {
      const int64_t b = std::min(block, n - r);
      buffer.resize(b, d);
      val(emscripten::typed_memory_view(static_cast<size_t>(b * d), buffer.data()))
          .call<void>("set", rows.call<val>("subarray", static_cast<double>(r * d),
                                            static_cast<double>((r + b) * d)));
      self.core->add(buffer);
    }
  });
}

val accumulator_state(JsAccumulator& self) {
  return guarded_val("copying the accumulator", [&] {
    if (!self.core) throw Error("no rows have been added yet");
    return state_val(self.core->state());
  });
}

#include "fit_bindings.h"         // planFit, fitForView, the split top-K fit, RowsShare
#include "split_gram_bindings.h"  // the Gram path on two workers, GramShare

// ---- Streamed files: larger than memory, read in parts -------------------------------------

uint64_t byte_count(double bytes, const char* name) {
  const int64_t n = whole_number(bytes, name);
  if (n < 0) throw Error(std::string(name) + " must be 0 or more (got " + std::to_string(n) + ")");
  return static_cast<uint64_t>(n);
}

void set_stream_above_bytes(JsExplorer& self, double bytes) {
  guarded_void("setting the streaming budget",
               [&] { self.core.set_stream_above_bytes(byte_count(bytes, "streaming budget")); });
}

void set_stream_window_bytes(JsExplorer& self, double bytes) {
  guarded_void("setting the display window",
               [&] { self.core.set_stream_window_bytes(byte_count(bytes, "display window")); });
}

void read_rows(JsExplorer& self, double begin, double end) {
  guarded_void("choosing the rows to read", [&] {
    self.core.read_rows(whole_number(begin, "first row"), whole_number(end, "end row"));
  });
}

val finish_part(JsExplorer& self) {
  return guarded_val("reading the file", [&] {
    const pcarecon::StreamedPart part = self.core.finish_part();
    val out = val::object();
    out.set("begin", static_cast<double>(part.begin));
    out.set("end", static_cast<double>(part.end));
    out.set("valueMin", static_cast<double>(part.value_min));
    out.set("valueMax", static_cast<double>(part.value_max));
    if (part.moments)
      out.set("moments", moments_val(*part.moments));  // fitted in passes: no covariance
    else
      out.set("rows", state_val(part.rows));
    val non_finite = val::object();
    non_finite.set("count", static_cast<double>(part.non_finite.count));
    non_finite.set("first", static_cast<double>(part.non_finite.first));
    non_finite.set("overflow", static_cast<double>(part.non_finite.overflow));
    out.set("nonFinite", non_finite);
    return out;
  });
}

void merge_part(JsExplorer& self, val part_arg) {
  guarded_void_with("merging a part of the file", std::move(part_arg), [&](const val& part) {
    if (part.typeOf().as<std::string>() != "object" || part.isNull())
      throw Error(
          "part must be an object {begin, end, valueMin, valueMax, rows, nonFinite?} (got " +
          js_type(part) + ")");
    pcarecon::StreamedPart p;
    p.begin = whole_number(part["begin"].as<double>(), "part begin");
    p.end = whole_number(part["end"].as<double>(), "part end");
    p.value_min = static_cast<float>(part["valueMin"].as<double>());
    p.value_max = static_cast<float>(part["valueMax"].as<double>());
    const val moments = part["moments"];  // instead of rows, for a file fitted in passes
    if (!moments.isUndefined() && !moments.isNull()) {
      p.moments = moments_from(moments, length_of(moments["shift"]));
    } else {
      const val rows = part["rows"];
      const int64_t d = whole_number(rows["dim"].as<double>(), "part row length");
      if (d < 1) throw Error("part: row length must be at least 1 (got " + std::to_string(d) + ")");
      p.rows = pcarecon::CovarianceAccumulator::from_state(state_from(rows, d)).state();  // checked
    }
    const val bad = part["nonFinite"];  // optional: none for a part without NaN/Inf
    if (!bad.isUndefined() && !bad.isNull()) {
      p.non_finite.count = uint64_t(whole_number(bad["count"].as<double>(), "part NaN count"));
      p.non_finite.first = uint64_t(whole_number(bad["first"].as<double>(), "part first NaN"));
      p.non_finite.overflow =
          uint64_t(whole_number(bad["overflow"].as<double>(), "part overflow count"));
    }
    self.core.merge_part(p);
  });
}

#include "streamed_topk_bindings.h"  // the top-K fit of a streamed file, FileGramPass

double live_explorer_count() { return g_live_explorers; }

// Test hook: a real fault inside the module, as a bug would cause one, so that the tests can check
// that the page survives it. "abort": abort() (the runtime's Aborted()); "trap": a WebAssembly
// trap (unreachable). Anything else is refused.
void debug_fault(std::string kind) {
  const bool abort = kind == "abort", trap = kind == "trap";
  std::string().swap(kind);  // nothing left on the heap if the JS error below is thrown
  if (abort) std::abort();
  if (trap) __builtin_trap();
  pcarecon_throw_js_error("debugFault: unknown fault (use 'abort' or 'trap')", "bad_input", 0, 0);
}

}  // namespace

#include "dataset_stats_js.h"  // the dataset-wide views, bound as free functions

EMSCRIPTEN_BINDINGS(pcarecon) {
  using namespace emscripten;

  bind_figure_options();

  class_<JsExplorer> explorer("Explorer");
  explorer.constructor<>()
      .function("beginFile", &begin_file)
      .function("feed", &feed)
      .function("headerInfo", &header_info)
      .function("rowsRead", &rows_read)
      .function("finishFile", &finish_file)
      .function("cancelFile", &cancel_file)
      .function("expectFileSize", &expect_file_size)
      .function("info", &info)
      .function("fit", &fit)
      .function("fitCount", &fit_count)
      .function("model", &model)
      .function("variance", &variance)
      .function("componentCount", &component_count)
      .function("image", &image)
      .function("reconstruction", &reconstruction)
      .function("distortion", &distortion)
      .function("meanImage", &mean_image)
      .function("component", &component)
      .function("setBasisArray", &set_basis_array)
      .function("finishFileWithBasis", &finish_file_with_basis)
      .function("basisInfo", &basis_info)
      .function("rows", &rows)
      .function("heldRows", &held_rows)
      .function("accumulateRows", &accumulate_rows)
      .function("fitWith", &fit_with)
      .function("setStreamAboveBytes", &set_stream_above_bytes)
      .function("setStreamWindowBytes", &set_stream_window_bytes)
      .function("readRows", &read_rows)
      .function("finishPart", &finish_part)
      .function("mergePart", &merge_part);
  add_fit_functions(explorer);
  add_split_gram_functions(explorer);
  add_streamed_topk_functions(explorer);
  add_figure_functions(explorer);

  class_<JsAccumulator>("Accumulator")
      .constructor<>()
      .function("add", &accumulator_add)
      .function("state", &accumulator_state);

  function("npyInfo", &npy_info);
  function("npyHeader", &npy_header);
  function("fitJson", &fit_json);
  function("liveExplorerCount", &live_explorer_count);  // test hook: Explorers not yet deleted
  function("debugFault", &debug_fault);                 // test hook: abort or trap the module
}
