"""Prints the benchmark's markdown table from the JSON results scripts/bench wrote."""
import json
import os
import platform
import statistics
import subprocess
import sys


def load(res, name):
    with open(os.path.join(res, name)) as f:
        return json.loads(f.read().strip().splitlines()[-1])


def med(values):
    return statistics.median(values) if values else float("nan")


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    def version(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except Exception:
            return "?"
    return (f"nproc {os.cpu_count()}, {cpu}, {version(['/usr/bin/chromium', '--version'])}, "
            f"node {version(['node', '--version'])}, {platform.system()} {platform.release()}")


def main(res):
    native = load(res, "native.json")
    wasm = load(res, "wasm-core.json")
    node = load(res, "node.json")
    sk = load(res, "sklearn.json")
    page = load(res, "page.json")
    m = page["median"]
    page_fit = m["fit"] / 1000
    runs = len(page["loads"])
    rows = [
        (f"**our page** (Chromium, 2 workers: {m['fitWorkers']}), fit", page_fit, runs, "≤ 1.0 s"),
        ("our page: drop → playing (read, fit, figure, draw, first paint)",
         m["dropToPlaying"] / 1000, runs, "≤ 1.5 s"),
        ("our wasm module in node (1 thread), fit", med(node["fit_s"]), len(node["fit_s"]), ""),
        ("our core in wasm under node (bench_pca, 1 thread): covariance",
         med(wasm["accumulate_s"]), len(wasm["accumulate_s"]), ""),
        ("our core in wasm under node (bench_pca, 1 thread): eigensolver",
         med(wasm["solve_s"]), len(wasm["solve_s"]), ""),
        ("our native build (bench_pca, -march=native, 1 thread), fit",
         med(native["fit_s"]), len(native["fit_s"]), ""),
        (f"scikit-learn {sk['sklearn_version']} PCA(50) ({sk['svd_solver']}), OpenBLAS "
         f"{sk['blas'][0]['num_threads'] if sk['blas'] else '?'} threads",
         med(sk["sklearn_s"]), len(sk["sklearn_s"]), ""),
        ("NumPy cov + eigh, OpenBLAS", med(sk["numpy_eigh_s"]), len(sk["numpy_eigh_s"]), ""),
    ]
    if "mlpca_s" in node:
        rows.append((f"ml-pca 4.1.1 in node, {node['mlpca_n']} rows only",
                     med(node["mlpca_s"]), len(node["mlpca_s"]), ""))
    print(f"Machine: {machine()}")
    if sk["blas"]:
        b = sk["blas"][0]
        print(f"NumPy/scikit-learn BLAS (threadpoolctl): {b['internal_api']} {b['version']}, "
              f"{b['num_threads']} threads, {b['filepath']}")
    print(f"\nFashion-MNIST train, {sk['n']}×{sk['d']} (uint8 file; float32 in every contender), "
          f"all components fitted by our code, K = 50 for scikit-learn; medians.\n")
    print("| what | median (s) | runs | × our page fit | target |")
    print("|---|---:|---:|---:|---|")
    for name, value, n, target in rows:
        print(f"| {name} | {value:.3f} | {n} | {value / page_fit:.2f} | {target} |")
    print()
    print("| page phase (medians) | ms |")
    print("|---|---:|")
    for key, label in [("read", "read the file (worker, 4 MB slices, uint8 → float32)"),
                       ("fit", "fit (worker + helper worker, then eigensolver)"),
                       ("figure", "figure JSON built in wasm"), ("parse", "JSON.parse"),
                       ("plot", "Plotly.newPlot"), ("dropToPlaying", "drop → first paint")]:
        print(f"| {label} | {m[key]:.0f} |")
    print()
    pb = page["playback"]
    mem = page["memory"]
    matrix_mb = sk["n"] * sk["d"] * 4 / 2**20
    print("| other targets | measured | target |")
    print("|---|---:|---|")
    print(f"| sample change → new animation painted (incl. the page's 16 ms debounce) | "
          f"{m['sampleChange']:.0f} ms (figure {m['sampleFigure']:.0f} ms) | ≤ 100 ms |")
    if "small" in pb:
        print(f"| playback 28×28, fastest speed ({pb['small']['frameDurationMs']} ms/frame) | "
              f"{pb['small']['fps']:.1f} frames/s ({pb['small']['frames']}/{pb['small']['expected']} frames) | ≥ 30 |")
    if "large" in pb:
        print(f"| playback 256×256, fastest speed | {pb['large']['fps']:.1f} frames/s "
              f"({pb['large']['frames']}/{pb['large']['expected']} frames) | ≥ 20 |")
    print(f"| renderer peak RSS during the 60000×784 load (page + workers) | "
          f"{mem['peakRssMB']:.0f} MB (before: {mem['baselineMB']:.0f} MB; increase "
          f"{mem['peakRssMB'] - mem['baselineMB']:.0f} MB = "
          f"{(mem['peakRssMB'] - mem['baselineMB']) / matrix_mb:.2f}× the {matrix_mb:.0f} MB float32 matrix) "
          f"| ≤ 3× |")


if __name__ == "__main__":
    main(sys.argv[1])
