/**
 * Sparse direct factorisation of LLE's M for the shift-invert eigensolver:
 * reverse Cuthill–McKee ordering, then a Cholesky factor stored by its
 * envelope (profile / skyline storage: row i of L holds columns
 * first[i] … i contiguously).
 *
 * The kNN graphs of spectral maps are low-dimensional (a reaction path is
 * one-dimensional up to noise), so after RCM the envelope is small: on a
 * 65,536-spectrum path map, 8·10⁶ entries of L (64 MB) and 8·10⁸ flops;
 * on a two-parameter 128×128 map, 3.6·10⁶ entries. `envelopeSize` gives the
 * size and cost before anything is allocated, so the caller can choose
 * another solver when they are too large.
 */
import { SpecmapError } from '@specmap/core';
import type { Csr } from './sparse';

/** Number of off-diagonal entries of row i of a symmetric CSR matrix. */
function degreeOf(A: Csr, i: number): number {
  let d = 0;
  for (let p = A.rowPtr[i]; p < A.rowPtr[i + 1]; p++) if (A.col[p] !== i) d++;
  return d;
}

/**
 * Breadth-first level structure from `root` over the unvisited (`mark[v] !== stamp`) vertices of
 * one connected component: fills `order` from `at`, returns the number of vertices reached and the
 * depth (number of levels). Vertices are marked with `stamp`.
 */
function bfs(A: Csr, root: number, mark: Int32Array, stamp: number, order: Int32Array, at: number): { count: number; depth: number; lastLevel: number } {
  order[at] = root;
  mark[root] = stamp;
  let tail = at + 1;
  let levelStart = at;
  let levelEnd = tail;
  let depth = 0;
  for (;;) {
    depth++;
    for (let q = levelStart; q < levelEnd; q++) {
      const v = order[q];
      for (let p = A.rowPtr[v]; p < A.rowPtr[v + 1]; p++) {
        const w = A.col[p];
        if (mark[w] !== stamp) {
          mark[w] = stamp;
          order[tail++] = w;
        }
      }
    }
    if (tail === levelEnd) break;
    levelStart = levelEnd;
    levelEnd = tail;
  }
  return { count: tail - at, depth, lastLevel: levelStart };
}

/**
 * Reverse Cuthill–McKee ordering of the symmetric pattern of A: each connected component in turn
 * (by smallest vertex), started from a pseudo-peripheral vertex (George & Liu: repeated BFS from a
 * minimum-degree vertex of the last level while the depth grows), neighbours enqueued by
 * increasing degree (ties by index). Returns perm with perm[new] = old. Deterministic.
 */
export function reverseCuthillMcKee(A: Csr): Int32Array {
  const n = A.n;
  const degree = new Int32Array(n);
  for (let i = 0; i < n; i++) degree[i] = degreeOf(A, i);
  const order = new Int32Array(n);
  const scratch = new Int32Array(n);
  const done = new Uint8Array(n);
  const mark = new Int32Array(n).fill(-1);
  let stamp = 0;
  let filled = 0;
  const nbr: number[] = [];
  for (let s = 0; s < n; s++) {
    if (done[s]) continue;
    // component of s: a minimum-degree start vertex
    stamp++;
    let info = bfs(A, s, mark, stamp, scratch, 0);
    let root = s;
    for (let q = 0; q < info.count; q++) {
      const v = scratch[q];
      if (degree[v] < degree[root] || (degree[v] === degree[root] && v < root)) root = v;
    }
    // pseudo-peripheral vertex
    let depth = -1;
    for (let round = 0; round < 8; round++) {
      stamp++;
      info = bfs(A, root, mark, stamp, scratch, 0);
      if (info.depth <= depth) break;
      depth = info.depth;
      let best = -1;
      for (let q = info.lastLevel; q < info.count; q++) {
        const v = scratch[q];
        if (best < 0 || degree[v] < degree[best] || (degree[v] === degree[best] && v < best)) best = v;
      }
      if (best === root) break;
      root = best;
    }
    // Cuthill–McKee from root
    let head = filled;
    order[filled++] = root;
    done[root] = 1;
    while (head < filled) {
      const v = order[head++];
      nbr.length = 0;
      for (let p = A.rowPtr[v]; p < A.rowPtr[v + 1]; p++) {
        const w = A.col[p];
        if (!done[w]) {
          done[w] = 1;
          nbr.push(w);
        }
      }
      nbr.sort((a, b) => degree[a] - degree[b] || a - b);
      for (const w of nbr) order[filled++] = w;
    }
  }
  if (filled !== n) throw new SpecmapError('EIGEN', `RCM ordering visited ${filled} of ${n} vertices`);
  order.reverse();
  return order;
}

/** first[i] (in the new order) = the smallest new column index of row i's pattern (≤ i). */
function envelopeFirst(A: Csr, perm: Int32Array, inv: Int32Array): Int32Array {
  const n = A.n;
  const first = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = perm[i];
    let f = i;
    for (let p = A.rowPtr[r]; p < A.rowPtr[r + 1]; p++) {
      const j = inv[A.col[p]];
      if (j < f) f = j;
    }
    first[i] = f;
  }
  return first;
}

/** Entries of L's envelope and the multiply-adds of its factorisation under the ordering `perm`. */
export function envelopeSize(A: Csr, perm: Int32Array): { entries: number; flops: number; maxWidth: number } {
  const n = A.n;
  const inv = new Int32Array(n);
  for (let i = 0; i < n; i++) inv[perm[i]] = i;
  const first = envelopeFirst(A, perm, inv);
  let entries = 0;
  let flops = 0;
  let maxWidth = 0;
  for (let i = 0; i < n; i++) {
    const w = i - first[i];
    entries += w + 1;
    flops += (w * (w + 1)) / 2;
    if (w > maxWidth) maxWidth = w;
  }
  return { entries, flops, maxWidth };
}

/** A Cholesky factor L (P·(A + σI)·Pᵀ = L·Lᵀ) in envelope storage. */
export interface EnvelopeCholesky {
  n: number;
  /** perm[new] = old. */
  perm: Int32Array;
  /** Column of the first stored entry of each row (new order). */
  first: Int32Array;
  /** Offset of row i's first stored entry in `val`, minus first[i]: L[i][k] = val[base[i] + k]. */
  base: Float64Array;
  val: Float64Array;
  /** The shift σ that made the factorisation succeed. */
  shift: number;
}

/**
 * Factor A + σI (A symmetric, CSR with both triangles) in the ordering `perm` by the row-oriented
 * (bordering) Cholesky algorithm on the envelope: every inner product runs over two contiguous row
 * segments. Returns null on a non-positive pivot (A + σI not numerically positive definite).
 */
export function envelopeCholesky(A: Csr, perm: Int32Array, shift: number): EnvelopeCholesky | null {
  const n = A.n;
  const inv = new Int32Array(n);
  for (let i = 0; i < n; i++) inv[perm[i]] = i;
  const first = envelopeFirst(A, perm, inv);
  const base = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    base[i] = total - first[i];
    total += i - first[i] + 1;
  }
  const val = new Float64Array(total);
  for (let i = 0; i < n; i++) {
    const r = perm[i];
    const b = base[i];
    for (let p = A.rowPtr[r]; p < A.rowPtr[r + 1]; p++) {
      const j = inv[A.col[p]];
      if (j <= i) val[b + j] += A.val[p];
    }
    val[b + i] += shift;
  }
  for (let i = 0; i < n; i++) {
    const fi = first[i];
    const bi = base[i];
    let j = fi;
    // two entries of row i at a time: L[i][j] and L[i][j+1] share the loads of row i
    for (; j + 1 < i; j += 2) {
      const bj = base[j];
      const bj1 = base[j + 1];
      const ka = fi > first[j] ? fi : first[j];
      const kb = fi > first[j + 1] ? fi : first[j + 1];
      const kc = Math.min(ka > kb ? ka : kb, j); // joint range [kc, j); kb may exceed j (row j+1 starts at j+1)
      let sa0 = 0;
      let sa1 = 0;
      let sb0 = 0;
      let sb1 = 0;
      for (let k = ka; k < kc; k++) sa0 += val[bi + k] * val[bj + k];
      for (let k = kb; k < kc; k++) sb0 += val[bi + k] * val[bj1 + k];
      let k = kc;
      for (; k + 1 < j; k += 2) {
        const l0 = val[bi + k];
        const l1 = val[bi + k + 1];
        sa0 += l0 * val[bj + k];
        sb0 += l0 * val[bj1 + k];
        sa1 += l1 * val[bj + k + 1];
        sb1 += l1 * val[bj1 + k + 1];
      }
      if (k < j) {
        const l0 = val[bi + k];
        sa0 += l0 * val[bj + k];
        sb0 += l0 * val[bj1 + k];
      }
      const lij = (val[bi + j] - (sa0 + sa1)) / val[bj + j];
      val[bi + j] = lij;
      let sb = sb0 + sb1;
      if (kb <= j) sb += lij * val[bj1 + j];
      val[bi + j + 1] = (val[bi + j + 1] - sb) / val[bj1 + j + 1];
    }
    for (; j < i; j++) {
      const fj = first[j];
      const bj = base[j];
      const k0 = fi > fj ? fi : fj;
      let s0 = 0;
      let s1 = 0;
      let k = k0;
      for (; k + 1 < j; k += 2) {
        s0 += val[bi + k] * val[bj + k];
        s1 += val[bi + k + 1] * val[bj + k + 1];
      }
      if (k < j) s0 += val[bi + k] * val[bj + k];
      val[bi + j] = (val[bi + j] - (s0 + s1)) / val[bj + j];
    }
    let s0 = 0;
    let s1 = 0;
    let k = fi;
    for (; k + 1 < i; k += 2) {
      s0 += val[bi + k] * val[bi + k];
      s1 += val[bi + k + 1] * val[bi + k + 1];
    }
    if (k < i) s0 += val[bi + k] * val[bi + k];
    const d = val[bi + i] - (s0 + s1);
    if (!(d > 0)) return null;
    val[bi + i] = Math.sqrt(d);
  }
  return { n, perm, first, base, val, shift };
}

/**
 * Solve (A + σI)·X = B in place for the right-hand sides `cols` (each length n, original order):
 * permuted copies, forward and backward substitution with L on up to 4 columns at a time (one
 * pass over L per group and direction, contiguous inner loops), permuted back.
 */
export function envelopeSolve(F: EnvelopeCholesky, cols: Float64Array[]): void {
  const { n, perm } = F;
  for (let c0 = 0; c0 < cols.length; c0 += 4) {
    const group = cols.slice(c0, c0 + 4);
    const ys = group.map((v) => {
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = v[perm[i]];
      return y;
    });
    while (ys.length < 4) ys.push(new Float64Array(n)); // padding: zero columns, discarded
    solveGroup(F, ys[0], ys[1], ys[2], ys[3], group.length);
    group.forEach((v, c) => {
      const y = ys[c];
      for (let i = 0; i < n; i++) v[perm[i]] = y[i];
    });
  }
}

/** L·Lᵀ·y = rhs in place on 4 permuted columns (`used` of them distinct). */
function solveGroup(F: EnvelopeCholesky, y0: Float64Array, y1: Float64Array, y2: Float64Array, y3: Float64Array, used: number): void {
  const { n, first, base, val } = F;
  if (used === 1) {
    for (let i = 0; i < n; i++) {
      const bi = base[i];
      let s0 = 0;
      for (let k = first[i]; k < i; k++) s0 += val[bi + k] * y0[k];
      y0[i] = (y0[i] - s0) / val[bi + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      const bi = base[i];
      const x0 = (y0[i] /= val[bi + i]);
      for (let k = first[i]; k < i; k++) y0[k] -= val[bi + k] * x0;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const bi = base[i];
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let k = first[i]; k < i; k++) {
      const l = val[bi + k];
      s0 += l * y0[k];
      s1 += l * y1[k];
      s2 += l * y2[k];
      s3 += l * y3[k];
    }
    const d = val[bi + i];
    y0[i] = (y0[i] - s0) / d;
    y1[i] = (y1[i] - s1) / d;
    y2[i] = (y2[i] - s2) / d;
    y3[i] = (y3[i] - s3) / d;
  }
  for (let i = n - 1; i >= 0; i--) {
    const bi = base[i];
    const d = val[bi + i];
    const x0 = (y0[i] /= d);
    const x1 = (y1[i] /= d);
    const x2 = (y2[i] /= d);
    const x3 = (y3[i] /= d);
    for (let k = first[i]; k < i; k++) {
      const l = val[bi + k];
      y0[k] -= l * x0;
      y1[k] -= l * x1;
      y2[k] -= l * x2;
      y3[k] -= l * x3;
    }
  }
}
