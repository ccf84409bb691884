"""Independent numpy re-statement of malspy 0.4 NMF_ARD_SO.fit (algorithms.md §1.3), with
the final-λ bug fixed (λ from the best repetition's C). Used live by
packages/core/test/nmf-ard-so.test.ts: reads JSON {X: [...], n, m, k, wo, reps, max_itr,
min_itr, tol, seed} on stdin, writes JSON {lambdas, sigma2, C, S, obj, kept} on stdout."""
import json
import sys

import numpy as np
from scipy.special import gammaln


def ard(X, k, wo=0.1, reps=1, max_itr=100, min_itr=10, tol=1e-10, seed=0, alpha=1 + 1e-15, thr=0.99):
    eps = np.finfo(np.float64).eps
    n, m = X.shape
    mu = X.mean()
    b = mu * (alpha - 1) * np.sqrt(m) / k
    const = k * (gammaln(alpha) - alpha * np.log(b))
    np.random.seed(seed)
    best = None
    for _ in range(reps):
        C = (np.random.rand(n, k) + 1) * np.sqrt(mu / k)
        L = (C.sum(0) + b) / (m + alpha + 1)
        cbar = C.sum(1)
        S = X[np.random.choice(n, k), :].T.copy()
        for j in range(k):
            nr = np.sqrt(S[:, j] @ S[:, j])
            S[:, j] = S[:, j] / nr if nr > 0 else 1 / np.sqrt(m)
        sigma2 = np.mean((X - C @ S.T) ** 2)
        obj = []
        for itr in range(max_itr):
            A, B = X.T @ C, C.T @ C
            for j in range(k):
                S[:, j] = np.maximum(A[:, j] - S @ B[:, j] + B[j, j] * S[:, j], 0)
                nr = np.sqrt(S[:, j] @ S[:, j])
                S[:, j] = S[:, j] / nr if nr > 0 else 1 / np.sqrt(m)
            P, Q = X @ S, S.T @ S
            for j in range(k):
                cbar = cbar - C[:, j]
                h = P[:, j] - C @ Q[:, j] + Q[j, j] * C[:, j] - sigma2 / L[j]
                if wo > 0:
                    h = h - wo * (cbar @ h) / (cbar @ cbar) * cbar
                C[:, j] = np.maximum(h, 0)
                cbar = cbar + C[:, j]
            if itr > 3:
                SS = S.T @ S
                ii, jj = np.where(SS >= thr)
                sel = ii < jj
                for a, c in zip(ii[sel], jj[sel]):
                    S[:, c] = 1 / np.sqrt(m)
                    C[:, a] = C[:, a] + C[:, c]
                    C[:, c] = 0
            if cbar.sum() < eps:
                C[:, :] = eps
            L = (C.sum(0) + b) / (n + alpha + 1) + eps
            sigma2 = np.mean((X - C @ S.T) ** 2)
            o = n * m / 2 * np.log(2 * np.pi * sigma2) + n * m / 2
            o += (1 / L) @ (C.sum(0) + b) + (n + alpha + 1) * np.log(L).sum() + const
            obj.append(o)
            if itr > min_itr and tol > 0 and abs(obj[-2] - obj[-1]) < tol:
                obj = obj[:-1]
                break
        if best is None or best[0] > obj[-1]:
            best = (obj[-1], C.copy(), S.copy(), obj)
    _, C, S, obj = best
    C[C < eps] = 0
    S[S < eps] = 0
    Lb = (C.sum(0) + b) / (n + alpha + 1)
    order = np.argsort(-Lb, kind='stable')
    kept = order[Lb[order] > eps]
    C, S = C[:, kept], S[:, kept]
    return dict(lambdas=Lb[kept].tolist(), sigma2=float(np.mean((X - C @ S.T) ** 2)), C=C.ravel().tolist(),
                S=S.T.ravel().tolist(), obj=obj, kept=kept.tolist())


if __name__ == '__main__':
    p = json.load(sys.stdin)
    X = np.array(p['X'], dtype=np.float64).reshape(p['n'], p['m'])
    json.dump(ard(X, p['k'], p['wo'], p['reps'], p['max_itr'], p['min_itr'], p['tol'], p['seed']), sys.stdout)
