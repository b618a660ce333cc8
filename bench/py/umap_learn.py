"""Times umap-learn on a float32 row-major matrix (the same PCA-50 rows our UMAP works on), with
its defaults (15 neighbours, min_dist 0.1, spectral start, Numba on every core). A first fit on
1,000 rows compiles Numba's functions, so the timed fit measures the method, not the compiler.
Writes the n x 2 layout as float32 and prints one JSON line (wall and CPU seconds of the fit). Run by bench/cases/umap.ts.
  python3 umap_learn.py MATRIX N D OUT"""
import json, sys, time

import numpy as np

path, n, d, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
x = np.fromfile(path, dtype="<f4").reshape(n, d)
import umap  # noqa: E402

umap.UMAP(n_neighbors=15, min_dist=0.1).fit_transform(x[:1000])
t = time.perf_counter()
c = time.process_time()  # every thread of the process
y = umap.UMAP(n_neighbors=15, min_dist=0.1).fit_transform(x)
seconds = time.perf_counter() - t
cpu = time.process_time() - c
np.ascontiguousarray(y, dtype="<f4").tofile(out)
print(json.dumps({"seconds": seconds, "cpuSeconds": cpu, "version": umap.__version__}))
