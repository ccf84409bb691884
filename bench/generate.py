#!/usr/bin/python3
"""Synthetic PEEM/STXM-like stacks for the benchmarks: H×W×256 float32 .npy,
K = 4 non-negative mixtures (smooth abundance maps × XAS-like spectra) plus
Gaussian noise (σ = 1 % of the maximum). Deterministic (seed 0).

usage: /usr/bin/python3 bench/generate.py OUTDIR [64x64 256x256 600x500 ...]
"""
import os
import sys
import numpy as np

M = 256
K = 4


def spectra(m, k, rng):
    e = np.linspace(0.0, 1.0, m)
    out = np.empty((k, m))
    for t in range(k):
        edge = 0.35 + 0.05 * t
        s = 0.1 + 0.6 / (1 + np.exp(-(e - edge) / 0.01))  # edge step
        for _ in range(3):  # white lines / pre-edge peaks
            c = rng.uniform(0.25, 0.8)
            s += rng.uniform(0.2, 1.0) * np.exp(-0.5 * ((e - c) / rng.uniform(0.005, 0.02)) ** 2)
        out[t] = s
    return out


def maps(h, w, k, rng):
    y, x = np.mgrid[0:h, 0:w]
    a = np.empty((h * w, k))
    for t in range(k):
        f = np.zeros((h, w))
        for _ in range(6):
            cy, cx = rng.uniform(0, h), rng.uniform(0, w)
            r = rng.uniform(0.08, 0.3) * max(h, w)
            f += np.exp(-(((y - cy) ** 2 + (x - cx) ** 2) / (2 * r * r)))
        a[:, t] = (f / f.max()).ravel()
    return a


def main():
    out = sys.argv[1]
    sizes = sys.argv[2:] or ["64x64", "256x256", "600x500"]
    os.makedirs(out, exist_ok=True)
    for size in sizes:
        h, w = (int(v) for v in size.split("x"))
        path = os.path.join(out, f"stack-{h}x{w}x{M}.npy")
        if os.path.exists(path):
            print("exists", path)
            continue
        rng = np.random.default_rng(0)
        S = spectra(M, K, rng)
        A = maps(h, w, K, rng)
        X = np.empty((h * w, M), dtype=np.float32)
        step = 20000
        for i in range(0, h * w, step):
            blk = A[i : i + step] @ S
            blk += rng.normal(0, 0.01 * 2.0, blk.shape)
            X[i : i + step] = blk
        np.save(path, X.reshape(h, w, M))
        print("wrote", path, X.shape, f"{X.nbytes / 2**20:.0f} MiB", f"negatives {np.mean(X < 0):.2%}")


if __name__ == "__main__":
    main()
