#!/usr/bin/python3
"""Reference numbers for the decomposition suite (k-means, FastICA, randomized PCA).

Run with Debian's /usr/bin/python3 (numpy, scikit-learn 1.2.1):
    /usr/bin/python3 tools/reference/sklearn_decomposition_suite.py
writes tests/reference/sklearn_decomposition_suite.json, read by
packages/core/test/{kmeans,ica,pca-randomized}.test.ts.
"""
import json, os, warnings
import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.decomposition import FastICA, PCA

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
rows = [l for l in open(os.path.join(root, 'tests', 'fixtures', 'iris.csv')).read().split('\n') if l.strip() and not l.startswith('#')]
X = np.array([[float(v) for v in l.split(',')] for l in rows[1:]])
assert X.shape == (150, 4)

out = {'sklearn': sklearn.__version__, 'numpy': np.__version__}

# algorithms.md §9 item 7: KMeans(3, n_init=10, random_state=0) on iris.
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    km = KMeans(3, n_init=10, random_state=0).fit(X)
out['kmeans_iris'] = {
    'inertia': float(km.inertia_),
    'labels': km.labels_.tolist(),
    'centers': km.cluster_centers_.tolist(),
    'sizes': sorted(np.bincount(km.labels_).tolist(), reverse=True),
}
# k = 2..6, best of 10 starts, for the inertia-vs-k curve.
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    out['kmeans_iris_by_k'] = {str(k): float(KMeans(k, n_init=10, random_state=0).fit(X).inertia_) for k in range(2, 7)}

# algorithms.md §9 item 11: FastICA on three mixed sources.
t = np.linspace(0, 8, 2000)
S = np.c_[np.sin(2 * t), np.sign(np.sin(3 * t)), 2 * (t - np.floor(t)) - 1]
A = np.array([[1, 1, 1], [0.5, 2, 1], [1.5, 1, 2]])
Xs = S @ A.T
ica = FastICA(3, whiten='unit-variance', w_init=np.eye(3), tol=1e-6).fit(Xs)
Sr = ica.transform(Xs)
c = np.abs(np.corrcoef(S.T, Sr.T)[:3, 3:])
out['ica_three_sources'] = {
    'n_iter': int(ica.n_iter_),
    'best_abs_corr_sorted': sorted(c.max(axis=1).tolist(), reverse=True),
    'mixing': ica.mixing_.tolist(),
}

# PCA on iris, randomized solver: the full spectrum for comparison.
p = PCA(2, svd_solver='randomized', random_state=0).fit(X)
out['pca_iris_randomized_k2'] = {
    'explained_variance': p.explained_variance_.tolist(),
    'explained_variance_ratio': p.explained_variance_ratio_.tolist(),
    'noise_variance': float(p.noise_variance_),
}

with open(os.path.join(root, 'tests', 'reference', 'sklearn_decomposition_suite.json'), 'w') as f:
    json.dump(out, f, indent=1)
    f.write('\n')
print('wrote tests/reference/sklearn_decomposition_suite.json')
