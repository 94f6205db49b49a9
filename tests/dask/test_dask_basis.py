"""scripts/dask-basis against scikit-learn, on a Dask cluster of 2 worker processes.

setUpClass starts a distributed.LocalCluster (2 worker processes) and runs dask-basis on the cases
of tests/fixtures/dask_cases.py: on that cluster for the exact path (gray 12x12) and the
randomized one (65x65, D > 4096), and on a LocalCluster of its own for the colour case. The
basis files must match scikit-learn's PCA (components |cos| >= 0.999, mean, variances), the test's
scheduler must have run the work, and pcarecon must rebuild the images from them as scikit-learn's
inverse_transform does. Bad inputs are refused with one line and exit status 2.

Environment: PCARECON (the CLI binary). Run with Debian's /usr/bin/python3 (numpy, scikit-learn,
python3-dask, python3-distributed).
"""
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
import dask_cases  # noqa: E402

PCARECON = os.environ.get("PCARECON", "build/native/wasm/pcarecon")


def free_port():
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def decode_z(z, dims):
    if isinstance(z, dict):
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype="<f4").reshape(dims)
    return np.array(z, dtype=np.float64).reshape(dims)


class DaskBasisTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from distributed import Client, LocalCluster

        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        dask_cases.write(cls.dir)
        cls.cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        cls.client = Client(cls.cluster)
        cls.client.get_task_stream()  # installs the scheduler's task-stream plugin
        cls.runs, cls.tasks = {}, {}
        for name, own_cluster in (("gray", False), ("wide", False), ("colour", True)):
            extra = [] if own_cluster else ["--scheduler", cls.cluster.scheduler_address]
            seen = len(cls.client.get_task_stream())
            cls.runs[name] = dask_cases.run_dask_basis(cls.path(name + ".npy"),
                                                       cls.path(name + "_dask.npz"), *extra)
            cls.tasks[name] = list(cls.client.get_task_stream())[seen:]

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.cluster.close()
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.dir, name)

    def basis(self, name):
        result = self.runs[name]
        self.assertEqual(result.returncode, 0, result.stderr)
        with np.load(self.path(name + "_dask.npz")) as f:
            return {key: f[key] for key in f.files}, np.load(self.path(name + "_sklearn.npz"))

    def check_against_sklearn(self, name):
        ours, ref = self.basis(name)
        self.assertEqual(sorted(ours), ["components", "explained_variance",
                                        "explained_variance_ratio", "images", "mean"])
        self.assertEqual(ours["components"].shape, ref["components"].shape)
        cos = np.abs(np.sum(ours["components"] * ref["components"], axis=1))
        self.assertGreaterEqual(cos.min(), 0.999, f"{name}: |cos| per component {cos}")
        np.testing.assert_allclose(ours["mean"], ref["mean"], rtol=0, atol=1e-9 * 255)
        np.testing.assert_allclose(ours["explained_variance"], ref["explained_variance"],
                                   rtol=1e-4)
        # A share of the total variance (its trace), as scikit-learn's: not of the K kept.
        np.testing.assert_allclose(ours["explained_variance_ratio"],
                                   ref["explained_variance_ratio"], rtol=1e-4)
        self.assertLess(ours["explained_variance_ratio"].sum(), 1.0)
        # Orthonormal rows, signs as scikit-learn's svd_flip on V: each row's largest |v| positive.
        v = ours["components"]
        np.testing.assert_allclose(v @ v.T, np.eye(len(v)), atol=1e-9)
        self.assertTrue(np.all(v[np.arange(len(v)), np.argmax(np.abs(v), axis=1)] > 0))
        x = np.load(self.path(name + ".npy"))
        np.testing.assert_array_equal(ours["images"], x[:dask_cases.SHOWN])
        self.assertEqual(ours["images"].dtype, x.dtype)
        return self.runs[name].stderr

    def check_ran_on_test_cluster(self, name, chunks):
        keys = {str(t["key"]) for t in self.tasks[name]}
        reads = {k for k in keys if "read_rows" in k}  # one per row chunk: (name, chunk, 0)
        self.assertEqual(len(reads), chunks, f"{name}: the scheduler's read tasks: {sorted(keys)}")
        workers = {t["worker"] for t in self.tasks[name]}
        self.assertTrue(workers <= set(self.cluster.scheduler_info["workers"]), workers)
        return keys

    def test_exact_path_on_the_given_cluster(self):
        stderr = self.check_against_sklearn("gray")
        self.assertIn("method: exact", stderr)
        self.assertIn(self.cluster.scheduler_address, stderr)
        self.check_ran_on_test_cluster("gray", chunks=-(-600 // 64))

    def test_randomized_path_for_wide_data(self):
        stderr = self.check_against_sklearn("wide")
        self.assertIn("method: randomized", stderr)
        self.assertIn("svd_compressed", stderr)
        keys = self.check_ran_on_test_cluster("wide", chunks=-(-300 // 64))
        self.assertTrue(any("('svd-" in k for k in keys), f"no svd task of svd_compressed: {keys}")

    def test_colour_on_a_local_cluster_of_its_own(self):
        stderr = self.check_against_sklearn("colour")
        self.assertIn("a LocalCluster of 2 worker processes", stderr)
        self.assertEqual(self.tasks["colour"], [], "the test's own cluster ran none of it")
        ours, _ = self.basis("colour")
        self.assertEqual(ours["images"].shape, (dask_cases.SHOWN, 8, 10, 3))

    def test_cli_reconstructs_as_sklearn_inverse_transform(self):
        for name in ("gray", "wide", "colour"):
            ours, ref = self.basis(name)
            images = ours["images"]
            dims = images.shape[1:]
            for index in (0, 7):
                result = subprocess.run([PCARECON, "figure", self.path(name + "_dask.npz"), "-i",
                                         str(index), "-k", str(dask_cases.K), "--step", "5"],
                                        capture_output=True, text=True, timeout=300)
                self.assertEqual(result.returncode, 0, result.stderr)
                figure = json.loads(result.stdout)
                frames = {f["name"]: f for f in figure["frames"]}
                self.assertEqual(sorted(frames, key=int), ["0", "5", "10"])
                recon = decode_z(frames["10"]["data"][0]["z"], dims)
                expected = ref["recon"][index].reshape(dims)
                if len(dims) == 3:  # colour is shown on the data range
                    expected = np.clip(expected, images.min(), images.max())
                np.testing.assert_allclose(recon, expected, rtol=0, atol=0.05,
                                           err_msg=f"{name} sample {index}")

    def dask_basis(self, *args):
        return subprocess.run([dask_cases.DASK_BASIS, *map(str, args)], capture_output=True,
                              text=True, timeout=120)

    def check_refused(self, args, message):
        out = self.path("refused.npz")
        result = self.dask_basis(*args, "-o", out)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertEqual(result.stderr, f"dask-basis: {message}\n")
        self.assertFalse(os.path.exists(out))

    def test_errors(self):
        gray = self.path("gray.npy")
        missing = self.path("missing.npy")
        self.check_refused([missing, "-k", 3], f"cannot read '{missing}': no such file")
        text = self.path("notes.npy")
        with open(text, "w") as f:
            f.write("not an array\n")
        self.check_refused([text, "-k", 3], f"'{text}' is not a .npy file (it starts with "
                           "b'not an', not b'\\x93NUMPY'); save the images with numpy.save")
        archive = self.path("archive.npz")
        np.savez(archive, images=np.zeros((4, 2, 2)))
        self.check_refused([archive, "-k", 3], f"'{archive}' is a .npz archive; dask-basis reads "
                           "one .npy file (numpy.save(path, images))")
        line = self.path("line.npy")
        np.save(line, np.arange(10.0))
        self.check_refused([line, "-k", 1], "not a stack of images: expected (N, H, W) or "
                           "(N, H, W, 1) for gray images, (N, H, W, 3) for RGB, or (N, D) with D a "
                           "perfect square (or --shape HxW) (got shape (10,))")
        rows = self.path("rows.npy")
        np.save(rows, np.ones((5, 7)))
        self.check_refused([rows, "-k", 1], "the rows have 7 values, not a square number of "
                           "pixels: give the image size with --shape HxW (got shape (5, 7))")
        self.check_refused([gray, "-k", 0], "-k must be between 1 and min(N, D) = 144 for 600 "
                           "images of 144 values (got 0)")
        self.check_refused([gray, "-k", 145], "-k must be between 1 and min(N, D) = 144 for 600 "
                           "images of 144 values (got 145)")
        address = f"tcp://127.0.0.1:{free_port()}"
        result = self.dask_basis(gray, "-k", 3, "-o", self.path("refused.npz"), "--scheduler",
                                 address)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
        self.assertTrue(result.stderr.startswith(
            f"dask-basis: cannot reach the Dask scheduler at {address} ("), result.stderr)


if __name__ == "__main__":
    unittest.main()
