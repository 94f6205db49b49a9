#pragma once
// The state the page keeps between calls: the loaded image stack and its fitted model. A file
// being loaded replaces the current stack only once it has been read completely and correctly,
// so a bad file never loses the figure on screen. Used by the bindings; the CLI is stateless.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "figure.h"
#include "npy_reader.h"
#include "pca.h"

namespace pcarecon {

class Explorer {
 public:
  // Starts reading a new file; hint (0×0 = infer) as in image_shape_for.
  void begin_file(std::optional<ImageShape> hint = std::nullopt);
  void feed(const uint8_t* bytes, size_t size);
  void finish_file();  // throws; on success the new stack replaces the old one and the model is dropped
  void cancel_file();

  bool has_images() const;
  const ImageStack& images() const;   // throws Error when none loaded
  const NpyHeader& header() const;    // of the loaded file

  void fit(int64_t n_components);     // 0 = max; throws
  bool has_model() const;
  const PcaModel& model() const;      // throws Error when not fitted
  int64_t fit_count() const { return fit_count_; }

  nlohmann::json figure(const FigureOptions& options) const;

 private:
  std::unique_ptr<NpyStreamReader> pending_reader_;
  std::unique_ptr<ImageStack> pending_;
  std::optional<ImageShape> pending_hint_;
  std::unique_ptr<ImageStack> images_;
  std::optional<NpyHeader> header_;
  std::optional<PcaModel> model_;
  int64_t fit_count_ = 0;
};

}  // namespace pcarecon
