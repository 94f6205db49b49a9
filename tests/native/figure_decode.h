#pragma once
// Decoding a figure's z arrays back to numbers (plotly's {dtype, bdata, shape} or nested lists),
// shared by the figure tests and the colour tests, and the fit their figures are built from.

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "image_stack.h"
#include "pca.h"

namespace figure_decode {

using nlohmann::json;
using pcarecon::ImageShape;

inline std::vector<uint8_t> base64_decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  REQUIRE(text.size() % 4 == 0);
  std::vector<uint8_t> out;
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t v = 0;
    int pad = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=') {
        ++pad;
        v <<= 6;
        continue;
      }
      REQUIRE(pad == 0);
      const int d = value(c);
      REQUIRE(d >= 0);
      v = (v << 6) | uint32_t(d);
    }
    out.push_back(uint8_t(v >> 16));
    if (pad < 2) out.push_back(uint8_t(v >> 8));
    if (pad < 1) out.push_back(uint8_t(v));
  }
  return out;
}

// z of a picture trace as D floats (H·W for a heatmap, H·W·3 for an RGB image trace, in row
// order), from either encoding.
inline std::vector<float> decode_z(const json& z, const ImageShape& shape) {
  std::vector<float> out;
  if (z.is_object()) {
    REQUIRE(z.at("dtype") == "f4");
    std::string dims = std::to_string(shape.height) + "," + std::to_string(shape.width);
    if (shape.colour()) dims += ",3";
    REQUIRE(z.at("shape") == dims);
    const std::vector<uint8_t> bytes = base64_decode(z.at("bdata").get<std::string>());
    REQUIRE(bytes.size() == size_t(shape.values()) * 4);
    out.resize(size_t(shape.values()));
    std::memcpy(out.data(), bytes.data(), bytes.size());
  } else {
    REQUIRE(z.is_array());
    REQUIRE(z.size() == size_t(shape.height));
    for (const json& row : z) {
      REQUIRE(row.size() == size_t(shape.width));
      for (const json& v : row) {
        if (!shape.colour()) {
          out.push_back(v.get<float>());
          continue;
        }
        REQUIRE(v.size() == 3);  // [r, g, b]
        for (const json& c : v) out.push_back(c.get<float>());
      }
    }
  }
  return out;
}

// The first k components of the stack (exact PCA).
inline pcarecon::PcaModel fit(const pcarecon::ImageStack& stack, int64_t k) {
  pcarecon::PcaOptions options;
  options.n_components = k;
  return pcarecon::fit_pca(stack.rows, options);
}

}  // namespace figure_decode
