/**
 * The NMF solvers against live scikit-learn 1.2 (run through /usr/bin/python3):
 * 'cd' and 'mu', every β family, every init, L1/L2 regularisation. The inits
 * 'random' and 'nndsvdar' replay numpy's legacy MT19937 (mt19937.ts), so
 * even those runs are compared factor by factor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nmf, type NmfOptions } from '../src/nmf';
import type { MatrixView } from '../src/decomposition';
import { flat, loadIris, maxAbs, maxAbsDiff, nmfConvention, python, rel } from './helpers';

const iris = loadIris();

/** A non-negative synthetic matrix: 3 Gaussian spectra (40 channels) mixed by smooth weights over 300 pixels, plus a small positive floor. */
function syntheticMatrix(): MatrixView {
  const n = 300;
  const m = 40;
  const data = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const s = i / (n - 1);
    const w = [Math.max(0, 1 - 2 * s), Math.max(0, 2 * s - 1), 1 - Math.abs(2 * s - 1)];
    for (let e = 0; e < m; e++) {
      let v = 0.01 + 0.002 * Math.sin(0.7 * i + 1.3 * e) ** 2;
      [8, 20, 30].forEach((c, q) => (v += w[q] * Math.exp(-((e - c) ** 2) / 18)));
      data[i * m + e] = v;
    }
  }
  return { data, rows: n, cols: m };
}

interface Case {
  name: string;
  data: 'iris' | 'synthetic';
  k: number;
  opts: Omit<NmfOptions, 'components'>;
  /** Tolerance on the relative difference of reconstruction_err_. */
  errTol: number;
  /** Allowed difference in n_iter_. */
  iterTol: number;
  /** Tolerance on max |H − H_sk| (H rows scaled to max 1). */
  hTol: number;
}

const CASES: Case[] = [
  { name: 'cd nndsvdar', data: 'iris', k: 2, opts: { solver: 'cd', init: 'nndsvdar', tol: 1e-8, maxIter: 2000 }, errTol: 1e-9, iterTol: 2, hTol: 1e-8 },
  { name: 'cd random', data: 'iris', k: 2, opts: { solver: 'cd', init: 'random', seed: 3, tol: 1e-8, maxIter: 2000 }, errTol: 1e-9, iterTol: 2, hTol: 1e-8 },
  { name: 'mu nndsvda', data: 'iris', k: 2, opts: { solver: 'mu', init: 'nndsvda', tol: 1e-8, maxIter: 2000 }, errTol: 1e-9, iterTol: 0, hTol: 1e-8 },
  { name: 'mu nndsvd', data: 'iris', k: 2, opts: { solver: 'mu', init: 'nndsvd', tol: 1e-8, maxIter: 2000 }, errTol: 1e-9, iterTol: 0, hTol: 1e-8 },
  { name: 'mu nndsvdar', data: 'iris', k: 3, opts: { solver: 'mu', init: 'nndsvdar', seed: 5, tol: 1e-6, maxIter: 500 }, errTol: 1e-9, iterTol: 0, hTol: 1e-8 },
  { name: 'mu KL', data: 'iris', k: 2, opts: { solver: 'mu', betaLoss: 'kullback-leibler', tol: 1e-6, maxIter: 1000 }, errTol: 1e-9, iterTol: 0, hTol: 1e-8 },
  { name: 'mu IS', data: 'iris', k: 2, opts: { solver: 'mu', betaLoss: 'itakura-saito', tol: 1e-6, maxIter: 500 }, errTol: 1e-9, iterTol: 0, hTol: 1e-8 },
  { name: 'mu beta 0.5', data: 'iris', k: 2, opts: { solver: 'mu', betaLoss: 0.5, tol: 1e-6, maxIter: 500 }, errTol: 1e-9, iterTol: 0, hTol: 1e-8 },
  { name: 'mu beta 3', data: 'iris', k: 2, opts: { solver: 'mu', betaLoss: 3, tol: 1e-6, maxIter: 500 }, errTol: 1e-9, iterTol: 0, hTol: 1e-8 },
  { name: 'mu beta 1.5 random', data: 'iris', k: 2, opts: { solver: 'mu', betaLoss: 1.5, init: 'random', seed: 11, tol: 1e-6, maxIter: 500 }, errTol: 1e-9, iterTol: 0, hTol: 1e-8 },
  { name: 'cd L1+L2', data: 'iris', k: 2, opts: { solver: 'cd', alphaW: 0.01, l1Ratio: 0.5, tol: 1e-8, maxIter: 2000 }, errTol: 1e-9, iterTol: 2, hTol: 1e-8 },
  { name: 'cd L2, alphaH 0.05', data: 'iris', k: 2, opts: { solver: 'cd', alphaW: 0.002, alphaH: 0.05, tol: 1e-8, maxIter: 2000 }, errTol: 1e-9, iterTol: 2, hTol: 1e-8 },
  { name: 'mu L1', data: 'iris', k: 2, opts: { solver: 'mu', alphaW: 0.005, l1Ratio: 1, tol: 1e-6, maxIter: 1000 }, errTol: 1e-9, iterTol: 0, hTol: 1e-8 },
  { name: 'mu KL L1+L2', data: 'iris', k: 2, opts: { solver: 'mu', betaLoss: 1, alphaW: 0.01, l1Ratio: 0.3, tol: 1e-6, maxIter: 1000 }, errTol: 1e-9, iterTol: 0, hTol: 1e-8 },
  { name: 'synthetic cd', data: 'synthetic', k: 3, opts: { solver: 'cd', tol: 1e-6, maxIter: 1000 }, errTol: 1e-9, iterTol: 2, hTol: 1e-7 },
  { name: 'synthetic mu', data: 'synthetic', k: 3, opts: { solver: 'mu', tol: 1e-6, maxIter: 1000 }, errTol: 1e-9, iterTol: 0, hTol: 1e-7 },
  { name: 'synthetic mu KL', data: 'synthetic', k: 3, opts: { solver: 'mu', betaLoss: 'kullback-leibler', tol: 1e-6, maxIter: 1000 }, errTol: 1e-9, iterTol: 0, hTol: 1e-7 },
];

test('NMF cd/mu, all β, inits and regularisation agree with live scikit-learn 1.2', () => {
  const syn = syntheticMatrix();
  const sk = python(
    `from sklearn.decomposition import NMF
import warnings
warnings.simplefilter('ignore')
mats = {'iris': np.array(inp['iris']).reshape(150, 4), 'synthetic': np.array(inp['synthetic']).reshape(300, 40)}
out = []
for c in inp['cases']:
    o = c['opts']
    mdl = NMF(n_components=c['k'], init=o.get('init', 'nndsvda'), solver=o.get('solver', 'cd'), beta_loss=o.get('betaLoss', 'frobenius'),
              tol=o['tol'], max_iter=o['maxIter'], random_state=o.get('seed', 0), alpha_W=o.get('alphaW', 0.0),
              alpha_H=o.get('alphaH', 'same'), l1_ratio=o.get('l1Ratio', 0.0))
    W = mdl.fit_transform(mats[c['data']])
    out.append(dict(W=W.tolist(), H=mdl.components_.tolist(), n_iter=int(mdl.n_iter_), err=float(mdl.reconstruction_err_)))`,
    { iris: iris.data, synthetic: syn.data, cases: CASES },
  );
  const lines: string[] = [];
  CASES.forEach((c, i) => {
    const X = c.data === 'iris' ? iris : syn;
    const r = nmf(X, { components: c.k, ...c.opts });
    const ref = sk[i];
    const { W, H } = nmfConvention(flat(ref.W), flat(ref.H), X.rows, c.k, X.cols);
    const dErr = rel(r.reconstructionError!, ref.err);
    const dH = maxAbsDiff(r.components, H);
    const dW = maxAbsDiff(r.weights, W) / maxAbs(W);
    const line = `${c.name}: err ${r.reconstructionError!.toPrecision(10)} (sk ${ref.err.toPrecision(10)}, rel ${dErr.toExponential(1)}), iterations ${r.iterations} (sk ${ref.n_iter}), max|ΔH| ${dH.toExponential(1)}, max|ΔW|/max|W| ${dW.toExponential(1)}`;
    lines.push(line);
    if (process.env.SPECMAP_VERBOSE) console.log(line);
    assert.ok(dErr < c.errTol, line);
    assert.ok(Math.abs(r.iterations - ref.n_iter) <= c.iterTol, line);
    assert.ok(dH < c.hTol, line);
    // W is stored as float32 in the result: relative 1e-6.
    assert.ok(dW < 1e-6 + c.hTol, line);
  });
});

test('NMF on iris matches the numbers of algorithms.md §9 item 8', () => {
  const cases: [NmfOptions['solver'], NmfOptions['init'], number, number | null][] = [
    ['cd', 'nndsvd', 3.94088989, 1605],
    ['cd', 'nndsvda', 3.94088989, 1303],
    ['mu', 'nndsvda', 3.94153344, null],
    ['mu', 'nndsvd', 5.94119139, null],
  ];
  for (const [solver, init, err, iters] of cases) {
    const r = nmf(iris, { components: 2, solver, init, tol: 1e-8, maxIter: 2000 });
    // Printed to 9 significant digits: half a unit in the last place.
    assert.ok(Math.abs(r.reconstructionError! - err) <= 5e-9, `${solver}+${init}: ${r.reconstructionError} vs ${err}`);
    if (iters !== null) assert.ok(Math.abs(r.iterations - iters) <= 2, `${solver}+${init}: ${r.iterations} iterations vs ${iters}`);
  }
});

test('NMF option errors: cd with a non-Frobenius loss, β ≤ 0 with zeros, bad regularisation', () => {
  assert.throws(() => nmf(iris, { components: 2, betaLoss: 'kullback-leibler' }), /solver 'cd' only minimises the Frobenius loss/);
  const z = Float64Array.from(iris.data);
  z[5] = 0;
  assert.throws(() => nmf({ ...iris, data: z }, { components: 2, solver: 'mu', betaLoss: 'itakura-saito' }), /needs strictly positive data/);
  assert.throws(() => nmf(iris, { components: 2, alphaW: -1 }), /alphaW must be a finite number ≥ 0/);
  assert.throws(() => nmf(iris, { components: 2, l1Ratio: 2 }), /l1Ratio must be between 0 and 1/);
  assert.throws(() => nmf(iris, { components: 2, betaLoss: 'poisson' as never, solver: 'mu' }), /betaLoss must be/);
  assert.throws(() => nmf(iris, { components: 2, solver: 'als' as never }), /solver must be 'cd' or 'mu'/);
});
