// largest_eigenpairs.h: Spectra's Lanczos, then the check for eigenvalues it missed.

#include "largest_eigenpairs.h"

#include <Spectra/MatOp/DenseSymMatProd.h>
#include <Spectra/SymEigsSolver.h>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <algorithm>
#include <exception>

namespace pcarecon {

namespace {

// The first run converges each eigenvalue to this fraction of itself (Spectra's test on the Ritz
// estimates); the check only needs to tell the deflated matrix's largest eigenvalues from the
// K-th, so it stops earlier: a missed eigenvalue within 1e-6 of the K-th is a near-equal pair,
// whose vectors no solver defines.
constexpr double kTolerance = 1e-12;
constexpr double kCheckTolerance = 1e-6;
constexpr int64_t kCheckValues = 8;  // eigenvalues each check asks for (missed ones per round)
constexpr int kMaxChecks = 4;
constexpr int kMaxRestarts = 1000;

// y = (A − U·Λ·Uᵀ)·x: the matrix with the pairs found taken out (Spectra's operator concept).
class DeflatedProduct {
 public:
  using Scalar = double;
  DeflatedProduct(const Eigen::Ref<const Eigen::MatrixXd>& lower, const Eigenpairs& found)
      : lower_(lower), found_(found) {}
  Eigen::Index rows() const { return lower_.rows(); }
  Eigen::Index cols() const { return lower_.rows(); }
  void perform_op(const double* x_in, double* y_out) const {
    const Eigen::Map<const Eigen::VectorXd> x(x_in, rows());
    Eigen::Map<Eigen::VectorXd> y(y_out, rows());
    y.noalias() = lower_.selfadjointView<Eigen::Lower>() * x;
    const Eigen::VectorXd along = found_.values.cwiseProduct(found_.vectors.transpose() * x);
    y.noalias() -= found_.vectors * along;
  }

 private:
  const Eigen::Ref<const Eigen::MatrixXd>& lower_;
  const Eigenpairs& found_;
};

// Spectra's k largest eigenpairs of `op` (N×N); nothing unless all k converged.
template <class Op>
std::optional<Eigenpairs> lanczos(Op& op, int64_t n, int64_t k, int64_t ncv, double tolerance) {
  Spectra::SymEigsSolver<Op> solver(op, static_cast<Eigen::Index>(k),
                                    static_cast<Eigen::Index>(std::min(ncv, n)));
  solver.init();  // Spectra's fixed-seed start: the same answer every run
  solver.compute(Spectra::SortRule::LargestAlge, kMaxRestarts, tolerance);
  if (solver.info() != Spectra::CompInfo::Successful) return std::nullopt;
  return Eigenpairs{solver.eigenvalues(), solver.eigenvectors()};
}

// The k largest eigenpairs of A within the span of `found`'s vectors and `extra` (Rayleigh–Ritz).
Eigenpairs merged(const Eigen::Ref<const Eigen::MatrixXd>& lower, const Eigenpairs& found,
                  const Eigen::MatrixXd& extra, int64_t k) {
  const int64_t n = lower.rows(), m = found.vectors.cols() + extra.cols();
  Eigen::MatrixXd basis(n, m);
  basis << found.vectors, extra;
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(basis);
  basis = qr.householderQ() * Eigen::MatrixXd::Identity(n, m);
  const Eigen::MatrixXd projected =
      basis.transpose() * (lower.selfadjointView<Eigen::Lower>() * basis);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> small(projected);  // ascending
  return Eigenpairs{small.eigenvalues().reverse().head(k),
                    basis * small.eigenvectors().rowwise().reverse().leftCols(k)};
}

}  // namespace

std::optional<Eigenpairs> largest_eigenpairs(const Eigen::Ref<const Eigen::MatrixXd>& lower,
                                             int64_t k) {
  const int64_t n = lower.rows();
  if (k < 1 || 2 * k + 2 > n || lower.cols() != n) return std::nullopt;
  for (int64_t j = 0; j < n; ++j)
    if (!lower.col(j).tail(n - j).allFinite()) return std::nullopt;
  try {
    Spectra::DenseSymMatProd<double, Eigen::Lower> product(lower);
    std::optional<Eigenpairs> found = lanczos(product, n, k, 2 * k + 1, kTolerance);
    for (int check = 0; found && check < kMaxChecks; ++check) {
      const double kth = found->values(k - 1);
      const double margin = kCheckTolerance * std::max(std::abs(found->values(0)), 1e-300);
      const int64_t asked = std::min(kCheckValues, n - k - 1);
      if (asked < 1) return found;
      DeflatedProduct deflated(lower, *found);
      auto count_missed = [&](const Eigenpairs& rest) {
        int64_t missed = 0;
        while (missed < asked && rest.values(missed) > kth + margin) ++missed;
        return missed;
      };
      std::optional<Eigenpairs> rest = lanczos(deflated, n, asked, 3 * asked + 3, kCheckTolerance);
      if (!rest) return std::nullopt;
      if (count_missed(*rest) == 0) return found;
      // Missed ones: their vectors to the first run's precision before they are merged in.
      rest = lanczos(deflated, n, asked, 3 * asked + 3, kTolerance);
      if (!rest) return std::nullopt;
      found = merged(lower, *found, rest->vectors.leftCols(count_missed(*rest)), k);
    }
  } catch (const std::exception&) {  // Spectra's argument and convergence errors
  }
  return std::nullopt;
}

}  // namespace pcarecon
