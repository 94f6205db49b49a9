#include "fit_by_cost.h"

#include <algorithm>
#include <limits>
#include <string>

#include "error.h"
#include "gram_fit.h"

namespace pcarecon {

const char* solver_kind_name(SolverKind kind) {
  switch (kind) {
    case SolverKind::Exact:
      return "exact";
    case SolverKind::Randomized:
      return "randomized";
    case SolverKind::Gram:
      return "gram";
  }
  return "?";
}

std::optional<SolverRequest> solver_request_named(const std::string& name) {
  if (name == "auto") return SolverRequest::Auto;
  if (name == "exact") return SolverRequest::Exact;
  if (name == "randomized") return SolverRequest::Randomized;
  if (name == "gram") return SolverRequest::Gram;
  return std::nullopt;
}

SolverChoice choose_solver(int64_t n_samples, int64_t dim, int64_t n_components, RowType type,
                           double memory_bytes) {
  // Relative costs per multiply-add, against a float32 matrix product: the 16-bit scatter kernel
  // runs about 2.5× faster, a double rank update about half as fast, and Eigen's symmetric
  // eigensolver with every vector costs about 5·D³ of them (wasm, README's Speed section). With
  // K ≤ D/4 vectors (symmetric_spectrum.h: the reduction, all eigenvalues, K vectors by inverse
  // iteration) about 1.5·D³: 5× less than every vector natively at D = 784…2000; in wasm the
  // 784×784 covariance took 0.1 s against 0.35 s, and the Gram path of 3000×256×256 uint8 crops
  // 25 s in one thread where the top-K solver takes about 80.
  constexpr double kIntegerScatter = 0.4;
  constexpr double kDoubleScatter = 2.0;
  constexpr double kFloatScatter = 1.0;  // the Gram path's float32 block products
  constexpr double kEigenAllVectors = 5.0;
  constexpr double kEigenTopVectors = 1.5;
  constexpr double kThinPerCube = 10.0;  // SVD of the N×N triangle
  // The thin path's Householder QR of the D×N doubles runs at a fraction of a float32 product's
  // speed: 300×65536 took 337 s in wasm on a loaded machine where the top-K solver's 9 passes over
  // 3000×12288 took 75 s.
  constexpr double kThinQr = 8.0;
  constexpr double kTypicalPasses = 8.5;  // Gram passes + the moments pass, on natural images
  const double n = static_cast<double>(n_samples);
  const double d = static_cast<double>(dim);
  const int64_t k = n_components > 0 ? n_components : std::min(n_samples, dim);
  // The eigensolver's cost per cube of its size (D, or N for the Gram matrix).
  auto eigen_per_cube = [k](int64_t size) {
    return 4 * k <= size ? kEigenTopVectors : kEigenAllVectors;
  };
  const double l = static_cast<double>(std::min(k + std::max<int64_t>(10, k / 2), dim));

  SolverChoice choice;
  if (n >= d) {
    const double scatter = row_type_whole(type) ? kIntegerScatter : kDoubleScatter;
    choice.exact_work = n * d * d / 2 * scatter + eigen_per_cube(dim) * d * d * d;
    choice.exact_bytes = 3 * d * d * 8;  // scatter, the solver's copy, its eigenvectors
  } else {
    choice.exact_work = 2 * n * n * d * kThinQr + kThinPerCube * n * n * n;
    choice.exact_bytes = d * n * 8 + 2 * n * n * 8;  // the centred copy, R and its vectors
  }
  // Its basis (D×l float32) and product leave the cache for the widest images: 300×65536 and
  // 1000×65536 uint8 ran at half the speed per multiply-add of 3000×12288 (wasm, node, one thread).
  const double basis_out_of_cache = d * l * 4 > 8e6 ? 2.0 : 1.0;
  choice.randomized_work = kTypicalPasses * 2 * n * d * l * basis_out_of_cache;
  choice.randomized_bytes =
      d * l * 8 * 4 + d * l * 4 * 2 + static_cast<double>(StackRows::block_rows(dim)) * d * 4;
  // Below this the exact answer costs a fraction of a second: take it, whatever K.
  constexpr double kSmallWork = 2e9;
  const bool randomized_fits = choice.randomized_bytes <= memory_bytes;
  if (n < d) {  // the Gram path: the same exact answer as the thin one, for less work
    const double scatter = row_type_whole(type) ? kIntegerScatter : kFloatScatter;
    // A large G's K largest pairs by Lanczos (gram_fit.h): about 4·(2K + 1) products with G, each
    // N² memory-bound double multiply-adds (3000×3000, K = 50: 0.9 s in wasm where G took 14.6).
    // Otherwise every eigenvalue: Eigen's tridiagonal reduction turns memory-bound once the N×N
    // doubles leave the cache (1000×65536 uint8 took 13.7 s in all with every vector in wasm,
    // 3000×12288 224 s, nearly all of it the 3000×3000 eigensolver, ≈ 20·N³, at load 10).
    const bool lanczos = gram_by_lanczos(n_samples, k);
    const double steps = 4 * (2 * static_cast<double>(k) + 1);
    const double eigen = lanczos ? kDoubleScatter * steps * n * n
                                 : eigen_per_cube(n_samples) * std::max(1.0, n / 750) * n * n * n;
    choice.gram_work = n * n * d / 2 * scatter + eigen + n * d * static_cast<double>(k) +
                       kDoubleScatter * d * k * k;
    // G in double and the kernel's 32-bit sums; the full solver's reduction holds another N².
    choice.gram_bytes = (lanczos ? 1 : 2) * n * n * 8 + 4 * n * n + 4096 * n +
                        3 * d * static_cast<double>(k) * 8 + 2 * n * steps / 4 * 8;
    const bool gram_fits = choice.gram_bytes <= memory_bytes;
    // Float32 rows: G's float32 products leave the smallest variances at ≈1e-4 relative, where the
    // thin path's doubles give 1e-12; when that costs a fraction of a second, take it.
    if (!row_type_whole(type) && choice.exact_work <= kSmallWork &&
        choice.exact_bytes <= memory_bytes) {
      choice.kind = SolverKind::Exact;
      return choice;
    }
    const bool randomized_cheaper =
        choice.randomized_work < choice.gram_work && choice.gram_work > kSmallWork;
    choice.kind = randomized_fits && (!gram_fits || randomized_cheaper) ? SolverKind::Randomized
                                                                        : SolverKind::Gram;
    return choice;
  }
  choice.gram_work = std::numeric_limits<double>::infinity();
  choice.gram_bytes = std::numeric_limits<double>::infinity();
  const bool exact_fits = choice.exact_bytes <= memory_bytes;
  const bool randomized_cheaper =
      choice.randomized_work < choice.exact_work && choice.exact_work > kSmallWork;
  choice.kind = randomized_fits && (!exact_fits || randomized_cheaper) ? SolverKind::Randomized
                                                                       : SolverKind::Exact;
  return choice;
}

namespace {

PcaModel fit_exact(const StackRows& rows, int64_t n_components) {
  const int64_t n = rows.rows();
  const int64_t d = rows.cols();
  const Eigen::VectorXf zero = Eigen::VectorXf::Zero(d);
  PcaOptions options;
  options.n_components = n_components;
  options.solver = PcaSolver::Covariance;
  RowMatrixF work;
  if (n < d) {  // the thin path needs the rows together
    rows.centred_block(0, n, zero, work);
    return fit_pca(work, options);
  }
  CovarianceAccumulator accumulator(d);
  const int64_t block = StackRows::block_rows(d);
  for (int64_t r = 0; r < n; r += block) {
    rows.centred_block(r, std::min(block, n - r), zero, work);
    accumulator.add(work);
  }
  return fit_pca(accumulator, n_components);
}

}  // namespace

SolverKind requested_solver(SolverRequest request, SolverKind chosen) {
  switch (request) {
    case SolverRequest::Exact:
      return SolverKind::Exact;
    case SolverRequest::Randomized:
      return SolverKind::Randomized;
    case SolverRequest::Gram:
      return SolverKind::Gram;
    case SolverRequest::Auto:
      break;
  }
  return chosen;
}

StackFit fit_stack(const StackRows& rows, int64_t n_components, SolverRequest request,
                   double memory_bytes, const TopKOptions& topk) {
  StackFit out;
  out.estimate = choose_solver(rows.rows(), rows.cols(), n_components, rows.type(), memory_bytes);
  out.solver = requested_solver(request, out.estimate.kind);
  if (out.solver == SolverKind::Gram) {
    if (rows.rows() >= rows.cols())
      throw Error("the Gram solver is for fewer samples than values per image; this stack has " +
                  std::to_string(rows.rows()) + " samples of " + std::to_string(rows.cols()) +
                  " values (use exact)");
    out.model = fit_gram(rows, n_components);
    out.passes = 2;  // G with the column sums, then the components
    return out;
  }
  if (out.solver == SolverKind::Exact) {
    out.model = fit_exact(rows, n_components);
    out.passes = 1;
    return out;
  }
  TopKOptions options = topk;
  options.n_components = n_components;
  out.model = fit_topk(rows, options, &out.passes);
  out.passes += 1;  // the moments pass
  return out;
}

}  // namespace pcarecon
