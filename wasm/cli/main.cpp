// pcarecon: the core from the command line. JSON on stdout (render: a file); on any error one
// line on stderr, "pcarecon: <message>", and exit status 2 (usage errors too).

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "error.h"
#include "explorer.h"
#include "figure.h"
#include "fit_by_cost.h"
#include "npy_byte_stack.h"
#include "npy_reader.h"
#include "pca.h"
#include "standalone_html.h"

#ifndef PCARECON_PLOTLY_JS
#define PCARECON_PLOTLY_JS "node_modules/plotly.js-cartesian-dist-min/plotly-cartesian.min.js"
#endif

namespace {

using pcarecon::Error;

constexpr const char* kUsage =
    "usage: pcarecon info FILE.npy\n"
    "       pcarecon fit FILE.npy [-k K] [--shape HxW] [--solver auto|exact|randomized]\n"
    "       pcarecon figure FILE.npy [-i INDEX] [-k K] [--step S] [--frame-duration MS]\n"
    "                                [--plain-arrays] [--shape HxW] [--solver ...]\n"
    "       pcarecon render FILE.npy -o OUT.html|OUT.json [-i INDEX] [-k K] [--step S]\n"
    "                                [--frame-duration MS] [--shape HxW] [--plotly PATH]\n"
    "                                [--solver ...]\n"
    "\n"
    "  info    the .npy header: shape, dtype, fortran_order, version\n"
    "  fit     PCA with K components (0 or absent: min(N, D)), scikit-learn's names\n"
    "  figure  the plotly figure of sample INDEX rebuilt from k = 0, S, 2S, ..., K components\n"
    "  render  that figure as a file: OUT.html, a standalone page that plays offline (plotly.js\n"
    "          inlined, as plotly.py's write_html), or OUT.json, the figure with plain number\n"
    "          lists that plotly.py reads (plotly.io.from_json)\n"
    "\n"
    "  --shape HxW      image size for an (N, D) file whose D is not a perfect square\n"
    "  --solver S       exact: all of the covariance's eigenvectors; randomized: only the K\n"
    "                   leading ones, by randomized subspace iteration (for wide images);\n"
    "                   auto (default): the cheaper for this N, D and K (fit says which ran)\n"
    "  --plain-arrays   number lists instead of base64 typed arrays (for plotly.py 5)\n"
    "  --plotly PATH    plotly.js to inline in OUT.html (default:\n"
    "                   " PCARECON_PLOTLY_JS ")\n";

pcarecon::SolverRequest parse_solver(const std::string& text) {
  if (text == "auto") return pcarecon::SolverRequest::Auto;
  if (text == "exact") return pcarecon::SolverRequest::Exact;
  if (text == "randomized") return pcarecon::SolverRequest::Randomized;
  throw Error("--solver must be auto, exact or randomized (got '" + text + "')");
}

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
  std::optional<std::string> output, plotly;
  pcarecon::SolverRequest solver = pcarecon::SolverRequest::Auto;
  bool solver_given = false;
  bool plain_arrays = false;
};

enum class RenderFormat { html, json };

// The output format named by -o's extension (case-insensitive); anything else is refused.
RenderFormat render_format(const std::string& path) {
  const auto dot = path.find_last_of('.');
  const auto slash = path.find_last_of('/');
  std::string extension;
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash))
    for (const char c : path.substr(dot))
      extension += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (extension == ".html" || extension == ".htm") return RenderFormat::html;
  if (extension == ".json") return RenderFormat::json;
  throw Error(
      "-o must name a .html file (standalone page) or a .json file (plotly.py figure), got '" +
      path + "'");
}

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
    else if (a == "-o" || a == "--output")
      args.output = value();
    else if (a == "--plotly")
      args.plotly = value();
    else if (a == "--solver") {
      args.solver = parse_solver(value());
      args.solver_given = true;
    } else if (a.size() > 1 && a[0] == '-')
      throw Error("unknown option '" + a + "' (see pcarecon --help)");
    else
      positional.push_back(a);
  }
  if (positional.empty()) throw Error("no command given (see pcarecon --help)");
  args.command = positional[0];
  if (args.command != "info" && args.command != "fit" && args.command != "figure" &&
      args.command != "render")
    throw Error("unknown command '" + args.command + "': use info, fit, figure or render");
  if (positional.size() < 2) throw Error(args.command + " needs a .npy file");
  if (positional.size() > 2) throw Error("unexpected argument '" + positional[2] + "'");
  args.file = positional[1];
  auto refuse = [&](bool given, const char* option) {
    if (given) throw Error(std::string(option) + " does not apply to " + args.command);
  };
  if (args.command == "info") {
    refuse(args.k.has_value(), "-k");
    refuse(args.shape.has_value(), "--shape");
    refuse(args.solver_given, "--solver");
  }
  if (args.command != "figure" && args.command != "render") {
    refuse(args.index.has_value(), "-i");
    refuse(args.step.has_value(), "--step");
    refuse(args.frame_duration.has_value(), "--frame-duration");
  }
  if (args.command != "figure") refuse(args.plain_arrays, "--plain-arrays");
  if (args.command != "render") {
    refuse(args.output.has_value(), "-o");
    refuse(args.plotly.has_value(), "--plotly");
  } else {
    if (!args.output) throw Error("render needs -o OUT.html or -o OUT.json");
    if (args.output->empty()) throw Error("-o needs a file name");
    if (render_format(*args.output) == RenderFormat::json && args.plotly)
      throw Error("--plotly applies to .html output only (a .json figure holds no plotly.js)");
  }
  return args;
}

std::string read_text_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + what + " '" + path + "': " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error("cannot read " + what + " '" + path + "'");
  return text;
}

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error("cannot write '" + path + "': " + std::strerror(errno));
  out << text;
  out.close();
  if (!out) throw Error("cannot write '" + path + "'");
}

// The page's title for a rendered file: "PCA reconstruction: digits.npy, sample 3, k = 0 to 10".
std::string render_title(const std::string& file, int64_t index, int64_t k) {
  const auto slash = file.find_last_of('/');
  const std::string name = slash == std::string::npos ? file : file.substr(slash + 1);
  return "PCA reconstruction: " + name + ", sample " + std::to_string(index) + ", k = 0 to " +
         std::to_string(k);
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
  // render to .html: plotly.js is read first, so a missing copy fails before any computation.
  const bool html = args.command == "render" && render_format(*args.output) == RenderFormat::html;
  std::string plotly_js;
  if (html) {
    const std::string path = args.plotly.value_or(PCARECON_PLOTLY_JS);
    std::ifstream probe(path, std::ios::binary);
    if (!probe)
      throw Error("plotly.js not found at '" + path + "' (" + std::strerror(errno) +
                  "): give its path with --plotly PATH (plotly-cartesian.min.js or plotly.min.js " +
                  "from npm), or run scripts/setup to install it there");
    plotly_js = read_text_file(path, "plotly.js");
    if (plotly_js.find("newPlot") == std::string::npos)
      throw Error("'" + path + "' does not look like plotly.js (no Plotly.newPlot in it)");
  }
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
    // Memory for the solvers' work: what the page has, so both choose alike.
    const double memory = static_cast<double>(pcarecon::Explorer::kMemoryLimitBytes);
    if (args.command == "fit") {
      // 8-bit files stay 8-bit (a quarter of float32); others are read as float32.
      std::optional<pcarecon::ByteStack> bytes;
      if (args.solver != pcarecon::SolverRequest::Exact)
        bytes = pcarecon::read_npy_byte_stack(args.file, shape);
      pcarecon::StackFit fit;
      if (bytes) {
        fit = pcarecon::fit_stack(bytes->rows(), k, args.solver, memory);
      } else {
        const pcarecon::ImageStack images = pcarecon::read_npy_file(args.file, shape);
        fit = pcarecon::fit_stack(pcarecon::StackRows::of(images.rows), k, args.solver, memory);
      }
      out = pcarecon::pca_model_json(fit.model);
      out["solver"] = pcarecon::solver_kind_name(fit.solver);
      out["passes"] = fit.passes;
    } else {
      const pcarecon::ImageStack images = pcarecon::read_npy_file(args.file, shape);
      const pcarecon::PcaModel model =
          pcarecon::fit_stack(pcarecon::StackRows::of(images.rows), k, args.solver, memory).model;
      pcarecon::FigureOptions options;
      options.sample_index = args.index.value_or(0);
      options.n_components = 0;  // all of the K just fitted
      options.step = args.step.value_or(1);
      if (args.frame_duration) {
        if (*args.frame_duration < 0 || *args.frame_duration > 60000)
          throw Error("--frame-duration must be between 0 and 60000 ms (got " +
                      std::to_string(*args.frame_duration) + ")");
        options.frame_duration_ms = *args.frame_duration;
      }
      options.binary_arrays = !args.plain_arrays;
      if (args.command == "render")
        options.binary_arrays = html;  // plotly.js 4 reads base64 arrays
      out = pcarecon::build_figure(images, model, options);
      if (args.command == "render") {
        write_text_file(*args.output, html ? pcarecon::standalone_html(
                                                 out, plotly_js,
                                                 render_title(args.file, options.sample_index,
                                                              model.n_components()))
                                           : out.dump() + "\n");
        return 0;
      }
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
