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
  /** 'auto' (default): exact up to `exactLimit` rows, approximate above. */
  algorithm?: 'auto' | 'exact' | 'approximate';
  /** Largest n searched exactly under 'auto'. __Default:__ 6000. */
  exactLimit?: number;
  /** Approximate: number of random-projection trees. __Default:__ 6. */
  trees?: number;
  /** Approximate: PCA dimensions the trees split on. __Default:__ min(12, m). */
  pcaDimensions?: number;
  /** Approximate: seed of the random projections. __Default:__ 0. */
  seed?: number;
}

const BLOCK = 64;

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
export function exactKnn(x: Rows, n: number, m: number, K: number): Neighbors {
  checkK(K, n);
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

function sqDist(x: Rows, m: number, a: number, b: number): number {
  const ba = a * m;
  const bb = b * m;
  let s = 0;
  for (let e = 0; e < m; e++) {
    const t = x[ba + e] - x[bb + e];
    s += t * t;
  }
  return s;
}

/**
 * Approximate K nearest neighbours for large n:
 * 1. project the rows on their first p principal axes (p = min(12, m));
 * 2. build T random-projection trees on the scores (each node splits its rows
 *    at the median of their projection on a seeded Gaussian direction, down to
 *    leaves of at most max(2K+2, 32) rows);
 * 3. candidates of a row = the members of its leaf in every tree; the K best
 *    by exact squared distance on the full spectra are kept;
 * 4. one refinement pass: the neighbours of the neighbours are candidates too
 *    (exact distances on the full spectra).
 * Cost ≈ n·(T·leaf + K²)·m; recall is measured in the tests (≥ 0.95 on the
 * synthetic maps). Ties are broken by the smaller index.
 */
export function approximateKnn(x: Rows, n: number, m: number, K: number, options: KnnOptions = {}): Neighbors {
  checkK(K, n);
  const T = options.trees ?? 6;
  const p = Math.max(1, Math.min(options.pcaDimensions ?? 12, m, n));
  const leafSize = Math.max(2 * K + 2, 32);
  const rng = new Rng(options.seed ?? 0);
  const scores = pca({ data: x, rows: n, cols: m }, { components: p }).weights; // n×p Float32
  const index = new Int32Array(n * K).fill(-1);
  const dist2 = new Float64Array(n * K).fill(Infinity);
  const seen = new Int32Array(n).fill(-1);
  // For each tree: the leaves as a permutation of rows plus leaf boundaries.
  const order = new Int32Array(n);
  const proj = new Float64Array(n);
  const dir = new Float64Array(p);
  const leafOf: Int32Array[] = [];
  const leafStart: number[][] = [];
  const perms: Int32Array[] = [];
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < n; i++) order[i] = i;
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
      const sub = Array.from(order.subarray(lo, hi)).sort((a, b) => proj[a] - proj[b] || a - b);
      order.set(sub, lo);
      const mid = lo + ((hi - lo) >> 1);
      stack.push([mid, hi], [lo, mid]);
    }
    starts.sort((a, b) => a - b);
    const lf = new Int32Array(n);
    for (let l = 0; l < starts.length; l++) {
      const end = l + 1 < starts.length ? starts[l + 1] : n;
      for (let r = starts[l]; r < end; r++) lf[order[r]] = l;
    }
    leafOf.push(lf);
    leafStart.push(starts);
    perms.push(Int32Array.from(order));
  }
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < T; t++) {
      const l = leafOf[t][i];
      const starts = leafStart[t];
      const end = l + 1 < starts.length ? starts[l + 1] : n;
      const perm = perms[t];
      for (let r = starts[l]; r < end; r++) {
        const j = perm[r];
        if (j === i || seen[j] === i) continue;
        seen[j] = i;
        insert(index, dist2, i * K, K, sqDist(x, m, i, j), j);
      }
    }
  }
  // Refinement: neighbours of neighbours (read from a snapshot so the pass is order-independent).
  const snapshot = Int32Array.from(index);
  seen.fill(-1);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < K; a++) seen[index[i * K + a]] = i;
    seen[i] = i;
    for (let a = 0; a < K; a++) {
      const j = snapshot[i * K + a];
      for (let b = 0; b < K; b++) {
        const q = snapshot[j * K + b];
        if (seen[q] === i) continue;
        seen[q] = i;
        insert(index, dist2, i * K, K, sqDist(x, m, i, q), q);
      }
    }
  }
  return {
    n,
    K,
    index,
    dist2,
    algorithm: 'approximate',
    details: { trees: T, leafSize, pcaDimensions: p, refinement: 'neighbours of neighbours (1 pass)', seed: options.seed ?? 0 },
  };
}

/** K nearest neighbours (self excluded): exact or approximate according to `options.algorithm`. */
export function kNearestNeighbors(x: Rows, n: number, m: number, K: number, options: KnnOptions = {}): Neighbors {
  const algorithm = options.algorithm ?? 'auto';
  const limit = options.exactLimit ?? 6000;
  if (algorithm === 'exact' || (algorithm === 'auto' && n <= limit)) return exactKnn(x, n, m, K);
  if (algorithm !== 'approximate' && algorithm !== 'auto') {
    throw new SpecmapError('OPTION', `knn algorithm must be 'auto', 'exact' or 'approximate', got '${String(algorithm)}'`);
  }
  return approximateKnn(x, n, m, K, options);
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
