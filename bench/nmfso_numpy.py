#!/usr/bin/python3
"""NMF-SO in plain numpy, written for the benchmark from the statement in
../shared/docs/algorithms.md §1.2 (malspy 0.4 `NMF_SO.fit`; not malspy's code):

  X (n×m, float32 as stored; negative values set to 0 in place, as specmap reads them)
  init:  C = 1/(√n + eps) everywhere (unit columns), S = X[idx, :]ᵀ with
         idx = RandomState(seed).choice(n, K) (numpy's legacy generator)
  each iteration (S first, then C):
    A = XᵀC, B = CᵀC;  for j in order: s_j ← [A_j − S·B_j + B_jj·s_j]_+
    P = X·S, Q = SᵀS;  c̄ = Σ_j c_j;  for j in order:
        c̄ −= c_j;  h = P_j − C·Q_j + Q_jj·c_j
        h ← h − ω·(c̄ᵀh / c̄ᵀc̄)·c̄      (skipped when c̄ = 0)
        c_j ← [h]_+ / √(‖[h]_+‖² + eps);  c̄ += c_j
    obj = ‖X − C·Sᵀ‖²_F / (n·m), evaluated as (‖X‖² − 2⟨C, P⟩ + ⟨CᵀC, SᵀS⟩)/(n·m)
    (P = X·S is of the final S; the straightforward (X − C·Sᵀ)² would add an
    n×m temporary per iteration — 1.2 GB in float64 for 600×500×256).
  Fixed iteration count (no stopping rule), one repetition.

Precision: the products with X (XᵀC and X·S) are float32 BLAS calls on the
float32 X (sgemm: X is never copied or converted; the factor is rounded to
float32 for the call, the result taken back to float64); C, S and every
n×K / K×m operation are float64. `--dtype float64` converts X once to
float64 instead (dgemm; twice the memory and bandwidth).

Threads: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS from the environment.

usage: nmfso_numpy.py NPY [--iters 1,30] [--components 4] [--omega 0.1] [--seed 0] [--dtype float32|float64]
Prints one JSON line: per-iteration time ((T(N2) − T(N1))/(N2 − N1) over
separate fits), total seconds, the objective history of the longest run,
peak memory (VmHWM, MB).
"""
import argparse
import json
import time

import numpy as np

EPS = np.finfo(np.float64).eps


def vmhwm_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def nmf_so(X, k, omega, iters, seed, prod_dtype):
    n, m = X.shape
    rng = np.random.RandomState(seed)
    C = np.full((n, k), 1.0 / (np.sqrt(n) + EPS))
    idx = rng.choice(n, k)
    S = X[idx, :].T.astype(np.float64)  # m×k
    xx = sum_sq(X)
    obj = np.empty(iters)
    for t in range(iters):
        # --- spectra: A = XᵀC (m×k), B = CᵀC
        A = (X.T @ C.astype(prod_dtype)).astype(np.float64)
        B = C.T @ C
        for j in range(k):
            S[:, j] = np.maximum(A[:, j] - S @ B[:, j] + B[j, j] * S[:, j], 0.0)
        # --- maps: P = X·S (n×k), Q = SᵀS
        P = (X @ S.astype(prod_dtype)).astype(np.float64)
        Q = S.T @ S
        cbar = C.sum(axis=1)
        for j in range(k):
            cbar -= C[:, j]
            h = P[:, j] - C @ Q[:, j] + Q[j, j] * C[:, j]
            cc = cbar @ cbar
            if omega > 0 and cc > 0:
                h -= (omega * (cbar @ h) / cc) * cbar
            np.maximum(h, 0.0, out=h)
            C[:, j] = h / np.sqrt(h @ h + EPS)
            cbar += C[:, j]
        obj[t] = max(0.0, xx - 2.0 * float(np.sum(C * P)) + float(np.sum((C.T @ C) * Q))) / (n * m)
    return C, S, obj, [int(i) for i in idx]


def sum_sq(X):
    """Σ x² in float64, in row blocks (no full float64 copy of X)."""
    s = 0.0
    for i in range(0, X.shape[0], 65536):
        b = X[i : i + 65536].astype(np.float64)
        s += float(np.einsum("ij,ij->", b, b))
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("npy")
    ap.add_argument("--iters", default="1,30")
    ap.add_argument("--components", type=int, default=4)
    ap.add_argument("--omega", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    a = ap.parse_args()
    n1, n2 = (int(v) for v in a.iters.split(","))
    t0 = time.perf_counter()
    X = np.load(a.npy)
    X = X.reshape(-1, X.shape[-1])
    if X.dtype != np.float32:
        raise SystemExit(f"{a.npy}: expected float32, got {X.dtype}")
    np.maximum(X, 0, out=X)  # negatives read as 0 (as specmap does), in place
    prod = np.float32
    if a.dtype == "float64":
        X = X.astype(np.float64)
        prod = np.float64
    load_s = time.perf_counter() - t0
    nmf_so(X, a.components, a.omega, 1, a.seed, prod)  # warm-up (BLAS threads, page faults)
    t = time.perf_counter()
    nmf_so(X, a.components, a.omega, n1, a.seed, prod)
    s1 = time.perf_counter() - t
    t = time.perf_counter()
    C, S, obj, idx = nmf_so(X, a.components, a.omega, n2, a.seed, prod)
    s2 = time.perf_counter() - t
    print(
        json.dumps(
            {
                "impl": "numpy",
                "n": X.shape[0],
                "m": X.shape[1],
                "k": a.components,
                "omega": a.omega,
                "dtype_products": a.dtype,
                "iters": [n1, n2],
                "load_s": load_s,
                "seconds": s2,
                "per_iter_ms": (s2 - s1) / (n2 - n1) * 1e3,
                "init_rows": idx,
                "obj": obj.tolist(),
                "vmhwm_mb": vmhwm_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
