// PCA: the streamed covariance path, the exact thin path for N < D, and randomized SVD.
// Arithmetic is in double (the float32 input converted a block of rows at a time), except the
// covariance's block rank updates, which run in 16-bit integers or float32 where that is exact
// (or in float32 when asked).

#include "pca.h"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "error.h"
#include "symmetric_spectrum.h"

namespace pcarecon {

namespace {

// Rows converted to double at a time: bounds the working memory whatever the caller's chunk size.
constexpr int64_t kBlockRows = 256;
static_assert(kBlockRows <= IntegerScatter::kMaxBlockRows,
              "a block goes to the integer kernel whole");
// Auto picks the randomized solver when D is above this and 4·K < D.
constexpr int64_t kWideDim = 4096;

std::string describe_value(float v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+inf" : "-inf";
}

// Throws Error naming the first non-finite value of `block`, whose first row is sample `first_row`.
void check_finite(const Eigen::Ref<const RowMatrixF>& block, int64_t first_row) {
  if (block.allFinite()) return;
  for (Eigen::Index i = 0; i < block.rows(); ++i) {
    for (Eigen::Index j = 0; j < block.cols(); ++j) {
      const float v = block(i, j);
      if (!std::isfinite(v)) {
        throw Error("sample " + std::to_string(first_row + i) + " has a non-finite value (" +
                    describe_value(v) + ") at pixel " + std::to_string(j) +
                    "; PCA needs finite numbers");
      }
    }
  }
}

void check_samples(int64_t n_samples) {
  if (n_samples < 2) {
    throw Error("PCA needs at least 2 samples; got " + std::to_string(n_samples));
  }
}

}  // namespace

// Validates K against (N, D) and resolves 0 to the maximum.
int64_t resolve_components(int64_t n_components, int64_t n_samples, int64_t dim) {
  check_samples(n_samples);
  const int64_t most = max_components(n_samples, dim);
  if (n_components < 0) {
    throw Error("the number of components must be positive, or 0 for all of them; got " +
                std::to_string(n_components));
  }
  if (n_components > most) {
    throw Error("cannot fit " + std::to_string(n_components) +
                " components: this data has at most " + std::to_string(most) +
                " (min(N, D) with N = " + std::to_string(n_samples) +
                ", D = " + std::to_string(dim) + ")");
  }
  return n_components == 0 ? most : n_components;
}

// Builds the model from mean, K×D components and their variances; fixes signs and derived values.
PcaModel make_model(Eigen::VectorXd mean, Eigen::MatrixXd components, Eigen::VectorXd variance,
                    double total_variance, int64_t n_samples, Eigen::VectorXd spectrum) {
  PcaModel model;
  model.spectrum = spectrum.cwiseMax(0.0);
  model.n_samples = n_samples;
  model.mean = std::move(mean);
  model.components = std::move(components);
  canonicalize_signs(model.components);
  model.explained_variance = variance.cwiseMax(0.0);  // rounding can leave -1e-17 for a zero one
  model.total_variance = std::max(total_variance, 0.0);
  model.singular_values =
      (model.explained_variance * static_cast<double>(n_samples - 1)).cwiseSqrt();
  if (model.total_variance > 0) {
    model.explained_variance_ratio = model.explained_variance / model.total_variance;
  } else {  // every sample identical: scikit-learn gives NaN, we give 0
    model.explained_variance_ratio = Eigen::VectorXd::Zero(model.explained_variance.size());
  }
  const bool finite = model.mean.allFinite() && model.components.allFinite() &&
                      model.explained_variance.allFinite() &&
                      model.explained_variance_ratio.allFinite() &&
                      model.singular_values.allFinite() && model.spectrum.allFinite() &&
                      std::isfinite(model.total_variance);
  if (!finite) {
    throw Error(
        "PCA produced a non-finite result: the data's values are too large for double "
        "precision arithmetic");
  }
  return model;
}

namespace {

// Column means (shifted by the first sample, so a large offset costs no precision) and the sum of
// the per-feature ddof = 1 variances, two passes a block of rows at a time. Checks for NaN/Inf.
void mean_and_total_variance(const Eigen::Ref<const RowMatrixF>& rows, Eigen::VectorXd& mean,
                             double& total_variance) {
  const int64_t n = rows.rows();
  const Eigen::VectorXd shift = rows.row(0).cast<double>().transpose();
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(rows.cols());
  RowMatrixD work;
  for (int64_t r = 0; r < n; r += kBlockRows) {
    const int64_t b = std::min(kBlockRows, n - r);
    check_finite(rows.middleRows(r, b), r);
    work = rows.middleRows(r, b).cast<double>().rowwise() - shift.transpose();
    sum.noalias() += work.colwise().sum().transpose();
  }
  mean = shift + sum / static_cast<double>(n);
  double squares = 0;
  for (int64_t r = 0; r < n; r += kBlockRows) {
    const int64_t b = std::min(kBlockRows, n - r);
    work = rows.middleRows(r, b).cast<double>().rowwise() - mean.transpose();
    squares += work.squaredNorm();
  }
  total_variance = squares / static_cast<double>(n - 1);
}

// Xc·M (N×l) for the centred data Xc = X − 1·meanᵀ, without forming Xc.
Eigen::MatrixXd centred_times(const Eigen::Ref<const RowMatrixF>& rows, const Eigen::VectorXd& mean,
                              const Eigen::MatrixXd& m) {
  const int64_t n = rows.rows();
  Eigen::MatrixXd out(n, m.cols());
  RowMatrixD work;
  for (int64_t r = 0; r < n; r += kBlockRows) {
    const int64_t b = std::min(kBlockRows, n - r);
    work = rows.middleRows(r, b).cast<double>().rowwise() - mean.transpose();
    out.middleRows(r, b).noalias() = work * m;
  }
  return out;
}

// Xcᵀ·Q (D×l), without forming Xc.
Eigen::MatrixXd centred_transpose_times(const Eigen::Ref<const RowMatrixF>& rows,
                                        const Eigen::VectorXd& mean, const Eigen::MatrixXd& q) {
  const int64_t n = rows.rows();
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(rows.cols(), q.cols());
  RowMatrixD work;
  for (int64_t r = 0; r < n; r += kBlockRows) {
    const int64_t b = std::min(kBlockRows, n - r);
    work = rows.middleRows(r, b).cast<double>().rowwise() - mean.transpose();
    out.noalias() += work.transpose() * q.middleRows(r, b);
  }
  return out;
}

// An orthonormal basis of the columns of `a` (thin Q of a Householder QR), same shape as `a`.
Eigen::MatrixXd orthonormal_basis(const Eigen::MatrixXd& a) {
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  return qr.householderQ() * Eigen::MatrixXd::Identity(a.rows(), a.cols());
}

// Exact PCA for N < D from the N-sized side: Xcᵀ = Q·R (Householder), R = U·S·Wᵀ, so the right
// singular vectors of Xc are Q·U and its singular values S. Never forms a D×D matrix.
PcaModel fit_thin(const Eigen::Ref<const RowMatrixF>& rows, int64_t k) {
  const int64_t n = rows.rows();
  const int64_t d = rows.cols();
  Eigen::VectorXd mean;
  double total_variance = 0;
  mean_and_total_variance(rows, mean, total_variance);

  Eigen::MatrixXd centred_t(d, n);  // D×N: the one full-size double copy of this path
  for (int64_t i = 0; i < n; ++i) {
    centred_t.col(i) = rows.row(i).cast<double>().transpose() - mean;
  }
  Eigen::HouseholderQR<Eigen::Ref<Eigen::MatrixXd>> qr(centred_t);  // in place
  const Eigen::MatrixXd r = qr.matrixQR().topRows(n).triangularView<Eigen::Upper>();
  Eigen::BDCSVD<Eigen::MatrixXd> svd(r, Eigen::ComputeFullU);
  if (svd.info() != Eigen::Success) throw Error("the SVD did not converge on this data");

  Eigen::MatrixXd vectors = Eigen::MatrixXd::Zero(d, k);
  vectors.topRows(n) = svd.matrixU().leftCols(k);
  vectors.applyOnTheLeft(qr.householderQ());
  const Eigen::VectorXd variance =
      svd.singularValues().head(k).array().square() / static_cast<double>(n - 1);
  return make_model(std::move(mean), vectors.transpose(), variance, total_variance, n);
}

// Randomized SVD (Halko, Martinsson & Tropp 2011, algorithms 4.4 and 5.1) of the centred data.
PcaModel fit_randomized(const Eigen::Ref<const RowMatrixF>& rows, int64_t k,
                        const PcaOptions& options) {
  const int64_t n = rows.rows();
  const int64_t d = rows.cols();
  Eigen::VectorXd mean;
  double total_variance = 0;
  mean_and_total_variance(rows, mean, total_variance);

  const int64_t width = std::min<int64_t>(k + options.oversampling, max_components(n, d));
  const Eigen::MatrixXd omega = gaussian_matrix(d, width, options.seed);
  Eigen::MatrixXd q = orthonormal_basis(centred_times(rows, mean, omega));  // N×l
  for (int it = 0; it < options.power_iterations; ++it) {
    const Eigen::MatrixXd z = orthonormal_basis(centred_transpose_times(rows, mean, q));  // D×l
    q = orthonormal_basis(centred_times(rows, mean, z));
  }
  // B = Qᵀ·Xc (l×D); work with Bᵀ = Q2·R2 and the SVD of the small R2 = U·S·Wᵀ, so B's right
  // singular vectors are Q2·U.
  Eigen::MatrixXd bt = centred_transpose_times(rows, mean, q);  // D×l
  Eigen::HouseholderQR<Eigen::Ref<Eigen::MatrixXd>> qr(bt);
  const Eigen::MatrixXd r = qr.matrixQR().topRows(width).triangularView<Eigen::Upper>();
  Eigen::BDCSVD<Eigen::MatrixXd> svd(r, Eigen::ComputeFullU);
  if (svd.info() != Eigen::Success) throw Error("the SVD did not converge on this data");

  Eigen::MatrixXd vectors = Eigen::MatrixXd::Zero(d, k);
  vectors.topRows(width) = svd.matrixU().leftCols(k);
  vectors.applyOnTheLeft(qr.householderQ());
  const Eigen::VectorXd variance =
      svd.singularValues().head(k).array().square() / static_cast<double>(n - 1);
  return make_model(std::move(mean), vectors.transpose(), variance, total_variance, n);
}

}  // namespace

// Box–Muller on mt19937_64 (see pca.h).
Eigen::MatrixXd gaussian_matrix(int64_t rows, int64_t cols, uint64_t seed) {
  std::mt19937_64 engine(seed);
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  constexpr double kUnit = 1.0 / 9007199254740992.0;  // 2^-53
  Eigen::MatrixXd out(rows, cols);
  double* data = out.data();
  const int64_t size = rows * cols;
  for (int64_t i = 0; i < size; i += 2) {
    const double u1 = (static_cast<double>(engine() >> 11) + 1.0) * kUnit;  // (0, 1]
    const double u2 = static_cast<double>(engine() >> 11) * kUnit;          // [0, 1)
    const double radius = std::sqrt(-2.0 * std::log(u1));
    data[i] = radius * std::cos(kTwoPi * u2);
    if (i + 1 < size) data[i + 1] = radius * std::sin(kTwoPi * u2);
  }
  return out;
}

int64_t max_components(int64_t n_samples, int64_t dim) { return std::min(n_samples, dim); }

void canonicalize_signs(Eigen::MatrixXd& components) {
  for (Eigen::Index i = 0; i < components.rows(); ++i) {
    Eigen::Index best = 0;
    double best_abs = -1;
    for (Eigen::Index j = 0; j < components.cols(); ++j) {
      const double a = std::abs(components(i, j));
      if (a > best_abs) {  // strict: the first of equal magnitudes wins
        best_abs = a;
        best = j;
      }
    }
    if (components.cols() > 0 && components(i, best) < 0) components.row(i) *= -1.0;
  }
}

// --- CovarianceAccumulator -------------------------------------------------------------------

CovarianceAccumulator::CovarianceAccumulator(int64_t dim, AccumulatorKernel kernel)
    : dim_(dim), kernel_(kernel) {
  if (dim < 1) {
    throw Error("the number of pixels per image must be at least 1; got " + std::to_string(dim));
  }
  const double bytes = static_cast<double>(dim) * static_cast<double>(dim) * sizeof(double);
  const std::string too_big = "a " + std::to_string(dim) + "×" + std::to_string(dim) +
                              " covariance matrix needs " +
                              std::to_string(static_cast<long long>(std::ceil(bytes / 1e6))) +
                              " MB, more memory than is available";
  if (bytes > static_cast<double>(std::numeric_limits<std::ptrdiff_t>::max()) / 2) {
    throw Error(ErrorKind::TooLarge, too_big);
  }
  try {
    shift_ = Eigen::VectorXd::Zero(dim);
    sum_ = Eigen::VectorXd::Zero(dim);
    scatter_ = Eigen::MatrixXd::Zero(dim, dim);
  } catch (const std::bad_alloc&) {
    throw Error(ErrorKind::OutOfMemory, too_big);
  }
}

CovarianceAccumulator CovarianceAccumulator::from_state(const AccumulatorState& state,
                                                        AccumulatorKernel kernel) {
  const int64_t d = state.shift.size();
  if (d < 1 || state.sum.size() != d || state.scatter.rows() != d || state.scatter.cols() != d) {
    throw Error("an accumulator state needs shift and sum of D values and a D×D scatter; got " +
                std::to_string(state.shift.size()) + ", " + std::to_string(state.sum.size()) +
                " and " + std::to_string(state.scatter.rows()) + "×" +
                std::to_string(state.scatter.cols()));
  }
  if (state.count < 0) {
    throw Error("an accumulator state needs a count of 0 or more; got " +
                std::to_string(state.count));
  }
  if (!state.shift.allFinite() || !state.sum.allFinite() ||
      !state.scatter.triangularView<Eigen::Lower>().toDenseMatrix().allFinite()) {
    throw Error("an accumulator state holds a non-finite value");
  }
  CovarianceAccumulator out(d, kernel);
  out.count_ = state.count;
  out.shift_ = state.shift;
  out.sum_ = state.sum;
  out.scatter_.triangularView<Eigen::Lower>() = state.scatter;
  return out;
}

AccumulatorState CovarianceAccumulator::state() const {
  AccumulatorState out;
  out.count = count_;
  out.shift = shift_;
  out.sum = sum_;
  out.scatter = scatter_;
  return out;
}

void CovarianceAccumulator::merge(const CovarianceAccumulator& other) {
  if (other.dim_ != dim_) {
    throw Error("cannot merge accumulators of " + std::to_string(other.dim_) + " and " +
                std::to_string(dim_) + " values per row");
  }
  if (other.count_ == 0) return;
  if (count_ == 0) {
    count_ = other.count_;
    shift_ = other.shift_;
    sum_ = other.sum_;
    scatter_ = other.scatter_;
    float32_rows_ += other.float32_rows_;
    int16_rows_ += other.int16_rows_;
    return;
  }
  const double n1 = static_cast<double>(count_);
  const double n2 = static_cast<double>(other.count_);
  const double n = n1 + n2;
  const Eigen::VectorXd offset1 = sum_ / n1;  // mean₁ − shift₁
  const Eigen::VectorXd offset2 = other.sum_ / n2;
  // δ = mean₂ − mean₁, from the shifts and the small offsets (no large means subtracted).
  const Eigen::VectorXd delta = (other.shift_ - shift_) + (offset2 - offset1);
  // Centred scatters M2 = Σ(x − mean)(x − mean)ᵀ = scatter − n·offset·offsetᵀ (lower triangles).
  Eigen::MatrixXd m2 = scatter_;
  m2.selfadjointView<Eigen::Lower>().rankUpdate(offset1, -n1);
  m2.triangularView<Eigen::Lower>() += other.scatter_;
  m2.selfadjointView<Eigen::Lower>().rankUpdate(offset2, -n2);
  m2.selfadjointView<Eigen::Lower>().rankUpdate(delta, n1 * n2 / n);
  // Back to this accumulator's form around its own shift: offset = mean − shift₁.
  const Eigen::VectorXd offset = offset1 + delta * (n2 / n);
  m2.selfadjointView<Eigen::Lower>().rankUpdate(offset, n);
  scatter_ = std::move(m2);
  sum_ = offset * n;
  count_ += other.count_;
  float32_rows_ += other.float32_rows_;
  int16_rows_ += other.int16_rows_;
}

void CovarianceAccumulator::add_block(const Eigen::Ref<const RowMatrixF>& block) {
  const int64_t b = block.rows();
  if (kernel_ == AccumulatorKernel::Auto && !integer_shift_.empty()) {
    if (!integer_) integer_.emplace(dim_);
    if (integer_->add(block, integer_shift_, sum_, scatter_)) {
      int16_rows_ += b;
      return;
    }
  }
  work_d_ = block.cast<double>().rowwise() - shift_.transpose();
  sum_.noalias() += work_d_.colwise().sum().transpose();
  if (kernel_ != AccumulatorKernel::Float32) {
    scatter_.selfadjointView<Eigen::Lower>().rankUpdate(work_d_.transpose());
    return;
  }
  // float32 rank update (twice the SIMD width of double), added into the double scatter after
  // every block, so that rounding never accumulates across blocks.
  work_f_ = work_d_.cast<float>();
  if (block_scatter_.rows() != dim_) block_scatter_.resize(dim_, dim_);
  block_scatter_.triangularView<Eigen::Lower>().setZero();
  block_scatter_.selfadjointView<Eigen::Lower>().rankUpdate(work_f_.transpose());
  scatter_.triangularView<Eigen::Lower>() += block_scatter_.cast<double>();
  float32_rows_ += b;
}

void CovarianceAccumulator::add(const Eigen::Ref<const RowMatrixF>& rows) {
  check_cols(rows.cols());
  if (rows.rows() == 0) return;
  check_finite(rows, count_);  // before anything is added, so a bad chunk leaves no trace
  add_rows(rows.rows(), [&](int64_t r, int64_t b) { return rows.middleRows(r, b); });
}

void CovarianceAccumulator::add(const StackRows& rows) {
  check_cols(rows.cols());
  if (rows.rows() == 0) return;
  rows.check_finite(0, rows.rows());
  // The same blocks as add() of the same values in float32 (x − 0 is x): the same sums, bit for
  // bit.
  const Eigen::VectorXf zero = Eigen::VectorXf::Zero(dim_);
  RowMatrixF block;
  add_rows(rows.rows(), [&](int64_t r, int64_t b) -> const RowMatrixF& {
    rows.centred_block(r, b, zero, block);
    return block;
  });
}

void CovarianceAccumulator::check_cols(int64_t cols) const {
  if (cols != dim_) {
    throw Error("these rows have " + std::to_string(cols) +
                " values each, but the earlier ones had " + std::to_string(dim_));
  }
}

template <class Blocks>
void CovarianceAccumulator::add_rows(int64_t n, const Blocks& blocks) {
  if (count_ == 0) {  // provisional mean: this first chunk's (whole numbers for whole data)
    Eigen::VectorXd total = Eigen::VectorXd::Zero(dim_);
    bool whole = true;
    for (int64_t r = 0; r < n; r += kBlockRows) {
      const int64_t b = std::min(kBlockRows, n - r);
      const auto& block = blocks(r, b);
      total.noalias() += block.template cast<double>().colwise().sum().transpose();
      whole = whole && (block.array() == block.array().round()).all();
    }
    shift_ = total / static_cast<double>(n);
    if (whole) shift_ = shift_.array().round();  // keeps x − shift whole: the exact integer path
  }
  if (kernel_ == AccumulatorKernel::Auto) integer_shift_ = IntegerScatter::integer_shift(shift_);
  for (int64_t r = 0; r < n; r += kBlockRows) add_block(blocks(r, std::min(kBlockRows, n - r)));
  if (integer_) integer_->flush(scatter_);  // nothing stays pending between calls
  count_ += n;
}

int64_t CovarianceAccumulator::count() const { return count_; }

int64_t CovarianceAccumulator::dim() const { return dim_; }

Eigen::VectorXd CovarianceAccumulator::mean() const {
  if (count_ == 0) throw Error("no samples have been added yet, so there is no mean");
  return shift_ + sum_ / static_cast<double>(count_);
}

Eigen::MatrixXd CovarianceAccumulator::covariance() const {
  check_samples(count_);
  const double n = static_cast<double>(count_);
  const Eigen::VectorXd offset = sum_ / n;  // exact mean − shift: small, so no cancellation
  Eigen::MatrixXd lower = scatter_;
  lower.selfadjointView<Eigen::Lower>().rankUpdate(offset, -n);  // on one triangle: stays symmetric
  Eigen::MatrixXd covariance = lower.selfadjointView<Eigen::Lower>();
  covariance /= (n - 1.0);
  return covariance;
}

// --- fitting ---------------------------------------------------------------------------------

PcaModel fit_pca(const CovarianceAccumulator& accumulator, int64_t n_components) {
  const int64_t k = resolve_components(n_components, accumulator.count(), accumulator.dim());
  return exact_fit(accumulator).model(k);  // K checked before the decomposition is made
}

ExactFit exact_fit(const CovarianceAccumulator& accumulator, int64_t lanczos_components) {
  resolve_components(0, accumulator.count(), accumulator.dim());  // checks N >= 2
  ExactFit fit;
  {
    auto covariance = std::make_shared<Eigen::MatrixXd>(accumulator.covariance());
    fit.total_variance = covariance->diagonal().cwiseMax(0.0).sum();
    const int64_t d = covariance->rows(), k = lanczos_components;
    std::optional<Eigenpairs> top;
    if (k > 0 && d >= kLazySpectrumMin && 4 * k <= d) top = largest_eigenpairs(*covariance, k);
    if (top) {
      fit.top = std::make_shared<const Eigenpairs>(std::move(*top));
      fit.covariance = std::move(covariance);
    } else {
      fit.spectrum = std::make_shared<const SymmetricSpectrum>(*covariance);
    }
  }
  fit.mean = accumulator.mean();
  fit.n_samples = accumulator.count();
  return fit;
}

void ExactFit::make_spectrum() {
  if (spectrum) return;
  spectrum = std::make_shared<const SymmetricSpectrum>(*covariance);
  covariance.reset();
}

PcaModel ExactFit::model(int64_t n_components) {
  const int64_t k = resolve_components(n_components, n_samples, dim());
  if (!spectrum && top && k <= top->values.size())
    return make_model(mean, top->vectors.leftCols(k).transpose(), top->values.head(k),
                      total_variance, n_samples);
  make_spectrum();
  return make_model(mean, spectrum->top_vectors(k).transpose(), spectrum->eigenvalues().head(k),
                    total_variance, n_samples, spectrum->eigenvalues());
}

namespace {
// The covariance path's model, its decomposition handed to `exact` when asked for.
PcaModel covariance_model(const CovarianceAccumulator& accumulator, int64_t k, bool lazy,
                          std::optional<ExactFit>* exact) {
  ExactFit fit = exact_fit(accumulator, lazy ? k : 0);
  PcaModel model = fit.model(k);
  if (exact) *exact = std::move(fit);
  return model;
}
}  // namespace

namespace {
// The solver fit_pca runs for these options (checked) and K (resolved).
PcaSolver solver_for(const PcaOptions& options, int64_t d, int64_t k) {
  if (options.oversampling < 0) {
    throw Error("oversampling must be 0 or more; got " + std::to_string(options.oversampling));
  }
  if (options.power_iterations < 0) {
    throw Error("power_iterations must be 0 or more; got " +
                std::to_string(options.power_iterations));
  }
  if (options.solver != PcaSolver::Auto) return options.solver;
  return (d > kWideDim && 4 * k < d) ? PcaSolver::Randomized : PcaSolver::Covariance;
}
}  // namespace

PcaModel fit_pca(const StackRows& rows, const PcaOptions& options, std::optional<ExactFit>* exact) {
  const int64_t n = rows.rows();
  const int64_t d = rows.cols();
  const int64_t k = resolve_components(options.n_components, n, d);
  if (exact) exact->reset();
  if (n >= d && solver_for(options, d, k) == PcaSolver::Covariance) {
    CovarianceAccumulator accumulator(d, options.kernel);
    accumulator.add(rows);
    return covariance_model(accumulator, k, options.lazy_spectrum, exact);
  }
  RowMatrixF all;  // the thin and the randomized paths read the rows together: widened once
  rows.centred_block(0, n, Eigen::VectorXf::Zero(d), all);
  return fit_pca(all, options);
}

PcaModel fit_pca(const Eigen::Ref<const RowMatrixF>& rows, const PcaOptions& options,
                 std::optional<ExactFit>* exact) {
  const int64_t n = rows.rows();
  const int64_t d = rows.cols();
  const int64_t k = resolve_components(options.n_components, n, d);
  if (exact) exact->reset();
  const PcaSolver solver = solver_for(options, d, k);
  if (solver == PcaSolver::Randomized) return fit_randomized(rows, k, options);
  if (n < d) return fit_thin(rows, k);
  CovarianceAccumulator accumulator(d, options.kernel);
  accumulator.add(rows);
  return covariance_model(accumulator, k, options.lazy_spectrum, exact);
}

}  // namespace pcarecon
