#pragma once
// The JavaScript surface of the fit the page asks for (Explorer.planFit, fitForView, fitReport)
// and of the top-K solver split over two workers (Explorer.beginSplitTopK … finishSplitTopK, and
// RowsShare in the helper); see split_topk.h and pcarecon.d.ts. Included by wasm/bindings.cpp
// alone, inside its anonymous namespace after its guards (guarded_val…) and JsExplorer: like
// js_values.h it only converts values, and it keeps bindings.cpp within its size.

#include <memory>

#include "split_topk.h"

// ---- conversions (Float64Arrays in: doubles_in, js_values.h) -----------------------------------

val report_val(const pcarecon::Explorer& ex) {
  const auto report = ex.fit_report();
  if (!report) return val::null();
  val out = val::object();
  out.set("solver", std::string(pcarecon::solver_kind_name(report->solver)));
  out.set("passes", report->passes);
  out.set("nComponents", static_cast<double>(ex.model().n_components()));
  return out;
}

// A top-K pass for the helper: {mean: Float64Array of D, basis: Float64Array of D·l
// (column-major), width: l}; the basis in `spare` when it is a Float64Array of D·l (the helper's
// last product, sent back: copy_into).
val pass_val(const Eigen::VectorXd& mean, const Eigen::MatrixXd& basis, const val& spare) {
  val out = val::object();
  out.set("mean", copy_out(mean));
  out.set("basis", copy_into(spare, basis.data(), static_cast<size_t>(basis.size())));
  out.set("width", static_cast<double>(basis.cols()));
  return out;
}

// {count, shift, sum, squares} (Float64Arrays of D) both ways.
val moments_val(const pcarecon::MomentsState& s) {
  val out = val::object();
  out.set("count", static_cast<double>(s.count));
  out.set("shift", copy_out(s.shift));
  out.set("sum", copy_out(s.sum));
  out.set("squares", copy_out(s.squares));
  return out;
}
pcarecon::MomentsState moments_from(const val& state, size_t d) {
  if (state.typeOf().as<std::string>() != "object" || state.isNull())
    throw Error("moments must be an object {count, shift, sum, squares}");
  pcarecon::MomentsState s;
  s.count = whole_number(state["count"].as<double>(), "moments count");
  s.shift = doubles_in(state["shift"], "moments shift", d);
  s.sum = doubles_in(state["sum"], "moments sum", d);
  s.squares = doubles_in(state["squares"], "moments squares", d);
  return s;
}

// ---- Explorer ----------------------------------------------------------------------------------

val plan_fit(JsExplorer& self, double k) {
  return guarded_val("choosing the solver", [&] {
    const pcarecon::SolverChoice c = self.core.plan_fit(whole_number(k, "number of components"));
    val out = val::object();
    out.set("solver", std::string(pcarecon::solver_kind_name(c.kind)));
    out.set("exactWork", c.exact_work);
    out.set("randomizedWork", c.randomized_work);
    out.set("exactBytes", c.exact_bytes);
    out.set("randomizedBytes", c.randomized_bytes);
    out.set("gramWork", c.gram_work);  // Infinity for N ≥ D
    out.set("gramBytes", c.gram_bytes);
    return out;
  });
}

void set_fit_solver(JsExplorer& self, std::string solver) {
  guarded_void("choosing the solver", [&] {
    const auto request = pcarecon::solver_request_named(solver);
    if (!request)
      throw Error("solver '" + solver + "' is not one of auto, exact, randomized, gram");
    self.core.set_fit_solver(*request);
  });
}

val fit_for_view(JsExplorer& self, double k) {
  return guarded_val("fitting the model", [&] {
    self.core.fit_for_view(whole_number(k, "number of components"));
    return report_val(self.core);
  });
}

val fit_report(JsExplorer& self) {
  return guarded_val("describing the fit", [&] { return report_val(self.core); });
}

val begin_split_topk(JsExplorer& self, double k, double own_rows) {
  return guarded_val("starting the split fit", [&] {
    self.core.begin_split_topk(whole_number(k, "number of components"),
                               whole_number(own_rows, "rows kept here"));
    return copy_out(self.core.split_topk().shift());
  });
}

void topk_own_moments(JsExplorer& self) {
  guarded_void("fitting the model", [&] { self.core.split_topk().own_moments(); });
}

void topk_merge_moments(JsExplorer& self, val rest_arg) {
  guarded_void_with("fitting the model", std::move(rest_arg), [&](const val& rest) {
    pcarecon::SplitTopK& split = self.core.split_topk();
    split.merge_moments(moments_from(rest, static_cast<size_t>(split.shift().size())));
  });
}

bool topk_done(JsExplorer& self) {
  bool done = false;
  guarded_void("fitting the model", [&] { done = self.core.split_topk().done(); });
  return done;
}

// For the next pass, here and in the helper (pass_val).
val topk_basis(JsExplorer& self, val spare_arg) {
  return guarded_val_with("fitting the model", std::move(spare_arg), [&](const val& spare) {
    const pcarecon::SplitTopK& split = self.core.split_topk();
    return pass_val(split.mean(), split.basis(), spare);
  });
}

void topk_own_pass(JsExplorer& self) {
  guarded_void("fitting the model", [&] { self.core.split_topk().own_pass(); });
}

void topk_merge_pass(JsExplorer& self, val product_arg, double rest_rows) {
  guarded_void_with("fitting the model", std::move(product_arg), [&](const val& product) {
    pcarecon::SplitTopK& split = self.core.split_topk();
    const Eigen::Index d = split.basis().rows(), l = split.basis().cols();
    const Eigen::VectorXd flat = doubles_in(product, "the helper's product", size_t(d * l));
    split.merge_pass(Eigen::Map<const Eigen::MatrixXd>(flat.data(), d, l),
                     whole_number(rest_rows, "the helper's rows"));
  });
}

val finish_split_topk(JsExplorer& self) {
  return guarded_val("fitting the model", [&] {
    self.core.finish_split_topk();
    return report_val(self.core);
  });
}

bool extend_fit(JsExplorer& self, double n_components) {
  bool done = false;
  guarded_void("fitting the model", [&] {
    done = self.core.extend_fit(whole_number(n_components, "number of components"));
  });
  return done;
}

void make_whole_spectrum(JsExplorer& self) {
  guarded_void("finding every eigenvalue", [&] { self.core.make_whole_spectrum(); });
}

bool spectrum_pending(JsExplorer& self) { return self.core.spectrum_pending(); }

template <class C>
void add_fit_functions(C& explorer) {
  explorer.function("planFit", &plan_fit)
      .function("setFitSolver", &set_fit_solver)
      .function("fitForView", &fit_for_view)
      .function("fitReport", &fit_report)
      .function("extendFit", &extend_fit)
      .function("makeWholeSpectrum", &make_whole_spectrum)
      .function("spectrumPending", &spectrum_pending)
      .function("beginSplitTopK", &begin_split_topk)
      .function("topkOwnMoments", &topk_own_moments)
      .function("topkMergeMoments", &topk_merge_moments)
      .function("topkDone", &topk_done)
      .function("topkBasis", &topk_basis)
      .function("topkOwnPass", &topk_own_pass)
      .function("topkMergePass", &topk_merge_pass)
      .function("finishSplitTopK", &finish_split_topk);
}

// ---- RowsShare: the helper's rows of a split fit ----------------------------------------------

struct JsRowsShare {
  std::unique_ptr<pcarecon::RowsShare> core;
};

// new RowsShare(rows: Float32Array | Uint8Array | Int8Array, dim, firstSample): a copy of whole
// rows, at their own precision.
JsRowsShare* make_rows_share(val rows_arg, double dim, double first_sample) {
  JsRowsShare* share = nullptr;  // made only once nothing can fail (a JS error unwinds no frame)
  guarded_void_with("keeping the rows", std::move(rows_arg), [&](const val& rows) {
    const bool floats = rows.instanceof (val::global("Float32Array"));
    const bool int8 = rows.instanceof (val::global("Int8Array"));
    if (!floats && !int8 && !rows.instanceof (val::global("Uint8Array")))
      throw Error("rows must be a Float32Array or a Uint8Array (got " + js_type(rows) + ")");
    const int64_t d = whole_number(dim, "row length");
    const size_t count = length_of(rows);
    if (d < 1 || count % static_cast<size_t>(d) != 0)
      throw Error(std::to_string(count) + " values are not whole rows of " + std::to_string(d));
    std::vector<uint8_t> data = copy_bytes_in(rows, count * (floats ? 4 : 1));
    auto core =
        std::make_unique<pcarecon::RowsShare>(floats ? pcarecon::RowType::Float32
                                              : int8 ? pcarecon::RowType::Int8
                                                     : pcarecon::RowType::UInt8,
                                              std::move(data), static_cast<int64_t>(count) / d, d,
                                              whole_number(first_sample, "first sample"));
    share = new JsRowsShare{std::move(core)};
  });
  return share;
}

val rows_share_moments(JsRowsShare& self, val shift_arg) {
  return guarded_val_with("fitting the model", std::move(shift_arg), [&](const val& shift) {
    const int64_t d = self.core->rows().cols();
    return moments_val(self.core->moments(doubles_in(shift, "shift", static_cast<size_t>(d))));
  });
}

// gram({mean: Float64Array of D, basis: Float64Array of D·width, width}) -> Float64Array of
// D·width (column-major), as Explorer.topkBasis() gives and topkMergePass() takes: the pass's own
// basis array, overwritten (copy_into), so that the same buffer goes back and forth.
val rows_share_gram(JsRowsShare& self, val pass_arg) {
  return guarded_val_with("fitting the model", std::move(pass_arg), [&](const val& pass) {
    const int64_t d = self.core->rows().cols();
    const int64_t l = whole_number(pass["width"].as<double>(), "basis width");
    if (l < 1 || l > d) throw Error("basis width must be 1 to " + std::to_string(d));
    const Eigen::VectorXd flat = doubles_in(pass["basis"], "basis", static_cast<size_t>(d * l));
    const Eigen::MatrixXd product =
        self.core->gram(doubles_in(pass["mean"], "mean", static_cast<size_t>(d)),
                        Eigen::Map<const Eigen::MatrixXd>(flat.data(), d, l));
    return copy_into(pass["basis"], product.data(), static_cast<size_t>(product.size()));
  });
}

EMSCRIPTEN_BINDINGS(pcarecon_split_fit) {
  emscripten::class_<JsRowsShare>("RowsShare")
      .constructor(&make_rows_share, emscripten::allow_raw_pointers())
      .function("moments", &rows_share_moments)
      .function("gram", &rows_share_gram);
}
