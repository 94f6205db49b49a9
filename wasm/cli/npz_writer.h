#pragma once
// Writes .npz archives as numpy.savez does (a zip of .npy members, stored), for
// `pcarecon fit --save`: a basis file in the layout the page and the CLI read (README, "Bring your
// own basis"). Native only (CRC-32 from zlib).

#include <cstdint>
#include <string>
#include <vector>

#include "image_stack.h"
#include "pca.h"

namespace pcarecon {

// One array to store: C-order values of `shape`, either float32 or float64 (exactly one set).
struct NpyArrayView {
  std::string name;  // the key numpy.load gives it (".npy" is added)
  std::vector<int64_t> shape;
  const float* f32 = nullptr;
  const double* f64 = nullptr;
};

// The .npy bytes (format 1.0) of one array.
std::vector<uint8_t> npy_bytes(const NpyArrayView& array);

// Writes the arrays as one .npz; throws Error when the file cannot be written or a member would
// need Zip64 (4 GB or more).
void write_npz(const std::string& path, const std::vector<NpyArrayView>& arrays);

// components (K×D), mean (D), explained_variance (K), explained_variance_ratio (K) as float64, and
// the first `n_images` images as float32, (N, H, W) or (N, H, W, 3): what a basis file holds.
void write_basis_npz(const std::string& path, const PcaModel& model, const ImageStack& images,
                     int64_t n_images);

}  // namespace pcarecon
