// A file being read on its own (FileReading): what it hands over when finished, the decision to
// stream, and the checks of a streamed file's parts. The Explorer's use of it (a bad file keeps
// the loaded stack) is in test_explorer.cpp and test_streamed.cpp.

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "error.h"
#include "error_of.h"
#include "file_reading.h"
#include "npy_test_support.h"

using namespace pcarecon;

namespace {

std::string shape_text(int64_t n, int64_t h, int64_t w) {
  return "(" + std::to_string(n) + ", " + std::to_string(h) + ", " + std::to_string(w) + ")";
}

// A little-endian float32 C-order .npy (format 1.0) of shape (n, h, w), values 0, 1, 2, ...
std::vector<uint8_t> counting_npy(int64_t n, int64_t h, int64_t w) {
  std::vector<float> values(static_cast<size_t>(n * h * w));
  for (size_t i = 0; i < values.size(); ++i) values[i] = float(i);
  return npy_test::c_order_npy("<f4", shape_text(n, h, w), values.data(), values.size() * 4);
}

// The same as uint8 (values i mod 251).
std::vector<uint8_t> counting_npy_u8(int64_t n, int64_t h, int64_t w) {
  std::vector<uint8_t> values(static_cast<size_t>(n * h * w));
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<uint8_t>(i % 251);
  return npy_test::c_order_npy("|u1", shape_text(n, h, w), values.data(), values.size());
}

FileReading::Settings streaming_above(uint64_t bytes, uint64_t window) {
  FileReading::Settings settings;
  settings.stream_above_bytes = bytes;
  settings.stream_window_bytes = window;
  return settings;
}

}  // namespace

TEST_CASE("a file read whole hands over its header and every sample", "[file_reading]") {
  const std::vector<uint8_t> bytes = counting_npy(5, 2, 3);
  FileReading reading(std::nullopt, FileReading::Settings{});
  CHECK_FALSE(reading.info().has_value());
  reading.feed(bytes.data(), 70);
  CHECK_FALSE(reading.has_header());
  reading.feed(bytes.data() + 70, bytes.size() - 70);
  REQUIRE(reading.info().has_value());
  CHECK(reading.info()->samples == 5);
  CHECK(reading.rows_read() == 5);
  CHECK_FALSE(reading.streaming());
  const LoadedFile file = reading.finish();
  CHECK(file.header.shape == std::vector<int64_t>{5, 2, 3});
  REQUIRE(file.images != nullptr);
  CHECK(file.images->image.height == 2);
  CHECK(file.images->image.width == 3);
  CHECK(file.images->rows(4, 5) == 29.f);
  CHECK(file.images->value_min == 0.f);
  CHECK(file.images->value_max == 29.f);
  CHECK_FALSE(file.streamed.has_value());
}

TEST_CASE("a file above the streaming budget keeps its first rows and the covariance of all",
          "[file_reading]") {
  const std::vector<uint8_t> bytes = counting_npy(40, 2, 2);  // 640 bytes of float32
  FileReading reading(std::nullopt, streaming_above(100, 3 * 4 * 4));
  reading.feed(bytes.data(), bytes.size());
  CHECK(reading.streaming());
  CHECK(reading.info()->samples == 3);
  CHECK(reading.info()->streamed->total_samples == 40);
  const LoadedFile file = reading.finish();
  REQUIRE(file.streamed.has_value());
  CHECK(file.images->samples() == 3);
  CHECK(file.streamed->rows->count() == 40);
  CHECK(file.streamed->info.kept_samples == 3);
  CHECK(file.images->value_max == 159.f);  // the range covers the rows not kept
}

TEST_CASE("the stream decision counts the bytes a file is held in: an 8-bit file's own",
          "[file_reading]") {
  // 40 images of 4×4: 640 values, 640 bytes held as uint8, 2560 as float32; the budget between.
  const FileReading::Settings budget = streaming_above(1000, 4 * 16 * 4);
  const std::vector<uint8_t> bytes = counting_npy_u8(40, 4, 4);
  FileReading whole(std::nullopt, budget);
  whole.feed(bytes.data(), bytes.size());
  CHECK_FALSE(whole.streaming());
  const LoadedFile file = whole.finish();
  CHECK(file.images->held_as_bytes());
  CHECK(file.images->samples() == 40);
  CHECK(file.images->held_bytes() == 640);
  // The same values as float32 are 2560 bytes: above the budget, streamed.
  const std::vector<uint8_t> floats = counting_npy(40, 4, 4);
  FileReading streamed(std::nullopt, budget);
  streamed.feed(floats.data(), floats.size());
  CHECK(streamed.streaming());
  CHECK(streamed.info()->samples == 4);  // the window: 4 rows of 16 float32
  // And a uint8 file above the budget in its own bytes is streamed too.
  const std::vector<uint8_t> larger = counting_npy_u8(80, 4, 4);
  FileReading above(std::nullopt, budget);
  above.feed(larger.data(), larger.size());
  CHECK(above.streaming());
}

TEST_CASE("a streamed file's parts must cover every sample once", "[file_reading]") {
  const std::vector<uint8_t> bytes = counting_npy(40, 2, 2);
  const size_t header = bytes.size() - 40 * 16;
  FileReading main(std::nullopt, streaming_above(0, 10 * 16));
  main.feed(bytes.data(), header);
  main.read_rows(0, 25);
  main.feed(bytes.data() + header, 25 * 16);

  FileReading helper(std::nullopt, streaming_above(0, 16));
  helper.feed(bytes.data(), header);
  helper.read_rows(25, 40);
  helper.feed(bytes.data() + header + 25 * 16, 15 * 16);
  const StreamedPart part = helper.finish_part();
  CHECK(part.begin == 25);
  CHECK(part.end == 40);
  CHECK(part.rows.count == 15);

  StreamedPart overlapping = part;
  overlapping.begin = 24;
  overlapping.rows.count = 16;
  CHECK(error_of([&] { main.merge_part(overlapping); }) ==
        "part: samples 24 to 40 overlap samples 0 to 25, already read");
  main.merge_part(part);
  const LoadedFile file = main.finish();
  CHECK(file.streamed->rows->count() == 40);
  CHECK(file.images->samples() == 10);
  CHECK(file.images->value_max == 159.f);  // from the helper's part
}

TEST_CASE("a streamed file without its other part is incomplete", "[file_reading]") {
  const std::vector<uint8_t> bytes = counting_npy(40, 2, 2);
  const size_t header = bytes.size() - 40 * 16;
  FileReading main(std::nullopt, streaming_above(0, 10 * 16));
  main.feed(bytes.data(), header);
  main.read_rows(0, 25);
  main.feed(bytes.data() + header, 25 * 16);
  try {
    main.finish();
    FAIL("finish() should have refused the file");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "samples 25 to 40 of the streamed file were not read");
    CHECK(e.kind() == ErrorKind::PartsIncomplete);
  }
}
