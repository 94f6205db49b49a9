#pragma once
// Every eigenvalue of a symmetric matrix, and eigenvectors for only the largest of them.
//
// A full eigensolver spends most of its time accumulating every QL rotation into D×D vectors (for
// the 784×784 covariance of Fashion-MNIST in wasm: 0.3 s, against 0.1 s for the eigenvalues).
// Here the matrix is reduced to tridiagonal form once (Eigen's Householder reduction), all its
// eigenvalues come from Eigen's QL iteration without vectors, and each wanted vector from inverse
// iteration on the tridiagonal matrix (the method of LAPACK's dstein), carried back through the
// Householder reflections: O(D²·K) for K vectors. Every set of vectors is checked (residual and
// orthogonality); a set that fails the check is remade from the full tridiagonal solution, so the
// answer is always the exact one. The reduction is kept: more vectors later cost O(D²) each.

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <cstdint>

namespace pcarecon {

class SymmetricSpectrum {
 public:
  // Reduces `matrix` (symmetric; its lower triangle is read). Error if it holds NaN/Inf or the
  // eigenvalue iteration does not converge.
  explicit SymmetricSpectrum(const Eigen::Ref<const Eigen::MatrixXd>& matrix);

  int64_t dim() const { return values_.size(); }
  // All eigenvalues, largest first.
  const Eigen::VectorXd& eigenvalues() const { return values_; }
  // D×k, orthonormal columns: column i is the eigenvector of eigenvalues()(i). Error unless
  // 0 <= k <= dim().
  Eigen::MatrixXd top_vectors(int64_t k) const;
  // Whether the last top_vectors call remade its vectors from the full solution (for tests).
  bool last_call_fell_back() const { return fell_back_; }

 private:
  Eigen::MatrixXd tridiagonal_vectors(int64_t k) const;  // k vectors of the tridiagonal matrix
  bool acceptable(const Eigen::MatrixXd& z) const;

  double scale_ = 1;  // the matrix is reduced divided by its largest |entry|, as Eigen does
  double norm_ = 0;   // ‖T‖₁ of the scaled tridiagonal matrix (at least the smallest double)
  Eigen::Tridiagonalization<Eigen::MatrixXd> reduction_;
  Eigen::VectorXd diagonal_;     // of the scaled tridiagonal matrix
  Eigen::VectorXd subdiagonal_;  // D − 1
  Eigen::VectorXd scaled_;       // its eigenvalues, largest first
  Eigen::VectorXd values_;       // scaled_ · scale_
  mutable bool fell_back_ = false;
};

}  // namespace pcarecon
