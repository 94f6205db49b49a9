#include "file_reading.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "error.h"
#include "fit_by_cost.h"
#include "streamed_topk.h"

namespace pcarecon {
namespace {

std::string plural(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string gigabytes(long double bytes) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2Lf GB", bytes / 1e9L);
  return buffer;
}

// The page's default K: the fit's working memory is estimated for it at the header.
constexpr int64_t kPlannedComponents = 50;

// The working memory of the cheaper solver (fit_by_cost.h) for N×D rows of this dtype, beside the
// rows themselves, when `left` bytes remain for it.
long double fit_working_bytes(int64_t n, int64_t d, DType dtype, long double left) {
  const bool bytes = dtype == DType::UInt8 || dtype == DType::Int8 || dtype == DType::Bool;
  const int64_t k = std::min<int64_t>(kPlannedComponents, std::min(n, d));
  const SolverChoice choice = choose_solver(n, d, k, bytes ? RowType::UInt8 : RowType::Float32,
                                            static_cast<double>(std::max(left, 0.0L)));
  const double chosen = choice.kind == SolverKind::Exact  ? choice.exact_bytes
                        : choice.kind == SolverKind::Gram ? choice.gram_bytes
                                                          : choice.randomized_bytes;
  // When none fits, what the leanest one needs (the message's number).
  return chosen <= left
             ? chosen
             : std::min({choice.exact_bytes, choice.randomized_bytes, choice.gram_bytes});
}

std::string samples_range(int64_t b, int64_t e) {
  return "samples " + std::to_string(b) + " to " + std::to_string(e);
}

}  // namespace

FileReading::FileReading(std::optional<ImageShape> hint, const Settings& settings)
    : settings_(settings) {
  // The sink runs inside reader_->feed()/finish(), so the reader is there to ask for the stack's
  // size when the first rows arrive. FileReading cannot be moved, so `this` stays valid.
  reader_ = std::make_unique<NpyStreamReader>(
      [this](const Eigen::Ref<const RowMatrixF>& rows, int64_t first_row) {
        if (stream_) return stream_rows(rows, first_row);
        hold_rows(rows, first_row);
      },
      hint, kMemoryLimitBytes);
  reader_->set_stream_check([this](const NpyHeader& header, const ImageShape& image) {
    return decide_stream(header, image);
  });
  reader_->set_byte_sink([this](const uint8_t* samples, int64_t count, int64_t first_row) {
    return !stream_ && hold_bytes(samples, count, first_row);
  });
}

void FileReading::expect_file_size(uint64_t bytes) { reader_->expect_total_size(bytes); }

void FileReading::feed(const uint8_t* bytes, size_t size) { reader_->feed(bytes, size); }

void FileReading::make_stack(int64_t samples) {
  auto stack = std::make_unique<ImageStack>();
  stack->image = reader_->image_shape();
  stack->rows.resize(samples, stack->image.values());
  stack_ = std::move(stack);
}

// A file held whole: an 8-bit one keeps its bytes (a quarter of float32), others float32.
void FileReading::make_held_stack(int64_t samples) {
  const DType dtype = reader_->header().dtype;
  if (dtype != DType::UInt8 && dtype != DType::Bool && dtype != DType::Int8)
    return make_stack(samples);
  auto stack = std::make_unique<ImageStack>();
  stack->image = reader_->image_shape();
  stack->type = dtype == DType::Int8 ? RowType::Int8 : RowType::UInt8;
  stack->bytes.resize(static_cast<size_t>(samples) * static_cast<size_t>(stack->image.values()));
  stack_ = std::move(stack);
}

// The reader's sink for a file held whole.
void FileReading::hold_rows(const Eigen::Ref<const RowMatrixF>& rows, int64_t first_row) {
  if (!stack_) make_held_stack(reader_->samples());
  if (first_row < 0 || rows.cols() != stack_->dim() || first_row + rows.rows() > stack_->samples())
    throw internal_error("the reader delivered rows outside the stack");
  if (!stack_->held_as_bytes()) {
    stack_->rows.middleRows(first_row, rows.rows()) = rows;
    return;
  }
  // The reader widened 8-bit values to float32 exactly: narrowing them back is exact too.
  uint8_t* at = stack_->bytes.data() + first_row * rows.cols();
  if (stack_->type == RowType::UInt8)
    Eigen::Map<Eigen::Matrix<uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        at, rows.rows(), rows.cols()) = rows.cast<uint8_t>();
  else
    Eigen::Map<Eigen::Matrix<int8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        reinterpret_cast<int8_t*>(at), rows.rows(), rows.cols()) = rows.cast<int8_t>();
}

// The reader's byte sink for a file held whole: an 8-bit file's samples copied as they are
// (what hold_rows makes of them after their float32 detour); false for a stack of float32.
bool FileReading::hold_bytes(const uint8_t* samples, int64_t count, int64_t first_row) {
  if (!stack_) make_held_stack(reader_->samples());
  if (!stack_->held_as_bytes()) return false;
  const int64_t d = stack_->dim();
  if (first_row < 0 || count < 0 || first_row + count > stack_->samples())
    throw internal_error("the reader delivered samples outside the stack");
  std::memcpy(stack_->bytes.data() + first_row * d, samples, static_cast<size_t>(count * d));
  return true;
}

void FileReading::check_header_read() const {
  if (!reader_->has_header())
    throw Error("file is truncated: it ends before the end of its .npy header (" +
                plural(int64_t(reader_->bytes_fed()), "byte", "bytes") + " read)");
}

LoadedFile FileReading::finish() {
  reader_->finish();
  check_header_read();
  if (stream_) return finish_streamed();
  if (!stack_) make_held_stack(reader_->samples());  // no rows delivered (the reader refuses these)
  if (reader_->rows_delivered() != stack_->samples())
    throw internal_error(std::to_string(reader_->rows_delivered()) + " of " +
                         std::to_string(stack_->samples()) + " samples were read");
  stack_->value_min = reader_->value_min();
  stack_->value_max = reader_->value_max();
  LoadedFile out;
  out.header = reader_->header();
  out.images = std::move(stack_);
  return out;
}

std::optional<StackInfo> FileReading::info() const {
  if (!reader_->has_header()) return std::nullopt;
  StackInfo info;
  info.header = reader_->header();
  info.image = reader_->image_shape();
  info.samples = reader_->samples();
  info.value_min = reader_->value_min();
  info.value_max = reader_->value_max();
  if (stream_) {
    info.streamed = stream_->info;
    info.samples = stream_->info.kept_samples;
    if (stream_->has_range) {
      const bool own = reader_->rows_delivered() > reader_->first_row();
      info.value_min = own ? std::min(info.value_min, stream_->value_min) : stream_->value_min;
      info.value_max = own ? std::max(info.value_max, stream_->value_max) : stream_->value_max;
    }
  }
  return info;
}

int64_t FileReading::rows_read() const {
  return reader_->has_header() ? reader_->rows_delivered() : 0;
}

// ---- streamed files ---------------------------------------------------------------------------

// The reader's stream check: whether the file just announced is streamed, and how it is fitted.
// Runs before the reader's own size checks, which then skip the whole-matrix limits for a
// streamed file.
bool FileReading::decide_stream(const NpyHeader& header, const ImageShape& image) {
  const int64_t n = header.shape[0], d = image.values();
  // What holding the file whole takes (npy_reader.h): an 8-bit file keeps its own bytes
  // (make_held_stack), any other is widened to float32; Fortran order holds the data besides.
  const bool eight =
      header.dtype == DType::UInt8 || header.dtype == DType::Int8 || header.dtype == DType::Bool;
  const long double bytes = held_bytes(header, image);
  const long double limit = static_cast<long double>(kMemoryLimitBytes);
  // Held whole, the rows must leave room for the fit's working memory too: refused (or streamed)
  // here, never after minutes of reading and fitting.
  const long double fit_bytes = fit_working_bytes(n, d, header.dtype, limit - bytes);
  const bool fits = bytes + fit_bytes < limit;
  const bool forced_topk = settings_.stream_solver == StreamSolver::TopK;
  if (bytes <= static_cast<long double>(settings_.stream_above_bytes) && fits) return false;
  const long double covariance = static_cast<long double>(d) * static_cast<long double>(d) * 8;
  const bool by_covariance = !header.fortran_order && n >= d &&
                             covariance <= static_cast<long double>(kStreamMaxCovarianceBytes) &&
                             !forced_topk;
  const bool by_topk = !header.fortran_order && n >= 2 &&
                       settings_.stream_solver != StreamSolver::Covariance &&
                       streamed_working_bytes(n, d) < limit;
  bool topk = by_topk && (forced_topk || !by_covariance);
  if (by_covariance && by_topk && !forced_topk) {
    // Both can: the cheaper by the same estimate as a stack in memory (8-bit rows or not).
    const int64_t k = std::min<int64_t>(kPlannedComponents, std::min(n, d));
    topk = choose_solver(n, d, k, eight ? RowType::UInt8 : RowType::Float32,
                         static_cast<double>(limit))
               .kind == SolverKind::Randomized;
  }
  if (!by_covariance && !by_topk) {
    const std::string why = why_not_streamed(header, image);
    if (fits) return false;  // held whole, as any file below the limit
    try {
      check_memory_limit(header, image, kMemoryLimitBytes);
    } catch (const Error& e) {
      throw e.extended("; " + why);
    }
    throw Error(
        ErrorKind::TooLarge,
        "the " + std::to_string(n) + " images of " + std::to_string(d) + " values need " +
            gigabytes(bytes) + (eight ? " as bytes" : " as float32") +
            (header.fortran_order ? " (with the Fortran-order data they are reordered from)" : "") +
            ", and fitting them " + gigabytes(fit_bytes) + " more (" +
            std::to_string(kPlannedComponents) + " components), more than the " + gigabytes(limit) +
            " a page can hold; " + why);
  }
  Stream& stream = stream_.emplace();  // filled in place: nothing below throws
  stream.info.total_samples = n;
  const uint64_t row_bytes = static_cast<uint64_t>(d) * sizeof(float);
  stream.info.kept_samples =
      std::clamp<int64_t>(static_cast<int64_t>(settings_.stream_window_bytes / row_bytes), 1, n);
  stream.info.data_offset = header.data_offset;
  stream.info.sample_bytes = static_cast<uint64_t>(d) * header.item_size;
  stream.info.topk = topk;
  return true;
}

// The working memory of a streamed file's top-K fit (kPlannedComponents) beside the window.
long double FileReading::streamed_working_bytes(int64_t n, int64_t d) const {
  const int64_t k = std::min<int64_t>(kPlannedComponents, std::min(n, d));
  const long double row_bytes = static_cast<long double>(d) * sizeof(float);
  const long double window =
      std::max(row_bytes, std::min(static_cast<long double>(settings_.stream_window_bytes),
                                   row_bytes * static_cast<long double>(n)));
  return static_cast<long double>(streamed_topk_bytes(d, k)) + window;
}

// Why a file cannot be streamed (the refusal's reason): Fortran order, or a top-K fit too large.
std::string FileReading::why_not_streamed(const NpyHeader& header, const ImageShape& image) const {
  if (header.fortran_order)
    return "a Fortran-order file cannot be streamed either, since its samples are interleaved: "
           "save it C-contiguous (np.save(path, np.ascontiguousarray(a))) to have it streamed";
  const int64_t n = header.shape[0], d = image.values();
  if (n < 2) return "it cannot be streamed either: PCA needs at least 2 samples";
  return "it cannot be streamed either: the top-K fit of images of " + std::to_string(d) +
         " values (" + std::to_string(kPlannedComponents) +
         " components, in passes over the file) needs " + gigabytes(streamed_working_bytes(n, d)) +
         " of working memory, more than the " +
         gigabytes(static_cast<long double>(kMemoryLimitBytes)) + " a page can hold";
}

// The reader's sink for a streamed file: every row into the covariance, the first ones kept.
void FileReading::stream_rows(const Eigen::Ref<const RowMatrixF>& rows, int64_t first_row) {
  Stream& s = *stream_;
  const int64_t d = rows.cols();
  // Allocated with the first rows, not at the header: a short file costs no more than its size.
  if (!s.rows && !s.info.topk) s.rows.emplace(d);
  if (!stack_) make_stack(s.info.kept_samples);
  if (first_row < 0 || d != stack_->rows.cols() || first_row + rows.rows() > s.info.total_samples)
    throw internal_error("the reader delivered rows outside the file");
  if (first_row < s.info.kept_samples) {
    const int64_t take = std::min<int64_t>(rows.rows(), s.info.kept_samples - first_row);
    stack_->rows.middleRows(first_row, take) = rows.topRows(take);
  }
  // NaN/Inf: the reader counts them and its finish() names the first; the covariance just stops.
  if (s.non_finite) return;
  if (!rows.allFinite()) {
    s.non_finite = true;
    return;
  }
  if (s.info.topk) return add_moments(rows, first_row);
  s.rows->add(rows);
}

// A top-K streamed file's rows go into its moments pass (the solver's first pass) as they arrive;
// the shift is 0 for 8-bit files, else the first row read here (parts are moved to one shift
// when they are merged).
void FileReading::add_moments(const Eigen::Ref<const RowMatrixF>& rows, int64_t first_row) {
  Stream& s = *stream_;
  const int64_t d = rows.cols();
  RowMatrixF copy;
  const bool contiguous = rows.outerStride() == d;
  if (!contiguous) copy = rows;
  const StackRows view =
      StackRows::float32(contiguous ? rows.data() : copy.data(), rows.rows(), d, first_row);
  if (!s.moments) {
    const DType t = reader_->header().dtype;
    const bool eight = t == DType::UInt8 || t == DType::Int8 || t == DType::Bool;
    s.moments.emplace(eight ? Eigen::VectorXd::Zero(d) : MomentsPass::default_shift(view));
  }
  s.moments->add(view);
}

void FileReading::read_rows(int64_t begin, int64_t end) { reader_->read_rows(begin, end); }

StreamedPart FileReading::finish_part() {
  StreamedPart part;
  reader_->finish_data();  // NaN/Inf are handed over with the part, not reported here
  check_header_read();
  if (!stream_)
    throw Error("only a streamed file can be read in parts: this one is held whole in memory");
  Stream& s = *stream_;
  if (!s.parts.empty())
    throw Error(
        "a part that holds merged parts cannot be handed over: merge them where the "
        "file is finished");
  part.begin = reader_->first_row();
  part.end = reader_->end_row();
  part.non_finite = reader_->non_finite();
  const int64_t d = reader_->image_shape().values();
  if (s.info.topk && !s.moments) s.moments.emplace(Eigen::VectorXd::Zero(d));
  if (!s.info.topk && !s.rows) s.rows.emplace(d);
  const int64_t counted = s.info.topk ? s.moments->count() : s.rows->count();
  if (part.non_finite.count == 0 && counted != part.end - part.begin)
    throw internal_error(std::to_string(counted) + " of the " +
                         std::to_string(part.end - part.begin) +
                         " samples of the part were accumulated");
  part.value_min = reader_->value_min();
  part.value_max = reader_->value_max();
  if (s.info.topk)
    part.moments = s.moments->state();
  else
    part.rows = s.rows->state();
  return part;
}

void FileReading::merge_part(const StreamedPart& part) {
  Stream& s = *stream_;
  const int64_t n = s.info.total_samples;
  const int64_t d = reader_->image_shape().values();
  if (part.begin < 0 || part.end < part.begin || part.end > n)
    throw Error("part: " + samples_range(part.begin, part.end) + " are not a range of the " +
                std::to_string(n) + " samples");
  const auto& bad = part.non_finite;
  const uint64_t part_values =
      static_cast<uint64_t>(part.end - part.begin) * static_cast<uint64_t>(d);
  const uint64_t part_first = static_cast<uint64_t>(part.begin) * static_cast<uint64_t>(d);
  if (bad.count > part_values || bad.overflow > bad.count ||
      (bad.count > 0 && (bad.first < part_first || bad.first - part_first >= part_values)))
    throw Error("part: its count of NaN or infinite values (" + std::to_string(bad.count) +
                ", the first at value " + std::to_string(bad.first) + ") does not fit " +
                samples_range(part.begin, part.end));
  if (s.info.topk != part.moments.has_value())
    throw Error(std::string("part: it holds ") + (part.moments ? "moments" : "a covariance") +
                ", but this file is fitted " + (s.info.topk ? "in passes" : "from its covariance"));
  const int64_t counted = part.moments ? part.moments->count : part.rows.count;
  if (bad.count == 0 && counted != part.end - part.begin)
    throw Error("part: its " + std::string(part.moments ? "moments hold " : "covariance holds ") +
                std::to_string(counted) + " rows for " + samples_range(part.begin, part.end));
  std::vector<std::pair<int64_t, int64_t>> taken = s.parts;
  taken.emplace_back(reader_->first_row(), reader_->end_row());
  for (const auto& [b, e] : taken)
    if (part.begin < e && b < part.end)
      throw Error("part: " + samples_range(part.begin, part.end) + " overlap " +
                  samples_range(b, e) + ", already read");
  if (part.begin == part.end) return;
  if (bad.count > 0) {
    // The file cannot load: finish() reports the NaN/Inf of every part, the first of them.
    reader_->add_non_finite(bad);
    s.parts.emplace_back(part.begin, part.end);
    return;
  }
  const int64_t part_dim = part.moments ? part.moments->shift.size() : part.rows.shift.size();
  if (part_dim != d)
    throw Error("part: its rows have " + std::to_string(part_dim) + " values; the file's have " +
                std::to_string(d));
  if (!std::isfinite(part.value_min) || !std::isfinite(part.value_max) ||
      part.value_min > part.value_max)
    throw Error("part: its value range is not valid");
  if (part.moments) {
    const MomentsPass other = MomentsPass::from_state(
        s.moments ? with_shift(*part.moments, s.moments->state().shift) : *part.moments);
    if (s.moments)
      s.moments->merge(other);
    else
      s.moments.emplace(other);
  } else {
    const CovarianceAccumulator other = CovarianceAccumulator::from_state(part.rows);
    if (!s.rows) s.rows.emplace(d);
    s.rows->merge(other);
  }
  s.parts.emplace_back(part.begin, part.end);
  s.value_min = s.has_range ? std::min(s.value_min, part.value_min) : part.value_min;
  s.value_max = s.has_range ? std::max(s.value_max, part.value_max) : part.value_max;
  s.has_range = true;
}

// finish() of a streamed file, once its reader has finished: checks that every sample was read
// once (here or in a merged part), then hands the kept rows and the covariance over.
LoadedFile FileReading::finish_streamed() {
  Stream& s = *stream_;
  const int64_t n = s.info.total_samples;
  const int64_t d = reader_->image_shape().values();
  const int64_t own_begin = reader_->first_row(), own_end = reader_->end_row();
  std::vector<std::pair<int64_t, int64_t>> ranges = s.parts;
  ranges.emplace_back(own_begin, own_end);
  std::sort(ranges.begin(), ranges.end());
  int64_t next = 0;
  for (const auto& [b, e] : ranges) {
    if (b != next)
      throw Error(b > next ? ErrorKind::PartsIncomplete : ErrorKind::BadInput,
                  "samples " + std::to_string(std::min(b, next)) + " to " +
                      std::to_string(std::max(b, next)) +
                      (b > next ? " of the streamed file were not read" : " were read twice"));
    next = e;
  }
  if (next != n)
    throw Error(ErrorKind::PartsIncomplete,
                samples_range(next, n) + " of the streamed file were not read");
  if (own_begin != 0)
    throw Error(
        "the first samples of a streamed file must be read where it is kept (this part "
        "starts at sample " +
        std::to_string(own_begin) + ")");
  if (s.info.topk && !s.moments) s.moments.emplace(Eigen::VectorXd::Zero(d));
  if (!s.info.topk && !s.rows) s.rows.emplace(d);
  const int64_t counted = s.info.topk ? s.moments->count() : s.rows->count();
  if (counted != n)
    throw internal_error(std::to_string(counted) + " of " + std::to_string(n) +
                         " samples were accumulated");
  // Kept: the first rows, as many as were read here (all of the window unless the split was odd).
  const int64_t kept = std::min(s.info.kept_samples, own_end);
  if (kept < 1) throw internal_error("no sample of the streamed file is kept");
  if (!stack_ || stack_->rows.rows() < kept)
    throw internal_error("the kept samples of the streamed file were not read");
  if (stack_->rows.rows() > kept) stack_->rows.conservativeResize(kept, d);
  s.info.kept_samples = kept;
  const bool own = own_end > own_begin;
  float lo = reader_->value_min(), hi = reader_->value_max();
  if (s.has_range) {
    lo = own ? std::min(lo, s.value_min) : s.value_min;
    hi = own ? std::max(hi, s.value_max) : s.value_max;
  }
  stack_->value_min = lo;
  stack_->value_max = hi;
  LoadedFile out;
  out.header = reader_->header();
  out.images = std::move(stack_);
  out.streamed = StreamedRows{s.info, std::move(s.rows), std::move(s.moments)};
  return out;
}

}  // namespace pcarecon
