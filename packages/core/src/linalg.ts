import { SpecmapError } from './errors';
import type { ActiveRows } from './decomposition';

/**
 * Dense linear algebra on typed arrays: column means, the m×m Gram matrix of
 * a (possibly huge) row set, and a symmetric eigensolver. All accumulation is
 * in Float64, whatever the input precision.
 */

/** Rows per block in the streaming kernels (a block of 128 rows × m Float64 stays in cache for m ≲ 300). */
const BLOCK_ROWS = 128;

type KernelsModule = typeof import('@specmap/kernels');
let kernelsModule: KernelsModule | null | undefined;

/** Inputs smaller than this many values stay on the TypeScript path (no worker start-up, Float64 throughout). */
export const KERNELS_MIN_VALUES = 1 << 18;

/**
 * @specmap/kernels (WASM SIMD + worker threads) when it loads, its WASM path
 * is available and the input is a Float32 matrix of at least
 * KERNELS_MIN_VALUES values; otherwise null and the caller runs its pure
 * TypeScript code. The kernels multiply in f32 and sum in f64 (relative
 * differences to the Float64 path ≲ 1e-6); SPECMAP_KERNELS=0 disables them.
 */
export function kernelsFor(src: ActiveRows): KernelsModule | null {
  const streamed = (src as { file?: unknown }).file !== undefined; // out-of-core rows (see pcaStream)
  if (!streamed && (!(src.data instanceof Float32Array) || src.count * src.cols < KERNELS_MIN_VALUES)) return null;
  return loadKernels();
}

/** The @specmap/kernels module when it loads and its WASM path is available, else null. */
export function loadKernels(): KernelsModule | null {
  if (kernelsModule === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const k = require('@specmap/kernels') as KernelsModule;
      kernelsModule = k.available() ? k : null;
    } catch {
      kernelsModule = null;
    }
  }
  return kernelsModule;
}

/**
 * Column means of the active rows (length m), in Float64. Sums are formed per
 * block of rows and then added, which keeps the rounding error small for
 * millions of rows. With `clip`, negative values count as 0.
 */
export function columnMeans(src: ActiveRows, clip = false): Float64Array {
  const { data, cols: m, index, count } = src;
  const fast = kernelsFor(src)?.moments(src, null, clip);
  if (fast) {
    for (let j = 0; j < m; j++) fast.sums[j] /= count;
    return fast.sums;
  }
  const total = new Float64Array(m);
  const part = new Float64Array(m);
  for (let start = 0; start < count; start += BLOCK_ROWS) {
    const end = Math.min(count, start + BLOCK_ROWS);
    part.fill(0);
    for (let r = start; r < end; r++) {
      const base = index[r] * m;
      for (let j = 0; j < m; j++) {
        let v = data[base + j];
        if (clip && v < 0) v = 0;
        part[j] += v;
      }
    }
    for (let j = 0; j < m; j++) total[j] += part[j];
  }
  for (let j = 0; j < m; j++) total[j] /= count;
  return total;
}

/**
 * G = (X − 1·shiftᵀ)ᵀ (X − 1·shiftᵀ) over the active rows: the m×m Gram matrix
 * (full, symmetric, row-major), in one pass over X.
 *
 * Pass `shift = mean` for the scatter matrix of the centred data (divide by
 * n − 1 for the covariance) or `null` for the uncentred XᵀX. Centring is done
 * while reading, per element, so no cancellation occurs (unlike XᵀX − n·μμᵀ).
 * Rows are processed in blocks of 128: each block is copied (as Float64,
 * centred, transposed) into a small buffer, and every entry of the upper
 * triangle gets one contiguous dot product per block (computed in 2×2 tiles).
 * Cost n·m²/2 multiply-adds (300,000 × 123: ≈3 s here). Large Float32 inputs
 * run on @specmap/kernels instead (see kernelsFor): same result up to f32 products.
 */
export function gram(src: ActiveRows, shift: Float64Array | null, clip = false): Float64Array {
  const fast = kernelsFor(src)?.gram(src, shift, clip);
  if (fast) return fast;
  const { data, cols: m, index, count } = src;
  const B = BLOCK_ROWS;
  const buf = new Float64Array(m * B); // buf[j*B + r] = centred value of block row r, column j
  const G = new Float64Array(m * m);
  for (let start = 0; start < count; start += B) {
    const nb = Math.min(B, count - start);
    for (let r = 0; r < nb; r++) {
      const base = index[start + r] * m;
      for (let j = 0; j < m; j++) {
        let v = data[base + j];
        if (clip && v < 0) v = 0;
        if (shift !== null) v -= shift[j];
        buf[j * B + r] = v;
      }
    }
    // Upper triangle in 2×2 tiles: four dot products share each pair of loads (≈2× faster than 1×1).
    for (let i = 0; i < m; i += 2) {
      const i2 = i + 1 < m;
      const oi = i * B;
      const oi2 = oi + B;
      for (let j = i; j < m; j += 2) {
        const oj = j * B;
        if (i2 && j + 1 < m) {
          const oj2 = oj + B;
          let a = 0;
          let b = 0;
          let c = 0;
          let d = 0;
          for (let r = 0; r < nb; r++) {
            const x = buf[oi + r];
            const x2 = buf[oi2 + r];
            const y = buf[oj + r];
            const y2 = buf[oj2 + r];
            a += x * y;
            b += x * y2;
            c += x2 * y;
            d += x2 * y2;
          }
          G[i * m + j] += a;
          G[i * m + j + 1] += b;
          G[(i + 1) * m + j] += c; // lower-triangle entry when j = i: overwritten by the mirror below
          G[(i + 1) * m + j + 1] += d;
        } else {
          // Edge tiles (odd m): plain dot products.
          for (let ii = i; ii < Math.min(i + 2, m); ii++) {
            for (let jj = j; jj < Math.min(j + 2, m); jj++) {
              let s = 0;
              for (let r = 0; r < nb; r++) s += buf[ii * B + r] * buf[jj * B + r];
              G[ii * m + jj] += s;
            }
          }
        }
      }
    }
  }
  for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) G[i * m + j] = G[j * m + i];
  return G;
}

/** Eigen-decomposition of a symmetric matrix. */
export interface SymmetricEigen {
  /** Eigenvalues, in decreasing order (length n). */
  values: Float64Array;
  /** n×n, row-major, **row i** is the unit eigenvector of values[i]. Signs are arbitrary. */
  vectors: Float64Array;
}

/**
 * All eigenvalues and eigenvectors of a real symmetric n×n matrix `a`
 * (row-major; only its values are read, it is not modified).
 *
 * Householder reduction to tridiagonal form followed by the implicit QL
 * algorithm with Wilkinson-type shifts — the EISPACK routines tred2/tql2
 * (Bowdler, Martin, Reinsch & Wilkinson, Num. Math. 1968), as restated in the
 * public-domain JAMA library. Cost ≈ 9n³ flops (n = 300: a few tens of ms).
 * Eigenvalues are accurate to about 1e-15·‖A‖ in absolute terms; the
 * eigenvectors are orthonormal to about 1e-15.
 */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  if (a.length !== n * n) throw new SpecmapError('SHAPE', `symmetricEigen: ${a.length} values for a ${n}×${n} matrix`);
  // V is kept column-oriented like JAMA: V[r][c] = V[r*n + c]; columns become eigenvectors.
  const V = new Float64Array(a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 1) {
    return { values: new Float64Array([a[0]]), vectors: new Float64Array([1]) };
  }
  tred2(V, d, e, n);
  tql2(V, d, e, n);
  // Sort by decreasing eigenvalue; output eigenvectors as rows.
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => d[q] - d[p] || p - q);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    const c = order[r];
    values[r] = d[c];
    for (let i = 0; i < n; i++) vectors[r * n + i] = V[i * n + c];
  }
  return { values, vectors };
}

/**
 * All n eigenvalues (decreasing) and the eigenvectors of the k largest of a
 * real symmetric n×n matrix `a` (row-major, not modified): `vectors` is k×n,
 * row r the unit eigenvector of values[r].
 *
 * The result equals `symmetricEigen(a, n)` truncated to k vectors: the same
 * eigenvalues bit for bit, and the same eigenvectors, signs included, to
 * rounding (≈1e-15), even for repeated eigenvalues. It runs the same
 * arithmetic as tred2/tql2 for the tridiagonal form and its eigenvalues but
 * does not accumulate the n×n transformations (≈ 85 % of the work):
 * tql2's eigenvectors are V = Q·G₁·G₂·…·G_p (Q the product of the Householder
 * reflectors of tred2, G_t the plane rotations of the QL sweeps), so the
 * reflectors and rotations are stored and only the k wanted columns
 * Q·(G₁·(…(G_p·e_c))) are formed, in O(k·(n² + p)). The same product as the
 * full solver, merely associated differently, keeps the sign convention and
 * needs no reorthogonalisation within clusters (unlike inverse iteration).
 * Cost ≈ 4/3·n³ (the reduction) instead of ≈ 9n³; falls back to
 * `symmetricEigen` when k > n/4, where the saving is small.
 */
export function symmetricEigenTop(a: Float64Array, n: number, k: number): SymmetricEigen {
  if (a.length !== n * n) throw new SpecmapError('SHAPE', `symmetricEigenTop: ${a.length} values for a ${n}×${n} matrix`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new SpecmapError('SHAPE', `symmetricEigenTop: k=${k} eigenvectors of a ${n}×${n} matrix`);
  if (n <= 1 || 4 * k > n) {
    const full = symmetricEigen(a, n);
    return { values: full.values, vectors: full.vectors.slice(0, k * n) };
  }
  // tred2 works on the lower triangle, column by column (stride n); on the
  // transpose the same arithmetic runs along contiguous rows.
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) W[j * n + i] = a[i * n + j];
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const h = new Float64Array(n);
  tridiagonalT(W, d, e, h, n);
  const rot = new RotationLog(n);
  tql2(null, d, e, n, rot);
  const order = Array.from({ length: n }, (_, i) => i).sort((p, q) => d[q] - d[p] || p - q);
  const values = new Float64Array(n);
  for (let r = 0; r < n; r++) values[r] = d[order[r]];
  // Z (n×k, interleaved: Z[i*k + r]) = G₁·…·G_p applied to the unit vectors of the k wanted columns, last rotation first.
  const Z = new Float64Array(n * k);
  for (let r = 0; r < k; r++) Z[order[r] * k + r] = 1;
  const { index, cos, sin, count } = rot;
  for (let t = count - 1; t >= 0; t--) {
    const c = cos[t];
    const s = sin[t];
    const o = index[t] * k;
    for (let r = 0; r < k; r++) {
      const x = Z[o + r];
      const y = Z[o + k + r];
      Z[o + r] = c * x + s * y;
      Z[o + k + r] = c * y - s * x;
    }
  }
  // Back-transformation Q·z = P_{n−1}(…(P₁·z)), P_i = I − u uᵀ/h_i with u = W[i, 0..i−1] (as tred2 accumulates Q).
  const vectors = new Float64Array(k * n);
  for (let r = 0; r < k; r++) {
    const z = vectors.subarray(r * n, (r + 1) * n);
    for (let i = 0; i < n; i++) z[i] = Z[i * k + r];
    for (let i = 1; i < n; i++) {
      const hi = h[i];
      if (hi === 0) continue;
      const u = i * n;
      let g = 0;
      for (let t = 0; t < i; t++) g += W[u + t] * z[t];
      for (let t = 0; t < i; t++) z[t] -= g * (W[u + t] / hi);
    }
  }
  return { values, vectors };
}

/**
 * Eigen-decomposition of many small symmetric K×K matrices (LLE's local Gram
 * matrices) without allocating per call: the same arithmetic as
 * `symmetricEigen` (EISPACK tred2 + tql2, eigenvalues
 * decreasing, ties by position), so the results are bit-identical to it, on
 * buffers reused from call to call.
 */
export class SmallEigen {
  readonly n: number;
  /** After `solve`: eigenvalues, decreasing. */
  readonly values: Float64Array;
  /** After `solve`: row r (length n) is the unit eigenvector of values[r]. */
  readonly vectors: Float64Array;
  private readonly V: Float64Array;
  private readonly d: Float64Array;
  private readonly e: Float64Array;
  private readonly order: Int32Array;

  constructor(n: number) {
    this.n = n;
    this.values = new Float64Array(n);
    this.vectors = new Float64Array(n * n);
    this.V = new Float64Array(n * n);
    this.d = new Float64Array(n);
    this.e = new Float64Array(n);
    this.order = new Int32Array(n);
  }

  /** Decompose the symmetric row-major n×n matrix `a` (not modified). */
  solve(a: Float64Array): void {
    const { n, V, d, e, order, values, vectors } = this;
    if (n === 1) {
      values[0] = a[0];
      vectors[0] = 1;
      return;
    }
    V.set(a.subarray(0, n * n));
    d.fill(0);
    e.fill(0);
    tred2(V, d, e, n);
    tql2(V, d, e, n);
    // decreasing eigenvalue, ties by position (insertion sort: stable, as Array.prototype.sort)
    for (let i = 0; i < n; i++) {
      let p = i;
      while (p > 0 && d[order[p - 1]] < d[i]) {
        order[p] = order[p - 1];
        p--;
      }
      order[p] = i;
    }
    for (let r = 0; r < n; r++) {
      const c = order[r];
      values[r] = d[c];
      for (let i = 0; i < n; i++) vectors[r * n + i] = V[i * n + c];
    }
  }
}

/** Householder tridiagonalisation (EISPACK tred2): on exit d = diagonal, e = sub-diagonal (e[0] = 0), V = transformation. */
function tred2(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
        V[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j * n + i] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k * n + j] * d[k];
          e[k] += V[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(i - 1) * n + j];
        V[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j];
    V[(n - 1) * n + j] = 0;
  }
  V[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/**
 * The reduction half of tred2 on the transposed matrix W = Aᵀ (so the loops
 * that tred2 runs down columns run along rows), without accumulating Q. The
 * arithmetic is tred2's, operation for operation, so d and e come out
 * bit-identical to it. On exit d = diagonal, e = sub-diagonal (e[0] = 0),
 * h[i] (i ≥ 1) = the i-th reflector's h with u = W[i, 0..i−1] (h = 0: none).
 */
function tridiagonalT(W: Float64Array, d: Float64Array, e: Float64Array, hs: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = W[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = W[j * n + i - 1];
        W[j * n + i] = 0;
        W[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      // e = A·u (A's leading block, read from W's upper triangle), two rows at a time; every sum keeps tred2's order.
      let j = 0;
      for (; j + 1 < i; j += 2) {
        const row = j * n;
        const row2 = row + n;
        const f1 = d[j];
        const f2 = d[j + 1];
        W[i * n + j] = f1;
        W[i * n + j + 1] = f2;
        let g1 = e[j] + W[row + j] * f1;
        const w = W[row + j + 1];
        g1 += w * f2;
        e[j + 1] += w * f1;
        let g2 = e[j + 1] + W[row2 + j + 1] * f2;
        for (let k = j + 2; k <= i - 1; k++) {
          const w1 = W[row + k];
          const w2 = W[row2 + k];
          const dk = d[k];
          g1 += w1 * dk;
          g2 += w2 * dk;
          const ek = e[k] + w1 * f1;
          e[k] = ek + w2 * f2;
        }
        e[j] = g1;
        e[j + 1] = g2;
      }
      for (; j < i; j++) {
        const row = j * n;
        f = d[j];
        W[i * n + j] = f;
        g = e[j] + W[row + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const w = W[row + k];
          g += w * d[k];
          e[k] += w * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      // Rank-2 update, two rows at a time (shared loads of e, d; each entry's arithmetic unchanged).
      for (j = 0; j + 1 < i; j += 2) {
        const row = j * n;
        const row2 = row + n;
        const f1 = d[j];
        const g1 = e[j];
        const f2 = d[j + 1];
        const g2 = e[j + 1];
        W[row + j] -= f1 * e[j] + g1 * d[j];
        for (let k = j + 1; k <= i - 1; k++) {
          const ek = e[k];
          const dk = d[k];
          W[row + k] -= f1 * ek + g1 * dk;
          W[row2 + k] -= f2 * ek + g2 * dk;
        }
        d[j] = W[row + i - 1];
        W[row + i] = 0;
        d[j + 1] = W[row2 + i - 1];
        W[row2 + i] = 0;
      }
      for (; j < i; j++) {
        const row = j * n;
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) W[row + k] -= f * e[k] + g * d[k];
        d[j] = W[row + i - 1];
        W[row + i] = 0;
      }
    }
    d[i] = h;
  }
  hs.set(d);
  hs[0] = 0;
  for (let i = 0; i < n; i++) d[i] = W[i * n + i];
  e[0] = 0;
}

/**
 * The plane rotations of tql2's QL sweeps, in the order applied (lower index i, c, s:
 * columns i, i+1 of V ← [c·V_i − s·V_{i+1}, s·V_i + c·V_{i+1}]), for symmetricEigenTop,
 * which applies them to k columns only instead of the n×n V.
 */
class RotationLog {
  index: Int32Array;
  cos: Float64Array;
  sin: Float64Array;
  count = 0;

  constructor(n: number) {
    // typically ≈ 1–2 sweeps per eigenvalue, ~n² rotations in all; grows by doubling
    this.index = new Int32Array(4 * n);
    this.cos = new Float64Array(4 * n);
    this.sin = new Float64Array(4 * n);
  }

  push(i: number, c: number, s: number): void {
    if (this.count === this.index.length) {
      const cap = 2 * this.count;
      const grow = <T extends Int32Array | Float64Array>(a: T, b: T): T => (b.set(a), b);
      this.index = grow(this.index, new Int32Array(cap));
      this.cos = grow(this.cos, new Float64Array(cap));
      this.sin = grow(this.sin, new Float64Array(cap));
    }
    this.index[this.count] = i;
    this.cos[this.count] = c;
    this.sin[this.count] = s;
    this.count++;
  }
}

/**
 * Implicit QL on the tridiagonal matrix (EISPACK tql2): on exit d = eigenvalues, columns of
 * V = eigenvectors. With V = null the eigenvalue arithmetic is the same (the same bits in d)
 * and each rotation goes to `log` instead of being applied to V.
 */
function tql2(V: Float64Array | null, d: Float64Array, e: Float64Array, n: number, log: RotationLog | null = null): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Math.pow(2, -52);
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 100) throw new SpecmapError('EIGEN', `symmetric eigensolver did not converge (eigenvalue ${l} of ${n})`);
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (!V) {
            log?.push(i, c, s);
            continue;
          }
          for (let k = 0; k < n; k++) {
            const row = k * n;
            h = V[row + i + 1];
            V[row + i + 1] = s * V[row + i] + c * h;
            V[row + i] = c * V[row + i] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}
