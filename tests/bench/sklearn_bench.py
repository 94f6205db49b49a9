"""scikit-learn PCA(50) and NumPy cov + eigh on the same .npy, as float32 (N, D); medians printed
as one JSON object, with the BLAS that numpy/scikit-learn really use (threadpoolctl)."""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_info


def timed(f, runs):
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        f()
        out.append(time.perf_counter() - start)
    return out


def main(path, runs):
    x = np.load(path)
    x = x.reshape(x.shape[0], -1).astype(np.float32)
    blas = [{k: i.get(k) for k in ("internal_api", "version", "num_threads", "filepath")}
            for i in threadpool_info() if i.get("user_api") == "blas"]
    sk = timed(lambda: PCA(n_components=50).fit(x), runs)
    solver = PCA(n_components=50).fit(x)._fit_svd_solver
    np_eigh = timed(lambda: np.linalg.eigh(np.cov(x, rowvar=False)), runs)
    print(json.dumps({"n": x.shape[0], "d": x.shape[1], "sklearn_version": sklearn.__version__,
                      "svd_solver": solver, "blas": blas, "sklearn_s": sk, "numpy_eigh_s": np_eigh}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
