// libFuzzer target: any bytes loaded the way the page loads them (Explorer: begin, feed in
// chunks, finish), then, when the file is read and small, fitted and drawn as the page does.
// Every failure must be a pcarecon::Error with a message; a successful figure must hold only
// finite numbers; a failed load must keep the previously loaded stack. The same bytes are also
// given as the components of a basis (bring your own basis) for a known stack: refused with a
// message and nothing changed, or a model of finite numbers.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "error.h"
#include "explorer.h"

namespace {

void fail(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::abort();
}

void check_finite(const nlohmann::json& j) {
  if (j.is_number_float() && !std::isfinite(j.get<double>()))
    fail("a non-finite number in the figure");
  if (j.is_structured())
    for (const auto& item : j) check_finite(item);
}

// A known stack of two 1×1 images, as a .npy file.
const std::string& known_file() {
  static const std::string file = [] {
    const uint8_t magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0};
    std::string out(reinterpret_cast<const char*>(magic), sizeof magic);
    std::string dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1, 1), }";
    dict.resize(117, ' ');
    return out + dict + "\n" + std::string("\x01\x02", 2);
  }();
  return file;
}

void feed_known(pcarecon::Explorer& e) {
  e.feed(reinterpret_cast<const uint8_t*>(known_file().data()), known_file().size());
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
    const uint8_t magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0};
    std::string out(reinterpret_cast<const char*>(magic), sizeof magic);
    std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
    dict.resize(117, ' ');
    const float value = 1.5f;
    return out + dict + "\n" + std::string(reinterpret_cast<const char*>(&value), 4);
  }();
  try {
    explorer->begin_file();
    feed_known(*explorer);
    explorer->set_basis_array("components", data, size);
    explorer->set_basis_array("mean", reinterpret_cast<const uint8_t*>(mean.data()), mean.size());
    explorer->finish_file_with_basis();
    const auto& m = explorer->model();
    if (!explorer->basis_source() || !m.components.allFinite() || !m.explained_variance.allFinite() ||
        !m.explained_variance_ratio.allFinite() || !m.singular_values.allFinite())
      fail("a basis gave a model with non-finite numbers");
  } catch (const pcarecon::Error& e) {
    if (std::string(e.what()).empty()) fail("an error without a message");
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
    if (std::string(e.what()).empty()) fail("an error without a message");
    if (explorer->info().samples != before) fail("a failed load changed the loaded stack");
  }
  if (!loaded) return 0;
  const pcarecon::StackInfo info = explorer->info();
  if (info.samples * info.image.values() > 4096) return 0;  // keep each run fast
  try {
    explorer->fit(0);
    pcarecon::FigureOptions options;
    options.binary_arrays = false;  // plain numbers, so each one is checked
    options.sample_index = info.samples - 1;
    check_finite(explorer->figure(options));
    const auto& m = explorer->model();
    if (!m.components.allFinite() || !m.explained_variance_ratio.allFinite() || !m.mean.allFinite())
      fail("a non-finite number in the model");
  } catch (const pcarecon::Error& e) {
    if (std::string(e.what()).empty()) fail("an error without a message");
  }
  return 0;
}
