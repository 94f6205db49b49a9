#pragma once
// Converting JavaScript values for wasm/bindings.cpp, the only file that includes this one: JS
// numbers to whole int64 values, typed arrays into the heap in one block and out as copies
// (slices, valid after the heap grows). Each refusal is a pcarecon::Error naming the value.

#include <emscripten/val.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "error.h"

namespace pcarecon::js {

using emscripten::val;

inline std::string describe(double v) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

// JS numbers are doubles; the core counts in int64. Refuses fractions, NaN, Infinity.
inline int64_t whole_number(double v, const char* name) {
  if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) > 9007199254740992.0)
    throw Error(std::string(name) + " must be a whole number (got " + describe(v) + ")");
  return static_cast<int64_t>(v);
}

inline std::string js_type(const val& v) {
  if (v.isNull()) return "null";
  if (v.isArray()) return "an array";
  return v.typeOf().as<std::string>();
}

// A Uint8Array (or ArrayBuffer) argument as a Uint8Array; throws Error otherwise.
inline val as_uint8_array(const val& bytes, const char* name) {
  if (bytes.instanceof (val::global("Uint8Array"))) return bytes;
  if (bytes.instanceof (val::global("ArrayBuffer"))) return val::global("Uint8Array").new_(bytes);
  throw Error(std::string(name) + " must be a Uint8Array (got " + js_type(bytes) + ")");
}

// Copies bytes [0, n) of a Uint8Array into the heap in one block.
inline std::vector<uint8_t> copy_in(const val& array, size_t n) {
  std::vector<uint8_t> out(n);
  if (n == 0) return out;
  val source = array;
  if (array["length"].as<double>() != static_cast<double>(n))
    source = array.call<val>("subarray", 0.0, static_cast<double>(n));
  val(emscripten::typed_memory_view(n, out.data())).call<void>("set", source);
  return out;
}

// The first n bytes of any typed array (an Int8Array's, a Float32Array's…), copied into the heap
// as they lie in its buffer.
inline std::vector<uint8_t> copy_bytes_in(const val& typed, size_t n) {
  return copy_in(
      val::global("Uint8Array").new_(typed["buffer"], typed["byteOffset"], static_cast<double>(n)),
      n);
}

inline size_t length_of(const val& array) {
  return static_cast<size_t>(array["length"].as<double>());
}

// A Float64Array (its type checked by the caller) copied into the heap in one block.
inline Eigen::VectorXd copy_doubles_in(const val& array) {
  const size_t n = length_of(array);
  Eigen::VectorXd out(static_cast<Eigen::Index>(n));
  if (n > 0) val(emscripten::typed_memory_view(n, out.data())).call<void>("set", array);
  return out;
}

// A typed array of `type` (of exactly n values, when n is given) copied into the heap; throws
// Error naming it otherwise.
template <class Vector>
inline Vector typed_values_in(const val& array, const char* type, const char* name,
                              std::optional<size_t> n) {
  if (!array.instanceof (val::global(type)) || (n && length_of(array) != *n))
    throw Error(std::string(name) + " must be a " + type +
                (n ? " of " + std::to_string(*n) + " values" : std::string()) + " (got " +
                js_type(array) + ")");
  const size_t count = length_of(array);
  Vector out(static_cast<Eigen::Index>(count));
  if (count > 0) val(emscripten::typed_memory_view(count, out.data())).call<void>("set", array);
  return out;
}
inline Eigen::VectorXd doubles_in(const val& array, const char* name,
                                  std::optional<size_t> n = std::nullopt) {
  return typed_values_in<Eigen::VectorXd>(array, "Float64Array", name, n);
}
inline Eigen::VectorXf floats_in(const val& array, const char* name,
                                 std::optional<size_t> n = std::nullopt) {
  return typed_values_in<Eigen::VectorXf>(array, "Float32Array", name, n);
}

template <class T>
inline val copy_out(const T* data, size_t n) {
  return val(emscripten::typed_memory_view(n, data)).call<val>("slice");
}
inline val copy_out(const Eigen::VectorXd& v) {
  return copy_out(v.data(), static_cast<size_t>(v.size()));
}

// The n doubles into `spare` when it is a Float64Array of exactly n values (a buffer that goes
// back and forth between the workers), else into a new one. A top-K pass's D×l doubles (31 MB at
// 256×256) made anew for every message piled up as garbage in the workers: the renderer grew by
// 1.08 GB on a 197 MB file.
inline val copy_into(const val& spare, const double* data, size_t n) {
  if (!spare.instanceof (val::global("Float64Array")) || length_of(spare) != n)
    return copy_out(data, n);
  if (n > 0) spare.call<void>("set", val(emscripten::typed_memory_view(n, data)));
  return spare;
}

inline val shape_array(const std::vector<int64_t>& shape) {
  val out = val::array();
  for (int64_t d : shape) out.call<void>("push", static_cast<double>(d));
  return out;
}

}  // namespace pcarecon::js
