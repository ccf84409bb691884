import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symmetricEigen, symmetricEigenTop } from '../src/linalg';
import { Rng } from '../src/random';
import { python } from './helpers';

/**
 * symmetricEigenTop (all eigenvalues + the top-k eigenvectors without forming
 * the n×n eigenvector matrix) against the full symmetricEigen (same values,
 * same vectors with the same signs) and against numpy.linalg.eigh.
 */

/** Symmetric BᵀB (p×n B, row-major) in Float64. */
function gramOf(B: Float64Array, p: number, n: number): Float64Array {
  const A = new Float64Array(n * n);
  for (let t = 0; t < p; t++) {
    const o = t * n;
    for (let i = 0; i < n; i++) {
      const x = B[o + i];
      if (x === 0) continue;
      for (let j = i; j < n; j++) A[i * n + j] += x * B[o + j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A[i * n + j] = A[j * n + i];
  return A;
}

/** Random orthogonal n×n (Gram–Schmidt, twice, on Gaussian rows); row q is the q-th basis vector. */
function randomOrthogonal(n: number, rng: Rng): Float64Array {
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) Q[i] = rng.normal();
  for (let q = 0; q < n; q++) {
    const v = Q.subarray(q * n, (q + 1) * n);
    for (let pass = 0; pass < 2; pass++) {
      for (let r = 0; r < q; r++) {
        const u = Q.subarray(r * n, (r + 1) * n);
        let s = 0;
        for (let i = 0; i < n; i++) s += u[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= s * u[i];
      }
    }
    let nrm = 0;
    for (let i = 0; i < n; i++) nrm += v[i] * v[i];
    nrm = Math.sqrt(nrm);
    for (let i = 0; i < n; i++) v[i] /= nrm;
  }
  return Q;
}

/** Σ_q λ_q q qᵀ, exactly symmetric. */
function withSpectrum(Q: Float64Array, lambda: ArrayLike<number>, n: number): Float64Array {
  const B = new Float64Array(n * n); // row q = √λ_q · q  (λ ≥ 0 here)
  for (let q = 0; q < n; q++) for (let i = 0; i < n; i++) B[q * n + i] = Math.sqrt(lambda[q]) * Q[q * n + i];
  return gramOf(B, n, n);
}

/** `rows` spectra (n channels) mixed from a few smooth non-negative peaks/edges, optional noise: a real-looking XᵀX. */
function spectraGram(n: number, rows: number, parts: number, noise: number, rng: Rng): Float64Array {
  const basis: Float64Array[] = [];
  for (let c = 0; c < parts; c++) {
    const centre = n * (0.1 + 0.8 * rng.uniform());
    const width = n * (0.02 + 0.1 * rng.uniform());
    const edge = n * rng.uniform();
    basis.push(Float64Array.from({ length: n }, (_, i) => Math.exp(-(((i - centre) / width) ** 2)) + 0.5 / (1 + Math.exp(-(i - edge) / 3))));
  }
  const X = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < parts; c++) {
      const w = rng.uniform();
      for (let i = 0; i < n; i++) X[r * n + i] += w * basis[c][i];
    }
    if (noise > 0) for (let i = 0; i < n; i++) X[r * n + i] += noise * rng.normal();
  }
  return gramOf(X, rows, n);
}

function blockDiag(a: Float64Array, na: number, b: Float64Array, nb: number): Float64Array {
  const n = na + nb;
  const A = new Float64Array(n * n);
  for (let i = 0; i < na; i++) for (let j = 0; j < na; j++) A[i * n + j] = a[i * na + j];
  for (let i = 0; i < nb; i++) for (let j = 0; j < nb; j++) A[(na + i) * n + na + j] = b[i * nb + j];
  return A;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * The checks every case gets: values identical to symmetricEigen's (the same
 * arithmetic); each vector equal to symmetricEigen's row, same sign
 * (cos ≥ 1 − 1e-10); orthonormal to 1e-12; residual ‖Av − λv‖ ≤ 1e-12·|λ|max·√n.
 */
function checkAgainstFull(A: Float64Array, n: number, k: number, label: string) {
  const top = symmetricEigenTop(A, n, k);
  const full = symmetricEigen(A, n);
  assert.equal(top.values.length, n, label);
  assert.equal(top.vectors.length, k * n, label);
  assert.deepEqual(Array.from(top.values), Array.from(full.values), `${label}: eigenvalues`);
  const scale = Math.max(Math.abs(full.values[0]), Math.abs(full.values[n - 1]));
  for (let r = 0; r < k; r++) {
    const v = top.vectors.subarray(r * n, (r + 1) * n);
    const cos = dot(v, full.vectors.subarray(r * n, (r + 1) * n));
    assert.ok(cos >= 1 - 1e-10, `${label}: vector ${r} cos ${cos} with symmetricEigen's`);
    for (let s = 0; s <= r; s++) {
      const g = dot(v, top.vectors.subarray(s * n, (s + 1) * n));
      assert.ok(Math.abs(g - (r === s ? 1 : 0)) <= 1e-12, `${label}: vᵣ·vₛ (${r},${s}) = ${g}`);
    }
    let res = 0;
    for (let i = 0; i < n; i++) {
      let s = -top.values[r] * v[i];
      for (let j = 0; j < n; j++) s += A[i * n + j] * v[j];
      res += s * s;
    }
    assert.ok(Math.sqrt(res) <= 1e-12 * Math.max(scale, 1e-300) * Math.sqrt(n) || scale === 0, `${label}: residual of vector ${r} = ${Math.sqrt(res)} (‖A‖ ≈ ${scale})`);
  }
  return top;
}

/**
 * Against numpy.linalg.eigh: eigenvalues to 1e-12·|λ|max; each vector r lies
 * in numpy's eigenspace of the eigenvalues within `clusterTol`·|λ|max of λ_r
 * (|cos| ≥ 1 − 1e-10 for a simple eigenvalue; the projection for a cluster).
 */
function checkAgainstNumpy(cases: { A: Float64Array; n: number; k: number; label: string; clusterTol: number }[]) {
  const ref: { w: number[]; v: number[][] }[] = python(
    'out = []\nfor c in inp:\n    n = c["n"]\n    w, v = np.linalg.eigh(np.array(c["A"], dtype=np.float64).reshape(n, n))\n    out.append({"w": w[::-1].tolist(), "v": v[:, ::-1].T.tolist()})\n',
    cases.map((c) => ({ n: c.n, A: c.A })),
  );
  cases.forEach(({ A, n, k, label, clusterTol }, ci) => {
    const top = symmetricEigenTop(A, n, k);
    const w = ref[ci].w;
    const scale = Math.max(Math.abs(w[0]), Math.abs(w[n - 1]));
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(top.values[i] - w[i]) <= 1e-12 * scale, `${label}: λ${i} ${top.values[i]} vs numpy ${w[i]}`);
    }
    for (let r = 0; r < k; r++) {
      const v = top.vectors.subarray(r * n, (r + 1) * n);
      let proj = 0;
      for (let q = 0; q < n; q++) {
        if (Math.abs(w[q] - w[r]) > clusterTol * scale) continue;
        const c = dot(v, Float64Array.from(ref[ci].v[q]));
        proj += c * c;
      }
      assert.ok(Math.sqrt(proj) >= 1 - 1e-10, `${label}: vector ${r} projects ${Math.sqrt(proj)} onto numpy's eigenspace`);
    }
  });
}

test('symmetricEigenTop = symmetricEigen (values, vectors and signs) on random SPD matrices, fast path and fallback', () => {
  const rng = new Rng(11);
  for (const n of [2, 3, 7, 50]) {
    const p = n + 3;
    const B = Float64Array.from({ length: p * n }, () => rng.normal());
    const A = gramOf(B, p, n);
    for (let i = 0; i < n; i++) A[i * n + i] += 0.1;
    for (let k = 0; k <= Math.min(n, 14); k++) checkAgainstFull(A, n, k, `SPD n=${n} k=${k}`);
  }
});

test('symmetricEigenTop on spectra Gram matrices (n = 256, k = 1..8): full rank and rank-deficient, vs symmetricEigen and numpy', () => {
  const rng = new Rng(5);
  const noisy = spectraGram(256, 600, 6, 0.01, rng);
  const rank5 = spectraGram(256, 400, 5, 0, rng); // rank 5: 251 eigenvalues at rounding level
  const scaled = spectraGram(256, 300, 4, 1e-4, rng).map((x) => x * 1e6); // large entries, 8 decades of spectrum
  for (let k = 1; k <= 8; k++) {
    checkAgainstFull(noisy, 256, k, `noisy k=${k}`);
    checkAgainstFull(rank5, 256, k, `rank 5 k=${k}`);
    checkAgainstFull(scaled, 256, k, `scaled k=${k}`);
  }
  checkAgainstNumpy([
    { A: noisy, n: 256, k: 8, label: 'noisy', clusterTol: 0 },
    { A: rank5, n: 256, k: 8, label: 'rank 5', clusterTol: 1e-10 }, // vectors 6..8: anywhere in the null space
    { A: scaled, n: 256, k: 4, label: 'scaled', clusterTol: 0 },
  ]);
});

test('symmetricEigenTop with clustered and exactly repeated eigenvalues gives orthonormal vectors equal to symmetricEigen', () => {
  const rng = new Rng(3);
  const n = 120;
  const Q = randomOrthogonal(n, rng);
  // A cluster 1e-9 wide at the top, a triple eigenvalue, then a spread tail.
  const lambda = Float64Array.from({ length: n }, (_, i) => 1 + ((i * 37) % n) / n);
  lambda[0] = 10;
  lambda[1] = 10 * (1 + 1e-9);
  lambda[2] = 10 * (1 + 2e-9);
  lambda[3] = lambda[4] = lambda[5] = 5;
  const clustered = withSpectrum(Q, lambda, n);
  // Exact repeats: 4·I₅ beside a random SPD block (top 5 vectors span the identity block exactly), and c·I.
  const p = 40;
  const B = Float64Array.from({ length: p * 35 }, () => rng.normal() * 0.1);
  const blocks = blockDiag(Float64Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? 4 : 0)), 5, gramOf(B, p, 35), 35);
  const scalar = Float64Array.from({ length: 64 * 64 }, (_, i) => (i % 65 === 0 ? 2.5 : 0));
  for (let k = 1; k <= 8; k++) {
    checkAgainstFull(clustered, n, k, `clustered k=${k}`);
    checkAgainstFull(blocks, 40, k, `identity block k=${k}`);
    checkAgainstFull(scalar, 64, k, `2.5·I k=${k}`);
  }
  const b = symmetricEigenTop(blocks, 40, 8);
  for (let r = 0; r < 5; r++) {
    assert.equal(b.values[r], 4);
    let inBlock = 0;
    for (let i = 0; i < 5; i++) inBlock += b.vectors[r * 40 + i] ** 2;
    assert.ok(Math.abs(inBlock - 1) < 1e-12, `identity-block vector ${r} has ${inBlock} of its norm² in the block`);
  }
  checkAgainstNumpy([
    { A: clustered, n, k: 8, label: 'clustered', clusterTol: 1e-6 },
    { A: blocks, n: 40, k: 8, label: 'identity block', clusterTol: 1e-12 },
    { A: scalar, n: 64, k: 8, label: '2.5·I', clusterTol: 1e-12 },
  ]);
});

test('symmetricEigenTop: zero matrix, 1×1, diagonal, k = 0, and shape errors', () => {
  const z = checkAgainstFull(new Float64Array(64), 8, 2, 'zero');
  assert.deepEqual(Array.from(z.values), new Array(8).fill(0));
  assert.deepEqual(Array.from(z.vectors), [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  const one = symmetricEigenTop(new Float64Array([-3]), 1, 1);
  assert.deepEqual([Array.from(one.values), Array.from(one.vectors)], [[-3], [1]]);
  assert.equal(symmetricEigenTop(new Float64Array([-3]), 1, 0).vectors.length, 0);
  const diag = new Float64Array(100);
  [3, -1, 7, 0, 2, 7, 1, 5, 4, 6].forEach((x, i) => (diag[i * 11] = x));
  const d = checkAgainstFull(diag, 10, 2, 'diagonal');
  assert.deepEqual(Array.from(d.values), [7, 7, 6, 5, 4, 3, 2, 1, 0, -1]);
  assert.throws(() => symmetricEigenTop(new Float64Array(5), 2, 1), /SHAPE|values/);
  assert.throws(() => symmetricEigenTop(new Float64Array(4), 2, 3), /SHAPE|k=3/);
});
