import { SpecmapError, pca, Rng } from '@specmap/core';

/** A dense row-major matrix of spectra (rows = spectra). Float32 cubes stay Float32. */
export type Rows = Float32Array | Float64Array;

/**
 * K nearest neighbours of every row, excluding the row itself.
 * `index[i*K + j]` is the j-th nearest neighbour of row i (nearest first),
 * `dist2[i*K + j]` its squared Euclidean distance.
 */
export interface Neighbors {
  n: number;
  K: number;
  index: Int32Array;
  dist2: Float64Array;
  /** 'exact' (blocked brute force) or 'approximate' (random-projection forest + neighbour-of-neighbour refinement). */
  algorithm: 'exact' | 'approximate';
  /** Parameters of the approximate search (trees, leaf size, PCA dimensions), absent for 'exact'. */
  details?: Record<string, unknown>;
}

export interface KnnOptions {
  /**
   * 'exact': blocked search pruned by PCA lower bounds (`prunedKnn`, brute force below 2,048 rows);
   * 'approximate': random-projection forest (`approximateKnn`); 'auto' (default): exact, but above
   * `exactLimit` rows only while the pruned search stays within `maxPairs` distance evaluations —
   * beyond that budget the approximate search is used (said in `details`).
   */
  algorithm?: 'auto' | 'exact' | 'approximate';
  /** Largest n searched exactly without a budget under 'auto'. __Default:__ 6000. */
  exactLimit?: number;
  /** 'auto' above `exactLimit`: budget of pair distances of the pruned exact search. __Default:__ 4·10¹⁰ / m (≈ 10–20 s of one core). */
  maxPairs?: number;
  /** Precomputed scores of the rows on p orthonormal directions (n×p, e.g. PCA scores) for the pruned search and the trees. */
  scores?: { data: ArrayLike<number>; p: number };
  /** Approximate: number of random-projection trees. __Default:__ 3. */
  trees?: number;
  /** Approximate: largest leaf of the trees (all pairs inside a leaf are compared). __Default:__ 256. */
  leafSize?: number;
  /** Approximate: one extra pass over the neighbours of the neighbours. __Default:__ false. */
  refine?: boolean;
  /** Approximate: PCA dimensions the trees split on. __Default:__ min(12, m). */
  pcaDimensions?: number;
  /** Approximate: seed of the random projections. __Default:__ 0. */
  seed?: number;
}

const BLOCK = 64;

type KernelsModule = typeof import('@specmap/kernels');
let kernelsModule: KernelsModule | null | undefined;

/** @specmap/kernels when its WASM SIMD path runs here (not with SPECMAP_KERNELS=0), else null. */
function kernels(): KernelsModule | null {
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

/** Searches with fewer than this many n²·m multiply-adds stay on the TypeScript path. */
const KERNEL_MIN_WORK = 1e8;

/**
 * The rows as Float32 in the kernels' shared memory (every worker reads them in place), or null
 * when the kernels are unavailable. Release with `release()`.
 */
function sharedRows(x: Rows, n: number, m: number): { data: Float32Array; k: KernelsModule; release: () => void } | null {
  const k = kernels();
  if (!k) return null;
  const data = k.allocateCube(n * m);
  if (!k.inKernelMemory(data)) return null;
  if (x instanceof Float32Array) data.set(x.subarray(0, n * m));
  else for (let i = 0; i < n * m; i++) data[i] = x[i];
  return { data, k, release: () => k.freeCube(data) };
}

/** As `sharedRows`, with row r of the copy = row perm[r] of x. */
function sharedRowsPermuted(x: Rows, n: number, m: number, perm: Int32Array): { data: Float32Array; k: KernelsModule; release: () => void } | null {
  const k = kernels();
  if (!k) return null;
  const data = k.allocateCube(n * m);
  if (!k.inKernelMemory(data)) return null;
  for (let r = 0; r < n; r++) {
    const i = perm[r];
    if (x instanceof Float32Array) data.set(x.subarray(i * m, i * m + m), r * m);
    else for (let e = 0; e < m; e++) data[r * m + e] = x[i * m + e];
  }
  return { data, k, release: () => k.freeCube(data) };
}

/** Squared Euclidean distance of rows a and b, in Float64 from the differences. */
function exactDist(x: Rows, m: number, a: number, b: number): number {
  const ba = a * m;
  const bb = b * m;
  let s0 = 0;
  let s1 = 0;
  let e = 0;
  for (; e + 1 < m; e += 2) {
    const t0 = x[ba + e] - x[bb + e];
    const t1 = x[ba + e + 1] - x[bb + e + 1];
    s0 += t0 * t0;
    s1 += t1 * t1;
  }
  if (e < m) {
    const t = x[ba + e] - x[bb + e];
    s0 += t * t;
  }
  return s0 + s1;
}

/** Insert (d, j) unless j is already in the list (pairs met twice, e.g. in two trees). */
function insertUnique(index: Int32Array, dist2: Float64Array, base: number, K: number, d: number, j: number): void {
  const p = base + K - 1;
  if (d > dist2[p] || (d === dist2[p] && j >= index[p])) return;
  for (let q = base; q <= p; q++) if (index[q] === j) return;
  insert(index, dist2, base, K, d, j);
}

/**
 * Final lists from candidate lists of length Kc ≥ K found with Float32 distances: each candidate's
 * distance recomputed in Float64 from the differences, sorted (ties by smaller index), first K kept.
 * The margin Kc − K absorbs the Float32 rounding, so the result is the Float64 ranking.
 */
function refineLists(x: Rows, n: number, m: number, K: number, Kc: number, cIndex: Int32Array): { index: Int32Array; dist2: Float64Array } {
  const index = new Int32Array(n * K).fill(-1);
  const dist2 = new Float64Array(n * K).fill(Infinity);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < Kc; a++) {
      const j = cIndex[i * Kc + a];
      if (j < 0) continue;
      insert(index, dist2, i * K, K, exactDist(x, m, i, j), j);
    }
  }
  return { index, dist2 };
}

/**
 * Exact kNN on the WASM SIMD kernels: squared distances of blocks of 256 rows to every later row
 * (`distances`: Float32 differences, 4 lanes, on all threads; each pair once), the K + 4 best kept per row, then
 * re-ranked in Float64 (`refineLists`). Null when the kernels are unavailable.
 */
function exactKnnKernels(x: Rows, n: number, m: number, K: number): { index: Int32Array; dist2: Float64Array } | null {
  const sh = sharedRows(x, n, m);
  if (!sh) return null;
  try {
    const Kc = Math.min(n - 1, K + 4);
    const cIndex = new Int32Array(n * Kc).fill(-1);
    const cDist = new Float64Array(n * Kc).fill(Infinity);
    const B = 256;
    const out = new Float64Array(n * B);
    // each pair once: the centres j0…j0+nb−1 against the rows i ≥ j0 (a suffix of the shared rows)
    for (let j0 = 0; j0 < n; j0 += B) {
      const nb = Math.min(B, n - j0);
      const centres = sh.data.subarray(j0 * m, (j0 + nb) * m);
      const rows = n - j0;
      const src = { data: sh.data.subarray(j0 * m), cols: m, count: rows, rows };
      if (!sh.k.distances(src, null, centres, nb, out)) return null;
      for (let r = 0; r < rows; r++) {
        const i = j0 + r;
        const o = r * nb;
        const bi = i * Kc;
        const bEnd = Math.min(nb, i - j0); // centres j < i
        for (let b = 0; b < bEnd; b++) {
          const j = j0 + b;
          const d = out[o + b];
          if (d < cDist[bi + Kc - 1] || (d === cDist[bi + Kc - 1] && j < cIndex[bi + Kc - 1])) insert(cIndex, cDist, bi, Kc, d, j);
          const bj = j * Kc;
          if (d < cDist[bj + Kc - 1] || (d === cDist[bj + Kc - 1] && i < cIndex[bj + Kc - 1])) insert(cIndex, cDist, bj, Kc, d, i);
        }
      }
    }
    return refineLists(x, n, m, K, Kc, cIndex);
  } finally {
    sh.release();
  }
}

/** Squared row norms in Float64. */
export function rowNorms2(x: Rows, n: number, m: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const b = i * m;
    for (let e = 0; e < m; e++) {
      const v = x[b + e];
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}

/** Insert (d, j) into the sorted list of row i (length K), ties broken by the smaller index. */
function insert(index: Int32Array, dist2: Float64Array, base: number, K: number, d: number, j: number): void {
  let p = base + K - 1;
  const dl = dist2[p];
  if (d > dl || (d === dl && j >= index[p])) return;
  while (p > base) {
    const dp = dist2[p - 1];
    if (dp < d || (dp === d && index[p - 1] < j)) break;
    dist2[p] = dp;
    index[p] = index[p - 1];
    p--;
  }
  dist2[p] = d;
  index[p] = j;
}

/**
 * Exact K nearest neighbours by blocked brute force: squared distances
 * ‖a‖² + ‖b‖² − 2a·b (clamped at 0), computed in 64×64 tiles of rows so both
 * rows stay in cache, each pair once (the tile result updates both rows'
 * lists). Ties are broken by the smaller row index. Cost n²m/2 multiply-adds,
 * memory O(nK).
 */
export function exactKnn(x: Rows, n: number, m: number, K: number, options: { kernels?: boolean } = {}): Neighbors {
  checkK(K, n);
  if (options.kernels ?? n * n * m >= KERNEL_MIN_WORK) {
    const r = exactKnnKernels(x, n, m, K);
    if (r) return { n, K, index: r.index, dist2: r.dist2, algorithm: 'exact' };
  }
  const norms = rowNorms2(x, n, m);
  const index = new Int32Array(n * K).fill(-1);
  const dist2 = new Float64Array(n * K).fill(Infinity);
  const tile = new Float64Array(BLOCK * BLOCK);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(n, i0 + BLOCK);
    for (let j0 = i0; j0 < n; j0 += BLOCK) {
      const j1 = Math.min(n, j0 + BLOCK);
      for (let i = i0; i < i1; i++) {
        const bi = i * m;
        const jStart = j0 === i0 ? i + 1 : j0;
        for (let j = jStart; j < j1; j++) {
          const bj = j * m;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          let e = 0;
          for (; e + 3 < m; e += 4) {
            s0 += x[bi + e] * x[bj + e];
            s1 += x[bi + e + 1] * x[bj + e + 1];
            s2 += x[bi + e + 2] * x[bj + e + 2];
            s3 += x[bi + e + 3] * x[bj + e + 3];
          }
          for (; e < m; e++) s0 += x[bi + e] * x[bj + e];
          tile[(i - i0) * BLOCK + (j - j0)] = s0 + s1 + s2 + s3;
        }
      }
      for (let i = i0; i < i1; i++) {
        const jStart = j0 === i0 ? i + 1 : j0;
        for (let j = jStart; j < j1; j++) {
          let d = norms[i] + norms[j] - 2 * tile[(i - i0) * BLOCK + (j - j0)];
          if (d < 0) d = 0;
          insert(index, dist2, i * K, K, d, j);
          insert(index, dist2, j * K, K, d, i);
        }
      }
    }
  }
  return { n, K, index, dist2, algorithm: 'exact' };
}

/**
 * K nearest rows of `ref` for each row of `query` (no self exclusion): the
 * neighbours sklearn's `transform` uses. Brute force, ties by smaller index.
 */
export function queryKnn(ref: Rows, nRef: number, query: Rows, nQuery: number, m: number, K: number): Neighbors {
  if (K > nRef) throw new SpecmapError('NEIGHBORS', `neighbors K=${K} too large for ${nRef} fitted spectra`);
  const norms = rowNorms2(ref, nRef, m);
  const index = new Int32Array(nQuery * K).fill(-1);
  const dist2 = new Float64Array(nQuery * K).fill(Infinity);
  for (let q = 0; q < nQuery; q++) {
    const bq = q * m;
    let nq = 0;
    for (let e = 0; e < m; e++) nq += query[bq + e] * query[bq + e];
    for (let j = 0; j < nRef; j++) {
      const bj = j * m;
      let s = 0;
      for (let e = 0; e < m; e++) s += query[bq + e] * ref[bj + e];
      let d = nq + norms[j] - 2 * s;
      if (d < 0) d = 0;
      insert(index, dist2, q * K, K, d, j);
    }
  }
  return { n: nQuery, K, index, dist2, algorithm: 'exact' };
}

function checkK(K: number, n: number): void {
  if (!Number.isInteger(K) || K < 1) throw new SpecmapError('NEIGHBORS', `neighbors K=${K} must be a positive integer`);
  if (K >= n) throw new SpecmapError('NEIGHBORS', `neighbors K=${K} too large for ${n} spectra (needs K < number of distinct spectra)`);
}

/** Rows per block of the pruned exact search (one kernel job per pair of blocks). */
const PRUNE_BLOCK = 256;

/**
 * Exact K nearest neighbours with block pruning: the rows are sorted by
 * their first score (projection on the first of p orthonormal directions —
 * PCA axes — computed here unless `scores` are given) and cut into blocks of
 * 256; the distance between two rows is at least the distance of their
 * projections, so a pair of blocks whose score bounding boxes are farther
 * apart than the current (K+4)-th candidate distance of every row in both
 * is skipped. Pairs of blocks are visited by increasing separation in the
 * sorted order, so the candidate lists are short before far blocks are
 * tested. Distances of the blocks compared: WASM SIMD `distances` (Float32)
 * when the kernels run, else Float64 TypeScript; the K + 4 best of each row
 * are re-ranked in Float64 (as `exactKnn`). The result is the exact kNN
 * (same as `exactKnn`) whatever the pruning achieves; the pruning only
 * saves time, most on data near a low-dimensional manifold (a reaction
 * path: 4–6 % of the pairs at 65,536 spectra). Returns null (nothing
 * allocated beyond the lists) once more than `maxPairs` pair distances
 * would be needed.
 */
export function prunedKnn(x: Rows, n: number, m: number, K: number, options: { scores?: { data: ArrayLike<number>; p: number }; maxPairs?: number } = {}): Neighbors | null {
  checkK(K, n);
  const maxPairs = options.maxPairs ?? Infinity;
  let scores = options.scores;
  if (!scores) {
    const p = Math.max(1, Math.min(8, m, n - 1));
    scores = { data: pca({ data: x, rows: n, cols: m }, { components: p }).weights, p };
  }
  const p = scores.p;
  const S = scores.data;
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const key = new Float64Array(n);
  for (let i = 0; i < n; i++) key[i] = S[i * p];
  perm.sort((a, b) => key[a] - key[b] || a - b);
  const B = PRUNE_BLOCK;
  const nb = Math.ceil(n / B);
  // score bounding boxes of the blocks, widened by the rounding of the scores
  let scale = 0;
  for (let i = 0; i < n * p; i++) scale = Math.max(scale, Math.abs(S[i]));
  const slack = 1e-5 * scale;
  const lo = new Float64Array(nb * p).fill(Infinity);
  const hi = new Float64Array(nb * p).fill(-Infinity);
  for (let r = 0; r < n; r++) {
    const bI = (r / B) | 0;
    const i = perm[r];
    for (let c = 0; c < p; c++) {
      const v = S[i * p + c];
      if (v < lo[bI * p + c]) lo[bI * p + c] = v;
      if (v > hi[bI * p + c]) hi[bI * p + c] = v;
    }
  }
  const Kc = Math.min(n - 1, K + 4);
  // candidate lists in sorted positions
  const cIndex = new Int32Array(n * Kc).fill(-1);
  const cDist = new Float64Array(n * Kc).fill(Infinity);
  const kth = new Float64Array(nb).fill(Infinity); // largest (Kc)-th candidate distance in each block
  const sh = sharedRowsPermuted(x, n, m, perm);
  const out = new Float64Array(B * B);
  let pairs = 0;
  try {
    const updateKth = (bI: number): void => {
      let w = 0;
      const r1 = Math.min(n, (bI + 1) * B);
      for (let r = bI * B; r < r1; r++) w = Math.max(w, cDist[r * Kc + Kc - 1]);
      kth[bI] = w;
    };
    for (let g = 0; g < nb; g++) {
      for (let I = 0; I + g < nb; I++) {
        const J = I + g;
        let lb = 0;
        for (let c = 0; c < p; c++) {
          const gap = Math.max(lo[J * p + c] - hi[I * p + c], lo[I * p + c] - hi[J * p + c]) - 2 * slack;
          if (gap > 0) lb += gap * gap;
        }
        const bound = Math.max(kth[I], kth[J]);
        if (lb > bound * (1 + 1e-5)) continue;
        const i0 = I * B;
        const j0 = J * B;
        const nI = Math.min(B, n - i0);
        const nJ = Math.min(B, n - j0);
        pairs += g === 0 ? (nI * (nI - 1)) / 2 : nI * nJ;
        if (pairs > maxPairs) return null;
        let done = false;
        if (sh) {
          const src = { data: sh.data.subarray(i0 * m, (i0 + nI) * m), cols: m, count: nI, rows: nI };
          done = sh.k.distances(src, null, sh.data.subarray(j0 * m, (j0 + nJ) * m), nJ, out);
        }
        if (!done) {
          for (let a = 0; a < nI; a++) {
            for (let b = g === 0 ? a + 1 : 0; b < nJ; b++) out[a * nJ + b] = exactDist(x, m, perm[i0 + a], perm[j0 + b]);
          }
        }
        for (let a = 0; a < nI; a++) {
          const ra = i0 + a;
          const ba = ra * Kc;
          for (let b = g === 0 ? a + 1 : 0; b < nJ; b++) {
            const rb = j0 + b;
            const d = out[a * nJ + b];
            if (d < cDist[ba + Kc - 1] || (d === cDist[ba + Kc - 1] && perm[rb] < perm[cIndex[ba + Kc - 1]])) insertSorted(cIndex, cDist, ba, Kc, d, rb, perm);
            const bb = rb * Kc;
            if (d < cDist[bb + Kc - 1] || (d === cDist[bb + Kc - 1] && perm[ra] < perm[cIndex[bb + Kc - 1]])) insertSorted(cIndex, cDist, bb, Kc, d, ra, perm);
          }
        }
        updateKth(I);
        if (J !== I) updateKth(J);
      }
    }
  } finally {
    sh?.release();
  }
  // back to the original numbering, then Float64 re-ranking
  const orig = new Int32Array(n * Kc).fill(-1);
  for (let r = 0; r < n; r++) {
    const i = perm[r];
    for (let a = 0; a < Kc; a++) {
      const q = cIndex[r * Kc + a];
      orig[i * Kc + a] = q < 0 ? -1 : perm[q];
    }
  }
  const res = refineLists(x, n, m, K, Kc, orig);
  return {
    n,
    K,
    index: res.index,
    dist2: res.dist2,
    algorithm: 'exact',
    details: { search: 'blocks of 256 rows sorted by the first PCA score, pruned by PCA lower bounds', pcaDimensions: p, pairFraction: pairs / ((n * (n - 1)) / 2), distances: sh ? 'float32 SIMD kernels, candidates re-ranked in float64' : 'float64' },
  };
}

/** `insert` on sorted positions with ties broken by the original index perm[j]. */
function insertSorted(index: Int32Array, dist2: Float64Array, base: number, K: number, d: number, j: number, perm: Int32Array): void {
  let p = base + K - 1;
  while (p > base) {
    const dp = dist2[p - 1];
    if (dp < d || (dp === d && perm[index[p - 1]] < perm[j])) break;
    dist2[p] = dp;
    index[p] = index[p - 1];
    p--;
  }
  dist2[p] = d;
  index[p] = j;
}

/** a before b in the order (key, index). */
function before(proj: Float64Array, a: number, b: number): boolean {
  return proj[a] < proj[b] || (proj[a] === proj[b] && a < b);
}

/**
 * Partially order order[lo..hi) (Hoare quickselect, median-of-three pivots) so that position `nth`
 * holds the element of that rank by (proj, index), smaller ones before it and larger ones after.
 * Deterministic: the keys are distinct (ties broken by the index).
 */
function selectNth(order: Int32Array, lo: number, hi: number, nth: number, proj: Float64Array): void {
  let l = lo;
  let r = hi - 1;
  while (r > l) {
    const mid = l + ((r - l) >> 1);
    // median of three to order[mid]
    if (before(proj, order[mid], order[l])) swap(order, mid, l);
    if (before(proj, order[r], order[l])) swap(order, r, l);
    if (before(proj, order[r], order[mid])) swap(order, r, mid);
    const pivot = order[mid];
    let i = l;
    let j = r;
    while (i <= j) {
      while (before(proj, order[i], pivot)) i++;
      while (before(proj, pivot, order[j])) j--;
      if (i <= j) {
        swap(order, i, j);
        i++;
        j--;
      }
    }
    if (nth <= j) r = j;
    else if (nth >= i) l = i;
    else return;
  }
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Leaves of one random-projection tree on the rows' PCA scores (n×p): each
 * node splits its rows at the median of their projection on a seeded
 * Gaussian direction, down to at most `leafSize` rows. Returns the rows in
 * leaf order and the leaf start offsets (plus n at the end).
 */
function rpTreeLeaves(scores: ArrayLike<number>, n: number, p: number, leafSize: number, rng: Rng): { order: Int32Array; starts: number[] } {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const proj = new Float64Array(n);
  const dir = new Float64Array(p);
  const starts: number[] = [];
  const stack: [number, number][] = [[0, n]];
  while (stack.length > 0) {
    const [lo, hi] = stack.pop()!;
    if (hi - lo <= leafSize) {
      starts.push(lo);
      continue;
    }
    for (let c = 0; c < p; c++) dir[c] = rng.normal();
    for (let r = lo; r < hi; r++) {
      const i = order[r];
      let s = 0;
      for (let c = 0; c < p; c++) s += scores[i * p + c] * dir[c];
      proj[i] = s;
    }
    const mid = lo + ((hi - lo) >> 1);
    selectNth(order, lo, hi, mid, proj);
    stack.push([mid, hi], [lo, mid]);
  }
  starts.sort((a, b) => a - b);
  starts.push(n);
  return { order, starts };
}

/**
 * Approximate K nearest neighbours for large n:
 * 1. project the rows on their first p principal axes (p = min(12, m));
 * 2. build T random-projection trees on the scores (median splits on seeded
 *    Gaussian directions, leaves of at most `leafSize` rows, default 256);
 * 3. in every leaf, all pairwise distances on the full spectra (WASM SIMD
 *    `distances` in Float32 on all threads when the kernels run, Float64
 *    TypeScript otherwise), keeping the K + 4 best candidates of each row;
 * 4. optionally (`refine`) one pass over the neighbours of the neighbours;
 * 5. the candidates re-ranked by Float64 distances, the K best kept.
 * Ties are broken by the smaller index; the result does not depend on the
 * number of threads. Cost ≈ T·n·leafSize·m; the recall is measured in the
 * tests and in bench/mlle.mjs.
 */
export function approximateKnn(x: Rows, n: number, m: number, K: number, options: KnnOptions = {}): Neighbors {
  checkK(K, n);
  const T = options.trees ?? 3;
  const given = options.scores && options.pcaDimensions === undefined ? options.scores : null;
  const p = given ? given.p : Math.max(1, Math.min(options.pcaDimensions ?? 12, m, n));
  const leafSize = Math.max(2 * K + 2, options.leafSize ?? 256);
  const refine = options.refine ?? false;
  const rng = new Rng(options.seed ?? 0);
  const scores = given ? given.data : pca({ data: x, rows: n, cols: m }, { components: p }).weights; // n×p
  const Kc = Math.min(n - 1, K + 4);
  const cIndex = new Int32Array(n * Kc).fill(-1);
  const cDist = new Float64Array(n * Kc).fill(Infinity);
  const sh = sharedRows(x, n, m);
  try {
    const members = new Int32Array(leafSize);
    const out = new Float64Array(leafSize * leafSize);
    const centres = new Float32Array(leafSize * m);
    for (let t = 0; t < T; t++) {
      const { order, starts } = rpTreeLeaves(scores, n, p, leafSize, rng);
      for (let l = 0; l + 1 < starts.length; l++) {
        const L = starts[l + 1] - starts[l];
        for (let a = 0; a < L; a++) members[a] = order[starts[l] + a];
        members.subarray(0, L).sort();
        let done = false;
        if (sh) {
          for (let a = 0; a < L; a++) centres.set(sh.data.subarray(members[a] * m, members[a] * m + m), a * m);
          const src = { data: sh.data, cols: m, count: L, rows: n, index: members.subarray(0, L) };
          done = sh.k.distances(src, null, centres.subarray(0, L * m), L, out);
        }
        if (!done) {
          for (let a = 0; a < L; a++) {
            out[a * L + a] = 0;
            for (let b = a + 1; b < L; b++) out[a * L + b] = out[b * L + a] = exactDist(x, m, members[a], members[b]);
          }
        }
        for (let a = 0; a < L; a++) {
          const i = members[a];
          const base = i * Kc;
          for (let b = 0; b < L; b++) {
            if (b === a) continue;
            insertUnique(cIndex, cDist, base, Kc, out[a * L + b], members[b]);
          }
        }
      }
    }
  } finally {
    sh?.release();
  }
  if (refine) {
    // neighbours of neighbours (from a snapshot, so the pass does not depend on the row order)
    const snapshot = Int32Array.from(cIndex);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < K; a++) {
        const j = snapshot[i * Kc + a];
        if (j < 0) continue;
        for (let b = 0; b < K; b++) {
          const q = snapshot[j * Kc + b];
          if (q < 0 || q === i) continue;
          insertUnique(cIndex, cDist, i * Kc, Kc, exactDist(x, m, i, q), q);
        }
      }
    }
  }
  const r = refineLists(x, n, m, K, Kc, cIndex);
  return {
    n,
    K,
    index: r.index,
    dist2: r.dist2,
    algorithm: 'approximate',
    details: {
      trees: T,
      leafSize,
      pcaDimensions: p,
      distances: sh ? 'float32 SIMD kernels, candidates re-ranked in float64' : 'float64',
      refinement: refine ? 'neighbours of neighbours (1 pass)' : 'none',
      seed: options.seed ?? 0,
    },
  };
}

/** K nearest neighbours (self excluded): exact or approximate according to `options.algorithm`. */
export function kNearestNeighbors(x: Rows, n: number, m: number, K: number, options: KnnOptions = {}): Neighbors {
  const algorithm = options.algorithm ?? 'auto';
  if (algorithm !== 'approximate' && algorithm !== 'auto' && algorithm !== 'exact') {
    throw new SpecmapError('OPTION', `knn algorithm must be 'auto', 'exact' or 'approximate', got '${String(algorithm)}'`);
  }
  if (algorithm === 'approximate') return approximateKnn(x, n, m, K, options);
  if (n < 2048) return exactKnn(x, n, m, K);
  const limit = options.exactLimit ?? 6000;
  const budget = algorithm === 'exact' || n <= limit ? Infinity : options.maxPairs ?? 4e10 / m;
  const exact = prunedKnn(x, n, m, K, { scores: options.scores, maxPairs: budget });
  if (exact) return exact;
  const approx = approximateKnn(x, n, m, K, options);
  approx.details = { ...approx.details, reason: `the exact search would need more than ${budget.toExponential(2)} pair distances (maxPairs)` };
  return approx;
}

/** Number of connected components of the (symmetrised) kNN graph. */
export function connectedComponents(nb: Neighbors): number {
  const { n, K, index } = nb;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (a: number): number => {
    while (parent[a] !== a) {
      parent[a] = parent[parent[a]];
      a = parent[a];
    }
    return a;
  };
  let count = n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < K; j++) {
      const a = find(i);
      const b = find(index[i * K + j]);
      if (a !== b) {
        parent[a] = b;
        count--;
      }
    }
  }
  return count;
}
