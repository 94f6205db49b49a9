#include "npz_writer.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "error.h"

namespace pcarecon {
namespace {

void put16(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}

// The fixed part of a local (30 bytes) or central (46 bytes) header for a stored member. Times are
// 1980-01-01 00:00, as numpy.savez leaves them (it writes no time either: zipfile's default).
void member_header(std::vector<uint8_t>& out, bool central, const std::string& name, uint32_t crc,
                   uint32_t size, uint32_t offset) {
  put32(out, central ? 0x02014b50 : 0x04034b50);
  if (central) put16(out, 20);  // version made by
  put16(out, 20);               // version needed to extract
  put16(out, 0);                // flags
  put16(out, 0);                // method: stored
  put16(out, 0);                // time
  put16(out, 0x21);             // date: 1980-01-01
  put32(out, crc);
  put32(out, size);  // compressed size
  put32(out, size);
  put16(out, static_cast<uint32_t>(name.size()));
  put16(out, 0);  // extra field length
  if (central) {
    put16(out, 0);  // comment length
    put16(out, 0);  // disk number
    put16(out, 0);  // internal attributes
    put32(out, 0);  // external attributes
    put32(out, offset);
  }
  out.insert(out.end(), name.begin(), name.end());
}

}  // namespace

std::vector<uint8_t> npy_bytes(const NpyArrayView& array) {
  std::string shape = "(";
  uint64_t count = 1;
  for (size_t i = 0; i < array.shape.size(); ++i) {
    shape += std::to_string(array.shape[i]) +
             (array.shape.size() == 1 || i + 1 < array.shape.size() ? "," : "");
    if (i + 1 < array.shape.size()) shape += " ";
    count *= static_cast<uint64_t>(array.shape[i]);
  }
  shape += ")";
  std::string header = std::string("{'descr': '") + (array.f32 ? "<f4" : "<f8") +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';  // data aligned to 64, as NumPy
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  put16(out, static_cast<uint32_t>(header.size()));
  out.insert(out.end(), header.begin(), header.end());
  const uint8_t* data = array.f32 ? reinterpret_cast<const uint8_t*>(array.f32)
                                  : reinterpret_cast<const uint8_t*>(array.f64);
  out.insert(out.end(), data, data + count * (array.f32 ? 4 : 8));  // little endian, as x86/wasm
  return out;
}

void write_npz(const std::string& path, const std::vector<NpyArrayView>& arrays) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error("cannot write '" + path + "': " + std::strerror(errno));
  std::vector<uint8_t> directory;
  uint64_t offset = 0;
  for (const NpyArrayView& array : arrays) {
    const std::vector<uint8_t> bytes = npy_bytes(array);
    const std::string name = array.name + ".npy";
    if (bytes.size() >= 0xffffffffu || offset >= 0xffffffffu)
      throw Error("cannot save '" + path + "': " + name + " would end past 4 GB in the archive " +
                  "(keep fewer images with --images)");
    uLong crc = crc32(0L, Z_NULL, 0);
    for (size_t at = 0; at < bytes.size(); at += 1u << 30)
      crc = crc32(crc, bytes.data() + at,
                  static_cast<uInt>(std::min<size_t>(bytes.size() - at, 1u << 30)));
    const auto size = static_cast<uint32_t>(bytes.size());
    std::vector<uint8_t> local;
    member_header(local, false, name, static_cast<uint32_t>(crc), size, 0);
    member_header(directory, true, name, static_cast<uint32_t>(crc), size,
                  static_cast<uint32_t>(offset));
    out.write(reinterpret_cast<const char*>(local.data()),
              static_cast<std::streamsize>(local.size()));
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    offset += local.size() + bytes.size();
  }
  if (offset >= 0xffffffffu)
    throw Error("cannot save '" + path + "': the archive would pass 4 GB (keep fewer images with " +
                "--images)");
  std::vector<uint8_t> end;
  put32(end, 0x06054b50);
  put16(end, 0);  // this disk
  put16(end, 0);  // the directory's disk
  put16(end, static_cast<uint32_t>(arrays.size()));
  put16(end, static_cast<uint32_t>(arrays.size()));
  put32(end, static_cast<uint32_t>(directory.size()));
  put32(end, static_cast<uint32_t>(offset));
  put16(end, 0);  // comment length
  out.write(reinterpret_cast<const char*>(directory.data()),
            static_cast<std::streamsize>(directory.size()));
  out.write(reinterpret_cast<const char*>(end.data()), static_cast<std::streamsize>(end.size()));
  out.close();
  if (!out) throw Error("cannot write '" + path + "'");
}

void write_basis_npz(const std::string& path, const PcaModel& model, const ImageStack& images,
                     int64_t n_images) {
  const int64_t k = model.n_components(), d = model.dim();
  const int64_t n = std::min(n_images, images.samples());
  const RowMatrixD components = model.components;  // C order
  std::vector<int64_t> image_shape = {n, images.image.height, images.image.width};
  if (images.image.colour()) image_shape.push_back(3);
  write_npz(path,
            {{"components", {k, d}, nullptr, components.data()},
             {"mean", {d}, nullptr, model.mean.data()},
             {"explained_variance", {k}, nullptr, model.explained_variance.data()},
             {"explained_variance_ratio", {k}, nullptr, model.explained_variance_ratio.data()},
             {"images", image_shape, images.rows.data(), nullptr}});
}

}  // namespace pcarecon
