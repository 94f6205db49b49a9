// An 8-bit file loaded whole is held as its own bytes (a quarter of float32), and everything that
// reads the stack widens it a row or a block at a time: the same numbers, bit for bit, as the same
// values written as float32 — the exact fit and its split, the top-K fit and its split, the
// figure, the per-image distortions, reconstructions and the value range.

#include <catch2/catch.hpp>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dataset_stats.h"
#include "explorer.h"
#include "npy_test_support.h"
#include "split_topk.h"

using namespace pcarecon;

namespace {

// Seeded images: a few smooth patterns in random amounts plus noise, as whole numbers in
// [lo, lo + 255] (uint8: lo = 0; int8: lo = −128).
std::vector<int> pixel_values(int64_t n, int64_t d, int lo, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<int> out(size_t(n * d));
  for (int64_t s = 0; s < n; ++s) {
    const double a = 2 * uniform(rng), b = 2 * uniform(rng), c = uniform(rng);
    for (int64_t p = 0; p < d; ++p) {
      const double v = 128 + 40 * a * std::cos(p / 3.0) + 30 * b * std::sin(p / 5.0) +
                       20 * c * std::cos(p / 7.0) + 12 * uniform(rng);
      out[size_t(s * d + p)] = lo + std::clamp(int(std::lround(v)), 0, 255);
    }
  }
  return out;
}

struct Pair {
  Explorer bytes;   // the 8-bit file
  Explorer floats;  // the same values as <f4
};

std::string shape_of(int64_t n, int64_t h, int64_t w, int64_t channels) {
  return "(" + std::to_string(n) + ", " + std::to_string(h) + ", " + std::to_string(w) +
         (channels == 3 ? ", 3)" : ")");
}

void load(Explorer& ex, const std::vector<uint8_t>& file) {
  ex.begin_file();
  for (size_t i = 0; i < file.size(); i += 4099)  // chunks that cut rows apart
    ex.feed(file.data() + i, std::min<size_t>(4099, file.size() - i));
  ex.finish_file();
}

// Loads the same values as `descr` (|u1 or |i1) and as <f4 into two Explorers.
void load_pair(Pair& pair, const std::string& descr, int64_t n, int64_t h, int64_t w,
               int64_t channels, unsigned seed) {
  const int64_t d = h * w * channels;
  const std::vector<int> values = pixel_values(n, d, descr == "|i1" ? -128 : 0, seed);
  std::vector<uint8_t> raw(values.size());
  std::vector<float> widened(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    raw[i] = static_cast<uint8_t>(static_cast<int8_t>(values[i]));  // two's complement for |i1
    if (descr == "|u1") raw[i] = static_cast<uint8_t>(values[i]);
    widened[i] = static_cast<float>(values[i]);
  }
  const std::string shape = shape_of(n, h, w, channels);
  load(pair.bytes, npy_test::c_order_npy(descr, shape, raw.data(), raw.size()));
  load(pair.floats, npy_test::c_order_npy("<f4", shape, widened.data(), widened.size() * 4));
}

// Bit for bit: == on doubles (no NaN here), sizes included.
template <class A, class B>
bool same(const A& a, const B& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() && (a.array() == b.array()).all();
}

void check_same_model(const PcaModel& a, const PcaModel& b) {
  CHECK(a.n_samples == b.n_samples);
  CHECK(a.total_variance == b.total_variance);
  CHECK(same(a.mean, b.mean));
  CHECK(same(a.components, b.components));
  CHECK(same(a.explained_variance, b.explained_variance));
  CHECK(same(a.explained_variance_ratio, b.explained_variance_ratio));
  CHECK(same(a.singular_values, b.singular_values));
}

// The top-K solver split as the two workers run it: rows [0, own) here, the rest in a RowsShare
// of the rows as the Explorer holds them (Explorer.heldRows: the helper's copy).
PcaModel split_topk_model(Explorer& ex, int64_t k, int64_t own) {
  const int64_t n = ex.info().samples;
  const StackRows rest = ex.held_rows(own, n - own);
  const size_t bytes = size_t(rest.rows() * rest.cols() * row_type_bytes(rest.type()));
  std::vector<uint8_t> copy(bytes);
  std::memcpy(copy.data(), rest.data(), bytes);
  const RowsShare share(rest.type(), std::move(copy), rest.rows(), rest.cols(), own);
  ex.begin_split_topk(k, own);
  SplitTopK& split = ex.split_topk();
  split.own_moments();
  split.merge_moments(share.moments(split.shift()));
  while (!split.done()) {
    const Eigen::MatrixXd product = share.gram(split.mean(), split.basis());
    split.own_pass();
    split.merge_pass(product, n - own);
  }
  ex.finish_split_topk();
  return ex.model();
}

}  // namespace

TEST_CASE("an 8-bit file is held as its bytes, a quarter of float32", "[byte_stack]") {
  for (const char* descr : {"|u1", "|i1", "|b1"}) {
    INFO(descr);
    const int64_t n = 50, h = 6, w = 7;
    std::vector<uint8_t> raw(size_t(n * h * w));
    for (size_t i = 0; i < raw.size(); ++i)
      raw[i] = uint8_t(std::string(descr) == "|b1" ? i % 2 : i * 37);
    Explorer ex;
    load(ex, npy_test::c_order_npy(descr, shape_of(n, h, w, 1), raw.data(), raw.size()));
    const ImageStack& stack = ex.images();
    CHECK(stack.held_as_bytes());
    CHECK(stack.rows.size() == 0);  // no float32 copy beside the bytes
    CHECK(stack.held_bytes() == uint64_t(n * h * w));
    CHECK(stack.samples() == n);
    CHECK(stack.dim() == h * w);
    CHECK(StackRows::of(stack).type() ==
          (std::string(descr) == "|i1" ? RowType::Int8 : RowType::UInt8));
  }
  Explorer floats;
  const std::vector<float> values(size_t(5 * 4 * 4), 1.5f);
  load(floats,
       npy_test::c_order_npy("<f4", shape_of(5, 4, 4, 1), values.data(), values.size() * 4));
  CHECK_FALSE(floats.images().held_as_bytes());
  CHECK(floats.images().held_bytes() == 5 * 16 * 4);
}

TEST_CASE("a uint8 or int8 stack and its float32 equivalent give the same model, figure and stats",
          "[byte_stack]") {
  struct Case {
    const char* descr;
    int64_t n, h, w, channels;
  };
  for (const Case c : {Case{"|u1", 300, 6, 6, 1}, Case{"|i1", 300, 5, 6, 1},
                       Case{"|u1", 120, 4, 5, 3}, Case{"|u1", 20, 8, 8, 1}}) {
    INFO(c.descr << " " << c.n << "x" << c.h << "x" << c.w << "x" << c.channels);
    const int64_t d = c.h * c.w * c.channels;
    Pair pair;
    load_pair(pair, c.descr, c.n, c.h, c.w, c.channels, unsigned(c.n + d));
    Explorer& b = pair.bytes;
    Explorer& f = pair.floats;
    REQUIRE(b.images().held_as_bytes());
    REQUIRE_FALSE(f.images().held_as_bytes());

    // What the page reads of the stack itself.
    const StackInfo bi = b.info(), fi = f.info();
    CHECK(bi.samples == fi.samples);
    CHECK(bi.value_min == fi.value_min);
    CHECK(bi.value_max == fi.value_max);
    CHECK(same(b.rows(0, c.n), f.rows(0, c.n)));
    CHECK(same(b.rows(7, 9), f.rows(7, 9)));
    for (int64_t i = 0; i < c.n; i += 7) CHECK(same(b.image(i), f.image(i)));

    // The exact fit (covariance for N >= D, the thin path for N < D), in one worker.
    b.fit(0);
    f.fit(0);
    check_same_model(b.model(), f.model());

    // The same fit split over two workers: the helper's accumulator over its copy of the rows.
    if (c.n >= d) {
      const int64_t split = c.n / 2 + 3;
      CovarianceAccumulator rest_b(d), rest_f(d);
      rest_b.add(b.held_rows(split, c.n - split));  // the bytes, widened a block at a time
      rest_f.add(f.rows(split, c.n - split));
      b.accumulate_rows(0, split);
      f.accumulate_rows(0, split);
      b.fit_with(0, rest_b.state());
      f.fit_with(0, rest_f.state());
      check_same_model(b.model(), f.model());
    }

    // The figure, its pictures apart and whole.
    FigureOptions options;
    options.sample_index = 3;
    options.n_components = 5;
    options.step = 2;
    CHECK(b.figure(options).dump() == f.figure(options).dump());

    // Per-image views: the series, a reconstruction, every image's distortion.
    CHECK(same(b.series(11).distortion, f.series(11).distortion));
    CHECK(same(b.reconstruction(11, 4), f.reconstruction(11, 4)));
    const PcaModel& m = f.model();
    const RowDistortions db = row_distortions(b.held_rows(0, c.n), m.mean, m.components.topRows(4));
    const RowDistortions df = row_distortions(f.rows(0, c.n), m.mean, m.components.topRows(4));
    CHECK(same(db.at_k, df.at_k));
    CHECK(same(db.sums, df.sums));

    // The top-K solver, in one worker and split (the helper's share at the stack's precision).
    const int64_t k = std::min<int64_t>(4, std::min(c.n, d) - 1);
    TopKOptions topk;
    topk.n_components = k;
    const PcaModel tb = fit_topk(StackRows::of(b.images()), topk);
    const PcaModel tf = fit_topk(StackRows::of(f.images()), topk);
    check_same_model(tb, tf);
    check_same_model(split_topk_model(b, k, c.n / 2), split_topk_model(f, k, c.n / 2));
    CHECK(b.held_rows(c.n / 2, 1).type() != RowType::Float32);
  }
}
