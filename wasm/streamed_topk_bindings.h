#pragma once
// The JavaScript surface of a streamed file fitted by the top-K solver in passes over the file
// (streamed_topk.h): Explorer.setStreamSolver, beginStreamedTopK … finishStreamedTopK on the side
// that steers the fit, and FileGramPass, a pass over some rows of the file, in the helper; see
// pcarecon.d.ts. Included by wasm/bindings.cpp alone, after fit_bindings.h (its conversions).

#include <memory>

#include "streamed_topk.h"

// ---- Explorer ----------------------------------------------------------------------------------

void set_stream_solver(JsExplorer& self, std::string solver) {
  guarded_void("choosing how streamed files are fitted", [&] {
    if (solver == "auto")
      self.core.set_stream_solver(pcarecon::StreamSolver::Auto);
    else if (solver == "covariance")
      self.core.set_stream_solver(pcarecon::StreamSolver::Covariance);
    else if (solver == "topk")
      self.core.set_stream_solver(pcarecon::StreamSolver::TopK);
    else
      throw Error("stream solver '" + solver + "' is not one of auto, covariance, topk");
  });
}

void begin_streamed_topk(JsExplorer& self, double k) {
  guarded_void("starting the streamed fit",
               [&] { self.core.begin_streamed_topk(whole_number(k, "number of components")); });
}

bool streamed_topk_done(JsExplorer& self) {
  bool done = false;
  guarded_void("fitting the model", [&] { done = self.core.streamed_topk().done(); });
  return done;
}

// As topkBasis (pass_val, fit_bindings.h).
val streamed_topk_basis(JsExplorer& self, val spare_arg) {
  return guarded_val_with("fitting the model", std::move(spare_arg), [&](const val& spare) {
    const pcarecon::StreamedTopK& fit = self.core.streamed_topk();
    return pass_val(fit.mean(), fit.basis(), spare);
  });
}

void streamed_topk_begin_pass(JsExplorer& self, double begin, double end) {
  guarded_void("fitting the model", [&] {
    self.core.streamed_topk().begin_pass(whole_number(begin, "first row"),
                                         whole_number(end, "end row"));
  });
}

void streamed_topk_feed(JsExplorer& self, val chunk) {
  guarded_void_with("reading the file", std::move(chunk), [&](const val& bytes) {
    const val array = as_uint8_array(bytes, "the chunk");
    const std::vector<uint8_t> copy = copy_in(array, length_of(array));
    self.core.streamed_topk().feed(copy.data(), copy.size());
  });
}

void streamed_topk_finish_pass(JsExplorer& self, val product_arg, double rest_rows) {
  guarded_void_with("fitting the model", std::move(product_arg), [&](const val& product) {
    pcarecon::StreamedTopK& fit = self.core.streamed_topk();
    const Eigen::Index d = fit.basis().rows(), l = fit.basis().cols();
    const int64_t rest = whole_number(rest_rows, "the other rows");
    if (rest > 0) {  // copied in, merged, and freed before the solver's step
      const Eigen::VectorXd flat = doubles_in(product, "the helper's product", size_t(d * l));
      fit.merge_rest(Eigen::Map<const Eigen::MatrixXd>(flat.data(), d, l), rest);
    }
    fit.finish_pass();
  });
}

val finish_streamed_topk(JsExplorer& self) {
  return guarded_val("fitting the model", [&] {
    self.core.finish_streamed_topk();
    return report_val(self.core);
  });
}

template <class C>
void add_streamed_topk_functions(C& explorer) {
  explorer.function("setStreamSolver", &set_stream_solver)
      .function("beginStreamedTopK", &begin_streamed_topk)
      .function("streamedTopKDone", &streamed_topk_done)
      .function("streamedTopKBasis", &streamed_topk_basis)
      .function("streamedTopKBeginPass", &streamed_topk_begin_pass)
      .function("streamedTopKFeed", &streamed_topk_feed)
      .function("streamedTopKFinishPass", &streamed_topk_finish_pass)
      .function("finishStreamedTopK", &finish_streamed_topk);
}

// ---- FileGramPass: the helper's rows of a pass
// ---------------------------------------------------

struct JsFileGramPass {
  std::unique_ptr<pcarecon::FileGramPass> core;
};

// new FileGramPass(header: Uint8Array (the file's first bytes, its .npy header), begin, end,
// {mean, basis, width}): a pass over rows [begin, end), fed the file's bytes from row begin on.
JsFileGramPass* make_file_gram_pass(val header_arg, double begin, double end, val pass_arg) {
  JsFileGramPass* made = nullptr;  // made only once nothing can fail (a JS error unwinds no frame)
  guarded_void_with("starting a pass over the file", std::move(header_arg), [&](const val& h) {
    const val array = as_uint8_array(h, "the header");
    const std::vector<uint8_t> bytes = copy_in(array, length_of(array));
    const auto header = pcarecon::parse_npy_header(bytes.data(), bytes.size());
    if (!header)
      throw Error("the file's header is incomplete: give its first bytes up to its data");
    const int64_t d = pcarecon::file_values(*header);
    const int64_t l = whole_number(pass_arg["width"].as<double>(), "basis width");
    if (l < 1 || l > d) throw Error("basis width must be 1 to " + std::to_string(d));
    const Eigen::VectorXd flat = doubles_in(pass_arg["basis"], "basis", static_cast<size_t>(d * l));
    auto core = std::make_unique<pcarecon::FileGramPass>(
        *header, whole_number(begin, "first row"), whole_number(end, "end row"),
        doubles_in(pass_arg["mean"], "mean", static_cast<size_t>(d)),
        Eigen::Map<const Eigen::MatrixXd>(flat.data(), d, l));
    made = new JsFileGramPass{std::move(core)};
  });
  return made;
}

void file_gram_pass_feed(JsFileGramPass& self, val chunk) {
  guarded_void_with("reading the file", std::move(chunk), [&](const val& bytes) {
    const val array = as_uint8_array(bytes, "the chunk");
    const std::vector<uint8_t> copy = copy_in(array, length_of(array));
    self.core->feed(copy.data(), copy.size());
  });
}

// Float64Array of D·width (column-major), as Explorer.streamedTopKFinishPass takes: in `into`
// when it is a Float64Array of D·width (the pass's basis array, sent back), else a new one.
val file_gram_pass_product(JsFileGramPass& self, val into_arg) {
  return guarded_val_with("fitting the model", std::move(into_arg), [&](const val& into) {
    const Eigen::MatrixXd& product = self.core->pass().product();
    return copy_into(into, product.data(), static_cast<size_t>(product.size()));
  });
}

EMSCRIPTEN_BINDINGS(pcarecon_streamed_topk) {
  emscripten::class_<JsFileGramPass>("FileGramPass")
      .constructor(&make_file_gram_pass, emscripten::allow_raw_pointers())
      .function("feed", &file_gram_pass_feed)
      .function("product", &file_gram_pass_product);
}
