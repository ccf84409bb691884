/**
 * NMF-SO, NMF-ARD-SO and NMF 'mu' on @specmap/kernels (the products with X
 * in f32 SIMD passes, nmf-products.ts) against the Float64 TypeScript path on
 * the same values (a Float64Array copy of the Float32 cube runs the
 * TypeScript loops), and 1 vs 2 threads.
 *
 * Tolerances (observed on this data in brackets):
 * - objective after every iteration: relative 2e-6 (NMF-SO 1.6e-7, NMF-ARD-SO 4e-9, mu 2.4e-7) —
 *   the f32 products leave a constant offset of ~1e-10·‖X‖² in the level of the objective;
 * - changes of the NMF-SO objective (what the stopping rule reads): within 10 % of the
 *   stopping tolerance 1e-6·obj (2.4 %);
 * - maps and spectra: Pearson r ≥ 1 − 1e-9 per component (1 − 1e-13);
 * - 1 vs 2 threads: bit-identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as kernels from '@specmap/kernels';
import { nmfSo, updateMaps, colGram, EPS } from '../src/nmf-so';
import { nmfArdSo } from '../src/nmf-ard-so';
import { nmf } from '../src/nmf';
import { updateRowsF32 } from '../src/nmf-mu';
import { CrossTerm } from '../src/nmf-products';
import { KERNELS_MIN_VALUES } from '../src/linalg';
import { pearson } from '../src/pearson';
import { Rng } from '../src/random';
import type { Decomposition, MatrixView } from '../src/decomposition';
import { rel } from './helpers';

/** 64×64 pixels × 64 channels (2^18 float32 values: the kernels' threshold), 3 blob maps × peaked spectra + noise (some values < 0). */
function cube(width = 64, height = 64, m = 64): { X32: MatrixView; X64: MatrixView; n: number; m: number } {
  const n = width * height;
  const rng = new Rng(7);
  const spectra = [10, 30, 48].map((c) => Float64Array.from({ length: m }, (_, e) => 0.2 + Math.exp(-((e - (c * m) / 64) ** 2) / 40)));
  const maps = [
    [10, 12],
    [45, 20],
    [30, 50],
  ].map(([cx, cy]) => Float64Array.from({ length: n }, (_, i) => Math.exp(-(((i % width) - cx) ** 2 + (Math.floor(i / width) - cy) ** 2) / 300)));
  const data = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let e = 0; e < m; e++) {
      let v = 0.02 * rng.normal();
      for (let q = 0; q < 3; q++) v += maps[q][i] * spectra[q][e];
      data[i * m + e] = v;
    }
  }
  return { X32: { data, rows: n, cols: m }, X64: { data: Float64Array.from(data), rows: n, cols: m }, n, m };
}

const { X32, X64, n, m } = cube();

function withThreads<T>(t: number, f: () => T): T {
  kernels.setThreads(t);
  try {
    return f();
  } finally {
    kernels.setThreads(0);
  }
}

function column(w: Float32Array, k: number, j: number): Float64Array {
  return Float64Array.from({ length: w.length / k }, (_, i) => w[i * k + j]);
}

/** Kernel result vs TypeScript result: objective history, maps and spectra (same component order). */
function compare(label: string, a: Decomposition, b: Decomposition, objTol = 2e-6): void {
  assert.equal(a.k, b.k, `${label}: k`);
  assert.equal(a.iterations, b.iterations, `${label}: iterations`);
  const La = a.lossHistory!;
  const Lb = b.lossHistory!;
  assert.equal(La.length, Lb.length);
  for (let t = 0; t < La.length; t++) assert.ok(rel(La[t], Lb[t]) <= objTol, `${label}: objective at ${t}: ${La[t]} vs ${Lb[t]}`);
  const k = a.k;
  const mm = a.components.length / k;
  for (let j = 0; j < k; j++) {
    const rs = pearson(a.components.subarray(j * mm, (j + 1) * mm), b.components.subarray(j * mm, (j + 1) * mm));
    const rw = pearson(column(a.weights, k, j), column(b.weights, k, j));
    assert.ok(rs >= 1 - 1e-9 && rw >= 1 - 1e-9, `${label}: component ${j}: spectra r = ${rs}, maps r = ${rw}`);
  }
}

function bitIdentical(label: string, a: Decomposition, b: Decomposition): void {
  assert.deepEqual(Array.from(a.weights), Array.from(b.weights), `${label}: weights differ between 1 and 2 threads`);
  assert.deepEqual(Array.from(a.components), Array.from(b.components), `${label}: components differ between 1 and 2 threads`);
  assert.deepEqual(Array.from(a.lossHistory!), Array.from(b.lossHistory!), `${label}: objective differs between 1 and 2 threads`);
  assert.equal(a.iterations, b.iterations);
}

test('the kernels run here and the test cube is on their path (Float32, ≥ KERNELS_MIN_VALUES values)', () => {
  assert.ok(kernels.available(), `@specmap/kernels unavailable: ${kernels.info().reason}`);
  assert.ok(n * m >= KERNELS_MIN_VALUES);
  assert.equal(nmfSo(X32, { components: 3, maxIter: 2, tol: 0 }).parameters.kernels, true);
  assert.equal(nmfSo(X64, { components: 3, maxIter: 2, tol: 0 }).parameters.kernels, false);
  assert.equal(nmfArdSo(X32, { components: 3, maxIter: 2, tol: 0 }).parameters.kernels, true);
});

test('NMF-SO on the kernels equals the Float64 TypeScript path; 1 and 2 threads bit-identical', () => {
  const opts = { components: 3, omega: 0.1, maxIter: 80, tol: 0 };
  const a1 = withThreads(1, () => nmfSo(X32, opts));
  const a2 = withThreads(2, () => nmfSo(X32, opts));
  const b = nmfSo(X64, opts);
  bitIdentical('NMF-SO', a1, a2);
  compare('NMF-SO', a2, b);
  assert.ok(rel(a2.reconstructionError!, b.reconstructionError!) <= 1e-6);
  // The f32 products do change the numbers (the kernel path did run).
  assert.notDeepEqual(Array.from(a2.lossHistory!), Array.from(b.lossHistory!));
  // Changes of the objective — what the relative stopping rule reads — agree to 10 % of its tolerance 1e-6·obj.
  const La = a2.lossHistory!;
  const Lb = b.lossHistory!;
  for (let t = 11; t < La.length; t++) {
    const d = Math.abs(La[t] - La[t - 1] - (Lb[t] - Lb[t - 1]));
    assert.ok(d <= 0.1 * 1e-6 * Lb[t], `Δobj at ${t}: kernels ${La[t] - La[t - 1]}, TypeScript ${Lb[t] - Lb[t - 1]}`);
  }
  // Default stopping rule: the same iteration count.
  const c = nmfSo(X32, { components: 3, omega: 0.1, maxIter: 500 });
  const d = nmfSo(X64, { components: 3, omega: 0.1, maxIter: 500 });
  assert.ok(c.converged && d.converged && d.iterations < 500);
  compare('NMF-SO (tol 1e-6)', c, d);
  // malspy-compatible mode (raw factors, 2 repetitions, eps in the norm).
  const e = nmfSo(X32, { components: 3, omega: 0.05, maxIter: 30, tol: 0, reps: 2, malspyCompat: true });
  const f = nmfSo(X64, { components: 3, omega: 0.05, maxIter: 30, tol: 0, reps: 2, malspyCompat: true });
  assert.equal(e.parameters.bestRepetition, f.parameters.bestRepetition);
  (e.parameters.finalObjectivePerRepetition as number[]).forEach((v, i) => assert.ok(rel(v, (f.parameters.finalObjectivePerRepetition as number[])[i]) <= 2e-6));
  compare('NMF-SO (malspy mode)', e, f);
});

test('NMF-SO on the kernels with a mask (active-row index) equals the TypeScript path', () => {
  const big = cube(64, 80, 64); // 5120 rows, 4096 fitted
  const mask = new Uint8Array(big.n);
  for (let i = 0; i < big.n; i++) mask[i] = i % 5 === 2 ? 0 : 1;
  const a = nmfSo({ ...big.X32, mask }, { components: 3, maxIter: 40, tol: 0 });
  const b = nmfSo({ ...big.X64, mask }, { components: 3, maxIter: 40, tol: 0 });
  assert.equal(a.parameters.kernels, true);
  compare('NMF-SO (mask)', a, b);
  for (let i = 0; i < big.n; i++) if (!mask[i]) for (let j = 0; j < 3; j++) assert.equal(a.weights[i * 3 + j], 0);
});

test('NMF-ARD-SO on the kernels equals the Float64 TypeScript path; 1 and 2 threads bit-identical', () => {
  const opts = { components: 4, omega: 0.1, maxIter: 100, tol: 0 };
  const a1 = withThreads(1, () => nmfArdSo(X32, opts));
  const a2 = withThreads(2, () => nmfArdSo(X32, opts));
  const b = nmfArdSo(X64, opts);
  bitIdentical('NMF-ARD-SO', a1, a2);
  assert.equal(b.k, 3, 'ARD keeps the 3 components of the data');
  compare('NMF-ARD-SO', a2, b);
  assert.ok(rel(a2.parameters.sigma2 as number, b.parameters.sigma2 as number) <= 1e-6);
  (a2.parameters.lambdas as number[]).forEach((l, i) => assert.ok(rel(l, (b.parameters.lambdas as number[])[i]) <= 1e-6));
  // Default stopping rule |Δobj| < 1e-9·n·m: stops within a few iterations of the TypeScript path.
  const c = nmfArdSo(X32, { components: 4, omega: 0.1 });
  const d = nmfArdSo(X64, { components: 4, omega: 0.1 });
  assert.ok(c.converged && d.converged);
  assert.ok(Math.abs(c.iterations - d.iterations) <= 10, `iterations ${c.iterations} vs ${d.iterations}`);
});

test("NMF solver 'mu' (Frobenius) on the kernels equals the Float64 TypeScript path; 1 and 2 threads bit-identical", () => {
  const opts = { components: 3, maxIter: 100, tol: 0, solver: 'mu' as const };
  const a1 = withThreads(1, () => nmf(X32, opts));
  const a2 = withThreads(2, () => nmf(X32, opts));
  const b = nmf(X64, opts);
  bitIdentical('mu', a1, a2);
  compare('mu', a2, b);
  assert.notDeepEqual(Array.from(a2.lossHistory!), Array.from(b.lossHistory!));
  assert.ok(rel(a2.reconstructionError!, b.reconstructionError!) <= 1e-8);
  // scikit-learn's stopping rule (every 10 iterations): the same iteration count.
  const c = nmf(X32, { components: 3, maxIter: 1000, tol: 1e-4, solver: 'mu' });
  const d = nmf(X64, { components: 3, maxIter: 1000, tol: 1e-4, solver: 'mu' });
  assert.ok(c.converged && d.converged);
  compare('mu (tol 1e-4)', c, d);
  // K = 4 (the written-out row update). The cube holds 3 components, so the 4th is degenerate and the
  // multiplicative updates amplify f32 rounding along it: the objective tolerance is 1e-5 here.
  const o4 = { components: 4, maxIter: 60, tol: 0, solver: 'mu' as const, init: 'random' as const };
  compare('mu (K = 4)', nmf(X32, o4), nmf(X64, o4), 1e-5);
  // With regularisation (l1 and l2 on both factors).
  const r = { components: 3, maxIter: 40, tol: 0, solver: 'mu' as const, alphaW: 0.001, l1Ratio: 0.5 };
  compare('mu (regularised)', nmf(X32, r), nmf(X64, r));
});

test('CrossTerm carries ⟨C, X·Sᵀ⟩ exactly by differences (float32-valued factors)', () => {
  const rng = new Rng(3);
  const nn = 50;
  const mm = 7;
  const k = 3;
  const X = Float64Array.from({ length: nn * mm }, () => Math.fround(rng.uniform()));
  const f32 = (len: number) => Float64Array.from({ length: len }, () => Math.fround(rng.uniform()));
  const xs = (S: Float64Array) => {
    const P = new Float64Array(nn * k);
    for (let r = 0; r < nn; r++) for (let j = 0; j < k; j++) for (let e = 0; e < mm; e++) P[r * k + j] += X[r * mm + e] * S[j * mm + e];
    return P;
  };
  const ctx = (C: Float64Array) => {
    const A = new Float64Array(k * mm);
    for (let r = 0; r < nn; r++) for (let j = 0; j < k; j++) for (let e = 0; e < mm; e++) A[j * mm + e] += C[r * k + j] * X[r * mm + e];
    return A;
  };
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
  let C = f32(nn * k);
  let S = f32(k * mm);
  const cross = new CrossTerm(k * mm);
  cross.set(dot(C, xs(S)));
  for (let it = 0; it < 5; it++) {
    cross.begin(S);
    const A = ctx(C);
    const S2 = f32(k * mm);
    const P = xs(S2);
    const C2 = f32(nn * k);
    const v = cross.next(dot(C2, P), dot(C, P), A, S2);
    const fresh = dot(C2, xs(S2));
    assert.ok(rel(v, fresh) < 1e-13, `step ${it}: ${v} vs ${fresh}`);
    C = C2;
    S = S2;
  }
});

test('updateMaps (two passes per column, fused sums) equals the column-by-column statement bit for bit', () => {
  for (const k of [4, 3, 5]) updateMapsCase(k);
});

function updateMapsCase(k: number): void {
  const rng = new Rng(11 + k);
  const nn = 300;
  const P = Float64Array.from({ length: nn * k }, () => rng.uniform() * 10 - 1);
  const S = Float64Array.from({ length: k * 20 }, () => rng.uniform());
  const Q = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) for (let e = 0; e < 20; e++) Q[a * k + b] += S[a * 20 + e] * S[b * 20 + e];
  const C0 = Float64Array.from({ length: nn * k }, () => rng.uniform());
  const cbar0 = new Float64Array(nn);
  for (let r = 0; r < nn; r++) for (let j = 0; j < k; j++) cbar0[r] += C0[r * k + j];
  const cases: Array<{ omega: number; shrink: Float64Array | null; normalise: 'unit' | 'unit-eps' | 'none'; f32: boolean; sums: boolean }> = [
    { omega: 0.1, shrink: null, normalise: 'unit', f32: false, sums: false },
    { omega: 0, shrink: null, normalise: 'unit-eps', f32: false, sums: true },
    { omega: 0.5, shrink: Float64Array.from({ length: k }, (_, j) => [0.1, 2, 0.3, 50, 1][j]), normalise: 'none', f32: false, sums: true },
    { omega: 0.1, shrink: null, normalise: 'unit', f32: true, sums: true },
  ];
  for (const c of cases) {
    // The statement (malspy's order), written out.
    const Cr = Float64Array.from(C0);
    const cbr = Float64Array.from(cbar0);
    const h = new Float64Array(nn);
    for (let j = 0; j < k; j++) {
      for (let r = 0; r < nn; r++) {
        cbr[r] -= Cr[r * k + j];
        let cq = 0;
        for (let l = 0; l < k; l++) cq += Cr[r * k + l] * Q[l * k + j];
        h[r] = P[r * k + j] - cq + Q[j * k + j] * Cr[r * k + j] - (c.shrink ? c.shrink[j] : 0);
      }
      let cc = 0;
      for (let r = 0; r < nn; r++) cc += cbr[r] * cbr[r];
      if (c.omega > 0 && cc > 0) {
        let ch = 0;
        for (let r = 0; r < nn; r++) ch += cbr[r] * h[r];
        for (let r = 0; r < nn; r++) h[r] -= ((c.omega * ch) / cc) * cbr[r];
      }
      let q = 0;
      for (let r = 0; r < nn; r++) {
        h[r] = h[r] > 0 ? h[r] : 0;
        q += h[r] * h[r];
      }
      const nrm = c.normalise === 'unit-eps' ? Math.sqrt(q + EPS) : Math.sqrt(q);
      for (let r = 0; r < nn; r++) {
        let v = c.normalise === 'none' ? h[r] : nrm > 0 ? h[r] / nrm : 0;
        if (c.f32) v = Math.fround(v);
        Cr[r * k + j] = v;
        cbr[r] += v;
      }
    }
    const C = Float64Array.from(C0);
    const cbar = Float64Array.from(cbar0);
    const B = new Float64Array(k * k);
    const colSum = new Float64Array(k);
    const sums = updateMaps(C, P, Q, cbar, new Float64Array(nn), nn, k, c.omega, c.shrink, c.normalise, c.f32, B, c.sums ? colSum : null);
    assert.deepEqual(Array.from(C), Array.from(Cr), JSON.stringify(c));
    assert.deepEqual(Array.from(cbar), Array.from(cbr));
    const Bref = new Float64Array(k * k);
    colGram(C, nn, k, Bref);
    assert.deepEqual(Array.from(B), Array.from(Bref));
    let cn = 0;
    for (let i = 0; i < nn * k; i++) cn += C[i] * P[i];
    assert.equal(sums.crossNew, cn);
    let co = 0;
    for (let i = 0; i < nn * k; i++) co += C0[i] * P[i];
    assert.ok(rel(sums.crossOld, co) < 1e-13);
    assert.equal(sums.total, cbr.reduce((s, v) => s + v, 0));
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let r = 0; r < nn; r++) s += C[r * k + j];
      assert.equal(colSum[j], c.sums ? s : 0);
    }
  }
}

test("mu's W update on the kernel path (K = 4 written out, other K generic) equals the statement bit for bit", () => {
  for (const k of [4, 3]) {
    const rng = new Rng(5 + k);
    const nn = 200;
    const W0 = Float64Array.from({ length: nn * k }, () => Math.fround(rng.uniform()));
    const XHt = Float64Array.from({ length: nn * k }, () => rng.uniform() * 3);
    const G = new Float64Array(k * k);
    for (let a = 0; a < k; a++) for (let b = 0; b <= a; b++) G[a * k + b] = G[b * k + a] = a === b ? 2 + rng.uniform() : rng.uniform();
    W0[7] = 0; // a zero row entry and a zero denominator
    for (let t = 0; t < k; t++) W0[5 * k + t] = 0;
    const W = Float64Array.from(W0);
    const dw = updateRowsF32(W, XHt, G, nn, k, 0, 0, new Float64Array(k));
    const Wr = Float64Array.from(W0);
    let dr = 0;
    for (let r = 0; r < nn; r++) {
      const den = Array.from({ length: k }, (_, t) => {
        let s = 0;
        for (let q = 0; q < k; q++) s += Wr[r * k + q] * G[q * k + t];
        return s;
      });
      for (let t = 0; t < k; t++) {
        const old = Wr[r * k + t];
        const d = den[t] === 0 ? 1.1920928955078125e-7 : den[t];
        Wr[r * k + t] = Math.fround(old * (XHt[r * k + t] / d));
        dr += (Wr[r * k + t] - old) * XHt[r * k + t];
      }
    }
    assert.deepEqual(Array.from(W), Array.from(Wr), `K=${k}`);
    assert.equal(dw, dr);
  }
});
