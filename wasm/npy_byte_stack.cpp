#include "npy_byte_stack.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "error.h"

namespace pcarecon {

StackRows ByteStack::rows() const {
  if (type == RowType::Int8) {
    return StackRows::int8(reinterpret_cast<const int8_t*>(bytes.data()), samples, image.values());
  }
  return StackRows::uint8(bytes.data(), samples, image.values());
}

std::optional<ByteStack> read_npy_byte_stack(const std::string& path,
                                             std::optional<ImageShape> hint) {
  ByteStack out;
  out.header = read_npy_header_file(path);
  const DType dtype = out.header.dtype;
  if (out.header.fortran_order ||
      (dtype != DType::UInt8 && dtype != DType::Int8 && dtype != DType::Bool)) {
    return std::nullopt;
  }
  out.image = image_shape_for(out.header, hint);
  out.type = dtype == DType::Int8 ? RowType::Int8 : RowType::UInt8;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error("cannot read '" + path + "': " + std::strerror(errno));
  const std::streamoff size = in.tellg();
  if (size < 0 || static_cast<uint64_t>(size) != out.header.data_offset + out.header.data_bytes) {
    return std::nullopt;  // truncated or trailing bytes: read_npy_file's message
  }
  out.samples = out.header.shape.at(0);
  out.bytes.resize(out.header.data_bytes);
  in.seekg(static_cast<std::streamoff>(out.header.data_offset));
  in.read(reinterpret_cast<char*>(out.bytes.data()),
          static_cast<std::streamsize>(out.bytes.size()));
  if (static_cast<uint64_t>(in.gcount()) != out.bytes.size()) {
    throw Error("cannot read '" + path + "': " + std::strerror(errno));
  }
  if (dtype == DType::Bool) {
    for (uint8_t& b : out.bytes) b = b != 0;  // as NumPy reads any non-zero byte: True
  }
  return out;
}

}  // namespace pcarecon
