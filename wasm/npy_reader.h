#pragma once
// Reads NumPy .npy files (format 1.0, 2.0, 3.0) into float32 image rows, either from one buffer
// or incrementally (header first, then row chunks) so a caller can stream a file of any size.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "image_stack.h"

namespace pcarecon {

enum class DType {
  Bool,
  Int8,
  Int16,
  Int32,
  Int64,
  UInt8,
  UInt16,
  UInt32,
  UInt64,
  Float16,
  Float32,
  Float64
};

struct NpyHeader {
  int major_version = 1;
  int minor_version = 0;
  std::string descr;  // as written in the file, e.g. "<f4", "|u1", ">i8"
  DType dtype = DType::Float32;
  size_t item_size = 4;
  bool big_endian = false;  // "=" and "|" resolve to little endian (wasm and x86 are little endian)
  bool fortran_order = false;
  std::vector<int64_t> shape;
  size_t data_offset = 0;      // bytes before the first data byte (magic + length + dict + padding)
  uint64_t element_count = 0;  // product of shape, checked for overflow
  uint64_t data_bytes = 0;     // element_count * item_size, checked for overflow

  std::string version() const;  // "1.0", "2.0", "3.0"
};

// For messages and display: "uint8", "float32", ...; a shape in Python's style: "(100,)",
// "(3, 28, 28)".
const char* dtype_name(DType dtype);
std::string shape_string(const std::vector<int64_t>& shape);

// Parses the header at the start of `bytes`. Returns std::nullopt while more bytes are needed;
// throws Error when the bytes cannot start a supported .npy file (bad magic, unknown version,
// unparseable dict, unsupported dtype such as '|O', '<c16', '<U5', '<M8[s]', structured dtypes).
std::optional<NpyHeader> parse_npy_header(const uint8_t* bytes, size_t size);

// How an array of this header maps onto images: (N,H,W) and (N,H,W,1) are gray images,
// (N,H,W,3) are RGB (channels = 3); (N,D) are gray rows and use `hint` when given (H·W must equal
// D) or else D must be a perfect square. Throws Error naming the shape and the accepted ones
// otherwise (1-D arrays, RGBA with how to drop alpha, zero samples, ...).
ImageShape image_shape_for(const NpyHeader& header, std::optional<ImageShape> hint = std::nullopt);
// image_shape_for without a hint, except that an (N, D) file whose D is not a perfect square
// gives 0×0 (its image shape must be asked for) instead of the NeedsImageShape Error.
ImageShape image_shape_if_known(const NpyHeader& header);
// s when d = s·s for a whole s >= 0, exactly for every int64 (no floating-point rounding);
// std::nullopt otherwise (negative d included).
std::optional<int64_t> square_side(int64_t d);

// Incremental reader: feed() bytes in chunks of any size; complete samples are converted to
// float32 and handed to the sink as they arrive (C order). Fortran-order data cannot be cut into
// samples before the end, so it is buffered and delivered by finish() (or converted at once when
// a single feed() brings all of it, as read_npy does). Errors found in the data itself (size,
// NaN/Inf) are reported by finish(); after any error the reader repeats it on every call.
class NpyStreamReader {
 public:
  // rows: a block of whole samples (n×D); first_row: index of its first sample in the file.
  using RowSink = std::function<void(const Eigen::Ref<const RowMatrixF>& rows, int64_t first_row)>;

  // max_matrix_bytes > 0: a file whose N×D float32 matrix needs that many bytes or more is
  // refused as soon as its header is read ("too large to load: ... need X GB ..., and this page
  // can hold at most Y GB ..."). 0: limited only by the address space.
  explicit NpyStreamReader(RowSink sink, std::optional<ImageShape> hint = std::nullopt,
                           uint64_t max_matrix_bytes = 0);

  // Optional, before the header arrives: asked once the header is parsed (and the image shape
  // known), before any size check. It returns true when the caller will not hold the N×D matrix
  // (it streams the rows through the sink): then max_matrix_bytes and the address-space check of
  // the whole matrix do not apply. It may throw Error to refuse the file.
  using StreamCheck = std::function<bool(const NpyHeader& header, const ImageShape& image)>;
  void set_stream_check(StreamCheck check);
  // Optional, before the header arrives: for a C-order uint8 or int8 file, whole samples as their
  // bytes (count samples from first_row), offered before they are converted to float32. It returns
  // true when it took them (they then skip the conversion and the RowSink; the value range and the
  // rows delivered still count them), false to have them, and all later ones, converted as usual.
  // A file held as its bytes takes them as they are: the float32 detour cost 7 ns a value in wasm
  // (0.34 s of a 60000×28×28 file's 0.39 s read).
  using ByteSink = std::function<bool(const uint8_t* samples, int64_t count, int64_t first_row)>;
  void set_byte_sink(ByteSink sink);
  // Optional, once the header is known (C order only): only the data of samples [begin, end) is
  // fed from now on, e.g. to read the other samples elsewhere (another worker). Before any data
  // byte the start may move to `begin`; afterwards `begin` must stay and `end` may not fall
  // before what was already fed. finish() then expects exactly the bytes of those samples.
  void read_rows(int64_t begin, int64_t end);
  int64_t first_row() const;  // begin of read_rows (0 by default)
  int64_t end_row() const;    // end of read_rows (samples() by default); requires has_header()

  // Optional, before the first feed(): the whole file's size. A header whose data does not fit
  // it is then refused at once with finish()'s message ("file is truncated: ..."), before any
  // buffer is sized from the header, so a short file cannot make the reader allocate much.
  void expect_total_size(uint64_t bytes);
  void feed(const uint8_t* bytes, size_t size);
  // Checks that exactly the announced data arrived and that no value was NaN or Inf; throws Error
  // (e.g. "file is truncated: expected 6272000 data bytes, found 1000") otherwise.
  void finish();
  // finish() without the check of the values: for a part of a file read here and finished
  // elsewhere, which hands its NaN/Inf over (non_finite) instead of reporting them alone.
  void finish_data();

  // The NaN and Inf values delivered so far: how many, the flat C index (sample·D + value) of the
  // first in the file, and how many of them were float64 values too large for float32.
  struct NonFinite {
    uint64_t count = 0;
    uint64_t first = 0;  // meaningful when count > 0
    uint64_t overflow = 0;
  };
  NonFinite non_finite() const;
  // Counts another part's NaN/Inf (of the same file) as read here, so that finish() reports the
  // file's total and its first.
  void add_non_finite(const NonFinite& other);

  bool has_header() const;
  const NpyHeader& header() const;  // requires has_header()
  ImageShape image_shape() const;   // requires has_header()
  int64_t samples() const;          // N, requires has_header()
  int64_t rows_delivered() const;
  uint64_t bytes_fed() const;
  float value_min() const;  // over the values delivered so far
  float value_max() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// What holding a file whole takes (FileReading::make_held_stack): an 8-bit file keeps its bytes,
// any other is widened to float32; a Fortran-order file's data is held besides until it has all
// arrived, to be reordered (npy_stream_reader.cpp).
long double held_bytes(const NpyHeader& header, const ImageShape& image);
// Throws the "too large to load" Error unless held_bytes stays under `limit`.
void check_memory_limit(const NpyHeader& header, const ImageShape& image, uint64_t limit);

// Convenience: the whole file from one buffer.
ImageStack read_npy(const uint8_t* bytes, size_t size,
                    std::optional<ImageShape> hint = std::nullopt);
ImageStack read_npy_file(const std::string& path, std::optional<ImageShape> hint = std::nullopt);

// A 1-D (as one row) or 2-D numeric array of any readable dtype and order, whole, as float32 rows
// (the arrays of a basis file: mean, components, variances). `what` names the array in messages.
// Throws Error for another rank, truncated or excess data, or a value out of float32's range;
// NaN and Inf are kept (the caller says which values are bad and where).
RowMatrixF read_npy_matrix(const uint8_t* bytes, size_t size, const std::string& what);
NpyHeader read_npy_header_file(const std::string& path);

}  // namespace pcarecon
