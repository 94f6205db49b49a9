// The .npy header: magic, version and length, the Python dict literal (parsed by a small
// recursive descent parser), the dtype string, and how the array's shape maps onto images.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>
#include <utility>

#include "error.h"
#include "npy_detail.h"
#include "npy_reader.h"

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

}  // namespace

namespace npy_detail {

std::string format_gb(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GB", static_cast<double>(bytes) / 1e9);
  return buf;
}

std::string plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace npy_detail

namespace {

using npy_detail::plural;

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

}  // namespace

namespace npy_detail {

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

}  // namespace npy_detail

using namespace npy_detail;

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

}  // namespace pcarecon
