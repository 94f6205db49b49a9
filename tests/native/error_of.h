#pragma once
// The message (error_of) or the kind's code (code_of) of the pcarecon::Error a call throws, for
// tests that compare them word for word; "(no error)" when it throws none, so a missing refusal
// shows up in the failed comparison.

#include <string>
#include <utility>

#include "error.h"

template <class F>
std::string error_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const pcarecon::Error& e) {
    return e.what();
  }
  return "(no error)";
}

template <class F>
std::string code_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const pcarecon::Error& e) {
    return e.code();
  }
  return "(no error)";
}
