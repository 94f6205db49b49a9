// Reads NumPy .npy files: the header is a Python dict literal parsed here by a small recursive
// descent parser; the data is converted to float32 by one tight loop per (dtype, byte order),
// chosen once per file, so a 60000×784 file converts in tens of milliseconds.

#include "npy_reader.h"

#include <sys/stat.h>

#include <Eigen/Core>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <new>
#include <sstream>
#include <utility>

#include "error.h"

namespace pcarecon {

namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
// No plain numeric dtype needs more than a few hundred header bytes; the limit keeps a hostile
// header length from making a streaming caller buffer gigabytes before anything can be said.
constexpr uint64_t kMaxHeaderBytes = 1 << 20;

// ---- formatting helpers ----------------------------------------------------------------------

// Bytes shown as a Python bytes literal body: printable ASCII as is, anything else as \xNN.
std::string escape_bytes(const uint8_t* bytes, size_t size, size_t limit = 120) {
  std::string out;
  for (size_t i = 0; i < size && i < limit; ++i) {
    const uint8_t c = bytes[i];
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (size > limit) out += "...";
  return out;
}

std::string escape_text(const std::string& text, size_t limit = 120) {
  return escape_bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size(), limit);
}

std::string format_gb(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GB", static_cast<double>(bytes) / 1e9);
  return buf;
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// ---- header dict parser ------------------------------------------------------------------------

// A Python literal as it can appear in a .npy header.
struct Value {
  enum Kind { Str, Int, Bool, None, Tuple, List, Dict } kind = None;
  std::string str;            // Str
  int64_t integer = 0;        // Int
  bool boolean = false;       // Bool
  std::vector<Value> items;   // Tuple, List
  size_t begin = 0, end = 0;  // source span in the header text, for messages
};

class HeaderParser {
 public:
  explicit HeaderParser(std::string text) : text_(std::move(text)) {}

  // Parses the whole header: one dict, then only padding.
  std::vector<std::pair<std::string, Value>> parse_dict() {
    skip_space();
    expect('{', "'{' opening the header dict");
    std::vector<std::pair<std::string, Value>> entries;
    skip_space();
    while (!at('}')) {
      skip_space();
      if (!at('\'') && !at('"')) fail("a quoted key such as 'descr' or '}' closing the dict");
      Value key = parse_string();
      skip_space();
      expect(':', "':' after the key '" + escape_text(key.str) + "'");
      skip_space();
      Value value = parse_value(0);
      entries.emplace_back(key.str, std::move(value));
      skip_space();
      if (at(',')) {
        ++pos_;
        skip_space();
      } else if (!at('}')) {
        fail("',' or '}' after the value of '" + escape_text(key.str) + "'");
      }
    }
    ++pos_;  // '}'
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\0') {
        fail("only padding (spaces and a newline) after the closing '}'");
      }
      ++pos_;
    }
    return entries;
  }

  std::string span(const Value& v) const { return text_.substr(v.begin, v.end - v.begin); }

 private:
  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  void expect(char c, const std::string& what) {
    if (!at(c)) fail(what);
    ++pos_;
  }

  [[noreturn]] void fail(const std::string& expected) const {
    std::string found;
    if (pos_ >= text_.size()) {
      found = "the end of the header";
    } else {
      found = "'" + escape_text(text_.substr(pos_, 1)) + "'";
    }
    throw Error("cannot parse the .npy header: expected " + expected + " at character " +
                std::to_string(pos_) + ", found " + found + "; the header is \"" +
                escape_text(text_, 200) + "\"");
  }

  Value parse_string() {
    Value v;
    v.kind = Value::Str;
    v.begin = pos_;
    const char quote = text_[pos_++];
    while (true) {
      if (pos_ >= text_.size()) {
        pos_ = v.begin;
        fail("a closing quote for the string starting");
      }
      const char c = text_[pos_++];
      if (c == quote) break;
      if (c == '\\') {
        if (pos_ >= text_.size()) continue;  // reported as unterminated above
        v.str += text_[pos_++];
      } else {
        v.str += c;
      }
    }
    v.end = pos_;
    return v;
  }

  Value parse_value(int depth) {
    if (depth > 32) fail("a less deeply nested value");
    Value v;
    v.begin = pos_;
    if (pos_ >= text_.size()) fail("a value");
    const char c = text_[pos_];
    if (c == '\'' || c == '"') return parse_string();
    if (c == '(' || c == '[') {
      const char close = c == '(' ? ')' : ']';
      ++pos_;
      v.kind = c == '(' ? Value::Tuple : Value::List;
      bool comma = false;
      skip_space();
      while (!at(close)) {
        v.items.push_back(parse_value(depth + 1));
        skip_space();
        if (at(',')) {
          comma = true;
          ++pos_;
          skip_space();
        } else if (!at(close)) {
          fail(std::string("',' or '") + close + "' in the " + (close == ')' ? "tuple" : "list") +
               " starting at character " + std::to_string(v.begin));
        }
      }
      ++pos_;
      v.end = pos_;
      // (x) without a comma is a parenthesized value in Python, not a tuple.
      if (v.kind == Value::Tuple && v.items.size() == 1 && !comma) {
        Value inner = v.items[0];
        inner.begin = v.begin;
        inner.end = v.end;
        return inner;
      }
      return v;
    }
    if (c == '{') {
      // Only to report it properly: a dict is never a valid value here.
      int level = 0;
      while (pos_ < text_.size()) {
        if (text_[pos_] == '{') ++level;
        if (text_[pos_] == '}' && --level == 0) break;
        ++pos_;
      }
      if (pos_ >= text_.size()) fail("'}' closing the dict value");
      ++pos_;
      v.kind = Value::Dict;
      v.end = pos_;
      return v;
    }
    if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
      const bool negative = c == '-';
      if (c == '-' || c == '+') {
        ++pos_;
        skip_space();
      }
      if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9') fail("a digit");
      uint64_t magnitude = 0;
      bool too_large = false;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        const uint64_t digit = static_cast<uint64_t>(text_[pos_] - '0');
        if (magnitude > (std::numeric_limits<uint64_t>::max() - digit) / 10) too_large = true;
        if (!too_large) magnitude = magnitude * 10 + digit;
        ++pos_;
      }
      if (at('L') || at('l')) ++pos_;  // Python 2 long literals, as old NumPy wrote them
      v.end = pos_;
      const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
      if (too_large || magnitude > limit + (negative ? 1 : 0)) {
        throw Error("the .npy header has the integer " + escape_text(span(v)) +
                    ", which does not fit in 64 bits");
      }
      v.kind = Value::Int;
      v.integer = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
      return v;
    }
    // Identifiers: True, False, None.
    size_t end = pos_;
    while (end < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_')) {
      ++end;
    }
    const std::string word = text_.substr(pos_, end - pos_);
    if (word == "True" || word == "False") {
      v.kind = Value::Bool;
      v.boolean = word == "True";
    } else if (word == "None") {
      v.kind = Value::None;
    } else {
      fail("a value (a string, number, True, False or a tuple)");
    }
    pos_ = end;
    v.end = pos_;
    return v;
  }

  std::string text_;
  size_t pos_ = 0;
};

// ---- dtype --------------------------------------------------------------------------------------

const char* const kReadable =
    "readable dtypes are bool, int8 to int64, uint8 to uint64, float16, float32 and float64";

void parse_descr(const std::string& descr, NpyHeader& h) {
  const std::string shown = "'" + escape_text(descr) + "'";
  if (descr.empty())
    throw Error("the .npy header has an empty dtype ''; " + std::string(kReadable));
  size_t pos = 0;
  char order = '=';
  if (descr[0] == '<' || descr[0] == '>' || descr[0] == '|' || descr[0] == '=') {
    order = descr[0];
    pos = 1;
  }
  if (pos >= descr.size()) throw Error("unsupported dtype " + shown + "; " + kReadable);
  const char kind = descr[pos];
  const std::string rest = descr.substr(pos + 1);
  auto unsupported = [&](const std::string& why) {
    return Error("unsupported dtype " + shown + " (" + why + "); " + kReadable);
  };
  switch (kind) {
    case 'O':
      throw Error("object arrays (dtype " + shown +
                  ") are pickled Python objects and cannot be read; save the data as a numeric "
                  "array");
    case 'c':
      throw unsupported("complex numbers");
    case 'U':
      throw unsupported("Unicode strings");
    case 'S':
    case 'a':
      throw unsupported("byte strings");
    case 'V':
      throw unsupported("raw bytes or records");
    case 'M':
      throw unsupported("dates and times");
    case 'm':
      throw unsupported("time differences");
    default:
      break;
  }
  // The rest must be a plain byte count.
  size_t size = 0;
  if (rest.empty() || rest.size() > 3 ||
      !std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw unsupported("not a plain numeric type");
  }
  size = static_cast<size_t>(std::stoul(rest));
  DType dtype;
  if (kind == 'b' && size == 1) {
    dtype = DType::Bool;
  } else if (kind == 'i' && size == 1) {
    dtype = DType::Int8;
  } else if (kind == 'i' && size == 2) {
    dtype = DType::Int16;
  } else if (kind == 'i' && size == 4) {
    dtype = DType::Int32;
  } else if (kind == 'i' && size == 8) {
    dtype = DType::Int64;
  } else if (kind == 'u' && size == 1) {
    dtype = DType::UInt8;
  } else if (kind == 'u' && size == 2) {
    dtype = DType::UInt16;
  } else if (kind == 'u' && size == 4) {
    dtype = DType::UInt32;
  } else if (kind == 'u' && size == 8) {
    dtype = DType::UInt64;
  } else if (kind == 'f' && size == 2) {
    dtype = DType::Float16;
  } else if (kind == 'f' && size == 4) {
    dtype = DType::Float32;
  } else if (kind == 'f' && size == 8) {
    dtype = DType::Float64;
  } else if (kind == 'f') {
    throw unsupported(std::to_string(size * 8) + "-bit floats");
  } else if (kind == 'i' || kind == 'u' || kind == 'b') {
    throw unsupported(std::to_string(size * 8) + "-bit " +
                      (kind == 'b'   ? "booleans"
                       : kind == 'i' ? "integers"
                                     : "unsigned integers"));
  } else {
    throw unsupported("unknown type code '" + escape_text(std::string(1, kind)) + "'");
  }
  h.descr = descr;
  h.dtype = dtype;
  h.item_size = size;
  h.big_endian = order == '>';
}

// ---- header framing -----------------------------------------------------------------------------

uint64_t read_le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

// Checks magic and version as far as the bytes go; returns the total header size (data offset)
// once the length field is complete.
std::optional<uint64_t> header_total_size(const uint8_t* bytes, size_t size) {
  if (size == 0) return std::nullopt;
  const size_t magic_seen = std::min<size_t>(size, sizeof kMagic);
  if (std::memcmp(bytes, kMagic, magic_seen) != 0) {
    // What to do first, then the bytes found (the evidence). A zip signature: most likely a .npz
    // given where one .npy is expected (the page reads .npz archives before they get here).
    const bool zip = size >= 2 && bytes[0] == 'P' && bytes[1] == 'K';
    throw Error(std::string("not a .npy file: ") +
                (zip ? "this is a .npz archive (a zip of .npy files); give one array saved with "
                       "numpy.save"
                     : "save the images with numpy.save") +
                " (a .npy file starts with \"\\x93NUMPY\"; this one starts with \"" +
                escape_bytes(bytes, std::min<size_t>(size, 8)) + "\")");
  }
  if (size < 8) return std::nullopt;
  const int major = bytes[6], minor = bytes[7];
  if (!((major == 1 || major == 2 || major == 3) && minor == 0)) {
    throw Error("unsupported .npy format version " + std::to_string(major) + "." +
                std::to_string(minor) + "; this reader understands versions 1.0, 2.0 and 3.0");
  }
  const size_t length_bytes = major == 1 ? 2 : 4;
  if (size < 8 + length_bytes) return std::nullopt;
  const uint64_t header_len = read_le(bytes + 8, length_bytes);
  if (header_len > kMaxHeaderBytes) {
    throw Error("the .npy header claims to be " + std::to_string(header_len) +
                " bytes long; a header of a plain numeric array is at most a few hundred bytes "
                "(limit " +
                std::to_string(kMaxHeaderBytes) + ")");
  }
  return 8 + length_bytes + header_len;
}

std::string incomplete_header_message(const uint8_t* bytes, size_t size) {
  if (size == 0) return "not a .npy file: the file is empty";
  const std::optional<uint64_t> total = header_total_size(bytes, size);  // may throw: bad magic
  if (!total) {
    return "file is truncated: the header is incomplete (the file has only " +
           plural(size, "byte", "bytes") + "; a .npy header is at least 10 bytes long)";
  }
  return "file is truncated: the header is incomplete (it announces " + std::to_string(*total) +
         " header bytes, the file has only " + plural(size, "byte", "bytes") + ")";
}

std::string truncated_data_message(uint64_t expected, uint64_t found) {
  return "file is truncated: expected " + std::to_string(expected) + " data bytes, found " +
         std::to_string(found);
}

std::string excess_data_message(uint64_t excess) {
  return "file has " + plural(excess, "byte", "bytes") + " after the data the header announces";
}

// ---- conversion ---------------------------------------------------------------------------------

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

// Converts `count` elements from `src` to dst[0], dst[stride], ...; returns how many finite
// float64 values overflowed float32 (always 0 for other dtypes).
using ConvertFn = uint64_t (*)(const uint8_t* src, size_t count, float* dst, ptrdiff_t stride);

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

struct Converter {
  ConvertFn contiguous = nullptr;
  ConvertFn strided = nullptr;
};

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

std::string matrix_size_text(int64_t n, const ImageShape& image) {
  return plural(static_cast<uint64_t>(n), "image", "images") + " of " +
         std::to_string(image.height) + "x" + std::to_string(image.width) +
         (image.colour() ? " RGB pixels" : " pixels");
}

// Throws unless an N×D float32 matrix can at least be addressed by this build.
void check_addressable(int64_t n, const ImageShape& image) {
  const uint64_t d = static_cast<uint64_t>(image.values());
  const uint64_t max_index = static_cast<uint64_t>(std::numeric_limits<Eigen::Index>::max());
  const uint64_t max_bytes = std::numeric_limits<size_t>::max();
  const uint64_t un = static_cast<uint64_t>(n);
  const bool fits = un <= max_index / d && un * d <= max_bytes / sizeof(float);
  if (!fits) {
    const long double bytes = static_cast<long double>(un) * static_cast<long double>(d) * 4;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2Lf GB", bytes / 1e9L);
    throw Error(ErrorKind::TooLarge, "not enough memory: " + matrix_size_text(n, image) +
                                         " as float32 need " + buf +
                                         ", more than this program can address");
  }
}

// Throws unless the N×D float32 matrix stays under `limit` bytes; said as soon as the header is
// read, before any data, so a file too large for the page is refused at once.
void check_matrix_limit(int64_t n, const ImageShape& image, uint64_t limit) {
  const long double bytes =
      static_cast<long double>(n) * static_cast<long double>(image.values()) * sizeof(float);
  if (bytes < static_cast<long double>(limit)) return;
  char size[64];
  std::snprintf(size, sizeof size, "%.2Lf GB (%.0Lf bytes)", bytes / 1e9L, bytes);
  throw Error(ErrorKind::TooLarge,
              "too large to load: " + matrix_size_text(n, image) + " as float32 need " + size +
                  ", and this page can hold at most " + format_gb(limit) + " (" +
                  std::to_string(limit) + " bytes, the memory limit of WebAssembly)");
}

// limit > 0: the page's memory limit, said too. kind: OutOfMemory after a failed allocation,
// TooLarge for a refusal from the header.
[[noreturn]] void throw_out_of_memory(int64_t n, const ImageShape& image, uint64_t limit = 0,
                                      ErrorKind kind = ErrorKind::OutOfMemory) {
  const uint64_t bytes = static_cast<uint64_t>(n) * static_cast<uint64_t>(image.values()) * 4;
  std::string message = "not enough memory to hold " + matrix_size_text(n, image) +
                        " as float32 (" + std::to_string(bytes) + " bytes, " + format_gb(bytes) +
                        ")";
  if (limit > 0)
    message += "; this page can hold at most " + format_gb(limit) + " (" + std::to_string(limit) +
               " bytes, the memory limit of WebAssembly) in all";
  throw Error(kind, message);
}

// The checks a header must pass before any data is read, in the same order for the stream reader
// and for whole files, so both give the same message. Returns the bytes of one sample.
// streamed: the caller does not hold the matrix, so only the per-sample checks apply.
size_t check_sizes(const NpyHeader& h, const ImageShape& image, uint64_t max_matrix_bytes,
                   bool streamed = false) {
  const int64_t n = h.shape[0];
  if (!streamed) {
    if (max_matrix_bytes > 0) check_matrix_limit(n, image, max_matrix_bytes);  // the page's own
    check_addressable(n, image);
  }
  uint64_t sample = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(image.values()),
                             static_cast<uint64_t>(h.item_size), &sample) ||
      sample > std::numeric_limits<size_t>::max()) {
    throw Error(ErrorKind::TooLarge,
                "a single sample of shape " + shape_string(h.shape) + " is too large to read");
  }
  if (h.fortran_order && h.data_bytes > std::numeric_limits<size_t>::max()) {
    // The whole file must be held, more than size_t can count.
    throw_out_of_memory(n, image, max_matrix_bytes, ErrorKind::TooLarge);
  }
  return static_cast<size_t>(sample);
}

}  // namespace

// ---- public helpers -----------------------------------------------------------------------------

void check_memory_limit(int64_t n, const ImageShape& image, uint64_t limit) {
  check_matrix_limit(n, image, limit);
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::Bool:
      return "bool";
    case DType::Int8:
      return "int8";
    case DType::Int16:
      return "int16";
    case DType::Int32:
      return "int32";
    case DType::Int64:
      return "int64";
    case DType::UInt8:
      return "uint8";
    case DType::UInt16:
      return "uint16";
    case DType::UInt32:
      return "uint32";
    case DType::UInt64:
      return "uint64";
    case DType::Float16:
      return "float16";
    case DType::Float32:
      return "float32";
    case DType::Float64:
      return "float64";
  }
  return "unknown";
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

std::string NpyHeader::version() const {
  return std::to_string(major_version) + "." + std::to_string(minor_version);
}

std::optional<NpyHeader> parse_npy_header(const uint8_t* bytes, size_t size) {
  if (bytes == nullptr) size = 0;
  const std::optional<uint64_t> total = header_total_size(bytes, size);
  if (!total || size < *total) return std::nullopt;

  NpyHeader h;
  h.major_version = bytes[6];
  h.minor_version = bytes[7];
  const size_t dict_start = h.major_version == 1 ? 10 : 12;
  h.data_offset = static_cast<size_t>(*total);
  HeaderParser parser(
      std::string(reinterpret_cast<const char*>(bytes) + dict_start, h.data_offset - dict_start));
  const auto entries = parser.parse_dict();

  const Value* descr = nullptr;
  const Value* fortran = nullptr;
  const Value* shape = nullptr;
  for (const auto& [key, value] : entries) {
    const Value** slot = key == "descr"           ? &descr
                         : key == "fortran_order" ? &fortran
                         : key == "shape"         ? &shape
                                                  : nullptr;
    if (slot == nullptr) {
      throw Error("the .npy header has an unexpected key '" + escape_text(key) +
                  "'; expected exactly 'descr', 'fortran_order' and 'shape'");
    }
    if (*slot != nullptr) throw Error("the .npy header has the key '" + key + "' twice");
    *slot = &value;
  }
  for (const auto& [name, slot] : {std::pair<const char*, const Value*>{"descr", descr},
                                   {"fortran_order", fortran},
                                   {"shape", shape}}) {
    if (slot == nullptr) throw Error(std::string("the .npy header has no '") + name + "' key");
  }

  if (descr->kind == Value::List) {
    throw Error("structured arrays (dtype " + escape_text(parser.span(*descr), 100) +
                ") are not supported; save a plain numeric array");
  }
  if (descr->kind != Value::Str) {
    throw Error("'descr' in the .npy header must be a dtype string such as '<f4', got " +
                escape_text(parser.span(*descr), 100));
  }
  parse_descr(descr->str, h);

  if (fortran->kind != Value::Bool) {
    throw Error("'fortran_order' in the .npy header must be True or False, got " +
                escape_text(parser.span(*fortran), 100));
  }
  h.fortran_order = fortran->boolean;

  const std::string shape_text = escape_text(parser.span(*shape), 100);
  if (shape->kind != Value::Tuple) {
    throw Error("'shape' in the .npy header must be a tuple of integers, got " + shape_text);
  }
  for (const Value& item : shape->items) {
    if (item.kind != Value::Int) {
      throw Error("'shape' in the .npy header must be a tuple of integers, got " + shape_text);
    }
    h.shape.push_back(item.integer);
  }
  uint64_t count = 1;
  bool overflow = false;
  for (int64_t dim : h.shape) {
    if (dim < 0) {
      throw Error("the shape " + shape_string(h.shape) + " has a negative entry " +
                  std::to_string(dim));
    }
    if (__builtin_mul_overflow(count, static_cast<uint64_t>(dim), &count)) overflow = true;
  }
  // A zero entry makes the product 0 whatever the others are, as NumPy counts it.
  if (std::find(h.shape.begin(), h.shape.end(), 0) != h.shape.end()) {
    count = 0;
    overflow = false;
  }
  // The count must fit a signed 64-bit index (Eigen's), so that H·W and N·H·W never overflow.
  if (overflow || count > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    throw Error("the shape " + shape_string(h.shape) +
                " has more elements than a 64-bit count can hold");
  }
  h.element_count = count;
  if (__builtin_mul_overflow(count, static_cast<uint64_t>(h.item_size), &h.data_bytes)) {
    throw Error("the shape " + shape_string(h.shape) + " of dtype '" + h.descr +
                "' needs more than 2^64 data bytes");
  }
  return h;
}

ImageShape image_shape_for(const NpyHeader& header, std::optional<ImageShape> hint) {
  const std::vector<int64_t>& s = header.shape;
  const std::string shape = shape_string(s);
  const std::string accepted =
      "expected (N, H, W) or (N, H, W, 1) for gray images, (N, H, W, 3) for RGB, or (N, D) with D "
      "a perfect square";
  if (s.size() == 4 && s[3] == 4) {
    throw Error("RGBA images (N, H, W, 4) are not supported: got shape " + shape +
                "; drop the alpha channel (x[..., :3]) to keep the RGB colours; " + accepted);
  }
  const bool image_rank =
      s.size() == 2 || s.size() == 3 || (s.size() == 4 && (s[3] == 1 || s[3] == 3));
  if (!image_rank) {
    const std::string got =
        s.empty() ? "got a 0-D array (a single value)"
                  : "got a " + std::to_string(s.size()) + "-D array of shape " + shape;
    const std::string last = s.size() == 4 ? " (its last dimension, " + std::to_string(s[3]) +
                                                 ", is neither 1 for gray nor 3 for RGB)"
                                           : "";
    throw Error("not an image stack: " + got + last + "; " + accepted);
  }
  if (s[0] == 0) throw Error("the array has no samples: shape " + shape);
  ImageShape image;
  if (s.size() == 2) {
    const int64_t d = s[1];
    if (d == 0) throw Error("the samples have no values: shape " + shape);
    if (hint && (hint->height != 0 || hint->width != 0)) {
      if (hint->height <= 0 || hint->width <= 0) {
        throw Error("invalid image shape " + std::to_string(hint->height) + "x" +
                    std::to_string(hint->width) + ": height and width must be positive");
      }
      int64_t product = 0;
      if (__builtin_mul_overflow(hint->height, hint->width, &product) || product != d) {
        throw Error("the image shape " + std::to_string(hint->height) + "x" +
                    std::to_string(hint->width) + " does not fit rows of " + std::to_string(d) +
                    " values (shape " + shape + "): height x width must equal " +
                    std::to_string(d));
      }
      return ImageShape{hint->height, hint->width, 1};  // flat rows are gray
    }
    const std::optional<int64_t> side = square_side(d);
    if (!side) {
      throw Error::needs_image_shape(
          "cannot infer the image shape: rows of " + std::to_string(d) + " values (shape " + shape +
              ") are not square images since " + std::to_string(d) +
              " is not a perfect square; give the image height and width",
          s[0], d);
    }
    image.height = *side;
    image.width = *side;
  } else {
    image.height = s[1];
    image.width = s[2];
    if (s.size() == 4) image.channels = s[3];
    if (image.height == 0 || image.width == 0) {
      throw Error("the images have no pixels: shape " + shape);
    }
  }
  return image;
}

ImageShape image_shape_if_known(const NpyHeader& header) {
  try {
    return image_shape_for(header);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::NeedsImageShape) throw;
    return ImageShape{0, 0, 1};
  }
}

std::optional<int64_t> square_side(int64_t d) {
  if (d < 0) return std::nullopt;
  int64_t side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(d))));
  while (side > 0 && side > d / side) --side;  // the exact integer root, whatever sqrt rounded to
  while ((side + 1) <= d / (side + 1)) ++side;
  if (side * side != d) return std::nullopt;
  return side;
}

// ---- stream reader ------------------------------------------------------------------------------

struct NpyStreamReader::State {
  RowSink sink;
  StreamCheck stream_check;
  std::optional<ImageShape> hint;
  uint64_t max_matrix_bytes = 0;           // 0: no limit but the address space
  std::optional<uint64_t> expected_total;  // the file's size, when the caller knows it
  std::optional<Error> failure;            // once set, every call rethrows it

  std::vector<uint8_t> head;  // header bytes until the header is complete
  std::optional<NpyHeader> header;
  ImageShape image;
  int64_t n = 0;
  int64_t d = 0;
  size_t sample_bytes = 0;
  Converter convert;

  std::vector<uint8_t> carry;  // C order: a partial sample; Fortran order: all data so far
  uint64_t data_received = 0;  // data bytes within the announced size (from the file's data start)
  uint64_t data_begin = 0;     // read_rows: the first data byte fed, and the end of those fed
  uint64_t data_end = 0;
  int64_t row_begin = 0;
  int64_t row_end = 0;
  uint64_t excess = 0;
  uint64_t bytes_fed = 0;
  int64_t rows_delivered = 0;

  bool allocated = false;
  RowMatrixF stage;  // block_rows × D
  int64_t block_rows = 1;
  std::vector<int64_t> fortran_target;  // Fortran feature index → C feature index

  float vmin = std::numeric_limits<float>::infinity();
  float vmax = -std::numeric_limits<float>::infinity();
  uint64_t bad_count = 0;
  uint64_t first_bad = 0;  // flat C index of the first NaN/Inf
  uint64_t overflow_count = 0;

  void start(const NpyHeader& h) {
    image = image_shape_for(h, hint);
    n = h.shape[0];
    d = image.values();
    const bool streamed = stream_check && stream_check(h, image);
    sample_bytes = check_sizes(h, image, max_matrix_bytes, streamed);
    row_end = n;
    data_end = h.data_bytes;
    if (expected_total) {  // the same check, in the same order, as for a whole file
      const uint64_t data = *expected_total > h.data_offset ? *expected_total - h.data_offset : 0;
      if (data < h.data_bytes) throw Error(truncated_data_message(h.data_bytes, data));
      if (data > h.data_bytes) throw Error(excess_data_message(data - h.data_bytes));
    }
    convert = make_converter(h);
    block_rows = std::max<int64_t>(1, std::min<int64_t>(n, (int64_t{1} << 18) / d));
    header = h;
  }

  // Buffers are sized from the header but allocated only once the data they hold has arrived
  // (a whole sample in C order, all of the data in Fortran order), so a short file whose header
  // announces huge images costs no more memory than its own size.
  void allocate() {
    if (allocated) return;
    try {
      stage.resize(block_rows, d);
      if (header->fortran_order) {
        // Fortran index f = i1 + d1·(i2 + d2·(...)) of the per-sample dims; C index
        // c = (i1·d2 + i2)...
        const std::vector<int64_t> dims(header->shape.begin() + 1, header->shape.end());
        std::vector<int64_t> c_stride(dims.size(), 1);
        for (size_t j = dims.size(); j-- > 1;) c_stride[j - 1] = c_stride[j] * dims[j];
        std::vector<int64_t> idx(dims.size(), 0);
        fortran_target.resize(static_cast<size_t>(d));
        int64_t c = 0;
        for (int64_t f = 0; f < d; ++f) {
          fortran_target[static_cast<size_t>(f)] = c;
          for (size_t j = 0; j < dims.size(); ++j) {  // odometer, first dim fastest
            ++idx[j];
            c += c_stride[j];
            if (idx[j] < dims[j]) break;
            c -= c_stride[j] * idx[j];
            idx[j] = 0;
          }
        }
      }
    } catch (const std::bad_alloc&) {
      throw_out_of_memory(n, image, max_matrix_bytes);
    }
    allocated = true;
  }

  // Scans the first `rows` rows of stage, then hands them to the sink.
  void deliver(int64_t rows) {
    const float* v = stage.data();
    const size_t count = static_cast<size_t>(rows * d);
    uint64_t bad = 0;
    float lo = vmin, hi = vmax;
    for (size_t i = 0; i < count; ++i) {
      const float x = v[i];
      bad += !(std::fabs(x) <= std::numeric_limits<float>::max());
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
    }
    if (bad > 0) {
      lo = vmin;
      hi = vmax;
      for (size_t i = 0; i < count; ++i) {
        const float x = v[i];
        if (std::isfinite(x)) {
          lo = std::min(lo, x);
          hi = std::max(hi, x);
        } else if (bad_count++ == 0) {
          first_bad = static_cast<uint64_t>(rows_delivered) * static_cast<uint64_t>(d) + i;
        }
      }
    }
    vmin = lo;
    vmax = hi;
    if (sink) sink(stage.topRows(rows), rows_delivered);
    rows_delivered += rows;
  }

  void convert_rows(const uint8_t* src, int64_t rows) {
    allocate();
    overflow_count += convert.contiguous(src, static_cast<size_t>(rows * d), stage.data(), 1);
    deliver(rows);
  }

  void feed_data(const uint8_t* p, size_t size) {
    const uint64_t remaining = data_end - data_received;
    if (size > remaining) {
      excess += size - remaining;
      size = static_cast<size_t>(remaining);
    }
    const bool whole = data_received == 0 && size == header->data_bytes;
    data_received += size;
    if (size == 0) return;
    if (header->fortran_order) {
      if (whole) return convert_fortran(p);  // one chunk holds it all: no copy needed
      carry.insert(carry.end(), p, p + size);
      return;
    }
    if (!carry.empty()) {
      const size_t take = std::min(size, sample_bytes - carry.size());
      carry.insert(carry.end(), p, p + take);
      p += take;
      size -= take;
      if (carry.size() < sample_bytes) return;
      convert_rows(carry.data(), 1);
      carry.clear();
    }
    while (size >= sample_bytes) {
      const int64_t rows = std::min<int64_t>(block_rows, static_cast<int64_t>(size / sample_bytes));
      convert_rows(p, rows);
      p += static_cast<size_t>(rows) * sample_bytes;
      size -= static_cast<size_t>(rows) * sample_bytes;
    }
    carry.insert(carry.end(), p, p + size);
  }

  void feed(const uint8_t* bytes, size_t size) {
    bytes_fed += size;
    if (header) return feed_data(bytes, size);
    if (head.empty()) {  // the usual case: the header is whole in the first chunk
      const std::optional<NpyHeader> h = parse_npy_header(bytes, size);
      if (h) {
        start(*h);
        return feed_data(bytes + h->data_offset, size - h->data_offset);
      }
    }
    // Collect header bytes only (first the 12 bytes that hold its length, then the rest), so a
    // large chunk is never copied; what follows the header is converted from the chunk itself.
    while (size > 0) {
      const std::optional<uint64_t> total = header_total_size(head.data(), head.size());
      const size_t target = total ? static_cast<size_t>(*total) : 12;
      const size_t take = std::min(size, target > head.size() ? target - head.size() : size_t{1});
      head.insert(head.end(), bytes, bytes + take);
      bytes += take;
      size -= take;
      const std::optional<NpyHeader> h = parse_npy_header(head.data(), head.size());
      if (h) {
        start(*h);
        head.clear();
        head.shrink_to_fit();
        return feed_data(bytes, size);
      }
    }
  }

  void select_rows(int64_t begin, int64_t end) {
    if (!header) throw Error("the .npy header must be read before choosing which samples to read");
    if (header->fortran_order)
      throw Error("a Fortran-order file cannot be read in parts: its samples are interleaved");
    if (begin < 0 || end < begin || end > n)
      throw Error("samples " + std::to_string(begin) + " to " + std::to_string(end) +
                  " are not a range of the " + std::to_string(n) + " samples");
    const uint64_t sb = sample_bytes;
    const bool untouched = data_received == data_begin && carry.empty() && excess == 0;
    if (!untouched && begin != row_begin)
      throw Error("samples from " + std::to_string(row_begin) +
                  " on are being read: the first sample can no longer move to " +
                  std::to_string(begin));
    if (static_cast<uint64_t>(end) * sb < data_received)
      throw Error("samples up to " + std::to_string(data_received / sb) +
                  " were already read: cannot stop at " + std::to_string(end));
    if (untouched) {
      row_begin = begin;
      rows_delivered = begin;
      data_begin = data_received = static_cast<uint64_t>(begin) * sb;
    }
    row_end = end;
    data_end = static_cast<uint64_t>(end) * sb;
  }

  // Converts all of the Fortran-order data, `data_bytes` bytes at `data`.
  void convert_fortran(const uint8_t* data) {
    allocate();
    const size_t item = header->item_size;
    for (int64_t r0 = 0; r0 < n; r0 += block_rows) {
      const int64_t rows = std::min(block_rows, n - r0);
      for (int64_t f = 0; f < d; ++f) {
        const uint8_t* src =
            data +
            (static_cast<size_t>(f) * static_cast<size_t>(n) + static_cast<size_t>(r0)) * item;
        overflow_count += convert.strided(src, static_cast<size_t>(rows),
                                          stage.data() + fortran_target[static_cast<size_t>(f)], d);
      }
      deliver(rows);
    }
  }

  void finish(bool check_values) {
    if (!header) throw Error(incomplete_header_message(head.data(), head.size()));
    if (data_received < data_end) {
      throw Error(truncated_data_message(data_end - data_begin, data_received - data_begin));
    }
    if (excess > 0) throw Error(excess_data_message(excess));
    if (header->fortran_order && rows_delivered < n) {
      convert_fortran(carry.data());
      carry.clear();
      carry.shrink_to_fit();
    }
    if (check_values && bad_count > 0) {
      const uint64_t ud = static_cast<uint64_t>(d), uw = static_cast<uint64_t>(image.width);
      const uint64_t uc = static_cast<uint64_t>(image.channels);
      const uint64_t sample = first_bad / ud, pixel = first_bad % ud / uc;
      std::string message = "data contains " + std::to_string(bad_count) + " NaN or infinite " +
                            (bad_count == 1 ? "value; it is" : "values; the first is") +
                            " sample " + std::to_string(sample) + ", row " +
                            std::to_string(pixel / uw) + ", column " + std::to_string(pixel % uw);
      if (image.colour()) {
        static const char* const kChannel[] = {"red", "green", "blue"};
        message += std::string(", channel ") + kChannel[first_bad % ud % uc];
      }
      if (overflow_count > 0) {
        message += " (" + std::to_string(overflow_count) + " of them " +
                   (overflow_count == 1 ? "is a float64 value" : "are float64 values") +
                   " too large for float32, beyond ±3.4e38)";
      }
      throw Error(message);
    }
  }
};

NpyStreamReader::NpyStreamReader(RowSink sink, std::optional<ImageShape> hint,
                                 uint64_t max_matrix_bytes)
    : state_(std::make_shared<State>()) {
  state_->sink = std::move(sink);
  state_->hint = hint;
  state_->max_matrix_bytes = max_matrix_bytes;
}

void NpyStreamReader::set_stream_check(StreamCheck check) {
  state_->stream_check = std::move(check);
}

namespace {
// Runs one step of the reader; after a failure the reader stays failed with the same error.
template <typename F>
void guarded(std::optional<Error>& failure, const NpyStreamReader* reader, uint64_t limit,
             F&& step) {
  if (failure) throw *failure;
  try {
    step();
  } catch (const Error& e) {
    failure = e;
    throw;
  } catch (const std::bad_alloc&) {
    if (reader->has_header()) {
      try {
        throw_out_of_memory(reader->samples(), reader->image_shape(), limit);
      } catch (const Error& e) {
        failure = e;
        throw;
      }
    }
    failure = Error(ErrorKind::OutOfMemory, "not enough memory to read the .npy header");
    throw *failure;
  } catch (const std::exception& e) {
    failure = Error(ErrorKind::Internal, e.what());
    throw;
  }
}
}  // namespace

void NpyStreamReader::read_rows(int64_t begin, int64_t end) {
  guarded(state_->failure, this, state_->max_matrix_bytes,
          [&] { state_->select_rows(begin, end); });
}

int64_t NpyStreamReader::first_row() const { return state_->row_begin; }

int64_t NpyStreamReader::end_row() const {
  if (!state_->header) throw Error("the .npy header has not been read yet");
  return state_->row_end;
}

void NpyStreamReader::feed(const uint8_t* bytes, size_t size) {
  if (size == 0) return;
  guarded(state_->failure, this, state_->max_matrix_bytes, [&] { state_->feed(bytes, size); });
}

void NpyStreamReader::expect_total_size(uint64_t bytes) {
  guarded(state_->failure, this, state_->max_matrix_bytes, [&] {
    if (state_->bytes_fed > 0) throw internal_error("the file size must be given before any byte");
    state_->expected_total = bytes;
  });
}

void NpyStreamReader::finish() {
  guarded(state_->failure, this, state_->max_matrix_bytes, [&] { state_->finish(true); });
}

void NpyStreamReader::finish_data() {
  guarded(state_->failure, this, state_->max_matrix_bytes, [&] { state_->finish(false); });
}

NpyStreamReader::NonFinite NpyStreamReader::non_finite() const {
  return {state_->bad_count, state_->first_bad, state_->overflow_count};
}

void NpyStreamReader::add_non_finite(const NonFinite& other) {
  if (other.count == 0) return;
  State& s = *state_;
  s.first_bad = s.bad_count == 0 ? other.first : std::min(s.first_bad, other.first);
  s.bad_count += other.count;
  s.overflow_count += other.overflow;
}

bool NpyStreamReader::has_header() const { return state_->header.has_value(); }

const NpyHeader& NpyStreamReader::header() const {
  if (!state_->header) throw Error("the .npy header has not been read yet");
  return *state_->header;
}

ImageShape NpyStreamReader::image_shape() const {
  if (!state_->header) throw Error("the .npy header has not been read yet");
  return state_->image;
}

int64_t NpyStreamReader::samples() const {
  if (!state_->header) throw Error("the .npy header has not been read yet");
  return state_->n;
}

int64_t NpyStreamReader::rows_delivered() const { return state_->rows_delivered; }
uint64_t NpyStreamReader::bytes_fed() const { return state_->bytes_fed; }
float NpyStreamReader::value_min() const {
  return state_->rows_delivered > 0 && state_->vmin <= state_->vmax ? state_->vmin : 0.f;
}
float NpyStreamReader::value_max() const {
  return state_->rows_delivered > 0 && state_->vmin <= state_->vmax ? state_->vmax : 0.f;
}

// ---- whole files --------------------------------------------------------------------------------

namespace {

// Throws the same messages as NpyStreamReader::finish when the size cannot match the header.
void check_total_size(const NpyHeader& h, uint64_t total) {
  const uint64_t data = total - h.data_offset;
  if (data < h.data_bytes) throw Error(truncated_data_message(h.data_bytes, data));
  if (data > h.data_bytes) throw Error(excess_data_message(data - h.data_bytes));
}

// Reads a whole file: `head` holds at least the header; `more` supplies the following bytes.
template <typename More>
ImageStack read_stack(const uint8_t* head, size_t head_size, uint64_t total_size,
                      std::optional<ImageShape> hint, More&& more) {
  const std::optional<NpyHeader> h = parse_npy_header(head, head_size);
  if (!h) {
    NpyStreamReader reader(nullptr, hint);
    reader.feed(head, head_size);
    reader.finish();  // throws: the header is incomplete
    throw Error("file is truncated: the header is incomplete");
  }
  const ImageShape image = image_shape_for(*h, hint);
  check_sizes(*h, image, 0);
  check_total_size(*h, total_size);
  const int64_t n = h->shape[0];
  ImageStack stack;
  try {
    stack.rows.resize(n, image.values());
  } catch (const std::bad_alloc&) {
    throw_out_of_memory(n, image);
  }
  stack.image = image;
  RowMatrixF& rows = stack.rows;
  NpyStreamReader reader(
      [&rows](const Eigen::Ref<const RowMatrixF>& block, int64_t first_row) {
        rows.middleRows(first_row, block.rows()) = block;
      },
      hint);
  reader.feed(head, head_size);
  more(reader);
  reader.finish();
  stack.value_min = reader.value_min();
  stack.value_max = reader.value_max();
  return stack;
}

std::string errno_text() { return std::strerror(errno); }

// Reads from `in` until parse_npy_header succeeds or the file ends.
std::vector<uint8_t> read_header_bytes(std::ifstream& in, const std::string& path) {
  std::vector<uint8_t> head;
  size_t want = 12;
  while (true) {
    const size_t have = head.size();
    head.resize(want);
    in.read(reinterpret_cast<char*>(head.data() + have), static_cast<std::streamsize>(want - have));
    head.resize(have + static_cast<size_t>(in.gcount()));
    if (in.bad()) throw Error("cannot read '" + path + "': " + errno_text());
    if (head.size() < want) return head;  // end of file
    const std::optional<uint64_t> total = header_total_size(head.data(), head.size());
    if (!total || head.size() >= *total) return head;
    want = static_cast<size_t>(*total);
  }
}

std::ifstream open_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw Error("cannot open '" + path + "': " + errno_text());
  if (S_ISDIR(info.st_mode)) throw Error("cannot read '" + path + "': it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open '" + path + "': " + errno_text());
  return in;
}

}  // namespace

ImageStack read_npy(const uint8_t* bytes, size_t size, std::optional<ImageShape> hint) {
  if (bytes == nullptr) size = 0;
  return read_stack(bytes, size, size, hint, [](NpyStreamReader&) {});
}

RowMatrixF read_npy_matrix(const uint8_t* bytes, size_t size, const std::string& what) {
  if (bytes == nullptr) size = 0;
  const std::optional<NpyHeader> h = parse_npy_header(bytes, size);
  if (!h) throw Error(what + ": " + incomplete_header_message(bytes, size));
  if (h->shape.size() != 1 && h->shape.size() != 2)
    throw Error(what + " must be a 1-D or 2-D array, got shape " + shape_string(h->shape));
  const int64_t rows = h->shape.size() == 1 ? 1 : h->shape[0];
  const int64_t cols = h->shape.back();
  const uint64_t data = size - h->data_offset;
  if (data < h->data_bytes) throw Error(what + ": " + truncated_data_message(h->data_bytes, data));
  if (data > h->data_bytes) throw Error(what + ": " + excess_data_message(data - h->data_bytes));
  RowMatrixF out;
  try {
    out.resize(rows, cols);
  } catch (const std::bad_alloc&) {
    throw Error(ErrorKind::OutOfMemory,
                "not enough memory to hold " + what + " of shape " + shape_string(h->shape));
  }
  const Converter convert = make_converter(*h);
  const uint8_t* src = bytes + h->data_offset;
  uint64_t overflow = 0;
  if (!h->fortran_order || rows == 1) {
    overflow += convert.contiguous(src, static_cast<size_t>(rows * cols), out.data(), 1);
  } else {  // column j is contiguous in the file: rows values, `cols` apart in `out`
    for (int64_t j = 0; j < cols; ++j)
      overflow += convert.strided(src + static_cast<size_t>(j * rows) * h->item_size,
                                  static_cast<size_t>(rows), out.data() + j, cols);
  }
  if (overflow > 0)
    throw Error(what + " has " + plural(overflow, "value", "values") +
                " too large for float32 (beyond 3.4e38)");
  return out;
}

ImageStack read_npy_file(const std::string& path, std::optional<ImageShape> hint) {
  std::ifstream in = open_file(path);
  in.seekg(0, std::ios::end);
  const std::streamoff end = in.tellg();
  in.seekg(0, std::ios::beg);
  if (end < 0 || !in) throw Error("cannot read '" + path + "': " + errno_text());
  const std::vector<uint8_t> head = read_header_bytes(in, path);
  return read_stack(
      head.data(), head.size(), static_cast<uint64_t>(end), hint, [&](NpyStreamReader& reader) {
        std::vector<char> chunk(size_t{4} << 20);
        while (in) {
          in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
          const std::streamsize got = in.gcount();
          if (in.bad()) throw Error("cannot read '" + path + "': " + errno_text());
          if (got > 0) {
            reader.feed(reinterpret_cast<const uint8_t*>(chunk.data()), static_cast<size_t>(got));
          }
        }
      });
}

NpyHeader read_npy_header_file(const std::string& path) {
  std::ifstream in = open_file(path);
  const std::vector<uint8_t> head = read_header_bytes(in, path);
  const std::optional<NpyHeader> h = parse_npy_header(head.data(), head.size());
  if (!h) throw Error(incomplete_header_message(head.data(), head.size()));
  return *h;
}

}  // namespace pcarecon
