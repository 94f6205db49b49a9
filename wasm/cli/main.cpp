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
#include "npz_archive.h"
#include "npz_input.h"
#include "npz_writer.h"
#include "pca.h"
#include "standalone_html.h"

#ifndef PCARECON_PLOTLY_JS
#define PCARECON_PLOTLY_JS "node_modules/plotly.js-cartesian-dist-min/plotly-cartesian.min.js"
#endif

namespace {

using pcarecon::Error;

constexpr const char* kUsage =
    "usage: pcarecon info FILE.npy|FILE.npz [--array NAME]\n"
    "       pcarecon fit FILE [-k K] [--shape HxW] [--array NAME] [--solver "
    "auto|exact|randomized]\n"
    "                         [--save BASIS.npz [--images N]]\n"
    "       pcarecon figure FILE [-i INDEX] [-k K] [--step S] [--frame-duration MS]\n"
    "                            [--plain-arrays] [--shape HxW] [--array NAME] [--solver ...]\n"
    "       pcarecon render FILE -o OUT.html|OUT.json [-i INDEX] [-k K] [--step S]\n"
    "                            [--frame-duration MS] [--shape HxW] [--plotly PATH] [--array "
    "NAME]\n"
    "                            [--solver ...]\n"
    "\n"
    "  FILE is a .npy file or a .npz archive (numpy.savez). From a .npz the images are the array\n"
    "  named by --array, else its only stack of images; an archive holding `components` and\n"
    "  `mean` is a basis file: its images are rebuilt from that basis, and no fit runs.\n"
    "\n"
    "  info    the .npy header: shape, dtype, fortran_order, version; for a .npz, its arrays\n"
    "  fit     PCA with K components (0 or absent: min(N, D)), scikit-learn's names; for a basis\n"
    "          file, the basis' model\n"
    "  figure  the plotly figure of sample INDEX rebuilt from k = 0, S, 2S, ..., K components\n"
    "          (a basis file: K of its components, 0 or absent: all)\n"
    "  render  that figure as a file: OUT.html, a standalone page that plays offline (plotly.js\n"
    "          inlined, as plotly.py's write_html), or OUT.json, the figure with plain number\n"
    "          lists that plotly.py reads (plotly.io.from_json)\n"
    "\n"
    "  --shape HxW      image size for an (N, D) file whose D is not a perfect square\n"
    "  --array NAME     the array of a .npz to read the images from\n"
    "  --save PATH      fit: also write the model as a basis file (.npz) the page reads, with the\n"
    "                   first N images (--images N, default 1000)\n"
    "  --solver S       exact: all of the covariance's eigenvectors; randomized: only the K\n"
    "                   leading ones, by randomized subspace iteration (for wide images);\n"
    "                   gram: the K leading ones exactly, from the N×N Gram matrix (N < D);\n"
    "                   auto (default): the cheaper for this N, D and K (fit says which ran)\n"
    "  --plain-arrays   number lists instead of base64 typed arrays (for plotly.py 5)\n"
    "  --plotly PATH    plotly.js to inline in OUT.html (default:\n"
    "                   " PCARECON_PLOTLY_JS ")\n";

pcarecon::SolverRequest parse_solver(const std::string& text) {
  if (const auto request = pcarecon::solver_request_named(text)) return *request;
  throw Error("--solver must be auto, exact, randomized or gram (got '" + text + "')");
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
  std::optional<std::string> output, plotly, array, save;
  std::optional<int64_t> images;
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
    else if (a == "--array")
      args.array = value();
    else if (a == "--save")
      args.save = value();
    else if (a == "--images")
      args.images = parse_int(a, value());
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
  if (positional.size() < 2) throw Error(args.command + " needs a .npy or .npz file");
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
  if (args.command != "fit") refuse(args.save.has_value(), "--save");
  if (!args.save) refuse(args.images.has_value(), "--images (it goes with --save)");
  if (args.save && args.save->empty()) throw Error("--save needs a file name");
  if (args.images && *args.images < 1)
    throw Error("--images must be at least 1 (got " + std::to_string(*args.images) + ")");
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

// A .npz: by its name, or by its first bytes (a zip archive), as the page decides.
bool is_npz(const std::string& path) {
  const auto dot = path.find_last_of('.');
  const auto slash = path.find_last_of('/');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash)) {
    std::string extension;
    for (const char c : path.substr(dot))
      extension += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (extension == ".npz") return true;
  }
  std::ifstream in(path, std::ios::binary);
  char b[4] = {};
  in.read(b, 4);
  return in.gcount() == 4 && b[0] == 'P' && b[1] == 'K' &&
         ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6));
}

// `info` on a .npz: its arrays as the page lists them, or the header of the one named by --array.
nlohmann::json npz_info(const Arguments& args) {
  const pcarecon::NpzArchive archive(args.file);
  const std::vector<pcarecon::NpzMemberInfo> members = pcarecon::describe_members(archive);
  if (!args.array) return pcarecon::members_json(members);
  const pcarecon::NpzMemberInfo& chosen = pcarecon::choose_member(members, args.array);
  if (!chosen.header) throw Error(chosen.note);
  return pcarecon::npy_header_json(*chosen.header);
}

// The images to show and, for a basis file, the model that comes with them.
struct Input {
  pcarecon::ImageStack images;
  std::optional<pcarecon::PcaModel> basis;
};

// The image shape to read a .npy with: --shape, else for a fit of an (N, D) file N images of 1×D
// (a fit needs no image shape), else none (a square is inferred).
std::optional<pcarecon::ImageShape> npy_shape(const Arguments& args) {
  if (args.shape || args.command != "fit") return args.shape;
  const pcarecon::NpyHeader header = pcarecon::read_npy_header_file(args.file);
  if (header.shape.size() == 2) return pcarecon::ImageShape{1, header.shape[1]};
  return std::nullopt;
}

Input read_input(const Arguments& args, bool npz) {
  Input input;
  if (npz) {
    pcarecon::NpzInput loaded =
        pcarecon::load_npz(pcarecon::NpzArchive(args.file), args.array, args.shape);
    input.images = std::move(loaded.images);
    if (loaded.basis) input.basis = std::move(loaded.basis->model);
    return input;
  }
  input.images = pcarecon::read_npy_file(args.file, npy_shape(args));
  return input;
}

// fit's output: the model in scikit-learn's names, and which solver ran in how many passes.
nlohmann::json fit_json(const pcarecon::StackFit& fit) {
  nlohmann::json out = pcarecon::pca_model_json(fit.model);
  out["solver"] = pcarecon::solver_kind_name(fit.solver);
  out["passes"] = fit.passes;
  return out;
}

// fit of an 8-bit .npy (uint8, int8, bool) from its own bytes, without a float32 copy of the
// stack (a quarter of the memory); nothing when the file is of another dtype.
std::optional<nlohmann::json> fit_npy_bytes(const Arguments& args, int64_t k, double memory) {
  if (args.save || args.solver == pcarecon::SolverRequest::Exact) return std::nullopt;
  const std::optional<pcarecon::ByteStack> bytes =
      pcarecon::read_npy_byte_stack(args.file, npy_shape(args));
  if (!bytes) return std::nullopt;
  return fit_json(pcarecon::fit_stack(bytes->rows(), k, args.solver, memory));
}

// -k and --solver on a basis file: its components come from the file, and no fit runs.
void check_basis_arguments(const Arguments& args, int64_t k, int64_t basis_k) {
  if (args.command == "fit" && args.k)
    throw Error("-k does not apply to fit on a basis file: its " + std::to_string(basis_k) +
                " components come from the file");
  if (k > basis_k)
    throw Error("-k must be at most the basis' " + std::to_string(basis_k) + " components (got " +
                std::to_string(k) + ")");
  if (args.solver_given)
    throw Error(
        "--solver does not apply to a basis file: its components come from the file, "
        "no fit runs");
}

// The figure's options from the command line (n_components is the caller's).
pcarecon::FigureOptions figure_options(const Arguments& args, bool html) {
  pcarecon::FigureOptions options;
  options.sample_index = args.index.value_or(0);
  options.step = args.step.value_or(1);
  if (args.frame_duration) {
    if (*args.frame_duration < 0 || *args.frame_duration > 60000)
      throw Error("--frame-duration must be between 0 and 60000 ms (got " +
                  std::to_string(*args.frame_duration) + ")");
    options.frame_duration_ms = *args.frame_duration;
  }
  options.binary_arrays = !args.plain_arrays;
  if (args.command == "render") options.binary_arrays = html;  // plotly.js 4 reads base64 arrays
  return options;
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
  const bool npz = is_npz(args.file);
  if (!npz && args.array)
    throw Error("--array applies to .npz archives only ('" + args.file + "' is a .npy file)");
  if (args.command == "info") {
    out =
        npz ? npz_info(args) : pcarecon::npy_header_json(pcarecon::read_npy_header_file(args.file));
  } else {
    const int64_t k = args.k.value_or(0);
    if (k < 0) throw Error("-k must be 0 (all) or at least 1 (got " + std::to_string(k) + ")");
    // Memory for the solvers' work: what the page has, so both choose alike.
    const double memory = static_cast<double>(pcarecon::Explorer::kMemoryLimitBytes);
    std::optional<nlohmann::json> fitted;
    if (args.command == "fit" && !npz) fitted = fit_npy_bytes(args, k, memory);
    if (fitted) {
      out = std::move(*fitted);
    } else {
      const Input input = read_input(args, npz);
      std::optional<pcarecon::StackFit> fit;
      if (input.basis) {  // bring your own basis: no fit
        check_basis_arguments(args, k, input.basis->n_components());
      } else {
        fit =
            pcarecon::fit_stack(pcarecon::StackRows::of(input.images.rows), k, args.solver, memory);
      }
      const pcarecon::PcaModel& model = input.basis ? *input.basis : fit->model;
      if (args.command == "fit") {
        if (args.save)
          pcarecon::write_basis_npz(*args.save, model, input.images, args.images.value_or(1000));
        out = fit ? fit_json(*fit) : pcarecon::pca_model_json(model);
      } else {
        pcarecon::FigureOptions options = figure_options(args, html);
        options.n_components = input.basis ? k : 0;  // a fit has just made the K asked for
        out = pcarecon::build_figure(input.images, model, options);
        if (args.command == "render") {
          const int64_t shown = options.n_components ? options.n_components : model.n_components();
          write_text_file(
              *args.output,
              html ? pcarecon::standalone_html(out, plotly_js,
                                               render_title(args.file, options.sample_index, shown))
                   : out.dump() + "\n");
          return 0;
        }
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
