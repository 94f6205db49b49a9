#pragma once
// The one error mechanism of the core: an exception whose message names the offending value, and
// whose kind says what the caller can do about it. The CLI prints the message on stderr, the
// bindings rethrow it in JS as an Error with the same text and the kind's code (error.code), and
// the page shows the message verbatim, so messages are written for people; code branches on the
// kind, never on the text.

#include <cstdint>
#include <stdexcept>
#include <string>

namespace pcarecon {

enum class ErrorKind {
  BadInput,         // the file or an argument is wrong; the message says how
  NeedsImageShape,  // an (N, D) file whose D is not a perfect square: ask for H and W
  TooLarge,         // refused from the header: more memory than the page can ever have
  OutOfMemory,      // an allocation failed although the size was within the limits
  PartsIncomplete,  // a streamed file read in parts: some samples were not read (yet)
  Internal,         // a bug: a condition the core itself should have prevented
};

// The kind as JS sees it (error.code).
constexpr const char* error_code(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::BadInput:
      return "bad_input";
    case ErrorKind::NeedsImageShape:
      return "needs_image_shape";
    case ErrorKind::TooLarge:
      return "too_large";
    case ErrorKind::OutOfMemory:
      return "out_of_memory";
    case ErrorKind::PartsIncomplete:
      return "parts_incomplete";
    case ErrorKind::Internal:
      return "internal";
  }
  return "internal";
}

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : Error(ErrorKind::BadInput, message) {}
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  // NeedsImageShape, with the file's N (samples) and D (values per sample).
  static Error needs_image_shape(const std::string& message, int64_t samples, int64_t values) {
    Error e(ErrorKind::NeedsImageShape, message);
    e.samples_ = samples;
    e.values_ = values;
    return e;
  }

  ErrorKind kind() const noexcept { return kind_; }
  const char* code() const noexcept { return error_code(kind_); }
  int64_t samples() const noexcept { return samples_; }  // NeedsImageShape only; 0 otherwise
  int64_t values() const noexcept { return values_; }    // NeedsImageShape only; 0 otherwise

  // The same error with more said after its message; kind, samples and values are kept.
  Error extended(const std::string& more) const {
    Error e(kind_, std::string(what()) + more);
    e.samples_ = samples_;
    e.values_ = values_;
    return e;
  }

 private:
  ErrorKind kind_;
  int64_t samples_ = 0;
  int64_t values_ = 0;
};

// An error that only a bug in the core can cause.
inline Error internal_error(const std::string& what) {
  return Error(ErrorKind::Internal, "internal error: " + what);
}

}  // namespace pcarecon
