// The Gram path (gram_fit.h): G over column blocks, centred, its eigenpairs, and the components
// as one more blocked product, made orthonormal once more (CholeskyQR) and completed where the
// data has fewer directions than K.

#include "gram_fit.h"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "error.h"
#include "largest_eigenpairs.h"
#include "scatter_kernel.h"
#include "symmetric_spectrum.h"

namespace pcarecon {

namespace {

// Columns per block: the integer kernel takes at most 256 rows (here: columns) per add; float32
// blocks are longer, so the N×N float32 block sum is added into the double G less often (a block's
// float32 sums over 1024 centred products still round at ≈1e-7 of their scale).
constexpr int64_t kIntegerBlock = IntegerScatter::kMaxBlockRows;
constexpr int64_t kFloatBlock = 1024;
// Eigenvalues of G below this fraction of the largest are rounding, not data: their components
// are completed instead of divided by √λ. G is exact for 8-bit rows (integers in double), rounded
// at float32's ≈1e-7 for float32 rows.
constexpr double kWholeRankTolerance = 1e-11;
constexpr double kFloatRankTolerance = 1e-6;

// Calls f with the rows' values as a typed pointer.
template <class F>
void with_values(const StackRows& rows, F&& f) {
  switch (rows.type()) {
    case RowType::Float32:
      return f(static_cast<const float*>(rows.data()));
    case RowType::UInt8:
      return f(static_cast<const uint8_t*>(rows.data()));
    case RowType::Int8:
      return f(static_cast<const int8_t*>(rows.data()));
  }
}

// Σ over the N rows of columns [begin, begin + b), in double.
template <class T>
void column_sums(const T* data, int64_t n, int64_t d, int64_t begin, int64_t b,
                 Eigen::VectorXd& sums) {
  sums.setZero(b);
  for (int64_t i = 0; i < n; ++i) {
    const T* row = data + i * d + begin;
    for (int64_t j = 0; j < b; ++j) sums(j) += static_cast<double>(row[j]);
  }
}

// Columns [begin, begin + b) of every row times `scale`, minus `shift` (b values, scaled),
// transposed: b×N float32, a column's values side by side (the layout both block kernels read).
template <class T>
void transposed_block(const T* data, int64_t n, int64_t d, int64_t begin, int64_t b, float scale,
                      const Eigen::VectorXf& shift, RowMatrixF& out) {
  out.resize(b, n);
  for (int64_t i = 0; i < n; ++i) {
    const T* row = data + i * d + begin;
    for (int64_t j = 0; j < b; ++j) out(j, i) = static_cast<float>(row[j]) * scale - shift(j);
  }
}

// GramPart::scale for these rows: 1 but for float32 values beyond 2^±40 (a power of two is exact).
double product_scale(const StackRows& rows) {
  if (rows.type() != RowType::Float32) return 1;
  const float* data = static_cast<const float*>(rows.data());
  float largest = 0;
  for (int64_t i = 0, size = rows.rows() * rows.cols(); i < size; ++i)
    largest = std::max(largest, std::abs(data[i]));
  if (largest == 0) return 1;
  const int exponent = std::ilogb(largest);
  if (exponent <= 40 && exponent >= -40) return 1;
  return std::ldexp(1.0, std::clamp(20 - exponent, -100, 100));
}

// Makes the columns of `v` orthonormal (CholeskyQR: V·L⁻ᵀ with VᵀV = LLᵀ), keeping each column's
// direction within the span of those before it, as Gram–Schmidt does. V is already orthonormal
// up to rounding here, so one step is enough. False when VᵀV is not positive definite.
bool orthonormalize(Eigen::MatrixXd& v) {
  if (v.cols() == 0) return true;
  Eigen::MatrixXd s = Eigen::MatrixXd::Zero(v.cols(), v.cols());
  s.selfadjointView<Eigen::Lower>().rankUpdate(v.transpose());
  const Eigen::LLT<Eigen::MatrixXd> llt(s.selfadjointView<Eigen::Lower>());
  if (llt.info() != Eigen::Success) return false;
  llt.matrixU().solveInPlace<Eigen::OnTheRight>(v);
  return true;
}

// Columns [from, end) of `c` made orthonormal to each other and to the columns before them, from
// a seeded Gaussian start: components of variance 0, which any such direction is.
void complete_basis(Eigen::MatrixXd& c, int64_t from) {
  const int64_t extra = c.cols() - from;
  if (extra <= 0) return;
  Eigen::MatrixXd z = gaussian_matrix(c.rows(), extra, 0);
  const auto kept = c.leftCols(from);
  for (int twice = 0; twice < 2; ++twice) z -= kept * (kept.transpose() * z);
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(z);
  c.rightCols(extra) = qr.householderQ() * Eigen::MatrixXd::Identity(c.rows(), extra);
  for (int twice = 0; twice < 2; ++twice)
    c.rightCols(extra) -= kept * (kept.transpose() * c.rightCols(extra));
  c.rightCols(extra).colwise().normalize();
}

// G_c = H·G·H (H = I − 11ᵀ/N) in place on the lower triangle: every row and column minus its
// mean, plus the overall mean.
void centre_lower(Eigen::MatrixXd& g) {
  const int64_t n = g.rows();
  const Eigen::VectorXd row_means = g.selfadjointView<Eigen::Lower>() *
                                    Eigen::VectorXd::Constant(n, 1.0 / static_cast<double>(n));
  const double all_mean = row_means.mean();
  for (int64_t j = 0; j < n; ++j)
    g.col(j).tail(n - j).array() += all_mean - row_means(j) - row_means.tail(n - j).array();
}

}  // namespace

namespace detail {

void sum_gram_columns(const StackRows& rows, int64_t begin, int64_t end, double scale,
                      IntegerScatter* integer, Eigen::MatrixXd& gram,
                      Eigen::Ref<Eigen::VectorXd> sums_out) {
  const int64_t n = rows.rows(), d = rows.cols();
  const bool whole = row_type_whole(rows.type());
  const int64_t step = whole ? kIntegerBlock : kFloatBlock;
  const std::vector<int32_t> no_shift(static_cast<size_t>(n), 0);  // shifted per column instead
  Eigen::VectorXd row_sums(n);  // the kernel's Σ per row of the block, not needed here
  Eigen::VectorXd sums;
  RowMatrixF block;
  Eigen::MatrixXf block_gram;
  with_values(rows, [&](const auto* data) {
    for (int64_t c = begin; c < end; c += step) {
      const int64_t b = std::min(step, end - c);
      column_sums(data, n, d, c, b, sums);
      sums_out.segment(c - begin, b) = sums;
      // Each column shifted by its mean (a whole number for whole values, so the block stays
      // whole and within ±255 for 8-bit rows): G_c is the same for any per-column shift.
      Eigen::VectorXf shift = (sums * (scale / static_cast<double>(n))).cast<float>();
      if (whole) shift = shift.array().round();
      transposed_block(data, n, d, c, b, static_cast<float>(scale), shift, block);
      if (whole) {
        row_sums.setZero();
        if (!integer->add(block, no_shift, row_sums, gram))
          throw Error("the 16-bit Gram kernel refused a block of 8-bit rows at column " +
                      std::to_string(c));
      } else {
        block_gram.setZero(n, n);
        block_gram.selfadjointView<Eigen::Lower>().rankUpdate(block.transpose());
        gram.triangularView<Eigen::Lower>() += block_gram.cast<double>();
      }
    }
  });
}

void check_column_range(int64_t begin, int64_t end, int64_t d) {
  if (begin < 0 || end < begin || end > d)
    throw Error("columns " + std::to_string(begin) + " to " + std::to_string(end) +
                " are not a range of the " + std::to_string(d) + " values of a row");
}

}  // namespace detail

double gram_product_scale(const StackRows& rows) { return product_scale(rows); }

GramPart gram_of_columns(const StackRows& rows, int64_t begin, int64_t end) {
  const int64_t n = rows.rows();
  detail::check_column_range(begin, end, rows.cols());
  rows.check_finite(0, n);
  GramPart out;
  out.scale = product_scale(rows);
  out.gram = Eigen::MatrixXd::Zero(n, n);
  out.column_sums = Eigen::VectorXd::Zero(end - begin);
  std::optional<IntegerScatter> integer;
  if (row_type_whole(rows.type())) integer.emplace(n);
  detail::sum_gram_columns(rows, begin, end, out.scale, integer ? &*integer : nullptr, out.gram,
                           out.column_sums);
  if (integer) integer->flush(out.gram);
  return out;
}

PcaModel fit_gram(const StackRows& rows, int64_t n_components, int64_t whole_spectrum_max) {
  const int64_t k = resolve_components(n_components, rows.rows(), rows.cols());
  return fit_gram_part(rows, k, gram_of_columns(rows, 0, rows.cols()), whole_spectrum_max);
}

GramWeights gram_weights(const StackRows& rows, int64_t n_components, GramPart part,
                         int64_t whole_spectrum_max) {
  const int64_t n = rows.rows(), d = rows.cols();
  const int64_t k = resolve_components(n_components, n, d);
  if (part.gram.rows() != n || part.gram.cols() != n || part.column_sums.size() != d)
    throw Error("a Gram matrix of " + std::to_string(part.gram.rows()) + "×" +
                std::to_string(part.gram.cols()) + " with " +
                std::to_string(part.column_sums.size()) + " column sums does not fit " +
                std::to_string(n) + " rows of " + std::to_string(d) + " values");
  GramWeights out;
  out.samples = n;
  out.scale = part.scale;
  out.mean = part.column_sums / static_cast<double>(n);
  out.centre = (out.mean * part.scale).cast<float>();
  Eigen::MatrixXd& g = part.gram;
  centre_lower(g);
  // G and its eigenvalues are scale² those of the rows; the components are the same.
  out.total_variance =
      std::max(0.0, g.diagonal().sum()) / (part.scale * part.scale) / static_cast<double>(n - 1);

  // The K largest eigenpairs by Lanczos for a large G; every eigenvalue (and K vectors) for a
  // small one, or when Lanczos does not settle.
  std::optional<Eigenpairs> top;
  if (gram_by_lanczos(n, k, whole_spectrum_max)) top = largest_eigenpairs(g, k);
  std::optional<SymmetricSpectrum> spectrum;
  if (!top) spectrum.emplace(g);
  g.resize(0, 0);
  out.values = top ? top->values : spectrum->eigenvalues().head(k);
  if (spectrum) out.spectrum = spectrum->eigenvalues();
  const double tolerance = row_type_whole(rows.type()) ? kWholeRankTolerance : kFloatRankTolerance;
  out.floor = std::max(0.0, out.values(0)) * tolerance;
  int64_t kept = 0;
  while (kept < k && out.values(kept) > out.floor) ++kept;

  // v = Xcᵀ·u/√λ for the eigenvalues that are data.
  const Eigen::MatrixXd u =
      top ? Eigen::MatrixXd(top->vectors.leftCols(kept)) : spectrum->top_vectors(kept);
  out.weights.resize(n, kept);
  for (int64_t i = 0; i < kept; ++i)
    out.weights.col(i) = (u.col(i) / std::sqrt(out.values(i))).cast<float>();
  return out;
}

Eigen::MatrixXf gram_component_rows(const StackRows& rows, int64_t offset, int64_t begin,
                                    int64_t end, const GramWeights& weights) {
  const int64_t n = rows.rows();
  if (begin < offset || end < begin || end > offset + rows.cols() || end > weights.centre.size())
    throw Error("columns " + std::to_string(begin) + " to " + std::to_string(end) +
                " are not among the " + std::to_string(rows.cols()) + " held from column " +
                std::to_string(offset) + " of " + std::to_string(weights.centre.size()));
  if (n != weights.weights.rows())
    throw Error(std::to_string(n) + " rows do not fit weights for " +
                std::to_string(weights.weights.rows()) + " samples");
  Eigen::MatrixXf out(end - begin, weights.weights.cols());
  if (out.size() == 0) return out;  // no columns, or no weights (data with no direction)
  RowMatrixF block;
  Eigen::MatrixXf product;
  with_values(rows, [&](const auto* data) {
    for (int64_t c = begin; c < end;) {
      // Blocks start at multiples of kComponentBlock of the stack's columns.
      const int64_t b = std::min((c / kComponentBlock + 1) * kComponentBlock, end) - c;
      transposed_block(data, n, rows.cols(), c - offset, b, static_cast<float>(weights.scale),
                       weights.centre.segment(c, b), block);
      product.noalias() = block * weights.weights;
      out.middleRows(c - begin, b) = product;
      c += b;
    }
  });
  return out;
}

PcaModel finish_gram(const GramWeights& weights, int64_t n_components, Eigen::MatrixXd product) {
  const int64_t n = weights.samples, d = weights.mean.size();
  const int64_t k = resolve_components(n_components, n, d);
  int64_t kept = weights.weights.cols();
  if (product.rows() != d || product.cols() != kept || kept > k)
    throw Error("a product of " + std::to_string(product.rows()) + "×" +
                std::to_string(product.cols()) + " does not fit " + std::to_string(d) +
                " values and " + std::to_string(kept) + " weights of " + std::to_string(k));
  Eigen::MatrixXd components(d, k);
  if (!orthonormalize(product)) {  // only with data at the edge of double range: start afresh
    kept = 0;
  } else {
    components.leftCols(kept) = product;
  }
  complete_basis(components, kept);

  const double unscale = 1 / (weights.scale * weights.scale) / static_cast<double>(n - 1);
  Eigen::VectorXd variance = Eigen::VectorXd::Zero(k);
  variance.head(kept) = weights.values.head(kept) * unscale;
  // The whole spectrum for the variance chart when the full solver ran: G's eigenvalues are the
  // covariance's nonzero ones.
  Eigen::VectorXd all;
  if (weights.spectrum.size() > 0)
    all = (weights.spectrum.array() > weights.floor).select(weights.spectrum, 0.0) * unscale;
  return make_model(weights.mean, components.transpose(), variance, weights.total_variance, n, all);
}

PcaModel fit_gram_part(const StackRows& rows, int64_t n_components, GramPart part,
                       int64_t whole_spectrum_max) {
  const GramWeights weights = gram_weights(rows, n_components, std::move(part), whole_spectrum_max);
  return finish_gram(weights, n_components,
                     gram_component_rows(rows, 0, 0, rows.cols(), weights).cast<double>());
}

}  // namespace pcarecon
