// libFuzzer target: the core's side of the .npz path. The page's worker reads an archive's zip
// directory and inflates its members in JavaScript (web/npz.js, fflate; fuzzed under node), then
// hands the core each member's .npy bytes: the images chunk by chunk (feed), and, for a basis
// file, `components`, `mean`, `explained_variance` and `explained_variance_ratio` whole
// (set_basis_array), then finish_file_with_basis (or finish_file when no basis array came). This
// target gives the core any such set of arrays, in the worker's order.
//
// Input: records [role: 1 byte][length: 2 bytes, little-endian][that many bytes], until the input
// ends (a record cut short takes what is left). role % 5: 0 the images (fed in chunks of 1 to 61
// bytes, from the role byte), 1 components, 2 mean, 3 explained_variance, 4
// explained_variance_ratio. Seeds: tests/fuzz/corpus-npz-arrays/, the arrays of NumPy-written basis
// archives (tests/fuzz/make_corpus.py).
//
// Every failure must be a pcarecon::Error with a message that leaves the loaded stack and model
// as they were and no file being read; every success must give a model of finite numbers whose
// figure (for small stacks) holds only finite numbers.

#include <cstdint>
#include <string>
#include <vector>

#include "error.h"
#include "explorer.h"
#include "fuzz_checks.h"

namespace {

using pcarecon_fuzz::check_finite;
using pcarecon_fuzz::check_refusal;
using pcarecon_fuzz::fail;

struct Record {
  int role = 0;
  int chunk = 1;
  const uint8_t* bytes = nullptr;
  size_t size = 0;
};

std::vector<Record> records(const uint8_t* data, size_t size) {
  std::vector<Record> out;
  size_t at = 0;
  while (at < size) {
    Record r;
    r.role = data[at] % 5;
    r.chunk = 1 + data[at] % 61;
    at += 1;
    size_t length = 0;
    if (at < size) length = data[at];
    if (at + 1 < size) length |= size_t{data[at + 1]} << 8;
    at = std::min(size, at + 2);
    r.bytes = data + at;
    r.size = std::min(length, size - at);
    at += r.size;
    out.push_back(r);
  }
  return out;
}

const char* const kBasisNames[] = {"", "components", "mean", "explained_variance",
                                   "explained_variance_ratio"};

// A known stack of two 1×1 images, with a fitted model, that any failure must leave in place.
pcarecon::Explorer& explorer() {
  static pcarecon::Explorer* e = [] {
    const std::string& file = pcarecon_fuzz::known_stack_file();
    auto* made = new pcarecon::Explorer();
    made->begin_file();
    made->feed(reinterpret_cast<const uint8_t*>(file.data()), file.size());
    made->finish_file();
    made->fit(0);
    return made;
  }();
  return *e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pcarecon::Explorer& ex = explorer();
  const std::vector<Record> parts = records(data, size);
  const pcarecon::StackInfo before = ex.info();
  const bool had_model = ex.has_model();
  const int64_t fits = ex.fit_count();

  bool loaded = false;
  try {
    // The worker: the images first (the one member chosen), then the basis arrays.
    const Record* images = nullptr;
    for (const Record& r : parts)
      if (r.role == 0 && !images) images = &r;
    static const Record kNone;
    if (!images) images = &kNone;  // an archive without images: the empty member
    ex.begin_file();
    ex.expect_file_size(images->size);
    for (size_t at = 0; at < images->size; at += images->chunk)
      ex.feed(images->bytes + at, std::min<size_t>(images->chunk, images->size - at));
    bool basis = false;
    for (const Record& r : parts) {
      if (r.role == 0) continue;
      ex.set_basis_array(kBasisNames[r.role], r.bytes, r.size);
      basis = true;
    }
    if (basis)
      ex.finish_file_with_basis();
    else
      ex.finish_file();
    loaded = true;
  } catch (const pcarecon::Error& e) {
    check_refusal(e);
    if (ex.reading()) {
      ex.cancel_file();  // a failed finish leaves nothing pending; only a refused set may
      fail("a refused array left a file being read");
    }
    const pcarecon::StackInfo after = ex.info();
    if (after.samples != before.samples || after.image.values() != before.image.values() ||
        ex.has_model() != had_model || ex.fit_count() != fits)
      fail("a refused archive changed the loaded stack or model");
  }
  if (!loaded) return 0;

  const pcarecon::StackInfo info = ex.info();
  try {
    if (!ex.has_model()) ex.fit(0);  // as the page: a stack without a basis is fitted
    const auto& m = ex.model();
    if (!m.components.allFinite() || !m.mean.allFinite() || !m.explained_variance.allFinite() ||
        !m.explained_variance_ratio.allFinite() || !m.singular_values.allFinite())
      fail("a non-finite number in the model");
    if (info.samples * info.image.values() > 4096) return 0;  // keep each run fast
    pcarecon::FigureOptions options;
    options.binary_arrays = false;  // plain numbers, so each one is checked
    options.sample_index = info.samples - 1;
    check_finite(ex.figure(options));
  } catch (const pcarecon::Error& e) {
    check_refusal(e);
  }
  return 0;
}
