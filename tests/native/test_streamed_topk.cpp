// A streamed file fitted by the top-K solver in passes over the file (streamed_topk.h): its rows
// are read at the file's own precision whatever the chunks' boundaries, a pass split over two
// readers (as two workers) adds up, and the fit equals the in-memory top-K fit of the same rows,
// for uint8 and float32 files, with a small budget and with images wider than any covariance
// the page streams (D = 12288, NumPy-written crops of photographs).

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "error_of.h"
#include "explorer.h"
#include "npy_test_support.h"
#include "streamed_topk.h"

using namespace pcarecon;

namespace {

// N×D whole numbers in [0, 255] with a decaying spectrum (smooth patterns plus noise).
RowMatrixF image_like(int64_t n, int64_t d, uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal;
  RowMatrixF out(n, d);
  for (int64_t i = 0; i < n; ++i) {
    const double a = normal(engine), b = normal(engine), c = normal(engine), e = normal(engine);
    for (int64_t j = 0; j < d; ++j) {
      const double v = 128 + 50 * a * std::cos(j / 9.0) + 30 * b * std::sin(j / 4.0) +
                       15 * c * std::cos(j / 2.3) + 8 * e * std::sin(j / 1.3) + 4 * normal(engine);
      out(i, j) = static_cast<float>(std::clamp(std::round(v), 0.0, 255.0));
    }
  }
  return out;
}

// The rows as a .npy of (N, h, w) images in the dtype named ("|u1", "<f4", ">f8").
Bytes npy_of(const RowMatrixF& rows, int64_t h, int64_t w, const std::string& descr) {
  std::string data;
  for (int64_t i = 0; i < rows.rows(); ++i)
    for (int64_t j = 0; j < rows.cols(); ++j) {
      const float v = rows(i, j);
      if (descr == "|u1") {
        data.push_back(static_cast<char>(static_cast<uint8_t>(v)));
      } else if (descr == "<f4") {
        char b[4];
        std::memcpy(b, &v, 4);
        data.append(b, 4);
      } else {  // >f8
        const double x = v;
        char b[8];
        std::memcpy(b, &x, 8);
        std::reverse(b, b + 8);
        data.append(b, 8);
      }
    }
  return npy_test::make_npy("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" +
                                std::to_string(rows.rows()) + ", " + std::to_string(h) + ", " +
                                std::to_string(w) + "), }",
                            data);
}

Bytes slurp_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) FAIL("cannot open " << path << ": run tests/fixtures/make_fixtures.py first");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Feeds bytes [from, to) in chunks of random sizes up to `most` (boundaries anywhere).
template <class Feed>
void feed_randomly(const Bytes& bytes, size_t from, size_t to, size_t most, uint64_t seed,
                   Feed feed) {
  std::mt19937_64 engine(seed);
  std::uniform_int_distribution<size_t> size(1, most);
  for (size_t at = from; at < to;) {
    const size_t n = std::min(size(engine), to - at);
    feed(bytes.data() + at, n);
    at += n;
  }
}

// Loads the file streamed (everything above `above` bytes of float32), fitted in passes.
void stream_topk(Explorer& ex, const Bytes& bytes, int64_t keep_rows, int64_t d,
                 StreamSolver solver = StreamSolver::TopK) {
  ex.set_stream_above_bytes(1000);
  ex.set_stream_window_bytes(static_cast<uint64_t>(keep_rows * d) * 4);
  ex.set_stream_solver(solver);
  ex.begin_file();
  ex.expect_file_size(bytes.size());
  feed_randomly(bytes, 0, bytes.size(), 70000, 5,
                [&](const uint8_t* b, size_t n) { ex.feed(b, n); });
  ex.finish_file();
}

// Every pass: rows [0, split) here, [split, N) in a second reader (the helper), each fed the
// file's bytes in chunks of random sizes; returns the passes of the fit.
int fit_in_passes(Explorer& ex, const Bytes& bytes, int64_t k, int64_t split) {
  ex.begin_streamed_topk(k);
  StreamedTopK& fit = ex.streamed_topk();
  const NpyHeader header = ex.header();
  const int64_t n = fit.samples();
  for (uint64_t pass = 0; !fit.done(); ++pass) {
    FileGramPass rest(header, split, n, fit.mean(), fit.basis());
    feed_randomly(bytes, rest.rows().first_byte(), rest.rows().end_byte(), 9000, 100 + pass,
                  [&](const uint8_t* b, size_t size) { rest.feed(b, size); });
    fit.begin_pass(0, split);
    const size_t first = header.data_offset;
    feed_randomly(bytes, first, rest.rows().first_byte(), 13000, 200 + pass,
                  [&](const uint8_t* b, size_t size) { fit.feed(b, size); });
    fit.finish_pass(rest.pass().product(), n - split);
  }
  const int passes = fit.passes();
  ex.finish_streamed_topk();
  return passes;
}

// The two models agree as the issue asks of a top-K fit (top-10 explained variance within 1e-3
// relative; reconstructions within 1 grey level RMS), here much closer: the same solver on the
// same rows, only the blocks' rounding differs.
void check_agrees(const PcaModel& streamed, const PcaModel& memory, const RowMatrixF& rows,
                  int64_t k_separated) {
  REQUIRE(streamed.n_components() == memory.n_components());
  CHECK(streamed.n_samples == memory.n_samples);
  CHECK((streamed.mean - memory.mean).cwiseAbs().maxCoeff() < 1e-9 * 255);
  CHECK(streamed.total_variance == Approx(memory.total_variance).epsilon(1e-12));
  const int64_t top = std::min<int64_t>(10, memory.n_components());
  for (int64_t i = 0; i < top; ++i)
    CHECK(std::abs(streamed.explained_variance[i] - memory.explained_variance[i]) <=
          1e-5 * memory.explained_variance[i]);
  for (int64_t s = 0; s < 6; ++s) {
    const Eigen::VectorXd x = rows.row(s * 7).transpose().cast<double>();
    const auto rebuild = [&](const PcaModel& m) {
      const Eigen::MatrixXd v = m.components.topRows(k_separated);
      return Eigen::VectorXd(m.mean + v.transpose() * (v * (x - m.mean)));
    };
    const double rms = (rebuild(streamed) - rebuild(memory)).norm() / std::sqrt(double(x.size()));
    CHECK(rms < 0.01);
  }
}

}  // namespace

TEST_CASE("FileRows: a file's rows at its own precision, whatever the chunks' boundaries",
          "[streamed_topk]") {
  const RowMatrixF rows = image_like(300, 6 * 7, 1);
  for (const std::string descr : {"|u1", "<f4", ">f8"}) {
    const Bytes bytes = npy_of(rows, 6, 7, descr);
    const NpyHeader header = *parse_npy_header(bytes.data(), bytes.size());
    for (const size_t most : {size_t{1}, size_t{50}, size_t{5000}, bytes.size()}) {
      RowMatrixF seen(0, rows.cols());
      std::vector<RowType> types;
      int64_t next = 37;
      FileRows reader(header, 37, 211, [&](const StackRows& block) {
        CHECK(block.first_sample() == next);
        next += block.rows();
        types.push_back(block.type());
        RowMatrixF values;
        block.centred_block(0, block.rows(), Eigen::VectorXf::Zero(block.cols()), values);
        seen.conservativeResize(seen.rows() + values.rows(), Eigen::NoChange);
        seen.bottomRows(values.rows()) = values;
      });
      feed_randomly(bytes, reader.first_byte(), reader.end_byte(), most, most,
                    [&](const uint8_t* b, size_t n) { reader.feed(b, n); });
      CHECK(reader.complete());
      REQUIRE(seen.rows() == 211 - 37);
      CHECK(seen == rows.middleRows(37, 211 - 37));
      const RowType expected = descr == "|u1" ? RowType::UInt8 : RowType::Float32;
      CHECK(std::all_of(types.begin(), types.end(), [&](RowType t) { return t == expected; }));
      CHECK(error_of([&] { reader.feed(bytes.data(), 1); }) ==
            "rows 37 to 211 of the file end 0 bytes on, but 1 were fed");
    }
  }
}

TEST_CASE("moments of parts around different shifts merge into the whole's", "[streamed_topk]") {
  const RowMatrixF rows = image_like(50, 20, 2) * 1.37f + RowMatrixF::Constant(50, 20, 1000.f);
  const StackRows all = StackRows::of(rows);
  MomentsPass whole(MomentsPass::default_shift(all));
  whole.add(all);
  MomentsPass first(MomentsPass::default_shift(all.middle_rows(0, 20)));
  first.add(all.middle_rows(0, 20));
  MomentsPass second(MomentsPass::default_shift(all.middle_rows(20, 30)));
  second.add(all.middle_rows(20, 30));
  first.merge(MomentsPass::from_state(with_shift(second.state(), first.state().shift)));
  CHECK((first.mean() - whole.mean()).cwiseAbs().maxCoeff() < 1e-9);
  CHECK(first.total_variance() == Approx(whole.total_variance()).epsilon(1e-10));
}

TEST_CASE("a file streamed and fitted in passes by two readers equals the in-memory top-K fit",
          "[streamed_topk]") {
  const RowMatrixF rows = image_like(700, 12 * 12, 3);
  TopKOptions options;
  options.n_components = 8;
  int memory_passes = 0;
  const PcaModel memory = fit_topk(StackRows::of(rows), options, &memory_passes);
  for (const std::string descr : {"|u1", "<f4"}) {
    INFO(descr);
    const Bytes bytes = npy_of(rows, 12, 12, descr);
    Explorer ex;
    stream_topk(ex, bytes, 40, rows.cols());
    const StackInfo info = ex.info();
    REQUIRE(info.streamed);
    CHECK(info.streamed->topk);
    CHECK(info.samples == 40);
    CHECK(info.value_min == rows.minCoeff());
    CHECK(info.value_max == rows.maxCoeff());
    CHECK(ex.plan_fit(8).kind == SolverKind::Randomized);
    CHECK(error_of([&] { ex.fit(0); }) ==
          "this streamed file is fitted by the top-K solver in passes over the file");
    const int passes = fit_in_passes(ex, bytes, 8, 333);
    CHECK(std::abs(passes - (memory_passes + 1)) <= 1);
    REQUIRE(ex.fit_report());
    CHECK(ex.fit_report()->solver == SolverKind::Randomized);
    CHECK(ex.fit_report()->passes == passes);
    check_agrees(ex.model(), memory, rows, 4);
    CHECK(ex.image(39) == rows.row(39).transpose());
  }
}

TEST_CASE("misuse of a streamed top-K fit is refused with a message", "[streamed_topk]") {
  const RowMatrixF rows = image_like(100, 16, 4);
  const Bytes bytes = npy_of(rows, 4, 4, "|u1");
  Explorer ex;
  CHECK(error_of([&] { ex.begin_streamed_topk(3); }) ==
        "no streamed file fitted in passes is loaded: the top-K fit over a file needs one");
  stream_topk(ex, bytes, 10, 16);
  CHECK(error_of([&] { ex.streamed_topk(); }) ==
        "no streamed top-K fit is in progress: begin one first");
  ex.begin_streamed_topk(3);
  StreamedTopK& fit = ex.streamed_topk();
  CHECK(error_of([&] { fit.feed(bytes.data(), 1); }) ==
        "the streamed fit has no pass in progress: begin one first");
  CHECK(error_of([&] { ex.finish_streamed_topk(); }) == "the streamed fit has not converged yet");
  fit.begin_pass(0, 60);
  fit.feed(bytes.data() + ex.header().data_offset, 16 * 59);
  CHECK(error_of([&] { fit.finish_pass(Eigen::MatrixXd::Zero(16, fit.basis().cols()), 40); }) ==
        "the pass read 59 of its rows: the file ended early");
  const NpyHeader header = ex.header();
  CHECK(error_of([&] { FileGramPass(header, 60, 101, fit.mean(), fit.basis()); }) ==
        "rows 60 to 101 are not a range of the file's 100 samples");
}

TEST_CASE("images wider than any streamed covariance (64x64 colour crops) stream in passes",
          "[streamed_topk]") {
  // 600 NumPy-written crops of photographs, 64×64×3 uint8: D = 12288 > 8192, N < D, so only the
  // top-K solver can fit the file streamed; Auto chooses it.
  const Bytes bytes = slurp_file(std::string(PCARECON_FIXTURES_DIR) + "/topk/crops_colour_64.npy");
  Explorer ex;
  stream_topk(ex, bytes, 100, 12288, StreamSolver::Auto);
  REQUIRE(ex.info().streamed);
  CHECK(ex.info().streamed->topk);
  CHECK(ex.info().samples == 100);
  const NpyHeader header = ex.header();
  const int64_t n = header.shape[0];
  RowMatrixF rows(n, 12288);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < 12288; ++j)
      rows(i, j) = bytes[header.data_offset + static_cast<size_t>(i * 12288 + j)];
  TopKOptions options;
  options.n_components = 10;
  const PcaModel memory = fit_topk(StackRows::of(rows), options);
  fit_in_passes(ex, bytes, 10, 301);
  check_agrees(ex.model(), memory, rows, 3);
}
