#pragma once
// The state the page keeps between calls: the loaded image stack and its fitted model. A file
// being loaded replaces the current stack only once it has been read completely and correctly,
// so a bad file never loses the figure on screen. Used by the bindings; the CLI is stateless.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "basis.h"
#include "figure.h"
#include "npy_reader.h"
#include "pca.h"
#include "reconstruction.h"

namespace pcarecon {

// What the page shows about a stack: the file's header and how it maps onto images.
struct StackInfo {
  NpyHeader header;
  ImageShape image;
  int64_t samples = 0;
  float value_min = 0.f;  // over the values read so far (all of them once loaded)
  float value_max = 0.f;
};

// The JSON the CLI prints (and fitJson returns), shared so both say the same thing.
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
  bool has_model() const;
  const PcaModel& model() const;  // throws Error when not fitted
  int64_t fit_count() const { return fit_count_; }

  nlohmann::json figure(const FigureOptions& options) const;  // throws Error when not fitted

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
  BasisArrays basis_arrays_;           // staged by set_basis_array
  std::optional<BasisSource> basis_;  // set when model_ came from a basis
};

}  // namespace pcarecon
