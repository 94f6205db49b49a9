#!/usr/bin/python3
"""Fixtures and references for the end-to-end tests, written by NumPy and scikit-learn themselves.

  fixtures.py write DIR                         writes the test .npy files into DIR
  fixtures.py write-big DIR                     writes big.npy: 1500 images of 64x64, slow to fit
  fixtures.py write-split DIR                   writes split.npy: 6000 uint8 images of 28x28, enough
                                                for the page to split the fit over its two workers
  fixtures.py write-streamed DIR                writes streamed.npy: 12000 uint8 images of 28x28, enough
                                                for both workers to read a part each when streamed
  fixtures.py reference NPY INDEX K k1,k2,...   prints JSON: for each k, the reconstruction of
                                                sample INDEX from the first k components (scikit-learn
                                                PCA(n_components=k, svd_solver='full'); k = 0: the mean),
                                                flattened row-major, and the data range (one
                                                full fit for every k: full_fit)

Run with Debian's /usr/bin/python3 (numpy and scikit-learn).
"""
import hashlib
import json
import os
import sys

import numpy as np

# The seeded stack shared with the .npz cases (tests/fixtures/synthetic_stack.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from synthetic_stack import stack  # noqa: E402


def write(outdir):
    os.makedirs(outdir, exist_ok=True)
    plain = stack(7, 40, 9, 7)  # not square: rows and columns cannot be confused
    np.save(os.path.join(outdir, "plain.npy"), plain)
    # The same values as float64 in Fortran order, and as big-endian float32.
    np.save(os.path.join(outdir, "fortran64.npy"), np.asfortranarray(plain.astype(np.float64)))
    np.save(os.path.join(outdir, "bigendian.npy"), plain.astype(">f4"))
    # A second good file of another shape, and uint8 like most image data.
    other = np.clip(stack(11, 30, 6, 6) * 10, 0, 255).astype(np.uint8)
    np.save(os.path.join(outdir, "other.npy"), other)
    # RGB images (N, H, W, 3): three patterns, each of its own hue, so red and green differ.
    rng = np.random.default_rng(5)
    hues = np.array([[1.0, 0.15, 0.1], [0.1, 0.85, 0.2], [0.15, 0.25, 1.0]])
    shapes = rng.normal(size=(3, 8, 6))
    weights = rng.normal(size=(30, 3)) * np.array([50.0, 30.0, 15.0])
    rgb = 128.0 + np.einsum("nk,khw,kc->nhwc", weights, shapes, hues) + rng.normal(size=(30, 8, 6, 3))
    np.save(os.path.join(outdir, "rgb.npy"), np.clip(np.rint(rgb), 0, 255).astype(np.uint8))
    np.save(os.path.join(outdir, "rgb_fortran.npy"), np.asfortranarray(rgb.astype(np.float32)))
    # Bad files.
    with open(os.path.join(outdir, "plain.npy"), "rb") as f:
        data = f.read()
    with open(os.path.join(outdir, "truncated.npy"), "wb") as f:
        f.write(data[:-100])
    np.save(os.path.join(outdir, "object.npy"), np.array([[1, "a"], [2, None]], dtype=object), allow_pickle=True)
    np.save(os.path.join(outdir, "oned.npy"), np.arange(50, dtype=np.float32))
    with open(os.path.join(outdir, "notes.txt"), "w") as f:
        f.write("this is not a numpy file\n")
    print(json.dumps(sorted(os.listdir(outdir))))


def write_big(outdir):
    os.makedirs(outdir, exist_ok=True)
    np.save(os.path.join(outdir, "big.npy"), stack(3, 1500, 64, 64))


def write_split(outdir):
    os.makedirs(outdir, exist_ok=True)
    images = np.clip(np.rint(stack(17, 6000, 28, 28) * 8 + 40), 0, 255).astype(np.uint8)
    np.save(os.path.join(outdir, "split.npy"), images)


def write_streamed(outdir):
    os.makedirs(outdir, exist_ok=True)
    images = np.clip(np.rint(stack(19, 12000, 28, 28) * 8 + 40), 0, 255).astype(np.uint8)
    np.save(os.path.join(outdir, "streamed.npy"), images)


def full_fit(path, x_all):
    """scikit-learn's PCA(svd_solver='full') of x_all with every component: {mean, components,
    ratio}. PCA(n_components=k) with that solver is the same SVD cut to its first k rows, so one
    fit answers every k. With PCARECON_REFERENCE_CACHE set (scripts/test does), the fit is kept
    there under the file's SHA-256, so the suites that check the same file share one SVD."""
    from sklearn.decomposition import PCA

    cache = os.environ.get("PCARECON_REFERENCE_CACHE")
    if cache:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        cached = os.path.join(cache, f"{digest}.npz")
        if os.path.exists(cached):
            with np.load(cached) as fit:
                return {key: fit[key] for key in fit.files}
    pca = PCA(svd_solver="full").fit(x_all)
    fit = {"mean": pca.mean_, "components": pca.components_, "ratio": pca.explained_variance_ratio_}
    if cache:
        os.makedirs(cache, exist_ok=True)
        partial = f"{cached}.{os.getpid()}.npz"
        np.savez(partial, **fit)
        os.replace(partial, cached)  # whole or absent, when two suites fit the same file at once
    return fit


def reference(path, index, n_components, ks):
    images = np.load(path, allow_pickle=False)
    x_all = images.reshape(images.shape[0], -1).astype(np.float64)
    x = x_all[index : index + 1]
    fit = full_fit(path, x_all)
    rank = fit["components"].shape[0]
    for k in [*ks, n_components]:
        if not 0 <= k <= rank:
            sys.exit(f"reference: k = {k} is outside 0..{rank} for {path}")
    out = {"range": float(x_all.max() - x_all.min()), "original": x[0].tolist(), "k": {}}
    for k in ks:
        if k == 0:
            recon = fit["mean"][None, :]
        else:
            # PCA(k).inverse_transform(PCA(k).transform(x)), with PCA(k)'s components.
            components = fit["components"][:k]
            recon = (x - fit["mean"]) @ components.T @ components + fit["mean"]
        out["k"][str(k)] = recon[0].tolist()
    out["explainedVarianceRatio"] = fit["ratio"][:n_components].tolist()
    print(json.dumps(out))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "write":
        write(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "write-big":
        write_big(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "write-split":
        write_split(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "write-streamed":
        write_streamed(sys.argv[2])
    elif len(sys.argv) == 6 and sys.argv[1] == "reference":
        ks = [int(k) for k in sys.argv[5].split(",") if k != ""]
        reference(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), ks)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
