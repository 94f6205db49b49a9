#pragma once
// .npz archives (numpy.savez / savez_compressed: a zip of .npy files) read from a file with
// random access, for the CLI only: the member list comes from the zip's central directory at the
// end of the file (Zip64 records and extra fields as NumPy writes them), and one member's bytes
// are streamed in chunks (stored, or inflated by zlib), checked against the directory's size and
// CRC-32. The rules and messages are web/worker/npz.js's, so the CLI refuses what the page refuses.
// Native only: the page reads archives in JavaScript, and the wasm build does not link zlib.

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace pcarecon {

struct NpzMember {
  std::string name;  // as in the archive, e.g. "images.npy"
  std::string key;   // the name numpy.load gives it: without ".npy"
  bool npy = false;  // the name ends in .npy
  uint16_t method = 0;
  bool encrypted = false;
  uint64_t compressed_size = 0;
  uint64_t size = 0;
  uint32_t crc32 = 0;
  uint64_t local_header_offset = 0;
};

class NpzArchive {
 public:
  // Opens the file and lists its members; throws Error naming the problem for a file that is not
  // a zip archive, or a truncated or corrupt one.
  explicit NpzArchive(const std::string& path);

  const std::string& path() const { return path_; }
  const std::vector<NpzMember>& members() const { return members_; }
  // The member numpy.load calls `key`; nullptr when there is none.
  const NpzMember* find(const std::string& key) const;

  // Hands the member's uncompressed bytes to `sink` in chunks; sink returns false to stop early
  // (then without the final checks). Throws Error for an encrypted member, another compression
  // method, truncated data, or bytes that disagree with the directory (size, CRC-32).
  using Sink = std::function<bool(const uint8_t* bytes, size_t size)>;
  void stream(const NpzMember& member, const Sink& sink) const;
  // The first `count` bytes (fewer when the member is shorter), e.g. its .npy header.
  std::vector<uint8_t> read_head(const NpzMember& member, size_t count) const;
  // The whole member (for small arrays such as a basis' mean).
  std::vector<uint8_t> read(const NpzMember& member) const;

 private:
  struct Directory {
    uint64_t count, size, offset;
  };
  std::vector<uint8_t> read_range(uint64_t start, uint64_t end) const;
  Directory locate_directory() const;
  void list();
  uint64_t data_offset(const NpzMember& member) const;
  bool inflate_range(const NpzMember& member, uint64_t start, uint64_t end,
                     const Sink& deliver) const;

  std::string path_;
  mutable std::ifstream in_;
  uint64_t size_ = 0;
  std::vector<NpzMember> members_;
};

}  // namespace pcarecon
