/**
 * Small bounded least-squares solvers working on the normal equations
 * (Gram matrix G = AᵀA, c = Aᵀb), so the Gram matrix of the standards is
 * computed once and each pixel costs O(m·k) for c plus a few k×k solves.
 *
 * `solveBoundedLs` minimises ½xᵀGx − cᵀx subject to x_i ≥ 0 for the
 * constrained indices and, optionally, Σ_{i∈S} x_i = 1 over a subset S: a
 * primal active-set method (Lawson–Hanson when there is no equality, started
 * from x = 0 with every bound active; with the equality it starts from the
 * uniform point of the simplex).
 */
import { solveDense } from './util';

export interface BoundedLsProblem {
  /** Number of unknowns. */
  p: number;
  /** p×p Gram matrix, row-major. */
  gram: Float64Array;
  /** 1 = x_i ≥ 0 required, 0 = free (e.g. a constant offset). */
  nonneg: Uint8Array;
  /** When given: Σ x_i over indices with sumMask[i] = 1 equals 1. */
  sumMask?: Uint8Array;
}

export interface BoundedLsWork {
  x: Float64Array;
  /** Active-set iterations used. */
  iterations: number;
}

/**
 * Solve the equality-constrained subproblem on the free set F (x_i = 0 off F):
 * [G_FF a_F; a_Fᵀ 0][x_F; ν] = [c_F; 1] (without the equality: G_FF x_F = c_F).
 * Returns x (length p) and ν.
 */
function subproblem(pr: BoundedLsProblem, c: ArrayLike<number>, free: Uint8Array): { x: Float64Array; nu: number } {
  const { p, gram, sumMask } = pr;
  const idx: number[] = [];
  for (let i = 0; i < p; i++) if (free[i]) idx.push(i);
  const f = idx.length;
  const eq = sumMask ? 1 : 0;
  const q = f + eq;
  const x = new Float64Array(p);
  if (q === 0) return { x, nu: 0 };
  const a = new Float64Array(q * q);
  const b = new Float64Array(q);
  let trace = 0;
  for (let r = 0; r < f; r++) trace += gram[idx[r] * p + idx[r]];
  const ridge = 1e-13 * (trace / Math.max(1, f) || 1);
  for (let r = 0; r < f; r++) {
    for (let s = 0; s < f; s++) a[r * q + s] = gram[idx[r] * p + idx[s]];
    a[r * q + r] += ridge;
    b[r] = c[idx[r]];
    if (eq) {
      const m = sumMask![idx[r]] ? 1 : 0;
      a[r * q + f] = m;
      a[f * q + r] = m;
    }
  }
  if (eq) b[f] = 1;
  const sol = solveDense(a, b, q);
  for (let r = 0; r < f; r++) x[idx[r]] = sol[r];
  return { x, nu: eq ? sol[f] : 0 };
}

/**
 * Minimise ½xᵀGx − cᵀx with the bounds and the optional sum constraint of
 * `pr`. Converges in at most a few times p iterations for the small p of
 * LCF (≤ ~20 standards).
 */
export function solveBoundedLs(pr: BoundedLsProblem, c: ArrayLike<number>, maxIter = 100): BoundedLsWork {
  const { p, gram, nonneg, sumMask } = pr;
  const free = new Uint8Array(p);
  let x = new Float64Array(p);
  if (sumMask) {
    // Feasible start: uniform over the summed indices, all free.
    let ns = 0;
    for (let i = 0; i < p; i++) if (sumMask[i]) ns++;
    for (let i = 0; i < p; i++) {
      free[i] = 1;
      x[i] = sumMask[i] ? 1 / ns : 0;
    }
  } else {
    for (let i = 0; i < p; i++) free[i] = nonneg[i] ? 0 : 1;
  }
  const tol = 1e-12;
  let it = 0;
  for (; it < maxIter; it++) {
    const { x: z, nu } = subproblem(pr, c, free);
    // Step towards z, stopping at the first bound that would be crossed.
    let alpha = 1;
    let block = -1;
    for (let i = 0; i < p; i++) {
      if (!free[i] || !nonneg[i]) continue;
      if (z[i] < 0) {
        const denom = x[i] - z[i];
        const t = denom > 0 ? x[i] / denom : 0;
        if (t < alpha) {
          alpha = t;
          block = i;
        }
      }
    }
    const moved = new Float64Array(p);
    for (let i = 0; i < p; i++) moved[i] = x[i] + alpha * (z[i] - x[i]);
    x = moved;
    if (block >= 0) {
      // Fix every constrained variable that reached its bound.
      for (let i = 0; i < p; i++) {
        if (free[i] && nonneg[i] && (i === block || x[i] <= tol * Math.max(1, Math.abs(z[i])))) {
          free[i] = 0;
          x[i] = 0;
        }
      }
      continue;
    }
    // At the subproblem optimum: check the multipliers of the active bounds.
    // Gradient g = Gx − c; stationarity g + ν·a − μ = 0 ⇒ μ_i = g_i + ν·a_i ≥ 0 required.
    let worst = -1;
    let worstVal = 0;
    let scale = 0;
    for (let i = 0; i < p; i++) scale = Math.max(scale, Math.abs(c[i]));
    const thresh = -1e-12 * Math.max(scale, 1e-300);
    for (let i = 0; i < p; i++) {
      if (free[i] || !nonneg[i]) continue;
      let g = -c[i];
      for (let j = 0; j < p; j++) g += gram[i * p + j] * x[j];
      const mu = g + (sumMask && sumMask[i] ? nu : 0);
      if (mu < thresh && mu < worstVal) {
        worstVal = mu;
        worst = i;
      }
    }
    if (worst < 0) break;
    free[worst] = 1;
  }
  for (let i = 0; i < p; i++) if (nonneg[i] && x[i] < 0) x[i] = 0;
  return { x, iterations: it };
}
