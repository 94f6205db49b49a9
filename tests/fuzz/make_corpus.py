#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus into tests/fuzz/corpus/ with NumPy itself (committed; rerun
only to change it). Small files: every dtype and byte order, C and Fortran order, versions 1 to 3,
every accepted shape, a few refused ones, NaN, and a truncated file. Run with /usr/bin/python3."""
import io
import os

import numpy as np
from numpy.lib import format as npformat

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def npy(array, version=None):
    buffer = io.BytesIO()
    npformat.write_array(buffer, array, version=version, allow_pickle=True)
    return buffer.getvalue()


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(5)
    files = {}
    base = rng.standard_normal((3, 2, 4))
    for dtype in ["?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8"]:
        for order in "<>":
            dt = np.dtype(dtype).newbyteorder(order) if np.dtype(dtype).itemsize > 1 else np.dtype(dtype)
            values = (base * 5).astype(dt)
            files[f"{dtype}_{'le' if order == '<' else 'be'}_C.npy"] = npy(values)
            files[f"{dtype}_{'le' if order == '<' else 'be'}_F.npy"] = npy(np.asfortranarray(values))
    for version in (1, 2, 3):
        files[f"f4_v{version}.npy"] = npy(base.astype("<f4"), version=(version, 0))
    files["flat_square.npy"] = npy(rng.integers(0, 255, (4, 9)).astype(np.uint8))
    files["flat_F.npy"] = npy(np.asfortranarray(rng.standard_normal((3, 4)).astype("<f4")))
    files["gray_channel.npy"] = npy(rng.integers(-9, 9, (2, 3, 2, 1)).astype("<i2"))
    files["single_sample.npy"] = npy(rng.standard_normal((1, 2, 2)))
    files["identical.npy"] = npy(np.ones((4, 2, 2), dtype=np.float32))
    files["f4_limits.npy"] = npy(np.array([[[3.4e38, -3.4e38], [1e-45, 0]]] * 2, dtype=np.float32))
    nan = np.zeros((2, 2, 2), dtype=np.float32)
    nan[1, 0, 1] = np.nan
    files["nan.npy"] = npy(nan)
    files["structured.npy"] = npy(np.zeros((2, 1, 1), dtype=[("x", "<f4")]))
    files["object.npy"] = npy(np.array([[[1, "a"]]], dtype=object))
    files["one_d.npy"] = npy(np.arange(4, dtype=np.uint8))
    files["colour.npy"] = npy(np.zeros((1, 2, 2, 3), dtype=np.uint8))
    files["truncated.npy"] = npy(np.arange(8, dtype=np.uint8).reshape(2, 2, 2))[:-3]
    # A basis of the fuzz target's 1x1 images (explorer_fuzz gives every input as components).
    files["basis_components_1x1.npy"] = npy(np.array([[-1.0]]))
    files["basis_components_2x1.npy"] = npy(np.array([[1.0], [0.0]], dtype=np.float32))
    for name, data in files.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(files)} files to {OUT}")


if __name__ == "__main__":
    main()
