/**
 * Levenberg–Marquardt least squares with a numeric (forward-difference)
 * Jacobian, for small parameter counts (edge positions, custom models).
 */
import { invert } from './util';

export interface LmOptions {
  maxIter?: number;
  /** Stop when the relative decrease of the cost is below this. __Default:__ 1e-12. */
  tol?: number;
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
}

export interface LmResult {
  params: Float64Array;
  /** Sum of squared residuals at the solution. */
  cost: number;
  iterations: number;
  converged: boolean;
}

function clampTo(p: Float64Array, lo?: ArrayLike<number>, hi?: ArrayLike<number>): void {
  for (let i = 0; i < p.length; i++) {
    if (lo && p[i] < lo[i]) p[i] = lo[i];
    if (hi && p[i] > hi[i]) p[i] = hi[i];
  }
}

function ssq(r: Float64Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i] * r[i];
  return s;
}

/** Minimise Σ residual(p)² from p0. Non-finite residuals count as an infinite cost. */
export function levenbergMarquardt(residual: (p: Float64Array) => Float64Array, p0: ArrayLike<number>, options: LmOptions = {}): LmResult {
  const maxIter = options.maxIter ?? 200;
  const tol = options.tol ?? 1e-12;
  const np = p0.length;
  let p = Float64Array.from(p0);
  clampTo(p, options.lower, options.upper);
  let r = residual(p);
  let cost = ssq(r);
  if (!Number.isFinite(cost)) cost = Infinity;
  let lambda = 1e-3;
  let converged = false;
  let it = 0;
  const nr = r.length;
  for (; it < maxIter; it++) {
    // Numeric Jacobian J (nr × np).
    const J = new Float64Array(nr * np);
    for (let j = 0; j < np; j++) {
      const h = 1e-7 * Math.max(Math.abs(p[j]), 1e-3);
      const q = p.slice();
      q[j] += h;
      const rq = residual(q);
      for (let i = 0; i < nr; i++) J[i * np + j] = (rq[i] - r[i]) / h;
    }
    const JtJ = new Float64Array(np * np);
    const Jtr = new Float64Array(np);
    for (let i = 0; i < nr; i++) {
      for (let a = 0; a < np; a++) {
        const ja = J[i * np + a];
        Jtr[a] += ja * r[i];
        for (let b = 0; b < np; b++) JtJ[a * np + b] += ja * J[i * np + b];
      }
    }
    let improved = false;
    for (let tries = 0; tries < 20; tries++) {
      const A = JtJ.slice();
      for (let a = 0; a < np; a++) A[a * np + a] += lambda * (JtJ[a * np + a] || 1e-12);
      let inv: Float64Array;
      try {
        inv = invert(A, np, 'Levenberg–Marquardt');
      } catch {
        lambda *= 10;
        continue;
      }
      const q = p.slice();
      for (let a = 0; a < np; a++) {
        let s = 0;
        for (let b = 0; b < np; b++) s += inv[a * np + b] * Jtr[b];
        q[a] -= s;
      }
      clampTo(q, options.lower, options.upper);
      const rq = residual(q);
      let c = ssq(rq);
      if (!Number.isFinite(c)) c = Infinity;
      if (c < cost) {
        const rel = (cost - c) / Math.max(cost, 1e-300);
        p = q;
        r = rq;
        cost = c;
        lambda = Math.max(lambda / 10, 1e-12);
        improved = true;
        if (rel < tol) converged = true;
        break;
      }
      lambda *= 10;
    }
    if (!improved) {
      converged = true; // no step decreases the cost: a (local) minimum
      break;
    }
    if (converged) break;
  }
  return { params: p, cost, iterations: it + 1, converged };
}
