#!/usr/bin/python3
"""Writes the page's default dataset: the first N Fashion-MNIST test images as a .npy.

Source: Debian's dataset-fashion-mnist package (Fashion-MNIST, (c) Zalando SE, MIT licence).
Output: uint8, C order, shape (N, 28, 28) -- written by NumPy itself, so it is a plain .npy.

Usage: /usr/bin/python3 scripts/make-default-dataset.py OUT.npy [N]   (N defaults to 1000)
"""
import gzip
import sys

import numpy as np

SOURCE = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
IDX_IMAGES_MAGIC = 2051  # IDX: unsigned byte data, 3 dimensions


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count, rows, cols = np.frombuffer(data, dtype=">u4", count=4)
    if magic != IDX_IMAGES_MAGIC:
        sys.exit(f"make-default-dataset: {path}: not an IDX image file (magic {magic})")
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16)
    return pixels.reshape(int(count), int(rows), int(cols))


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) == 3 else 1000
    images = read_idx_images(SOURCE)
    if not 1 < n <= len(images):
        sys.exit(f"make-default-dataset: N must be in [2, {len(images)}], got {n}")
    sample = np.ascontiguousarray(images[:n], dtype=np.uint8)
    np.save(out, sample, allow_pickle=False)
    print(f"make-default-dataset: wrote {out}: {sample.dtype} {sample.shape}")


if __name__ == "__main__":
    main()
