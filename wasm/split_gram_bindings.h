#pragma once
// The JavaScript surface of the Gram path on two workers (split_gram.h). In the main worker:
// Explorer.beginSplitGram, gramColumns, gramPiece, addGramShare, then weighSplitGram,
// componentRows, addComponentShare, finishSplitGram, and dropSplitGram; in the helper GramShare
// and ComponentShare. Included by wasm/bindings.cpp alone, after fit_bindings.h (report_val): it
// only converts values.

#include <memory>

#include "split_gram.h"

// ---- conversions -------------------------------------------------------------------------------

// {begin, end, lower: Int32Array of N(N+1)/2, columnSums: Float64Array} both ways.
val gram_share_val(const pcarecon::GramShareSums& s) {
  val out = val::object();
  out.set("begin", static_cast<double>(s.begin));
  out.set("end", static_cast<double>(s.end));
  out.set("lower", copy_out(s.lower.data(), s.lower.size()));
  out.set("columnSums", copy_out(s.column_sums));
  return out;
}
pcarecon::GramShareSums gram_share_from(const val& share) {
  if (share.typeOf().as<std::string>() != "object" || share.isNull())
    throw Error("a share of G must be an object {begin, end, lower, columnSums}");
  pcarecon::GramShareSums s;
  s.begin = whole_number(share["begin"].as<double>(), "the share's first column");
  s.end = whole_number(share["end"].as<double>(), "the share's end column");
  const val lower = share["lower"];
  if (!lower.instanceof (val::global("Int32Array")))
    throw Error("a share's sums must be an Int32Array (got " + js_type(lower) + ")");
  s.lower.resize(length_of(lower));
  if (!s.lower.empty())
    val(emscripten::typed_memory_view(s.lower.size(), s.lower.data())).call<void>("set", lower);
  s.column_sums = doubles_in(share["columnSums"], "the share's column sums");
  return s;
}

// A piece of columns (Uint8Array | Int8Array of N·w values) copied into `bytes`, as rows of w.
pcarecon::StackRows byte_piece(const val& piece, double width, std::vector<uint8_t>& bytes) {
  const bool int8 = piece.instanceof (val::global("Int8Array"));
  if (!int8 && !piece.instanceof (val::global("Uint8Array")))
    throw Error("a piece of columns must be a Uint8Array or an Int8Array (got " + js_type(piece) +
                ")");
  const int64_t w = whole_number(width, "piece width");
  const size_t count = length_of(piece);
  if (w < 1 || count % static_cast<size_t>(w) != 0)
    throw Error(std::to_string(count) + " values are not whole rows of " + std::to_string(w));
  bytes = copy_bytes_in(piece, count);
  const int64_t rows = static_cast<int64_t>(count) / w;
  return int8 ? pcarecon::StackRows::int8(reinterpret_cast<const int8_t*>(bytes.data()), rows, w)
              : pcarecon::StackRows::uint8(bytes.data(), rows, w);
}

// ---- Explorer ----------------------------------------------------------------------------------

void begin_split_gram(JsExplorer& self) {
  guarded_void("starting the split fit", [&] { self.core.begin_split_gram(); });
}

void gram_columns(JsExplorer& self, double begin, double end) {
  guarded_void("fitting the model", [&] {
    self.core.split_gram().add_columns(whole_number(begin, "first column"),
                                       whole_number(end, "end column"));
  });
}

// A copy of columns [begin, end) of every row, as the stack holds them (Uint8Array or Int8Array).
val gram_piece(JsExplorer& self, double begin, double end) {
  return guarded_val("copying columns", [&] {
    const std::vector<uint8_t> piece = self.core.split_gram().piece(
        whole_number(begin, "first column"), whole_number(end, "end column"));
    if (pcarecon::StackRows::of(self.core.images()).type() == pcarecon::RowType::Int8)
      return copy_out(reinterpret_cast<const int8_t*>(piece.data()), piece.size());
    return copy_out(piece.data(), piece.size());
  });
}

void add_gram_share(JsExplorer& self, val share_arg) {
  guarded_void_with("fitting the model", std::move(share_arg), [&](const val& share) {
    self.core.split_gram().add_share(gram_share_from(share));
  });
}

// {weights: Float32Array N×kept (column by column), centre: Float32Array D, scale, kept}: what a
// ComponentShare needs.
val weigh_split_gram(JsExplorer& self, double k) {
  return guarded_val("fitting the model", [&] {
    const pcarecon::GramWeights& w =
        self.core.weigh_split_gram(whole_number(k, "number of components"));
    val out = val::object();
    out.set("weights", copy_out(w.weights.data(), static_cast<size_t>(w.weights.size())));
    out.set("centre", copy_out(w.centre.data(), static_cast<size_t>(w.centre.size())));
    out.set("scale", w.scale);
    out.set("kept", static_cast<double>(w.weights.cols()));
    return out;
  });
}

void component_rows(JsExplorer& self, double begin, double end) {
  guarded_void("fitting the model", [&] {
    self.core.split_gram().add_component_rows(whole_number(begin, "first column"),
                                              whole_number(end, "end column"));
  });
}

// rows: Float32Array of (end − begin)×kept values, column by column (ComponentShare.rows).
void add_component_share(JsExplorer& self, double begin_arg, double end_arg, val rows_arg) {
  guarded_void_with("fitting the model", std::move(rows_arg), [&](const val& rows) {
    const int64_t begin = whole_number(begin_arg, "first column");
    const int64_t end = whole_number(end_arg, "end column");
    const Eigen::VectorXf values = floats_in(rows, "the components' rows");
    const int64_t width = std::max<int64_t>(1, end - begin);
    if (values.size() % width != 0)
      throw Error(std::to_string(values.size()) + " values are not rows " + std::to_string(begin) +
                  " to " + std::to_string(end) + " of the product");
    self.core.split_gram().add_rows(
        begin, end, Eigen::Map<const Eigen::MatrixXf>(values.data(), width, values.size() / width));
  });
}

val finish_split_gram(JsExplorer& self) {
  return guarded_val("fitting the model", [&] {
    self.core.finish_split_gram();
    return report_val(self.core);
  });
}

void drop_split_gram(JsExplorer& self) { self.core.drop_split_gram(); }

template <class C>
void add_split_gram_functions(C& explorer) {
  explorer.function("beginSplitGram", &begin_split_gram)
      .function("gramColumns", &gram_columns)
      .function("gramPiece", &gram_piece)
      .function("addGramShare", &add_gram_share)
      .function("weighSplitGram", &weigh_split_gram)
      .function("componentRows", &component_rows)
      .function("addComponentShare", &add_component_share)
      .function("finishSplitGram", &finish_split_gram)
      .function("dropSplitGram", &drop_split_gram);
}

// ---- GramShare: the helper's sums of the pieces it is sent -------------------------------------

struct JsGramShare {
  std::unique_ptr<pcarecon::GramShare> core;
};

JsGramShare* make_gram_share(double n, double begin) {
  JsGramShare* share = nullptr;
  guarded_void("summing columns", [&] {
    share = new JsGramShare{std::make_unique<pcarecon::GramShare>(
        whole_number(n, "rows"), whole_number(begin, "first column"))};
  });
  return share;
}

bool gram_share_room_for(JsGramShare& self, double columns) {
  bool room = false;
  guarded_void("summing columns",
               [&] { room = self.core->room_for(whole_number(columns, "columns")); });
  return room;
}

// add(piece: Uint8Array | Int8Array of N·w values, w)
void gram_share_add(JsGramShare& self, val piece_arg, double width) {
  guarded_void_with("summing columns", std::move(piece_arg), [&](const val& piece) {
    std::vector<uint8_t> bytes;
    self.core->add(byte_piece(piece, width, bytes));
  });
}

val gram_share_take(JsGramShare& self) {
  return guarded_val("summing columns", [&] { return gram_share_val(self.core->take()); });
}

// ---- ComponentShare: the helper's rows of the components' product -----------------------------

struct JsComponentShare {
  std::unique_ptr<pcarecon::ComponentShare> core;
};

// new ComponentShare({weights, centre, scale, kept}) as weighSplitGram answers.
JsComponentShare* make_component_share(val weighed) {
  JsComponentShare* share = nullptr;
  guarded_void_with("computing components", std::move(weighed), [&](const val& w) {
    const int64_t kept = whole_number(w["kept"].as<double>(), "kept components");
    const Eigen::VectorXf weights = floats_in(w["weights"], "the weights");
    if (kept < 1 || weights.size() % kept != 0)
      throw Error(std::to_string(weights.size()) + " weights are not columns of " +
                  std::to_string(kept));
    share = new JsComponentShare{std::make_unique<pcarecon::ComponentShare>(
        Eigen::Map<const Eigen::MatrixXf>(weights.data(), weights.size() / kept, kept),
        floats_in(w["centre"], "the centre"), w["scale"].as<double>())};
  });
  return share;
}

// rows(piece: Uint8Array | Int8Array of N·w values, w, begin): Float32Array of w×kept values.
val component_share_rows(JsComponentShare& self, val piece_arg, double width, double begin) {
  return guarded_val_with("computing components", std::move(piece_arg), [&](const val& piece) {
    std::vector<uint8_t> bytes;
    const pcarecon::StackRows rows = byte_piece(piece, width, bytes);
    const Eigen::MatrixXf product = self.core->rows(rows, whole_number(begin, "first column"));
    return copy_out(product.data(), static_cast<size_t>(product.size()));
  });
}

EMSCRIPTEN_BINDINGS(pcarecon_split_gram) {
  emscripten::class_<JsComponentShare>("ComponentShare")
      .constructor(&make_component_share, emscripten::allow_raw_pointers())
      .function("rows", &component_share_rows);
  emscripten::class_<JsGramShare>("GramShare")
      .constructor(&make_gram_share, emscripten::allow_raw_pointers())
      .function("roomFor", &gram_share_room_for)
      .function("add", &gram_share_add)
      .function("take", &gram_share_take);
}
