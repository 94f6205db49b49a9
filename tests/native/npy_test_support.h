#pragma once
// What the .npy reader's test files share: fixtures written by NumPy (tests/fixtures/npy_cases.py),
// .npy bytes built here, and the reader driven whole, chunk by chunk or byte by byte.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <new>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "error.h"
#include "error_of.h"
#include "npy_reader.h"

using Catch::Matchers::Contains;
using pcarecon::DType;
using pcarecon::Error;
using pcarecon::ImageShape;
using pcarecon::ImageStack;
using pcarecon::NpyHeader;
using pcarecon::NpyStreamReader;
using pcarecon::RowMatrixF;
using Bytes = std::vector<uint8_t>;

namespace npy_test {

inline std::string fixture(const std::string& relative) {
  return std::string(PCARECON_FIXTURES_DIR) + "/npy/" + relative;
}

inline Bytes slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline Bytes to_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

// The float32 values of an "expected" fixture: NumPy's C-order '<f4' data is the file's tail.
// Read without the reader under test.
inline std::vector<float> expected_values(const std::string& relative, size_t count) {
  const Bytes file = slurp(fixture(relative));
  REQUIRE(file.size() >= count * 4);
  std::vector<float> values(count);
  std::memcpy(values.data(), file.data() + file.size() - count * 4, count * 4);
  return values;
}

inline std::vector<float> values_of(const RowMatrixF& rows) {
  return std::vector<float>(rows.data(), rows.data() + rows.size());
}

// Exact, bit for bit (so -0.0 and 0.0 differ).
inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// A .npy file with this header dict, padded like NumPy does (total a multiple of 64, ending in
// a newline), followed by `data`.
inline Bytes make_npy(const std::string& dict, const std::string& data = "", int major = 1,
                      int minor = 0) {
  const size_t prefix = major == 1 ? 10 : 12;
  std::string header = dict;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += static_cast<char>(minor);
  const size_t n = header.size();
  for (size_t i = 0; i < prefix - 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  return to_bytes(out + header + data);
}

// A C-order .npy (format 1.0) of this dtype descr and shape text (e.g. "(5, 4, 4)"), followed by
// `bytes` raw bytes of `data`.
inline Bytes c_order_npy(const std::string& descr, const std::string& shape, const void* data,
                         size_t bytes) {
  return make_npy("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }",
                  std::string(static_cast<const char*>(data), bytes));
}

inline std::string raw_floats(std::initializer_list<float> values) {
  std::string s(values.size() * 4, '\0');
  std::memcpy(&s[0], values.begin(), s.size());
  return s;
}

inline std::string raw_doubles(std::initializer_list<double> values) {
  std::string s(values.size() * 8, '\0');
  std::memcpy(&s[0], values.begin(), s.size());
  return s;
}

struct Streamed {
  ImageStack stack;
  std::vector<std::pair<int64_t, int64_t>> blocks;  // (first_row, rows) per sink call
};

// Feeds `bytes` in chunks whose sizes come from `next_chunk`, collecting what the sink receives.
inline Streamed read_streamed(const Bytes& bytes, const std::function<size_t()>& next_chunk,
                              std::optional<ImageShape> hint = std::nullopt) {
  Streamed out;
  std::vector<float> values;
  int64_t d = 0;
  NpyStreamReader reader(
      [&](const Eigen::Ref<const RowMatrixF>& rows, int64_t first_row) {
        out.blocks.emplace_back(first_row, rows.rows());
        d = rows.cols();
        for (int64_t r = 0; r < rows.rows(); ++r) {
          for (int64_t c = 0; c < rows.cols(); ++c) values.push_back(rows(r, c));
        }
      },
      hint);
  size_t at = 0;
  while (at < bytes.size()) {
    const size_t n = std::min(std::max<size_t>(next_chunk(), 1), bytes.size() - at);
    reader.feed(bytes.data() + at, n);
    at += n;
  }
  reader.finish();
  CHECK(reader.bytes_fed() == bytes.size());
  CHECK(reader.rows_delivered() == reader.samples());
  out.stack.image = reader.image_shape();
  out.stack.rows = Eigen::Map<RowMatrixF>(values.data(), reader.samples(), d);
  out.stack.value_min = reader.value_min();
  out.stack.value_max = reader.value_max();
  return out;
}

inline Streamed read_bytewise(const Bytes& bytes, std::optional<ImageShape> hint = std::nullopt) {
  return read_streamed(
      bytes, [] { return size_t{1}; }, hint);
}

// The message the stream reader gives for these bytes fed in `chunk`-byte pieces ("" if none).
inline std::string stream_message(const Bytes& bytes, size_t chunk,
                                  std::optional<ImageShape> hint = std::nullopt) {
  try {
    NpyStreamReader reader(nullptr, hint);
    for (size_t at = 0; at < bytes.size(); at += chunk) {
      reader.feed(bytes.data() + at, std::min(chunk, bytes.size() - at));
    }
    reader.finish();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

inline std::string read_message(const Bytes& bytes, std::optional<ImageShape> hint = std::nullopt) {
  try {
    pcarecon::read_npy(bytes.data(), bytes.size(), hint);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

inline DType dtype_from_name(const std::string& name) {
  static const std::pair<const char*, DType> names[] = {
      {"bool", DType::Bool},       {"int8", DType::Int8},       {"int16", DType::Int16},
      {"int32", DType::Int32},     {"int64", DType::Int64},     {"uint8", DType::UInt8},
      {"uint16", DType::UInt16},   {"uint32", DType::UInt32},   {"uint64", DType::UInt64},
      {"float16", DType::Float16}, {"float32", DType::Float32}, {"float64", DType::Float64}};
  for (const auto& [n, d] : names) {
    if (name == n) return d;
  }
  FAIL("unknown dtype name " << name);
  return DType::Float32;
}

inline nlohmann::json load_cases() {
  std::ifstream in(fixture("cases.json"));
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

inline const char* const kAccepted =
    "expected (N, H, W) or (N, H, W, 1) for gray images, (N, H, W, 3) for RGB, or (N, D) with D a "
    "perfect square";

}  // namespace npy_test

using namespace npy_test;
