#pragma once
// The K largest eigenpairs of a large symmetric matrix, without its whole spectrum.
//
// symmetric_spectrum.h reduces the matrix to tridiagonal form first: O(N³) memory-bound work,
// 12.8 s for the 3000×3000 Gram matrix of 3000 crops of 256×256 in wasm. Here the eigenpairs
// come from Spectra's implicitly restarted Lanczos method (ARPACK's, which scikit-learn's
// svd_solver='arpack' runs): O(N²) per step, about 130 steps for K = 50 there, 0.6 s.
//
// One Krylov space finds one vector per eigenvalue: a repeated eigenvalue (images that are
// shifts of each other give exact pairs) may be found fewer times than it occurs. So the answer
// is checked: Lanczos again on the matrix less the pairs found, whose largest eigenvalues must
// fall below the K-th; any that do not are merged in (Rayleigh–Ritz on the union) and the check
// repeats. Converged to 1e-12 of each eigenvalue, as the full solver's answer up to rounding.

#include <Eigen/Core>
#include <cstdint>
#include <optional>

namespace pcarecon {

struct Eigenpairs {
  Eigen::VectorXd values;   // largest first
  Eigen::MatrixXd vectors;  // N×K, orthonormal, column i for values(i)
};

// The k largest eigenpairs of the symmetric matrix whose lower triangle is `lower`. Nothing
// (std::nullopt) when Lanczos does not apply or does not settle: k < 1, 2k + 2 > N, no
// convergence, or still finding missed eigenvalues after a few checks. The caller then takes a
// full solver; nothing here throws.
std::optional<Eigenpairs> largest_eigenpairs(const Eigen::Ref<const Eigen::MatrixXd>& lower,
                                             int64_t k);

}  // namespace pcarecon
