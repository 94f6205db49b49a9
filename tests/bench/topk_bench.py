"""The page's top-K fit beside scikit-learn's PCA(50), in one run, on wide uint8 stacks of crops
of real photographs (scikit-image's samples, random places, mirror images):
  20000 × 64 × 64 × 3 (245 MB) and 3000 × 256 × 256 (197 MB); with --large also the streamed
  100000 × 64 × 64 × 3 (1.2 GB); with --small the sizes of the walk that found issue #10
  (3000 × 64 × 64 × 3 and 300 × 256 × 256), for a loaded machine; --wide adds 3000 × 256 × 256
  to --small (N < D both: the Gram path's sizes).
For each stack: the page (tests/bench/topk_page.js: a file dropped on a fresh page in headless
Chromium, drop → playing, which solver ran, peak renderer RSS) and scikit-learn PCA(50) on the
same array as float32 (its default solver, OpenBLAS threads as they are), alternated, medians.
Prints one JSON object, then a markdown table with the ratios.
  topk_bench.py OUTDIR RUNS [--small] [--wide] [--large]
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
from skimage import color, data
from sklearn.decomposition import PCA

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def crops(rng, photos, n, size):
    out = np.empty((n, size, size) + photos[0].shape[2:], dtype=np.uint8)
    for i in range(n):
        p = photos[i % len(photos)]
        y = rng.integers(0, p.shape[0] - size + 1)
        x = rng.integers(0, p.shape[1] - size + 1)
        c = p[y:y + size, x:x + size]
        out[i] = c[:, ::-1] if rng.integers(2) else c
    return out


def stacks(outdir, small, large, wide=False):
    rng = np.random.default_rng(2026)
    colour = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    gray = [(color.rgb2gray(p) * 255).round().astype(np.uint8) for p in colour]
    gray += [data.camera(), data.moon(), data.coins()]
    sizes = [("colour", 3000 if small else 20000, 64), ("gray", 300 if small else 3000, 256)]
    if small and wide:
        sizes.append(("gray", 3000, 256))
    if large:
        sizes.append(("colour", 100000, 64))
    out = []
    for kind, n, size in sizes:
        name = f"{kind}-{n}x{size}x{size}" + ("x3" if kind == "colour" else "")
        path = os.path.join(outdir, name + ".npy")
        if not os.path.exists(path):
            np.save(path, crops(rng, colour if kind == "colour" else gray, n, size))
        out.append(path)
    return out


def run_page(path):
    result = subprocess.run(["node", os.path.join(ROOT, "tests", "bench", "topk_page.js"), path],
                            capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": result.stderr.strip().splitlines()[-1] if result.stderr else "failed"}
    return json.loads(result.stdout.strip().splitlines()[-1])


def available_bytes():
    with open("/proc/meminfo") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["MemAvailable"].split()[0]) * 1024


def run_sklearn(path):
    x = np.load(path, mmap_mode="r")
    # Its float32 copy and PCA's centred copy of it (the page has closed by now): skipped, and
    # said so in the table, only where this machine has not the memory for both.
    if x.nbytes * 4 * 2.5 > available_bytes():
        return None
    x = np.ascontiguousarray(x.reshape(len(x), -1), dtype=np.float32)
    start = time.perf_counter()
    PCA(n_components=50).fit(x)
    return time.perf_counter() - start


def main(outdir, runs, small, large, wide=False):
    os.makedirs(outdir, exist_ok=True)
    rows = []
    for path in stacks(outdir, small, large, wide):
        page, sk = [], []
        for _ in range(runs):
            page.append(run_page(path))
            sk.append(run_sklearn(path))
        rows.append({"stack": os.path.basename(path), "mb": os.path.getsize(path) / 1e6,
                     "page": page, "sklearn_s": sk})
    load = open("/proc/loadavg").read().split()[:3]
    print(json.dumps({"runs": runs, "load": load, "rows": rows}))
    print()
    print("| stack (uint8) | page drop → playing (s) | of which fit (s) | solver, passes, workers "
          "| scikit-learn PCA(50) fit (s) | ratio | Chromium renderer peak RSS |")
    print("|---|---:|---:|---|---:|---:|---:|")
    for r in rows:
        ok = [p for p in r["page"] if "error" not in p]
        if not ok:
            print(f"| {r['stack']} ({r['mb']:.0f} MB) | failed: {r['page'][0]['error']} | | | | | |")
            continue
        playing = float(np.median([p["dropToPlayingS"] for p in ok]))
        fit = float(np.median([p["fitS"] for p in ok]))
        sk = [s for s in r["sklearn_s"] if s is not None]
        theirs = float(np.median(sk)) if sk else None
        p = ok[0]
        print(f"| {r['stack']} ({r['mb']:.0f} MB) | {playing:.1f} | {fit:.1f} | "
              f"{p['solver']}, {p['passes']}, {p['fitWorkers']} | "
              f"{theirs:.1f} | {playing / theirs:.1f} | {max(q['peakRendererMB'] for q in ok)} MB |"
              if theirs else
              f"| {r['stack']} ({r['mb']:.0f} MB) | {playing:.1f} | {fit:.1f} | "
              f"{p['solver']}, {p['passes']}, {p['fitWorkers']} | — | — | "
              f"{max(q['peakRendererMB'] for q in ok)} MB |")


if __name__ == "__main__":
    flags = sys.argv[3:]
    main(sys.argv[1], int(sys.argv[2]), "--small" in flags, "--large" in flags, "--wide" in flags)
