// Reads whole NumPy .npy files (a buffer, a path), and the checks of a stack's size shared with
// the stream reader. The header is parsed in npy_header.cpp, the data converted to float32 in
// npy_convert.cpp and read in chunks of any size in npy_stream_reader.cpp.

#include "npy_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <new>
#include <utility>

#include "error.h"
#include "npy_detail.h"

namespace pcarecon {

using namespace npy_detail;

namespace {

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
bool held_as_bytes(DType dtype) {
  return dtype == DType::UInt8 || dtype == DType::Int8 || dtype == DType::Bool;
}

void check_held_limit(const NpyHeader& h, const ImageShape& image, uint64_t limit) {
  const long double bytes = held_bytes(h, image);
  if (bytes < static_cast<long double>(limit)) return;
  char size[64];
  std::snprintf(size, sizeof size, "%.2Lf GB (%.0Lf bytes)", bytes / 1e9L, bytes);
  const std::string as = held_as_bytes(h.dtype) ? " as bytes" : " as float32";
  const std::string reordered =
      h.fortran_order ? ", with the Fortran-order data they are reordered from," : "";
  throw Error(ErrorKind::TooLarge,
              "too large to load: " + matrix_size_text(h.shape[0], image) + as + reordered +
                  " need " + size + ", and this page can hold at most " + format_gb(limit) + " (" +
                  std::to_string(limit) + " bytes, the memory limit of WebAssembly)");
}

}  // namespace

namespace npy_detail {

// limit > 0: the page's memory limit, said too. kind: OutOfMemory after a failed allocation,
// TooLarge for a refusal from the header.
[[noreturn]] void throw_out_of_memory(int64_t n, const ImageShape& image, uint64_t limit,
                                      ErrorKind kind) {
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
                   bool streamed) {
  const int64_t n = h.shape[0];
  if (!streamed) {
    if (max_matrix_bytes > 0) check_held_limit(h, image, max_matrix_bytes);  // the page's own
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

}  // namespace npy_detail

// ---- public helpers -----------------------------------------------------------------------------

long double held_bytes(const NpyHeader& header, const ImageShape& image) {
  const long double values =
      static_cast<long double>(header.shape[0]) * static_cast<long double>(image.values());
  const long double held = values * (held_as_bytes(header.dtype) ? 1 : 4);
  return held + (header.fortran_order ? static_cast<long double>(header.data_bytes) : 0);
}

void check_memory_limit(const NpyHeader& header, const ImageShape& image, uint64_t limit) {
  check_held_limit(header, image, limit);
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
