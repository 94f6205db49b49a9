// The .npy header: files NumPy writes but the reader refuses, broken headers and the variants
// other writers produce, and the header-only helpers.

#include "npy_test_support.h"

TEST_CASE("files NumPy writes but the reader refuses", "[npy]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"object", "object arrays (dtype '|O') are pickled Python objects and cannot be read"},
      {"structured",
       "structured arrays (dtype [('x', '<f4'), ('y', '<i2')]) are not supported; save a plain "
       "numeric array"},
      {"complex",
       "unsupported dtype '<c16' (complex numbers); readable dtypes are bool, int8 to "
       "int64, uint8 to uint64, float16, float32 and float64"},
      {"unicode", "unsupported dtype '<U5' (Unicode strings)"},
      {"bytes", "unsupported dtype '|S3' (byte strings)"},
      {"datetime", "unsupported dtype '<M8[s]' (dates and times)"},
      {"timedelta", "unsupported dtype '<m8' (time differences)"},
      {"longdouble", "unsupported dtype '<f16' (128-bit floats)"},
      {"one_d", std::string("not an image stack: got a 1-D array of shape (100,); ") + kAccepted},
      {"scalar", std::string("not an image stack: got a 0-D array (a single value); ") + kAccepted},
      {"five_d",
       std::string("not an image stack: got a 5-D array of shape (2, 2, 2, 2, 2); ") + kAccepted},
      {"rgba",
       std::string("RGBA images (N, H, W, 4) are not supported: got shape (10, 4, 4, 4); drop the "
                   "alpha channel (x[..., :3]) to keep the RGB colours; ") +
           kAccepted},
      {"two_channels", std::string("not an image stack: got a 4-D array of shape (10, 4, 4, 2) "
                                   "(its last dimension, 2, is neither 1 for gray nor 3 for "
                                   "RGB); ") +
                           kAccepted},
      {"nan_rgb_C",
       "data contains 1 NaN or infinite value; it is sample 1, row 1, column 2, channel green"},
      {"nan_rgb_F",
       "data contains 1 NaN or infinite value; it is sample 1, row 1, column 2, channel green"},
      {"no_samples", "the array has no samples: shape (0, 28, 28)"},
      {"no_pixels", "the images have no pixels: shape (5, 0, 3)"},
      {"not_square",
       "cannot infer the image shape: rows of 780 values (shape (4, 780)) are not "
       "square images since 780 is not a perfect square"},
      {"nan_C", "data contains 3 NaN or infinite values; the first is sample 2, row 0, column 5"},
      {"nan_F", "data contains 3 NaN or infinite values; the first is sample 2, row 0, column 5"},
      {"nan_f2", "data contains 1 NaN or infinite value; it is sample 1, row 1, column 0"},
      {"overflow_f8",
       "data contains 2 NaN or infinite values; the first is sample 0, row 1, column 2 (2 of them "
       "are float64 values too large for float32, beyond ±3.4e38)"},
      {"overflow_f8_be",
       "data contains 2 NaN or infinite values; the first is sample 0, row 1, "
       "column 2 (2 of them are float64 values too large for float32"},
      {"truncated", "file is truncated: expected 24 data bytes, found 19"},
      {"excess", "file has 12 bytes after the data the header announces"},
      {"header_only", "file is truncated: expected 24 data bytes, found 0"},
      {"half_header",
       "file is truncated: the header is incomplete (it announces 128 header bytes, "
       "the file has only 40 bytes)"},
      {"empty", "not a .npy file: the file is empty"},
      {"png",
       "not a .npy file: save the images with numpy.save (a .npy file starts with "
       "\"\\x93NUMPY\"; this one starts with \"\\x89PNG\\r\\n\\x1a\\n\")"},
      {"version4",
       "unsupported .npy format version 4.0; this reader understands versions 1.0, "
       "2.0 and 3.0"},
      {"npz", "this one starts with \"PK\\x03\\x04"},
  };
  for (const auto& [name, message] : cases) {
    INFO("fixture refused/" << name << ".npy");
    const std::string path = fixture("refused/" + name + ".npy");
    const Bytes bytes = slurp(path);
    CHECK_THROWS_WITH(pcarecon::read_npy(bytes.data(), bytes.size()), Contains(message));
    CHECK_THROWS_WITH(pcarecon::read_npy_file(path), Contains(message));
    CHECK_THROWS_AS(pcarecon::read_npy_file(path), Error);
    // Fed byte by byte, bad magic is refused at its first byte, so less of it can be shown.
    CHECK_THAT(stream_message(bytes, 1), Contains(name == "png" ? "this one starts with \"\\x89\")"
                                                  : name == "npz" ? "this one starts with \"P\")"
                                                                  : message));
    CHECK_THAT(stream_message(bytes, 4096), Contains(message));
  }
  // What a .npz is told, whole or fed in chunks as the page does.
  const Bytes npz = slurp(fixture("refused/npz.npy"));
  const std::string hint =
      "not a .npy file: this is a .npz archive (a zip of .npy files); give one array saved with "
      "numpy.save";
  CHECK_THROWS_WITH(pcarecon::read_npy(npz.data(), npz.size()), Contains(hint));
  CHECK_THAT(stream_message(npz, 4096), Contains(hint));
}

TEST_CASE("broken headers are refused with what was expected where", "[npy]") {
  const std::string ok_data(4, '\0');  // (1, 2, 2) of '|u1'
  auto message = [&](const std::string& dict) { return read_message(make_npy(dict, ok_data)); };
  const std::string prefix = "{'descr': '|u1', 'fortran_order': False, ";

  SECTION("keys") {
    CHECK(message("{'descr': '|u1', 'fortran_order': False}") ==
          "the .npy header has no 'shape' key");
    CHECK(message("{'fortran_order': False, 'shape': (1, 2, 2)}") ==
          "the .npy header has no 'descr' key");
    CHECK(message("{'descr': '|u1', 'shape': (1, 2, 2)}") ==
          "the .npy header has no 'fortran_order' key");
    CHECK(message(prefix + "'shape': (1, 2, 2), 'shape': (1, 2, 2)}") ==
          "the .npy header has the key 'shape' twice");
    CHECK(message(prefix + "'shape': (1, 2, 2), 'order': 'C'}") ==
          "the .npy header has an unexpected key 'order'; expected exactly 'descr', "
          "'fortran_order' and 'shape'");
    CHECK(message("{}") == "the .npy header has no 'descr' key");
  }
  SECTION("value types") {
    CHECK(message("{'descr': '|u1', 'fortran_order': 0, 'shape': (1, 2, 2)}") ==
          "'fortran_order' in the .npy header must be True or False, got 0");
    CHECK(message("{'descr': '|u1', 'fortran_order': 'False', 'shape': (1, 2, 2)}") ==
          "'fortran_order' in the .npy header must be True or False, got 'False'");
    CHECK(message("{'descr': '|u1', 'fortran_order': None, 'shape': (1, 2, 2)}") ==
          "'fortran_order' in the .npy header must be True or False, got None");
    CHECK(message(prefix + "'shape': [1, 2, 2]}") ==
          "'shape' in the .npy header must be a tuple of integers, got [1, 2, 2]");
    CHECK(message(prefix + "'shape': (4)}") ==
          "'shape' in the .npy header must be a tuple of integers, got (4)");
    CHECK(message(prefix + "'shape': ('a', 2, 2)}") ==
          "'shape' in the .npy header must be a tuple of integers, got ('a', 2, 2)");
    CHECK(message(prefix + "'shape': {'a': 1}}") ==
          "'shape' in the .npy header must be a tuple of integers, got {'a': 1}");
    CHECK(message(prefix + "'shape': ((1, 2), 2)}") ==
          "'shape' in the .npy header must be a tuple of integers, got ((1, 2), 2)");
    CHECK(message("{'descr': 4, 'fortran_order': False, 'shape': (1, 2, 2)}") ==
          "'descr' in the .npy header must be a dtype string such as '<f4', got 4");
  }
  SECTION("shapes") {
    CHECK(message(prefix + "'shape': (-5, 28, 28)}") ==
          "the shape (-5, 28, 28) has a negative entry -5");
    CHECK(message(prefix + "'shape': (4294967296, 4294967296, 2)}") ==
          "the shape (4294967296, 4294967296, 2) has more elements than a 64-bit count can hold");
    CHECK(message(prefix + "'shape': (99999999999999999999, 2, 2)}") ==
          "the .npy header has the integer 99999999999999999999, which does not fit in 64 bits");
    CHECK(message(prefix + "'shape': (-9223372036854775809, 2, 2)}") ==
          "the .npy header has the integer -9223372036854775809, which does not fit in 64 bits");
    CHECK(message(prefix + "'shape': (-9223372036854775808, 2, 2)}") ==
          "the shape (-9223372036854775808, 2, 2) has a negative entry -9223372036854775808");
    CHECK(message("{'descr': '<f8', 'fortran_order': False, 'shape': (1152921504606846976, 4, "
                  "1)}") ==
          "the shape (1152921504606846976, 4, 1) of dtype '<f8' needs more than 2^64 data bytes");
    // A zero makes the product 0 even when the rest would overflow.
    CHECK(message(prefix + "'shape': (0, 4294967296, 4294967296)}") ==
          "the array has no samples: shape (0, 4294967296, 4294967296)");
  }
  SECTION("syntax") {
    CHECK_THAT(
        message("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2), "),
        Contains("cannot parse the .npy header: expected a quoted key such as 'descr' or "
                 "'}' closing the dict at character 118, found the end of the header; the "
                 "header is \"{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2), ") &&
            Contains("   \\n\""));
    CHECK_THAT(message("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2)"),
               Contains("expected ',' or '}' after the value of 'shape' at character 118, found "
                        "the end of the header"));
    CHECK_THAT(message("{'descr' '|u1', 'fortran_order': False, 'shape': (1, 2, 2)}"),
               Contains("expected ':' after the key 'descr' at character 9, found '''"));
    CHECK_THAT(message("[('descr', '|u1')]"),
               Contains("expected '{' opening the header dict at character 0, found '['"));
    CHECK_THAT(message("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2)} x"),
               Contains("expected only padding (spaces and a newline) after the closing '}' at "
                        "character 61, found 'x'"));
    CHECK_THAT(message("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2.5)}"),
               Contains("expected ',' or ')' in the tuple starting at character 50 at character "
                        "55, found '.'"));
    CHECK_THAT(message("{'descr': '|u1, 'fortran_order': False, 'shape': (1, 2, 2)}"),
               Contains("expected ',' or '}' after the value of 'descr' at character 17, found "
                        "'f'"));
    CHECK_THAT(message("{'descr: '|u1'}"),
               Contains("expected ':' after the key 'descr: ' at character 10, found '|'"));
    CHECK_THAT(message("{'descr': '|u1"),
               Contains("expected a closing quote for the string starting at character 10"));
    CHECK_THAT(message("{descr: '|u1'}"),
               Contains("expected a quoted key such as 'descr' or '}' closing the dict at "
                        "character 1, found 'd'"));
    CHECK_THAT(message("{'descr': '|u1', 'fortran_order': Fals, 'shape': (1, 2, 2)}"),
               Contains("expected a value (a string, number, True, False or a tuple) at "
                        "character 34, found 'F'"));
    CHECK_THAT(message("{'descr': " + std::string(100, '[') + "}"),
               Contains("expected a less deeply nested value"));
  }
  SECTION("dtypes") {
    auto descr = [&](const std::string& d) {
      return message("{'descr': '" + d + "', 'fortran_order': False, 'shape': (1, 2, 2)}");
    };
    CHECK_THAT(descr(""), Contains("the .npy header has an empty dtype ''"));
    CHECK_THAT(descr("<"), Contains("unsupported dtype '<'; readable dtypes are"));
    CHECK_THAT(descr("<f3"), Contains("unsupported dtype '<f3' (24-bit floats)"));
    CHECK_THAT(descr("<i3"), Contains("unsupported dtype '<i3' (24-bit integers)"));
    CHECK_THAT(descr("<u16"), Contains("unsupported dtype '<u16' (128-bit unsigned integers)"));
    CHECK_THAT(descr("|b2"), Contains("unsupported dtype '|b2' (16-bit booleans)"));
    CHECK_THAT(descr("<x4"), Contains("unsupported dtype '<x4' (unknown type code 'x')"));
    CHECK_THAT(descr("<f4x"), Contains("unsupported dtype '<f4x' (not a plain numeric type)"));
    CHECK_THAT(descr("<f99999999999999999999"), Contains("(not a plain numeric type)"));
    CHECK_THAT(descr("|V8"), Contains("unsupported dtype '|V8' (raw bytes or records)"));
    CHECK_THAT(descr("|O8"), Contains("object arrays (dtype '|O8') are pickled Python objects"));
  }
  SECTION("framing") {
    CHECK(read_message(to_bytes(std::string("\x93NUMPY\x01\x01", 8) + std::string(100, ' '))) ==
          "unsupported .npy format version 1.1; this reader understands versions 1.0, 2.0 and 3.0");
    CHECK_THAT(read_message(to_bytes(std::string("\x93NUMPY\x00\x00", 8))),
               Contains("unsupported .npy format version 0.0"));
    CHECK_THAT(read_message(to_bytes(std::string("\x93NUMPY\xff\x00", 8))),
               Contains("unsupported .npy format version 255.0"));
    // Bad magic is seen from the first differing byte, before the rest arrives.
    CHECK_THROWS_WITH(pcarecon::parse_npy_header(reinterpret_cast<const uint8_t*>("\x93NUX"), 4),
                      "not a .npy file: save the images with numpy.save (a .npy file starts with "
                      "\"\\x93NUMPY\"; this one starts with \"\\x93NUX\")");
    CHECK_FALSE(pcarecon::parse_npy_header(reinterpret_cast<const uint8_t*>("\x93NUM"), 4));
    CHECK_FALSE(pcarecon::parse_npy_header(nullptr, 0));
    CHECK(read_message({}) == "not a .npy file: the file is empty");
    CHECK_THROWS_WITH(pcarecon::read_npy(nullptr, 0), "not a .npy file: the file is empty");
    // Header length pointing past the end of the file.
    Bytes far = make_npy(prefix + "'shape': (1, 2, 2)}", ok_data);
    far[8] = 0xff;
    far[9] = 0x7f;
    CHECK(read_message(far) ==
          "file is truncated: the header is incomplete (it announces 32777 header bytes, the file "
          "has only 132 bytes)");
    // A 4 GB header length in version 2.0 is refused at once instead of being waited for.
    Bytes huge = make_npy(prefix + "'shape': (1, 2, 2)}", ok_data, 2);
    huge[8] = huge[9] = huge[10] = huge[11] = 0xff;
    const std::string huge_message =
        "the .npy header claims to be 4294967295 bytes long; a header of a plain numeric array "
        "is at most a few hundred bytes (limit 1048576)";
    CHECK(read_message(huge) == huge_message);
    CHECK_THROWS_WITH(pcarecon::parse_npy_header(huge.data(), 12), huge_message);
    // A zero-length header.
    CHECK_THAT(read_message(to_bytes(std::string("\x93NUMPY\x01\x00\x00\x00", 10))),
               Contains("expected '{' opening the header dict at character 0, found the end of "
                        "the header"));
  }
}

TEST_CASE("header variants NumPy or other writers produce are accepted", "[npy]") {
  const std::string data(4, '\x07');
  for (const std::string dict : {
           "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2), }",
           "{'descr':'|u1','fortran_order':False,'shape':(1,2,2)}",
           "{\"descr\": \"|u1\", \"fortran_order\": False, \"shape\": (1, 2, 2)}",
           "{'shape': (1, 2, 2), 'fortran_order': False, 'descr': '|u1'}",
           "{'descr': '|u1',\n 'fortran_order': False,\n 'shape': ( 1 , 2 , 2 , ) }",
           "{'descr': '|u1', 'fortran_order': False, 'shape': (1L, 2L, 2L)}",
           "{'descr': 'u1', 'fortran_order': False, 'shape': (1, 2, 2)}",
           "{'descr': '=u1', 'fortran_order': False, 'shape': (1, 4)}",
           "{'descr': '|u1', 'fortran_order': True, 'shape': (1, 2, 2)}",
           "{'descr': '|u1', 'fortran_order': False, 'shape': (+1, 2, 2)}",
       }) {
    INFO("header " << dict);
    for (int major : {1, 2, 3}) {
      const Bytes bytes = make_npy(dict, data, major);
      const ImageStack s = pcarecon::read_npy(bytes.data(), bytes.size());
      CHECK(s.samples() == 1);
      CHECK(s.image.values() == 4);
      CHECK(s.rows.isConstant(7.f));
      CHECK(s.value_min == 7.f);
      CHECK(s.value_max == 7.f);
    }
  }
  // A (1,)-shaped tuple needs its comma: (1,) is a 1-D shape.
  const Bytes one =
      make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", raw_floats({1.f}));
  CHECK(read_message(one) ==
        std::string("not an image stack: got a 1-D array of shape (1,); ") + kAccepted);
  // Non-ASCII text in a version 3.0 header is just bytes to the parser, shown escaped.
  const Bytes utf8 = make_npy(
      "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 2, 2), '\xc3\xa9': 1}", data, 3);
  CHECK(read_message(utf8) ==
        "the .npy header has an unexpected key '\\xc3\\xa9'; expected "
        "exactly 'descr', 'fortran_order' and 'shape'");
}
TEST_CASE("read_npy_header_file reads only the header", "[npy]") {
  const NpyHeader h = pcarecon::read_npy_header_file(fixture("refused/header_only.npy"));
  CHECK(h.shape == std::vector<int64_t>{2, 3, 4});
  CHECK(h.descr == "|u1");
  CHECK(h.dtype == DType::UInt8);
  CHECK(h.data_bytes == 24);
  CHECK(h.version() == "1.0");
  CHECK(pcarecon::read_npy_header_file(fixture("refused/truncated.npy")).element_count == 24);
  CHECK_THROWS_WITH(pcarecon::read_npy_header_file(fixture("refused/half_header.npy")),
                    "file is truncated: the header is incomplete (it announces 128 header bytes, "
                    "the file has only 40 bytes)");
  CHECK_THROWS_WITH(pcarecon::read_npy_header_file(fixture("refused/empty.npy")),
                    "not a .npy file: the file is empty");
  CHECK_THROWS_WITH(pcarecon::read_npy_header_file(fixture("no/such/file.npy")),
                    Contains("cannot open '") && Contains("no/such/file.npy': No such file"));
  CHECK_THROWS_WITH(pcarecon::read_npy_file(fixture("no/such/file.npy")),
                    Contains("No such file or directory"));
  CHECK_THROWS_WITH(pcarecon::read_npy_file(fixture("refused")), Contains("cannot read '"));
}

TEST_CASE("header helpers", "[npy]") {
  CHECK(pcarecon::shape_string({}) == "()");
  CHECK(pcarecon::shape_string({100}) == "(100,)");
  CHECK(pcarecon::shape_string({3, 28, 28}) == "(3, 28, 28)");
  CHECK(std::string(pcarecon::dtype_name(DType::Float16)) == "float16");
  CHECK(std::string(pcarecon::dtype_name(DType::UInt64)) == "uint64");
}
