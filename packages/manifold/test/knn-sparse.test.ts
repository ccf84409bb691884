import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, registerMethod, SpecmapError, type SpectralStack } from '@specmap/core';
import { approximateKnn, exactKnn, lle, MANIFOLD_METHODS } from '../src';
import { hashNoise, python, reactionToy, spearman } from './helpers';

test('exact kNN matches scikit-learn NearestNeighbors (self excluded, nearest first)', () => {
  const n = 300;
  const m = 7;
  const x = Float32Array.from({ length: n * m }, (_, i) => hashNoise(Math.floor(i / m), i % m));
  const nb = exactKnn(x, n, m, 8);
  const sk = python(
    `from sklearn.neighbors import NearestNeighbors
X = np.array(inp['x'], dtype=np.float64).reshape(${n}, ${m})
out = NearestNeighbors(n_neighbors=9).fit(X).kneighbors(X, return_distance=False)[:, 1:].ravel().tolist()`,
    { x: Float64Array.from(x) },
  );
  assert.deepEqual(Array.from(nb.index), sk);
});

test('approximate kNN (random-projection forest, leaves compared on the full spectra) has recall ≥ 0.95 on a reaction path', () => {
  const toy = reactionToy(0.01);
  const ex = exactKnn(toy.data, toy.n, toy.m, 10);
  const ap = approximateKnn(toy.data, toy.n, toy.m, 10, { seed: 0 });
  let hit = 0;
  for (let i = 0; i < toy.n; i++) {
    const set = new Set(Array.from(ex.index.subarray(i * 10, i * 10 + 10)));
    for (let a = 0; a < 10; a++) if (set.has(ap.index[i * 10 + a])) hit++;
  }
  const recall = hit / (toy.n * 10);
  assert.ok(recall >= 0.95, `recall ${recall}`);
  assert.equal(ap.algorithm, 'approximate');
});

test('the sparse path (CSR M, landmark start, LOBPCG) agrees with the dense eigensolver', () => {
  const toy = reactionToy(0.003);
  const dense = lle({ data: toy.data, rows: toy.n, cols: toy.m }, { components: 1, neighbors: 10, eigenSolver: 'dense' });
  const sparse = lle({ data: toy.data, rows: toy.n, cols: toy.m }, { components: 1, neighbors: 10, eigenSolver: 'lobpcg', landmarks: 150 });
  assert.equal(sparse.parameters.eigenSolver, 'lobpcg');
  let dot = 0;
  for (let i = 0; i < toy.n; i++) dot += dense.embedding[i] * sparse.embedding[i];
  assert.ok(Math.abs(dot) > 0.9999, `|cos| between dense and sparse embeddings ${dot}`);
  assert.ok(Math.abs(sparse.reconstructionError - dense.reconstructionError) < 5e-3 * dense.reconstructionError, `${sparse.reconstructionError} vs ${dense.reconstructionError}`);
});

test('duplicates are removed with a warning; K too large and bad options are SpecmapErrors naming the problem', () => {
  const toy = reactionToy(0.003);
  const data = new Float64Array(toy.data.length + 3 * toy.m);
  data.set(toy.data);
  for (let r = 0; r < 3; r++) data.set(toy.data.subarray(r * toy.m, (r + 1) * toy.m), toy.data.length + r * toy.m);
  const r = lle({ data, rows: toy.n + 3, cols: toy.m }, { components: 1, neighbors: 10 });
  assert.ok(r.warnings.some((w) => w.startsWith('duplicates removed: 3 of 444')), r.warnings.join('; '));
  assert.equal(r.embedding[toy.n], r.embedding[0]);
  const small = { data: toy.data.subarray(0, 30 * toy.m), rows: 30, cols: toy.m };
  assert.throws(() => lle(small, { components: 1, neighbors: 50 }), (e: unknown) => e instanceof SpecmapError && /neighbors K=50 too large for 30 spectra/.test(e.message));
  assert.throws(() => lle(small, { components: 3, neighbors: 2, method: 'modified' }), /needs neighbors K ≥ components/);
  assert.throws(() => lle(small, { components: 1, reg: -1 }), /reg must be/);
  const nan = Float64Array.from(small.data);
  nan[5] = NaN;
  assert.throws(() => lle({ data: nan, rows: 30, cols: toy.m }, { components: 1 }), /NaN at row 0, column 5/);
  // rank-deficient neighbourhoods (K > channels) in standard LLE: regularised, with a warning
  const flat = { data: Float64Array.from({ length: 200 * 2 }, (_, i) => (i % 2 ? Math.sin(i / 50) : i / 400)), rows: 200, cols: 2 };
  const st = lle(flat, { components: 1, neighbors: 6, method: 'standard' });
  assert.ok(st.warnings.some((w) => w.startsWith('regularised: rank-deficient neighbourhoods')), st.warnings.join('; '));
});

test('lle, mlle and mw-nmf through analyze(): embedding, projected references, progress and recorded parameters', () => {
  for (const spec of MANIFOLD_METHODS) registerMethod(spec);
  const toy = reactionToy(0.003);
  const stack: SpectralStack = {
    data: Float32Array.from(toy.data),
    energies: Float64Array.from({ length: toy.m }, (_, e) => 700 + e),
    width: 21,
    height: 21,
    metadata: {},
  };
  const refs = [
    { name: 'A', energies: stack.energies, values: toy.A },
    { name: 'C', energies: stack.energies, values: toy.C },
  ];
  const r = analyze(stack, { method: 'mlle', components: 2, neighbors: 10, references: refs });
  assert.equal(r.k, 2);
  assert.equal(r.weights.length, 441 * 2);
  assert.equal(r.components.length, 2 * toy.m);
  assert.equal(r.embedding!.method, 'mlle');
  assert.deepEqual(r.embedding!.standards!.map((s) => s.name), ['A', 'C']);
  assert.ok(r.embedding!.standards![0].coords[0] < r.embedding!.standards![1].coords[0], 'orientation: first reference low');
  assert.ok(Math.abs(r.embedding!.progress![0]) < 0.05 && Math.abs(r.embedding!.progress![440] - 1) < 0.05);
  assert.ok(r.parameters.progressHistogram);
  // linear reconstruction weights·components + mean beats the mean alone
  let e0 = 0;
  let e1 = 0;
  for (let i = 0; i < 441; i++) for (let e = 0; e < toy.m; e++) {
    const x = stack.data[i * toy.m + e];
    let y = r.mean![e];
    for (let c = 0; c < 2; c++) y += r.weights[i * 2 + c] * r.components[c * toy.m + e];
    e0 += (x - r.mean![e]) ** 2;
    e1 += (x - y) ** 2;
  }
  assert.ok(e1 < 0.5 * e0);
  const s = analyze(stack, { method: 'lle', components: 1, neighbors: 10 });
  assert.equal(s.parameters.method, 'standard');
  const w = analyze(stack, { method: 'mw-nmf', components: 3, embedding: 'pca', maxIter: 100 });
  assert.equal(w.parameters.embedding, 'pca');
  assert.equal(w.embedding!.method, 'pca');
  assert.equal(w.k, 3);
  const w2 = analyze(stack, { method: 'mw-nmf', components: 3, maxIter: 100 });
  assert.equal(w2.parameters.embedding, 'mlle', 'default: mlle up to 5000 spectra');
});
