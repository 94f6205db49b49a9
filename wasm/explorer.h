#pragma once
// The state the page keeps between calls: the loaded image stack and its fitted model. A file
// being loaded replaces the current stack only once it has been read completely and correctly,
// so a bad file never loses the figure on screen. Used by the bindings; the CLI is stateless.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "basis.h"
#include "figure.h"
#include "npy_reader.h"
#include "pca.h"
#include "reconstruction.h"

namespace pcarecon {

// A file too big to hold (streamed mode, below): PCA over all its rows, the first ones kept.
struct StreamedInfo {
  int64_t total_samples = 0;  // N in the file: every one of them is in the covariance
  int64_t kept_samples = 0;   // the first ones, held as the stack (thumbnails, figure)
  uint64_t data_offset = 0;   // the file's layout, for reading a part of it elsewhere:
  uint64_t sample_bytes = 0;  //   sample i starts at data_offset + i·sample_bytes
};

// A part of a streamed file read by another Explorer (e.g. in another worker): its rows'
// covariance and value range, to be merged into the Explorer that reads the rest.
struct StreamedPart {
  int64_t begin = 0;  // samples [begin, end) of the file
  int64_t end = 0;
  float value_min = 0.f;  // meaningless when begin == end
  float value_max = 0.f;
  AccumulatorState rows;
  // Its NaN/Inf values: merged, they make the file's finish_file() report every part's count
  // and the first in the file. With any, `rows` is incomplete and is not merged.
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

// The JSON the CLI prints (and fitJson returns), shared so both say the same thing.
// fit_npy_json: the model of a whole .npy file as `pcarecon fit` prints it; any (N, D) file is
// read as N rows of D values (no image shape needed). Throws Error for n_components < 0.
nlohmann::json fit_npy_json(const uint8_t* bytes, size_t size, int64_t n_components);
// {"shape", "dtype", "fortran_order", "version"}
nlohmann::json npy_header_json(const NpyHeader& header);
// {"n_components", "n_samples", "dim", "total_variance", "mean", "components" (K×D lists),
//  "explained_variance", "explained_variance_ratio", "singular_values"}
nlohmann::json pca_model_json(const PcaModel& model);

class Explorer {
 public:
  // The most a page can hold: a WebAssembly module's whole 4 GB address space. A file whose
  // float32 matrix needs this much or more is refused as soon as its header is read; the same
  // limit applies natively, so the CLI-free tests see exactly what the page does.
  static constexpr uint64_t kMemoryLimitBytes = uint64_t{1} << 32;

  // Not copyable or movable: the reader of a file being read writes into this object.
  Explorer() = default;
  Explorer(const Explorer&) = delete;
  Explorer& operator=(const Explorer&) = delete;

  // Starts reading a new file; hint (0×0 = infer) as in image_shape_for.
  void begin_file(std::optional<ImageShape> hint = std::nullopt);
  // Optional, after begin_file and before the first feed: the file's size in bytes, so that a
  // file shorter or longer than its header says is refused before anything is allocated.
  void expect_file_size(uint64_t bytes);
  void feed(const uint8_t* bytes, size_t size);
  // Throws; on success the new stack replaces the old one and the model is dropped.
  void finish_file();
  void cancel_file();
  bool reading() const { return pending_reader_ != nullptr; }
  // Of the file being read, once its header has arrived; std::nullopt before.
  std::optional<StackInfo> pending_info() const;
  int64_t rows_read() const;  // samples of the file being read converted so far; 0 if none

  bool has_images() const;
  const ImageStack& images() const;  // throws Error when none loaded
  const NpyHeader& header() const;   // of the loaded file
  StackInfo info() const;            // of the loaded stack; throws Error when none loaded

  void fit(int64_t n_components);  // 0 = max; throws
  // fit() from the covariance of every loaded row accumulated by the caller (e.g. partly in
  // another worker, merged with CovarianceAccumulator::merge). Throws Error unless it holds N rows
  // of D values, and for N < D (that case needs the rows themselves: use fit()).
  void fit_from(int64_t n_components, const CovarianceAccumulator& all_rows);
  // The two-worker fit: another worker accumulates rows(first, count) (a copy of them goes to
  // it) and hands back their covariance's state; meanwhile accumulate_rows(begin, end) keeps the
  // covariance of the other rows here, until fit_with(n_components, rest) merges rest into it and
  // fits from all of them (fit_from). Loading a new stack drops the pending covariance.
  RowMatrixF::ConstRowsBlockXpr rows(int64_t first, int64_t count) const;  // throws for bad ranges
  void accumulate_rows(int64_t begin, int64_t end);  // replaces any earlier pending covariance
  int64_t partial_fit_dim() const;  // D of the pending covariance; throws Error when there is none
  void fit_with(int64_t n_components, const AccumulatorState& rest);  // consumes the pending one
  bool has_model() const;
  const PcaModel& model() const;  // throws Error when not fitted
  int64_t fit_count() const { return fit_count_; }

  nlohmann::json figure(const FigureOptions& options) const;  // throws Error when not fitted

  // ---- Streamed mode: files larger than memory ----------------------------------------------
  // A file whose float32 matrix needs more than stream_above_bytes() (or the whole memory limit)
  // is streamed: its rows go into a CovarianceAccumulator as they arrive and only the first ones
  // that fit the display window (at least one) are kept as the stack; its value range still
  // covers every row, and fit() fits from the accumulator, so the model is over all N rows.
  // kMemoryLimitBytes then applies only to what is kept. Streaming needs C order (Fortran data
  // interleaves the samples), N >= D and a D×D covariance of at most kStreamMaxCovarianceBytes;
  // a file that cannot be streamed is held whole when it fits, else refused at its header with
  // the reason. Memory: O(D²) + one chunk + the window, whatever N is.
  static constexpr uint64_t kStreamWindowBytes = uint64_t{64} << 20;
  static constexpr uint64_t kStreamMaxCovarianceBytes = uint64_t{512} << 20;
  void set_stream_above_bytes(uint64_t bytes) { stream_above_bytes_ = bytes; }  // next begin_file
  uint64_t stream_above_bytes() const { return stream_above_bytes_; }
  void set_stream_window_bytes(uint64_t bytes) { stream_window_bytes_ = bytes; }
  uint64_t stream_window_bytes() const { return stream_window_bytes_; }
  bool streaming() const { return pending_stream_.has_value(); }  // the file being read
  // Reading a streamed file in two parts (two workers): once its header is read, read_rows
  // limits what is fed here to samples [begin, end) (see NpyStreamReader::read_rows). The
  // Explorer that keeps the stack reads from 0 (at least the kept rows); another one reads the
  // rest and finish_part() hands its rows over (and drops its pending file), merged here with
  // merge_part() before finish_file(), which checks that the parts cover every sample once.
  void read_rows(int64_t begin, int64_t end);
  StreamedPart finish_part();
  void merge_part(const StreamedPart& part);

  void check_sample(int64_t sample_index) const;      // throws Error naming the valid range
  Eigen::VectorXf image(int64_t sample_index) const;  // H·W pixels, row-major; needs no model

  // Per-sample views of the fitted model; all throw Error for an index out of range.
  ReconstructionSeries series(int64_t sample_index) const;  // over all fitted components
  Eigen::VectorXd reconstruction(int64_t sample_index, int64_t k) const;  // x̂ₖ, k in [0, K]
  Eigen::VectorXd component(int64_t i) const;                             // row i of the components

  // ---- bring your own basis (basis.h): a model from a file instead of a fit -------------------
  // Stages one array of a basis from its .npy bytes, while a file is being read (after
  // begin_file: cancel_file and begin_file drop staged arrays). Throws Error naming the array;
  // the file being read is then dropped, as after a failed feed().
  void set_basis_array(const std::string& name, const uint8_t* npy_bytes, size_t size);
  // finish_file(), then the model from the staged arrays checked against the new images
  // (model_from_basis). On any error nothing changes: the previous stack and model stay. No fit
  // runs: fit_count() is unchanged.
  void finish_file_with_basis();
  // Of the model on hand when it came from a basis; std::nullopt for a fitted one or none.
  struct BasisSource {
    bool variance_from_file = false;
    bool ratio_from_file = false;
  };
  std::optional<BasisSource> basis_source() const { return model_ ? basis_ : std::nullopt; }

 private:
  std::unique_ptr<NpyStreamReader> pending_reader_;
  std::unique_ptr<ImageStack> pending_;
  std::optional<ImageShape> pending_hint_;
  std::unique_ptr<ImageStack> images_;
  std::optional<NpyHeader> header_;
  std::optional<PcaModel> model_;
  int64_t fit_count_ = 0;
  BasisArrays basis_arrays_;                          // staged by set_basis_array
  std::optional<BasisSource> basis_;                  // set when model_ came from a basis
  std::optional<CovarianceAccumulator> partial_fit_;  // accumulate_rows, until fit_with

  // ---- streamed mode
  struct Stream {
    StreamedInfo info;
    std::optional<CovarianceAccumulator> rows;  // every row read here and merged; made lazily
    bool non_finite = false;  // a row held NaN/Inf: the reader's finish() reports it
    std::vector<std::pair<int64_t, int64_t>> parts;  // sample ranges merged from elsewhere
    bool has_range = false;                          // value range of the merged parts
    float value_min = 0.f;
    float value_max = 0.f;
  };
  bool decide_stream(const NpyHeader& header, const ImageShape& image);
  void stream_rows(const Eigen::Ref<const RowMatrixF>& rows, int64_t first_row);
  void finish_streamed();
  int64_t total_samples() const;  // N of the loaded file (not just the rows held)
  uint64_t stream_above_bytes_ = kMemoryLimitBytes;
  uint64_t stream_window_bytes_ = kStreamWindowBytes;
  std::optional<Stream> pending_stream_;
  std::optional<Stream> stream_;  // of the loaded stack, when it was streamed
};

}  // namespace pcarecon
