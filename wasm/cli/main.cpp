// pcarecon: the core from the command line. JSON on stdout; on any error one line on stderr,
// "pcarecon: <message>", and exit status 2 (usage errors too).

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "error.h"
#include "explorer.h"
#include "figure.h"
#include "npy_reader.h"
#include "pca.h"

namespace {

using pcarecon::Error;

constexpr const char* kUsage =
    "usage: pcarecon info FILE.npy\n"
    "       pcarecon fit FILE.npy [-k K] [--shape HxW]\n"
    "       pcarecon figure FILE.npy [-i INDEX] [-k K] [--step S] [--frame-duration MS]\n"
    "                                [--plain-arrays] [--shape HxW]\n"
    "\n"
    "  info    the .npy header: shape, dtype, fortran_order, version\n"
    "  fit     PCA with K components (0 or absent: min(N, D)), scikit-learn's names\n"
    "  figure  the plotly figure of sample INDEX rebuilt from k = 0, S, 2S, ..., K components\n"
    "\n"
    "  --shape HxW      image size for an (N, D) file whose D is not a perfect square\n"
    "  --plain-arrays   number lists instead of base64 typed arrays (for plotly.py 5)\n";

int64_t parse_int(const std::string& option, const std::string& text) {
  errno = 0;
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE)
    throw Error(option + " needs a whole number (got '" + text + "')");
  return value;
}

pcarecon::ImageShape parse_shape(const std::string& text) {
  const auto x = text.find_first_of("xX");
  if (x == std::string::npos)
    throw Error("--shape needs HEIGHTxWIDTH, e.g. 28x28 (got '" + text + "')");
  pcarecon::ImageShape shape{parse_int("--shape", text.substr(0, x)),
                             parse_int("--shape", text.substr(x + 1))};
  if (shape.height <= 0 || shape.width <= 0)
    throw Error("--shape needs a positive height and width (got '" + text + "')");
  return shape;
}

struct Arguments {
  std::string command;
  std::string file;
  std::optional<int64_t> index, k, step, frame_duration;
  std::optional<pcarecon::ImageShape> shape;
  bool plain_arrays = false;
};

Arguments parse(int argc, char** argv) {
  Arguments args;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw Error(a + " needs a value");
      return argv[++i];
    };
    if (a == "-i" || a == "--index")
      args.index = parse_int(a, value());
    else if (a == "-k" || a == "--components")
      args.k = parse_int(a, value());
    else if (a == "--step")
      args.step = parse_int(a, value());
    else if (a == "--frame-duration")
      args.frame_duration = parse_int(a, value());
    else if (a == "--shape")
      args.shape = parse_shape(value());
    else if (a == "--plain-arrays")
      args.plain_arrays = true;
    else if (a.size() > 1 && a[0] == '-')
      throw Error("unknown option '" + a + "' (see pcarecon --help)");
    else
      positional.push_back(a);
  }
  if (positional.empty()) throw Error("no command given (see pcarecon --help)");
  args.command = positional[0];
  if (args.command != "info" && args.command != "fit" && args.command != "figure")
    throw Error("unknown command '" + args.command + "': use info, fit or figure");
  if (positional.size() < 2) throw Error(args.command + " needs a .npy file");
  if (positional.size() > 2) throw Error("unexpected argument '" + positional[2] + "'");
  args.file = positional[1];
  auto refuse = [&](bool given, const char* option) {
    if (given) throw Error(std::string(option) + " does not apply to " + args.command);
  };
  if (args.command == "info") {
    refuse(args.k.has_value(), "-k");
    refuse(args.shape.has_value(), "--shape");
  }
  if (args.command != "figure") {
    refuse(args.index.has_value(), "-i");
    refuse(args.step.has_value(), "--step");
    refuse(args.frame_duration.has_value(), "--frame-duration");
    refuse(args.plain_arrays, "--plain-arrays");
  }
  return args;
}

int run(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    }
  }
  const Arguments args = parse(argc, argv);
  nlohmann::json out;
  if (args.command == "info") {
    out = pcarecon::npy_header_json(pcarecon::read_npy_header_file(args.file));
  } else {
    const int64_t k = args.k.value_or(0);
    if (k < 0) throw Error("-k must be 0 (all) or at least 1 (got " + std::to_string(k) + ")");
    std::optional<pcarecon::ImageShape> shape = args.shape;
    if (!shape && args.command == "fit") {
      // A fit needs no image shape: any (N, D) file is read as N images of 1×D.
      const pcarecon::NpyHeader header = pcarecon::read_npy_header_file(args.file);
      if (header.shape.size() == 2) shape = pcarecon::ImageShape{1, header.shape[1]};
    }
    const pcarecon::ImageStack images = pcarecon::read_npy_file(args.file, shape);
    pcarecon::PcaOptions pca;
    pca.n_components = k;
    const pcarecon::PcaModel model = pcarecon::fit_pca(images.rows, pca);
    if (args.command == "fit") {
      out = pcarecon::pca_model_json(model);
    } else {
      pcarecon::FigureOptions options;
      options.sample_index = args.index.value_or(0);
      options.n_components = 0;  // all of the K just fitted
      options.step = args.step.value_or(1);
      if (args.frame_duration) {
        if (*args.frame_duration < 0 || *args.frame_duration > 60000)
          throw Error("--frame-duration must be between 0 and 60000 ms (got " +
                      std::to_string(*args.frame_duration) + ")");
        options.frame_duration_ms = static_cast<int>(*args.frame_duration);
      }
      options.binary_arrays = !args.plain_arrays;
      out = pcarecon::build_figure(images, model, options);
    }
  }
  std::cout << out.dump() << '\n';
  std::cout.flush();
  if (!std::cout) throw Error("cannot write the output");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::bad_alloc&) {
    std::cerr << "pcarecon: out of memory\n";
  } catch (const std::exception& e) {
    std::string message = e.what();
    for (char& c : message)
      if (c == '\n' || c == '\r') c = ' ';  // always exactly one line
    std::cerr << "pcarecon: " << message << '\n';
  }
  return 2;
}
