import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastIca } from '../src/ica';
import type { MatrixView } from '../src/decomposition';
import { pearson } from '../src/pearson';
import { Rng } from '../src/random';
import { python } from './helpers';

/** §9 item 11: three sources on t = linspace(0, 8, 2000), mixed by A (rows [1,1,1],[0.5,2,1],[1.5,1,2]). */
function threeSources(): { X: MatrixView; S: Float64Array[] } {
  const n = 2000;
  const S = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  for (let i = 0; i < n; i++) {
    const t = (8 * i) / (n - 1);
    S[0][i] = Math.sin(2 * t);
    S[1][i] = Math.sign(Math.sin(3 * t));
    S[2][i] = 2 * (t - Math.floor(t)) - 1;
  }
  const A = [
    [1, 1, 1],
    [0.5, 2, 1],
    [1.5, 1, 2],
  ];
  const data = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) for (let f = 0; f < 3; f++) data[i * 3 + f] = A[f][0] * S[0][i] + A[f][1] * S[1][i] + A[f][2] * S[2][i];
  return { X: { data, rows: n, cols: 3 }, S };
}

function column(w: Float32Array | Float64Array, n: number, k: number, c: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = w[i * k + c];
  return out;
}

/** Best |corr| of each true source with any recovered one, sorted decreasing. */
function bestCorr(S: Float64Array[], w: Float32Array, n: number, k: number): number[] {
  return S.map((s) => Math.max(...Array.from({ length: k }, (_, c) => Math.abs(pearson(s, column(w, n, k, c)))))).sort((a, b) => b - a);
}

test('FastICA reproduces algorithms.md §9 item 11 (unit-variance, w_init = I, tol 1e-6)', () => {
  const { X, S } = threeSources();
  const r = fastIca(X, { components: 3, whiten: 'unit-variance', wInit: [1, 0, 0, 0, 1, 0, 0, 0, 1], tol: 1e-6 });
  assert.equal(r.nIter, 5);
  assert.equal(r.converged, true);
  const best = bestCorr(S, r.weights, 2000, 3);
  const quoted = [0.9995, 0.9969, 0.9967];
  best.forEach((b, i) => assert.ok(Math.abs(b - quoted[i]) < 5e-5, `best |corr| ${i}: ${b} vs ${quoted[i]}`));
  // unit variance sources
  for (let c = 0; c < 3; c++) {
    const s = column(r.weights, 2000, 3, c);
    const v = s.reduce((a, x) => a + x * x, 0) / 2000;
    assert.ok(Math.abs(v - 1) < 1e-5, `source ${c} variance ${v}`);
  }
});

/** Canonicalise sklearn's output with our rule: mixing columns (spectra) signed by largest |entry|, ordered by ‖S_j‖²‖a_j‖². */
function canonical(sources: number[][], mixing: number[][], unmixing: number[][]) {
  const n = sources.length;
  const m = mixing.length;
  const k = mixing[0].length;
  const info = Array.from({ length: k }, (_, j) => {
    let best = 0;
    let an = 0;
    for (let e = 0; e < m; e++) {
      an += mixing[e][j] ** 2;
      if (Math.abs(mixing[e][j]) > Math.abs(mixing[best][j])) best = e;
    }
    let sn = 0;
    for (let i = 0; i < n; i++) sn += sources[i][j] ** 2;
    return { j, sign: mixing[best][j] < 0 ? -1 : 1, score: sn * an };
  });
  info.sort((a, b) => b.score - a.score || a.j - b.j);
  const comps = new Float64Array(k * m);
  const unmix = new Float64Array(k * m);
  const w = new Float64Array(n * k);
  info.forEach(({ j, sign }, c) => {
    for (let e = 0; e < m; e++) {
      comps[c * m + e] = sign * mixing[e][j];
      unmix[c * m + e] = sign * unmixing[j][e];
    }
    for (let i = 0; i < n; i++) w[i * k + c] = sign * sources[i][j];
  });
  return { comps, unmix, w };
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

/** Spectra-like mixtures: n pixels, m channels, three non-Gaussian sources, a little noise. */
function spectralMixture(n: number, m: number, seed: number): MatrixView {
  const rng = new Rng(seed);
  const spectra = [0.3, 0.5, 0.7].map((c) => Float64Array.from({ length: m }, (_, j) => Math.exp(-(((j / (m - 1) - c) / 0.08) ** 2)) + 0.2));
  const data = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const a = [rng.uniform() ** 3, rng.uniform() > 0.7 ? 1 : 0, Math.abs(rng.normal()) ** 2];
    for (let j = 0; j < m; j++) data[i * m + j] = a[0] * spectra[0][j] + a[1] * spectra[1][j] + 0.5 * a[2] * spectra[2][j] + 0.01 * rng.normal();
  }
  return { data, rows: n, cols: m };
}

test('FastICA matches live scikit-learn 1.2 (parallel/deflation × logcosh/exp/cube × whitening) up to sign and order', () => {
  const n = 600;
  const m = 40;
  const k = 3;
  const X = spectralMixture(n, m, 5);
  const winit = new Rng(99);
  const W0 = Array.from({ length: k * k }, () => winit.normal());
  const cases: [string, string, string][] = [
    ['parallel', 'logcosh', 'arbitrary-variance'],
    ['parallel', 'exp', 'unit-variance'],
    ['parallel', 'cube', 'unit-variance'],
    ['deflation', 'logcosh', 'unit-variance'],
    ['deflation', 'exp', 'arbitrary-variance'],
  ];
  const sk = python(
    `from sklearn.decomposition import FastICA
import warnings
X = np.array(inp['X']).reshape(${n}, ${m})
W0 = np.array(inp['W0']).reshape(${k}, ${k})
out = []
for alg, fun, wh in inp['cases']:
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        ica = FastICA(${k}, algorithm=alg, fun=fun, whiten=wh, w_init=W0, tol=1e-8, max_iter=1000)
        S = ica.fit_transform(X)
    out.append(dict(S=S.tolist(), mixing=ica.mixing_.tolist(), unmixing=ica.components_.tolist(), n_iter=int(ica.n_iter_), whitening=ica.whitening_.tolist()))`,
    { X: X.data, W0, cases },
  );
  cases.forEach(([algorithm, fun, whiten], ci) => {
    const r = fastIca(X, { components: k, algorithm: algorithm as any, fun: fun as any, whiten: whiten as any, wInit: W0, tol: 1e-8, maxIter: 1000 });
    const ref = sk[ci];
    const label = `${algorithm}/${fun}/${whiten}`;
    assert.equal(r.nIter, ref.n_iter, `${label}: n_iter ${r.nIter} vs ${ref.n_iter}`);
    assert.ok(relErr(r.whitening, ref.whitening.flat()) < 1e-8, `${label}: whitening`);
    const c = canonical(ref.S, ref.mixing, ref.unmixing);
    assert.ok(relErr(r.components, c.comps) < 1e-6, `${label}: mixing ${relErr(r.components, c.comps)}`);
    assert.ok(relErr(r.unmixing, c.unmix) < 1e-6, `${label}: unmixing ${relErr(r.unmixing, c.unmix)}`);
    assert.ok(relErr(r.weights, c.w) < 1e-5, `${label}: sources ${relErr(r.weights, c.w)}`);
  });
});

test('FastICA: reconstruction X ≈ S·mixingᵀ + μ is exact at full rank; deterministic; seeded init; warnings', () => {
  const X = spectralMixture(300, 3, 8); // m = 3 = k: full rank
  const r = fastIca(X, { components: 3, seed: 4 });
  let err = 0;
  for (let i = 0; i < 300; i++) {
    for (let j = 0; j < 3; j++) {
      let v = r.mean![j];
      for (let c = 0; c < 3; c++) v += r.weights[i * 3 + c] * r.components[c * 3 + j];
      err = Math.max(err, Math.abs(v - X.data[i * 3 + j]));
    }
  }
  assert.ok(err < 1e-5, `reconstruction ${err}`);
  const again = fastIca(X, { components: 3, seed: 4 });
  assert.deepEqual(Array.from(again.weights), Array.from(r.weights));
  assert.deepEqual(Array.from(again.components), Array.from(r.components));
  // canonical sign: largest |entry| of each spectrum positive; order by contribution
  let prev = Infinity;
  for (let c = 0; c < 3; c++) {
    const row = Array.from(r.components.subarray(c * 3, c * 3 + 3));
    const big = row.reduce((b, v) => (Math.abs(v) > Math.abs(b) ? v : b), 0);
    assert.ok(big > 0);
    const s2 = column(r.weights, 300, 3, c).reduce((a, v) => a + v * v, 0) * row.reduce((a, v) => a + v * v, 0);
    assert.ok(s2 <= prev * (1 + 1e-6));
    prev = s2;
  }
  const few = fastIca(spectralMixture(300, 20, 1), { components: 3, maxIter: 1, tol: 1e-12 });
  assert.equal(few.converged, false);
  assert.ok(few.warnings.some((w) => /did not converge/.test(w)));
  assert.throws(() => fastIca(X, { components: 4 }), /K=4/);
  assert.throws(() => fastIca(X, { components: 2, fun: 'tanh' as any }), /ICA fun/);
  assert.throws(() => fastIca(X, { components: 2, wInit: [1, 0, 0] }), /wInit/);
});
