"""pcarecon on .npz archives: the images of an archive NumPy wrote draw the figure of the same
images as a .npy; --array picks a member; a basis file (scikit-learn's IncrementalPCA) rebuilds its
images as scikit-learn's inverse_transform does, with no fit; `fit --save` writes a basis file that
NumPy reads and pcarecon reads back; the .npz bad-input table (bad_npz_inputs.py) gives its exact
messages.

Environment: PCARECON, PCARECON_FIXTURES_DIR (make_fixtures.py: its npz/ and bad_npz_inputs/).
Run with Debian's /usr/bin/python3 (numpy, scikit-learn).
"""
import json
import os
import random
import subprocess
import tempfile
import unittest
import zipfile

import numpy as np
from sklearn.decomposition import PCA

from test_cli import decode_z

from cli_runner import FIXTURES_DIR as FIXTURES, PCARECON, run, run_json
NPZ = os.path.join(FIXTURES, "npz")
BAD = os.path.join(FIXTURES, "bad_npz_inputs")


def npz(name):
    return os.path.join(NPZ, name)


def last_reconstruction(figure, dims):
    return decode_z(figure["frames"][-1]["data"][0]["z"], *dims)


class NpzTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def check_error(self, args, message):
        result = run(*args)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertEqual(result.stderr, f"pcarecon: {message}\n")

    def test_archives_draw_the_figure_of_the_same_npy(self):
        expected = run_json("figure", npz("images.npy"), "-k", 6, "-i", 3)
        for name in ("savez.npz", "savez_compressed.npz", "zip64_central.npz"):
            with self.subTest(name):
                self.assertEqual(run_json("figure", npz(name), "-k", 6, "-i", 3), expected)
        for name in ("multi.npz", "multi_compressed.npz"):
            with self.subTest(name):
                self.assertEqual(
                    run_json("figure", npz(name), "--array", "train", "-k", 6, "-i", 3), expected)

    def test_large_members_stream_through_zlib(self):
        big = np.load(npz("big.npz"))["images"]
        for name in ("big.npz", "big_compressed.npz"):
            with self.subTest(name):
                fit = run_json("fit", npz(name), "-k", 3)
                self.assertEqual(fit["n_samples"], len(big))
                np.testing.assert_allclose(fit["mean"], big.reshape(len(big), -1).mean(axis=0),
                                           atol=1e-4)

    def test_info_lists_the_arrays_as_the_page_does(self):
        info = run_json("info", npz("multi.npz"))
        self.assertEqual(info["archive"], True)
        self.assertEqual(info["basis"], False)
        members = {m["name"]: m for m in info["members"]}
        self.assertEqual(list(members), ["train", "test", "labels"])
        self.assertEqual(members["train"]["shape"], [40, 9, 7])
        self.assertEqual(members["train"]["dtype"], "<f4")
        self.assertTrue(members["test"]["image"])
        self.assertFalse(members["labels"]["image"])
        self.assertTrue(members["labels"]["note"].startswith("not an image stack: got a 1-D"))
        header = run_json("info", npz("multi.npz"), "--array", "test")
        self.assertEqual(header, {"shape": [30, 6, 6], "dtype": "|u1", "fortran_order": False,
                                  "version": "1.0"})
        self.assertEqual(run_json("info", npz("basis_ipca.npz"))["basis"], True)

    def test_basis_file_reconstructs_as_sklearn(self):
        reference = np.load(npz("recon_basis_ipca.npy"))
        for index in (0, 11):
            out = self.path(f"basis_{index}.json")
            result = run("render", npz("basis_ipca.npz"), "-i", index, "-k", 10, "-o", out)
            self.assertEqual(result.returncode, 0, result.stderr)
            with open(out) as f:
                figure = json.load(f)
            self.assertIn("k = 10 of 10 components", figure["frames"][-1]["layout"]["title"]["text"])
            np.testing.assert_allclose(last_reconstruction(figure, (9, 7)).ravel(),
                                       reference[index], atol=2e-3)
        # Fewer components than the basis holds, and the whole basis by default.
        figure = run_json("figure", npz("basis_ipca.npz"), "-k", 4, "--plain-arrays")
        self.assertEqual(figure["frames"][-1]["name"], "4")
        self.assertEqual(run_json("figure", npz("basis_ipca.npz"))["frames"][-1]["name"], "10")
        html = self.path("basis.html")
        self.assertEqual(run("render", npz("basis_ipca.npz"), "-k", 10, "-o", html).returncode, 0)
        with open(html) as f:
            self.assertIn("basis_ipca.npz, sample 0, k = 0 to 10", f.read())

    def test_fit_of_a_basis_file_is_the_basis(self):
        model = run_json("fit", npz("basis_ipca.npz"))
        with np.load(npz("basis_ipca.npz")) as f:
            np.testing.assert_allclose(model["components"], f["components"], atol=1e-6)
            np.testing.assert_allclose(model["mean"], f["mean"], atol=1e-4)
            np.testing.assert_allclose(model["explained_variance"], f["explained_variance"],
                                       rtol=1e-5)
        self.check_error(["fit", npz("basis_ipca.npz"), "-k", 3], "-k does not apply to fit on "
                         "a basis file: its 10 components come from the file")

    def test_fit_save_writes_a_basis_file(self):
        for name, k, dims in (("images.npy", 5, (9, 7)), ("multi_compressed.npz", 4, (6, 6))):
            with self.subTest(name):
                saved = self.path(f"saved_{k}.npz")
                extra = ["--array", "test"] if name.endswith(".npz") else []
                model = run_json("fit", npz(name), "-k", k, "--save", saved, "--images", 20,
                                 *extra)
                with zipfile.ZipFile(saved) as z:
                    self.assertIsNone(z.testzip())
                with np.load(saved) as f:
                    self.assertEqual(sorted(f.files), ["components", "explained_variance",
                                                       "explained_variance_ratio", "images",
                                                       "mean"])
                    np.testing.assert_array_equal(f["components"], model["components"])
                    np.testing.assert_array_equal(f["mean"], model["mean"])
                    np.testing.assert_array_equal(f["explained_variance_ratio"],
                                                  model["explained_variance_ratio"])
                    images = np.load(npz(name))
                    x = images[extra[1]] if extra else images
                    np.testing.assert_array_equal(f["images"], x[:20].astype(np.float32))
                    self.assertEqual(f["images"].shape, (20, *dims))
                # Read back as a basis: scikit-learn's reconstruction of the images kept.
                flat = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
                pca = PCA(n_components=k, svd_solver="full").fit(flat)
                figure = run_json("figure", saved, "-i", 2)
                np.testing.assert_allclose(
                    last_reconstruction(figure, dims).ravel(),
                    pca.inverse_transform(pca.transform(flat[2:3]))[0], atol=2e-3)

    def test_bad_input_table(self):
        with open(os.path.join(BAD, "manifest.json")) as f:
            table = json.load(f)
        self.assertGreaterEqual(len(table), 13)
        for case in table:
            with self.subTest(case["name"]):
                self.check_error(["figure", os.path.join(BAD, case["file"]), *case["args"]],
                                 case["error"])

    def test_damaged_archives_never_crash(self):
        """Seeded mutations of NumPy-written archives (bit flips, truncations, extreme size and
        offset fields): each one loads or is refused in one line, never a crash (the ASan build)."""
        rng = random.Random(15)
        arrays = {"savez.npz": "images", "savez_compressed.npz": "images",
                  "zip64_central.npz": "images", "basis_ipca.npz": "images",
                  "multi_compressed.npz": "train"}
        for i in range(60):
            name = rng.choice(sorted(arrays))
            with open(npz(name), "rb") as f:
                data = bytearray(f.read())
            kind = i % 3
            if kind == 0:
                for _ in range(rng.randint(1, 8)):
                    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            elif kind == 1:
                data = data[:rng.randrange(len(data))]
            else:  # the directory is at the end: an extreme field there
                at = rng.randrange(max(0, len(data) - 200), len(data) - 4)
                data[at:at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\0\0\0\0"])
            damaged = self.path("damaged.npz")
            with open(damaged, "wb") as f:
                f.write(data)
            result = subprocess.run([PCARECON, "figure", damaged, "--array", arrays[name]],
                                    capture_output=True, timeout=300)
            stderr = result.stderr.decode("utf-8", "replace")
            self.assertIn(result.returncode, (0, 2), f"mutation {i}: {stderr}")
            if result.returncode == 2:
                self.assertEqual(len(stderr.splitlines()), 1, f"mutation {i}: {stderr}")
                self.assertTrue(stderr.startswith("pcarecon: "), f"mutation {i}: {stderr}")

    def test_usage_errors(self):
        images = npz("images.npy")
        self.check_error(["figure", images, "--array", "images"],
                         f"--array applies to .npz archives only ('{images}' is a .npy file)")
        self.check_error(["figure", images, "--save", self.path("x.npz")],
                         "--save does not apply to figure")
        self.check_error(["fit", images, "--images", 5],
                         "--images (it goes with --save) does not apply to fit")
        self.check_error(["fit", images, "--save", self.path("x.npz"), "--images", 0],
                         "--images must be at least 1 (got 0)")


if __name__ == "__main__":
    unittest.main()
