/**
 * Cubic B-splines as FITPACK (scipy splrep/splev, UnivariateSpline with s=0)
 * uses them in larch's autobk: interpolating splines have the knots
 * t = [x₀]·4, x₂ … x_{n−3}, [x_{n−1}]·4 (the "not-a-knot" spline), and
 * evaluation outside the knots extends the end polynomial pieces.
 */
import { SpecmapError } from '@specmap/core';

const K = 3;

/** Knots of the interpolating cubic spline through points x (n ≥ 4, strictly increasing). */
export function interpKnots(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  if (n < 4) throw new SpecmapError('SHAPE', `cubic spline: needs at least 4 points, got ${n}`);
  const t = new Float64Array(n + 4);
  for (let i = 0; i < 4; i++) {
    t[i] = x[0];
    t[n + i] = x[n - 1];
  }
  for (let i = 2; i < n - 2; i++) t[i + 2] = x[i];
  return t;
}

/** The knot interval l (K ≤ l < nc) used to evaluate at v (extrapolating with the end intervals). */
function span(t: Float64Array, nc: number, v: number): number {
  let lo = K;
  let hi = nc; // t[nc] is the right end
  if (v < t[lo + 1]) return lo;
  if (v >= t[hi - 1]) return hi - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (t[mid] <= v) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The 4 non-zero cubic B-spline values at v (coefficients l−3…l) into out; returns l. */
export function basis(t: Float64Array, nc: number, v: number, out: Float64Array): number {
  const l = span(t, nc, v);
  // Cox–de Boor recursion (as FITPACK fpbspl).
  const h = out;
  const hh = new Float64Array(K);
  h[0] = 1;
  for (let j = 1; j <= K; j++) {
    for (let i = 0; i < j; i++) hh[i] = h[i];
    h[0] = 0;
    for (let i = 1; i <= j; i++) {
      const li = t[l + i];
      const lj = t[l + i - j];
      const f = li === lj ? 0 : hh[i - 1] / (li - lj);
      h[i - 1] += f * (li - v);
      h[i] = f * (v - lj);
    }
  }
  return l;
}

/** Evaluate the spline (t, c) at the points v. */
export function splev(t: Float64Array, c: ArrayLike<number>, v: ArrayLike<number>): Float64Array {
  const nc = t.length - K - 1;
  const out = new Float64Array(v.length);
  const b = new Float64Array(K + 1);
  for (let i = 0; i < v.length; i++) {
    const l = basis(t, nc, v[i], b);
    let s = 0;
    for (let j = 0; j <= K; j++) s += b[j] * c[l - K + j];
    out[i] = s;
  }
  return out;
}

/** Dense collocation matrix B[i][j] = B_j(v_i) (rows = points, nc columns). */
export function collocation(t: Float64Array, v: ArrayLike<number>): Float64Array {
  const nc = t.length - K - 1;
  const m = new Float64Array(v.length * nc);
  const b = new Float64Array(K + 1);
  for (let i = 0; i < v.length; i++) {
    const l = basis(t, nc, v[i], b);
    for (let j = 0; j <= K; j++) m[i * nc + l - K + j] = b[j];
  }
  return m;
}

/**
 * Coefficients of the interpolating cubic spline through (x, y) on the knots
 * `interpKnots(x)` (splrep with s = 0). The collocation matrix is banded
 * (bandwidth 3) and totally positive, so banded elimination without pivoting
 * is stable.
 */
export class InterpolatingSpline {
  readonly t: Float64Array;
  private readonly n: number;
  /** Banded LU of the collocation matrix: row i holds columns i−3…i+3. */
  private readonly lu: Float64Array;

  constructor(readonly x: ArrayLike<number>) {
    const n = x.length;
    for (let i = 1; i < n; i++) {
      if (!(x[i] > x[i - 1])) throw new SpecmapError('ENERGY_ORDER', `cubic spline: abscissae must increase strictly (point ${i}: ${x[i - 1]} then ${x[i]})`);
    }
    this.n = n;
    this.t = interpKnots(x);
    const W = 7;
    const lu = new Float64Array(n * W);
    const b = new Float64Array(K + 1);
    for (let i = 0; i < n; i++) {
      const l = basis(this.t, n, x[i], b);
      for (let j = 0; j <= K; j++) {
        const col = l - K + j;
        const off = col - i + 3;
        if (off < 0 || off >= W) throw new SpecmapError('SHAPE', 'cubic spline: collocation outside the band');
        lu[i * W + off] = b[j];
      }
    }
    // In-place banded LU without pivoting.
    for (let k = 0; k < n; k++) {
      const piv = lu[k * W + 3];
      if (piv === 0) throw new SpecmapError('SHAPE', 'cubic spline: singular collocation matrix');
      for (let i = k + 1; i < Math.min(n, k + 4); i++) {
        const offIk = k - i + 3;
        if (offIk < 0) continue;
        const f = lu[i * W + offIk] / piv;
        if (f === 0) continue;
        lu[i * W + offIk] = f;
        for (let j = k + 1; j < Math.min(n, k + 4); j++) {
          const oKj = j - k + 3;
          const oIj = j - i + 3;
          if (oKj >= W || oIj < 0 || oIj >= W) continue;
          lu[i * W + oIj] -= f * lu[k * W + oKj];
        }
      }
    }
    this.lu = lu;
  }

  /** Spline coefficients interpolating y at x. */
  coefficients(y: ArrayLike<number>): Float64Array {
    const n = this.n;
    const W = 7;
    const lu = this.lu;
    const z = Float64Array.from(y);
    for (let i = 0; i < n; i++) {
      let s = z[i];
      for (let k = Math.max(0, i - 3); k < i; k++) s -= lu[i * W + (k - i + 3)] * z[k];
      z[i] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = z[i];
      for (let j = i + 1; j < Math.min(n, i + 4); j++) s -= lu[i * W + (j - i + 3)] * z[j];
      z[i] = s / lu[i * W + 3];
    }
    return z;
  }

  /** Interpolate y (given at x) at the points v. */
  interpolate(y: ArrayLike<number>, v: ArrayLike<number>): Float64Array {
    return splev(this.t, this.coefficients(y), v);
  }
}
