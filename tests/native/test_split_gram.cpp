// The two-worker Gram path (split_gram.h): columns summed here and pieces summed in a share add up
// to the one-worker G exactly, so the fit is the same to the bit; and its refusals.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "byte_rows.h"
#include "error.h"
#include "gram_fit.h"
#include "split_gram.h"

using namespace pcarecon;

namespace {

// Columns [begin, end) sent to a share in pieces of `piece` columns, taken every `take_every`
// pieces (and at the end), each share added to `sum`.
void share_columns(GramSum& sum, int64_t n, int64_t begin, int64_t end, int64_t piece,
                   int take_every) {
  GramShare share(n, begin);
  int pieces = 0;
  for (int64_t c = begin; c < end; c += piece) {
    const int64_t e = std::min(end, c + piece);
    const std::vector<uint8_t> bytes = sum.piece(c, e);
    share.add(StackRows::uint8(bytes.data(), n, e - c));
    if (++pieces % take_every == 0) sum.add_share(share.take());
  }
  sum.add_share(share.take());
}

// G's eigenpairs weighed, then the product's rows: [0, here) here, the rest in a ComponentShare
// from pieces of `piece` columns; the fit.
PcaModel share_components(GramSum& sum, const StackRows& rows, int64_t k, int64_t here,
                          int64_t piece) {
  const GramWeights& weights = sum.weigh(k);
  const ComponentShare share(weights.weights, weights.centre, weights.scale);
  const int64_t n = rows.rows(), d = rows.cols();
  for (int64_t c = here; c < d; c += piece) {
    const int64_t e = std::min(d, c + piece);
    const std::vector<uint8_t> bytes = sum.piece(c, e);
    sum.add_rows(c, e, share.rows(StackRows::uint8(bytes.data(), n, e - c), c));
  }
  sum.add_component_rows(0, here);
  return sum.fit();
}

void check_identical(const PcaModel& a, const PcaModel& b) {
  CHECK(a.explained_variance == b.explained_variance);
  CHECK(a.components == b.components);
  CHECK(a.mean == b.mean);
  CHECK(a.total_variance == b.total_variance);
  CHECK(a.spectrum == b.spectrum);
}

}  // namespace

TEST_CASE("split Gram: columns here and pieces in a share give the one-worker fit, bit for bit") {
  const int64_t n = 60, d = 2500, k = 12;
  const std::vector<uint8_t> bytes = pcarecon_test::byte_rows(n, d, 21, 5);
  const StackRows rows = StackRows::uint8(bytes.data(), n, d);
  const PcaModel whole = fit_gram(rows, k);
  for (int take_every : {1, 2, 100}) {
    INFO("a share taken every " << take_every << " pieces");
    GramSum sum(rows);
    sum.add_columns(0, 200);
    share_columns(sum, n, 450, d, 130, take_every);  // the helper's columns, in pieces
    sum.add_columns(200, 450);                       // and the rest here, after them
    CHECK(sum.missing_columns() == 0);
    // The product's pieces start and end at multiples of kComponentBlock (or D).
    check_identical(share_components(sum, rows, k, kComponentBlock, kComponentBlock), whole);
  }
  GramSum all_here(rows);
  all_here.add_columns(0, d);
  check_identical(share_components(all_here, rows, k, 0, 2 * kComponentBlock), whole);
  // int8 rows: the same bytes read as signed, the same as their one-worker fit.
  const StackRows signed_rows =
      StackRows::int8(reinterpret_cast<const int8_t*>(bytes.data()), n, d);
  GramSum sum(signed_rows);
  sum.add_columns(0, 500);
  GramShare share(n, 500);
  const std::vector<uint8_t> piece = sum.piece(500, d);
  share.add(StackRows::int8(reinterpret_cast<const int8_t*>(piece.data()), n, d - 500));
  sum.add_share(share.take());
  sum.weigh(k);
  sum.add_component_rows(0, d);
  check_identical(sum.fit(), fit_gram(signed_rows, k));
}

TEST_CASE("split Gram: a piece is the columns of every row; refusals name the values") {
  const int64_t n = 5, d = 40;
  const std::vector<uint8_t> bytes = pcarecon_test::byte_rows(n, d, 2, 5);
  const StackRows rows = StackRows::uint8(bytes.data(), n, d);
  GramSum sum(rows);
  const std::vector<uint8_t> piece = sum.piece(10, 13);
  REQUIRE(piece.size() == 15);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < 3; ++c) CHECK(piece[i * 3 + c] == bytes[i * d + 10 + c]);

  sum.add_columns(0, 20);
  CHECK_THROWS_WITH(sum.add_columns(19, 25),
                    Catch::Contains("column 19") && Catch::Contains("already"));
  CHECK_THROWS_WITH(sum.add_columns(30, 41), Catch::Contains("30 to 41"));
  CHECK_THROWS_WITH(sum.weigh(2), Catch::Contains("misses 20 of its 40 columns"));
  CHECK_THROWS_WITH(sum.add_component_rows(0, 5), Catch::Contains("after G is weighed"));
  CHECK_THROWS_WITH(sum.fit(), Catch::Contains("after G is weighed"));
  GramShareSums bad;
  bad.begin = 20;
  bad.end = 30;
  bad.lower.assign(14, 0);
  bad.column_sums = Eigen::VectorXd::Zero(10);
  CHECK_THROWS_WITH(sum.add_share(bad), Catch::Contains("14 sums") && Catch::Contains("15"));

  GramShare share(n, 20);
  CHECK(share.room_for(30000));
  CHECK_FALSE(share.room_for(40000));  // 40000·255² > 2³¹ − 1: take() first
  const std::vector<uint8_t> four_rows(4 * 3, 7);
  CHECK_THROWS_WITH(share.add(StackRows::uint8(four_rows.data(), 4, 3)),
                    Catch::Contains("4 rows") && Catch::Contains("sums 5"));
  const std::vector<float> floats(n * 3, 1.f);
  CHECK_THROWS_WITH(share.add(StackRows::float32(floats.data(), n, 3)), Catch::Contains("8-bit"));
  const RowMatrixF float_rows = RowMatrixF::Ones(n, d);
  CHECK_THROWS_WITH(GramSum(StackRows::of(float_rows)), Catch::Contains("float32"));
  CHECK_THROWS_AS(GramShare(1, 0), Error);
}

TEST_CASE("split Gram: the components' rows refuse what does not fit, naming the values") {
  const int64_t n = 6, d = 40;
  const std::vector<uint8_t> bytes = pcarecon_test::byte_rows(n, d, 3, 5);
  const StackRows rows = StackRows::uint8(bytes.data(), n, d);
  GramSum sum(rows);
  sum.add_columns(0, d);
  const GramWeights& weights = sum.weigh(3);
  REQUIRE(weights.weights.rows() == n);
  const int64_t kept = weights.weights.cols();
  CHECK_THROWS_WITH(sum.weigh(3), Catch::Contains("already"));
  sum.add_component_rows(0, 10);
  CHECK_THROWS_WITH(sum.add_component_rows(9, 12),
                    Catch::Contains("column 9") && Catch::Contains("already"));
  CHECK_THROWS_WITH(sum.add_rows(10, 20, Eigen::MatrixXf::Zero(9, kept)),
                    Catch::Contains("rows 10 to 20") && Catch::Contains("9×"));
  CHECK_THROWS_WITH(sum.fit(), Catch::Contains("misses 30 of its 40 rows"));

  const ComponentShare share(weights.weights, weights.centre, weights.scale);
  const std::vector<uint8_t> piece = sum.piece(35, 40);
  CHECK_THROWS_WITH(share.rows(StackRows::uint8(piece.data(), n, 5), 37),
                    Catch::Contains("columns 37 to 42") && Catch::Contains("of 40"));
  CHECK_THROWS_WITH(share.rows(StackRows::uint8(piece.data(), n - 1, 5), 35),
                    Catch::Contains("5 rows do not fit weights for 6 samples"));
  const std::vector<float> floats(n * 5, 1.f);
  CHECK_THROWS_WITH(share.rows(StackRows::float32(floats.data(), n, 5), 35),
                    Catch::Contains("8-bit"));
  // The rows of a piece are those computed here.
  sum.add_rows(35, 40, share.rows(StackRows::uint8(piece.data(), n, 5), 35));
  sum.add_component_rows(10, 35);
  const PcaModel model = sum.fit();
  CHECK(model.components.rows() == 3);
}
