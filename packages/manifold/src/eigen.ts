import { SpecmapError, symmetricEigen, Rng } from '@specmap/core';
import type { Csr } from './sparse';
import { csrMultiply, csrMultiplyMany } from './sparse';
import { envelopeCholesky, envelopeSize, envelopeSolve, reverseCuthillMcKee, type EnvelopeCholesky } from './envelope';

/** The smallest eigenpairs of a symmetric matrix. */
export interface SmallestEigen {
  /** Eigenvalues, increasing. */
  values: Float64Array;
  /** Unit eigenvectors, one Float64Array (length n) per eigenvalue. */
  vectors: Float64Array[];
  iterations: number;
  /** Largest residual ‖Av − λv‖ of the returned pairs. */
  residual: number;
  converged: boolean;
  warnings: string[];
  /** Diagonal shift used by the factorisation (dense path). */
  shift?: number;
}

/** Orthonormalise the columns in place (modified Gram–Schmidt, twice), against `against` first; drops columns whose norm falls below `drop`. */
export function orthonormalize(cols: Float64Array[], against: Float64Array[] = [], drop = 1e-10): Float64Array[] {
  const out: Float64Array[] = [];
  for (const c0 of cols) {
    const c = c0;
    const n0 = norm(c);
    if (n0 === 0) continue;
    for (let pass = 0; pass < 2; pass++) {
      for (const q of against) axpy(-dot(q, c), q, c);
      for (const q of out) axpy(-dot(q, c), q, c);
    }
    const nc = norm(c);
    if (nc <= drop * n0) continue;
    scale(c, 1 / nc);
    out.push(c);
  }
  return out;
}

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}
function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
}
function scale(a: Float64Array, s: number): void {
  for (let i = 0; i < a.length; i++) a[i] *= s;
}

/** In-place Cholesky A = L·Lᵀ of a row-major n×n matrix (lower triangle overwritten by L). Returns false on a non-positive pivot. */
function cholesky(a: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const bi = i * n;
    for (let j = 0; j <= i; j++) {
      const bj = j * n;
      let s = a[bi + j];
      for (let k = 0; k < j; k++) s -= a[bi + k] * a[bj + k];
      if (i === j) {
        if (!(s > 0)) return false;
        a[bi + i] = Math.sqrt(s);
      } else {
        a[bi + j] = s / a[bj + j];
      }
    }
  }
  return true;
}

/** Solve L·Lᵀ z = b in place (b becomes z). */
function cholSolve(L: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const bi = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[bi + k] * b[k];
    b[i] = s / L[bi + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    const bi = i * n;
    const zi = b[i] / L[bi + i];
    b[i] = zi;
    for (let k = 0; k < i; k++) b[k] -= L[bi + k] * zi;
  }
}

function denseMultiply(a: Float64Array, n: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const bi = i * n;
    let s = 0;
    for (let k = 0; k < n; k++) s += a[bi + k] * x[k];
    y[i] = s;
  }
}

/** Rayleigh–Ritz: the `count` smallest Ritz pairs of A in span(Q) (Q orthonormal, AQ given). */
function rayleighRitz(Q: Float64Array[], AQ: Float64Array[], count: number): { values: Float64Array; vectors: Float64Array[]; coef: Float64Array; b: number } {
  const b = Q.length;
  const H = new Float64Array(b * b);
  for (let i = 0; i < b; i++) {
    for (let j = i; j < b; j++) {
      const v = 0.5 * (dot(Q[i], AQ[j]) + dot(Q[j], AQ[i]));
      H[i * b + j] = v;
      H[j * b + i] = v;
    }
  }
  const eig = symmetricEigen(H, b); // decreasing
  const n = Q[0].length;
  const values = new Float64Array(count);
  const vectors: Float64Array[] = [];
  const coef = new Float64Array(b * count); // coef[r*count + c]
  for (let c = 0; c < count; c++) {
    const r = b - 1 - c; // smallest first
    values[c] = eig.values[r];
    const v = new Float64Array(n);
    for (let j = 0; j < b; j++) {
      const w = eig.vectors[r * b + j];
      coef[j * count + c] = w;
      axpy(w, Q[j], v);
    }
    vectors.push(v);
  }
  return { values, vectors, coef, b };
}

/**
 * The `count` smallest eigenpairs of a dense symmetric positive semi-definite
 * n×n matrix (row-major; it is overwritten by its Cholesky factor).
 *
 * Shift-invert subspace iteration: Cholesky of A + σI with
 * σ = 1e-10·mean(diag A) (retried with σ×100 up to 4 times if a pivot is not
 * positive — a warning says so), then block inverse iteration on
 * b = count + 8 vectors (deterministic seeded start), each step followed by
 * Rayleigh–Ritz with A itself, until every wanted residual ‖Av − λv‖ is below
 * `tol`·‖A‖_max·√n or `maxIter` steps. The shift changes only the speed, not
 * the result: the pairs are those of A (as LAPACK's `eigh(subset_by_index)`
 * returns them, up to sign). Cost n³/3 for the factorisation plus 2n²b per
 * step.
 */
export function denseSmallest(a: Float64Array, n: number, count: number, options: { tol?: number; maxIter?: number; seed?: number } = {}): SmallestEigen {
  if (count > n) throw new SpecmapError('EIGEN', `cannot compute ${count} eigenvectors of a ${n}×${n} matrix`);
  const warnings: string[] = [];
  const tol = options.tol ?? 1e-13;
  const maxIter = options.maxIter ?? 300;
  if (n <= 64) {
    const eig = symmetricEigen(a, n);
    const values = new Float64Array(count);
    const vectors: Float64Array[] = [];
    for (let c = 0; c < count; c++) {
      const r = n - 1 - c;
      values[c] = eig.values[r];
      vectors.push(Float64Array.from(eig.vectors.subarray(r * n, r * n + n)));
    }
    return { values, vectors, iterations: 0, residual: 0, converged: true, warnings };
  }
  const A = Float64Array.from(a);
  let maxAbs = 0;
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  for (let i = 0; i < a.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a[i]));
  let shift = 1e-10 * Math.max(trace / n, Number.MIN_VALUE);
  let ok = false;
  for (let attempt = 0; attempt < 5; attempt++) {
    for (let i = 0; i < n; i++) a[i * n + i] = A[i * n + i] + shift;
    ok = cholesky(a, n);
    if (ok) break;
    // restore the lower triangle from the copy and retry with a larger shift
    a.set(A);
    warnings.push(`solver fallback: Cholesky of M + ${shift.toExponential(2)}·I failed (M numerically indefinite); retrying with a larger shift`);
    shift *= 100;
  }
  if (!ok) throw new SpecmapError('EIGEN', `dense eigensolver failed: M + σI is not positive definite even for σ = ${shift.toExponential(2)}`);
  const threshold = tol * Math.max(maxAbs, Number.MIN_VALUE) * Math.sqrt(n);
  const r = shiftInvertIterate(
    n,
    count,
    (Q) => {
      for (const q of Q) cholSolve(a, n, q);
    },
    (X) =>
      X.map((x) => {
        const y = new Float64Array(n);
        denseMultiply(A, n, x, y);
        return y;
      }),
    threshold,
    maxIter,
  );
  warnings.push(...r.warnings);
  return { ...r, warnings, shift };
}

/**
 * Block inverse (shift-invert) iteration shared by the dense and the sparse
 * direct solvers: b = count + 8 vectors (deterministic seeded start),
 * each step solves (A + σI)·Q, orthonormalises, and takes the Ritz vectors
 * of A itself in span(Q) as the next basis, until every wanted residual
 * ‖Av − λv‖ ≤ `threshold` or `maxIter` steps.
 */
function shiftInvertIterate(
  n: number,
  count: number,
  solve: (Q: Float64Array[]) => void,
  multiply: (X: Float64Array[]) => Float64Array[],
  threshold: number,
  maxIter: number,
  block = count + 8,
): Omit<SmallestEigen, 'shift'> {
  const warnings: string[] = [];
  const b = Math.min(n, block);
  const rng = new Rng(12345);
  let Q: Float64Array[] = [];
  for (let j = 0; j < b; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rng.normal();
    Q.push(v);
  }
  Q = orthonormalize(Q);
  let result = { values: new Float64Array(count), vectors: [] as Float64Array[] };
  let residual = Infinity;
  let it = 0;
  const tmp = new Float64Array(n);
  for (it = 1; it <= maxIter; it++) {
    solve(Q);
    Q = orthonormalize(Q);
    const AQ = multiply(Q);
    const rr = rayleighRitz(Q, AQ, Q.length);
    // Ritz vectors become the next basis (improves convergence).
    Q = rr.vectors;
    residual = 0;
    for (let c = 0; c < count; c++) {
      // A·v = the same combination of the columns of A·Q
      tmp.fill(0);
      for (let j = 0; j < rr.b; j++) axpy(rr.coef[j * rr.b + c], AQ[j], tmp);
      axpy(-rr.values[c], Q[c], tmp);
      residual = Math.max(residual, norm(tmp));
    }
    result = { values: rr.values.slice(0, count), vectors: Q.slice(0, count) };
    if (residual <= threshold) break;
  }
  const converged = residual <= threshold;
  if (!converged) warnings.push(`shift-invert eigensolver: residual ${residual.toExponential(2)} after ${maxIter} steps (target ${threshold.toExponential(2)})`);
  return { values: result.values, vectors: result.vectors.map((v) => Float64Array.from(v)), iterations: Math.min(it, maxIter), residual, converged, warnings };
}

/**
 * The `count` smallest eigenpairs of a sparse symmetric positive
 * semi-definite matrix by shift-invert with a sparse direct factorisation:
 * reverse Cuthill–McKee ordering, Cholesky of M + σI in envelope storage
 * (σ = 1e-10·mean(diag M), ×100 up to 4 times if a pivot is not positive —
 * a warning says so), then the block inverse iteration of `denseSmallest`
 * with sparse products (same stopping rule: residual ≤ tol·‖M‖_max·√n).
 * Returns null, before any large allocation, when the factor would exceed
 * `maxEntries` values or `maxFlops` multiply-adds (then use LOBPCG).
 */
export function sparseDirectSmallest(
  M: Csr,
  count: number,
  options: { tol?: number; maxIter?: number; maxEntries?: number; maxFlops?: number } = {},
): (SmallestEigen & { factor: { ordering: string; entries: number; flops: number; maxWidth: number } }) | null {
  const n = M.n;
  if (count > n) throw new SpecmapError('EIGEN', `cannot compute ${count} eigenvectors of a ${n}×${n} matrix`);
  const perm = reverseCuthillMcKee(M);
  const size = envelopeSize(M, perm);
  if (size.entries > (options.maxEntries ?? 6e7) || size.flops > (options.maxFlops ?? 4e10)) return null;
  const warnings: string[] = [];
  let trace = 0;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    for (let p = M.rowPtr[i]; p < M.rowPtr[i + 1]; p++) {
      const v = M.val[p];
      if (M.col[p] === i) trace += v;
      if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
    }
  }
  let shift = 1e-10 * Math.max(trace / n, Number.MIN_VALUE);
  let F: EnvelopeCholesky | null = null;
  for (let attempt = 0; attempt < 5 && !F; attempt++) {
    F = envelopeCholesky(M, perm, shift);
    if (!F) {
      warnings.push(`solver fallback: Cholesky of M + ${shift.toExponential(2)}·I failed (M numerically indefinite); retrying with a larger shift`);
      shift *= 100;
    }
  }
  if (!F) throw new SpecmapError('EIGEN', `sparse direct eigensolver failed: M + σI is not positive definite even for σ = ${(shift / 100).toExponential(2)}`);
  const factor = F;
  const threshold = (options.tol ?? 1e-13) * Math.max(maxAbs, Number.MIN_VALUE) * Math.sqrt(n);
  const r = shiftInvertIterate(n, count, (Q) => envelopeSolve(factor, Q), (X) => csrMultiplyMany(M, X), threshold, options.maxIter ?? 300, Math.ceil(Math.max(count + 4, 8) / 4) * 4);
  warnings.push(...r.warnings);
  return { ...r, warnings, shift, factor: { ordering: 'reverse Cuthill–McKee', ...size } };
}

/**
 * The `count` smallest eigenpairs of a sparse symmetric positive semi-definite
 * matrix A, constrained orthogonal to the unit vectors in `deflate` (for
 * LLE: the constant vector, an exact null vector of M).
 *
 * LOBPCG (Knyazev 2001) with the Jacobi preconditioner T = diag(A)⁻¹ and an
 * explicitly orthonormalised basis [X, T·R, P] (Gram–Schmidt twice; columns
 * that become dependent are dropped), started from `start` (for LLE: the
 * landmark embedding extended to every point). Stops when every residual
 * ‖Ax − λx‖ ≤ `tol`·‖diag A‖_max or after `maxIter` steps (warning). The
 * Rayleigh quotients never increase, so the result is never worse than the
 * start. Only the first `want` pairs (default all) must meet the tolerance;
 * extra block vectors speed up and stabilise the convergence.
 */
export function lobpcgSmallest(
  A: Csr,
  start: Float64Array[],
  deflate: Float64Array[],
  options: { tol?: number; maxIter?: number; want?: number } = {},
): SmallestEigen {
  const n = A.n;
  const count = start.length;
  const want = Math.min(count, options.want ?? count);
  const tol = options.tol ?? 1e-9;
  const maxIter = options.maxIter ?? 300;
  const warnings: string[] = [];
  const diag = new Float64Array(n);
  let dmax = 0;
  for (let i = 0; i < n; i++) {
    for (let p = A.rowPtr[i]; p < A.rowPtr[i + 1]; p++) if (A.col[p] === i) diag[i] = A.val[p];
    dmax = Math.max(dmax, diag[i]);
  }
  const threshold = tol * dmax;
  const mul = (x: Float64Array): Float64Array => {
    const y = new Float64Array(n);
    csrMultiply(A, x, y);
    return y;
  };
  let X = orthonormalize(start.map((v) => Float64Array.from(v)), deflate);
  if (X.length < count) throw new SpecmapError('EIGEN', `LOBPCG: the start vectors are linearly dependent (${X.length} of ${count} left)`);
  let AX = X.map(mul);
  let rr = rayleighRitz(X, AX, count);
  X = rr.vectors;
  AX = X.map(mul);
  let values = rr.values;
  let P: Float64Array[] = [];
  let residual = Infinity;
  let it = 0;
  for (it = 1; it <= maxIter; it++) {
    const R: Float64Array[] = [];
    residual = 0;
    for (let c = 0; c < count; c++) {
      const r = Float64Array.from(AX[c]);
      axpy(-values[c], X[c], r);
      if (c < want) residual = Math.max(residual, norm(r));
      for (let i = 0; i < n; i++) r[i] = diag[i] > 0 ? r[i] / diag[i] : r[i];
      R.push(r);
    }
    if (residual <= threshold) break;
    const basis = orthonormalize([...X.map((v) => Float64Array.from(v)), ...R, ...P.map((v) => Float64Array.from(v))], deflate, 1e-12);
    const AB = basis.map(mul);
    rr = rayleighRitz(basis, AB, count);
    // New X and the search directions P = the part of the new X outside span(old X).
    const newX = rr.vectors;
    const newP: Float64Array[] = [];
    for (let c = 0; c < count; c++) {
      const p = new Float64Array(n);
      for (let j = count; j < rr.b; j++) axpy(rr.coef[j * count + c], basis[j], p);
      newP.push(p);
    }
    X = newX;
    AX = [];
    for (let c = 0; c < count; c++) {
      const y = new Float64Array(n);
      for (let j = 0; j < rr.b; j++) axpy(rr.coef[j * count + c], AB[j], y);
      AX.push(y);
    }
    values = rr.values;
    P = newP;
  }
  const converged = residual <= threshold;
  if (!converged) {
    warnings.push(
      `sparse eigensolver (LOBPCG, Jacobi preconditioner): residual ${residual.toExponential(2)} after ${maxIter} iterations (target ${threshold.toExponential(2)}); the embedding is the best Rayleigh–Ritz approximation found`,
    );
  }
  return { values: Float64Array.from(values), vectors: X, iterations: Math.min(it, maxIter), residual, converged, warnings };
}
