#pragma once
// The module's functions for dataset-wide views (dataset_stats.h), for wasm/bindings.cpp, the
// only file that includes this one (after its Explorer wrapper and guards, inside its anonymous
// namespace's reach): free functions, so that the Explorer's class block stays as it is.
//   componentsForShares(ratio: Float64Array, shares: number[]) -> (number | null)[]
//   rowDistortions(explorer, begin, end, k) -> {atK: Float64Array, sums: Float64Array}
//   modelHead(explorer, k) -> {mean: Float64Array, components: Float64Array (k×D row-major)}
//   rowDistortionsOf({rows: Float32Array | Uint8Array | Int8Array, mean, components}) -> {atK,
//   sums}
//     (the helper's half; 8-bit rows as Explorer.heldRows gives them)
//   rangeReconstruction(explorer, sample, first, last) -> Float64Array

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "dataset_stats.h"

namespace {

val distortions_val(const pcarecon::RowDistortions& d) {
  val out = val::object();
  out.set("atK", copy_out(d.at_k));
  out.set("sums", copy_out(d.sums));
  return out;
}

val components_for_shares(val ratio_arg, val shares_arg) {
  const val shares = std::move(shares_arg);
  return guarded_val_with(
      "finding the components for a share", std::move(ratio_arg), [&](const val& ratio_js) {
        const Eigen::VectorXd ratio = doubles_in(ratio_js, "explained variance ratio");
        val out = val::array();
        for (size_t i = 0; i < length_of(shares); ++i) {
          const auto k = pcarecon::components_for_share(ratio, shares[i].as<double>());
          out.call<void>("push", k ? val(static_cast<double>(*k)) : val::null());
        }
        return out;
      });
}

int64_t checked_k(const pcarecon::PcaModel& m, double k_arg) {
  const int64_t k = whole_number(k_arg, "number of components");
  if (k < 0 || k > m.n_components())
    throw Error("number of components must be within 0.." + std::to_string(m.n_components()) +
                " (got " + std::to_string(k) + ")");
  return k;
}

val row_distortions(JsExplorer& self, double begin, double end, double k_arg) {
  return guarded_val("measuring every image's distortion", [&] {
    const pcarecon::PcaModel& m = self.core.model();
    const int64_t k = checked_k(m, k_arg);
    const int64_t first = whole_number(begin, "first row");
    const auto rows = self.core.held_rows(first, whole_number(end, "end row") - first);
    return distortions_val(pcarecon::row_distortions(rows, m.mean, m.components.topRows(k)));
  });
}

val model_head(JsExplorer& self, double k_arg) {
  return guarded_val("copying the model", [&] {
    const pcarecon::PcaModel& m = self.core.model();
    const pcarecon::RowMatrixD head = m.components.topRows(checked_k(m, k_arg));  // row-major
    val out = val::object();
    out.set("mean", copy_out(m.mean));
    out.set("components", copy_out(head.data(), static_cast<size_t>(head.size())));
    return out;
  });
}

val row_distortions_of(val request_arg) {
  return guarded_val_with(
      "measuring every image's distortion", std::move(request_arg), [&](const val& request) {
        const Eigen::VectorXd mean = doubles_in(request["mean"], "mean");
        const Eigen::VectorXd flat = doubles_in(request["components"], "components");
        const val rows_js = request["rows"];
        const bool uint8 = rows_js.instanceof (val::global("Uint8Array"));
        const bool int8 = rows_js.instanceof (val::global("Int8Array"));
        if (!uint8 && !int8 && !rows_js.instanceof (val::global("Float32Array")))
          throw Error("rows must be a Float32Array");
        const int64_t d = mean.size();
        const size_t total = length_of(rows_js);
        if (d < 1 || total % size_t(d) || flat.size() % d)
          throw Error("rows and components must be whole rows of " + std::to_string(d) + " values");
        const pcarecon::RowMatrixD components =
            Eigen::Map<const pcarecon::RowMatrixD>(flat.data(), flat.size() / d, d);
        const int64_t n = int64_t(total) / d;
        if (uint8 || int8) {  // the bytes as they came (Explorer.heldRows), widened per block
          const std::vector<uint8_t> bytes = copy_bytes_in(rows_js, total);
          const pcarecon::StackRows rows =
              uint8
                  ? pcarecon::StackRows::uint8(bytes.data(), n, d)
                  : pcarecon::StackRows::int8(reinterpret_cast<const int8_t*>(bytes.data()), n, d);
          return distortions_val(pcarecon::row_distortions(rows, mean, components));
        }
        pcarecon::RowMatrixF rows(n, d);
        if (total)
          val(emscripten::typed_memory_view(total, rows.data())).call<void>("set", rows_js);
        return distortions_val(pcarecon::row_distortions(rows, mean, components));
      });
}

val range_reconstruction(JsExplorer& self, double sample, double first, double last) {
  return guarded_val("reconstructing from a range of components", [&] {
    const int64_t i = whole_number(sample, "sample index");
    self.core.check_sample(i);
    return copy_out(pcarecon::reconstruct_range(self.core.model(), self.core.image(i),
                                                whole_number(first, "first component"),
                                                whole_number(last, "last component")));
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(pcarecon_dataset_stats) {
  emscripten::function("componentsForShares", &components_for_shares);
  emscripten::function("rowDistortions", &row_distortions);
  emscripten::function("modelHead", &model_head);
  emscripten::function("rowDistortionsOf", &row_distortions_of);
  emscripten::function("rangeReconstruction", &range_reconstruction);
}
