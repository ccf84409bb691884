import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnMeans, gram, symmetricEigen } from '../src/linalg';
import { Rng } from '../src/random';
import { python } from './helpers';

/** Random orthogonal n×n matrix as a product of n Householder reflections (row-major). */
function randomOrthogonal(n: number, rng: Rng): Float64Array {
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  const v = new Float64Array(n);
  for (let h = 0; h < n; h++) {
    let nrm = 0;
    for (let i = 0; i < n; i++) {
      v[i] = rng.normal();
      nrm += v[i] * v[i];
    }
    // Q ← Q (I − 2vvᵀ/‖v‖²)
    for (let r = 0; r < n; r++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += Q[r * n + i] * v[i];
      const f = (2 * d) / nrm;
      for (let i = 0; i < n; i++) Q[r * n + i] -= f * v[i];
    }
  }
  return Q;
}

/** A = Q diag(lambda) Qᵀ. */
function withSpectrum(Q: Float64Array, lambda: Float64Array, n: number): Float64Array {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let q = 0; q < n; q++) s += Q[i * n + q] * lambda[q] * Q[j * n + q];
      A[i * n + j] = s;
      A[j * n + i] = s;
    }
  }
  return A;
}

test('symmetricEigen recovers a known spectrum (m = 300) to 1e-12 relative, with orthonormal vectors', () => {
  const n = 300;
  const rng = new Rng(1);
  const Q = randomOrthogonal(n, rng);
  // Eigenvalues 1..300 in scrambled order, plus a repeated pair.
  const lambda = Float64Array.from({ length: n }, (_, i) => 1 + ((i * 7919) % n));
  lambda[5] = lambda[6];
  const A = withSpectrum(Q, lambda, n);
  const t0 = Date.now();
  const { values, vectors } = symmetricEigen(A, n);
  const ms = Date.now() - t0;
  const sorted = Float64Array.from(lambda).sort().reverse();
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(values[i] - sorted[i]) / sorted[i] < 1e-12, `λ${i}: ${values[i]} vs ${sorted[i]}`);
  }
  // Residual ‖A v − λ v‖ and orthonormality.
  let res = 0;
  let orth = 0;
  for (let r = 0; r < n; r++) {
    const v = vectors.subarray(r * n, (r + 1) * n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i * n + j] * v[j];
      res = Math.max(res, Math.abs(s - values[r] * v[i]));
    }
    for (let q = r; q < Math.min(n, r + 3); q++) {
      let d = 0;
      for (let j = 0; j < n; j++) d += v[j] * vectors[q * n + j];
      orth = Math.max(orth, Math.abs(d - (q === r ? 1 : 0)));
    }
  }
  assert.ok(res < 1e-11 * n, `residual ${res}`);
  assert.ok(orth < 1e-13, `orthonormality ${orth}`);
  assert.ok(ms < 5000, `took ${ms} ms`);
});

test('symmetricEigen agrees with numpy.linalg.eigvalsh on a covariance-like matrix (m = 123, 8 decades)', () => {
  const n = 123;
  const rng = new Rng(2);
  const Q = randomOrthogonal(n, rng);
  const lambda = Float64Array.from({ length: n }, (_, i) => Math.pow(10, -8 * (i / (n - 1))) * (1 + 0.1 * rng.uniform()));
  const A = withSpectrum(Q, lambda, n);
  const ref: number[] = python('out = np.linalg.eigvalsh(np.array(inp).reshape(123, 123))[::-1].tolist()', A);
  const { values } = symmetricEigen(A, n);
  for (let i = 0; i < n; i++) {
    // Backward-stable solvers are accurate to ~eps·‖A‖ in absolute terms; both agree to that level.
    assert.ok(Math.abs(values[i] - ref[i]) < 1e-14 * values[0], `λ${i}: ${values[i]} vs numpy ${ref[i]}`);
    // Leading eigenvalues (≥ 1e-3·λ₀) to 1e-12 relative against the construction.
  }
  const sorted = Float64Array.from(lambda).sort().reverse();
  for (let i = 0; i < n && sorted[i] >= 1e-3 * sorted[0]; i++) {
    assert.ok(Math.abs(values[i] - sorted[i]) / sorted[i] < 1e-12, `λ${i} relative`);
  }
});

test('symmetricEigen handles 1×1, diagonal and zero matrices', () => {
  assert.deepEqual(Array.from(symmetricEigen(new Float64Array([3]), 1).values), [3]);
  const d = symmetricEigen(new Float64Array([1, 0, 0, 0, 5, 0, 0, 0, 2]), 3);
  assert.deepEqual(Array.from(d.values), [5, 2, 1]);
  assert.deepEqual(Array.from(d.vectors).map(Math.abs), [0, 1, 0, 0, 0, 1, 1, 0, 0]);
  const z = symmetricEigen(new Float64Array(9), 3);
  assert.deepEqual(Array.from(z.values), [0, 0, 0]);
});

test('gram and columnMeans match a direct computation, with masks and clipping', () => {
  const rng = new Rng(5);
  const n = 301; // not a multiple of the block size
  const m = 7;
  const data = Float32Array.from({ length: n * m }, () => rng.normal() + 0.5);
  const index = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 4 !== 1);
  const src = { data, rows: n, cols: m, index, count: index.length };
  for (const clip of [false, true]) {
    const mean = columnMeans(src, clip);
    const G = gram(src, mean, clip);
    for (let a = 0; a < m; a++) {
      let mu = 0;
      for (const i of index) mu += clip ? Math.max(0, data[i * m + a]) : data[i * m + a];
      mu /= index.length;
      assert.ok(Math.abs(mean[a] - mu) < 1e-14);
      for (let b = 0; b < m; b++) {
        let s = 0;
        for (const i of index) {
          const xa = clip ? Math.max(0, data[i * m + a]) : data[i * m + a];
          const xb = clip ? Math.max(0, data[i * m + b]) : data[i * m + b];
          s += (xa - mean[a]) * (xb - mean[b]);
        }
        assert.ok(Math.abs(G[a * m + b] - s) < 1e-11, `G[${a},${b}] clip=${clip}`);
      }
    }
  }
});
