import { SmallEigen, SpecmapError, pca, Rng, type MatrixView, type SpectralStack } from '@specmap/core';
import { kNearestNeighbors, queryKnn, connectedComponents, type KnnOptions, type Neighbors, type Rows } from './knn';
import { assembleCsr, assembleDense, type Blocks } from './sparse';
import { denseSmallest, lobpcgSmallest, sparseDirectSmallest, type SmallestEigen } from './eigen';
import { asMatrix, uniqueRows } from './input';

export type LleMethod = 'standard' | 'modified';

/** A spectrum to project into the embedding (on the same channels as the data). */
export interface StandardSpectrum {
  name: string;
  values: ArrayLike<number>;
}

export interface LleOptions {
  /** Embedding dimension d (scikit-learn's n_components). */
  components: number;
  /** Number of neighbours K (self excluded). __Default:__ 10. */
  neighbors?: number;
  /** 'standard' (Roweis & Saul) or 'modified' (Zhang & Wang). __Default:__ 'modified'. */
  method?: LleMethod;
  /** Regularisation of the barycenter weights (standard LLE and `transform`). __Default:__ 1e-3. */
  reg?: number;
  /** Modified LLE: Householder tolerance. __Default:__ 1e-12. */
  modifiedTol?: number;
  /**
   * 'auto' (default: dense up to `denseLimit` distinct spectra, sparse above), 'dense' (dense M,
   * as scikit-learn), 'sparse' (sparse M; shift-invert with a sparse Cholesky factor — reverse
   * Cuthill–McKee envelope — or, when that factor would be too large, LOBPCG from a landmark
   * embedding, said in the warnings) or 'lobpcg' (sparse M, always LOBPCG).
   */
  eigenSolver?: 'auto' | 'dense' | 'sparse' | 'lobpcg';
  /** Sparse direct solver: largest Cholesky factor (stored values) before LOBPCG is used instead. __Default:__ 6·10⁷ (480 MB). */
  maxFactorEntries?: number;
  /** Largest number of distinct spectra solved densely under 'auto'. __Default:__ 200 (scikit-learn's switch to ARPACK). */
  denseLimit?: number;
  /** Nearest-neighbour search. __Default:__ 'auto' (exact; above 6,000 spectra only within the budget `knnOptions.maxPairs`, else approximate, said in the warnings). */
  knn?: KnnOptions['algorithm'];
  /** Settings of the search: `exactLimit` and `maxPairs` of 'auto'; trees, leafSize, refine, pcaDimensions of the approximate forest. */
  knnOptions?: Omit<KnnOptions, 'algorithm' | 'seed' | 'scores'>;
  /** LOBPCG path: number of landmark spectra whose dense embedding starts LOBPCG. __Default:__ 2000. */
  landmarks?: number;
  /** Eigensolver tolerance (dense and sparse direct: residual / (max |M_ij|·√n), default 1e-13; LOBPCG: residual / max diag M, default 1e-7). */
  tol?: number;
  /** Maximum iterations of the sparse solvers (shift-invert steps or LOBPCG iterations). __Default:__ 300. */
  maxIter?: number;
  /** Seed (landmark choice, random projections). __Default:__ 0. */
  seed?: number;
  /** Standard spectra projected with `transform` and used by the orientation rule and the progress map. */
  standards?: StandardSpectrum[];
  /** Indices into `standards` of the progress map's 0 and 1. __Default:__ first and last standard. */
  progressStandards?: [number, number];
}

/** A fitted embedding (what sklearn's fitted LocallyLinearEmbedding holds). */
export interface LleModel {
  method: LleMethod;
  d: number;
  K: number;
  reg: number;
  /** Rows of the input (including masked-out ones). */
  rows: number;
  cols: number;
  /** rows×d row-major; masked-out rows are NaN; duplicates share their first occurrence's coordinates. */
  embedding: Float64Array;
  /** Sum of the d eigenvalues of M used (sklearn's reconstruction_error_). */
  reconstructionError: number;
  /** The eigenvalues returned (dense: the d+1 smallest including the null one; sparse: the d computed). */
  eigenvalues: Float64Array;
  /** +1 or −1 per coordinate: the sign applied by the orientation rule to the solver's eigenvectors. */
  signs: number[];
  warnings: string[];
  parameters: Record<string, unknown>;
  standards?: { name: string; coords: Float64Array }[];
  /** Coordinate 0 rescaled: 0 at progressStandards[0], 1 at progressStandards[1] (length rows, NaN where masked). Needs 2 standards. */
  progress?: Float32Array;
  /** Project new spectra (rows×cols, row-major) into the embedding (sklearn's `transform`). */
  transform(y: ArrayLike<number>, rows: number): Float64Array;
  /** Distinct training spectra and their coordinates (internal; for transform). */
  train: { data: Rows; n: number; coords: Float64Array };
}

/** Solve the small SPD system G w = 1 (in place, row-major K×K; G destroyed). Returns false if G is not positive definite. */
function solveOnes(G: Float64Array, K: number, w: Float64Array): boolean {
  for (let i = 0; i < K; i++) {
    for (let j = 0; j <= i; j++) {
      let s = G[i * K + j];
      for (let k = 0; k < j; k++) s -= G[i * K + k] * G[j * K + k];
      if (i === j) {
        if (!(s > 0)) return false;
        G[i * K + i] = Math.sqrt(s);
      } else G[i * K + j] = s / G[j * K + j];
    }
  }
  for (let i = 0; i < K; i++) {
    let s = 1;
    for (let k = 0; k < i; k++) s -= G[i * K + k] * w[k];
    w[i] = s / G[i * K + i];
  }
  for (let i = K - 1; i >= 0; i--) {
    let s = w[i];
    for (let k = i + 1; k < K; k++) s -= G[k * K + i] * w[k];
    w[i] = s / G[i * K + i];
  }
  return true;
}

/** Local Gram matrix G = (X_N − x)(X_N − x)ᵀ (K×K) of the neighbours `idx` of point x (row `xi` of `xs`, or the vector `xv`). */
function localGram(ref: Rows, m: number, idx: Int32Array, off: number, K: number, x: ArrayLike<number>, xo: number, D: Float64Array, G: Float64Array): void {
  for (let a = 0; a < K; a++) {
    const b = idx[off + a] * m;
    for (let e = 0; e < m; e++) D[a * m + e] = ref[b + e] - x[xo + e];
  }
  for (let a = 0; a < K; a++) {
    const da = a * m;
    for (let c = a; c < K; c++) {
      const dc = c * m;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let e = 0;
      for (; e + 3 < m; e += 4) {
        s0 += D[da + e] * D[dc + e];
        s1 += D[da + e + 1] * D[dc + e + 1];
        s2 += D[da + e + 2] * D[dc + e + 2];
        s3 += D[da + e + 3] * D[dc + e + 3];
      }
      for (; e < m; e++) s0 += D[da + e] * D[dc + e];
      const s = s0 + s1 + (s2 + s3);
      G[a * K + c] = s;
      G[c * K + a] = s;
    }
  }
}

/**
 * Barycenter weights (sklearn `barycenter_weights`): for each query row,
 * G = (Y_N − x)(Y_N − x)ᵀ, G += R·I with R = reg·trace(G) (reg if the trace
 * is 0), solve G w = 1, w /= Σw. Returns q×K weights and the number of
 * neighbourhoods that needed a larger R (×10 until positive definite).
 */
export function barycenterWeights(
  query: ArrayLike<number>,
  nq: number,
  ref: Rows,
  m: number,
  nb: { index: Int32Array; K: number },
  reg: number,
): { weights: Float64Array; bumped: number } {
  const K = nb.K;
  const D = new Float64Array(K * m);
  const G = new Float64Array(K * K);
  const G0 = new Float64Array(K * K);
  const w = new Float64Array(K);
  const out = new Float64Array(nq * K);
  let bumped = 0;
  for (let i = 0; i < nq; i++) {
    localGram(ref, m, nb.index, i * K, K, query, i * m, D, G0);
    let trace = 0;
    for (let a = 0; a < K; a++) trace += G0[a * K + a];
    let R = trace > 0 ? reg * trace : reg;
    for (let attempt = 0; ; attempt++) {
      G.set(G0);
      for (let a = 0; a < K; a++) G[a * K + a] += R;
      if (solveOnes(G, K, w)) break;
      if (attempt > 20) throw new SpecmapError('LLE', `barycenter weights: the local Gram matrix of spectrum ${i} is not positive definite`);
      if (attempt === 0) bumped++;
      R = R > 0 ? R * 10 : 1e-12;
    }
    let s = 0;
    for (let a = 0; a < K; a++) s += w[a];
    for (let a = 0; a < K; a++) out[i * K + a] = w[a] / s;
  }
  return { weights: out, bumped };
}

function median(v: Float64Array): number {
  const s = Float64Array.from(v).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) >> 1] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

/** Standard LLE blocks r rᵀ with r = [1, −w] on [i, N_i]. */
function standardBlocks(x: Rows, n: number, m: number, nb: Neighbors, reg: number, warnings: string[]): Blocks {
  const K = nb.K;
  const S = K + 1;
  const { weights, bumped } = barycenterWeights(x, n, x, m, nb, reg);
  if (K > m) warnings.push(`regularised: rank-deficient neighbourhoods (K=${K} neighbours > ${m} channels; reg·trace(G) added to the local Gram matrices)`);
  if (bumped > 0) warnings.push(`regularised: ${bumped} rank-deficient neighbourhoods needed a larger regularisation than reg=${reg}`);
  const sets = new Int32Array(n * S);
  const blocks = new Float64Array(n * S * S);
  const r = new Float64Array(S);
  for (let i = 0; i < n; i++) {
    sets[i * S] = i;
    r[0] = 1;
    for (let a = 0; a < K; a++) {
      sets[i * S + 1 + a] = nb.index[i * K + a];
      r[1 + a] = -weights[i * K + a];
    }
    const bb = i * S * S;
    for (let a = 0; a < S; a++) for (let c = 0; c < S; c++) blocks[bb + a * S + c] = r[a] * r[c];
  }
  return { n, S, sets, blocks };
}

/** Modified LLE blocks (Zhang & Wang; scikit-learn 1.2's algorithm, see algorithms.md §2.4). */
function modifiedBlocks(x: Rows, n: number, m: number, nb: Neighbors, d: number, modifiedTol: number, warnings: string[], diagnostics: Record<string, unknown>): Blocks {
  const K = nb.K;
  const S = K + 1;
  const nev = Math.min(m, K);
  const V = new Float64Array(n * K * K); // V[i][a][r]: column r = r-th eigenvector (decreasing eigenvalue)
  const evals = new Float64Array(n * nev);
  const D = new Float64Array(K * m);
  const G = new Float64Array(K * K);
  const eig = new SmallEigen(K);
  for (let i = 0; i < n; i++) {
    localGram(x, m, nb.index, i * K, K, x, i * m, D, G);
    eig.solve(G);
    for (let r = 0; r < K; r++) for (let a = 0; a < K; a++) V[i * K * K + a * K + r] = eig.vectors[r * K + a];
    for (let r = 0; r < nev; r++) {
      let v = eig.values[r];
      if (K > m && v < 0) v = 0; // sklearn takes squared singular values here
      evals[i * nev + r] = v;
    }
  }
  // regularised weights
  const wReg = new Float64Array(n * K);
  const tmp = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    let tot = 0;
    for (let r = 0; r < nev; r++) tot += evals[i * nev + r];
    const reg = 1e-3 * tot;
    for (let r = 0; r < K; r++) {
      let s = 0;
      for (let a = 0; a < K; a++) s += V[i * K * K + a * K + r];
      tmp[r] = r < nev ? s / (evals[i * nev + r] + reg) : s / reg;
    }
    let sum = 0;
    for (let a = 0; a < K; a++) {
      let s = 0;
      for (let r = 0; r < K; r++) s += V[i * K * K + a * K + r] * tmp[r];
      wReg[i * K + a] = s;
      sum += s;
    }
    for (let a = 0; a < K; a++) wReg[i * K + a] /= sum;
  }
  // eta = median of the small/large eigenvalue ratios
  const rho = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let small = 0;
    let large = 0;
    for (let r = 0; r < nev; r++) (r < d ? (large += evals[i * nev + r]) : (small += evals[i * nev + r]));
    rho[i] = small / large;
  }
  const eta = median(rho);
  const sizes = new Int32Array(n);
  let emptyS = 0;
  const cum = new Float64Array(nev);
  for (let i = 0; i < n; i++) {
    let c = 0;
    for (let r = 0; r < nev; r++) {
      c += evals[i * nev + r];
      cum[r] = c;
    }
    let s = 0;
    for (let j = 0; j < nev - 1; j++) if (cum[nev - 1] / cum[j] - 1 < eta) s++; // numpy: searchsorted(eta_range[::-1], eta)
    s += K - nev;
    if (s < 1) emptyS++;
    sizes[i] = s;
  }
  const hist: number[] = new Array(K + 1).fill(0);
  for (let i = 0; i < n; i++) hist[sizes[i]]++;
  diagnostics.eta = eta;
  diagnostics.nullSpaceSizes = hist;
  if (emptyS > 0) warnings.push(`modified LLE: ${emptyS} of ${n} neighbourhoods have an empty almost-null space (s_i = 0) and add nothing to M, as in scikit-learn`);
  const sets = new Int32Array(n * S);
  const blocks = new Float64Array(n * S * S);
  const vsumAll = new Float64Array(K);
  const hAll = new Float64Array(K);
  const WiAll = new Float64Array(K * K);
  for (let i = 0; i < n; i++) {
    const s = sizes[i];
    for (let a = 0; a <= K; a++) sets[i * S + a] = a === 0 ? i : nb.index[i * K + a - 1];
    if (s === 0) continue; // sklearn: Wi is K×0, the block is zero
    const c0 = K - s;
    const vsum = vsumAll;
    for (let c = 0; c < s; c++) {
      let t = 0;
      for (let a = 0; a < K; a++) t += V[i * K * K + a * K + c0 + c];
      vsum[c] = t;
    }
    let nv = 0;
    for (let c = 0; c < s; c++) nv += vsum[c] * vsum[c];
    const alpha = Math.sqrt(nv) / Math.sqrt(s);
    const h = hAll;
    let nh = 0;
    for (let c = 0; c < s; c++) {
      h[c] = alpha - vsum[c];
      nh += h[c] * h[c];
    }
    nh = Math.sqrt(nh);
    if (nh < modifiedTol) h.fill(0, 0, s);
    else for (let c = 0; c < s; c++) h[c] /= nh;
    // Wi = Vi − 2 (Vi h) hᵀ + (1 − α) w_reg 1ᵀ   (K×s)
    const Wi = WiAll;
    for (let a = 0; a < K; a++) {
      let vh = 0;
      for (let c = 0; c < s; c++) vh += V[i * K * K + a * K + c0 + c] * h[c];
      for (let c = 0; c < s; c++) Wi[a * s + c] = V[i * K * K + a * K + c0 + c] - 2 * vh * h[c] + (1 - alpha) * wReg[i * K + a];
    }
    const bb = i * S * S;
    sets[i * S] = i;
    blocks[bb] = s;
    for (let a = 0; a < K; a++) {
      sets[i * S + 1 + a] = nb.index[i * K + a];
      let rs = 0;
      for (let c = 0; c < s; c++) rs += Wi[a * s + c];
      blocks[bb + 1 + a] = -rs;
      blocks[bb + (1 + a) * S] = -rs;
      for (let b = a; b < K; b++) {
        let t = 0;
        for (let c = 0; c < s; c++) t += Wi[a * s + c] * Wi[b * s + c];
        blocks[bb + (1 + a) * S + 1 + b] = t;
        blocks[bb + (1 + b) * S + 1 + a] = t;
      }
    }
  }
  return { n, S, sets, blocks };
}

/** Core of the fit on distinct rows: neighbours, blocks, eigenproblem. Returns nu×d coordinates (solver signs). */
function embedRows(
  x: Rows,
  n: number,
  m: number,
  opt: Required<Pick<LleOptions, 'components' | 'neighbors' | 'method' | 'reg' | 'modifiedTol' | 'eigenSolver' | 'denseLimit' | 'landmarks' | 'maxIter' | 'seed'>> & { tol?: number; maxFactorEntries?: number; knn: KnnOptions['algorithm']; knnOptions?: Omit<KnnOptions, 'algorithm' | 'seed'> },
  warnings: string[],
  parameters: Record<string, unknown>,
): { coords: Float64Array; eig: SmallestEigen; error: number } {
  const d = opt.components;
  const K = opt.neighbors;
  if (K >= n) throw new SpecmapError('NEIGHBORS', `neighbors K=${K} too large for ${n} spectra (needs K < number of distinct spectra)`);
  if (d >= n) throw new SpecmapError('K_RANGE', `embedding dimension ${d} too large for ${n} distinct spectra`);
  if (opt.method === 'modified' && K < d) throw new SpecmapError('NEIGHBORS', `modified LLE needs neighbors K ≥ components d, got K=${K}, d=${d}`);
  const nb = kNearestNeighbors(x, n, m, K, { ...opt.knnOptions, algorithm: opt.knn, seed: opt.seed });
  parameters.knn = nb.algorithm;
  if (nb.details) parameters.knnDetails = nb.details;
  if (nb.algorithm === 'approximate' && nb.details) {
    const dt = nb.details;
    warnings.push(`approximate nearest neighbours: random-projection forest on ${dt.pcaDimensions} PCA scores, ${dt.trees} trees, leaves of ≤ ${dt.leafSize} spectra compared on the full spectra${dt.refinement === 'none' ? '' : ', refined by neighbours of neighbours'}${dt.reason ? ` (${dt.reason})` : ''}`);
  }
  const comps = connectedComponents(nb);
  if (comps > 1) warnings.push(`the ${K}-nearest-neighbour graph has ${comps} disconnected parts: the embedding separates them arbitrarily (increase --neighbors)`);
  const blocks = opt.method === 'modified' ? modifiedBlocks(x, n, m, nb, d, opt.modifiedTol, warnings, parameters) : standardBlocks(x, n, m, nb, opt.reg, warnings);
  const dense = opt.eigenSolver === 'dense' || (opt.eigenSolver === 'auto' && n <= opt.denseLimit);
  let eig: SmallestEigen | null = null;
  let vectors: Float64Array[];
  let error = 0;
  if (dense) {
    parameters.eigenSolver = 'dense';
    const M = assembleDense(blocks);
    eig = denseSmallest(M, n, d + 1, { tol: opt.tol });
    vectors = eig.vectors.slice(1);
    for (let c = 1; c <= d; c++) error += eig.values[c];
  } else {
    const M = assembleCsr(blocks);
    parameters.nonZeros = M.val.length;
    if (opt.eigenSolver !== 'lobpcg') {
      const direct = sparseDirectSmallest(M, d + 1, { tol: opt.tol, maxIter: opt.maxIter, maxEntries: opt.maxFactorEntries });
      if (direct) {
        parameters.eigenSolver = 'sparse-direct';
        parameters.factor = direct.factor;
        eig = direct;
      } else {
        warnings.push(`sparse eigensolver: the Cholesky factor of M would be too large (${n} spectra, reverse Cuthill–McKee envelope over the limit); LOBPCG from a landmark embedding used instead`);
      }
    }
    if (eig) {
      vectors = eig.vectors.slice(1);
      for (let c = 1; c <= d; c++) error += eig.values[c];
    } else {
      parameters.eigenSolver = 'lobpcg';
      const start = landmarkStart(x, n, m, d, opt, warnings, parameters);
      const ones = new Float64Array(n).fill(1 / Math.sqrt(n));
      eig = lobpcgSmallest(M, start, [ones], { tol: opt.tol ?? 1e-7, maxIter: opt.maxIter, want: d });
      vectors = eig.vectors.slice(0, d);
      for (let c = 0; c < d; c++) error += eig.values[c];
    }
  }
  warnings.push(...eig.warnings);
  parameters.eigenIterations = eig.iterations;
  parameters.eigenResidual = eig.residual;
  const coords = new Float64Array(n * d);
  for (let c = 0; c < d; c++) for (let i = 0; i < n; i++) coords[i * d + c] = vectors[c][i];
  return { coords, eig, error };
}

/**
 * Start vectors of the sparse solver: the dense embedding of L seeded random
 * landmark spectra, extended to every spectrum by barycenter weights on its K
 * nearest landmarks (landmarks found on the first PCA scores, weights on the
 * full spectra).
 */
function landmarkStart(
  x: Rows,
  n: number,
  m: number,
  d: number,
  opt: Parameters<typeof embedRows>[3],
  warnings: string[],
  parameters: Record<string, unknown>,
): Float64Array[] {
  const L = Math.min(n, Math.max(opt.landmarks, 4 * opt.neighbors, d + 2));
  const rng = new Rng(opt.seed);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < L; i++) {
    const j = i + Math.floor(rng.uniform() * (n - i));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const chosen = Array.from(perm.subarray(0, L)).sort((a, b) => a - b);
  const sub: Rows = x instanceof Float32Array ? new Float32Array(L * m) : new Float64Array(L * m);
  chosen.forEach((r, k) => sub.set(x.subarray(r * m, r * m + m), k * m));
  const subWarnings: string[] = [];
  // a few extra coordinates make the block solver robust (LOBPCG on d vectors only can settle on a higher pair)
  const extra = Math.max(0, Math.min(4, L - d - 2, opt.neighbors - d));
  const fit = embedRows(sub, L, m, { ...opt, components: d + extra, eigenSolver: 'dense', knn: 'exact', knnOptions: { ...opt.knnOptions, scores: undefined } }, subWarnings, {});
  const dd = d + extra;
  warnings.push(...subWarnings.map((w) => `landmarks: ${w}`));
  // nearest landmarks on PCA scores
  const p = Math.min(12, m, L);
  const scores = pca({ data: x, rows: n, cols: m }, { components: p }).weights;
  const subScores = new Float32Array(L * p);
  chosen.forEach((r, k) => subScores.set(scores.subarray(r * p, r * p + p), k * p));
  const K = Math.min(opt.neighbors, L - 1);
  const nb = queryKnn(subScores, L, scores, n, p, K);
  const { weights } = barycenterWeights(x, n, sub, m, nb, opt.reg);
  const start: Float64Array[] = [];
  for (let c = 0; c < dd; c++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let a = 0; a < K; a++) s += weights[i * K + a] * fit.coords[nb.index[i * K + a] * dd + c];
      v[i] = s;
    }
    start.push(v);
  }
  parameters.landmarks = L;
  parameters.lobpcgBlock = dd;
  return start;
}

/**
 * Locally linear embedding, standard or modified, as scikit-learn 1.2's
 * `LocallyLinearEmbedding(n_neighbors=K, n_components=d, reg, method,
 * modified_tol, eigen_solver='dense')` computes it (algorithms.md §2.4), with:
 *
 * - exact duplicates removed first (warning "duplicates removed"); they get
 *   the coordinates of their first occurrence;
 * - K nearest neighbours exact (brute force below 2,048 spectra, else blocks
 *   sorted by the first PCA score and pruned by PCA lower bounds, distances
 *   on the WASM SIMD kernels); above 6,000 spectra, when the pruned search
 *   would exceed its budget (`knnOptions.maxPairs`), an approximate
 *   random-projection forest instead, said in the warnings;
 * - the eigenproblem dense (shift-invert subspace iteration, same pairs as
 *   LAPACK `eigh`) up to 200 distinct spectra, else sparse M in CSR solved by
 *   shift-invert with a sparse Cholesky factor (reverse Cuthill–McKee
 *   envelope; the same pairs as the dense solver and as scikit-learn's
 *   ARPACK shift-invert), or LOBPCG started from a landmark embedding when
 *   that factor would be too large (said in the warnings);
 * - the orientation rule (the solver's signs are arbitrary): with ≥ 2
 *   standards, coordinate 0 is signed so that the standard
 *   progressStandards[0] (default the first) lies below progressStandards[1]
 *   (default the last); with one standard, so that it lies at or below 0;
 *   every other coordinate j (and coordinate 0 without standards) is signed to
 *   correlate positively with the j-th PCA score (PCA axes signed with their
 *   largest-magnitude entry positive); a zero correlation leaves the entry of
 *   largest magnitude positive.
 */
export function lle(x: SpectralStack | MatrixView, options: LleOptions): LleModel {
  const view = asMatrix(x);
  const d = options.components;
  if (!Number.isInteger(d) || d < 1) throw new SpecmapError('K_RANGE', `embedding dimension (components) must be a positive integer, got ${d}`);
  const K = options.neighbors ?? 10;
  if (!Number.isInteger(K) || K < 1) throw new SpecmapError('NEIGHBORS', `neighbors K=${K} must be a positive integer`);
  const method = options.method ?? 'modified';
  if (method !== 'standard' && method !== 'modified') throw new SpecmapError('OPTION', `LLE method must be 'standard' or 'modified', got '${String(method)}'`);
  const reg = options.reg ?? 1e-3;
  if (!(reg >= 0) || !Number.isFinite(reg)) throw new SpecmapError('OPTION', `reg must be a finite number ≥ 0, got ${reg}`);
  const eigenSolver = options.eigenSolver ?? 'auto';
  if (!['auto', 'dense', 'sparse', 'lobpcg'].includes(eigenSolver)) throw new SpecmapError('OPTION', `eigenSolver must be 'auto', 'dense', 'sparse' or 'lobpcg', got '${eigenSolver}'`);
  const warnings: string[] = [];
  const u = uniqueRows(view);
  const m = u.cols;
  if (u.duplicates > 0) {
    warnings.push(`duplicates removed: ${u.duplicates} of ${u.active.length} spectra repeat an earlier one exactly; they share its coordinates`);
  }
  if (K >= u.nu) throw new SpecmapError('NEIGHBORS', `neighbors K=${K} too large for ${u.nu} spectra${u.duplicates ? ' (after removing duplicates)' : ''}`);
  const parameters: Record<string, unknown> = {
    method,
    components: d,
    neighbors: K,
    reg,
    modifiedTol: options.modifiedTol ?? 1e-12,
    distinctSpectra: u.nu,
    duplicates: u.duplicates,
  };
  const opt = {
    components: d,
    neighbors: K,
    method,
    reg,
    modifiedTol: options.modifiedTol ?? 1e-12,
    eigenSolver,
    denseLimit: options.denseLimit ?? 200,
    landmarks: options.landmarks ?? 2000,
    maxIter: options.maxIter ?? 300,
    seed: options.seed ?? 0,
    tol: options.tol,
    knn: options.knn ?? 'auto',
    knnOptions: options.knnOptions,
    maxFactorEntries: options.maxFactorEntries,
  } as const;
  // One PCA of the distinct spectra serves the orientation rule (first d scores) and the pruned
  // exact neighbour search (first 8 scores as lower bounds of the distances).
  const pk = Math.min(d, m, u.nu);
  const P = Math.max(pk, Math.min(8, m, u.nu - 1));
  const pcaScores = pca({ data: u.data, rows: u.nu, cols: m }, { components: P, solver: 'randomized', seed: 0 }).weights;
  const fit = embedRows(u.data, u.nu, m, { ...opt, knnOptions: { ...opt.knnOptions, scores: { data: pcaScores, p: P } } }, warnings, parameters);
  const coords = fit.coords;
  const nu = u.nu;
  const transformRaw = (y: ArrayLike<number>, q: number): Float64Array => {
    if (y.length !== q * m) throw new SpecmapError('SHAPE', `transform: ${y.length} values for ${q} spectra of ${m} channels`);
    for (let i = 0; i < y.length; i++) if (!Number.isFinite(y[i])) throw new SpecmapError('NAN', `transform: spectrum ${Math.floor(i / m)} contains a non-finite value`);
    const yq = Float64Array.from(y);
    const nb = queryKnn(u.data, nu, yq, q, m, K);
    const { weights } = barycenterWeights(yq, q, u.data, m, nb, reg);
    const out = new Float64Array(q * d);
    for (let i = 0; i < q; i++) {
      for (let c = 0; c < d; c++) {
        let s = 0;
        for (let a = 0; a < K; a++) s += weights[i * K + a] * coords[nb.index[i * K + a] * d + c];
        out[i * d + c] = s;
      }
    }
    return out;
  };
  // Orientation rule.
  const signs: number[] = new Array(d).fill(1);
  const standards = options.standards ?? [];
  for (const s of standards) {
    if (s.values.length !== m) throw new SpecmapError('SHAPE', `standard ${s.name} has ${s.values.length} values but the spectra have ${m} channels`);
  }
  let stdCoords: Float64Array | undefined;
  if (standards.length > 0) {
    const flat = new Float64Array(standards.length * m);
    standards.forEach((s, k) => flat.set(Array.from(s.values), k * m));
    stdCoords = transformRaw(flat, standards.length);
  }
  const [pa, pb] = options.progressStandards ?? [0, Math.max(0, standards.length - 1)];
  if (standards.length > 0 && (!(pa >= 0 && pa < standards.length) || !(pb >= 0 && pb < standards.length))) {
    throw new SpecmapError('OPTION', `progressStandards [${pa}, ${pb}] out of range for ${standards.length} standards`);
  }
  for (let c = 0; c < d; c++) {
    let flip = false;
    let decided = false;
    if (c === 0 && stdCoords && standards.length >= 2 && pa !== pb) {
      const ta = stdCoords[pa * d];
      const tb = stdCoords[pb * d];
      if (ta !== tb) {
        flip = ta > tb;
        decided = true;
      }
    } else if (c === 0 && stdCoords && standards.length === 1) {
      if (stdCoords[0] !== 0) {
        flip = stdCoords[0] > 0;
        decided = true;
      }
    }
    if (!decided && c < pk) {
      let s = 0;
      let ma = 0;
      let mb = 0;
      for (let i = 0; i < nu; i++) {
        ma += coords[i * d + c];
        mb += pcaScores[i * P + c];
      }
      ma /= nu;
      mb /= nu;
      for (let i = 0; i < nu; i++) s += (coords[i * d + c] - ma) * (pcaScores[i * P + c] - mb);
      if (s !== 0) {
        flip = s < 0;
        decided = true;
      }
    }
    if (!decided) {
      let best = 0;
      for (let i = 0; i < nu; i++) if (Math.abs(coords[i * d + c]) > Math.abs(best)) best = coords[i * d + c];
      flip = best < 0;
    }
    if (flip) {
      signs[c] = -1;
      for (let i = 0; i < nu; i++) coords[i * d + c] = -coords[i * d + c];
      if (stdCoords) for (let k = 0; k < standards.length; k++) stdCoords[k * d + c] = -stdCoords[k * d + c];
    }
  }
  const embedding = new Float64Array(u.rows * d).fill(NaN);
  for (let a = 0; a < u.active.length; a++) {
    const r = u.active[a];
    const q = u.uniqueOf[a];
    for (let c = 0; c < d; c++) embedding[r * d + c] = coords[q * d + c];
  }
  let progress: Float32Array | undefined;
  if (stdCoords && standards.length >= 2 && pa !== pb) {
    const ta = stdCoords[pa * d];
    const tb = stdCoords[pb * d];
    progress = new Float32Array(u.rows).fill(NaN);
    if (ta !== tb) {
      for (const r of u.active) progress[r] = (embedding[r * d] - ta) / (tb - ta);
      parameters.progressStandards = [standards[pa].name, standards[pb].name];
    } else {
      warnings.push(`progress map undefined: standards ${standards[pa].name} and ${standards[pb].name} project to the same coordinate`);
    }
  }
  parameters.orientation = standards.length >= 2 ? `coordinate 0: ${standards[pa].name} below ${standards[pb].name}; others: positive correlation with PCA scores` : standards.length === 1 ? `coordinate 0: ${standards[0].name} at or below 0; others: positive correlation with PCA scores` : 'each coordinate correlates positively with the PCA score of the same index';
  return {
    method,
    d,
    K,
    reg,
    rows: u.rows,
    cols: m,
    embedding,
    reconstructionError: fit.error,
    eigenvalues: fit.eig.values,
    signs,
    warnings,
    parameters,
    standards: stdCoords ? standards.map((s, k) => ({ name: s.name, coords: stdCoords!.slice(k * d, k * d + d) })) : undefined,
    progress,
    transform: transformRaw, // coords are already oriented
    train: { data: u.data, n: nu, coords },
  };
}
