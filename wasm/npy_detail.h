#pragma once
// What the parts of the .npy reader share (npy_header.cpp, npy_convert.cpp,
// npy_stream_reader.cpp, npy_reader.cpp): messages that several of them give word for word, the
// float32 converters and the size checks of a stack. Not part of the core's interface: include
// npy_reader.h instead.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "error.h"
#include "npy_reader.h"

namespace pcarecon::npy_detail {

// ---- messages (npy_header.cpp)
std::string format_gb(uint64_t bytes);                              // "4.29 GB"
std::string plural(uint64_t n, const char* one, const char* many);  // "1 byte", "2 bytes"
// Checks magic and version as far as the bytes go; returns the total header size (data offset)
// once the length field is complete. Throws Error for bad magic, version or length.
std::optional<uint64_t> header_total_size(const uint8_t* bytes, size_t size);
std::string incomplete_header_message(const uint8_t* bytes, size_t size);
std::string truncated_data_message(uint64_t expected, uint64_t found);
std::string excess_data_message(uint64_t excess);

// ---- conversion to float32 (npy_convert.cpp)
// Converts `count` elements from `src` to dst[0], dst[stride], ...; returns how many finite
// float64 values overflowed float32 (always 0 for other dtypes).
using ConvertFn = uint64_t (*)(const uint8_t* src, size_t count, float* dst, ptrdiff_t stride);
struct Converter {
  ConvertFn contiguous = nullptr;
  ConvertFn strided = nullptr;
};
Converter make_converter(const NpyHeader& h);  // for the header's dtype and byte order

// ---- a stack's size (npy_reader.cpp)
// limit > 0: the page's memory limit, said too. kind: OutOfMemory after a failed allocation,
// TooLarge for a refusal from the header.
[[noreturn]] void throw_out_of_memory(int64_t n, const ImageShape& image, uint64_t limit = 0,
                                      ErrorKind kind = ErrorKind::OutOfMemory);
// The checks a header must pass before any data is read, in the same order for the stream reader
// and for whole files, so both give the same message. Returns the bytes of one sample.
// streamed: the caller does not hold the matrix, so only the per-sample checks apply.
size_t check_sizes(const NpyHeader& h, const ImageShape& image, uint64_t max_matrix_bytes,
                   bool streamed = false);

}  // namespace pcarecon::npy_detail
