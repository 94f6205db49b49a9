#pragma once
// What the libFuzzer targets share: how a broken invariant is reported (a message and abort(),
// which libFuzzer saves as a finding), what every refusal must be, the figure's finiteness check,
// and small .npy files built in place (a known stack that a failed load must leave untouched).

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "error.h"

namespace pcarecon_fuzz {

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "%s\n", what);
  std::abort();
}

// A refusal of any input says why, and is never an internal error: only a bug causes one.
inline void check_refusal(const pcarecon::Error& e) {
  if (std::string(e.what()).empty()) fail("an error without a message");
  if (e.kind() == pcarecon::ErrorKind::Internal) fail(e.what());
}

// Every number of a figure (or any JSON) must be finite.
inline void check_finite(const nlohmann::json& j) {
  if (j.is_number_float() && !std::isfinite(j.get<double>()))
    fail("a non-finite number in the figure");
  if (j.is_structured())
    for (const auto& item : j) check_finite(item);
}

// A format 1.0 .npy file: the header dict (padded to NumPy's 128 bytes) and the raw data.
inline std::string npy_file(const std::string& dict, const std::string& data) {
  const uint8_t magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0};
  std::string padded = dict;
  padded.resize(117, ' ');
  return std::string(reinterpret_cast<const char*>(magic), sizeof magic) + padded + "\n" + data;
}

// A known stack of two 1×1 uint8 images (values 1 and 2).
inline const std::string& known_stack_file() {
  static const std::string file = npy_file(
      "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1, 1), }", std::string("\x01\x02", 2));
  return file;
}

}  // namespace pcarecon_fuzz
