/**
 * Small helpers shared by the preprocessing steps: recording a step in
 * `stack.metadata.steps`, energy look-ups, trapezoid integrals, small dense
 * least squares.
 */
import { SpecmapError, type SpectralStack } from '@specmap/core';

/** Append `{name, parameters}` to the stack's metadata.steps (never mutating the old array). */
export function recordStep(stack: SpectralStack, name: string, parameters: Record<string, unknown>, extra?: Record<string, unknown>): void {
  const steps = [...(stack.metadata.steps ?? [])];
  steps.push({ name, parameters });
  stack.metadata = { ...stack.metadata, ...(extra ?? {}), steps };
}

/** Append non-fatal warnings to `stack.metadata.warnings` (a string array). */
export function addWarnings(stack: SpectralStack, warnings: string[]): void {
  if (warnings.length === 0) return;
  const prev = Array.isArray(stack.metadata.warnings) ? (stack.metadata.warnings as string[]) : [];
  stack.metadata = { ...stack.metadata, warnings: [...prev, ...warnings] };
}

/** Check the cube's size against width·height·m. */
export function checkShape(stack: SpectralStack, what: string): void {
  const m = stack.energies.length;
  const n = stack.width * stack.height;
  if (!Number.isInteger(stack.width) || !Number.isInteger(stack.height) || stack.width < 1 || stack.height < 1 || m < 1) {
    throw new SpecmapError('SHAPE', `${what}: invalid stack shape ${stack.height}×${stack.width}×${m}`);
  }
  if (stack.data.length !== n * m) {
    throw new SpecmapError('SHAPE', `${what}: stack data has ${stack.data.length} values but ${stack.height}×${stack.width}×${m} = ${n * m} are expected`);
  }
}

/** Indices of the channels whose energy lies in [lo, hi] (inclusive, either axis direction). */
export function channelsIn(energies: ArrayLike<number>, lo: number, hi: number): number[] {
  const a = Math.min(lo, hi);
  const b = Math.max(lo, hi);
  const tol = 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1);
  const out: number[] = [];
  for (let e = 0; e < energies.length; e++) if (energies[e] >= a - tol && energies[e] <= b + tol) out.push(e);
  return out;
}

/** Index of the channel nearest to energy E. */
export function nearestChannel(energies: ArrayLike<number>, E: number): number {
  let best = 0;
  let d = Infinity;
  for (let e = 0; e < energies.length; e++) {
    const di = Math.abs(energies[e] - E);
    if (di < d) {
      d = di;
      best = e;
    }
  }
  return best;
}

/** Energy range [min, max] of an axis. */
export function energyRange(energies: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let e = 0; e < energies.length; e++) {
    if (energies[e] < lo) lo = energies[e];
    if (energies[e] > hi) hi = energies[e];
  }
  return [lo, hi];
}

/** ∫ y dE by the trapezoid rule (signed: a decreasing axis gives a negative area). */
export function trapz(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += 0.5 * (y[i] + y[i - 1]) * (x[i] - x[i - 1]);
  return s;
}

/**
 * Solve the normal equations of a small dense least-squares problem by
 * Cholesky-free Gaussian elimination with partial pivoting: returns the
 * p×r matrix P (row-major) with coefficients = P · y for any y sampled at the
 * r rows of the design A (r×p, row-major). Used to precompute one projector
 * for all pixels.
 *
 * @throws SpecmapError 'SINGULAR' when AᵀA is singular (e.g. a window with too
 *   few points for the model).
 */
export function leastSquaresProjector(A: Float64Array, r: number, p: number, what: string): Float64Array {
  // M = AᵀA (p×p), then P = M⁻¹ Aᵀ.
  const M = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += A[k * p + i] * A[k * p + j];
      M[i * p + j] = s;
    }
  }
  const inv = invert(M, p, what);
  const P = new Float64Array(p * r);
  for (let i = 0; i < p; i++) {
    for (let k = 0; k < r; k++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += inv[i * p + j] * A[k * p + j];
      P[i * r + k] = s;
    }
  }
  return P;
}

/** Inverse of a small p×p matrix (Gauss–Jordan with partial pivoting). */
export function invert(Min: Float64Array, p: number, what: string): Float64Array {
  const M = Float64Array.from(Min);
  const inv = new Float64Array(p * p);
  for (let i = 0; i < p; i++) inv[i * p + i] = 1;
  let scale = 0;
  for (let i = 0; i < p * p; i++) scale = Math.max(scale, Math.abs(M[i]));
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(M[r * p + c]) > Math.abs(M[piv * p + c])) piv = r;
    if (!(Math.abs(M[piv * p + c]) > 1e-13 * scale)) {
      throw new SpecmapError('SINGULAR', `${what}: the least-squares problem is singular (too few points or degenerate model)`);
    }
    if (piv !== c) {
      for (let j = 0; j < p; j++) {
        let t = M[c * p + j];
        M[c * p + j] = M[piv * p + j];
        M[piv * p + j] = t;
        t = inv[c * p + j];
        inv[c * p + j] = inv[piv * p + j];
        inv[piv * p + j] = t;
      }
    }
    const d = M[c * p + c];
    for (let j = 0; j < p; j++) {
      M[c * p + j] /= d;
      inv[c * p + j] /= d;
    }
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = M[r * p + c];
      if (f === 0) continue;
      for (let j = 0; j < p; j++) {
        M[r * p + j] -= f * M[c * p + j];
        inv[r * p + j] -= f * inv[c * p + j];
      }
    }
  }
  return inv;
}

/** A finite number check with a one-line error. */
export function requireFinite(v: number, what: string): number {
  if (!Number.isFinite(v)) throw new SpecmapError('ARGUMENT', `${what} must be a finite number, got ${v}`);
  return v;
}
