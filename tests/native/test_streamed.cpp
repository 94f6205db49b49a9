// Streamed mode (files larger than memory), tested with a lowered budget on files NumPy wrote:
// the model equals the in-memory fit and scikit-learn's over ALL rows, only the first rows are
// kept, the value range covers every row, a file read in two parts (two workers) gives the same
// model, Fortran order is refused when it would have to be streamed, and a cancelled or failed
// streamed file keeps the previous stack.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "error.h"
#include "error_of.h"
#include "explorer.h"
#include "npy_test_support.h"

using namespace pcarecon;

namespace {

const std::string kDir = std::string(PCARECON_FIXTURES_DIR) + "/stream/";

std::vector<uint8_t> file_bytes(const std::string& name) {
  std::ifstream in(kDir + name, std::ios::binary);
  if (!in) FAIL("cannot open " << kDir + name << ": run tests/fixtures/make_fixtures.py first");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

nlohmann::json expected(const std::string& name) {
  std::ifstream in(kDir + name + ".expected.json");
  if (!in) FAIL("cannot open the expected results of " << name);
  return nlohmann::json::parse(in);
}

void feed_range(Explorer& ex, const std::vector<uint8_t>& bytes, size_t from, size_t to,
                size_t chunk) {
  for (size_t i = from; i < to; i += chunk) ex.feed(bytes.data() + i, std::min(chunk, to - i));
}

void load(Explorer& ex, const std::vector<uint8_t>& bytes, size_t chunk = 7919) {
  ex.begin_file();
  ex.expect_file_size(bytes.size());
  feed_range(ex, bytes, 0, bytes.size(), chunk);
  ex.finish_file();
}

// Streams everything below `above` bytes of float32; keeps `keep` rows of d values.
void stream_settings(Explorer& ex, int64_t d, int64_t keep, uint64_t above = 1000) {
  ex.set_stream_above_bytes(above);
  ex.set_stream_window_bytes(static_cast<uint64_t>(keep * d) * 4);
}

void check_same_model(const PcaModel& a, const PcaModel& b, double tolerance) {
  REQUIRE(a.n_components() == b.n_components());
  CHECK(a.n_samples == b.n_samples);
  CHECK((a.mean - b.mean).cwiseAbs().maxCoeff() <= tolerance * (1 + a.mean.cwiseAbs().maxCoeff()));
  CHECK((a.explained_variance - b.explained_variance).cwiseAbs().maxCoeff() <=
        tolerance * a.explained_variance[0]);
  for (int i = 0; i < 5; ++i)  // well separated leading components: same vectors, same signs
    CHECK((a.components.row(i) - b.components.row(i)).cwiseAbs().maxCoeff() <= 1e3 * tolerance);
}

}  // namespace

TEST_CASE("a streamed file gives the in-memory model and scikit-learn's over all rows",
          "[streamed]") {
  for (const std::string name : {"u8", "f4"}) {
    SECTION(name) {
      const std::vector<uint8_t> bytes = file_bytes(name + ".npy");
      const nlohmann::json want = expected(name);
      const int64_t n = want.at("n"), d = want.at("d");

      Explorer whole;  // default budget: held in memory
      load(whole, bytes);
      REQUIRE_FALSE(whole.info().streamed);
      whole.fit(0);

      Explorer streamed;
      stream_settings(streamed, d, 100);
      load(streamed, bytes);
      const StackInfo info = streamed.info();
      REQUIRE(info.streamed);
      CHECK(info.streamed->total_samples == n);
      CHECK(info.streamed->kept_samples == 100);
      CHECK(info.samples == 100);
      // The kept rows are the first ones of the file.
      CHECK(streamed.images().rows == whole.rows(0, 100));  // whole: the uint8 file as bytes
      // The colour scale covers every row: the extremes sit in the last rows.
      CHECK(info.value_min == float(want.at("min").get<double>()));
      CHECK(info.value_max == float(want.at("max").get<double>()));
      CHECK(whole.rows(0, 100).maxCoeff() < info.value_max);
      streamed.fit(0);
      const PcaModel& m = streamed.model();
      CHECK(m.n_samples == n);
      CHECK(m.n_components() == d);
      check_same_model(whole.model(), m, 1e-9);
      // scikit-learn, on a float64 copy of the same file.
      const auto ev = want.at("explained_variance").get<std::vector<double>>();
      for (int64_t i = 0; i < d; ++i)
        CHECK(m.explained_variance[i] == Approx(ev[i]).epsilon(1e-6).margin(1e-9 * ev[0]));
      const auto components = want.at("components").get<std::vector<std::vector<double>>>();
      for (size_t i = 0; i < components.size(); ++i) {
        const Eigen::Map<const Eigen::VectorXd> ref(components[i].data(), d);
        CHECK(std::abs(m.components.row(static_cast<Eigen::Index>(i)).dot(ref)) ==
              Approx(1.0).epsilon(1e-6));
      }
      // The figure and the per-sample views work on the kept rows with the full model.
      FigureOptions options;
      options.sample_index = 99;
      options.n_components = 5;
      CHECK_NOTHROW(streamed.figure(options));
      CHECK(streamed.reconstruction(99, 3).allFinite());
      CHECK(error_of([&] { streamed.check_sample(100); }) ==
            "sample index 100 is out of range: of the " + std::to_string(n) +
                " samples of this streamed file, the first 100 are kept (0 to 99)");
    }
  }
}

TEST_CASE("the display window keeps at least one row, at most the file", "[streamed]") {
  const std::vector<uint8_t> bytes = file_bytes("u8.npy");
  Explorer ex;
  ex.set_stream_above_bytes(0);
  ex.set_stream_window_bytes(1);  // smaller than a row
  load(ex, bytes);
  CHECK(ex.info().streamed->kept_samples == 1);
  CHECK(ex.info().samples == 1);
  ex.set_stream_window_bytes(uint64_t{1} << 30);
  load(ex, bytes);
  CHECK(ex.info().streamed->kept_samples == 3000);
  // Above the default budget (the whole memory limit) nothing is streamed.
  Explorer plain;
  load(plain, bytes);
  CHECK_FALSE(plain.info().streamed);
}

namespace {

// Reads `bytes` in two parts as the page's two workers do: samples [0, split) into `main` (which
// keeps `keep` rows), the rest into a helper Explorer. Returns the helper's part, not yet merged.
StreamedPart read_in_two_parts(Explorer& main, const std::vector<uint8_t>& bytes, int64_t d,
                               int64_t keep, int64_t split) {
  stream_settings(main, d, keep);
  main.begin_file();
  main.expect_file_size(bytes.size());
  feed_range(main, bytes, 0, 4096, 4096);  // the header and the first rows
  REQUIRE(main.pending_info()->streamed);
  const StreamedInfo layout = *main.pending_info()->streamed;
  const uint64_t offset = layout.data_offset, sample = layout.sample_bytes;
  main.read_rows(0, split);
  feed_range(main, bytes, 4096, offset + split * sample, 4096);

  Explorer helper;
  helper.set_stream_above_bytes(0);
  helper.begin_file();
  helper.expect_file_size(bytes.size());
  feed_range(helper, bytes, 0, offset, offset);
  helper.read_rows(split, layout.total_samples);
  feed_range(helper, bytes, offset + split * sample, bytes.size(), 3333);
  StreamedPart part = helper.finish_part();
  CHECK_FALSE(helper.reading());
  return part;
}

}  // namespace

TEST_CASE("a streamed file read in two parts, merged, gives the same model", "[streamed]") {
  const std::vector<uint8_t> bytes = file_bytes("u8.npy");
  const int64_t d = 144, n = 3000, split = 1700;
  Explorer whole;
  load(whole, bytes);
  whole.fit(0);

  Explorer main;
  const StreamedPart part = read_in_two_parts(main, bytes, d, 200, split);
  const StreamedInfo layout = *main.pending_info()->streamed;
  const uint64_t offset = layout.data_offset, sample = layout.sample_bytes;
  CHECK(sample == uint64_t(d));
  CHECK(part.begin == split);
  CHECK(part.end == n);
  CHECK(part.rows.count == n - split);
  CHECK(part.value_max == 255.f);  // the file's maximum is in the helper's half

  // Before the merge the file is incomplete: finishing says which samples are missing.
  {
    Explorer probe;
    stream_settings(probe, d, 200);
    probe.begin_file();
    feed_range(probe, bytes, 0, offset, offset);
    probe.read_rows(0, split);
    feed_range(probe, bytes, offset, offset + split * sample, 65536);
    CHECK(error_of([&] { probe.finish_file(); }) ==
          "samples 1700 to 3000 of the streamed file were not read");
  }
  {  // the same, checked by its kind: the worker waits for the helper's part on this code
    Explorer probe;
    stream_settings(probe, d, 200);
    probe.begin_file();
    feed_range(probe, bytes, 0, offset, offset);
    probe.read_rows(0, split);
    feed_range(probe, bytes, offset, offset + split * sample, 65536);
    CHECK(code_of([&] { probe.finish_file(); }) == "parts_incomplete");
  }
  CHECK(error_of([&] {
          StreamedPart overlap = part;
          overlap.begin = split - 1;
          overlap.rows.count += 1;
          main.merge_part(overlap);
        }) == "part: samples 1699 to 3000 overlap samples 0 to 1700, already read");
  CHECK(code_of([&] {
          StreamedPart overlap = part;
          overlap.begin = split - 1;
          overlap.rows.count += 1;
          main.merge_part(overlap);
        }) == "bad_input");
  main.merge_part(part);
  main.finish_file();
  const StackInfo info = main.info();
  CHECK(info.streamed->total_samples == n);
  CHECK(info.streamed->kept_samples == 200);
  CHECK(info.value_min == 3.f);
  CHECK(info.value_max == 255.f);
  CHECK(main.images().rows == whole.rows(0, 200));
  main.fit(0);
  check_same_model(whole.model(), main.model(), 1e-9);
}

namespace {

// finish_file()'s error for `bytes` read in two parts and merged, or "(no error)" (error_of.h).
std::string two_part_error(Explorer& main, const std::vector<uint8_t>& bytes, int64_t d,
                           int64_t split) {
  main.merge_part(read_in_two_parts(main, bytes, d, 50, split));  // a part with NaN is handed over
  return error_of([&] { main.finish_file(); });
}

}  // namespace

TEST_CASE("NaN in either part of a file read in two parts: every one counted, the first named",
          "[streamed]") {
  const std::vector<uint8_t> bytes = file_bytes("f4.npy");  // 2500 samples of 10×10
  const int64_t d = 100, split = 1300;
  const size_t data = bytes.size() - 2500 * 100 * 4;
  const auto with_nan = [&](std::initializer_list<size_t> values) {
    std::vector<uint8_t> out = bytes;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (size_t v : values) std::memcpy(out.data() + data + 4 * v, &nan, 4);
    return out;
  };
  Explorer previous_kept;
  load(previous_kept, file_bytes("u8.npy"));
  const auto check = [&](const std::vector<uint8_t>& file, const std::string& want) {
    Explorer& ex = previous_kept;
    CHECK(two_part_error(ex, file, d, split) == want);
    CHECK(ex.info().samples == 3000);  // the previous stack stays
    CHECK_FALSE(ex.reading());
  };
  // One in the first part, two in the helper's.
  check(with_nan({10 * 100 + 23, 2000 * 100 + 5, 2400 * 100 + 99}),
        "data contains 3 NaN or infinite values; the first is sample 10, row 2, column 3");
  // Only in the helper's part: the file's message all the same.
  check(with_nan({2400 * 100 + 99, 2000 * 100 + 5}),
        "data contains 2 NaN or infinite values; the first is sample 2000, row 0, column 5");
  // Only in the first part.
  check(with_nan({7}), "data contains 1 NaN or infinite value; it is sample 0, row 0, column 7");
  // And without any, it loads.
  Explorer fresh;
  CHECK(two_part_error(fresh, bytes, d, split) == "(no error)");
  CHECK(fresh.info().streamed->total_samples == 2500);
}

TEST_CASE("a part's NaN count must fit its samples", "[streamed]") {
  const std::vector<uint8_t> bytes = file_bytes("f4.npy");
  Explorer main;
  stream_settings(main, 100, 50);
  main.begin_file();
  feed_range(main, bytes, 0, 4096, 4096);
  main.read_rows(0, 1300);
  StreamedPart part;
  part.begin = 1300;
  part.end = 2500;
  part.value_max = 1.f;
  part.non_finite.count = 3;
  part.non_finite.first = 17;  // sample 0: not in this part
  CHECK(error_of([&] { main.merge_part(part); }) ==
        "part: its count of NaN or infinite values (3, the first at value 17) does not fit "
        "samples 1300 to 2500");
}

TEST_CASE("read_rows: parts of a streamed file only, chosen before they are passed", "[streamed]") {
  const std::vector<uint8_t> bytes = file_bytes("u8.npy");
  Explorer ex;
  ex.begin_file();
  CHECK(error_of([&] { ex.read_rows(0, 10); }) ==
        "the file's header has not been read yet: feed it before choosing its rows");
  ex.feed(bytes.data(), 2000);
  CHECK(error_of([&] { ex.read_rows(0, 10); }) ==
        "only a streamed file can be read in parts: this one is held whole in memory");
  ex.set_stream_above_bytes(0);
  ex.begin_file();
  ex.feed(bytes.data(), 128 + 144 * 10);  // header + 10 rows
  CHECK(error_of([&] { ex.read_rows(0, 5); }) ==
        "samples up to 10 were already read: cannot stop at 5");
  CHECK_FALSE(ex.reading());  // a refused choice drops the file, as a bad chunk does
  ex.begin_file();
  ex.feed(bytes.data(), 128 + 144 * 10);
  CHECK(error_of([&] { ex.read_rows(3, 20); }) ==
        "samples from 0 on are being read: the first sample can no longer move to 3");
  ex.begin_file();
  ex.feed(bytes.data(), 128);
  CHECK(error_of([&] { ex.read_rows(0, 3001); }) ==
        "samples 0 to 3001 are not a range of the 3000 samples");
}

TEST_CASE("a Fortran-order file is held whole when it fits and refused when it must stream",
          "[streamed]") {
  const std::vector<uint8_t> bytes = file_bytes("fortran.npy");
  const std::vector<uint8_t> c_order = file_bytes("u8.npy");
  Explorer ex;
  ex.set_stream_above_bytes(1000);
  load(ex, bytes);  // above the budget, but it can only be read whole, and it fits
  CHECK_FALSE(ex.info().streamed);
  CHECK(ex.info().samples == 3000);
  Explorer c;
  load(c, c_order);
  CHECK(ex.rows(0, 3000) == c.rows(0, 3000));  // both held as bytes: compared as float32

  // 1100000000 images of 2x2 in Fortran order: 4.4 GB of bytes held beside the 4.4 GB they are
  // reordered from, more than a page can hold.
  std::string dict = "{'descr': '|u1', 'fortran_order': True, 'shape': (1100000000, 2, 2), }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  std::vector<uint8_t> header = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(dict.size()), 0};
  header.insert(header.end(), dict.begin(), dict.end());
  ex.begin_file();
  CHECK(error_of([&] { ex.feed(header.data(), header.size()); }) ==
        "too large to load: 1100000000 images of 2x2 pixels as bytes, with the Fortran-order "
        "data they are reordered from, need 8.80 GB (8800000000 bytes), and this page can hold "
        "at most 4.29 GB (4294967296 bytes, the memory limit of WebAssembly); a Fortran-order "
        "file cannot be streamed either, since its samples are interleaved: save it C-contiguous "
        "(np.save(path, np.ascontiguousarray(a))) to have it streamed");
  CHECK_FALSE(ex.reading());
  CHECK(ex.info().samples == 3000);  // the previous stack stays

  // The same in C order streams (the default budget is the memory limit itself).
  const auto pos = dict.find("True");
  dict.replace(pos, 4, "False");
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  header = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, uint8_t(dict.size()), 0};
  header.insert(header.end(), dict.begin(), dict.end());
  ex.begin_file();
  ex.feed(header.data(), header.size());
  REQUIRE(ex.pending_info()->streamed);
  CHECK(ex.pending_info()->streamed->total_samples == 1100000000);
  ex.cancel_file();
}

TEST_CASE("a Fortran-order file is counted as what it holds: its bytes and the data they come from",
          "[streamed]") {
  const auto header_of = [](const std::string& descr, const std::string& shape) {
    return make_npy("{'descr': '" + descr + "', 'fortran_order': True, 'shape': " + shape + ", }");
  };
  Explorer ex;
  // 1.2e9 uint8 values: 4.8 GB as float32 (refused when the reader counted that), 2.4 GB as the
  // bytes held and the data they are reordered from: it is read.
  Bytes h = header_of("|u1", "(300000000, 2, 2)");
  ex.begin_file();
  ex.feed(h.data(), h.size());
  REQUIRE(ex.pending_info());
  CHECK_FALSE(ex.pending_info()->streamed);
  CHECK(ex.pending_info()->header.shape[0] == 300000000);
  ex.cancel_file();
  // 6e8 float32 values: 2.4 GB as float32, but 4.8 GB with the data they are reordered from,
  // which ran out of memory after reading it all: now refused at the header.
  h = header_of("<f4", "(150000000, 2, 2)");
  ex.begin_file();
  CHECK(error_of([&] { ex.feed(h.data(), h.size()); }) ==
        "too large to load: 150000000 images of 2x2 pixels as float32, with the Fortran-order "
        "data they are reordered from, need 4.80 GB (4800000000 bytes), and this page can hold "
        "at most 4.29 GB (4294967296 bytes, the memory limit of WebAssembly); a Fortran-order "
        "file cannot be streamed either, since its samples are interleaved: save it C-contiguous "
        "(np.save(path, np.ascontiguousarray(a))) to have it streamed");
  CHECK_FALSE(ex.reading());
}

TEST_CASE("too wide or too short for a covariance: streamed in passes; too wide for those: refused",
          "[streamed]") {
  const auto header_of = [](const std::string& shape) {
    return make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }");
  };
  Explorer ex;
  ex.set_stream_above_bytes(1000);
  // N < D, or a D×D covariance over 512 MB: the top-K solver in passes over the file.
  for (const std::string shape : {"(10, 20, 20)", "(100000, 256, 256)", "(20000, 200, 300)"}) {
    INFO(shape);
    Bytes h = header_of(shape);
    ex.begin_file();
    ex.feed(h.data(), h.size());
    REQUIRE(ex.pending_info()->streamed);
    CHECK(ex.pending_info()->streamed->topk);
  }
  // N >= D and a small covariance: from the covariance, as before.
  Bytes h = header_of("(100000, 20, 20)");
  ex.begin_file();
  ex.feed(h.data(), h.size());
  REQUIRE(ex.pending_info()->streamed);
  CHECK_FALSE(ex.pending_info()->streamed->topk);
  h = header_of("(100000, 2048, 2048)");
  ex.begin_file();
  CHECK(error_of([&] { ex.feed(h.data(), h.size()); }) ==
        "too large to load: 100000 images of 2048x2048 pixels as float32 need 1677.72 GB "
        "(1677721600000 bytes), and this page can hold at most 4.29 GB (4294967296 bytes, the "
        "memory limit of WebAssembly); it cannot be streamed either: the top-K fit of images of "
        "4194304 values (50 components, in passes over the file) needs 13.44 GB of working "
        "memory, more than the 4.29 GB a page can hold");
  CHECK_FALSE(ex.reading());
}

TEST_CASE("a cancelled or failed streamed file keeps the previous stack", "[streamed]") {
  const std::vector<uint8_t> bytes = file_bytes("f4.npy");
  const std::vector<uint8_t> previous = file_bytes("u8.npy");
  Explorer ex;
  load(ex, previous);
  ex.fit(0);
  const Eigen::VectorXd ev = ex.model().explained_variance;
  stream_settings(ex, 100, 50);

  ex.begin_file();
  feed_range(ex, bytes, 0, bytes.size() / 2, 4096);
  CHECK(ex.streaming());
  CHECK(ex.rows_read() > 1000);
  ex.cancel_file();
  CHECK_FALSE(ex.streaming());
  CHECK(ex.info().samples == 3000);
  CHECK_FALSE(ex.info().streamed);
  CHECK(ex.model().explained_variance == ev);

  // Truncated: finish refuses it, the previous stack and model stay.
  ex.begin_file();
  feed_range(ex, bytes, 0, bytes.size() - 10, 4096);
  CHECK(error_of([&] { ex.finish_file(); }) ==
        "file is truncated: expected 1000000 data bytes, found 999990");
  CHECK(ex.info().samples == 3000);
  CHECK(ex.has_model());

  // A NaN far beyond the window: the reader's message, with its position; nothing replaced.
  std::vector<uint8_t> nan_file = bytes;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(nan_file.data() + nan_file.size() - 4 * 150, &nan, 4);  // sample 2498, pixel 50
  ex.begin_file();
  feed_range(ex, nan_file, 0, nan_file.size(), 4096);
  CHECK(error_of([&] { ex.finish_file(); }) ==
        "data contains 1 NaN or infinite value; it is sample 2498, row 5, column 0");
  CHECK(ex.info().samples == 3000);
  // And then the streamed file itself loads.
  load(ex, bytes);
  CHECK(ex.info().streamed->total_samples == 2500);
  CHECK_FALSE(ex.has_model());
}
