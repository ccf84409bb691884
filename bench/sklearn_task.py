#!/usr/bin/python3
"""One scikit-learn benchmark task in its own process (thread count from the
environment: OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS).
Prints one JSON line: seconds, iterations, error, peak memory (VmHWM).

usage: sklearn_task.py NPY TASK [ITERS]
TASK: nmf-mu | nmf-cd | nmf-cd-tol | pca-full | pca-randomized | ica | kmeans | read-pass | load
"""
import json
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def vmhwm_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    path, task = sys.argv[1], sys.argv[2]
    iters = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    t_load = time.perf_counter()
    X = np.load(path)
    X = X.reshape(-1, X.shape[-1])
    load_s = time.perf_counter() - t_load
    out = {"task": task, "n": X.shape[0], "m": X.shape[1], "load_s": load_s}
    from sklearn.decomposition import NMF, PCA, FastICA
    from sklearn.cluster import KMeans

    Xc = np.maximum(X, 0)  # specmap reads negatives as 0; same data on both sides

    def nmf_run(solver, it, tol, init="nndsvda"):
        t = time.perf_counter()
        model = NMF(4, solver=solver, max_iter=it, tol=tol, init=init, random_state=0)
        model.fit_transform(Xc)
        return time.perf_counter() - t, model

    if task in ("nmf-mu", "nmf-cd"):
        solver = task[4:]
        # init 'random' (cheap) so that T(N) - T(1) is the iterations only, not the noise of an SVD
        nmf_run(solver, 2, 0, "random")  # warm-up
        t1, _ = nmf_run(solver, 1, 0, "random")
        tn, model = nmf_run(solver, iters, 0, "random")
        out.update(seconds=tn, iterations=iters, per_iter_ms=(tn - t1) / (iters - 1) * 1e3, error=float(model.reconstruction_err_))
    elif task == "nmf-cd-tol":
        t, model = nmf_run("cd", iters, 1e-4)
        out.update(seconds=t, iterations=int(model.n_iter_), error=float(model.reconstruction_err_))
    elif task.startswith("pca-"):
        solver = task[4:]
        t = time.perf_counter()
        p = PCA(4, svd_solver=solver, random_state=0)
        p.fit_transform(X)
        out.update(seconds=time.perf_counter() - t, error=float(p.explained_variance_[0]))
    elif task == "ica":
        t = time.perf_counter()
        ica = FastICA(4, whiten="unit-variance", max_iter=200, tol=1e-4, random_state=0)
        ica.fit_transform(X)
        out.update(seconds=time.perf_counter() - t, iterations=int(ica.n_iter_))
    elif task == "kmeans":
        t = time.perf_counter()
        km = KMeans(4, n_init=10, random_state=0)
        km.fit(X)
        out.update(seconds=time.perf_counter() - t, iterations=int(km.n_iter_), error=float(km.inertia_))
    elif task == "read-pass":
        ts = []
        X.sum(axis=0, dtype=np.float64)
        for _ in range(9):
            t = time.perf_counter()
            X.sum(axis=0, dtype=np.float64)
            ts.append(time.perf_counter() - t)
        ts.sort()
        out.update(seconds=ts[4], per_iter_ms=ts[4] * 1e3)
    elif task == "load":
        out.update(seconds=load_s)
    else:
        raise SystemExit(f"unknown task {task}")
    out["vmhwm_mb"] = vmhwm_mb()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
