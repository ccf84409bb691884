import type { SpectralStack } from './stack';
import { ActiveRows, Decomposition, MatrixView, prepareInput } from './decomposition';
import { SpecmapError } from './errors';
import { columnMeans, kernelsFor } from './linalg';
import { checkSeed, Rng } from './random';
import { checkFiniteStream, npyStreamInfo, stackStreamOf, withRow, withStreamRows, type StreamOptions } from './stream';

export interface KMeansOptions {
  /** Number of clusters K, 1 ≤ K ≤ n (fitted pixels). */
  clusters: number;
  /** Independent k-means++ starts; the one of lowest inertia wins. __Default:__ 10 (scikit-learn 1.2). */
  nInit?: number;
  /** Maximum Lloyd iterations per start. __Default:__ 300. */
  maxIter?: number;
  /** Relative tolerance: stop when Σ‖Δcentre‖² ≤ tol·mean(var(X, axis 0)). __Default:__ 1e-4. */
  tol?: number;
  /** Seed of the k-means++ draws. __Default:__ 0. */
  seed?: number;
  /** Initial centres (K×m row-major) instead of k-means++; then nInit is 1. */
  init?: ArrayLike<number>;
}

export interface KMeansResult extends Decomposition {
  /** Cluster of each row (n_total), −1 for masked-out rows; canonical order (see kmeans). */
  labels: Int32Array;
  /** Σ over fitted rows of ‖x − centre(label)‖² (scikit-learn's `inertia_`). */
  inertia: number;
  /** Rows per cluster (length K). */
  sizes: Int32Array;
  /** Inertia of each start, in the order run. */
  inertias: Float64Array;
}

/** Rows per block of the Float32 → Float64 streaming reads. */
const BLOCK = 256;

/**
 * k-means (Lloyd) with greedy k-means++ starts, scikit-learn 1.2 semantics.
 *
 * - Data are centred on their column means first (as sklearn, for accuracy);
 *   centres are reported in the original units.
 * - k-means++ (Arthur & Vassilvitskii 2007, sklearn's greedy variant): the
 *   first centre is a uniform draw; each next one is the best of
 *   2 + ⌊ln K⌋ candidates drawn ∝ D² (the candidate that minimises the total
 *   potential Σ min D²).
 * - Lloyd: each iteration is **one blocked pass over X** that assigns every
 *   row to its nearest centre and accumulates the new centre sums;
 *   stop when labels do not change (strict) or Σ‖Δcentre‖² ≤ tol·mean(var X);
 *   if not strictly converged a final assignment pass makes labels match
 *   the centres. Empty clusters are re-seeded with the rows farthest from
 *   their centres (as sklearn).
 * - nInit starts; the lowest inertia wins (on ties the earlier start).
 *
 * Randomness comes from specmap's seeded Rng (not numpy's), so the seed path
 * differs from sklearn's; the optimum found (inertia, partition) is what is
 * compared.
 *
 * **Canonical label order** (run to run identical, independent of the start):
 * clusters are numbered by decreasing size; equal sizes by their smallest
 * row index. Decomposition view: weights = one-hot memberships (n×K, Float32),
 * components = centroid spectra (K×m), `labels` per pixel (−1 masked out),
 * `reconstructionError` = √inertia = ‖X − W·C‖_F.
 *
 * Throws SpecmapError 'K_RANGE' (K < 1 or K > n), 'OPTION', 'SEED', 'NAN', 'SHAPE'.
 *
 * Out of core: a stack from `streamedStack` (stream.ts) is streamed from its
 * file, as `kmeansStream` does.
 */
export function kmeans(x: SpectralStack | MatrixView, options: KMeansOptions): KMeansResult {
  const stream = stackStreamOf(x);
  if (stream) return withStreamRows(stream, (src) => kmeansRows(src, options));
  return kmeansRows(prepareInput(x), options);
}

/**
 * Out-of-core k-means of a float32 C-order `.npy` file (rows = all axes but
 * the last, columns = the last): the column means and variances, every
 * k-means++ distance pass and every Lloyd assign-and-accumulate pass stream
 * the rows from disk through @specmap/kernels (each thread reads its own
 * chunk); the few rows k-means++ picks and empty-cluster relocation moves are
 * read one by one. Only O(n) labels/distances and K×m centres are held in
 * memory. Same result (labels, centres, inertia, iterations, every start's
 * inertia), bit for bit, as `kmeans()` on the cube in memory; parameters get
 * an `outOfCore` record. Throws SpecmapError('KERNELS') when the WebAssembly
 * kernels are unavailable (inputs of ≥ 2^18 values).
 */
export function kmeansStream(path: string, options: KMeansOptions & StreamOptions): KMeansResult {
  return withStreamRows(npyStreamInfo(path, options), (src) => kmeansRows(src, options));
}

/** kmeans() on prepared rows (in memory or streamed). */
function kmeansRows(src: ActiveRows, options: KMeansOptions): KMeansResult {
  const { cols: m, count: n, rows: nTotal, index } = src;
  const k = options.clusters;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > n) {
    throw new SpecmapError('K_RANGE', `clusters K=${k} must be between 1 and the number of pixels (${n})`);
  }
  const maxIter = options.maxIter ?? 300;
  const tol = options.tol ?? 1e-4;
  let nInit = options.nInit ?? 10;
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new SpecmapError('OPTION', `k-means maxIter must be a positive integer, got ${maxIter}`);
  if (!(tol >= 0)) throw new SpecmapError('OPTION', `k-means tol must be ≥ 0, got ${tol}`);
  if (!Number.isInteger(nInit) || nInit < 1) throw new SpecmapError('OPTION', `k-means nInit must be a positive integer, got ${nInit}`);
  const seed = checkSeed(options.seed ?? 0);
  if (options.init !== undefined) {
    if (options.init.length !== k * m) throw new SpecmapError('OPTION', `k-means init has ${options.init.length} values but K×m = ${k * m} are expected`);
    nInit = 1;
  }
  const mean = columnMeans(src);
  checkFiniteStream(src, mean); // streamed: the NaN/Inf check prepareInput makes in memory
  // tolerance relative to the mean per-feature variance (ddof 0)
  const tolAbs = tol === 0 ? 0 : tol * meanVariance(src, mean);
  const rng = new Rng(seed);
  const warnings: string[] = [];

  let best: Run | null = null;
  const inertias = new Float64Array(nInit);
  for (let s = 0; s < nInit; s++) {
    let centres: Float64Array;
    if (options.init !== undefined) {
      centres = Float64Array.from(options.init);
      for (let c = 0; c < k; c++) for (let j = 0; j < m; j++) centres[c * m + j] -= mean[j];
    } else {
      centres = kmeansPlusPlus(src, mean, k, rng);
    }
    const run = lloyd(src, mean, centres, k, maxIter, tolAbs);
    inertias[s] = run.inertia;
    if (best === null || run.inertia < best.inertia) best = run;
  }
  const b = best!;
  if (!b.converged) warnings.push(`k-means did not converge in ${maxIter} iterations (best start)`);

  // canonical order: decreasing size, then smallest member row
  const size = new Int32Array(k);
  const first = new Int32Array(k).fill(n);
  for (let r = 0; r < n; r++) {
    const l = b.labels[r];
    size[l]++;
    if (first[l] === n) first[l] = r;
  }
  const order = Array.from({ length: k }, (_, i) => i).sort((p, q) => size[q] - size[p] || first[p] - first[q]);
  const rank = new Int32Array(k);
  order.forEach((c, i) => (rank[c] = i));
  const labels = new Int32Array(nTotal).fill(-1);
  const weights = new Float32Array(nTotal * k);
  for (let r = 0; r < n; r++) {
    const l = rank[b.labels[r]];
    labels[index[r]] = l;
    weights[index[r] * k + l] = 1;
  }
  const components = new Float64Array(k * m);
  const sizes = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    const c = order[i];
    sizes[i] = size[c];
    for (let j = 0; j < m; j++) components[i * m + j] = b.centres[c * m + j] + mean[j];
  }
  if (sizes.some((s) => s === 0)) warnings.push('k-means: some clusters are empty');
  return {
    weights,
    components,
    k,
    iterations: b.iterations,
    converged: b.converged,
    warnings,
    labels,
    inertia: b.inertia,
    sizes,
    inertias,
    reconstructionError: Math.sqrt(b.inertia),
    parameters: {
      clusters: k,
      nInit,
      maxIter,
      tol,
      seed: options.init !== undefined ? null : seed,
      init: options.init !== undefined ? 'given' : 'k-means++ (greedy)',
      inertia: b.inertia,
      sizes: Array.from(sizes),
      labelOrder: 'decreasing cluster size, ties by smallest pixel index',
      weights: 'one-hot memberships',
      components: 'centroid spectra',
      fittedRows: n,
    },
  };
}

interface Run {
  centres: Float64Array;
  labels: Int32Array;
  inertia: number;
  iterations: number;
  converged: boolean;
}

function meanVariance(src: ActiveRows, mean: Float64Array): number {
  const { data, cols: m, count: n, index } = src;
  const fast = kernelsFor(src)?.moments(src, mean);
  if (fast) return fast.sumsSq.reduce((a, b) => a + b, 0) / n / m;
  let s = 0;
  for (let r = 0; r < n; r++) {
    const base = index[r] * m;
    for (let j = 0; j < m; j++) {
      const v = data[base + j] - mean[j];
      s += v * v;
    }
  }
  return s / n / m;
}

/** Squared distances of every active row to one row (centred), into out. */
function distancesTo(src: ActiveRows, mean: Float64Array, centre: Float64Array, out: Float64Array): void {
  const { data, cols: m, count: n, index } = src;
  const fast = kernelsFor(src);
  if (fast && fast.kmeansAssign(src, mean, centre, 1, new Int32Array(n), out)) return;
  for (let r = 0; r < n; r++) {
    const base = index[r] * m;
    let s = 0;
    for (let j = 0; j < m; j++) {
      const v = data[base + j] - mean[j] - centre[j];
      s += v * v;
    }
    out[r] = s;
  }
}

/** out[off …] = active row r − mean (read from the file when streamed). */
function rowCentred(src: ActiveRows, mean: Float64Array, r: number, out: Float64Array, off: number): void {
  const m = src.cols;
  withRow(src, r, (data, base) => {
    for (let j = 0; j < m; j++) out[off + j] = data[base + j] - mean[j];
  });
}

/** Greedy k-means++ (sklearn `_kmeans_plusplus`) on the centred rows; returns K×m centres (centred). */
export function kmeansPlusPlus(src: ActiveRows, mean: Float64Array, k: number, rng: Rng): Float64Array {
  const { cols: m, count: n } = src;
  const centres = new Float64Array(k * m);
  const trials = 2 + Math.floor(Math.log(k));
  const first = Math.min(n - 1, Math.floor(rng.uniform() * n));
  rowCentred(src, mean, first, centres, 0);
  let closest = new Float64Array(n);
  distancesTo(src, mean, centres.subarray(0, m), closest);
  let pot = 0;
  for (let r = 0; r < n; r++) pot += closest[r];
  const cum = new Float64Array(n);
  const cand = new Float64Array(m);
  let bestD = new Float64Array(n);
  let tryD = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let r = 0; r < n; r++) {
      acc += closest[r];
      cum[r] = acc;
    }
    let bestPot = Infinity;
    let bestId = -1;
    // All candidates are drawn first (the draws do not depend on their distances), so the
    // kernels compute every candidate's distances in one pass over X.
    const ids: number[] = [];
    for (let t = 0; t < trials; t++) {
      const target = rng.uniform() * pot;
      // searchsorted (side='left'): first r with cum[r] ≥ target, clipped to n − 1
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid] < target) lo = mid + 1;
        else hi = mid;
      }
      ids.push(lo);
    }
    const fast = kernelsFor(src);
    let many: Float64Array | null = null;
    if (fast) {
      const cands = new Float64Array(trials * m);
      ids.forEach((id, t) => rowCentred(src, mean, id, cands, t * m));
      many = new Float64Array(n * trials);
      if (!fast.distances(src, mean, cands, trials, many)) many = null;
    }
    for (let t = 0; t < trials; t++) {
      const id = ids[t];
      if (many) for (let r = 0; r < n; r++) tryD[r] = many[r * trials + t];
      else {
        rowCentred(src, mean, id, cand, 0);
        distancesTo(src, mean, cand, tryD);
      }
      let p = 0;
      for (let r = 0; r < n; r++) {
        if (closest[r] < tryD[r]) tryD[r] = closest[r];
        p += tryD[r];
      }
      if (p < bestPot) {
        bestPot = p;
        bestId = id;
        const tmp = bestD;
        bestD = tryD;
        tryD = tmp;
      }
    }
    rowCentred(src, mean, bestId, centres, c * m);
    pot = bestPot;
    const tmp = closest;
    closest = bestD;
    bestD = tmp;
  }
  return centres;
}

/**
 * One assign-and-accumulate pass: labels[r] = nearest centre, sums and counts
 * of the new centres, distances (for empty-cluster relocation). Blocked
 * Float64 copies of the rows.
 */
function assign(
  src: ActiveRows,
  mean: Float64Array,
  centres: Float64Array,
  k: number,
  labels: Int32Array,
  dist: Float64Array,
  sums: Float64Array | null,
  counts: Float64Array | null,
): void {
  const { data, cols: m, count: n, index } = src;
  const fast = kernelsFor(src);
  if (fast && fast.kmeansAssign(src, mean, centres, k, labels, dist, sums, counts)) return;
  const buf = new Float64Array(BLOCK * m);
  if (sums) sums.fill(0);
  if (counts) counts.fill(0);
  for (let start = 0; start < n; start += BLOCK) {
    const nb = Math.min(BLOCK, n - start);
    for (let r = 0; r < nb; r++) {
      const base = index[start + r] * m;
      const o = r * m;
      for (let j = 0; j < m; j++) buf[o + j] = data[base + j] - mean[j];
    }
    for (let r = 0; r < nb; r++) {
      const o = r * m;
      let bestC = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const oc = c * m;
        let s = 0;
        for (let j = 0; j < m; j++) {
          const v = buf[o + j] - centres[oc + j];
          s += v * v;
        }
        if (s < bestD) {
          bestD = s;
          bestC = c;
        }
      }
      labels[start + r] = bestC;
      dist[start + r] = bestD;
      if (sums && counts) {
        counts[bestC] += 1;
        const oc = bestC * m;
        for (let j = 0; j < m; j++) sums[oc + j] += buf[o + j];
      }
    }
  }
}

function lloyd(src: ActiveRows, mean: Float64Array, init: Float64Array, k: number, maxIter: number, tolAbs: number): Run {
  const { cols: m, count: n } = src;
  const row = new Float64Array(m);
  let centres = Float64Array.from(init);
  const labels = new Int32Array(n).fill(-1);
  const old = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n);
  const sums = new Float64Array(k * m);
  const counts = new Float64Array(k);
  let strict = false;
  let it = 0;
  for (it = 0; it < maxIter; it++) {
    assign(src, mean, centres, k, labels, dist, sums, counts);
    // empty clusters: move the farthest rows there (sklearn _relocate_empty_clusters)
    const empty: number[] = [];
    for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
    if (empty.length > 0) {
      const far = Array.from({ length: n }, (_, r) => r)
        .sort((a, b) => dist[b] - dist[a] || a - b)
        .slice(0, empty.length);
      empty.forEach((c, i) => {
        const r = far[i];
        const old = labels[r];
        rowCentred(src, mean, r, row, 0);
        for (let j = 0; j < m; j++) {
          const v = row[j];
          sums[old * m + j] -= v;
          sums[c * m + j] = v;
        }
        counts[old] -= 1;
        counts[c] = 1;
        labels[r] = c;
      });
    }
    const next = new Float64Array(k * m);
    let shift = 0;
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < m; j++) {
        const v = counts[c] > 0 ? sums[c * m + j] / counts[c] : centres[c * m + j];
        next[c * m + j] = v;
        const dlt = v - centres[c * m + j];
        shift += dlt * dlt;
      }
    }
    centres = next;
    let same = true;
    for (let r = 0; r < n; r++) {
      if (labels[r] !== old[r]) {
        same = false;
        break;
      }
    }
    if (same) {
      strict = true;
      break;
    }
    if (shift <= tolAbs) break;
    old.set(labels);
  }
  const iterations = Math.min(it + 1, maxIter);
  // final E-step so that labels match the centres (sklearn does this unless strictly converged)
  if (!strict) assign(src, mean, centres, k, labels, dist, null, null);
  // (strict: labels equal the previous ones, so the updated centres equal the ones the distances refer to)
  let inertia = 0;
  for (let r = 0; r < n; r++) inertia += dist[r];
  return { centres, labels, inertia, iterations, converged: strict || it < maxIter };
}
