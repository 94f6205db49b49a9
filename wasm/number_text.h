#pragma once
// How an error message names a number (beside error.h, which nearly every file includes).

#include <cstdio>
#include <string>

namespace pcarecon {

// printf's %g: six significant digits; nan, inf, -inf.
inline std::string number_text(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

}  // namespace pcarecon
