// libFuzzer target: any bytes loaded the way the page loads them (Explorer: begin, feed in
// chunks, finish), then, when the file is read and small, fitted and drawn as the page does.
// Every failure must be a pcarecon::Error with a message; a successful figure must hold only
// finite numbers; a failed load must keep the previously loaded stack.

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static pcarecon::Explorer* explorer = [] {
    auto* e = new pcarecon::Explorer();
    // A known stack that any failed load must leave in place.
    const uint8_t good[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0};
    std::string file(reinterpret_cast<const char*>(good), sizeof good);
    std::string dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1, 1), }";
    dict.resize(117, ' ');
    file += dict + "\n" + std::string("\x01\x02", 2);
    e->begin_file();
    e->feed(reinterpret_cast<const uint8_t*>(file.data()), file.size());
    e->finish_file();
    return e;
  }();
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
  if (info.samples * info.image.pixels() > 4096) return 0;  // keep each run fast
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
