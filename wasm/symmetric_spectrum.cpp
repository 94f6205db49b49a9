#include "symmetric_spectrum.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "error.h"

namespace pcarecon {

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr int kMaxIterations = 5;    // dstein's MAXITS
constexpr int kExtraIterations = 2;  // dstein's EXTRA: iterations after the growth test passes

// T − shift·I for a symmetric tridiagonal T, factored by Gaussian elimination with partial
// pivoting (LAPACK's dgttrf) and solved in place (dgtts2). Pivots smaller than `tiny` become
// ±tiny: near an eigenvalue the solve is meant to grow large, not to divide by zero.
class ShiftedTridiagonalLu {
 public:
  ShiftedTridiagonalLu(const Eigen::VectorXd& diagonal, const Eigen::VectorXd& off, double shift,
                       double tiny)
      : lower_(off),
        diag_(diagonal.array() - shift),
        upper_(off),
        upper2_(Eigen::VectorXd::Zero(std::max<Eigen::Index>(0, off.size() - 1))),
        swapped_(static_cast<size_t>(off.size()), false) {
    const Eigen::Index n = diag_.size();
    for (Eigen::Index i = 0; i + 1 < n; ++i) {
      if (std::abs(diag_(i)) >= std::abs(lower_(i))) {
        if (diag_(i) != 0) {
          const double fact = lower_(i) / diag_(i);
          lower_(i) = fact;
          diag_(i + 1) -= fact * upper_(i);
        }
      } else {  // rows i and i + 1 swap
        const double fact = diag_(i) / lower_(i);
        diag_(i) = lower_(i);
        lower_(i) = fact;
        const double temp = upper_(i);
        upper_(i) = diag_(i + 1);
        diag_(i + 1) = temp - fact * diag_(i + 1);
        if (i + 2 < n) {
          upper2_(i) = upper_(i + 1);
          upper_(i + 1) = -fact * upper_(i + 1);
        }
        swapped_[static_cast<size_t>(i)] = true;
      }
    }
    for (Eigen::Index i = 0; i < n; ++i)
      if (std::abs(diag_(i)) < tiny) diag_(i) = diag_(i) < 0 ? -tiny : tiny;
  }

  double last_pivot() const { return diag_(diag_.size() - 1); }

  void solve(Eigen::VectorXd& b) const {
    const Eigen::Index n = diag_.size();
    for (Eigen::Index i = 0; i + 1 < n; ++i) {
      if (!swapped_[static_cast<size_t>(i)]) {
        b(i + 1) -= lower_(i) * b(i);
      } else {
        const double temp = b(i);
        b(i) = b(i + 1);
        b(i + 1) = temp - lower_(i) * b(i);
      }
    }
    b(n - 1) /= diag_(n - 1);
    if (n > 1) b(n - 2) = (b(n - 2) - upper_(n - 2) * b(n - 1)) / diag_(n - 2);
    for (Eigen::Index i = n - 3; i >= 0; --i)
      b(i) = (b(i) - upper_(i) * b(i + 1) - upper2_(i) * b(i + 2)) / diag_(i);
  }

 private:
  Eigen::VectorXd lower_, diag_, upper_, upper2_;
  std::vector<bool> swapped_;
};

// ‖T‖₁ of the symmetric tridiagonal matrix (its largest absolute column sum).
double one_norm(const Eigen::VectorXd& diagonal, const Eigen::VectorXd& off) {
  const Eigen::Index n = diagonal.size();
  double norm = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    double column = std::abs(diagonal(i));
    if (i > 0) column += std::abs(off(i - 1));
    if (i + 1 < n) column += std::abs(off(i));
    norm = std::max(norm, column);
  }
  return norm;
}

}  // namespace

SymmetricSpectrum::SymmetricSpectrum(const Eigen::Ref<const Eigen::MatrixXd>& matrix) {
  if (matrix.rows() != matrix.cols() || matrix.rows() < 1) {
    throw Error(ErrorKind::Internal, "an eigen-decomposition needs a square matrix; got " +
                                         std::to_string(matrix.rows()) + "×" +
                                         std::to_string(matrix.cols()));
  }
  // The lower triangle's largest |entry|, and no copy of it: at N = 3000 a copy is 72 MB more.
  const Eigen::Index n = matrix.rows();
  double largest = 0;
  for (Eigen::Index j = 0; j < n; ++j) {
    const auto column = matrix.col(j).tail(n - j);
    if (!column.allFinite()) throw Error("the matrix to decompose holds NaN or infinite values");
    largest = std::max(largest, column.cwiseAbs().maxCoeff());
  }
  scale_ = largest > 0 ? largest : 1;
  reduction_.compute(matrix / scale_);  // evaluated into the reduction's own matrix; reads the
                                        // lower triangle only
  diagonal_ = reduction_.diagonal();
  subdiagonal_ = reduction_.subDiagonal();
  norm_ = std::max(one_norm(diagonal_, subdiagonal_), std::numeric_limits<double>::min());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> values;
  values.computeFromTridiagonal(diagonal_, subdiagonal_, Eigen::EigenvaluesOnly);
  if (values.info() != Eigen::Success) throw Error("the eigensolver did not converge on this data");
  scaled_ = values.eigenvalues().reverse();
  values_ = scaled_ * scale_;
}

Eigen::MatrixXd SymmetricSpectrum::tridiagonal_vectors(int64_t k) const {
  const int64_t n = dim();
  const double norm = norm_;
  const double cluster_gap = 1e-3 * norm;  // closer eigenvalues: their vectors made orthogonal
  const double separation = 10 * kEps * norm;
  const double growth = std::sqrt(0.1 / static_cast<double>(n));  // dstein's convergence test
  std::mt19937_64 random(20261201);  // fully specified by the standard: the same in every build
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  Eigen::MatrixXd z(n, k);
  Eigen::VectorXd v(n);
  double previous = 0;
  int64_t cluster = 0;
  for (int64_t j = 0; j < k; ++j) {
    double shift = scaled_(j);
    if (j > 0 && previous - shift < separation) shift = previous - separation;
    if (j > 0 && previous - shift > cluster_gap) cluster = j;
    previous = shift;
    const ShiftedTridiagonalLu lu(diagonal_, subdiagonal_, shift, kEps * norm);
    for (int64_t i = 0; i < n; ++i) v(i) = uniform(random);
    int passed = 0;
    for (int iteration = 0; iteration < kMaxIterations; ++iteration) {
      const double l1 = v.lpNorm<1>();
      if (!(l1 > 0)) {  // orthogonalized away: start again from new random numbers
        for (int64_t i = 0; i < n; ++i) v(i) = uniform(random);
        continue;
      }
      v *= static_cast<double>(n) * norm * std::max(kEps, std::abs(lu.last_pivot())) / l1;
      lu.solve(v);
      for (int64_t c = cluster; c < j; ++c) v -= z.col(c).dot(v) * z.col(c);
      if (v.lpNorm<Eigen::Infinity>() < growth) continue;
      if (++passed > kExtraIterations) break;
    }
    const double length = v.norm();
    z.col(j) = length > 0 && std::isfinite(length) ? Eigen::VectorXd(v / length)
                                                   : Eigen::VectorXd::Zero(n);
  }
  return z;
}

// Each column an eigenvector of the tridiagonal matrix (residual) and all of them orthonormal,
// both to about a thousand times what LAPACK guarantees.
bool SymmetricSpectrum::acceptable(const Eigen::MatrixXd& z) const {
  const int64_t n = dim();
  const double tolerance = 1e3 * static_cast<double>(n) * kEps;
  const double norm = norm_;
  Eigen::VectorXd residual(n);
  for (Eigen::Index j = 0; j < z.cols(); ++j) {
    const auto v = z.col(j);
    residual = diagonal_.cwiseProduct(v) - scaled_(j) * v;
    residual.head(n - 1) += subdiagonal_.cwiseProduct(v.tail(n - 1));
    residual.tail(n - 1) += subdiagonal_.cwiseProduct(v.head(n - 1));
    if (!(residual.norm() <= tolerance * norm)) return false;
  }
  const Eigen::MatrixXd gram = z.transpose() * z;
  const double off = (gram - Eigen::MatrixXd::Identity(z.cols(), z.cols())).cwiseAbs().maxCoeff();
  return off <= tolerance;
}

Eigen::MatrixXd SymmetricSpectrum::top_vectors(int64_t k) const {
  const int64_t n = dim();
  if (k < 0 || k > n) {
    throw Error(ErrorKind::Internal, "asked for " + std::to_string(k) + " eigenvectors of a " +
                                         std::to_string(n) + "×" + std::to_string(n) + " matrix");
  }
  fell_back_ = false;
  if (k == 0) return Eigen::MatrixXd(n, 0);
  Eigen::MatrixXd z;
  // Past a quarter of them, the full tridiagonal solution costs about as much as inverse
  // iteration and the back-transformation of that many vectors.
  if (4 * k <= n) {
    z = tridiagonal_vectors(k);
    fell_back_ = !acceptable(z);
  }
  if (4 * k > n || fell_back_) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> full;
    full.computeFromTridiagonal(diagonal_, subdiagonal_, Eigen::ComputeEigenvectors);
    if (full.info() != Eigen::Success) throw Error("the eigensolver did not converge on this data");
    z = full.eigenvectors().rightCols(k).rowwise().reverse();
  }
  return reduction_.matrixQ() * z;
}

}  // namespace pcarecon
