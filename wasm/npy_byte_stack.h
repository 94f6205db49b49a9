#pragma once
// A C-order .npy file of 8-bit values (uint8, int8, bool) held as its own bytes: N×D bytes, a
// quarter of the float32 matrix read_npy_file makes, for the top-K solver's StackRows. Other
// dtypes, Fortran order and files whose size disagrees with their header are left to
// read_npy_file (std::nullopt here), which converts them or says what is wrong.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "npy_reader.h"
#include "stack_rows.h"

namespace pcarecon {

struct ByteStack {
  NpyHeader header;
  ImageShape image;
  RowType type = RowType::UInt8;  // bool is held as uint8 0/1
  int64_t samples = 0;
  std::vector<uint8_t> bytes;  // samples × image.values(), C order
  StackRows rows() const;
};

// Throws Error as read_npy_file does for an unreadable file, a bad header or image shape.
std::optional<ByteStack> read_npy_byte_stack(const std::string& path,
                                             std::optional<ImageShape> hint = std::nullopt);

}  // namespace pcarecon
