// The .npy reader against files written by NumPy itself (tests/fixtures/npy_cases.py) and against
// hostile bytes NumPy would never write, built here: reading, chunking, conversion and limits
// (the header's own checks are in test_npy_header.cpp).

#include "npy_test_support.h"

#if defined(__SANITIZE_ADDRESS__)  // GCC
#define PCARECON_TEST_ASAN 1
#elif defined(__has_feature)  // Clang
#if __has_feature(address_sanitizer)
#define PCARECON_TEST_ASAN 1
#endif
#endif
#ifdef PCARECON_TEST_ASAN
// The out-of-memory test asks for 2^62 bytes; ASan aborts on that unless told to let operator
// new throw std::bad_alloc, which is what the reader must turn into an Error.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }
#endif

TEST_CASE("every dtype, byte order, memory order and version reads as NumPy's float32 cast",
          "[npy]") {
  const nlohmann::json cases = load_cases();
  REQUIRE(cases.size() == 12 * 4 * 2 * 3 + 18);
  std::mt19937 rng(42);
  for (const auto& c : cases) {
    const std::string file = c["file"];
    INFO("fixture " << file);
    const Bytes bytes = slurp(fixture(file));
    std::optional<ImageShape> hint;
    if (c.contains("hint")) hint = ImageShape{c["hint"][0], c["hint"][1]};

    const std::optional<NpyHeader> header = pcarecon::parse_npy_header(bytes.data(), bytes.size());
    REQUIRE(header.has_value());
    CHECK(header->version() == c["version"].get<std::string>());
    CHECK(header->descr == c["descr"].get<std::string>());
    CHECK(header->dtype == dtype_from_name(c["dtype"]));
    CHECK(header->big_endian == c["big_endian"].get<bool>());
    CHECK(header->fortran_order == c["fortran_order"].get<bool>());
    CHECK(header->shape == c["shape"].get<std::vector<int64_t>>());
    CHECK(header->data_offset + header->data_bytes == bytes.size());
    CHECK(header->data_offset % 64 == 0);
    CHECK(header->element_count * header->item_size == header->data_bytes);

    const ImageStack stack = pcarecon::read_npy(bytes.data(), bytes.size(), hint);
    const int64_t n = c["shape"][0];
    const int64_t h = c["image"][0], w = c["image"][1];
    const int64_t channels = c.value("channels", int64_t{1});  // 3: RGB, H·W·3 values a row
    CHECK(stack.image.height == h);
    CHECK(stack.image.width == w);
    CHECK(stack.image.channels == channels);
    REQUIRE(stack.rows.rows() == n);
    REQUIRE(stack.rows.cols() == h * w * channels);
    const std::vector<float> expected =
        expected_values(c["expected"], static_cast<size_t>(n * h * w * channels));
    CHECK(same_bits(values_of(stack.rows), expected));
    CHECK(stack.value_min == *std::min_element(expected.begin(), expected.end()));
    CHECK(stack.value_max == *std::max_element(expected.begin(), expected.end()));

    const ImageStack from_file = pcarecon::read_npy_file(fixture(file), hint);
    CHECK(same_bits(values_of(from_file.rows), expected));
    CHECK(pcarecon::read_npy_header_file(fixture(file)).shape == header->shape);

    const Streamed bytewise = read_bytewise(bytes, hint);
    CHECK(same_bits(values_of(bytewise.stack.rows), expected));
    CHECK(bytewise.stack.value_min == stack.value_min);
    CHECK(bytewise.stack.value_max == stack.value_max);

    std::uniform_int_distribution<size_t> size(1, 40);
    const Streamed chunked = read_streamed(
        bytes, [&] { return size(rng); }, hint);
    CHECK(same_bits(values_of(chunked.stack.rows), expected));
  }
}

TEST_CASE("(N, D) rows take the given image shape or a square one", "[npy]") {
  const Bytes flat = slurp(fixture("shapes/flat_hint_C.npy"));  // (5, 12)
  SECTION("a shape that fits is used as given") {
    CHECK(pcarecon::read_npy(flat.data(), flat.size(), ImageShape{2, 6}).image.width == 6);
    CHECK(pcarecon::read_npy(flat.data(), flat.size(), ImageShape{12, 1}).image.height == 12);
  }
  SECTION("0x0 means infer") {
    CHECK(read_message(flat, ImageShape{0, 0}) ==
          "cannot infer the image shape: rows of 12 values (shape (5, 12)) are not square images "
          "since 12 is not a perfect square; give the image height and width");
  }
  SECTION("no hint and not square") {
    CHECK(read_message(flat) == read_message(flat, ImageShape{0, 0}));
  }
  SECTION("not square: the error's kind asks for a shape and carries the file's N and D") {
    try {
      pcarecon::read_npy(flat.data(), flat.size());
      FAIL("a (5, 12) file needs an image shape");
    } catch (const pcarecon::Error& e) {
      CHECK(e.kind() == pcarecon::ErrorKind::NeedsImageShape);
      CHECK(std::string(e.code()) == "needs_image_shape");
      CHECK(e.samples() == 5);
      CHECK(e.values() == 12);
    }
    pcarecon::NpyStreamReader reader(nullptr);
    CHECK(code_of([&] { reader.feed(flat.data(), flat.size()); }) == "needs_image_shape");
    // A failed reader repeats its error, kind included.
    CHECK(code_of([&] { reader.finish(); }) == "needs_image_shape");
  }
  SECTION("a shape that does not fit is refused") {
    CHECK(read_message(flat, ImageShape{5, 5}) ==
          "the image shape 5x5 does not fit rows of 12 values (shape (5, 12)): height x width "
          "must equal 12");
    CHECK(stream_message(flat, 7, ImageShape{5, 5}) == read_message(flat, ImageShape{5, 5}));
    CHECK(code_of([&] {
            pcarecon::read_npy(flat.data(), flat.size(), ImageShape{5, 5});
          }) == "bad_input");
  }
  SECTION("a negative or half-given shape is refused") {
    CHECK(read_message(flat, ImageShape{-3, -4}) ==
          "invalid image shape -3x-4: height and width must be positive");
    CHECK(read_message(flat, ImageShape{0, 12}) ==
          "invalid image shape 0x12: height and width must be positive");
  }
  SECTION("a hint does not override the shape of (N, H, W) files") {
    const Bytes stack = slurp(fixture("dtypes/uint8_le_C_v1.npy"));
    const ImageStack s = pcarecon::read_npy(stack.data(), stack.size(), ImageShape{4, 2});
    CHECK(s.image.height == 2);
    CHECK(s.image.width == 4);
  }
  SECTION("large perfect squares are recognised exactly") {
    // 3037000499² is the largest square below 2^63; its neighbours are not squares.
    const int64_t side = 3037000499;
    NpyHeader h;
    h.shape = {1, side * side};
    const ImageShape image = pcarecon::image_shape_for(h);
    CHECK(image.height == side);
    CHECK(image.width == side);
    h.shape = {1, side * side - 1};
    CHECK_THROWS_WITH(pcarecon::image_shape_for(h), Contains("is not a perfect square"));
    h.shape = {1, 1};
    CHECK(pcarecon::image_shape_for(h).height == 1);
  }
}

TEST_CASE("square_side is exact at the ends of int64 and of double precision", "[npy]") {
  using pcarecon::square_side;
  CHECK(square_side(0) == 0);
  CHECK(square_side(1) == 1);
  CHECK(square_side(2) == std::nullopt);
  CHECK(square_side(4) == 2);
  CHECK(square_side(784) == 28);
  CHECK(square_side(-4) == std::nullopt);
  // Around 2^52 and 2^53, where a double no longer holds every integer.
  for (const int64_t side : {int64_t{1} << 26, (int64_t{1} << 26) + 1, int64_t{94906265},
                             int64_t{94906267}, int64_t{3037000499}}) {
    INFO("side " << side);
    CHECK(square_side(side * side) == side);
    CHECK(square_side(side * side - 1) == std::nullopt);
    CHECK(square_side(side * side + 1) == std::nullopt);
  }
  CHECK(square_side(std::numeric_limits<int64_t>::max()) == std::nullopt);
}

TEST_CASE("image_shape_if_known: 0x0 for a D that is not square, the Error for other shapes",
          "[npy]") {
  NpyHeader h;
  h.shape = {5, 12};
  const ImageShape unknown = pcarecon::image_shape_if_known(h);
  CHECK(unknown.height == 0);
  CHECK(unknown.width == 0);
  h.shape = {5, 16};
  CHECK(pcarecon::image_shape_if_known(h).height == 4);
  h.shape = {100};
  CHECK(code_of([&] { pcarecon::image_shape_if_known(h); }) == "bad_input");
  h.shape = {0, 12};
  CHECK(error_of([&] { pcarecon::image_shape_if_known(h); }) ==
        "the array has no samples: shape (0, 12)");
}

TEST_CASE("whole-buffer, file, byte-by-byte and random-chunk reading agree", "[npy]") {
  for (const std::string file : {"random/f4_C.npy", "random/u1_F.npy", "random/f8_be_F.npy"}) {
    INFO("fixture " << file);
    const Bytes bytes = slurp(fixture(file));
    const ImageStack whole = pcarecon::read_npy(bytes.data(), bytes.size());
    const std::vector<float> reference = values_of(whole.rows);
    CHECK(same_bits(values_of(pcarecon::read_npy_file(fixture(file)).rows), reference));

    const Streamed bytewise = read_bytewise(bytes);
    CHECK(same_bits(values_of(bytewise.stack.rows), reference));
    CHECK(bytewise.stack.value_min == whole.value_min);
    CHECK(bytewise.stack.value_max == whole.value_max);

    for (unsigned seed = 1; seed <= 5; ++seed) {
      std::mt19937 rng(seed);
      std::uniform_int_distribution<size_t> size(1, 3000);
      const Streamed chunked = read_streamed(bytes, [&] { return size(rng); });
      CHECK(same_bits(values_of(chunked.stack.rows), reference));
      // Blocks are whole, consecutive rows.
      int64_t next = 0;
      for (const auto& [first, rows] : chunked.blocks) {
        CHECK(first == next);
        CHECK(rows >= 1);
        next = first + rows;
      }
      CHECK(next == whole.samples());
    }
  }
  SECTION("NumPy's own values") {
    const Bytes u1 = slurp(fixture("random/u1_F.npy"));
    const ImageStack s = pcarecon::read_npy(u1.data(), u1.size());
    CHECK(same_bits(values_of(s.rows), expected_values("random/u1_F_expected.npy", 200 * 784)));
    const Bytes f8 = slurp(fixture("random/f8_be_F.npy"));
    const ImageStack t = pcarecon::read_npy(f8.data(), f8.size());
    CHECK(same_bits(values_of(t.rows), expected_values("random/f8_be_F_expected.npy", 40 * 60)));
  }
}

TEST_CASE("C-order samples are delivered as they arrive, Fortran order at finish", "[npy]") {
  SECTION("C order") {
    const Bytes bytes = slurp(fixture("random/f4_C.npy"));  // (50, 7, 9) float32
    const NpyHeader h = *pcarecon::parse_npy_header(bytes.data(), bytes.size());
    int64_t received = 0;
    NpyStreamReader reader(
        [&](const Eigen::Ref<const RowMatrixF>& rows, int64_t) { received += rows.rows(); });
    CHECK_FALSE(reader.has_header());
    reader.feed(bytes.data(), h.data_offset - 1);
    CHECK_FALSE(reader.has_header());
    reader.feed(bytes.data() + h.data_offset - 1, 1);
    REQUIRE(reader.has_header());
    CHECK(reader.samples() == 50);
    CHECK(reader.image_shape().height == 7);
    CHECK(reader.rows_delivered() == 0);
    // Ten and a half samples.
    reader.feed(bytes.data() + h.data_offset, 63 * 4 * 10 + 130);
    CHECK(reader.rows_delivered() == 10);
    CHECK(received == 10);
    reader.feed(bytes.data() + h.data_offset + 63 * 4 * 10 + 130, 63 * 4 - 130);
    CHECK(reader.rows_delivered() == 11);
    const size_t done = h.data_offset + 63 * 4 * 11;
    reader.feed(bytes.data() + done, bytes.size() - done);
    CHECK(reader.rows_delivered() == 50);
    reader.finish();
    CHECK(received == 50);
  }
  SECTION("Fortran order") {
    const Bytes bytes = slurp(fixture("random/u1_F.npy"));
    NpyStreamReader reader(nullptr);
    reader.feed(bytes.data(), bytes.size() - 1);
    CHECK(reader.rows_delivered() == 0);
    reader.feed(bytes.data() + bytes.size() - 1, 1);
    CHECK(reader.rows_delivered() == 0);
    reader.finish();
    CHECK(reader.rows_delivered() == 200);
    CHECK(reader.value_min() == 0.f);
    CHECK(reader.value_max() == 255.f);
  }
}

TEST_CASE("every truncation point is reported", "[npy]") {
  for (const std::string file :
       {"dtypes/int16_be_C_v1.npy", "dtypes/float64_le_F_v2.npy", "dtypes/uint8_pipe_C_v3.npy"}) {
    INFO("fixture " << file);
    const Bytes bytes = slurp(fixture(file));
    const NpyHeader h = *pcarecon::parse_npy_header(bytes.data(), bytes.size());
    const size_t prefix_len = h.major_version == 1 ? 10 : 12;
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      INFO("cut at " << cut);
      const Bytes part(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(cut));
      std::string expected;
      if (cut == 0) {
        expected = "not a .npy file: the file is empty";
      } else if (cut < prefix_len) {
        expected = "file is truncated: the header is incomplete (the file has only " +
                   std::to_string(cut) + (cut == 1 ? " byte" : " bytes") +
                   "; a .npy header is at least 10 bytes long)";
      } else if (cut < h.data_offset) {
        expected = "file is truncated: the header is incomplete (it announces " +
                   std::to_string(h.data_offset) + " header bytes, the file has only " +
                   std::to_string(cut) + " bytes)";
      } else {
        expected = "file is truncated: expected " + std::to_string(h.data_bytes) +
                   " data bytes, found " + std::to_string(cut - h.data_offset);
      }
      if (cut < h.data_offset) CHECK_FALSE(pcarecon::parse_npy_header(part.data(), part.size()));
      CHECK(read_message(part) == expected);
      CHECK(stream_message(part, 1) == expected);
      CHECK(stream_message(part, 5) == expected);
    }
  }
}

TEST_CASE("Fortran order is reordered for every image shape", "[npy]") {
  // (N, H, W) = (2, 2, 3), element (n, h, w) = 100n + 10h + w, stored at n + N·(h + H·w).
  const int64_t N = 2, H = 2, W = 3;
  std::vector<float> fortran(static_cast<size_t>(N * H * W));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t w = 0; w < W; ++w)
        fortran[static_cast<size_t>(n + N * (h + H * w))] =
            static_cast<float>(100 * n + 10 * h + w);
  std::string data(fortran.size() * 4, '\0');
  std::memcpy(&data[0], fortran.data(), data.size());
  for (const std::string shape : {"(2, 2, 3)", "(2, 2, 3, 1)"}) {
    INFO("shape " << shape);
    const Bytes bytes =
        make_npy("{'descr': '<f4', 'fortran_order': True, 'shape': " + shape + "}", data);
    for (const ImageStack& s :
         {pcarecon::read_npy(bytes.data(), bytes.size()), read_bytewise(bytes).stack}) {
      REQUIRE(s.rows.rows() == N);
      REQUIRE(s.rows.cols() == H * W);
      for (int64_t n = 0; n < N; ++n)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t w = 0; w < W; ++w) CHECK(s.rows(n, h * W + w) == 100 * n + 10 * h + w);
    }
  }
  // (N, D) Fortran: element (n, d) at n + N·d.
  const Bytes flat = make_npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 6)}", data);
  const ImageStack s = pcarecon::read_npy(flat.data(), flat.size(), ImageShape{2, 3});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t d = 0; d < 6; ++d) CHECK(s.rows(n, d) == fortran[static_cast<size_t>(n + N * d)]);
}

TEST_CASE("float64 values are rounded to float32 exactly at its limits", "[npy]") {
  const double max = std::numeric_limits<float>::max();
  const double edge = 3.4028235677973366e38;  // 2^128 − 2^103: from here up, rounds to infinity
  const double below = std::nextafter(edge, 0.0);
  const Bytes fine = make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2)}",
                              raw_doubles({max, below, -below, 1e-50}));
  const ImageStack s = pcarecon::read_npy(fine.data(), fine.size());
  CHECK(s.rows(0, 0) == std::numeric_limits<float>::max());
  CHECK(s.rows(0, 1) == std::numeric_limits<float>::max());
  CHECK(s.rows(0, 2) == -std::numeric_limits<float>::max());
  CHECK(s.rows(0, 3) == 0.f);
  CHECK(s.value_max == std::numeric_limits<float>::max());
  CHECK(s.value_min == -std::numeric_limits<float>::max());

  const double inf = std::numeric_limits<double>::infinity();
  const Bytes over = make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 2)}",
                              raw_doubles({0.0, edge, inf, std::nan("")}));
  CHECK(read_message(over) ==
        "data contains 3 NaN or infinite values; the first is sample 0, row 0, column 1 (1 of them "
        "is a float64 value too large for float32, beyond ±3.4e38)");
  // Infinity and NaN in float32 and float16 too.
  const Bytes f4 = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 2)}",
                            raw_floats({1.f, 2.f, -std::numeric_limits<float>::infinity(), 3.f}));
  CHECK(read_message(f4) ==
        "data contains 1 NaN or infinite value; it is sample 1, row 0, column 0");
  const Bytes f2 = make_npy("{'descr': '>f2', 'fortran_order': False, 'shape': (1, 1, 2)}",
                            std::string("\x3c\x00\x7c\x00", 4));  // 1.0, +inf big endian
  CHECK(read_message(f2) ==
        "data contains 1 NaN or infinite value; it is sample 0, row 0, column 1");
}

TEST_CASE("a matrix too large to allocate is refused with its size", "[npy]") {
  SECTION("more than the address space") {
    const Bytes bytes =
        make_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2305843009213693952, 2, 1)}");
    CHECK(stream_message(bytes, 3) ==
          "not enough memory: 2305843009213693952 images of 2x1 pixels as float32 need "
          "18446744073.71 GB, more than this program can address");
    // A count beyond a signed 64-bit index is refused with the header (H·W must not overflow).
    CHECK(read_message(make_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (1, "
                                "6333666666666666666, 2)}")) ==
          "the shape (1, 6333666666666666666, 2) has more elements than a 64-bit count can hold");
    // With the whole file at hand, the same check comes first, so both readers agree.
    CHECK(read_message(bytes) == stream_message(bytes, 3));
  }
  SECTION("nothing is allocated before the data arrives") {
    // D = 2^60 pixels: one row alone would need 2^62 bytes; a header alone costs nothing.
    const Bytes bytes =
        make_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 1152921504606846976)}");
    CHECK(stream_message(bytes, 64) ==
          "file is truncated: expected 1152921504606846976 data bytes, found 0");
  }
  SECTION("allocation fails") {
    // Out of memory while the rows are stored (the sink stands for the page's stack).
    const Bytes bytes = make_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3, 2, 2)}",
                                 std::string(12, '\x01'));
    NpyStreamReader reader(
        [](const Eigen::Ref<const RowMatrixF>&, int64_t) { throw std::bad_alloc(); });
    const std::string message =
        "not enough memory to hold 3 images of 2x2 pixels as float32 (48 bytes, 0.00 GB)";
    CHECK_THROWS_WITH(reader.feed(bytes.data(), bytes.size()), message);
    CHECK_THROWS_WITH(reader.finish(), message);
  }
}

TEST_CASE("the stream reader keeps its first error and passes on the sink's", "[npy]") {
  const Bytes bad = slurp(fixture("refused/complex.npy"));
  NpyStreamReader reader(nullptr);
  CHECK_THROWS_WITH(reader.feed(bad.data(), bad.size()), Contains("complex numbers"));
  CHECK_THROWS_WITH(reader.feed(bad.data(), 1), Contains("complex numbers"));
  CHECK_THROWS_WITH(reader.finish(), Contains("complex numbers"));
  CHECK_FALSE(reader.has_header());
  CHECK_THROWS_AS(reader.header(), Error);
  CHECK(reader.value_min() == 0.f);
  CHECK(reader.value_max() == 0.f);

  const Bytes good = slurp(fixture("random/f4_C.npy"));
  NpyStreamReader failing(
      [](const Eigen::Ref<const RowMatrixF>&, int64_t) { throw Error("the sink is full"); });
  CHECK_THROWS_WITH(failing.feed(good.data(), good.size()), "the sink is full");
  CHECK_THROWS_WITH(failing.finish(), "the sink is full");

  // Feeding nothing changes nothing.
  NpyStreamReader empty(nullptr);
  empty.feed(nullptr, 0);
  CHECK(empty.bytes_fed() == 0);
  CHECK_THROWS_WITH(empty.finish(), "not a .npy file: the file is empty");
}

TEST_CASE("8-bit C-order samples go to the byte sink as they are, in chunks of any size", "[npy]") {
  const int64_t n = 37, h = 5, w = 3, d = h * w;
  for (const std::string descr : {"|u1", "|i1"}) {
    INFO(descr);
    Bytes raw(size_t(n * d));
    for (size_t i = 0; i < raw.size(); ++i) raw[i] = uint8_t(17 + i * 29 % 200);
    const std::string shape =
        "(" + std::to_string(n) + ", " + std::to_string(h) + ", " + std::to_string(w) + ")";
    const Bytes file = npy_test::c_order_npy(descr, shape, raw.data(), raw.size());
    // The float32 path's range, for reference.
    const ImageStack floats = pcarecon::read_npy(file.data(), file.size());
    for (unsigned seed = 1; seed <= 4; ++seed) {
      std::mt19937 rng(seed);
      std::uniform_int_distribution<size_t> size(1, 200);
      Bytes taken(raw.size(), 0);
      int64_t next = 0, converted = 0;
      NpyStreamReader reader(
          [&](const Eigen::Ref<const RowMatrixF>& rows, int64_t) { converted += rows.rows(); });
      reader.set_byte_sink([&](const uint8_t* samples, int64_t count, int64_t first_row) {
        CHECK(first_row == next);  // whole, consecutive samples
        CHECK(count >= 1);
        std::memcpy(taken.data() + first_row * d, samples, size_t(count * d));
        next = first_row + count;
        return true;
      });
      for (size_t at = 0; at < file.size();) {
        const size_t chunk = std::min(size(rng), file.size() - at);
        reader.feed(file.data() + at, chunk);
        at += chunk;
      }
      reader.finish();
      CHECK(taken == raw);
      CHECK(converted == 0);
      CHECK(reader.rows_delivered() == n);
      CHECK(reader.value_min() == floats.value_min);
      CHECK(reader.value_max() == floats.value_max);
    }
    // A sink that declines is asked once; every sample then goes through the conversion.
    int offers = 0;
    int64_t converted = 0;
    NpyStreamReader reader(
        [&](const Eigen::Ref<const RowMatrixF>& rows, int64_t) { converted += rows.rows(); });
    reader.set_byte_sink([&](const uint8_t*, int64_t, int64_t) {
      ++offers;
      return false;
    });
    reader.feed(file.data(), file.size());
    reader.finish();
    CHECK(offers == 1);
    CHECK(converted == n);
    CHECK(reader.rows_delivered() == n);
    CHECK(reader.value_min() == floats.value_min);
    CHECK(reader.value_max() == floats.value_max);
  }
  // Other dtypes never reach it.
  const std::vector<float> values(size_t(4 * 9), 2.5f);
  const Bytes f4 = npy_test::c_order_npy("<f4", "(4, 3, 3)", values.data(), values.size() * 4);
  NpyStreamReader reader(nullptr);
  reader.set_byte_sink([](const uint8_t*, int64_t, int64_t) -> bool {
    FAIL("a float32 file's samples were offered as bytes");
    return true;
  });
  reader.feed(f4.data(), f4.size());
  reader.finish();
  CHECK(reader.rows_delivered() == 4);
}

TEST_CASE("mutated files give a result or an Error, never a crash", "[npy]") {
  // Run under ASan/UBSan this also shows every byte is bounds-checked.
  std::mt19937 rng(2024);
  int refused = 0, read = 0;
  for (const std::string file : {"dtypes/int16_be_F_v1.npy", "dtypes/float64_le_C_v2.npy",
                                 "dtypes/float16_native_F_v3.npy", "shapes/gray_channel_F.npy"}) {
    const Bytes original = slurp(fixture(file));
    const size_t header_size =
        pcarecon::parse_npy_header(original.data(), original.size())->data_offset;
    for (int round = 0; round < 600; ++round) {
      Bytes bytes = original;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        switch (rng() % 5) {
          case 0:  // anywhere in the header, any byte
          case 1:
            bytes[rng() % std::min(header_size, bytes.size())] = static_cast<uint8_t>(rng());
            break;
          case 2: {  // a digit or punctuation inside the dict
            const char* pick = "0123456789(),:'\"{}[]-L TF<>|=fiubcOU";
            bytes[10 + rng() % (std::min(header_size, bytes.size()) - 10)] =
                static_cast<uint8_t>(pick[rng() % std::strlen(pick)]);
            break;
          }
          case 3:
            bytes.resize(rng() % (bytes.size() + 1));
            break;
          default:
            bytes.insert(bytes.end(), rng() % 9, static_cast<uint8_t>(rng()));
        }
        if (bytes.size() < 12) break;
      }
      std::string whole;
      try {
        const ImageStack s = pcarecon::read_npy(bytes.data(), bytes.size());
        CHECK(s.rows.size() == s.samples() * s.image.values());
        ++read;
      } catch (const Error& e) {
        whole = e.what();
        CHECK_FALSE(whole.empty());
        ++refused;
      }
      // The stream reader agrees, whatever the chunks.
      std::uniform_int_distribution<size_t> size(1, 64);
      std::string streamed;
      try {
        read_streamed(bytes, [&] { return size(rng); });
      } catch (const Error& e) {
        streamed = e.what();
      }
      if (whole.find("; this one starts with \"") != std::string::npos) {
        CHECK(streamed.find("; this one starts with \"") != std::string::npos);
      } else {
        INFO("whole: " << whole);
        CHECK(streamed == whole);
      }
    }
  }
  CHECK(read > 0);
  CHECK(refused > 0);
}
