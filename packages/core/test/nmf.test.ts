import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nmf } from '../src/nmf';
import { pearson } from '../src/pearson';
import { Rng } from '../src/random';
import type { SpectralStack } from '../src/stack';
import { flat, loadIris, maxAbs, maxAbsDiff, nmfConvention, permutations, python, rel } from './helpers';

const iris = loadIris();

test('NMF on iris (k=2, nndsvda, tol 1e-8) reaches scikit-learn reconstruction_err_ 3.94088989', () => {
  const r = nmf(iris, { components: 2, init: 'nndsvda', tol: 1e-8, maxIter: 2000 });
  assert.ok(rel(r.reconstructionError!, 3.94088989) < 1e-6, `‖X−WH‖ = ${r.reconstructionError}`);
  assert.ok(r.converged);
  assert.deepEqual(r.warnings, []);
  // scikit-learn 1.2.1 needs 1303 iterations (algorithms.md §9 item 8).
  assert.ok(Math.abs(r.iterations - 1303) <= 5, `iterations ${r.iterations} (sklearn 1303)`);
  // Loss history: ½‖X−WH‖² per iteration, non-increasing (HALS is a descent method), last = ½ err².
  const L = r.lossHistory!;
  assert.equal(L.length, r.iterations);
  for (let i = 1; i < L.length; i++) assert.ok(L[i] <= L[i - 1] * (1 + 1e-12), `loss rose at ${i}`);
  assert.ok(rel(L[L.length - 1], 0.5 * r.reconstructionError! ** 2) < 1e-9);
  // Output convention: spectra max 1, ordered by contribution.
  for (let c = 0; c < 2; c++) assert.equal(maxAbs(r.components.subarray(c * 4, c * 4 + 4)), 1);
});

test('NMF on iris agrees with live scikit-learn: W, H, iterations, error (nndsvda and nndsvd)', () => {
  const sk = python(
    `from sklearn.decomposition import NMF
X = np.array(inp).reshape(150, 4)
out = {}
for init in ('nndsvda', 'nndsvd'):
    mdl = NMF(n_components=2, init=init, solver='cd', tol=1e-8, max_iter=2000)
    W = mdl.fit_transform(X)
    out[init] = dict(W=W.tolist(), H=mdl.components_.tolist(), n_iter=int(mdl.n_iter_), err=float(mdl.reconstruction_err_))`,
    iris.data,
  );
  for (const init of ['nndsvda', 'nndsvd'] as const) {
    const r = nmf(iris, { components: 2, init, tol: 1e-8, maxIter: 2000 });
    const ref = sk[init];
    const { W, H } = nmfConvention(flat(ref.W), flat(ref.H), 150, 2, 4);
    assert.ok(rel(r.reconstructionError!, ref.err) < 1e-11, `${init}: err ${r.reconstructionError} vs ${ref.err}`);
    assert.ok(Math.abs(r.iterations - ref.n_iter) <= 2, `${init}: iterations ${r.iterations} vs sklearn ${ref.n_iter}`);
    assert.ok(maxAbsDiff(r.components, H) < 1e-10, `${init}: H differs by ${maxAbsDiff(r.components, H)}`);
    assert.ok(maxAbsDiff(r.weights, W) < 1e-6 * maxAbs(W), `${init}: W differs by ${maxAbsDiff(r.weights, W)}`);
  }
});

/** Synthetic stack: 3 Gaussian-peak spectra, smooth non-negative abundance maps, Gaussian noise. */
function synthetic(seed: number) {
  const width = 40;
  const height = 30;
  const m = 100;
  const n = width * height;
  const spectra = [
    { centre: 25, sigma: 6, amp: 1.0 },
    { centre: 50, sigma: 8, amp: 0.8 },
    { centre: 72, sigma: 6, amp: 1.2 },
  ].map(({ centre, sigma, amp }) => Float64Array.from({ length: m }, (_, e) => amp * Math.exp(-((e - centre) ** 2) / (2 * sigma * sigma))));
  const blobs = [
    { x: 8, y: 8, s: 9 },
    { x: 30, y: 10, s: 10 },
    { x: 20, y: 24, s: 9 },
  ];
  const maps = blobs.map(({ x, y, s }) => {
    const a = new Float64Array(n);
    for (let py = 0; py < height; py++) {
      for (let px = 0; px < width; px++) a[py * width + px] = Math.exp(-((px - x) ** 2 + (py - y) ** 2) / (2 * s * s));
    }
    return a;
  });
  const rng = new Rng(seed);
  const noise = 0.01;
  const data = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let e = 0; e < m; e++) {
      let v = 0;
      for (let q = 0; q < 3; q++) v += maps[q][i] * spectra[q][e];
      data[i * m + e] = v + noise * rng.normal();
    }
  }
  const stack: SpectralStack = {
    data,
    width,
    height,
    energies: Float64Array.from({ length: m }, (_, e) => 700 + 0.2 * e),
    metadata: { quantity: 'synthetic OD' },
  };
  return { stack, spectra, maps, n, m };
}

test('NMF recovers known spectra and maps of a synthetic stack (Pearson ≥ 0.99 / ≥ 0.98)', () => {
  const { stack, spectra, maps, n, m } = synthetic(42);
  const k = 3;
  const r = nmf(stack, { components: k, maxIter: 1000, tol: 1e-6 });
  // Noise makes some values negative: they are clipped and reported.
  assert.ok(r.warnings.some((w) => /negative values? .*clipped to 0/.test(w)), r.warnings.join('; '));
  assert.ok((r.parameters.clippedNegatives as number) > 0);
  const comp = (c: number) => r.components.subarray(c * m, (c + 1) * m);
  const map = (c: number) => Float64Array.from({ length: n }, (_, i) => r.weights[i * k + c]);
  let best: number[] = [];
  let bestScore = -Infinity;
  for (const p of permutations(k)) {
    const s = p.reduce((acc, c, q) => acc + pearson(comp(c), spectra[q]), 0);
    if (s > bestScore) {
      bestScore = s;
      best = p;
    }
  }
  const rs: string[] = [];
  best.forEach((c, q) => {
    const rSpec = pearson(comp(c), spectra[q]);
    const rMap = pearson(map(c), maps[q]);
    rs.push(`truth ${q} ↔ component ${c}: spectrum r=${rSpec.toFixed(5)}, map r=${rMap.toFixed(5)}`);
    if (process.env.SPECMAP_VERBOSE) console.log(rs[rs.length - 1]);
    assert.ok(rSpec >= 0.99, rs.join('\n'));
    assert.ok(rMap >= 0.98, rs.join('\n'));
  });
  // Weights carry the intensity: component spectra have max 1.
  for (let c = 0; c < k; c++) assert.equal(maxAbs(comp(c)), 1);
  // Ordered by decreasing ‖w‖₁·max(h) = ‖w‖₁.
  const l1 = [0, 1, 2].map((c) => map(c).reduce((a, b) => a + b, 0));
  assert.ok(l1[0] >= l1[1] && l1[1] >= l1[2], `order ${l1}`);
});

test('NMF is deterministic: same seed → bit-identical output (random and nndsvda init)', () => {
  const { stack } = synthetic(1);
  for (const init of ['random', 'nndsvda'] as const) {
    const a = nmf(stack, { components: 3, init, seed: 7, maxIter: 50 });
    const b = nmf(stack, { components: 3, init, seed: 7, maxIter: 50 });
    assert.deepEqual(Buffer.from(a.weights.buffer), Buffer.from(b.weights.buffer));
    assert.deepEqual(Buffer.from(a.components.buffer), Buffer.from(b.components.buffer));
    assert.deepEqual(Buffer.from(a.lossHistory!.buffer), Buffer.from(b.lossHistory!.buffer));
    assert.equal(a.iterations, b.iterations);
  }
  const c = nmf(stack, { components: 3, init: 'random', seed: 8, maxIter: 50 });
  const a = nmf(stack, { components: 3, init: 'random', seed: 7, maxIter: 50 });
  assert.notDeepEqual(Buffer.from(a.weights.buffer), Buffer.from(c.weights.buffer));
  assert.equal(a.parameters.seed, 7);
  assert.equal(nmf(stack, { components: 2, maxIter: 5 }).parameters.seed, null);
});

test('NMF with tol 0 runs exactly maxIter iterations; at maxIter with tol > 0 it warns', () => {
  const r0 = nmf(iris, { components: 2, tol: 0, maxIter: 37 });
  assert.equal(r0.iterations, 37);
  assert.equal(r0.lossHistory!.length, 37);
  assert.equal(r0.converged, false);
  assert.deepEqual(r0.warnings, []);
  const r1 = nmf(iris, { components: 2, tol: 1e-12, maxIter: 10 });
  assert.equal(r1.iterations, 10);
  assert.equal(r1.converged, false);
  assert.equal(r1.warnings.length, 1);
  assert.match(r1.warnings[0], /^NMF did not converge in 10 iterations \(violation ratio [0-9.e+-]+ > tol 1e-12\)/);
  // Defaults (tol 1e-4, maxIter 200) on iris: like scikit-learn (ConvergenceWarning, n_iter_ 200),
  // the rule is not met in 200 iterations; it is at iteration 214.
  const r2 = nmf(iris, { components: 2 });
  assert.ok(!r2.converged && r2.iterations === 200 && r2.warnings.length === 1, `iterations ${r2.iterations}`);
  const r3 = nmf(iris, { components: 2, maxIter: 300 });
  assert.ok(r3.converged && Math.abs(r3.iterations - 214) <= 2 && r3.warnings.length === 0, `iterations ${r3.iterations}`);
  assert.ok((r3.parameters.violationRatio as number) <= 1e-4);
});

test('NMF with a mask fits masked-in rows only; masked-out rows get weight 0', () => {
  const mask = new Uint8Array(150);
  for (let i = 0; i < 150; i++) mask[i] = i < 50 ? 0 : 1; // leave out the setosa samples
  const masked = nmf({ ...iris, mask }, { components: 2, tol: 1e-6, maxIter: 500 });
  const sub = nmf({ data: iris.data.subarray(50 * 4), rows: 100, cols: 4 }, { components: 2, tol: 1e-6, maxIter: 500 });
  assert.equal(masked.iterations, sub.iterations);
  assert.deepEqual(Array.from(masked.components), Array.from(sub.components));
  for (let i = 0; i < 50 * 2; i++) assert.equal(masked.weights[i], 0);
  assert.deepEqual(Array.from(masked.weights.subarray(100)), Array.from(sub.weights));
});

test('NMF on a Float32 stack equals NMF on the same values as a Float64 matrix', () => {
  const { stack, n, m } = synthetic(3);
  const a = nmf(stack, { components: 3, maxIter: 30 });
  const b = nmf({ data: Float64Array.from(stack.data), rows: n, cols: m }, { components: 3, maxIter: 30 });
  assert.deepEqual(Array.from(a.components), Array.from(b.components));
  assert.deepEqual(Array.from(a.weights), Array.from(b.weights));
});

test('NMF with negative inputs fits clip(X, 0) exactly and says how many values were clipped', () => {
  const { stack, n, m } = synthetic(5);
  let negatives = 0;
  const clipped = Float32Array.from(stack.data, (v) => (v < 0 ? (negatives++, 0) : v));
  assert.ok(negatives > 0);
  const a = nmf(stack, { components: 3, maxIter: 40 });
  const b = nmf({ data: clipped, rows: n, cols: m }, { components: 3, maxIter: 40 });
  assert.deepEqual(Array.from(a.components), Array.from(b.components));
  assert.deepEqual(Array.from(a.weights), Array.from(b.weights));
  assert.equal(a.parameters.clippedNegatives, negatives);
  assert.ok(a.warnings[0].startsWith(`NMF: ${negatives} negative values (of ${n * m}`), a.warnings[0]);
  assert.equal(b.parameters.clippedNegatives, 0);
  assert.ok(!b.warnings.some((w) => /clipped/.test(w)));
});
