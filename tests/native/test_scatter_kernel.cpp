// The 16-bit integer scatter kernel (wasm/scatter_kernel.h), alone and as CovarianceAccumulator's
// Auto choice, on whole-number data that NumPy wrote in its own dtypes (tests/fixtures/
// scatter_cases.py): bit-for-bit the double kernel's scatter, NumPy's covariance to rounding, and
// scikit-learn's PCA within the tolerances of test_pca.cpp.

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "error.h"
#include "npy_reader.h"
#include "pca.h"
#include "scatter_kernel.h"

using namespace pcarecon;

namespace {

const std::string kDir = std::string(PCARECON_FIXTURES_DIR) + "/scatter/";

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) FAIL("cannot open " << path << ": run tests/fixtures/make_fixtures.py first");
  return nlohmann::json::parse(in);
}

struct Case {
  nlohmann::json entry;
  RowMatrixF rows;  // as the page holds them: read and converted to float32 by the .npy reader
  nlohmann::json expected;
};

Case load_entry(const nlohmann::json& entry) {
  Case c;
  c.entry = entry;
  const int64_t cols = entry.at("cols").get<int64_t>();
  c.rows = read_npy_file(kDir + entry.at("npy").get<std::string>(), ImageShape{1, cols}).rows;
  REQUIRE(c.rows.rows() == entry.at("rows").get<int64_t>());
  c.expected = read_json(kDir + entry.at("expected").get<std::string>());
  return c;
}

std::vector<std::string> case_names() {
  std::vector<std::string> out;
  const nlohmann::json listing = read_json(kDir + "cases.json");
  for (const auto& entry : listing.at("cases")) out.push_back(entry.at("name"));
  return out;
}

Case load_case(const std::string& name) {
  const nlohmann::json listing = read_json(kDir + "cases.json");
  for (const auto& entry : listing.at("cases")) {
    if (entry.at("name") == name) return load_entry(entry);
  }
  FAIL("no scatter fixture case " << name);
  return {};
}

Eigen::VectorXd to_vector(const nlohmann::json& j) {
  const auto v = j.get<std::vector<double>>();
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

Eigen::MatrixXd to_matrix(const nlohmann::json& j) {
  Eigen::MatrixXd m(j.size(), j.at(0).size());
  for (Eigen::Index i = 0; i < m.rows(); ++i) m.row(i) = to_vector(j.at(i)).transpose();
  return m;
}

// Σ v·vᵀ in exact 64-bit integers, v = x − shift: the reference for IntegerScatter itself.
Eigen::MatrixXd exact_scatter(const RowMatrixF& x, const std::vector<int32_t>& shift) {
  const int64_t d = x.cols();
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(d, d);
  for (int64_t i = 0; i < d; ++i) {
    for (int64_t j = 0; j <= i; ++j) {
      int64_t total = 0;
      for (int64_t r = 0; r < x.rows(); ++r) {
        total +=
            (static_cast<int64_t>(x(r, i)) - shift[i]) * (static_cast<int64_t>(x(r, j)) - shift[j]);
      }
      out(i, j) = static_cast<double>(total);
    }
  }
  return out;
}

// Feeds `x` to `scatter` in blocks of `block` rows; returns the flushed scatter.
Eigen::MatrixXd feed(IntegerScatter& scatter, const RowMatrixF& x,
                     const std::vector<int32_t>& shift, int64_t block) {
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(x.cols(), x.cols());
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(x.cols());
  for (int64_t r = 0; r < x.rows(); r += block) {
    REQUIRE(scatter.add(x.middleRows(r, std::min(block, x.rows() - r)), shift, sum, out));
  }
  scatter.flush(out);
  return out;
}

Eigen::MatrixXd lower(const Eigen::MatrixXd& m) { return m.triangularView<Eigen::Lower>(); }

}  // namespace

TEST_CASE("Auto's integer kernel gives the double kernel's scatter bit for bit", "[kernel]") {
  const std::string name = GENERATE(from_range(case_names()));
  INFO("case " << name);
  const Case c = load_case(name);
  const int64_t d = c.rows.cols();
  const int64_t n = c.rows.rows();
  CovarianceAccumulator exact(d, AccumulatorKernel::Float64);
  CovarianceAccumulator fast(d);  // Auto
  exact.add(c.rows);
  fast.add(c.rows);
  CHECK(fast.int16_rows() == c.entry.at("int16_rows").get<int64_t>());
  CHECK(exact.int16_rows() == 0);
  CHECK(fast.state().count == n);
  CHECK(lower(fast.state().scatter) == lower(exact.state().scatter));
  CHECK(fast.state().sum == exact.state().sum);
  CHECK(fast.covariance() == exact.covariance());
  CHECK(fast.mean() == exact.mean());

  // NumPy's mean and covariance, to rounding.
  const Eigen::VectorXd mean = to_vector(c.expected.at("mean"));
  CHECK((fast.mean() - mean).cwiseAbs().maxCoeff() <= 1e-12 * (1 + mean.cwiseAbs().maxCoeff()));
  if (c.expected.contains("covariance")) {
    const Eigen::MatrixXd covariance = to_matrix(c.expected.at("covariance"));
    CHECK((fast.covariance() - covariance).cwiseAbs().maxCoeff() <=
          1e-12 * covariance.cwiseAbs().maxCoeff());
  }

  // Fed in chunks of other sizes (other shifts, partial blocks and segments), still the double
  // kernel's result on the same chunks.
  const int64_t chunk = GENERATE(1, 7, 255, 513);
  INFO("chunks of " << chunk);
  CovarianceAccumulator exact_chunked(d, AccumulatorKernel::Float64), fast_chunked(d);
  for (int64_t r = 0; r < n; r += chunk) {
    const auto rows = c.rows.middleRows(r, std::min(chunk, n - r));
    exact_chunked.add(rows);
    fast_chunked.add(rows);
  }
  CHECK(lower(fast_chunked.state().scatter) == lower(exact_chunked.state().scatter));
  CHECK(fast_chunked.covariance() == exact_chunked.covariance());
}

TEST_CASE("the integer kernel's PCA matches scikit-learn", "[kernel]") {
  const Case c = load_case("u8_structured_1300x400");
  const int64_t k = c.expected.at("n_components").get<int64_t>();
  CovarianceAccumulator accumulator(c.rows.cols());
  accumulator.add(c.rows);
  REQUIRE(accumulator.int16_rows() == c.rows.rows());
  const PcaModel model = fit_pca(accumulator, k);
  const Eigen::VectorXd variance = to_vector(c.expected.at("explained_variance"));
  Eigen::MatrixXd components = to_matrix(c.expected.at("components"));
  canonicalize_signs(components);
  CHECK((model.mean - to_vector(c.expected.at("mean"))).cwiseAbs().maxCoeff() < 1e-10);
  for (int64_t i = 0; i < k; ++i) {
    INFO("component " << i);
    CHECK(std::abs(model.explained_variance(i) - variance(i)) <= 1e-8 * variance(0));
    CHECK(model.explained_variance_ratio(i) ==
          Approx(c.expected.at("explained_variance_ratio").at(i).get<double>()).epsilon(1e-8));
    // The data's 12 patterns have well separated variances; the noise components after them do not.
    if (i < 12) CHECK((model.components.row(i) - components.row(i)).cwiseAbs().maxCoeff() < 1e-6);
  }
}

TEST_CASE("IntegerScatter flushes before a column's sum of squares passes its limit", "[kernel]") {
  // Values of ±32767 around a shift of 0: one product is 32767² = 1073676289, a pair 2147352578
  // ≤ 2³¹ − 1, so with the real limit two rows fit between flushes and a third forces one.
  std::mt19937_64 engine(3);
  const int64_t d = 11;  // not a whole number of tiles
  RowMatrixF x(9, d);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = (engine() & 1) ? 32767.f : -32767.f;
  const std::vector<int32_t> zero(d, 0);
  IntegerScatter scatter(d);
  Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(d, d);
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(d);
  REQUIRE(scatter.add(x.topRows(2), zero, sum, sums));
  CHECK(sums.isZero());  // within the limit: nothing flushed yet
  REQUIRE(scatter.add(x.middleRows(2, 7), zero, sum, sums));
  CHECK_FALSE(sums.isZero());  // flushed on the way (rows 0..1, 2..3, ...)
  scatter.flush(sums);
  CHECK(lower(sums) == lower(exact_scatter(x, zero)));
  CHECK(sum == x.cast<double>().colwise().sum().transpose());

  // Uniform 0..255 around 128 with small limits: many flushes, inside blocks too; blocks of
  // sizes that leave partial groups of 8 and partial segments. Still exact.
  RowMatrixF u(1000, 19);
  for (Eigen::Index i = 0; i < u.size(); ++i) u.data()[i] = static_cast<float>(engine() % 256);
  std::vector<int32_t> shift(19);
  for (int64_t j = 0; j < 19; ++j) shift[j] = static_cast<int32_t>(100 + 3 * j);
  const Eigen::MatrixXd expected = lower(exact_scatter(u, shift));
  for (const int64_t limit :
       {int64_t{1}, int64_t{70000}, int64_t{5000000}, IntegerScatter::kDefaultLimit}) {
    for (const int64_t block : {int64_t{1}, int64_t{13}, int64_t{256}}) {
      INFO("limit " << limit << ", blocks of " << block);
      IntegerScatter small(u.cols(), limit);
      CHECK(lower(feed(small, u, shift, block)) == expected);
    }
  }
}

TEST_CASE("IntegerScatter takes whole numbers within 32767 of the shift, else changes nothing",
          "[kernel][errors]") {
  const std::vector<int32_t> shift = {5, -7, 0};
  RowMatrixF x(20, 3);
  x.col(0).setConstant(5.f + 32767.f);
  x.col(1).setConstant(-7.f - 32767.f);
  x.col(2).setConstant(32767.f);
  IntegerScatter scatter(3);
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(3, 3);
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(3);
  CHECK(scatter.add(x, shift, sum, out));
  scatter.flush(out);
  CHECK(lower(out) == lower(exact_scatter(x, shift)));

  for (const float bad : {-32768.f, 32768.f, 0.5f, 1e9f, -1e30f}) {
    INFO("value " << bad);
    RowMatrixF y = x;
    y(17, 2) = bad;  // in the last group of 8
    Eigen::MatrixXd out2 = out;
    Eigen::VectorXd sum2 = sum;
    CHECK_FALSE(scatter.add(y, shift, sum2, out2));
    scatter.flush(out2);
    CHECK(out2 == out);  // nothing added, nothing left pending
    CHECK(sum2 == sum);
  }

  // A whole group of large whole numbers in one column (an int32 file, found by npz_arrays_fuzz):
  // refused like the rest, and their sum, which passes 2³¹, must not be computed in int (UBSan).
  {
    RowMatrixF y = x;
    y.col(1).setConstant(static_cast<float>(1 << 29));  // 8 × (2²⁹ + 7) > 2³¹ − 1
    Eigen::MatrixXd out2 = out;
    Eigen::VectorXd sum2 = sum;
    CHECK_FALSE(scatter.add(y, shift, sum2, out2));
    scatter.flush(out2);
    CHECK(out2 == out);
    CHECK(sum2 == sum);
  }

  CHECK(IntegerScatter::integer_shift(Eigen::Vector3d(1, -2, 3)) == std::vector<int32_t>{1, -2, 3});
  CHECK(IntegerScatter::integer_shift(Eigen::Vector3d(1, 2.5, 3)).empty());
  CHECK(IntegerScatter::integer_shift(Eigen::Vector3d(1, 2, 1e12)).empty());

  CHECK_THROWS_WITH(IntegerScatter(0), Catch::Contains("at least 1 column; got 0"));
  CHECK_THROWS_WITH(IntegerScatter(4, 0), Catch::Contains("limit must be in [1, 2³¹ − 1]; got 0"));
  CHECK_THROWS_WITH(IntegerScatter(4, int64_t{1} << 31), Catch::Contains("got 2147483648"));
  CHECK_THROWS_WITH(scatter.add(RowMatrixF::Zero(300, 3), shift, sum, out),
                    Catch::Contains("at most 256 rows at a time; got 300"));
  CHECK_THROWS_WITH(scatter.add(RowMatrixF::Zero(3, 4), shift, sum, out),
                    Catch::Contains("3 columns; got a block of 4"));
}

TEST_CASE("Auto takes the integer kernel block by block", "[kernel]") {
  // Whole-number blocks go through integers, a block with a fraction through double (the shift
  // is whole: it comes from the first chunk, all whole). Every product and sum here is exact in
  // double (multiples of 1/16 far below 2⁵³), so the result must still equal the double kernel's.
  std::mt19937_64 engine(5);
  RowMatrixF data(768, 13);
  for (Eigen::Index i = 0; i < data.size(); ++i)
    data.data()[i] = static_cast<float>(engine() % 256);
  data(300, 4) = 17.25f;  // in the second 256-row block
  CovarianceAccumulator exact(13, AccumulatorKernel::Float64), fast(13);
  for (CovarianceAccumulator* a : {&exact, &fast}) {
    a->add(data.topRows(256));
    a->add(data.bottomRows(512));
  }
  CHECK(fast.int16_rows() == 512);
  CHECK(lower(fast.state().scatter) == lower(exact.state().scatter));
  CHECK(fast.covariance() == exact.covariance());
}
