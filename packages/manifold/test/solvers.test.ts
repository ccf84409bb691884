import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SmallEigen, symmetricEigen } from '@specmap/core';
import { exactKnn, kNearestNeighbors, lle, prunedKnn, sparseDirectSmallest, type Csr } from '../src';
import { envelopeCholesky, envelopeSize, envelopeSolve, reverseCuthillMcKee } from '../src/envelope';
import { column, hashNoise, maxAbsDiff, reactionToy } from './helpers';

/** A random sparse symmetric positive definite matrix (weighted graph Laplacian + shift) with `parts` disconnected parts, in CSR and dense form. */
function randomSpd(n: number, edges: number, parts: number, seed: number): { A: Csr; dense: Float64Array } {
  let s = seed;
  const rnd = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  const dense = new Float64Array(n * n);
  for (let e = 0; e < edges; e++) {
    const a = Math.floor(rnd() * n);
    const b = Math.floor(rnd() * n);
    if (a === b || a % parts !== b % parts) continue;
    const w = rnd();
    dense[a * n + b] -= w;
    dense[b * n + a] -= w;
    dense[a * n + a] += w;
    dense[b * n + b] += w;
  }
  for (let i = 0; i < n; i++) dense[i * n + i] += 0.05 + 0.1 * rnd();
  const rowPtr = new Int32Array(n + 1);
  const col: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (dense[i * n + j] !== 0 || i === j) {
        col.push(j);
        val.push(dense[i * n + j]);
      }
    }
    rowPtr[i + 1] = col.length;
  }
  return { A: { n, rowPtr, col: Int32Array.from(col), val: Float64Array.from(val) }, dense };
}

test('reverse Cuthill–McKee is a permutation and narrows the envelope; the envelope Cholesky solves A x = b', () => {
  for (const [n, edges, parts] of [
    [150, 400, 1],
    [240, 900, 3],
    [97, 60, 2],
  ]) {
    const { A, dense } = randomSpd(n, edges, parts, n + edges);
    const perm = reverseCuthillMcKee(A);
    assert.equal(new Set(perm).size, n);
    const identity = Int32Array.from({ length: n }, (_, i) => i);
    assert.ok(envelopeSize(A, perm).entries <= envelopeSize(A, identity).entries, 'RCM envelope no larger than the natural one');
    for (const p of [perm, identity]) {
      const F = envelopeCholesky(A, p, 0)!;
      assert.ok(F, 'factorisation of an SPD matrix succeeds');
      // 6 right-hand sides exercise the 4-column groups and the single-column tail
      const B = Array.from({ length: 6 }, (_, c) => Float64Array.from({ length: n }, (_, i) => hashNoise(i, c)));
      const X = B.map((b) => Float64Array.from(b));
      envelopeSolve(F, X);
      for (let c = 0; c < 6; c++) {
        let r = 0;
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += dense[i * n + j] * X[c][j];
          r = Math.max(r, Math.abs(s - B[c][i]));
        }
        assert.ok(r < 1e-10, `n=${n}: residual ${r}`);
      }
    }
    // a shift that makes A + σI indefinite is refused
    assert.equal(envelopeCholesky(A, perm, -100), null);
  }
});

test('sparse direct shift-invert eigensolver: the smallest eigenpairs of the dense decomposition', () => {
  const { A, dense } = randomSpd(180, 700, 1, 5);
  const ref = symmetricEigen(dense, 180); // decreasing
  const r = sparseDirectSmallest(A, 4)!;
  assert.ok(r.converged);
  for (let c = 0; c < 4; c++) {
    const lam = ref.values[179 - c];
    assert.ok(Math.abs(r.values[c] - lam) < 1e-12 * ref.values[0], `λ${c}: ${r.values[c]} vs ${lam}`);
    const v = ref.vectors.subarray((179 - c) * 180, (180 - c) * 180);
    let dot = 0;
    for (let i = 0; i < 180; i++) dot += v[i] * r.vectors[c][i];
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `eigenvector ${c}: |cos| ${Math.abs(dot)}`);
  }
  // over budget: null, nothing factored
  assert.equal(sparseDirectSmallest(A, 4, { maxEntries: 10 }), null);
});

test('SmallEigen (core) gives the same decomposition as symmetricEigen, bit for bit', () => {
  const K = 10;
  const se = new SmallEigen(K);
  for (let t = 0; t < 20; t++) {
    const D = Float64Array.from({ length: K * 7 }, (_, i) => hashNoise(t, i));
    const G = new Float64Array(K * K);
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) for (let e = 0; e < 7; e++) G[a * K + b] += D[a * 7 + e] * D[b * 7 + e];
    const ref = symmetricEigen(G, K);
    se.solve(G);
    assert.deepEqual(Array.from(se.values), Array.from(ref.values));
    assert.deepEqual(Array.from(se.vectors), Array.from(ref.vectors));
  }
});

test('pruned exact kNN equals brute force (Float64 and Float32 input, with and without the kernels)', () => {
  const toy = reactionToy(0.01);
  // 2,646 spectra: the A→B→C path six times with different noise (> 2,048 rows: the pruned path under 'auto')
  const n = toy.n * 6;
  const m = toy.m;
  const x = new Float64Array(n * m);
  for (let r = 0; r < 6; r++) for (let i = 0; i < toy.n; i++) for (let e = 0; e < m; e++) x[(r * toy.n + i) * m + e] = toy.data[i * m + e] + 0.01 * hashNoise(r * toy.n + i + 7, e + 3);
  const brute = exactKnn(x, n, m, 10, { kernels: false });
  const pruned = prunedKnn(x, n, m, 10)!;
  assert.deepEqual(Array.from(pruned.index), Array.from(brute.index));
  assert.ok(maxAbsDiff(pruned.dist2, brute.dist2) < 1e-12);
  assert.ok((pruned.details!.pairFraction as number) < 1);
  const x32 = Float32Array.from(x);
  const b32 = exactKnn(x32, n, m, 10, { kernels: false });
  assert.deepEqual(Array.from(prunedKnn(x32, n, m, 10)!.index), Array.from(b32.index));
  assert.deepEqual(Array.from(exactKnn(x32, n, m, 10, { kernels: true }).index), Array.from(b32.index));
  const auto = kNearestNeighbors(x32, n, m, 10);
  assert.equal(auto.algorithm, 'exact');
  assert.deepEqual(Array.from(auto.index), Array.from(b32.index));
  // over its budget the pruned search gives up; 'auto' above exactLimit then uses the approximate forest and says why
  assert.equal(prunedKnn(x32, n, m, 10, { maxPairs: 1000 }), null);
  const ap = kNearestNeighbors(x32, n, m, 10, { exactLimit: 1000, maxPairs: 1000 });
  assert.equal(ap.algorithm, 'approximate');
  assert.match(String(ap.details!.reason), /more than 1\.00e\+3 pair distances/);
});

test('sparse direct mLLE (the default above 200 spectra) equals the dense solver, and is deterministic', () => {
  const toy = reactionToy(1e-3);
  const base = { components: 2, neighbors: 10, method: 'modified' as const };
  const dense = lle({ data: toy.data, rows: toy.n, cols: toy.m }, { ...base, eigenSolver: 'dense' });
  const sparse = lle({ data: toy.data, rows: toy.n, cols: toy.m }, { ...base, eigenSolver: 'sparse' });
  assert.equal(sparse.parameters.eigenSolver, 'sparse-direct');
  const auto = lle({ data: toy.data, rows: toy.n, cols: toy.m }, base);
  assert.equal(auto.parameters.eigenSolver, 'sparse-direct', '441 spectra > denseLimit 200');
  for (let c = 0; c < 2; c++) {
    const a = column(dense.embedding, 2, c);
    const b = column(sparse.embedding, 2, c);
    assert.ok(maxAbsDiff(a, b) < 1e-8, `coordinate ${c}: ${maxAbsDiff(a, b)}`);
  }
  assert.ok(Math.abs(sparse.reconstructionError - dense.reconstructionError) < 1e-6 * dense.reconstructionError + 1e-15);
  const again = lle({ data: toy.data, rows: toy.n, cols: toy.m }, { ...base, eigenSolver: 'sparse' });
  assert.deepEqual(Array.from(again.embedding), Array.from(sparse.embedding));
});

test('a factor over the size limit falls back to LOBPCG with a warning', () => {
  const toy = reactionToy(3e-3);
  const r = lle({ data: toy.data, rows: toy.n, cols: toy.m }, { components: 1, neighbors: 10, eigenSolver: 'sparse', maxFactorEntries: 100, landmarks: 150 });
  assert.equal(r.parameters.eigenSolver, 'lobpcg');
  assert.ok(r.warnings.some((w) => /Cholesky factor of M would be too large/.test(w)), r.warnings.join('; '));
  const dense = lle({ data: toy.data, rows: toy.n, cols: toy.m }, { components: 1, neighbors: 10, eigenSolver: 'dense' });
  let dot = 0;
  for (let i = 0; i < toy.n; i++) dot += dense.embedding[i] * r.embedding[i];
  assert.ok(Math.abs(dot) > 0.9999, `|cos| between the dense and the LOBPCG embeddings ${dot}`);
});
