#pragma once
// The state the page keeps between calls: the loaded image stack and its fitted model, and the
// file being read (file_reading.h), which replaces the stack only once it has been read completely
// and correctly, so a bad file never loses the figure on screen. The module's one object: the
// bindings expose it as Explorer; the CLI is stateless.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "basis.h"
#include "figure.h"
#include "file_reading.h"
#include "fit_by_cost.h"
#include "npy_reader.h"
#include "pca.h"
#include "reconstruction.h"
#include "split_gram.h"
#include "split_topk.h"
#include "streamed_topk.h"

namespace pcarecon {

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
  // The most a page can hold (FileReading::kMemoryLimitBytes, 4 GB).
  static constexpr uint64_t kMemoryLimitBytes = FileReading::kMemoryLimitBytes;

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
  bool reading() const { return reading_ != nullptr; }
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
  RowMatrixF rows(int64_t first, int64_t count) const;  // as float32; throws for bad ranges
  // The same rows as the stack holds them (an 8-bit file's bytes), a view: the copy for the other
  // worker, a quarter of the float32 one. Throws for bad ranges.
  StackRows held_rows(int64_t first, int64_t count) const;
  void accumulate_rows(int64_t begin, int64_t end);  // replaces any earlier pending covariance
  int64_t partial_fit_dim() const;  // D of the pending covariance; throws Error when there is none
  void fit_with(int64_t n_components, const AccumulatorState& rest);  // consumes the pending one
  bool has_model() const;
  const PcaModel& model() const;  // throws Error when not fitted
  int64_t fit_count() const { return fit_count_; }

  nlohmann::json figure(const FigureOptions& options) const;     // throws Error when not fitted
  FigureParts figure_parts(const FigureOptions& options) const;  // the same, pictures apart

  // ---- The fit the page asks for: the cheaper solver for its K (fit_by_cost.h) ----------------
  // Which solver ran the last fit (fit, fit_from, fit_with: exact, one pass) and its passes.
  struct FitReport {
    SolverKind solver = SolverKind::Exact;
    int passes = 1;
  };
  // The cheaper solver for K components (0 = all) of the loaded stack, within the memory the
  // stack leaves (kMemoryLimitBytes − its rows); always exact for a streamed stack (its rows are
  // gone, its covariance is at hand).
  SolverChoice plan_fit(int64_t n_components) const;
  // The solver plan_fit names from now on: Auto (by cost), or one asked for (tests, the CLI's
  // --solver); Gram only where N < D, Exact and Randomized anywhere. A streamed stack keeps its
  // own.
  void set_fit_solver(SolverRequest request) { fit_request_ = request; }
  // One worker, K components: exact keeps its decomposition (a larger K: extend_fit), Gram and
  // top-K fit again.
  void fit_for_view(int64_t n_components);
  // The top-K solver over rows [0, own_rows) here and the rest in a helper (split_topk.h), which
  // gets a copy of rows(own_rows, N − own_rows). Loading a new stack drops it.
  void begin_split_topk(int64_t n_components, int64_t own_rows);
  SplitTopK& split_topk();   // throws Error when no split fit is in progress
  void finish_split_topk();  // its model becomes the model (Error before it has converged)
  // The Gram path on two workers (split_gram.h): G's columns summed here (split_gram()
  // .add_columns) and in the helper from pieces (split_gram().piece → GramShare → add_share),
  // then weigh_split_gram finds K of its eigenpairs, and the components' product is shared the
  // same way (split_gram().add_component_rows, ComponentShare → add_rows) before
  // finish_split_gram makes the model. Error unless the stack is held and 8-bit. Loading a new
  // stack drops it.
  void begin_split_gram();
  GramSum& split_gram();  // throws Error when none is in progress
  const GramWeights& weigh_split_gram(int64_t n_components);
  void finish_split_gram();  // once every row of the product is in (GramSum::fit)
  void drop_split_gram() { split_gram_.reset(); }  // a cancelled one: its G freed now
  std::optional<FitReport> fit_report() const { return model_ ? report_ : std::nullopt; }
  // After an exact fit from a covariance (fit_from, fit_with, a streamed file's fit), the model of
  // K components from the same decomposition, in O(D²·K) (no pass over the rows): true when done;
  // false when the model did not come from one (nothing changes then).
  bool extend_fit(int64_t n_components);
  // Such a fit of the page's K (fit, fit_from, fit_with, a streamed file's) may have made only K
  // eigenpairs (ExactFit: lazy): this makes every eigenvalue now, into the model's spectrum (its
  // components stay). Nothing after any other fit, or when the spectrum is there.
  void make_whole_spectrum();
  bool spectrum_pending() const { return model_ && exact_fit_ && !exact_fit_->spectrum; }

  // ---- Streamed mode: files larger than memory ----------------------------------------------
  // A file whose float32 matrix needs more than stream_above_bytes() (or the whole memory limit)
  // is streamed: its rows go into a CovarianceAccumulator as they arrive and only the first ones
  // that fit the display window (at least one) are kept as the stack; its value range still
  // covers every row, and fit() fits from the accumulator, so the model is over all N rows.
  // kMemoryLimitBytes then applies only to what is kept. What cannot be streamed: see
  // FileReading::kStreamMaxCovarianceBytes. Both settings apply from the next begin_file.
  static constexpr uint64_t kStreamWindowBytes = uint64_t{64} << 20;
  static constexpr uint64_t kStreamMaxCovarianceBytes = FileReading::kStreamMaxCovarianceBytes;
  void set_stream_above_bytes(uint64_t bytes) { stream_above_bytes_ = bytes; }  // next begin_file
  uint64_t stream_above_bytes() const { return stream_above_bytes_; }
  void set_stream_window_bytes(uint64_t bytes) { stream_window_bytes_ = bytes; }
  uint64_t stream_window_bytes() const { return stream_window_bytes_; }
  void set_stream_solver(StreamSolver solver) { stream_solver_ = solver; }  // next begin_file
  bool streaming() const { return reading_ && reading_->streaming(); }      // the file being read
  // Reading a streamed file in two parts (two workers), as FileReading::read_rows, finish_part
  // (which also drops the file being read here) and merge_part.
  void read_rows(int64_t begin, int64_t end);
  StreamedPart finish_part();
  void merge_part(const StreamedPart& part);
  // A streamed file fitted by the top-K solver (info().streamed->topk): its passes read the file
  // again (streamed_topk.h), this side's rows and another worker's merged each pass; the model
  // covers all N rows. Loading a new stack drops it.
  void begin_streamed_topk(int64_t n_components);
  StreamedTopK& streamed_topk();  // throws Error when none is in progress
  void finish_streamed_topk();    // its model becomes the model (Error before it has converged)

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
  void replace_stack(LoadedFile file);  // nothrow: the new stack, its model not fitted yet
  int64_t total_samples() const;        // N of the loaded file (not just the rows held)

  // The file being read, and the basis' arrays staged with it.
  std::unique_ptr<FileReading> reading_;
  BasisArrays basis_arrays_;
  uint64_t stream_above_bytes_ = kMemoryLimitBytes;
  uint64_t stream_window_bytes_ = kStreamWindowBytes;
  StreamSolver stream_solver_ = StreamSolver::Auto;
  SolverRequest fit_request_ = SolverRequest::Auto;

  // The loaded stack and its model.
  std::unique_ptr<ImageStack> images_;
  std::optional<NpyHeader> header_;
  std::optional<StreamedRows> stream_;  // when the loaded stack was streamed
  std::optional<PcaModel> model_;
  int64_t fit_count_ = 0;
  std::optional<BasisSource> basis_;                  // set when model_ came from a basis
  std::optional<CovarianceAccumulator> partial_fit_;  // accumulate_rows, until fit_with
  std::optional<SplitTopK> split_topk_;               // begin_split_topk, until finished
  std::optional<GramSum> split_gram_;                 // begin_split_gram, until finished
  std::unique_ptr<StreamedTopK> streamed_topk_;       // begin_streamed_topk, until finished
  std::optional<FitReport> report_;                   // of model_, when it was fitted
  // What model_'s figures keep between them (frame_values.h), made by its first figure (reset
  // wherever model_ changes).
  mutable std::optional<FigureMemo> figure_memo_;
  FigureMemo& figure_memo() const;
  // The last exact fit's decomposition, while its model is the model: extend_fit reads it.
  std::optional<ExactFit> exact_fit_;
  void set_model(PcaModel model, FitReport report, std::optional<ExactFit> exact = std::nullopt);
  // Its model of K, and it kept; `passes` over the rows made it (0: from a kept decomposition).
  void set_exact_model(ExactFit exact, int64_t n_components, int passes = 1);
};

}  // namespace pcarecon
