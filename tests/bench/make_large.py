"""Writes a .npy file larger than a WebAssembly page's memory, in pieces, with NumPy:
  make_large.py OUT.npy ROWS          uint8 (ROWS, 28, 28); 7 650 000 rows = 6.0 GB on disk
                                      (24 GB as float32, six times the 4 GB a wasm page can hold)
The images are Fashion-MNIST train (Debian's dataset-fashion-mnist) over and over, each pass with
its own seeded ±8 noise, so the file has real image structure and no two passes are identical.
np.lib.format.open_memmap writes the header and maps the data: each 60000-row piece is written
and flushed, never the whole array in memory. Prints {"path", "rows", "bytes"} as JSON."""
import gzip
import json
import os
import sys

import numpy as np

SOURCE = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def main(path, rows):
    with gzip.open(SOURCE) as f:
        base = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(rows, 28, 28))
    rng = np.random.default_rng(7650000)
    piece = len(base)
    for start in range(0, rows, piece):
        n = min(piece, rows - start)
        noise = rng.integers(-8, 9, size=(n, 28, 28), dtype=np.int16)
        out[start:start + n] = np.clip(base[:n].astype(np.int16) + noise, 0, 255).astype(np.uint8)
        out.flush()
    del out
    print(json.dumps({"path": path, "rows": rows, "bytes": os.path.getsize(path)}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
