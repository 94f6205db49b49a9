#include "basis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "error.h"
#include "npy_reader.h"
#include "stack_rows.h"

namespace pcarecon {
namespace {

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", v);
  return buffer;
}

std::string shape_text(const RowMatrixF& m) {
  return "(" + std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + ")";
}

// A vector array (1-D, or 2-D with one row) as doubles; throws naming it otherwise.
Eigen::VectorXd vector_of(const RowMatrixF& m, const char* name, int64_t expected,
                          const std::string& expected_text) {
  if (m.rows() != 1 || m.cols() != expected)
    throw Error(std::string("the basis' ") + name + " must hold " + std::to_string(expected) +
                " values (" + expected_text + "), got an array of shape " +
                (m.rows() == 1 ? "(" + std::to_string(m.cols()) + ",)" : shape_text(m)));
  return m.row(0).transpose().cast<double>();
}

// Throws unless every value is finite: how many are not, and where the first is.
void check_finite(const RowMatrixF& m, const char* name) {
  int64_t bad = 0, first_row = -1, first_col = -1;
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      if (!std::isfinite(m(i, j)) && bad++ == 0) {
        first_row = i;
        first_col = j;
      }
  if (bad == 0) return;
  const std::string where =
      m.rows() == 1 ? "index " + std::to_string(first_col)
                    : "row " + std::to_string(first_row) + ", column " + std::to_string(first_col);
  throw Error(std::string("the basis' ") + name + " has " + std::to_string(bad) + " NaN or " +
              "infinite value" + (bad == 1 ? "" : "s") + " (the first at " + where + ")");
}

// Σ over the images of (v_i·(x − mean))² / (N − 1) for every component, and the total variance
// of the images (Σ over pixels of their variance, ddof = 1): scikit-learn's explained_variance_
// when the basis was fitted on these very images. A block of rows at a time, in double. The
// loadings (N·D·K) only when `loadings` is set; the total variance (N·D) always.
std::pair<Eigen::VectorXd, double> variances_from_images(const Eigen::MatrixXd& components,
                                                         const Eigen::VectorXd& mean,
                                                         const StackRows& rows, bool loadings) {
  const int64_t n = rows.rows(), d = rows.cols(), k = components.rows();
  const Eigen::VectorXf zero = Eigen::VectorXf::Zero(d);
  RowMatrixF values;  // a block as float32 (an 8-bit stack's bytes widened; x − 0 is x)
  Eigen::VectorXd loading_squares = Eigen::VectorXd::Zero(k);
  // Pixel variances about the basis' mean: Σ(x − m)² − N·(x̄ − m)² = Σ(x − x̄)², exactly.
  Eigen::VectorXd pixel_sum = Eigen::VectorXd::Zero(d), pixel_squares = Eigen::VectorXd::Zero(d);
  const int64_t block = std::max<int64_t>(1, std::min<int64_t>(n, (int64_t{1} << 18) / d));
  RowMatrixD centred;
  for (int64_t r = 0; r < n; r += block) {
    const int64_t b = std::min(block, n - r);
    rows.centred_block(r, b, zero, values);
    centred = values.cast<double>();
    centred.rowwise() -= mean.transpose();
    pixel_sum += centred.colwise().sum().transpose();
    pixel_squares += centred.array().square().colwise().sum().matrix().transpose();
    if (loadings) {
      const Eigen::MatrixXd a = centred * components.transpose();  // b×K
      loading_squares += a.array().square().colwise().sum().matrix().transpose();
    }
  }
  if (n < 2) return {Eigen::VectorXd::Zero(k), 0.0};
  // The loadings' own mean is v·(x̄ − m): remove it as for the pixels.
  const Eigen::VectorXd mean_offset = pixel_sum / double(n);  // x̄ − m
  const Eigen::VectorXd mean_loadings = components * mean_offset;
  Eigen::VectorXd ev =
      (loading_squares - double(n) * mean_loadings.array().square().matrix()) / double(n - 1);
  ev = ev.cwiseMax(0.0);
  const double total =
      std::max(0.0, (pixel_squares - double(n) * mean_offset.array().square().matrix()).sum() /
                        double(n - 1));
  return {ev, total};
}

}  // namespace

bool BasisArrays::is_basis_name(const std::string& name) {
  return name == "components" || name == "mean" || name == "explained_variance" ||
         name == "explained_variance_ratio";
}

void BasisArrays::set(const std::string& name, const uint8_t* npy_bytes, size_t size) {
  if (!is_basis_name(name))
    throw Error("'" + name +
                "' is not an array of a basis: expected components, mean, explained_variance or "
                "explained_variance_ratio");
  RowMatrixF values = read_npy_matrix(npy_bytes, size, "the basis' " + name);
  if (name == "components")
    components = std::move(values);
  else if (name == "mean")
    mean = std::move(values);
  else if (name == "explained_variance")
    explained_variance = std::move(values);
  else
    explained_variance_ratio = std::move(values);
}

bool BasisArrays::empty() const {
  return !components && !mean && !explained_variance && !explained_variance_ratio;
}

BasisModel model_from_basis(const BasisArrays& arrays, const ImageStack& images) {
  if (!arrays.components || !arrays.mean) {
    throw Error(std::string("a basis needs both 'components' (K×D) and 'mean' (D); this one has ") +
                (arrays.components ? "no 'mean'"
                 : arrays.mean     ? "no 'components'"
                                   : "neither"));
  }
  const RowMatrixF& v = *arrays.components;
  const int64_t d = images.dim();
  const std::string pixels = std::to_string(images.image.height) + "×" +
                             std::to_string(images.image.width) + " = " + std::to_string(d) +
                             " pixels";
  if (v.cols() != d) {
    std::string message = "the basis does not fit these images: its components have " +
                          std::to_string(v.cols()) + " values each (shape " + shape_text(v) +
                          "), the images have " + pixels;
    if (v.rows() == d)
      message +=
          "; the components look transposed (D×K): store one component per row, K×D (for "
          "Spark's PCAModel.pc, pc.toArray().T)";
    throw Error(message);
  }
  const int64_t k = v.rows();
  if (k < 1) throw Error("the basis has no components: shape " + shape_text(v));
  if (k > d)
    throw Error("the basis has " + std::to_string(k) + " components of " + std::to_string(d) +
                " values: at most " + std::to_string(d) + " can be orthonormal (shape " +
                shape_text(v) + ")");
  check_finite(v, "components");
  check_finite(*arrays.mean, "mean");

  BasisModel out;
  PcaModel& m = out.model;
  m.mean = vector_of(*arrays.mean, "mean", d, "one per pixel, " + pixels);
  m.components = v.cast<double>();

  // Orthonormal rows: the worst entry of VVᵀ − I, a block of rows at a time (K×K never held).
  double worst = 0;
  int64_t worst_i = 0, worst_j = 0;
  const int64_t block = 64;
  for (int64_t r = 0; r < k; r += block) {
    const int64_t b = std::min(block, k - r);
    const Eigen::MatrixXd gram = m.components.middleRows(r, b) * m.components.transpose();
    for (int64_t i = 0; i < b; ++i)
      for (int64_t j = 0; j < k; ++j) {
        const double deviation = std::fabs(gram(i, j) - (r + i == j ? 1.0 : 0.0));
        if (deviation > worst) {
          worst = deviation;
          worst_i = r + i;
          worst_j = j;
        }
      }
  }
  if (!(worst <= kBasisOrthonormalTolerance)) {
    const std::string where =
        worst_i == worst_j ? "component " + std::to_string(worst_i) + " has length² " +
                                 number(m.components.row(worst_i).squaredNorm()) + " instead of 1"
                           : "components " + std::to_string(std::min(worst_i, worst_j)) + " and " +
                                 std::to_string(std::max(worst_i, worst_j)) + " have dot product " +
                                 number(m.components.row(worst_i).dot(m.components.row(worst_j))) +
                                 " instead of 0";
    throw Error("the basis' components are not orthonormal: " + where +
                " (the largest deviation of VVᵀ from the identity is " + number(worst) +
                ", tolerance " + number(kBasisOrthonormalTolerance) +
                "); store the PCA's components themselves (scikit-learn's components_), not "
                "scaled or whitened ones, one component per row");
  }

  const int64_t n = images.samples();
  const auto [estimated, total] = variances_from_images(m.components, m.mean, StackRows::of(images),
                                                        !arrays.explained_variance);
  if (arrays.explained_variance) {
    check_finite(*arrays.explained_variance, "explained_variance");
    // More values than components (up to one per pixel): every eigenvalue, the first K the
    // components' (a PCA fitted with all components and stored with only the first K of them,
    // as the page's built-in sample is): the variance chart shows them all.
    const int64_t given = arrays.explained_variance->rows() == 1
                              ? std::clamp<int64_t>(arrays.explained_variance->cols(), k, d)
                              : k;
    const Eigen::VectorXd values =
        vector_of(*arrays.explained_variance, "explained_variance", given,
                  given > k ? "one per eigenvalue, at most one per pixel"
                            : "one per component, K = " + std::to_string(k));
    for (Eigen::Index i = 0; i < values.size(); ++i)
      if (values[i] < 0)
        throw Error("the basis' explained_variance must not be negative: value " +
                    number(values[i]) + " at index " + std::to_string(i));
    m.explained_variance = values.head(k);
    if (given > k) m.spectrum = values;
    out.variance_from_file = true;
  } else {
    m.explained_variance = estimated;
  }
  // The images may be a sample of the data the basis came from: their total variance is then an
  // estimate, and may fall below what the file's variances explain. Never below that sum, so the
  // ratios stay a share (at most 100% in all).
  m.total_variance =
      out.variance_from_file
          ? std::max(total, m.spectrum.size() > 0 ? m.spectrum.sum() : m.explained_variance.sum())
          : total;
  if (arrays.explained_variance_ratio) {
    check_finite(*arrays.explained_variance_ratio, "explained_variance_ratio");
    m.explained_variance_ratio =
        vector_of(*arrays.explained_variance_ratio, "explained_variance_ratio", k,
                  "one per component, K = " + std::to_string(k));
    for (Eigen::Index i = 0; i < k; ++i)
      if (!(m.explained_variance_ratio[i] >= 0 && m.explained_variance_ratio[i] <= 1))
        throw Error("the basis' explained_variance_ratio must be between 0 and 1: value " +
                    number(m.explained_variance_ratio[i]) + " at index " + std::to_string(i));
    out.ratio_from_file = true;
  } else if (m.total_variance > 0) {
    m.explained_variance_ratio = m.explained_variance / m.total_variance;
  } else {
    m.explained_variance_ratio = Eigen::VectorXd::Zero(k);
  }
  m.singular_values = (m.explained_variance * double(std::max<int64_t>(n - 1, 0))).cwiseSqrt();
  m.n_samples = n;
  return out;
}

}  // namespace pcarecon
