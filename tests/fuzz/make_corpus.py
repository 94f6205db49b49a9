#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora with NumPy itself (committed; rerun only to change them).
Run with /usr/bin/python3.
  tests/fuzz/corpus/             .npy files (npy_reader_fuzz, explorer_fuzz): every dtype and byte
                                 order, C and Fortran order, versions 1 to 3, every accepted shape,
                                 a few refused ones, NaN, and a truncated file;
  tests/fuzz/corpus-npz-arrays/  the arrays of basis archives (npz_arrays_fuzz): images, components,
                                 mean, explained variance and ratio as that target's records."""
import io
import os
import struct

import numpy as np
from numpy.lib import format as npformat

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")
OUT_NPZ_ARRAYS = os.path.join(HERE, "corpus-npz-arrays")
ROLES = {"images": 0, "components": 1, "mean": 2, "explained_variance": 3, "explained_variance_ratio": 4}


def npy(array, version=None):
    buffer = io.BytesIO()
    npformat.write_array(buffer, array, version=version, allow_pickle=True)
    return buffer.getvalue()


def records(arrays, chunk=7):
    """npz_arrays_fuzz's input: [role][length, 2 bytes LE][.npy bytes] per array, in order. The role
    byte also sets the images' feeding chunk (1 + byte % 61), so it is role + 5·j."""
    out = b""
    for name, array in arrays:
        data = npy(array)
        assert len(data) < 1 << 16, name
        out += bytes([ROLES[name] + 5 * chunk]) + struct.pack("<H", len(data)) + data
    return out


def basis_of(x, k):
    """A basis as scikit-learn's PCA gives it: centred SVD, each component's largest entry positive."""
    rows = x.reshape(len(x), -1).astype(np.float64)
    mean = rows.mean(axis=0)
    _, s, vt = np.linalg.svd(rows - mean, full_matrices=False)
    vt *= np.sign(vt[np.arange(len(vt)), np.abs(vt).argmax(axis=1)])[:, None]
    variance = s**2 / (len(rows) - 1)
    return vt[:k], mean, variance[:k], variance[:k] / variance.sum()


def write_npz_arrays():
    os.makedirs(OUT_NPZ_ARRAYS, exist_ok=True)
    rng = np.random.default_rng(11)
    gray = rng.integers(0, 255, (6, 2, 3)).astype(np.uint8)
    components, mean, variance, ratio = basis_of(gray, 3)
    colour = rng.integers(0, 255, (5, 2, 1, 3)).astype(np.uint8)
    c_components, c_mean, c_variance, _ = basis_of(colour, 2)
    seeds = {
        "ipca_full.bin": [("images", gray), ("components", components), ("mean", mean),
                          ("explained_variance", variance), ("explained_variance_ratio", ratio)],
        "float32_no_variance.bin": [("images", gray.astype(np.float32)), ("components", components.astype(np.float32)),
                                    ("mean", mean.astype(np.float32))],
        "ratio_only.bin": [("images", gray), ("components", components[:2]), ("mean", mean),
                           ("explained_variance_ratio", ratio[:2])],
        "transposed.bin": [("images", gray), ("components", components.T.copy()), ("mean", mean)],
        "mean_2d.bin": [("images", gray), ("components", components), ("mean", mean[None, :])],
        "colour.bin": [("images", colour), ("components", c_components), ("mean", c_mean),
                       ("explained_variance", c_variance)],
        "images_only.bin": [("images", gray)],
    }
    for name, arrays in seeds.items():
        with open(os.path.join(OUT_NPZ_ARRAYS, name), "wb") as f:
            f.write(records(arrays, chunk=1 + len(name) % 11))
    print(f"wrote {len(seeds)} files to {OUT_NPZ_ARRAYS}")


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
    write_npz_arrays()


if __name__ == "__main__":
    main()
