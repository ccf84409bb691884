/**
 * Small numeric helpers shared by the XAFS modules. They follow the
 * conventions of numpy / xraylarch where the result depends on them
 * (index_of, index_nearest, Python's round-half-to-even, np.gradient).
 */
import { SpecmapError } from '@specmap/core';

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** larch index_of: the last index whose value is ≤ value; 0 when value is below every element. */
export function indexOf(arr: ArrayLike<number>, value: number): number {
  let min = Infinity;
  for (let i = 0; i < arr.length; i++) if (arr[i] < min) min = arr[i];
  if (value < min) return 0;
  let best = 0;
  for (let i = 0; i < arr.length; i++) if (arr[i] <= value) best = i;
  return best;
}

/** larch index_nearest: index of the element closest to value (first on ties, as argmin). */
export function indexNearest(arr: ArrayLike<number>, value: number): number {
  let best = 0;
  let bd = Infinity;
  for (let i = 0; i < arr.length; i++) {
    const d = Math.abs(arr[i] - value);
    if (d < bd) {
      bd = d;
      best = i;
    }
  }
  return best;
}

/** np.gradient(y) / np.gradient(x): central differences inside, one-sided at the ends. */
export function derivative(x: ArrayLike<number>, y: ArrayLike<number>): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  if (n < 2) return out;
  out[0] = (y[1] - y[0]) / (x[1] - x[0]);
  out[n - 1] = (y[n - 1] - y[n - 2]) / (x[n - 1] - x[n - 2]);
  for (let i = 1; i < n - 1; i++) out[i] = (y[i + 1] - y[i - 1]) / (x[i + 1] - x[i - 1]);
  return out;
}

/** np.interp: linear interpolation, constant beyond the ends. xs increasing. */
export function npInterp(xNew: ArrayLike<number>, xs: ArrayLike<number>, ys: ArrayLike<number>): Float64Array {
  const n = xs.length;
  const out = new Float64Array(xNew.length);
  let a = 0;
  for (let j = 0; j < xNew.length; j++) {
    const x = xNew[j];
    if (x <= xs[0]) {
      out[j] = ys[0];
      continue;
    }
    if (x >= xs[n - 1]) {
      out[j] = ys[n - 1];
      continue;
    }
    if (a > 0 && xs[a] > x) a = 0;
    while (a < n - 2 && xs[a + 1] <= x) a++;
    const t = (x - xs[a]) / (xs[a + 1] - xs[a]);
    out[j] = ys[a] + t * (ys[a + 1] - ys[a]);
  }
  return out;
}

/**
 * larch remove_dups: successive values closer than `tiny` are pushed up by
 * multiples of tiny so the array is strictly increasing. Returns the input
 * (copied) when every step exceeds 10·tiny.
 */
export function removeDups(arr: ArrayLike<number>, tiny = 1e-6): Float64Array {
  const work = Float64Array.from(arr);
  const n = work.length;
  if (n <= 1) return work;
  let minStep = Infinity;
  for (let i = 1; i < n; i++) minStep = Math.min(minStep, work[i] - work[i - 1]);
  if (minStep > 10 * tiny) return work;
  const add = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    if (Math.abs(work[i] - work[i - 1]) < tiny) add[i] = add[i - 1] + tiny;
  }
  for (let i = 0; i < n; i++) work[i] += add[i];
  return work;
}

/**
 * Least-squares polynomial of degree `deg` through (x, y) (numpy
 * Polynomial.fit: the abscissa is mapped to [-1, 1] for conditioning).
 * Returns an evaluator.
 */
export function polyfit(x: ArrayLike<number>, y: ArrayLike<number>, deg: number): { eval(v: number): number; coefs: number[] } {
  const n = x.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, x[i]);
    hi = Math.max(hi, x[i]);
  }
  const d = Math.max(0, Math.min(deg, n - 1));
  const off = (lo + hi) / 2;
  const scl = hi > lo ? 2 / (hi - lo) : 1;
  const p = d + 1;
  const ata = new Float64Array(p * p);
  const atb = new Float64Array(p);
  const row = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const u = (x[i] - off) * scl;
    row[0] = 1;
    for (let j = 1; j < p; j++) row[j] = row[j - 1] * u;
    for (let a = 0; a < p; a++) {
      atb[a] += row[a] * y[i];
      for (let b = 0; b < p; b++) ata[a * p + b] += row[a] * row[b];
    }
  }
  const c = solveDense(ata, atb, p);
  // Coefficients in the original variable (power basis, lowest first), for reporting.
  const coefs = new Array(p).fill(0);
  // expand Σ c_j (s(x − off))^j
  for (let j = 0; j < p; j++) {
    // (s x − s off)^j = Σ_i binom(j,i) (s x)^i (−s off)^(j−i)
    for (let i = 0; i <= j; i++) {
      coefs[i] += c[j] * binom(j, i) * Math.pow(scl, i) * Math.pow(-scl * off, j - i);
    }
  }
  return {
    coefs,
    eval(v: number): number {
      const u = (v - off) * scl;
      let s = 0;
      for (let j = p - 1; j >= 0; j--) s = s * u + c[j];
      return s;
    },
  };
}

function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Solve the dense p×p system A x = b (Gaussian elimination, partial pivoting). A and b are not modified. */
export function solveDense(aIn: ArrayLike<number>, bIn: ArrayLike<number>, p: number): Float64Array {
  const a = Float64Array.from(aIn);
  const b = Float64Array.from(bIn);
  for (let col = 0; col < p; col++) {
    let piv = col;
    for (let r = col + 1; r < p; r++) if (Math.abs(a[r * p + col]) > Math.abs(a[piv * p + col])) piv = r;
    if (piv !== col) {
      for (let c = 0; c < p; c++) {
        const t = a[col * p + c];
        a[col * p + c] = a[piv * p + c];
        a[piv * p + c] = t;
      }
      const t = b[col];
      b[col] = b[piv];
      b[piv] = t;
    }
    const d = a[col * p + col];
    if (d === 0) continue;
    for (let r = col + 1; r < p; r++) {
      const f = a[r * p + col] / d;
      if (f === 0) continue;
      for (let c = col; c < p; c++) a[r * p + c] -= f * a[col * p + c];
      b[r] -= f * b[col];
    }
  }
  const x = new Float64Array(p);
  for (let r = p - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < p; c++) s -= a[r * p + c] * x[c];
    const d = a[r * p + r];
    x[r] = d === 0 ? 0 : s / d;
  }
  return x;
}

/** Throw SpecmapError when the two arrays differ in length, hold non-finite values or fewer than `min` points. */
export function checkSpectrum(energies: ArrayLike<number>, values: ArrayLike<number>, what: string, min = 2): void {
  if (energies.length !== values.length) {
    throw new SpecmapError('SHAPE', `${what}: ${energies.length} energies but ${values.length} values`);
  }
  if (energies.length < min) throw new SpecmapError('SHAPE', `${what}: needs at least ${min} points, got ${energies.length}`);
  for (let i = 0; i < energies.length; i++) {
    if (!Number.isFinite(energies[i]) || !Number.isFinite(values[i])) {
      throw new SpecmapError('NAN', `${what}: non-finite value at point ${i} (${energies[i]}, ${values[i]})`);
    }
  }
}

/** Sort a spectrum by energy (returns copies; `order` maps sorted position → input index). */
export function sortSpectrum(energies: ArrayLike<number>, values: ArrayLike<number>): { e: Float64Array; y: Float64Array; order: Int32Array | null } {
  let inc = true;
  for (let i = 1; i < energies.length; i++) if (!(energies[i] >= energies[i - 1])) inc = false;
  if (inc) return { e: Float64Array.from(energies), y: Float64Array.from(values), order: null };
  const order = Int32Array.from({ length: energies.length }, (_, i) => i).sort((a, b) => energies[a] - energies[b] || a - b);
  return { e: Float64Array.from(order, (i) => energies[i]), y: Float64Array.from(order, (i) => values[i]), order };
}
