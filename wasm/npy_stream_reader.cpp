// NpyStreamReader: a .npy file fed in chunks of any size, its samples converted and handed to
// the sink as they arrive (see npy_reader.h).

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include "error.h"
#include "npy_detail.h"
#include "npy_reader.h"

namespace pcarecon {

using namespace npy_detail;

struct NpyStreamReader::State {
  RowSink sink;
  StreamCheck stream_check;
  ByteSink byte_sink;  // cleared once it declines
  std::optional<ImageShape> hint;
  uint64_t max_matrix_bytes = 0;           // 0: no limit but the address space
  std::optional<uint64_t> expected_total;  // the file's size, when the caller knows it
  std::optional<Error> failure;            // once set, every call rethrows it

  std::vector<uint8_t> head;  // header bytes until the header is complete
  std::optional<NpyHeader> header;
  ImageShape image;
  int64_t n = 0;
  int64_t d = 0;
  size_t sample_bytes = 0;
  Converter convert;

  std::vector<uint8_t> carry;  // C order: a partial sample; Fortran order: all data so far
  uint64_t data_received = 0;  // data bytes within the announced size (from the file's data start)
  uint64_t data_begin = 0;     // read_rows: the first data byte fed, and the end of those fed
  uint64_t data_end = 0;
  int64_t row_begin = 0;
  int64_t row_end = 0;
  uint64_t excess = 0;
  uint64_t bytes_fed = 0;
  int64_t rows_delivered = 0;

  bool allocated = false;
  RowMatrixF stage;  // block_rows × D
  int64_t block_rows = 1;
  std::vector<int64_t> fortran_target;  // Fortran feature index → C feature index

  float vmin = std::numeric_limits<float>::infinity();
  float vmax = -std::numeric_limits<float>::infinity();
  uint64_t bad_count = 0;
  uint64_t first_bad = 0;  // flat C index of the first NaN/Inf
  uint64_t overflow_count = 0;

  void start(const NpyHeader& h) {
    image = image_shape_for(h, hint);
    n = h.shape[0];
    d = image.values();
    const bool streamed = stream_check && stream_check(h, image);
    sample_bytes = check_sizes(h, image, max_matrix_bytes, streamed);
    row_end = n;
    data_end = h.data_bytes;
    if (expected_total) {  // the same check, in the same order, as for a whole file
      const uint64_t data = *expected_total > h.data_offset ? *expected_total - h.data_offset : 0;
      if (data < h.data_bytes) throw Error(truncated_data_message(h.data_bytes, data));
      if (data > h.data_bytes) throw Error(excess_data_message(data - h.data_bytes));
    }
    convert = make_converter(h);
    block_rows = std::max<int64_t>(1, std::min<int64_t>(n, (int64_t{1} << 18) / d));
    header = h;
  }

  // Buffers are sized from the header but allocated only once the data they hold has arrived
  // (a whole sample in C order, all of the data in Fortran order), so a short file whose header
  // announces huge images costs no more memory than its own size.
  void allocate() {
    if (allocated) return;
    try {
      stage.resize(block_rows, d);
      if (header->fortran_order) {
        // Fortran index f = i1 + d1·(i2 + d2·(...)) of the per-sample dims; C index
        // c = (i1·d2 + i2)...
        const std::vector<int64_t> dims(header->shape.begin() + 1, header->shape.end());
        std::vector<int64_t> c_stride(dims.size(), 1);
        for (size_t j = dims.size(); j-- > 1;) c_stride[j - 1] = c_stride[j] * dims[j];
        std::vector<int64_t> idx(dims.size(), 0);
        fortran_target.resize(static_cast<size_t>(d));
        int64_t c = 0;
        for (int64_t f = 0; f < d; ++f) {
          fortran_target[static_cast<size_t>(f)] = c;
          for (size_t j = 0; j < dims.size(); ++j) {  // odometer, first dim fastest
            ++idx[j];
            c += c_stride[j];
            if (idx[j] < dims[j]) break;
            c -= c_stride[j] * idx[j];
            idx[j] = 0;
          }
        }
      }
    } catch (const std::bad_alloc&) {
      throw_out_of_memory(n, image, max_matrix_bytes);
    }
    allocated = true;
  }

  // Scans the first `rows` rows of stage, then hands them to the sink.
  void deliver(int64_t rows) {
    const float* v = stage.data();
    const size_t count = static_cast<size_t>(rows * d);
    uint64_t bad = 0;
    float lo = vmin, hi = vmax;
    for (size_t i = 0; i < count; ++i) {
      const float x = v[i];
      bad += !(std::fabs(x) <= std::numeric_limits<float>::max());
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
    }
    if (bad > 0) {
      lo = vmin;
      hi = vmax;
      for (size_t i = 0; i < count; ++i) {
        const float x = v[i];
        if (std::isfinite(x)) {
          lo = std::min(lo, x);
          hi = std::max(hi, x);
        } else if (bad_count++ == 0) {
          first_bad = static_cast<uint64_t>(rows_delivered) * static_cast<uint64_t>(d) + i;
        }
      }
    }
    vmin = lo;
    vmax = hi;
    if (sink) sink(stage.topRows(rows), rows_delivered);
    rows_delivered += rows;
  }

  // Offers whole C-order samples of an 8-bit integer file to the byte sink; false when it
  // declines them (or there is none), and they are to be converted.
  bool deliver_bytes(const uint8_t* src, int64_t rows) {
    const DType dtype = header->dtype;
    if (!byte_sink || header->fortran_order || (dtype != DType::UInt8 && dtype != DType::Int8))
      return false;
    if (!byte_sink(src, rows, rows_delivered)) {
      byte_sink = nullptr;
      return false;
    }
    const size_t count = static_cast<size_t>(rows * d);
    int lo = 255, hi = -128;  // covers both types' ranges
    if (dtype == DType::UInt8) {
      uint8_t l = 255, h = 0;
      for (size_t i = 0; i < count; ++i) {
        l = std::min(l, src[i]);
        h = std::max(h, src[i]);
      }
      lo = l;
      hi = h;
    } else {
      const auto* v = reinterpret_cast<const int8_t*>(src);
      int8_t l = 127, h = -128;
      for (size_t i = 0; i < count; ++i) {
        l = std::min(l, v[i]);
        h = std::max(h, v[i]);
      }
      lo = l;
      hi = h;
    }
    if (count > 0) {
      vmin = std::min(vmin, static_cast<float>(lo));
      vmax = std::max(vmax, static_cast<float>(hi));
    }
    rows_delivered += rows;
    return true;
  }

  void convert_rows(const uint8_t* src, int64_t rows) {
    if (deliver_bytes(src, rows)) return;
    allocate();
    overflow_count += convert.contiguous(src, static_cast<size_t>(rows * d), stage.data(), 1);
    deliver(rows);
  }

  void feed_data(const uint8_t* p, size_t size) {
    const uint64_t remaining = data_end - data_received;
    if (size > remaining) {
      excess += size - remaining;
      size = static_cast<size_t>(remaining);
    }
    const bool whole = data_received == 0 && size == header->data_bytes;
    data_received += size;
    if (size == 0) return;
    if (header->fortran_order) {
      if (whole) return convert_fortran(p);  // one chunk holds it all: no copy needed
      carry.insert(carry.end(), p, p + size);
      return;
    }
    if (!carry.empty()) {
      const size_t take = std::min(size, sample_bytes - carry.size());
      carry.insert(carry.end(), p, p + take);
      p += take;
      size -= take;
      if (carry.size() < sample_bytes) return;
      convert_rows(carry.data(), 1);
      carry.clear();
    }
    while (size >= sample_bytes) {
      const int64_t rows = std::min<int64_t>(block_rows, static_cast<int64_t>(size / sample_bytes));
      convert_rows(p, rows);
      p += static_cast<size_t>(rows) * sample_bytes;
      size -= static_cast<size_t>(rows) * sample_bytes;
    }
    carry.insert(carry.end(), p, p + size);
  }

  void feed(const uint8_t* bytes, size_t size) {
    bytes_fed += size;
    if (header) return feed_data(bytes, size);
    if (head.empty()) {  // the usual case: the header is whole in the first chunk
      const std::optional<NpyHeader> h = parse_npy_header(bytes, size);
      if (h) {
        start(*h);
        return feed_data(bytes + h->data_offset, size - h->data_offset);
      }
    }
    // Collect header bytes only (first the 12 bytes that hold its length, then the rest), so a
    // large chunk is never copied; what follows the header is converted from the chunk itself.
    while (size > 0) {
      const std::optional<uint64_t> total = header_total_size(head.data(), head.size());
      const size_t target = total ? static_cast<size_t>(*total) : 12;
      const size_t take = std::min(size, target > head.size() ? target - head.size() : size_t{1});
      head.insert(head.end(), bytes, bytes + take);
      bytes += take;
      size -= take;
      const std::optional<NpyHeader> h = parse_npy_header(head.data(), head.size());
      if (h) {
        start(*h);
        head.clear();
        head.shrink_to_fit();
        return feed_data(bytes, size);
      }
    }
  }

  void select_rows(int64_t begin, int64_t end) {
    if (!header) throw Error("the .npy header must be read before choosing which samples to read");
    if (header->fortran_order)
      throw Error("a Fortran-order file cannot be read in parts: its samples are interleaved");
    if (begin < 0 || end < begin || end > n)
      throw Error("samples " + std::to_string(begin) + " to " + std::to_string(end) +
                  " are not a range of the " + std::to_string(n) + " samples");
    const uint64_t sb = sample_bytes;
    const bool untouched = data_received == data_begin && carry.empty() && excess == 0;
    if (!untouched && begin != row_begin)
      throw Error("samples from " + std::to_string(row_begin) +
                  " on are being read: the first sample can no longer move to " +
                  std::to_string(begin));
    if (static_cast<uint64_t>(end) * sb < data_received)
      throw Error("samples up to " + std::to_string(data_received / sb) +
                  " were already read: cannot stop at " + std::to_string(end));
    if (untouched) {
      row_begin = begin;
      rows_delivered = begin;
      data_begin = data_received = static_cast<uint64_t>(begin) * sb;
    }
    row_end = end;
    data_end = static_cast<uint64_t>(end) * sb;
  }

  // Converts all of the Fortran-order data, `data_bytes` bytes at `data`.
  void convert_fortran(const uint8_t* data) {
    allocate();
    const size_t item = header->item_size;
    for (int64_t r0 = 0; r0 < n; r0 += block_rows) {
      const int64_t rows = std::min(block_rows, n - r0);
      for (int64_t f = 0; f < d; ++f) {
        const uint8_t* src =
            data +
            (static_cast<size_t>(f) * static_cast<size_t>(n) + static_cast<size_t>(r0)) * item;
        overflow_count += convert.strided(src, static_cast<size_t>(rows),
                                          stage.data() + fortran_target[static_cast<size_t>(f)], d);
      }
      deliver(rows);
    }
  }

  void finish(bool check_values) {
    if (!header) throw Error(incomplete_header_message(head.data(), head.size()));
    if (data_received < data_end) {
      throw Error(truncated_data_message(data_end - data_begin, data_received - data_begin));
    }
    if (excess > 0) throw Error(excess_data_message(excess));
    if (header->fortran_order && rows_delivered < n) {
      convert_fortran(carry.data());
      carry.clear();
      carry.shrink_to_fit();
    }
    if (check_values && bad_count > 0) {
      const uint64_t ud = static_cast<uint64_t>(d), uw = static_cast<uint64_t>(image.width);
      const uint64_t uc = static_cast<uint64_t>(image.channels);
      const uint64_t sample = first_bad / ud, pixel = first_bad % ud / uc;
      std::string message = "data contains " + std::to_string(bad_count) + " NaN or infinite " +
                            (bad_count == 1 ? "value; it is" : "values; the first is") +
                            " sample " + std::to_string(sample) + ", row " +
                            std::to_string(pixel / uw) + ", column " + std::to_string(pixel % uw);
      if (image.colour()) {
        static const char* const kChannel[] = {"red", "green", "blue"};
        message += std::string(", channel ") + kChannel[first_bad % ud % uc];
      }
      if (overflow_count > 0) {
        message += " (" + std::to_string(overflow_count) + " of them " +
                   (overflow_count == 1 ? "is a float64 value" : "are float64 values") +
                   " too large for float32, beyond ±3.4e38)";
      }
      throw Error(message);
    }
  }
};

NpyStreamReader::NpyStreamReader(RowSink sink, std::optional<ImageShape> hint,
                                 uint64_t max_matrix_bytes)
    : state_(std::make_shared<State>()) {
  state_->sink = std::move(sink);
  state_->hint = hint;
  state_->max_matrix_bytes = max_matrix_bytes;
}

void NpyStreamReader::set_stream_check(StreamCheck check) {
  state_->stream_check = std::move(check);
}

void NpyStreamReader::set_byte_sink(ByteSink sink) { state_->byte_sink = std::move(sink); }

namespace {
// Runs one step of the reader; after a failure the reader stays failed with the same error.
template <typename F>
void guarded(std::optional<Error>& failure, const NpyStreamReader* reader, uint64_t limit,
             F&& step) {
  if (failure) throw *failure;
  try {
    step();
  } catch (const Error& e) {
    failure = e;
    throw;
  } catch (const std::bad_alloc&) {
    if (reader->has_header()) {
      try {
        throw_out_of_memory(reader->samples(), reader->image_shape(), limit);
      } catch (const Error& e) {
        failure = e;
        throw;
      }
    }
    failure = Error(ErrorKind::OutOfMemory, "not enough memory to read the .npy header");
    throw *failure;
  } catch (const std::exception& e) {
    failure = Error(ErrorKind::Internal, e.what());
    throw;
  }
}
}  // namespace

void NpyStreamReader::read_rows(int64_t begin, int64_t end) {
  guarded(state_->failure, this, state_->max_matrix_bytes,
          [&] { state_->select_rows(begin, end); });
}

int64_t NpyStreamReader::first_row() const { return state_->row_begin; }

int64_t NpyStreamReader::end_row() const {
  if (!state_->header) throw Error("the .npy header has not been read yet");
  return state_->row_end;
}

void NpyStreamReader::feed(const uint8_t* bytes, size_t size) {
  if (size == 0) return;
  guarded(state_->failure, this, state_->max_matrix_bytes, [&] { state_->feed(bytes, size); });
}

void NpyStreamReader::expect_total_size(uint64_t bytes) {
  guarded(state_->failure, this, state_->max_matrix_bytes, [&] {
    if (state_->bytes_fed > 0) throw internal_error("the file size must be given before any byte");
    state_->expected_total = bytes;
  });
}

void NpyStreamReader::finish() {
  guarded(state_->failure, this, state_->max_matrix_bytes, [&] { state_->finish(true); });
}

void NpyStreamReader::finish_data() {
  guarded(state_->failure, this, state_->max_matrix_bytes, [&] { state_->finish(false); });
}

NpyStreamReader::NonFinite NpyStreamReader::non_finite() const {
  return {state_->bad_count, state_->first_bad, state_->overflow_count};
}

void NpyStreamReader::add_non_finite(const NonFinite& other) {
  if (other.count == 0) return;
  State& s = *state_;
  s.first_bad = s.bad_count == 0 ? other.first : std::min(s.first_bad, other.first);
  s.bad_count += other.count;
  s.overflow_count += other.overflow;
}

bool NpyStreamReader::has_header() const { return state_->header.has_value(); }

const NpyHeader& NpyStreamReader::header() const {
  if (!state_->header) throw Error("the .npy header has not been read yet");
  return *state_->header;
}

ImageShape NpyStreamReader::image_shape() const {
  if (!state_->header) throw Error("the .npy header has not been read yet");
  return state_->image;
}

int64_t NpyStreamReader::samples() const {
  if (!state_->header) throw Error("the .npy header has not been read yet");
  return state_->n;
}

int64_t NpyStreamReader::rows_delivered() const { return state_->rows_delivered; }
uint64_t NpyStreamReader::bytes_fed() const { return state_->bytes_fed; }
float NpyStreamReader::value_min() const {
  return state_->rows_delivered > 0 && state_->vmin <= state_->vmax ? state_->vmin : 0.f;
}
float NpyStreamReader::value_max() const {
  return state_->rows_delivered > 0 && state_->vmin <= state_->vmax ? state_->vmax : 0.f;
}

}  // namespace pcarecon
