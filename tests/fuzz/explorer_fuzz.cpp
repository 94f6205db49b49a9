// libFuzzer target: any bytes loaded the way the page loads them (Explorer: begin, feed in
// chunks, finish), then, when the file is read and small, fitted and drawn as the page does.
// Every failure must be a pcarecon::Error with a message; a successful figure must hold only
// finite numbers; a failed load must keep the previously loaded stack. The same bytes are also
// given as the components of a basis (bring your own basis) for a known stack: refused with a
// message and nothing changed, or a model of finite numbers.

#include <cstdint>
#include <string>

#include "error.h"
#include "explorer.h"
#include "fuzz_checks.h"

namespace {

using pcarecon_fuzz::check_finite;
using pcarecon_fuzz::check_refusal;
using pcarecon_fuzz::fail;
using pcarecon_fuzz::known_stack_file;

void feed_known(pcarecon::Explorer& e) {
  e.feed(reinterpret_cast<const uint8_t*>(known_stack_file().data()), known_stack_file().size());
}

// The input as a basis' components for the known stack (D = 1), with a mean of 1.5.
void fuzz_basis(const uint8_t* data, size_t size) {
  static pcarecon::Explorer* explorer = [] {
    auto* e = new pcarecon::Explorer();
    e->begin_file();
    feed_known(*e);
    e->finish_file();
    e->fit(0);
    return e;
  }();
  static const std::string mean = [] {
    const float value = 1.5f;
    return pcarecon_fuzz::npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
                                   std::string(reinterpret_cast<const char*>(&value), 4));
  }();
  try {
    explorer->begin_file();
    feed_known(*explorer);
    explorer->set_basis_array("components", data, size);
    explorer->set_basis_array("mean", reinterpret_cast<const uint8_t*>(mean.data()), mean.size());
    explorer->finish_file_with_basis();
    const auto& m = explorer->model();
    if (!explorer->basis_source() || !m.components.allFinite() ||
        !m.explained_variance.allFinite() || !m.explained_variance_ratio.allFinite() ||
        !m.singular_values.allFinite())
      fail("a basis gave a model with non-finite numbers");
  } catch (const pcarecon::Error& e) {
    check_refusal(e);
    if (explorer->reading()) fail("a refused basis left a file being read");
    if (!explorer->has_model() || explorer->info().samples != 2)
      fail("a refused basis changed the loaded stack or model");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static pcarecon::Explorer* explorer = [] {
    auto* e = new pcarecon::Explorer();
    // A known stack that any failed load must leave in place.
    e->begin_file();
    feed_known(*e);
    e->finish_file();
    return e;
  }();
  fuzz_basis(data, size);
  const int64_t before = explorer->info().samples;
  bool loaded = false;
  try {
    // Half of the inputs go through the streamed mode (files larger than memory): every file
    // that can be streamed is, keeping at most 64 bytes of rows (at least one row).
    const bool streamed = size > 0 && (data[size - 1] & 0x80);
    explorer->set_stream_above_bytes(streamed ? 0 : pcarecon::Explorer::kMemoryLimitBytes);
    explorer->set_stream_window_bytes(streamed ? 64 : pcarecon::Explorer::kStreamWindowBytes);
    explorer->begin_file();
    explorer->expect_file_size(size);  // as the page does: it knows the file's size
    const size_t chunk = 1 + (size > 0 ? data[size - 1] % 61 : 0);
    for (size_t at = 0; at < size; at += chunk)
      explorer->feed(data + at, std::min(chunk, size - at));
    explorer->finish_file();
    loaded = true;
  } catch (const pcarecon::Error& e) {
    check_refusal(e);
    if (explorer->info().samples != before) fail("a failed load changed the loaded stack");
  }
  if (!loaded) return 0;
  const pcarecon::StackInfo info = explorer->info();
  if (info.samples * info.image.values() > 4096) return 0;  // keep each run fast
  try {
    if (info.streamed && info.streamed->topk) {
      // Fitted in passes over the file: every pass reads the same bytes again, here in one part.
      if (info.streamed->total_samples * info.image.values() > 4096) return 0;
      explorer->begin_streamed_topk(1);
      pcarecon::StreamedTopK& fit = explorer->streamed_topk();
      const size_t first = info.streamed->data_offset;
      while (!fit.done()) {
        fit.begin_pass(0, fit.samples());
        fit.feed(data + first, size - first);
        fit.finish_pass(Eigen::MatrixXd::Zero(fit.basis().rows(), fit.basis().cols()), 0);
      }
      explorer->finish_streamed_topk();
    } else {
      explorer->fit(0);
    }
    pcarecon::FigureOptions options;
    options.binary_arrays = false;  // plain numbers, so each one is checked
    options.sample_index = info.samples - 1;
    check_finite(explorer->figure(options));
    const auto& m = explorer->model();
    if (!m.components.allFinite() || !m.explained_variance_ratio.allFinite() || !m.mean.allFinite())
      fail("a non-finite number in the model");
  } catch (const pcarecon::Error& e) {
    check_refusal(e);
  }
  return 0;
}
