/**
 * Pure-TypeScript Float64 versions of the kernel operations (same semantics,
 * every product and sum in Float64). Used when WebAssembly is unavailable and
 * as the reference of the tests. In-memory sources only.
 */
import type { HalsPass, MuPass, RowSource } from './ops';

function rowsOf(src: RowSource): { data: Float32Array | Float64Array; m: number; n: number; row: (r: number) => number } {
  if (!src.data) throw new Error('reference kernels need an in-memory source');
  const data = src.data;
  const m = src.cols;
  const index = src.index;
  const rows = src.rows ?? data.length / m;
  const identity = !index || src.count === rows;
  return { data, m, n: src.count, row: identity ? (r) => r * m : (r) => index![r] * m };
}

function value(data: ArrayLike<number>, i: number, clip: boolean, shift: Float64Array | null, j: number): number {
  let v = data[i];
  if (clip && v < 0) v = 0;
  if (shift) v -= shift[j];
  return v;
}

export function moments(src: RowSource, shift: Float64Array | null = null, clip = false): { sums: Float64Array; sumsSq: Float64Array } {
  const { data, m, n, row } = rowsOf(src);
  const sums = new Float64Array(m);
  const sumsSq = new Float64Array(m);
  for (let r = 0; r < n; r++) {
    const b = row(r);
    for (let j = 0; j < m; j++) {
      const v = value(data, b + j, clip, shift, j);
      sums[j] += v;
      sumsSq[j] += v * v;
    }
  }
  return { sums, sumsSq };
}

export function gram(src: RowSource, shift: Float64Array | null = null, clip = false): Float64Array {
  const { data, m, n, row } = rowsOf(src);
  const G = new Float64Array(m * m);
  const x = new Float64Array(m);
  for (let r = 0; r < n; r++) {
    const b = row(r);
    for (let j = 0; j < m; j++) x[j] = value(data, b + j, clip, shift, j);
    for (let i = 0; i < m; i++) {
      const xi = x[i];
      for (let j = i; j < m; j++) G[i * m + j] += xi * x[j];
    }
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) G[i * m + j] = G[j * m + i];
  return G;
}

export function project(src: RowSource, shift: Float64Array | null, V: ArrayLike<number>, k: number, clip = false): Float64Array {
  const { data, m, n, row } = rowsOf(src);
  const P = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    const b = row(r);
    for (let t = 0; t < k; t++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += value(data, b + j, clip, shift, j) * V[t * m + j];
      P[r * k + t] = s;
    }
  }
  return P;
}

export function normalProduct(src: RowSource, shift: Float64Array | null, Y: ArrayLike<number>, l: number): { Z: Float64Array; ss: number } {
  const { data, m, n, row } = rowsOf(src);
  const Z = new Float64Array(l * m);
  const x = new Float64Array(m);
  let ss = 0;
  for (let r = 0; r < n; r++) {
    const b = row(r);
    for (let j = 0; j < m; j++) {
      x[j] = value(data, b + j, false, shift, j);
      ss += x[j] * x[j];
    }
    for (let t = 0; t < l; t++) {
      let p = 0;
      for (let j = 0; j < m; j++) p += x[j] * Y[t * m + j];
      for (let j = 0; j < m; j++) Z[t * m + j] += p * x[j];
    }
  }
  return { Z, ss };
}

export function kmeansAssign(
  src: RowSource,
  shift: Float64Array | null,
  centres: ArrayLike<number>,
  k: number,
  labels: Int32Array,
  dist: Float64Array,
  sums: Float64Array | null = null,
  counts: Float64Array | null = null,
): boolean {
  const { data, m, n, row } = rowsOf(src);
  if (sums) sums.fill(0);
  if (counts) counts.fill(0);
  for (let r = 0; r < n; r++) {
    const b = row(r);
    let best = 0;
    let bestD = Infinity;
    for (let t = 0; t < k; t++) {
      let s = 0;
      for (let j = 0; j < m; j++) {
        const d = value(data, b + j, false, shift, j) - centres[t * m + j];
        s += d * d;
      }
      if (s < bestD) {
        bestD = s;
        best = t;
      }
    }
    labels[r] = best;
    dist[r] = bestD;
    if (sums && counts) {
      counts[best] += 1;
      for (let j = 0; j < m; j++) sums[best * m + j] += value(data, b + j, false, shift, j);
    }
  }
  return true;
}

/** One fused HALS pass on W (count×k, updated in place); see HalsSession. */
export function halsPass(src: RowSource, W: Float64Array, k: number, clip: boolean, H: ArrayLike<number>, hh: ArrayLike<number>, l1W = 0): HalsPass {
  const { data, m, n, row } = rowsOf(src);
  const WtX = new Float64Array(k * m);
  const WtW = new Float64Array(k * k);
  const x = new Float64Array(m);
  const xh = new Float64Array(k);
  let violation = 0;
  for (let r = 0; r < n; r++) {
    const b = row(r);
    for (let j = 0; j < m; j++) x[j] = value(data, b + j, clip, null, j);
    for (let t = 0; t < k; t++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += x[j] * H[t * m + j];
      xh[t] = s;
    }
    const wo = r * k;
    for (let t = 0; t < k; t++) {
      let grad = -(xh[t] - l1W);
      for (let s = 0; s < k; s++) grad += hh[t * k + s] * W[wo + s];
      const w = W[wo + t];
      violation += Math.abs(w === 0 ? Math.min(0, grad) : grad);
      const hess = hh[t * k + t];
      if (hess !== 0) {
        const nw = w - grad / hess;
        W[wo + t] = nw > 0 ? nw : 0;
      }
    }
    for (let t = 0; t < k; t++) {
      const w = W[wo + t];
      for (let s = 0; s < k; s++) WtW[t * k + s] += w * W[wo + s];
      for (let j = 0; j < m; j++) WtX[t * m + j] += w * x[j];
    }
  }
  return { WtX, WtW, violation };
}

export function distances(src: RowSource, shift: Float64Array | null, centres: ArrayLike<number>, k: number, out: Float64Array): boolean {
  const { data, m, n, row } = rowsOf(src);
  for (let r = 0; r < n; r++) {
    const b = row(r);
    for (let t = 0; t < k; t++) {
      let s = 0;
      for (let j = 0; j < m; j++) {
        const d = value(data, b + j, false, shift, j) - centres[t * m + j];
        s += d * d;
      }
      out[r * k + t] = s;
    }
  }
  return true;
}

/** WᵀX (k×m) and WᵀW (k×k) for a given W (count×k), `clip`: negatives of X read as 0 (see ops.rowWeightedSum). */
export function rowWeightedSum(src: RowSource, W: ArrayLike<number>, k: number, clip = false): { WtX: Float64Array; WtW: Float64Array } {
  const { data, m, n, row } = rowsOf(src);
  const WtX = new Float64Array(k * m);
  const WtW = new Float64Array(k * k);
  for (let r = 0; r < n; r++) {
    const b = row(r);
    for (let t = 0; t < k; t++) {
      const w = W[r * k + t];
      if (w === 0) continue;
      for (let j = 0; j < m; j++) WtX[t * m + j] += w * value(data, b + j, clip, null, j);
      for (let u = 0; u < k; u++) WtW[t * k + u] += w * W[r * k + u];
    }
  }
  return { WtX, WtW };
}

/** ‖X − W·H‖²_F over the active rows (see ops.residualSumSq). */
export function residualSumSq(src: RowSource, W: ArrayLike<number>, H: ArrayLike<number>, k: number, clip = false): number {
  const { data, m, n, row } = rowsOf(src);
  let total = 0;
  for (let r = 0; r < n; r++) {
    const b = row(r);
    let rowSum = 0;
    for (let j = 0; j < m; j++) {
      let v = value(data, b + j, clip, null, j);
      for (let t = 0; t < k; t++) v -= W[r * k + t] * H[t * m + j];
      rowSum += v * v;
    }
    total += rowSum;
  }
  return total;
}

/** One multiplicative-update pass (see ops.MuSession): updates W in place. */
export function muPass(src: RowSource, W: Float64Array, k: number, clip: boolean, H: ArrayLike<number>, G: ArrayLike<number>, l1 = 0, l2 = 0): MuPass {
  const { data, m, n, row } = rowsOf(src);
  const WtX = new Float64Array(k * m);
  const WtW = new Float64Array(k * k);
  const xh = new Float64Array(k);
  const d = new Float64Array(k);
  let crossChange = 0;
  for (let r = 0; r < n; r++) {
    const b = row(r);
    const wo = r * k;
    for (let t = 0; t < k; t++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += value(data, b + j, clip, null, j) * H[t * m + j];
      xh[t] = s;
      let g = 0;
      for (let q = 0; q < k; q++) g += W[wo + q] * G[q * k + t];
      d[t] = g;
    }
    for (let t = 0; t < k; t++) {
      let den = d[t];
      if (l1 > 0) den += l1;
      const old = W[wo + t];
      if (l2 > 0) den += l2 * old;
      const w = Math.fround(old * (xh[t] / (den === 0 ? 1.1920928955078125e-7 : den)));
      W[wo + t] = w;
      crossChange += (w - old) * xh[t];
    }
    for (let t = 0; t < k; t++) {
      const w = W[wo + t];
      if (w === 0) continue;
      for (let j = 0; j < m; j++) WtX[t * m + j] += w * value(data, b + j, clip, null, j);
      for (let q = 0; q < k; q++) WtW[t * k + q] += w * W[wo + q];
    }
  }
  return { WtX, WtW, crossChange };
}
