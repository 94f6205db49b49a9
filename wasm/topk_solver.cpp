// The top-K solver's passes and its state between them.

#include "topk_solver.h"

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "error.h"

namespace pcarecon {

namespace {

// Below this (relative to the largest Ritz value) a residual is float32 rounding of the products,
// not a lack of convergence.
constexpr double kResidualFloor = 2e-5;

std::string str(int64_t v) { return std::to_string(v); }

// An orthonormal basis of the columns of `a` (thin Q of a Householder QR), same shape as `a`.
// The QR is made in place, in `a`: one D×l beside the result, not two.
Eigen::MatrixXd orthonormal_basis(Eigen::MatrixXd a) {
  Eigen::HouseholderQR<Eigen::Ref<Eigen::MatrixXd>> qr(a);
  return qr.householderQ() * Eigen::MatrixXd::Identity(a.rows(), a.cols());
}

}  // namespace

// --- MomentsPass -------------------------------------------------------------------------------

// The shift is rounded to float32 at once: that is what the blocks subtract, so mean() adds back
// exactly what was taken away.
MomentsPass::MomentsPass(Eigen::VectorXd shift) : shift_(shift.cast<float>().cast<double>()) {
  if (shift_.size() < 1 || !shift_.allFinite()) {
    throw Error("a moments pass needs a finite shift of at least one value; got " +
                str(shift_.size()) + " values");
  }
  sum_ = Eigen::VectorXd::Zero(shift_.size());
  squares_ = Eigen::VectorXd::Zero(shift_.size());
}

Eigen::VectorXd MomentsPass::default_shift(const StackRows& rows) {
  if (rows.rows() == 0) return Eigen::VectorXd::Zero(rows.cols());
  rows.check_finite(0, 1);
  RowMatrixF first;
  rows.centred_block(0, 1, Eigen::VectorXf::Zero(rows.cols()), first);
  return first.row(0).transpose().cast<double>();
}

void MomentsPass::add(const StackRows& rows) {
  if (rows.cols() != dim()) {
    throw Error("these rows have " + str(rows.cols()) + " values each, but the pass expects " +
                str(dim()));
  }
  const int64_t n = rows.rows();
  const int64_t block = StackRows::block_rows(rows.cols());
  for (int64_t r = 0; r < n; r += block) rows.check_finite(r, std::min(block, n - r));
  const Eigen::VectorXf shift = shift_.cast<float>();
  RowMatrixF work;
  for (int64_t r = 0; r < n; r += block) {
    const int64_t b = std::min(block, n - r);
    rows.centred_block(r, b, shift, work);
    // x − shift is exact in float32 for 8-bit rows (a whole-number shift); sums are taken in
    // double.
    sum_.noalias() += work.cast<double>().colwise().sum().transpose();
    squares_.noalias() += work.cast<double>().array().square().matrix().colwise().sum().transpose();
  }
  count_ += n;
}

void MomentsPass::merge(const MomentsPass& other) {
  if (other.dim() != dim() || other.shift_ != shift_) {
    throw Error("cannot merge moments of " + str(other.dim()) + " and " + str(dim()) +
                " values per row taken around different shifts");
  }
  count_ += other.count_;
  sum_ += other.sum_;
  squares_ += other.squares_;
}

MomentsState MomentsPass::state() const { return MomentsState{count_, shift_, sum_, squares_}; }

MomentsPass MomentsPass::from_state(const MomentsState& state) {
  const int64_t d = state.shift.size();
  if (state.count < 0 || state.sum.size() != d || state.squares.size() != d ||
      !state.sum.allFinite() || !state.squares.allFinite()) {
    throw Error("moments: " + str(state.count) + " rows with a shift of " + str(d) +
                " values, sums of " + str(state.sum.size()) + " and squares of " +
                str(state.squares.size()) + " values are not a valid (finite) state");
  }
  MomentsPass out(state.shift);
  if (out.shift_ != state.shift) throw Error("moments: the shift is not float32 values");
  out.count_ = state.count;
  out.sum_ = state.sum;
  out.squares_ = state.squares;
  return out;
}

Eigen::VectorXd MomentsPass::mean() const {
  if (count_ < 1) throw Error("no samples have been added yet, so there is no mean");
  return shift_ + sum_ / static_cast<double>(count_);
}

double MomentsPass::total_variance() const {
  if (count_ < 2) throw Error("PCA needs at least 2 samples; got " + str(count_));
  const double n = static_cast<double>(count_);
  const Eigen::ArrayXd centred = squares_.array() - sum_.array().square() / n;
  return centred.cwiseMax(0.0).sum() / (n - 1.0);
}

// --- GramPass ----------------------------------------------------------------------------------

GramPass::GramPass(const Eigen::VectorXd& mean, const Eigen::MatrixXd& basis)
    : mean_(mean.cast<float>()), basis_(basis.cast<float>()) {
  if (mean.size() < 1 || basis.rows() != mean.size() || basis.cols() < 1) {
    throw Error("a pass needs a mean of D values and a D×l basis; got " + str(mean.size()) +
                " and " + str(basis.rows()) + "×" + str(basis.cols()));
  }
  product_ = Eigen::MatrixXd::Zero(basis.rows(), basis.cols());
}

void GramPass::add(const StackRows& rows) {
  if (rows.cols() != mean_.size()) {
    throw Error("these rows have " + str(rows.cols()) + " values each, but the pass expects " +
                str(mean_.size()));
  }
  const int64_t n = rows.rows();
  const int64_t block = StackRows::block_rows(rows.cols());
  Eigen::MatrixXf partial(basis_.rows(), basis_.cols());
  for (int64_t r = 0; r < n; r += block) {
    const int64_t b = std::min(block, n - r);
    rows.centred_block(r, b, mean_, work_);
    loadings_.noalias() = work_ * basis_;               // Xc·Q of the block
    partial.noalias() = work_.transpose() * loadings_;  // its Xcᵀ·(Xc·Q)
    product_ += partial.cast<double>();  // blocks summed in double: no rounding across blocks
  }
  count_ += n;
}

void GramPass::merge(const GramPass& other) {
  if (other.product_.rows() != product_.rows() || other.product_.cols() != product_.cols()) {
    throw Error("cannot merge passes of " + str(other.product_.rows()) + "×" +
                str(other.product_.cols()) + " and " + str(product_.rows()) + "×" +
                str(product_.cols()));
  }
  product_ += other.product_;
  count_ += other.count_;
}

void GramPass::merge_product(const Eigen::Ref<const Eigen::MatrixXd>& product, int64_t count) {
  if (product.rows() != product_.rows() || product.cols() != product_.cols() || count < 0 ||
      !product.allFinite()) {
    throw Error("cannot merge a product of " + str(product.rows()) + "×" + str(product.cols()) +
                " over " + str(count) + " rows into a pass of " + str(product_.rows()) + "×" +
                str(product_.cols()) + " (or it holds a non-finite value)");
  }
  product_ += product;
  count_ += count;
}

Eigen::MatrixXd GramPass::take_product() {
  basis_.resize(0, 0);
  work_.resize(0, 0);
  loadings_.resize(0, 0);
  return std::move(product_);
}

// --- TopKSolver --------------------------------------------------------------------------------

TopKSolver::TopKSolver(int64_t n_samples, int64_t dim, const TopKOptions& options)
    : n_(n_samples), dim_(dim), options_(options) {
  if (n_samples < 2) throw Error("PCA needs at least 2 samples; got " + str(n_samples));
  if (dim < 1) throw Error("the number of pixels per image must be at least 1; got " + str(dim));
  const int64_t most = max_components(n_samples, dim);
  if (options.n_components < 0 || options.n_components > most) {
    throw Error("cannot fit " + str(options.n_components) + " components: this data has at most " +
                str(most) + " (min(N, D) with N = " + str(n_samples) + ", D = " + str(dim) + ")");
  }
  if (options.max_passes < 1) {
    throw Error("the top-K solver needs at least 1 pass; got " + str(options.max_passes));
  }
  if (!(options.tolerance > 0)) {
    throw Error("the top-K solver's tolerance must be positive; got " +
                std::to_string(options.tolerance));
  }
  k_ = options.n_components == 0 ? most : options.n_components;
  const int64_t extra =
      options.oversampling >= 0 ? options.oversampling : std::max<int64_t>(10, k_ / 2);
  width_ = std::min(k_ + extra, dim);  // more than D columns cannot be orthonormal
  basis_ = orthonormal_basis(gaussian_matrix(dim, width_, options.seed));
}

void TopKSolver::set_moments(const MomentsPass& all_rows) {
  if (all_rows.count() != n_ || all_rows.dim() != dim_) {
    throw Error("the moments cover " + str(all_rows.count()) + " rows of " + str(all_rows.dim()) +
                " values, not the " + str(n_) + " of " + str(dim_) + " being fitted");
  }
  mean_ = all_rows.mean();
  total_variance_ = all_rows.total_variance();
  has_moments_ = true;
}

void TopKSolver::check_pass(const GramPass& all_rows) const {
  if (!has_moments_) throw Error("the top-K solver needs the moments pass before any other");
  if (done_) throw Error("the top-K solver has already converged");
  const Eigen::MatrixXd& z = all_rows.product();
  if (all_rows.count() != n_ || z.rows() != dim_ || z.cols() != width_) {
    throw Error("the pass covers " + str(all_rows.count()) + " rows with a " + str(z.rows()) + "×" +
                str(z.cols()) + " basis, not the " + str(n_) + " rows and " + str(dim_) + "×" +
                str(width_) + " basis expected");
  }
}

void TopKSolver::submit(const GramPass& all_rows) {
  check_pass(all_rows);
  step(all_rows.product(), nullptr);
}

void TopKSolver::submit(GramPass&& all_rows) {
  check_pass(all_rows);
  Eigen::MatrixXd z = all_rows.take_product();
  step(z, &z);
}

void TopKSolver::step(const Eigen::MatrixXd& z, Eigen::MatrixXd* owned) {
  // Rayleigh–Ritz in span(Q): T = Qᵀ·C·Q, T = V·Θ·Vᵀ; Ritz vectors Q·V, and C·(Q·V) = Z·V. At most
  // four D×l (or D×K) live at once: Q, Z, Z·V and the Ritz vectors, then the next Q in place of
  // the first two (the last pass' Ritz vectors are made again here, so they go first).
  ritz_.resize(0, 0);
  Eigen::MatrixXd t = basis_.transpose() * z;
  t = (0.5 * (t + t.transpose())).eval();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(t);
  if (eig.info() != Eigen::Success) throw Error("the eigensolver did not converge on this data");
  const Eigen::MatrixXd v = eig.eigenvectors().rowwise().reverse();  // descending
  const Eigen::VectorXd theta = eig.eigenvalues().reverse();
  Eigen::MatrixXd image = z * v;  // C·(Q·V): the Ritz vectors' images, and the next span
  if (owned) owned->resize(0, 0);
  ritz_.noalias() = basis_ * v.leftCols(k_);
  ritz_values_ = theta.head(k_).cwiseMax(0.0);
  const double top = std::max(theta(0), 0.0);
  residual_ = 0;
  bool converged = true;
  for (int64_t j = 0; j < k_; ++j) {
    const double r = (image.col(j) - ritz_.col(j) * theta(j)).norm();
    const double scale = std::max(ritz_values_(j), kResidualFloor * top);
    if (r > options_.tolerance * ritz_values_(j) + kResidualFloor * top) converged = false;
    if (scale > 0) residual_ = std::max(residual_, r / scale);
  }
  ++passes_;
  // With l = D the basis spans everything: the first Rayleigh–Ritz step is exact.
  done_ = converged || width_ == dim_ || passes_ >= options_.max_passes;
  if (!done_) {
    basis_.resize(0, 0);  // the Ritz vectors are made: the old Q goes before the new one comes
    basis_ = orthonormal_basis(std::move(image));  // span C·Q, Ritz order
  }
}

PcaModel TopKSolver::model() const {
  if (passes_ == 0) throw Error("the top-K solver has no result before its first pass");
  PcaModel model;
  model.n_samples = n_;
  model.mean = mean_;
  model.components = ritz_.transpose();
  canonicalize_signs(model.components);
  model.explained_variance = ritz_values_ / static_cast<double>(n_ - 1);
  model.total_variance = total_variance_;
  model.singular_values = ritz_values_.cwiseSqrt();
  if (total_variance_ > 0) {
    model.explained_variance_ratio = model.explained_variance / total_variance_;
  } else {
    model.explained_variance_ratio = Eigen::VectorXd::Zero(k_);
  }
  const bool finite = model.mean.allFinite() && model.components.allFinite() &&
                      model.explained_variance.allFinite() &&
                      model.explained_variance_ratio.allFinite() && std::isfinite(total_variance_);
  if (!finite) {
    throw Error(
        "PCA produced a non-finite result: the data's values are too large for the top-K "
        "solver's float32 products");
  }
  return model;
}

PcaModel fit_topk(const StackRows& rows, const TopKOptions& options, int* passes) {
  TopKSolver solver(rows.rows(), rows.cols(), options);
  MomentsPass moments(MomentsPass::default_shift(rows));
  moments.add(rows);
  solver.set_moments(moments);
  while (!solver.done()) {
    GramPass pass(solver.mean(), solver.basis());
    pass.add(rows);
    solver.submit(std::move(pass));
  }
  if (passes) *passes = solver.passes();
  return solver.model();
}

}  // namespace pcarecon
