// The data of a .npy file as float32: one tight loop per (dtype, byte order), chosen once per
// file, so a 60000×784 file converts in tens of milliseconds. float64 values beyond float32 become
// ±Inf, counted so that the message can say why a finite file holds infinities.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "error.h"
#include "npy_detail.h"

namespace pcarecon {
namespace npy_detail {
namespace {

template <size_t N>
struct UIntOf;
template <>
struct UIntOf<1> {
  using type = uint8_t;
};
template <>
struct UIntOf<2> {
  using type = uint16_t;
};
template <>
struct UIntOf<4> {
  using type = uint32_t;
};
template <>
struct UIntOf<8> {
  using type = uint64_t;
};

inline uint8_t bswap(uint8_t v) { return v; }
inline uint16_t bswap(uint16_t v) { return __builtin_bswap16(v); }
inline uint32_t bswap(uint32_t v) { return __builtin_bswap32(v); }
inline uint64_t bswap(uint64_t v) { return __builtin_bswap64(v); }

template <typename T, bool Swap>
inline T load(const uint8_t* p) {
  using U = typename UIntOf<sizeof(T)>::type;
  U u;
  std::memcpy(&u, p, sizeof u);
  if constexpr (Swap) u = bswap(u);
  T v;
  std::memcpy(&v, &u, sizeof v);
  return v;
}

// Storage type and conversion to float of each dtype.
struct BoolTag {};
struct HalfTag {};

template <typename Tag>
struct Elem {
  using Storage = Tag;
  static float to_float(Tag v) { return static_cast<float>(v); }
};
template <>
struct Elem<BoolTag> {
  using Storage = uint8_t;
  static float to_float(uint8_t v) { return v != 0 ? 1.f : 0.f; }
};
template <>
struct Elem<HalfTag> {
  using Storage = uint16_t;
  static float to_float(uint16_t v) {
    return static_cast<float>(Eigen::half(Eigen::half_impl::raw_uint16_to_half(v)));
  }
};
// Round-to-nearest sends |v| >= 2^128 − 2^103 to infinity; doing so explicitly keeps the
// float64 → float32 conversion defined for every input.
constexpr double kFloat32Overflow = 3.4028235677973366e38;
template <>
struct Elem<double> {
  using Storage = double;
  static float to_float(double v) {
    const float inf = std::numeric_limits<float>::infinity();
    return std::fabs(v) >= kFloat32Overflow ? (v > 0 ? inf : -inf) : static_cast<float>(v);
  }
};

template <typename Tag, bool Swap, bool Contiguous>
uint64_t convert(const uint8_t* src, size_t count, float* dst, ptrdiff_t stride) {
  using S = typename Elem<Tag>::Storage;
  constexpr size_t kSize = sizeof(S);
  const ptrdiff_t step = Contiguous ? 1 : stride;
  uint64_t overflow = 0;
  for (size_t i = 0; i < count; ++i) {
    const S v = load<S, Swap>(src + i * kSize);
    if constexpr (std::is_same_v<Tag, double>) {
      const double a = std::fabs(v);
      overflow += a >= kFloat32Overflow && a <= std::numeric_limits<double>::max();
    }
    dst[static_cast<ptrdiff_t>(i) * step] = Elem<Tag>::to_float(v);
  }
  return overflow;
}

}  // namespace

template <typename Tag>
Converter converter_for(bool swap) {
  if (swap) return {&convert<Tag, true, true>, &convert<Tag, true, false>};
  return {&convert<Tag, false, true>, &convert<Tag, false, false>};
}

Converter make_converter(const NpyHeader& h) {
  const bool swap = h.big_endian && h.item_size > 1;  // wasm and x86 are little endian
  switch (h.dtype) {
    case DType::Bool:
      return converter_for<BoolTag>(false);
    case DType::Int8:
      return converter_for<int8_t>(false);
    case DType::UInt8:
      return converter_for<uint8_t>(false);
    case DType::Int16:
      return converter_for<int16_t>(swap);
    case DType::UInt16:
      return converter_for<uint16_t>(swap);
    case DType::Int32:
      return converter_for<int32_t>(swap);
    case DType::UInt32:
      return converter_for<uint32_t>(swap);
    case DType::Int64:
      return converter_for<int64_t>(swap);
    case DType::UInt64:
      return converter_for<uint64_t>(swap);
    case DType::Float16:
      return converter_for<HalfTag>(swap);
    case DType::Float32:
      return converter_for<float>(swap);
    case DType::Float64:
      return converter_for<double>(swap);
  }
  throw internal_error("unknown dtype");
}

}  // namespace npy_detail
}  // namespace pcarecon
