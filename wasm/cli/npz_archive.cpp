#include "npz_archive.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <map>

#include "error.h"

namespace pcarecon {
namespace {

constexpr uint32_t kSigLocal = 0x04034b50;
constexpr uint32_t kSigCentral = 0x02014b50;
constexpr uint32_t kSigEnd = 0x06054b50;
constexpr uint32_t kSigZip64End = 0x06064b50;
constexpr uint32_t kSigZip64Locator = 0x07064b50;
constexpr uint64_t kEndSize = 22;  // the end-of-central-directory record without its comment
constexpr uint64_t kMaxComment = 0xffff;
constexpr uint64_t kMaxDirectoryBytes = uint64_t{64} << 20;  // ~500 000 members
constexpr size_t kChunk = size_t{4} << 20;                   // archive bytes per read

// Compression methods by number (APPNOTE 4.4.5), to name the ones that cannot be read.
std::string method_name(uint16_t method) {
  static const std::map<uint16_t, const char*> names = {
      {0, "stored"}, {1, "shrunk"},   {6, "imploded"},   {8, "deflate"},        {9, "deflate64"},
      {12, "bzip2"}, {14, "LZMA"},    {18, "IBM TERSE"}, {93, "Zstandard"},     {95, "xz"},
      {96, "JPEG"},  {97, "WavPack"}, {98, "PPMd"},      {99, "AES encryption"}};
  const auto it = names.find(method);
  return it != names.end() ? it->second : "method " + std::to_string(method);
}

uint16_t u16(const uint8_t* b) { return static_cast<uint16_t>(b[0] | (b[1] << 8)); }
uint32_t u32(const uint8_t* b) {
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}
uint64_t u64(const uint8_t* b) { return uint64_t{u32(b)} | uint64_t{u32(b + 4)} << 32; }

std::string hex32(uint32_t n) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", n);
  return text;
}

std::string bytes_text(uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

// Throws unless the member can be read (not encrypted, stored or deflated, sizes possible).
void check_readable(const NpzMember& m) {
  if (m.encrypted || m.method == 99)
    throw Error(m.name +
                " in the .npz archive is encrypted; save the arrays again without a password "
                "(numpy.savez)");
  if (m.method != 0 && m.method != 8)
    throw Error(m.name + " in the .npz archive is compressed with " + method_name(m.method) +
                ", which pcarecon cannot read; save it with numpy.savez or "
                "numpy.savez_compressed (stored or deflate)");
  // Stored data is its own size; deflate expands at most 1032-fold.
  const bool impossible =
      m.method == 0 ? m.size != m.compressed_size : m.size / 1032 > m.compressed_size + 1;
  if (impossible)
    throw Error(m.name + " in the .npz archive is corrupt: " + std::to_string(m.compressed_size) +
                " " + method_name(m.method) + " bytes cannot hold the " + std::to_string(m.size) +
                " bytes its directory entry says");
}

}  // namespace

NpzArchive::NpzArchive(const std::string& path) : path_(path), in_(path, std::ios::binary) {
  if (!in_) throw Error("cannot read '" + path + "': " + std::strerror(errno));
  in_.seekg(0, std::ios::end);
  const std::streamoff end = in_.tellg();
  if (end < 0 || !in_) throw Error("cannot read '" + path + "': " + std::strerror(errno));
  size_ = static_cast<uint64_t>(end);
  list();
}

const NpzMember* NpzArchive::find(const std::string& key) const {
  for (const NpzMember& m : members_)
    if (m.key == key) return &m;
  return nullptr;
}

std::vector<uint8_t> NpzArchive::read_range(uint64_t start, uint64_t end) const {
  end = std::min(end, size_);
  std::vector<uint8_t> out(start < end ? end - start : 0);
  if (out.empty()) return out;
  in_.clear();
  in_.seekg(static_cast<std::streamoff>(start));
  in_.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
  if (in_.gcount() != static_cast<std::streamsize>(out.size()))
    throw Error("cannot read '" + path_ + "': " + std::strerror(errno));
  return out;
}

// The end record: the last PK\5\6 whose comment runs exactly to the end of the file; then the
// Zip64 end record when a locator precedes it.
NpzArchive::Directory NpzArchive::locate_directory() const {
  if (size_ == 0) throw Error("not a .npz archive: the file is empty");
  const uint64_t tail_start = size_ > kEndSize + kMaxComment ? size_ - kEndSize - kMaxComment : 0;
  const std::vector<uint8_t> tail = read_range(tail_start, size_);
  int64_t at = -1;
  for (int64_t i = static_cast<int64_t>(tail.size()) - static_cast<int64_t>(kEndSize); i >= 0;
       --i) {
    if (u32(&tail[i]) == kSigEnd && i + kEndSize + u16(&tail[i + 20]) == tail.size()) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    const std::vector<uint8_t> head = read_range(0, 4);
    if (head.size() == 4 && u32(head.data()) == kSigLocal)
      throw Error(
          "the .npz archive is truncated: it starts like a zip archive but its end (the central "
          "directory) is missing (" +
          bytes_text(size_) + " read)");
    throw Error(
        "not a .npz archive: no zip directory found (a .npz is a zip of .npy files, as "
        "numpy.savez writes)");
  }
  const uint64_t end_at = tail_start + static_cast<uint64_t>(at);
  const uint8_t* r = &tail[at];
  Directory d{u16(r + 10), u32(r + 12), u32(r + 16)};
  if (end_at >= 20) {
    const std::vector<uint8_t> locator = read_range(end_at - 20, end_at);
    if (u32(locator.data()) == kSigZip64Locator) {
      const uint64_t z = u64(&locator[8]);
      const std::vector<uint8_t> record =
          z <= end_at && end_at - z >= 56 ? read_range(z, z + 56) : std::vector<uint8_t>();
      if (record.size() < 56 || u32(record.data()) != kSigZip64End)
        throw Error("the .npz archive is corrupt: its Zip64 end record is missing at offset " +
                    std::to_string(z));
      d = {u64(&record[32]), u64(&record[40]), u64(&record[48])};
    }
  }
  if (d.offset > end_at || d.size > end_at - d.offset)
    throw Error("the .npz archive is truncated or corrupt: its directory (" +
                std::to_string(d.size) + " bytes at offset " + std::to_string(d.offset) +
                ") runs past the directory's end record at offset " + std::to_string(end_at));
  if (d.size > kMaxDirectoryBytes)
    throw Error("the .npz archive's directory is " + std::to_string(d.size) +
                " bytes long, more than the " + std::to_string(kMaxDirectoryBytes) +
                " a .npz could need");
  return d;
}

namespace {

// Zip64 extra field (id 1): the 64-bit values of exactly those fields whose 32-bit value is
// 0xFFFFFFFF, in the order size, compressed size, offset.
void apply_zip64_extra(NpzMember& m, const uint8_t* extra, size_t extra_length) {
  for (size_t q = 0; q + 4 <= extra_length;) {
    const uint16_t id = u16(extra + q);
    const size_t length = u16(extra + q + 2);
    if (id == 0x0001) {
      size_t f = q + 4;
      auto take = [&]() {
        if (f + 8 > q + 4 + length || f + 8 > extra_length)
          throw Error("the .npz archive is corrupt: the Zip64 field of " + m.name +
                      " is too short");
        const uint64_t value = u64(extra + f);
        f += 8;
        return value;
      };
      if (m.size == 0xffffffff) m.size = take();
      if (m.compressed_size == 0xffffffff) m.compressed_size = take();
      if (m.local_header_offset == 0xffffffff) m.local_header_offset = take();
    }
    q += 4 + length;
  }
}

}  // namespace

void NpzArchive::list() {
  const Directory where = locate_directory();
  const std::vector<uint8_t> dir = read_range(where.offset, where.offset + where.size);
  size_t p = 0;
  for (uint64_t index = 0; index < where.count; ++index) {
    if (p + 46 > dir.size() || u32(&dir[p]) != kSigCentral)
      throw Error("the .npz archive is corrupt: directory entry " + std::to_string(index) + " of " +
                  std::to_string(where.count) + " is missing or damaged");
    const size_t name_length = u16(&dir[p + 28]), extra_length = u16(&dir[p + 30]),
                 comment_length = u16(&dir[p + 32]);
    if (p + 46 + name_length + extra_length + comment_length > dir.size())
      throw Error("the .npz archive is corrupt: directory entry " + std::to_string(index) +
                  " runs past the directory");
    NpzMember m;
    m.name.assign(reinterpret_cast<const char*>(&dir[p + 46]), name_length);
    m.npy = m.name.size() >= 4 && m.name.compare(m.name.size() - 4, 4, ".npy") == 0;
    m.key = m.npy ? m.name.substr(0, m.name.size() - 4) : m.name;
    m.encrypted = (u16(&dir[p + 8]) & 1) != 0;
    m.method = u16(&dir[p + 10]);
    m.crc32 = u32(&dir[p + 16]);
    m.compressed_size = u32(&dir[p + 20]);
    m.size = u32(&dir[p + 24]);
    m.local_header_offset = u32(&dir[p + 42]);
    apply_zip64_extra(m, &dir[p + 46 + name_length], extra_length);
    members_.push_back(std::move(m));
    p += 46 + name_length + extra_length + comment_length;
  }
}

// Where the member's data starts: after its local header, whose name and extra field (NumPy
// writes a Zip64 extra there) may differ in length from the directory's.
uint64_t NpzArchive::data_offset(const NpzMember& m) const {
  const uint64_t at = m.local_header_offset;
  const std::vector<uint8_t> header = at < size_ ? read_range(at, at + 30) : std::vector<uint8_t>();
  if (header.size() < 30)
    throw Error("the .npz archive is truncated: " + m.name + " starts at offset " +
                std::to_string(at) + ", past the end of the file (" + std::to_string(size_) +
                " bytes)");
  if (u32(header.data()) != kSigLocal)
    throw Error("the .npz archive is corrupt: no header for " + m.name + " at offset " +
                std::to_string(at));
  const uint64_t start = at + 30 + u16(&header[26]) + u16(&header[28]);
  if (start > size_ || m.compressed_size > size_ - start)
    throw Error("the .npz archive is truncated: " + m.name + " needs bytes " +
                std::to_string(start) + " to " + std::to_string(start + m.compressed_size) +
                ", the file has " + std::to_string(size_));
  return start;
}

// Inflates the raw deflate stream in archive bytes [start, end) with zlib, handing each output
// to `deliver`; false when deliver asked to stop.
bool NpzArchive::inflate_range(const NpzMember& m, uint64_t start, uint64_t end,
                               const Sink& deliver) const {
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw Error("cannot start zlib's inflate");
  // Ends the inflater however this block is left.
  struct Ender {
    z_stream* z;
    ~Ender() { inflateEnd(z); }
  } ender{&z};
  std::vector<uint8_t> out(kChunk);
  bool done = false;
  auto corrupt = [&](const char* why) {
    return Error(m.name + " in the .npz archive is corrupt: its compressed data cannot be " +
                 "inflated (" + (z.msg ? z.msg : why) + ")");
  };
  for (uint64_t offset = start; offset < end && !done; offset += kChunk) {
    std::vector<uint8_t> bytes = read_range(offset, std::min(end, offset + kChunk));
    z.next_in = bytes.data();
    z.avail_in = static_cast<uInt>(bytes.size());
    while (z.avail_in > 0 && !done) {
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      const int status = inflate(&z, Z_NO_FLUSH);
      if (status == Z_STREAM_END)
        done = true;
      else if (status != Z_OK)
        throw corrupt("invalid data");
      if (!deliver(out.data(), out.size() - z.avail_out)) return false;
    }
  }
  // The stream may still hold output once all input has been read.
  while (!done) {
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    const int status = inflate(&z, Z_FINISH);
    if (status == Z_STREAM_END)
      done = true;
    else if (status != Z_OK && !(status == Z_BUF_ERROR && z.avail_out == 0))
      throw corrupt("unexpected end of data");
    if (!deliver(out.data(), out.size() - z.avail_out)) return false;
  }
  return true;
}

void NpzArchive::stream(const NpzMember& m, const Sink& sink) const {
  check_readable(m);
  const uint64_t start = data_offset(m), end = start + m.compressed_size;
  uLong crc = ::crc32(0L, Z_NULL, 0);
  uint64_t delivered = 0;
  auto deliver = [&](const uint8_t* bytes, size_t size) {
    if (size == 0) return true;
    if (size > m.size - delivered)
      throw Error(m.name + " in the .npz archive is corrupt: it holds more than the " +
                  std::to_string(m.size) + " bytes its directory entry says");
    crc = ::crc32(crc, bytes, static_cast<uInt>(size));
    delivered += size;
    return sink(bytes, size);
  };

  if (m.method == 0) {
    for (uint64_t offset = start; offset < end; offset += kChunk) {
      const std::vector<uint8_t> bytes = read_range(offset, std::min(end, offset + kChunk));
      if (!deliver(bytes.data(), bytes.size())) return;
    }
  } else {
    if (!inflate_range(m, start, end, deliver)) return;
  }
  if (delivered != m.size)
    throw Error(m.name + " in the .npz archive is corrupt: it holds " + std::to_string(delivered) +
                " bytes, its directory entry says " + std::to_string(m.size));
  if (static_cast<uint32_t>(crc) != m.crc32)
    throw Error(m.name + " in the .npz archive is corrupt: its CRC-32 is " +
                hex32(static_cast<uint32_t>(crc)) + ", the archive says " + hex32(m.crc32));
}

std::vector<uint8_t> NpzArchive::read_head(const NpzMember& m, size_t count) const {
  std::vector<uint8_t> out;
  stream(m, [&](const uint8_t* bytes, size_t size) {
    out.insert(out.end(), bytes, bytes + std::min(size, count - out.size()));
    return out.size() < count;
  });
  return out;
}

std::vector<uint8_t> NpzArchive::read(const NpzMember& m) const {
  check_readable(m);
  if (m.size > std::numeric_limits<size_t>::max() / 2)
    throw Error(m.name + " in the .npz archive is too large to hold (" + bytes_text(m.size) + ")");
  std::vector<uint8_t> out;
  out.reserve(static_cast<size_t>(std::min<uint64_t>(m.size, kChunk)));  // m.size is a claim
  stream(m, [&](const uint8_t* bytes, size_t size) {
    out.insert(out.end(), bytes, bytes + size);
    return true;
  });
  return out;
}

}  // namespace pcarecon
