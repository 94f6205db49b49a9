// An exact fit made lazily (pca.h, ExactFit): K pairs by Lanczos at once, every eigenvalue when
// asked for, and the same model as the fit that makes every eigenvalue first.

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "byte_rows.h"
#include "pca.h"
#include "symmetric_spectrum.h"

using namespace pcarecon;

namespace {

CovarianceAccumulator accumulated(int64_t n, int64_t d) {
  const std::vector<uint8_t> bytes = pcarecon_test::byte_rows(n, d, 7, 6);
  CovarianceAccumulator accumulator(d);
  accumulator.add(StackRows::uint8(bytes.data(), n, d));
  return accumulator;
}

}  // namespace

TEST_CASE("a lazy exact fit: K pairs now, every eigenvalue later, the model of the full one") {
  const int64_t n = 1500, d = 300, k = 20;
  const CovarianceAccumulator accumulator = accumulated(n, d);
  ExactFit full = exact_fit(accumulator);
  ExactFit lazy = exact_fit(accumulator, k);
  REQUIRE(full.spectrum);
  REQUIRE(lazy.top);
  CHECK_FALSE(lazy.spectrum);
  CHECK(lazy.covariance);

  const PcaModel whole = full.model(k);
  const PcaModel early = lazy.model(k);
  CHECK(early.spectrum.size() == 0);  // the variance chart's eigenvalues come later
  CHECK(whole.spectrum.size() == d);
  CHECK(early.explained_variance.isApprox(whole.explained_variance, 1e-12));
  CHECK(early.total_variance == whole.total_variance);
  CHECK(early.mean == whole.mean);
  // Each component, signs made canonical by make_model: the eigenvalues here are apart by far
  // more than the solvers' 1e-12, so the vectors agree to ~1e-9.
  for (int64_t i = 0; i < k; ++i) {
    INFO("component " << i);
    CHECK((early.components.row(i) - whole.components.row(i)).norm() < 1e-7);
  }
  CHECK(lazy.model(5).components.rows() == 5);
  CHECK_FALSE(lazy.spectrum);  // up to K: still from the pairs

  lazy.make_spectrum();
  REQUIRE(lazy.spectrum);
  CHECK_FALSE(lazy.covariance);  // given up once the spectrum is made
  CHECK(lazy.spectrum->eigenvalues() == full.spectrum->eigenvalues());
  CHECK(lazy.model(k).spectrum.size() == d);

  // More components than the pairs: the spectrum is made first.
  ExactFit more = exact_fit(accumulator, k);
  const PcaModel wider = more.model(2 * k);
  CHECK(more.spectrum);
  CHECK(wider.explained_variance.isApprox(full.model(2 * k).explained_variance, 1e-12));
}

TEST_CASE("a lazy exact fit is declined where every eigenvalue costs little") {
  const CovarianceAccumulator narrow = accumulated(500, kLazySpectrumMin - 1);
  CHECK(exact_fit(narrow, 10).spectrum);  // D below kLazySpectrumMin
  const CovarianceAccumulator wide = accumulated(1500, 300);
  CHECK(exact_fit(wide, 76).spectrum);  // 4·K > D
  CHECK(exact_fit(wide, 75).top);
  CHECK(exact_fit(wide, 0).spectrum);  // K = 0: every component
}
