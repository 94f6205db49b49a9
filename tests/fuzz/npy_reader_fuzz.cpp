// libFuzzer target: any bytes as a .npy file. The whole-buffer reader (read_npy) and the stream
// reader fed in chunks (one byte at a time, and pseudo-random sizes) must agree: the same images,
// bit for bit, or the same error message and kind (never an internal one). Anything else is a
// finding, as is any crash, leak, out-of-bounds access or undefined behaviour (ASan + UBSan).
//
// The one allowed difference: bad magic is refused from the first wrong byte, so a stream fed a
// byte at a time shows fewer of the file's first bytes; its text must be a prefix of the other.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "error.h"
#include "npy_reader.h"

namespace {

struct Outcome {
  bool ok = false;
  std::string message;
  pcarecon::ErrorKind kind = pcarecon::ErrorKind::BadInput;
  int64_t height = 0, width = 0, samples = 0;
  std::vector<float> values;
  float vmin = 0, vmax = 0;
};

Outcome whole(const uint8_t* data, size_t size) {
  Outcome out;
  try {
    const pcarecon::ImageStack s = pcarecon::read_npy(data, size);
    out.ok = true;
    out.height = s.image.height;
    out.width = s.image.width;
    out.samples = s.samples();
    out.values.assign(s.rows.data(), s.rows.data() + s.rows.size());
    out.vmin = s.value_min;
    out.vmax = s.value_max;
  } catch (const pcarecon::Error& e) {
    out.message = e.what();
    out.kind = e.kind();
  }
  return out;
}

// next_chunk() gives the size of each feed.
template <typename Next>
Outcome streamed(const uint8_t* data, size_t size, Next&& next_chunk) {
  Outcome out;
  try {
    pcarecon::NpyStreamReader reader(
        [&](const Eigen::Ref<const pcarecon::RowMatrixF>& rows, int64_t first_row) {
          if (first_row * rows.cols() != static_cast<int64_t>(out.values.size())) std::abort();
          for (int64_t r = 0; r < rows.rows(); ++r)
            for (int64_t c = 0; c < rows.cols(); ++c) out.values.push_back(rows(r, c));
        });
    for (size_t at = 0; at < size;) {
      const size_t n = std::min(size - at, std::max<size_t>(1, next_chunk()));
      reader.feed(data + at, n);
      at += n;
    }
    reader.finish();
    out.ok = true;
    out.height = reader.image_shape().height;
    out.width = reader.image_shape().width;
    out.samples = reader.samples();
    if (reader.rows_delivered() != reader.samples()) std::abort();
    out.vmin = reader.value_min();
    out.vmax = reader.value_max();
  } catch (const pcarecon::Error& e) {
    out.message = e.what();
    out.kind = e.kind();
    out.values.clear();
  }
  return out;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

void expect_same(const Outcome& a, const Outcome& b, const char* how) {
  bool same = a.ok == b.ok;
  if (same && a.ok) {
    same = a.height == b.height && a.width == b.width && a.samples == b.samples &&
           a.values.size() == b.values.size() &&
           std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(float)) == 0 &&
           std::memcmp(&a.vmin, &b.vmin, sizeof(float)) == 0 &&
           std::memcmp(&a.vmax, &b.vmax, sizeof(float)) == 0;
  } else if (same && a.kind != b.kind) {
    same = false;
  } else if (same) {
    // Bad magic: the lead may differ (a zip is recognised from its second byte), the bytes shown
    // after the marker, up to the closing '")', must agree.
    const std::string magic = "; this one starts with \"";
    const size_t at_a = a.message.find(magic), at_b = b.message.find(magic);
    if (at_a != std::string::npos && at_b != std::string::npos) {
      auto shown = [&](const std::string& m) {
        const size_t from = m.find(magic) + magic.size();
        return m.substr(from, m.size() - from - 2);
      };
      // Escapes stand for whole bytes, so fewer bytes shown give a prefix of the text.
      same = starts_with(shown(a.message), shown(b.message)) ||
             starts_with(shown(b.message), shown(a.message));
    } else {
      same = a.message == b.message;
    }
  }
  if (!same) {
    std::fprintf(stderr, "whole and %s reading disagree:\n  whole: %s\n  %s: %s\n", how,
                 a.ok ? "ok" : a.message.c_str(), how, b.ok ? "ok" : b.message.c_str());
    std::abort();
  }
  if (!a.ok && a.message.empty()) {
    std::fprintf(stderr, "an error without a message\n");
    std::abort();
  }
  if (!a.ok && a.kind == pcarecon::ErrorKind::Internal) {
    std::fprintf(stderr, "an internal error: %s\n", a.message.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Outcome reference = whole(data, size);
  if (size <= 4096)
    expect_same(reference, streamed(data, size, [] { return size_t{1}; }), "bytewise");
  // Chunk sizes from a generator seeded by the input itself, so a finding replays exactly.
  uint64_t state = 0x9e3779b97f4a7c15ull ^ size;
  for (size_t i = 0; i < size && i < 16; ++i) state = state * 1099511628211ull ^ data[i];
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<size_t>(1 + state % 97);
  };
  expect_same(reference, streamed(data, size, next), "chunked");
  expect_same(reference, streamed(data, size, [&] { return size; }), "one-chunk");
  return 0;
}
