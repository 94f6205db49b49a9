#pragma once
// The plotly.js figure the page animates, built entirely here: Original | Reconstruction |
// Residual on their own axes (heatmaps for gray images, RGB image traces for colour ones),
// distortion against k below, one frame per shown k.
// Every frame trace repeats its base trace's type and axes, so no panel can move during play.

#include <nlohmann/json.hpp>
#include <vector>

#include "colormaps.h"
#include "frame_values.h"
#include "image_stack.h"
#include "pca.h"

namespace pcarecon {

struct FigureOptions {
  int64_t sample_index = 0;
  int64_t n_components = 0;         // K shown; 0 = all of the model's
  int64_t step = 1;                 // frames at k = 0, step, 2·step, ..., and always K
  int64_t frame_duration_ms = 100;  // 0 to 60000
  bool binary_arrays =
      true;              // {dtype, bdata, shape} arrays; false: plain number lists (plotly.py 5)
  ColourOptions colour;  // gray images' colour maps and ranges (colormaps.h)
  // Only the first frame (the one a new figure shows): frames holds it alone, the slider still
  // names every k, and everything else (ranges, distortion, titles) is the whole figure's. A
  // large figure comes to the page in two parts: this, drawn at once, then the whole one.
  bool first_frame_only = false;
};

// Throws Error for an index outside [0, N) or K / step out of range. memo: what the caller keeps
// between the figures of this model (frame_values.h), else it is made for this figure.
nlohmann::json build_figure(const ImageStack& images, const PcaModel& model,
                            const FigureOptions& options, FigureMemo* memo = nullptr);

// The same figure with its pictures apart, so that large panels need not travel as tens of MB
// of base64 in JSON: every picture's z is {"dtype": "f4", "shape": "H,W" (or "H,W,3"),
// "image": i}, the i-th picture of `images` (image_values floats each; the first frame's two
// are also the base traces'). Filling every z with its picture as a typed array gives
// build_figure's figure (binary_arrays is ignored).
struct FigureParts {
  nlohmann::json figure;
  std::vector<float> images;
  int64_t image_values = 0;  // floats per picture
};
FigureParts build_figure_parts(const ImageStack& images, const PcaModel& model,
                               const FigureOptions& options, FigureMemo* memo = nullptr);

}  // namespace pcarecon
