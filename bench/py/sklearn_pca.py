"""Times scikit-learn PCA on MNIST's 60k training rows: randomized (k = --k, random_state 0, the
reference's settings in shared/peers/sklearn_pca.py) and full SVD, --repeats each, and reports test
reconstruction MSE for k = 2, 10, 20, 50. Prints one JSON line. Run by bench/cases/pca.ts."""
import argparse, json, os, sys, time

sys.path.insert(0, os.environ["LAB_PEERS"])
import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from common import load  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--k", type=int, nargs="+", default=[20, 50])
p.add_argument("--repeats", type=int, default=3)
a = p.parse_args()
Xtr, _, Xte, _ = load("mnist")


def timed(make):
    ts = []
    for _ in range(a.repeats):
        m = make()
        t0 = time.perf_counter()
        m.fit(Xtr)
        ts.append(time.perf_counter() - t0)
    return m, ts


def mse(m, k):
    W = m.components_[:k]
    return float(np.mean(((Xte - m.mean_) @ W.T @ W + m.mean_ - Xte) ** 2))


out = {"sklearn": sklearn.__version__, "randomized": {}}
for k in a.k:
    m, ts = timed(lambda: PCA(k, svd_solver="randomized", random_state=0))
    out["randomized"][str(k)] = {"seconds": ts, "testMse": {str(q): mse(m, q) for q in (2, 10, 20, 50) if q <= k}}
m, ts = timed(lambda: PCA(svd_solver="full"))
out["full"] = {"seconds": ts, "testMse": {str(q): mse(m, q) for q in (2, 10, 20, 50)}}
print(json.dumps(out))
