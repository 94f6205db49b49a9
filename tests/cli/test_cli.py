"""The pcarecon command line against NumPy-written files and scikit-learn.

Environment: PCARECON (the binary), PCARECON_FIXTURES_DIR (written by make_fixtures.py; this file
uses its figure/ cases). Run with Debian's /usr/bin/python3 (numpy, scikit-learn, plotly 5.4).
"""
import base64
import json
import os
import tempfile
import unittest

import numpy as np
from sklearn.decomposition import PCA

from cli_runner import FIXTURES_DIR, run, run_json

FIXTURES = os.path.join(FIXTURES_DIR, "figure")
CASES = ["digits", "low_rank", "flat", "rgb", "rgb_fortran"]  # rgb*: (N, H, W, 3) images


def reference(name):
    with open(os.path.join(FIXTURES, f"{name}.json")) as f:
        return json.load(f)


def fixture(name):
    return os.path.join(FIXTURES, f"{name}.npy")


def shape_args(ref):
    return ["--shape", ref["shape_arg"]] if ref["shape_arg"] else []


def canonical_signs(components):
    out = np.array(components, dtype=np.float64)
    for row in out:
        i = int(np.argmax(np.abs(row)))
        if row[i] < 0:
            row *= -1
    return out


def decode_z(z, height, width, channels=1):
    """A heatmap's H×W z, or an RGB image trace's H×W×3, from either encoding."""
    dims = (height, width) if channels == 1 else (height, width, channels)
    if isinstance(z, dict):
        assert z["dtype"] == "f4", z["dtype"]
        assert z["shape"] == ",".join(map(str, dims)), z["shape"]
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype="<f4").reshape(dims)
    out = np.array(z, dtype=np.float64)
    assert out.shape == dims, out.shape
    return out


def ref_channels(name):
    return reference(name)["channels"]


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def check_error(self, args, fragment):
        """pcarecon fails with exit status 2, nothing on stdout and one line naming the problem."""
        result = run(*args)
        self.assertEqual(result.returncode, 2, (args, result.stdout[:200], result.stderr))
        self.assertEqual(result.stdout, "")
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("pcarecon: "), lines[0])
        self.assertIn(fragment, lines[0])


class InfoTest(CliTest):
    def test_header_of_numpy_files(self):
        rng = np.random.default_rng(1)
        cases = {
            "c.npy": (rng.random((5, 4, 3)).astype(np.float32), (1, 0)),
            "f.npy": (np.asfortranarray(rng.random((6, 9))), (1, 0)),
            "be.npy": (rng.integers(0, 100, (3, 2, 2)).astype(">i2"), (1, 0)),
            "u1.npy": (rng.integers(0, 255, (2, 5, 5)).astype(np.uint8), (1, 0)),
            "v2.npy": (rng.random((4, 3, 3)).astype(np.float64), (2, 0)),
        }
        for name, (array, version) in cases.items():
            with open(self.path(name), "wb") as f:
                np.lib.format.write_array(f, array, version=version)
            info = run_json("info", self.path(name))
            self.assertEqual(
                info,
                {"shape": list(array.shape), "dtype": array.dtype.str,
                 "fortran_order": bool(array.flags.f_contiguous and not array.flags.c_contiguous),
                 "version": f"{version[0]}.{version[1]}"},
                name)

    def test_fixture_info(self):
        self.assertEqual(run_json("info", fixture("digits")),
                         {"shape": [300, 8, 8], "dtype": "<f8", "fortran_order": False, "version": "1.0"})
        self.assertEqual(run_json("info", fixture("rgb_fortran")),
                         {"shape": [40, 6, 5, 3], "dtype": "<f4", "fortran_order": True, "version": "1.0"})


class FitTest(unittest.TestCase):
    def check_against_sklearn(self, name, k):
        ref = reference(name)
        data = np.load(fixture(name)).astype(np.float64)
        x = data.reshape(data.shape[0], -1)
        pca = PCA(n_components=k, svd_solver="full").fit(x)
        fit = run_json("fit", fixture(name), "-k", k, *shape_args(ref))
        for key in ("mean", "components", "explained_variance", "explained_variance_ratio",
                    "singular_values"):
            self.assertIn(key, fit)
        components = np.array(fit["components"])
        self.assertEqual(components.shape, (k, x.shape[1]))
        np.testing.assert_allclose(fit["mean"], pca.mean_, rtol=1e-6, atol=1e-6 * np.abs(x).max())
        np.testing.assert_allclose(fit["explained_variance"], pca.explained_variance_, rtol=1e-5)
        np.testing.assert_allclose(fit["explained_variance_ratio"], pca.explained_variance_ratio_, rtol=1e-5)
        np.testing.assert_allclose(fit["singular_values"], pca.singular_values_, rtol=1e-5)
        # Same sign convention: the largest-|v| entry of each component is positive.
        np.testing.assert_array_equal(canonical_signs(components), components)
        np.testing.assert_allclose(components, canonical_signs(pca.components_), atol=1e-4)

    def test_digits(self):
        self.check_against_sklearn("digits", 10)

    def test_low_rank(self):
        self.check_against_sklearn("low_rank", 6)

    def test_flat_with_shape(self):
        self.check_against_sklearn("flat", 12)

    def test_rgb_is_fitted_as_sklearn_fits_x_reshaped(self):
        self.check_against_sklearn("rgb", 12)  # uint8, C order
        self.check_against_sklearn("rgb_fortran", 12)  # float32, Fortran order

    def test_flat_needs_no_shape_to_fit(self):
        with_shape = run_json("fit", fixture("flat"), "-k", 3, "--shape", "5x6")
        self.assertEqual(run_json("fit", fixture("flat"), "-k", 3), with_shape)

    def test_default_k_is_min_n_d(self):
        fit = run_json("fit", fixture("flat"), "--shape", "5x6")
        self.assertEqual(len(fit["components"]), 30)


class FigureTest(unittest.TestCase):
    def figure(self, name, *extra):
        ref = reference(name)
        return ref, run_json("figure", fixture(name), "-i", ref["sample"], "-k", ref["n_components"],
                             *shape_args(ref), *extra)

    def test_axes_never_move(self):
        for name in CASES:
            _, fig = self.figure(name, "--step", 3)
            data = fig["data"]
            self.assertEqual([(t["xaxis"], t["yaxis"]) for t in data],
                             [("x", "y"), ("x2", "y2"), ("x3", "y3"), ("x4", "y4")])
            # The current-k marker moves as a layout shape on the distortion axes.
            self.assertEqual(fig["layout"]["shapes"][0]["xref"], "x4")
            for frame in fig["frames"]:
                self.assertEqual(len(frame["traces"]), len(frame["data"]))
                self.assertEqual(frame["layout"]["shapes"][0]["xanchor"], int(frame["name"]))
                for index, trace in zip(frame["traces"], frame["data"]):
                    self.assertTrue(0 <= index < len(data))
                    for key in ("type", "xaxis", "yaxis"):
                        self.assertEqual(trace[key], data[index][key], (name, frame["name"], key))
                    self.assertEqual(trace["type"], "image" if ref_channels(name) == 3 else "heatmap")
                    if trace["type"] in ("heatmap", "image"):
                        self.assertEqual((trace["zmin"], trace["zmax"]),
                                         (data[index]["zmin"], data[index]["zmax"]))

    def test_frames_and_slider(self):
        ref, fig = self.figure("digits", "--step", 3)
        names = [f["name"] for f in fig["frames"]]
        self.assertEqual(names, ["0", "3", "6", "9", "10"])
        steps = fig["layout"]["sliders"][0]["steps"]
        self.assertEqual([s["label"] for s in steps], names)
        self.assertEqual([s["args"][0] for s in steps], [[n] for n in names])
        self.assertIn("k = 10 of 10 components", fig["frames"][-1]["layout"]["title"]["text"])
        labels = [b["label"] for b in fig["layout"]["updatemenus"][0]["buttons"]]
        self.assertEqual(labels, ["Play", "Pause"])

    def test_frames_decode_to_sklearn_reconstructions(self):
        for name in CASES:
            for plain in (False, True):
                ref, fig = self.figure(name, *(["--plain-arrays"] if plain else []))
                h, w = ref["image"]
                channels = ref["channels"]
                frames = {f["name"]: f for f in fig["frames"]}
                scale = max(1.0, float(np.abs(ref["mean"]).max()))
                for k, expected in zip(ref["ks"], ref["reconstructions"]):
                    frame = frames[str(k)]
                    recon = decode_z(frame["data"][0]["z"], h, w, channels)
                    np.testing.assert_allclose(recon.ravel(), expected, atol=2e-4 * scale,
                                               err_msg=f"{name} k={k} plain={plain}")

    def test_json_is_strict(self):
        result = run("figure", fixture("low_rank"), "-k", 6, "--step", 2)
        self.assertEqual(result.returncode, 0, result.stderr)
        for bad in ("NaN", "Infinity"):
            self.assertNotIn(bad, result.stdout)
        json.loads(result.stdout, parse_constant=lambda c: self.fail(f"non-standard constant {c}"))

    def test_plain_arrays_load_in_plotly_py(self):
        import plotly.graph_objects as go
        import plotly.io as pio
        _, fig = self.figure("low_rank", "--plain-arrays", "--step", 2)
        figure = go.Figure(fig)  # validates every attribute against plotly.py 5.4's schema
        self.assertEqual(len(figure.frames), 4)
        self.assertEqual(figure.layout.yaxis.autorange, "reversed")
        pio.to_json(figure)


class ErrorTest(CliTest):
    def test_errors(self):
        np.save(self.path("complex.npy"), np.zeros((3, 2, 2), dtype=np.complex128))
        np.save(self.path("good.npy"), np.random.default_rng(0).random((6, 3, 3)).astype(np.float32))
        with open(self.path("good.npy"), "rb") as f:
            data = f.read()
        with open(self.path("truncated.npy"), "wb") as f:
            f.write(data[:-7])
        with open(self.path("text.npy"), "w") as f:
            f.write("not a numpy file at all")
        good = self.path("good.npy")
        self.check_error(["info", self.path("complex.npy")], "complex")
        self.check_error(["fit", self.path("truncated.npy")], "truncated")
        self.check_error(["info", self.path("text.npy")], "")
        self.check_error(["info", self.path("missing.npy")], "missing.npy")
        self.check_error(["figure", good, "-i", 6], "sample index 6 is out of range")
        self.check_error(["figure", good, "-k", 3, "--step", 0], "step must be at least 1 (got 0)")
        self.check_error(["fit", good, "-k", 50], "50")
        np.save(self.path("flat.npy"), np.zeros((4, 30), dtype=np.float32))
        self.check_error(["figure", self.path("flat.npy")], "30")
        self.check_error(["fit", good, "-k", "two"], "-k needs a whole number (got 'two')")
        self.check_error(["fit", good, "--shape", "3by3"], "--shape")
        self.check_error(["fit", good, "--bogus"], "unknown option '--bogus'")
        self.check_error(["fit"], "fit needs a .npy or .npz file")
        self.check_error(["frobnicate", good], "unknown command 'frobnicate'")
        self.check_error([], "no command given")
        self.check_error(["info", good, "-i", 2], "-i does not apply to info")

    def test_help(self):
        result = run("--help")
        self.assertEqual(result.returncode, 0)
        self.assertIn("usage: pcarecon", result.stdout)


if __name__ == "__main__":
    unittest.main()
