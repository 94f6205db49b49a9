// bench_pca: times the core's PCA fit on a .npy file, phase by phase, natively or in wasm under
// node (the same source). One JSON object on stdout:
//   {"n", "d", "k", "kernel", "read_s", "accumulate_s": [...], "solve_s": [...], "fit_s": [...],
//    "float32_rows", "int16_rows"}  (rows each block kernel took; the rest went through double)
// accumulate = CovarianceAccumulator::add of all rows; solve = covariance + eigensolver + model;
// fit = both (what Explorer::fit does for N >= D).
//   bench_pca FILE.npy [--runs R] [-k K] [--kernel auto|float32|float64]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "error.h"
#include "npy_reader.h"
#include "pca.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string list(const std::vector<double>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%s%.4f", i ? ", " : "", values[i]);
    out += buffer;
  }
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2) {
      std::fprintf(stderr,
                   "usage: bench_pca FILE.npy [--runs R] [-k K] [--kernel auto|float32|float64]\n");
      return 2;
    }
    const std::string file = argv[1];
    int runs = 3;
    long long k = 50;
    std::string kernel_name = "auto";
    for (int i = 2; i + 1 < argc; i += 2) {
      const std::string option = argv[i];
      if (option == "--runs")
        runs = std::atoi(argv[i + 1]);
      else if (option == "-k")
        k = std::atoll(argv[i + 1]);
      else if (option == "--kernel")
        kernel_name = argv[i + 1];
      else
        throw pcarecon::Error("unknown option " + option);
    }
    pcarecon::AccumulatorKernel kernel = pcarecon::AccumulatorKernel::Auto;
    if (kernel_name == "float32")
      kernel = pcarecon::AccumulatorKernel::Float32;
    else if (kernel_name == "float64")
      kernel = pcarecon::AccumulatorKernel::Float64;
    else if (kernel_name != "auto")
      throw pcarecon::Error("unknown kernel " + kernel_name);

    auto start = std::chrono::steady_clock::now();
    // (N, D) files are read as N rows of 1×D: only the rows matter here.
    std::optional<pcarecon::ImageShape> hint;
    const pcarecon::NpyHeader header = pcarecon::read_npy_header_file(file);
    if (header.shape.size() == 2) hint = pcarecon::ImageShape{1, header.shape[1]};
    const pcarecon::ImageStack stack = pcarecon::read_npy_file(file, hint);
    const double read_s = seconds_since(start);

    std::vector<double> accumulate, solve, fit;
    int64_t float32_rows = 0, int16_rows = 0;
    for (int r = 0; r < runs; ++r) {
      start = std::chrono::steady_clock::now();
      pcarecon::CovarianceAccumulator accumulator(stack.rows.cols(), kernel);
      accumulator.add(stack.rows);
      accumulate.push_back(seconds_since(start));
      start = std::chrono::steady_clock::now();
      const pcarecon::PcaModel model = pcarecon::fit_pca(accumulator, k);
      solve.push_back(seconds_since(start));
      fit.push_back(accumulate.back() + solve.back());
      float32_rows = accumulator.float32_rows();
      int16_rows = accumulator.int16_rows();
      if (model.n_components() != k && k != 0) throw pcarecon::Error("wrong component count");
    }
    std::printf(
        "{\"n\": %lld, \"d\": %lld, \"k\": %lld, \"kernel\": \"%s\", \"read_s\": %.4f, "
        "\"accumulate_s\": %s, \"solve_s\": %s, \"fit_s\": %s, \"float32_rows\": %lld, "
        "\"int16_rows\": %lld}\n",
        static_cast<long long>(stack.rows.rows()), static_cast<long long>(stack.rows.cols()), k,
        kernel_name.c_str(), read_s, list(accumulate).c_str(), list(solve).c_str(),
        list(fit).c_str(), static_cast<long long>(float32_rows),
        static_cast<long long>(int16_rows));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_pca: %s\n", e.what());
    return 2;
  }
}
