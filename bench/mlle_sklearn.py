#!/usr/bin/python3
"""scikit-learn's modified LLE on one benchmark file, in its own process (bench/mlle.mjs).

usage: /usr/bin/python3 bench/mlle_sklearn.py X.npy K D SOLVER OUT.npy
  SOLVER: 'auto' (scikit-learn's default: ARPACK shift-invert for n > 200 and d + 1 < 10) or 'dense'.
Threads: OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS, set by the caller.
Prints one JSON line: fit seconds, load seconds, reconstruction error, peak RSS (VmHWM, MB).
The float64 n×d embedding is saved to OUT.npy.
"""
import json
import sys
import time
import warnings

import numpy as np
from sklearn.manifold import LocallyLinearEmbedding


def vmhwm_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    return float('nan')


def main():
    path, K, d, solver, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    t0 = time.perf_counter()
    X = np.load(path)  # float32, as specmap reads it; sklearn's check_array keeps float32
    load_s = time.perf_counter() - t0
    lle = LocallyLinearEmbedding(n_neighbors=K, n_components=d, method='modified', eigen_solver=solver, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        t1 = time.perf_counter()
        c1 = time.process_time()
        Y = lle.fit_transform(X)
        fit_s = time.perf_counter() - t1
        cpu_s = time.process_time() - c1  # all threads of the process
    np.save(out, np.ascontiguousarray(Y, dtype=np.float64))
    print(json.dumps({
        'side': 'sklearn', 'n': int(X.shape[0]), 'm': int(X.shape[1]), 'K': K, 'd': d,
        'eigen_solver': solver, 'fit_s': fit_s, 'cpu_s': cpu_s, 'load_s': load_s,
        'reconstruction_error': float(lle.reconstruction_error_), 'dtype': str(X.dtype),
        'peak_mb': vmhwm_mb(), 'warnings': [str(w.message) for w in caught],
    }))


if __name__ == '__main__':
    main()
