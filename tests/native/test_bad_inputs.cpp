// The bad-input table (tests/fixtures/bad_inputs.py → manifest.json), checked on the core the way
// the page uses it: an Explorer that already holds a stack is given each file (whole, with its
// size announced as the page does, and in 7-byte chunks without it), and must refuse it with the
// table's exact message and keep its stack, or load it, fit it and draw only finite numbers.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "error.h"
#include "explorer.h"

using nlohmann::json;
using pcarecon::Explorer;
using Bytes = std::vector<uint8_t>;

namespace {

std::string table_dir() { return std::string(PCARECON_FIXTURES_DIR) + "/bad_inputs/"; }

Bytes slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A 3×2×2 float32 stack, loaded first so that every refusal can be seen to keep it.
Bytes previous_file() {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, 2), }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  Bytes out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(dict.size()), 0};
  out.insert(out.end(), dict.begin(), dict.end());
  for (int i = 0; i < 12; ++i) {
    const float v = float(i * i % 7);
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    out.insert(out.end(), p, p + 4);
  }
  return out;
}

// How a load ended: the error's message ("" on success), its kind's code, its N and D.
struct Outcome {
  std::string message;
  std::string code;
  int64_t samples = 0;
  int64_t values = 0;
};

// Loads `bytes` into `explorer`.
Outcome load(Explorer& explorer, const Bytes& bytes, size_t chunk, bool announce_size) {
  try {
    explorer.begin_file();
    if (announce_size) explorer.expect_file_size(bytes.size());
    for (size_t at = 0; at < bytes.size(); at += chunk)
      explorer.feed(bytes.data() + at, std::min(chunk, bytes.size() - at));
    explorer.finish_file();
  } catch (const pcarecon::Error& e) {
    return Outcome{e.what(), e.code(), e.samples(), e.values()};
  }
  return Outcome{};
}

// Bad magic is refused from its first wrong byte: fed in small chunks, fewer bytes are shown.
bool same_message(const std::string& expected, const std::string& got) {
  const std::string magic = "; this one starts with \"";
  const size_t e = expected.find(magic), g = got.find(magic);
  if (e != std::string::npos && g != std::string::npos) {
    // The bytes shown, without the closing quote and parenthesis.
    const std::string shown = got.substr(g + magic.size(), got.size() - g - magic.size() - 2);
    return expected.compare(e + magic.size(), shown.size(), shown) == 0;
  }
  return expected == got;
}

// Non-finite numbers in a figure's data: NaN and Inf, or the null nlohmann writes for them. The
// play/pause buttons' [null] frame lists are plotly's own and are skipped.
size_t count_non_finite(const json& j) {
  if (j.is_number_float()) return std::isfinite(j.get<double>()) ? 0 : 1;
  if (j.is_null()) return 1;
  size_t n = 0;
  if (j.is_object()) {
    for (const auto& [key, item] : j.items())
      if (key != "updatemenus") n += count_non_finite(item);
  } else if (j.is_array()) {
    for (const auto& item : j) n += count_non_finite(item);
  }
  return n;
}

json load_table() {
  std::ifstream in(table_dir() + "manifest.json");
  REQUIRE(in.good());
  return json::parse(in);
}

}  // namespace

TEST_CASE("the bad-input table has at least 25 cases of each promised kind", "[bad_inputs]") {
  const json table = load_table();
  CHECK(table.size() >= 25);
  size_t refused = 0, loaded = 0, page = 0;
  for (const json& c : table) {
    refused += !c["error"].is_null();
    loaded += c["error"].is_null();
    page += c["page"].get<bool>();
  }
  CHECK(refused >= 25);
  CHECK(loaded >= 4);
  CHECK(page >= 12);
}

TEST_CASE("every bad input is refused with its message, every degenerate one works",
          "[bad_inputs]") {
  const json table = load_table();
  const Bytes previous = previous_file();
  for (const json& c : table) {
    const std::string name = c["name"];
    INFO("case " << name << ": " << c["what"].get<std::string>());
    const Bytes bytes = slurp(table_dir() + c["file"].get<std::string>());
    Explorer explorer;
    REQUIRE(load(explorer, previous, previous.size(), true).message.empty());

    const Outcome whole = load(explorer, bytes, bytes.size() + 1, true);
    const Outcome chunked = load(explorer, bytes, 7, false);
    if (c["stage"] == "load") {
      CHECK(whole.message == c["error"].get<std::string>());
      CHECK(same_message(c["error"], chunked.message));
      CHECK(whole.code == c["kind"].get<std::string>());
      CHECK(chunked.code == c["kind"].get<std::string>());
      CHECK(whole.samples == c.value("samples", int64_t{0}));
      CHECK(whole.values == c.value("values", int64_t{0}));
      // The stack on screen stays.
      CHECK(explorer.info().samples == 3);
      CHECK(explorer.info().image.values() == 4);
      CHECK_FALSE(explorer.reading());
      continue;
    }
    REQUIRE(whole.message.empty());
    REQUIRE(chunked.message.empty());
    if (c["stage"] == "fit") {
      try {
        explorer.fit(0);
        FAIL("the fit should have been refused");
      } catch (const pcarecon::Error& e) {
        CHECK(std::string(e.what()) == c["error"].get<std::string>());
        CHECK(std::string(e.code()) == c["kind"].get<std::string>());
      }
      CHECK_FALSE(explorer.has_model());
      continue;
    }
    const json& b = c["behaviour"];
    const pcarecon::StackInfo info = explorer.info();
    CHECK(info.samples == b["samples"].get<int64_t>());
    CHECK(info.image.height == b["height"].get<int64_t>());
    CHECK(info.image.width == b["width"].get<int64_t>());
    CHECK(info.image.channels == b.value("channels", int64_t{1}));
    explorer.fit(0);
    const pcarecon::PcaModel& m = explorer.model();
    CHECK(m.mean.allFinite());
    CHECK(m.components.allFinite());
    CHECK(m.explained_variance.allFinite());
    CHECK(m.explained_variance_ratio.allFinite());
    CHECK(std::isfinite(m.total_variance));
    if (b["zero_variance"].get<bool>()) {
      CHECK(m.total_variance == 0);
      CHECK(m.explained_variance_ratio.isZero());
    } else {
      CHECK(m.total_variance > 0);
      CHECK(m.explained_variance_ratio.sum() == Approx(1.0).epsilon(1e-6));
    }
    if (!b["rank"].is_null()) {
      int64_t carrying = 0;
      for (Eigen::Index i = 0; i < m.explained_variance_ratio.size(); ++i)
        carrying += m.explained_variance_ratio[i] > 1e-9;
      CHECK(carrying == b["rank"].get<int64_t>());
    }
    for (int64_t sample : {int64_t{0}, info.samples - 1}) {
      for (bool binary : {false, true}) {
        pcarecon::FigureOptions options;
        options.sample_index = sample;
        options.binary_arrays = binary;
        const json figure = explorer.figure(options);
        CHECK(count_non_finite(figure) == 0);
        json data = figure;
        data["layout"].erase("updatemenus");
        const std::string text = data.dump();
        CHECK(text.find("null") == std::string::npos);
      }
      const pcarecon::ReconstructionSeries s = explorer.series(sample);
      CHECK(s.distortion.allFinite());
      for (int64_t k = 0; k <= m.n_components(); ++k)
        CHECK(explorer.reconstruction(sample, k).allFinite());
    }
  }
}

TEST_CASE("a header announcing more than the page can hold is refused before its data",
          "[bad_inputs]") {
  // Only the header: the refusal cannot wait for data that would never fit.
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 2048, 2048), }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  Bytes header = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(dict.size()), 0};
  header.insert(header.end(), dict.begin(), dict.end());
  Explorer explorer;
  explorer.begin_file();
  CHECK_THROWS_WITH(explorer.feed(header.data(), header.size()),
                    "too large to load: 100000 images of 2048x2048 pixels as float32 need "
                    "1677.72 GB (1677721600000 bytes), and this page can hold at most 4.29 GB "
                    "(4294967296 bytes, the memory limit of WebAssembly); it cannot be streamed "
                    "either: the top-K fit of images of 4194304 values (50 components, in passes "
                    "over the file) needs 13.44 GB of working memory, more than the 4.29 GB a "
                    "page can hold");
  CHECK_FALSE(explorer.reading());
  // Within the limit (rows and the fit's working memory) is not refused up front.
  std::string under = "{'descr': '|u1', 'fortran_order': False, 'shape': (4095, 128, 128), }";
  while ((10 + under.size() + 1) % 64 != 0) under += ' ';
  under += '\n';
  Bytes small = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(under.size()), 0};
  small.insert(small.end(), under.begin(), under.end());
  explorer.begin_file();
  explorer.feed(small.data(), small.size());
  CHECK(explorer.pending_info().has_value());
  CHECK_THROWS_WITH(explorer.finish_file(),
                    "file is truncated: expected 67092480 data bytes, found 0");
  // With the file's size announced, a short file is refused at its header, before any buffer.
  explorer.begin_file();
  explorer.expect_file_size(small.size() + 10);
  CHECK_THROWS_WITH(explorer.feed(small.data(), small.size()),
                    "file is truncated: expected 67092480 data bytes, found 10");
}
