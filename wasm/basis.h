#pragma once
// "Bring your own basis": a PCA computed elsewhere (scikit-learn IncrementalPCA, Spark MLlib,
// Dask-ML, ...) and stored in a .npz with the arrays `components` (K×D, one component per row),
// `mean` (D) and optionally `explained_variance` (K, or every eigenvalue: K to D values, the first
// K the components') and `explained_variance_ratio` (K). The page
// uses it instead of fitting: the model below feeds the same reconstructions, figure, variance
// chart and eigen-images as a fitted one.

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>

#include "image_stack.h"
#include "pca.h"

namespace pcarecon {

// The arrays of a basis file as read (float32 values, as the images). Each set_* reads the array
// from its .npy bytes with read_npy_matrix and throws Error naming the array for a bad one.
struct BasisArrays {
  std::optional<RowMatrixF> components;  // K×D
  std::optional<RowMatrixF> mean;        // 1×D (any 1-D or 2-D shape with one row is accepted)
  std::optional<RowMatrixF> explained_variance;        // 1×K, or 1×(K…D): every eigenvalue
  std::optional<RowMatrixF> explained_variance_ratio;  // 1×K

  // name: "components", "mean", "explained_variance" or "explained_variance_ratio" (else Error).
  void set(const std::string& name, const uint8_t* npy_bytes, size_t size);
  bool empty() const;
  // True for the names above: the arrays that make a basis (the rest of a .npz is images etc.).
  static bool is_basis_name(const std::string& name);
};

// How the model of a basis was completed.
struct BasisModel {
  PcaModel model;
  bool variance_from_file = false;  // explained_variance was in the file (else estimated)
  bool ratio_from_file = false;     // explained_variance_ratio was in the file
};

// Largest |VVᵀ − I| accepted for the components V: float32 storage and a float64 SVD elsewhere
// stay far below it, a scaled or non-orthogonal matrix far above.
constexpr double kBasisOrthonormalTolerance = 1e-3;

// Checks the arrays against the images (N×D rows, shown as H×W) and builds the model. Throws Error
// with the values at fault: components and mean missing; components not K×D with D = the images'
// values per sample (with a hint to transpose when they are D×K, as Spark's PCAModel.pc is);
// K < 1 or K > D; mean not of length D; NaN or Inf anywhere (how many, and the first); rows not
// orthonormal (the worst deviation, where, and the tolerance); variances not of length K or
// negative; ratios outside [0, 1].
// Without explained_variance, the variance of each component's loadings over the images is used
// (ddof = 1, as scikit-learn) and the total variance is the images' own. With explained_variance,
// the total variance is the images' or the sum of those variances, whichever is larger (the images
// may be a small sample), and the ratios, unless given, are the variances over it. Given
// explained_variance_ratio values are kept as they are.
BasisModel model_from_basis(const BasisArrays& arrays, const ImageStack& images);

}  // namespace pcarecon
