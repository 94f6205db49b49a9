#pragma once
// Symmetric test matrices with chosen eigenvalues (test_symmetric_spectrum.cpp,
// test_largest_eigenpairs.cpp).

#include <Eigen/Core>
#include <Eigen/QR>
#include <cstdint>
#include <random>

namespace pcarecon_test {

inline Eigen::MatrixXd random_orthogonal(int64_t n, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd g(n, n);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < n; ++i) g(i, j) = normal(random);
  return Eigen::HouseholderQR<Eigen::MatrixXd>(g).householderQ();
}

// Q·diag(values)·Qᵀ for a random orthogonal Q.
inline Eigen::MatrixXd with_eigenvalues(const Eigen::VectorXd& values, uint64_t seed) {
  const Eigen::MatrixXd q = random_orthogonal(values.size(), seed);
  return q * values.asDiagonal() * q.transpose();
}

}  // namespace pcarecon_test
