"""Benchmark data, written by NumPy into the directory given (build/bench/):
  fmnist-u8.npy        Fashion-MNIST train images, uint8 (60000, 28, 28), from Debian's
                       dataset-fashion-mnist
  fmnist-f32-10k.npy   the first 10000 of them as float32 (10000, 784), for ml-pca
  tiles256-u8.npy      generated 256×256 uint8 images (smooth random patterns + noise), for
                       playback at 256×256
  tiles512-u8.npy      the same at 512×512, for playback at 512×512 (tests/bench/playback.js)
Files already present are kept."""
import gzip
import os
import sys

import numpy as np

SOURCE = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, "fmnist-u8.npy")
    if not os.path.exists(path):
        with gzip.open(SOURCE) as f:
            images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
        np.save(path, images)
    images = np.load(path)
    path = os.path.join(outdir, "fmnist-f32-10k.npy")
    if not os.path.exists(path):
        np.save(path, images[:10000].reshape(10000, -1).astype(np.float32))
    for side, seed in ((256, 256), (512, 512)):
        path = os.path.join(outdir, f"tiles{side}-u8.npy")
        if not os.path.exists(path):
            np.save(path, tiles(side, seed))


def tiles(side, seed, n=64, rank=12):
    """n smooth random patterns of rank `rank` plus noise, uint8 side×side."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side] / (side - 1)
    patterns = np.array([np.cos(2 * np.pi * rng.uniform(0.5, 4) * yy + rng.uniform(0, 6))
                         * np.cos(2 * np.pi * rng.uniform(0.5, 4) * xx + rng.uniform(0, 6))
                         for _ in range(rank)]).reshape(rank, -1)
    x = 128 + (rng.standard_normal((n, rank)) * 60 * 0.8 ** np.arange(rank)) @ patterns
    x += 8 * rng.standard_normal(x.shape)
    return np.clip(np.rint(x), 0, 255).astype(np.uint8).reshape(n, side, side)


if __name__ == "__main__":
    main(sys.argv[1])
