#pragma once
// A .npy file being read into a new stack: the stream reader, the decision to stream a file too
// large to hold (its rows go into a covariance, only the first ones are kept), and the parts of a
// streamed file read elsewhere and merged here. Finished, it hands the new stack over; the
// Explorer replaces its loaded stack with it only then, so a bad file never loses the one shown.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "image_stack.h"
#include "npy_reader.h"
#include "pca.h"
#include "topk_solver.h"

namespace pcarecon {

// How a streamed file is fitted: from the covariance of its rows, accumulated while it streams
// (D ≤ 8192, N ≥ D), or by the top-K solver in passes over the file (streamed_topk.h), its
// moments taken while it streams. Auto: the covariance where it can be and fit_by_cost.h finds
// it the cheaper, else the top-K solver.
enum class StreamSolver { Auto, Covariance, TopK };

// A file too big to hold (streamed): PCA over all its rows, the first ones kept.
struct StreamedInfo {
  int64_t total_samples = 0;  // N in the file: every one of them is in the covariance
  int64_t kept_samples = 0;   // the first ones, held as the stack (thumbnails, figure)
  uint64_t data_offset = 0;   // the file's layout, for reading a part of it elsewhere:
  uint64_t sample_bytes = 0;  //   sample i starts at data_offset + i·sample_bytes
  bool topk = false;          // fitted by the top-K solver in passes over the file
};

// A part of a streamed file read by another Explorer (e.g. in another worker): its rows'
// covariance and value range, to be merged into the Explorer that reads the rest.
struct StreamedPart {
  int64_t begin = 0;  // samples [begin, end) of the file
  int64_t end = 0;
  float value_min = 0.f;  // meaningless when begin == end
  float value_max = 0.f;
  AccumulatorState rows;                // of a file fitted from its covariance
  std::optional<MomentsState> moments;  // instead, of a file fitted by the top-K solver
  // Its NaN/Inf values: merged, they make the file's finish() report every part's count and the
  // first in the file. With any, `rows` is incomplete and is not merged.
  NpyStreamReader::NonFinite non_finite;
};

// What the page shows about a stack: the file's header and how it maps onto images.
struct StackInfo {
  NpyHeader header;
  ImageShape image;
  int64_t samples = 0;  // held in memory: all of them, or the kept ones of a streamed file
  std::optional<StreamedInfo> streamed;
  float value_min = 0.f;  // over the values read so far (all of them once loaded)
  float value_max = 0.f;
};

// What a streamed stack keeps of the rows it does not hold: their covariance, or for a file
// fitted by the top-K solver (info.topk) their moments, the solver's first pass.
struct StreamedRows {
  StreamedInfo info;
  std::optional<CovarianceAccumulator> rows;  // of all info.total_samples rows
  std::optional<MomentsPass> moments;         // of all of them (info.topk)
};

// A file read completely and correctly.
struct LoadedFile {
  NpyHeader header;
  std::unique_ptr<ImageStack> images;  // all samples, or the kept ones of a streamed file
  std::optional<StreamedRows> streamed;
};

namespace detail {
// What a FileReading keeps of a streamed file (at namespace scope: clang cannot default-construct a
// nested struct with member initializers inside std::optional::emplace of the enclosing class).
struct FileStream {
  StreamedInfo info;
  std::optional<CovarianceAccumulator> rows;  // every row read here and merged; made lazily
  std::optional<MomentsPass> moments;         // instead, for the top-K solver (info.topk)
  bool non_finite = false;  // a row held NaN/Inf: the reader's finish() reports it
  std::vector<std::pair<int64_t, int64_t>> parts;  // sample ranges merged from elsewhere
  bool has_range = false;                          // value range of the merged parts
  float value_min = 0.f;
  float value_max = 0.f;
};
}  // namespace detail

class FileReading {
 public:
  // The most a page can hold: a WebAssembly module's whole 4 GB address space. A file whose
  // float32 matrix needs this much or more is refused as soon as its header is read (unless it is
  // streamed); the same limit applies natively, so the tests see exactly what the page does.
  static constexpr uint64_t kMemoryLimitBytes = uint64_t{1} << 32;
  // Streaming needs C order (Fortran data interleaves the samples). From its covariance it also
  // needs N >= D and a D×D covariance of at most this (memory O(D²) + one chunk + the window);
  // otherwise it is fitted by the top-K solver in passes over the file, whose working memory
  // (O(K·D) for the page's 50 components, estimated at the header) must fit the page beside the
  // window. A file that cannot be streamed is held whole when it fits, else refused at its header
  // with the reason and the numbers.
  static constexpr uint64_t kStreamMaxCovarianceBytes = uint64_t{512} << 20;

  struct Settings {
    uint64_t stream_above_bytes = kMemoryLimitBytes;  // stream a larger float32 matrix
    uint64_t stream_window_bytes = 0;                 // keep the first rows that fit (at least 1)
    StreamSolver stream_solver = StreamSolver::Auto;
  };

  // hint (0×0 = infer) as in image_shape_for, already checked by the caller.
  FileReading(std::optional<ImageShape> hint, const Settings& settings);
  // Not copyable or movable: the reader's sink writes into this object.
  FileReading(const FileReading&) = delete;
  FileReading& operator=(const FileReading&) = delete;

  void expect_file_size(uint64_t bytes);  // before the first feed (see NpyStreamReader)
  void feed(const uint8_t* bytes, size_t size);
  // The new stack, once every byte has arrived (and, streamed, every part has been merged);
  // throws Error otherwise. Call once.
  LoadedFile finish();

  bool has_header() const { return reader_->has_header(); }
  bool streaming() const { return stream_.has_value(); }
  std::optional<StackInfo> info() const;  // once the header has arrived
  int64_t rows_read() const;              // samples converted so far

  // A streamed file read in two parts (two workers), once its header is read: read_rows limits
  // what is fed here to samples [begin, end) (see NpyStreamReader::read_rows). The reading that
  // keeps the stack reads from 0 (at least the kept rows); another one reads the rest and
  // finish_part() hands its rows over, merged here with merge_part() before finish(), which
  // checks that the parts cover every sample once.
  void read_rows(int64_t begin, int64_t end);  // needs streaming()
  StreamedPart finish_part();                  // needs streaming(); call once, instead of finish
  void merge_part(const StreamedPart& part);   // needs streaming()

 private:
  using Stream = detail::FileStream;
  bool decide_stream(const NpyHeader& header, const ImageShape& image);
  long double streamed_working_bytes(int64_t n, int64_t d) const;
  std::string why_not_streamed(const NpyHeader& header, const ImageShape& image) const;
  void add_moments(const Eigen::Ref<const RowMatrixF>& rows, int64_t first_row);
  void hold_rows(const Eigen::Ref<const RowMatrixF>& rows, int64_t first_row);
  bool hold_bytes(const uint8_t* samples, int64_t count, int64_t first_row);
  void stream_rows(const Eigen::Ref<const RowMatrixF>& rows, int64_t first_row);
  void make_stack(int64_t samples);
  void make_held_stack(int64_t samples);  // make_stack, or bytes for an 8-bit file
  void check_header_read() const;
  LoadedFile finish_streamed();

  Settings settings_;
  std::unique_ptr<NpyStreamReader> reader_;
  std::unique_ptr<ImageStack> stack_;  // allocated with the first rows
  std::optional<Stream> stream_;       // set at the header when the file is streamed
};

}  // namespace pcarecon
