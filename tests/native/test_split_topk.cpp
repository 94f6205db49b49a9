// The top-K solver split over two workers (split_topk.h): the side holding the stack (SplitTopK)
// and the helper's copy of the other rows (RowsShare), whose partial passes travel as state, give
// the one-worker fit; 8-bit shares equal float32 ones; misuse is refused with a message.
// The Explorer's cost-chosen fit: top-K for wide images, exact (every component) for narrow ones.

#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <vector>

#include "error_of.h"
#include "explorer.h"
#include "npy_test_support.h"
#include "split_topk.h"

using namespace pcarecon;

namespace {

// N×D whole numbers in [0, 255] with a decaying spectrum: pixel j of row i is a few smooth
// patterns with random weights, plus noise.
RowMatrixF bytes_like(int64_t n, int64_t d, uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal;
  RowMatrixF out(n, d);
  for (int64_t i = 0; i < n; ++i) {
    const double a = normal(engine), b = normal(engine), c = normal(engine);
    for (int64_t j = 0; j < d; ++j) {
      const double v = 128 + 40 * a * std::cos(j / 7.0) + 25 * b * std::sin(j / 3.0) +
                       12 * c * std::cos(j / 1.7) + 6 * normal(engine);
      out(i, j) = static_cast<float>(std::clamp(std::round(v), 0.0, 255.0));
    }
  }
  return out;
}

std::vector<uint8_t> raw_bytes(const RowMatrixF& rows, int64_t begin, int64_t count) {
  std::vector<uint8_t> out(static_cast<size_t>(count * rows.cols() * 4));
  std::memcpy(out.data(), rows.row(begin).data(), out.size());
  return out;
}

std::vector<uint8_t> as_uint8(const RowMatrixF& rows, int64_t begin, int64_t count) {
  std::vector<uint8_t> out;
  for (int64_t i = begin; i < begin + count; ++i)
    for (int64_t j = 0; j < rows.cols(); ++j) out.push_back(static_cast<uint8_t>(rows(i, j)));
  return out;
}

// `rows` loaded into the Explorer as a float32 .npy of (N, h, w) images.
void load_npy(Explorer& ex, const RowMatrixF& rows, int64_t h, int64_t w) {
  const std::vector<uint8_t> data = raw_bytes(rows, 0, rows.rows());
  const Bytes file = npy_test::make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                                            std::to_string(rows.rows()) + ", " + std::to_string(h) +
                                            ", " + std::to_string(w) + "), }",
                                        std::string(data.begin(), data.end()));
  ex.begin_file();
  ex.feed(file.data(), file.size());
  ex.finish_file();
}

PcaModel split_fit(const RowMatrixF& rows, int64_t own, const RowsShare& share, int64_t k) {
  TopKOptions options;
  options.n_components = k;
  SplitTopK split(StackRows::of(rows).middle_rows(0, own), rows.rows(), options);
  split.own_moments();
  split.merge_moments(share.moments(split.shift()));
  while (!split.done()) {
    split.own_pass();
    split.merge_pass(share.gram(split.mean(), split.basis()), share.rows().rows());
  }
  return split.model();
}

}  // namespace

TEST_CASE("split top-K: the helper's share merged each pass gives the one-worker fit") {
  const RowMatrixF rows = bytes_like(400, 300, 3);
  TopKOptions options;
  options.n_components = 8;
  const PcaModel whole = fit_topk(StackRows::of(rows), options);
  const RowsShare floats(RowType::Float32, raw_bytes(rows, 170, 230), 230, 300, 170);
  const RowsShare bytes(RowType::UInt8, as_uint8(rows, 170, 230), 230, 300, 170);
  for (const RowsShare* share : {&floats, &bytes}) {
    const PcaModel split = split_fit(rows, 170, *share, 8);
    CHECK(split.explained_variance.isApprox(whole.explained_variance, 1e-6));
    CHECK(split.mean.isApprox(whole.mean, 1e-9));
    CHECK((split.components * whole.components.transpose()).cwiseAbs().diagonal().minCoeff() >
          0.9999);
  }
}

TEST_CASE("split top-K: misuse and bad shares are refused with a message") {
  const RowMatrixF rows = bytes_like(50, 40, 4);
  CHECK_THAT(error_of([&] { RowsShare(RowType::UInt8, std::vector<uint8_t>(10), 2, 40, 0); }),
             Catch::Contains("a share of 2 rows of 40 uint8 values from sample 0 cannot be made "
                             "of 10 bytes"));
  TopKOptions options;
  options.n_components = 5;
  SplitTopK split(StackRows::of(rows).middle_rows(0, 20), 50, options);
  CHECK_THAT(error_of([&] { (void)split.done(); }), Catch::Contains("has not merged its moments"));
  split.own_moments();
  MomentsState bad =
      RowsShare(RowType::Float32, raw_bytes(rows, 20, 30), 30, 40, 20).moments(split.shift());
  bad.count = 29;  // not the rows the solver expects
  CHECK_THAT(error_of([&] { split.merge_moments(bad); }), Catch::Contains("the moments cover 49"));
}

TEST_CASE("Explorer: the page's fit is Gram or top-K for wide images, exact for narrow ones") {
  // 400 images of 64×64 (D = 4096 > N): by cost the Gram path, K exact components.
  const RowMatrixF wide = bytes_like(400, 4096, 5);
  Explorer ex;
  load_npy(ex, wide, 64, 64);
  CHECK(ex.plan_fit(10).kind == SolverKind::Gram);
  ex.fit_for_view(10);
  REQUIRE(ex.fit_report());
  CHECK(ex.fit_report()->solver == SolverKind::Gram);
  CHECK(ex.model().n_components() == 10);
  const Eigen::VectorXd exact = ex.model().explained_variance;
  // The top-K solver when asked for, split as the page does.
  ex.set_fit_solver(SolverRequest::Randomized);
  CHECK(ex.plan_fit(10).kind == SolverKind::Randomized);
  ex.fit_for_view(10);
  REQUIRE(ex.fit_report());
  CHECK(ex.fit_report()->solver == SolverKind::Randomized);
  CHECK(ex.model().n_components() == 10);
  const Eigen::VectorXd one_worker = ex.model().explained_variance;
  ex.begin_split_topk(10, 170);
  const std::vector<uint8_t> rest = raw_bytes(wide, 170, 230);
  const PcaModel split =
      split_fit(wide, 170, RowsShare(RowType::Float32, rest, 230, 4096, 170), 10);
  SplitTopK& s = ex.split_topk();
  s.own_moments();
  const RowsShare share(RowType::Float32, rest, 230, 4096, 170);
  s.merge_moments(share.moments(s.shift()));
  while (!s.done()) {
    s.own_pass();
    s.merge_pass(share.gram(s.mean(), s.basis()), 230);
  }
  ex.finish_split_topk();
  CHECK(ex.model().explained_variance.isApprox(one_worker, 1e-6));
  // captured variance: at most the exact answer's (this data's spectrum is flat: no closer bound)
  CHECK(ex.model().explained_variance.sum() <= exact.sum() * (1 + 1e-12));
  CHECK(ex.model().explained_variance.isApprox(split.explained_variance, 1e-12));
  CHECK(ex.fit_report()->passes >= 2);
  // Narrow images: the exact covariance, K components and every eigenvalue; a larger K comes
  // from its decomposition (extend_fit), no new pass over the rows.
  Explorer narrow;
  load_npy(narrow, bytes_like(400, 64, 6), 8, 8);
  narrow.fit_for_view(10);
  CHECK(narrow.fit_report()->solver == SolverKind::Exact);
  CHECK(narrow.model().n_components() == 10);
  CHECK(narrow.model().spectrum.size() == 64);
  const int64_t fits = narrow.fit_count();
  CHECK(narrow.fit_report()->passes == 1);
  CHECK(narrow.extend_fit(30));
  CHECK(narrow.model().n_components() == 30);
  CHECK(narrow.fit_report()->passes == 0);  // from the decomposition, as the worker's FIT says
  CHECK(narrow.fit_count() == fits + 1);
  CHECK_THAT(error_of([&] { ex.split_topk(); }), Catch::Contains("no split fit is in progress"));
}
