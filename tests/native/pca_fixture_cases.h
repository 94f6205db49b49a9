#pragma once
// The PCA fixture cases written by tests/fixtures/pca_cases.py, shared by the PCA and the
// reconstruction tests: each case's data comes from its raw little-endian .f32 (so these tests do
// not depend on the .npy reader) and scikit-learn's results from its .expected.json.

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "image_stack.h"

namespace pca_fixture_cases {

inline const std::string kDir = std::string(PCARECON_FIXTURES_DIR) + "/pca/";

inline nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) FAIL("cannot open " << path << ": run tests/fixtures/make_fixtures.py first");
  return nlohmann::json::parse(in);
}

struct Case {
  std::string name;
  pcarecon::RowMatrixF data;
  nlohmann::json expected;  // null for the constant case (scikit-learn's ratios are NaN there)
};

inline Case load_case(const std::string& name) {
  const nlohmann::json listing = read_json(kDir + "cases.json");
  for (const auto& entry : listing.at("cases")) {
    if (entry.at("name") != name) continue;
    Case c;
    c.name = name;
    c.data.resize(entry.at("rows").get<int64_t>(), entry.at("cols").get<int64_t>());
    std::ifstream in(kDir + entry.at("f32").get<std::string>(), std::ios::binary);
    in.read(reinterpret_cast<char*>(c.data.data()),
            static_cast<std::streamsize>(c.data.size() * sizeof(float)));  // little-endian host
    REQUIRE(in.gcount() == static_cast<std::streamsize>(c.data.size() * sizeof(float)));
    if (entry.contains("expected"))
      c.expected = read_json(kDir + entry.at("expected").get<std::string>());
    return c;
  }
  FAIL("no fixture case " << name);
  return {};
}

inline Eigen::VectorXd to_vector(const nlohmann::json& j) {
  const auto v = j.get<std::vector<double>>();
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

}  // namespace pca_fixture_cases
