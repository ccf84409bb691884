import { SpecmapError } from './errors';
import type { SpectralStack } from './stack';
import { ActiveRows, checkComponents, Decomposition, MatrixView, prepareInput } from './decomposition';
import { gram, kernelsFor, symmetricEigenTop } from './linalg';
import { checkSeed } from './random';
import { MT19937 } from './mt19937';
import { NonNegativeScan, NonNegativeScanner, rankWarning, scanNonNegative } from './nmf-input';
import { forEachRowBlock, isStreamRows, nonFiniteMessage, npyStreamInfo, stackStreamOf, withStreamRows, type StreamOptions, type StreamRows } from './stream';
import { betaDivergence, betaLossValue, fitMu } from './nmf-mu';

export type NmfInit = 'nndsvda' | 'nndsvd' | 'nndsvdar' | 'random';
export type NmfSolver = 'cd' | 'mu';
/** scikit-learn's `beta_loss`: a name or β (2 = Frobenius, 1 = generalised Kullback–Leibler, 0 = Itakura–Saito). */
export type NmfBetaLoss = 'frobenius' | 'kullback-leibler' | 'itakura-saito' | number;

export interface NmfOptions {
  /** Number of components K, an integer with 1 ≤ K ≤ min(n, m). */
  components: number;
  /** Seed of numpy's legacy MT19937 generator; used by `init: 'random'` and `'nndsvdar'` (default 0). */
  seed?: number;
  /** Maximum number of iterations (sweeps W then H), default 200. */
  maxIter?: number;
  /**
   * Stopping tolerance, default 1e-4. 'cd': violation/violation_first ≤ tol;
   * 'mu': every 10 iterations (previous − error)/error_at_init < tol.
   * 0 runs exactly maxIter iterations.
   */
  tol?: number;
  /** Initialisation, default 'nndsvda' (as scikit-learn when K ≤ min(n, m)). */
  init?: NmfInit;
  /** Solver, default 'cd' (coordinate descent / HALS, Frobenius only); 'mu' = multiplicative updates (any β). */
  solver?: NmfSolver;
  /** Loss, default 'frobenius'. Anything else needs `solver: 'mu'`. */
  betaLoss?: NmfBetaLoss;
  /** Regularisation strength on W (the maps), default 0; scaled by n_channels as in scikit-learn 1.2. */
  alphaW?: number;
  /** Regularisation strength on H (the spectra), default 'same' (= alphaW); scaled by n_pixels. */
  alphaH?: number | 'same';
  /** Share of L1 in the regularisation (0 = L2 only, 1 = L1 only), default 0. */
  l1Ratio?: number;
}

/** Regularisation as scikit-learn 1.2 `_compute_regularization` scales it. */
export interface NmfRegularisation {
  l1W: number;
  l1H: number;
  l2W: number;
  l2H: number;
}

/**
 * Non-negative matrix factorisation X ≈ W·H (W n×k, H k×m, both ≥ 0) — a
 * re-implementation of scikit-learn 1.2's `NMF` (without `shuffle`):
 *
 * - init 'nndsvd' / 'nndsvda' / 'nndsvdar': NNDSVD (Boutsidis & Gallopoulos
 *   2008) from the K leading singular triplets of X, taken from the
 *   eigen-decomposition of XᵀX (v_j = eigenvector, σ_j = √λ_j, u_j =
 *   X·v_j/σ_j; deterministic); entries < 1e-6 set to 0; 'nndsvda' then fills
 *   the zeros with mean(X), 'nndsvdar' with |mean(X)·N(0,1)/100| drawn from
 *   numpy's legacy generator seeded with `seed` (W's zeros in row-major order
 *   first, then H's), as scikit-learn does with an integer random_state.
 *   'random': |N(0,1)|·√(mean(X)/K), H drawn before W, from numpy's legacy
 *   generator (mt19937.ts), so the numbers are scikit-learn's for
 *   random_state = seed.
 * - solver 'cd': each iteration updates W, then H. For each row i and
 *   component t (in order): grad = (W·HHᵀ)_it − (X·Hᵀ)_it, projected gradient
 *   pg = min(grad, 0) if W_it = 0 else grad, W_it ← max(W_it − grad/(HHᵀ)_tt, 0)
 *   (skipped when (HHᵀ)_tt = 0); H alike with WᵀW and WᵀX. L2 regularisation
 *   is added to the diagonal of HHᵀ (WᵀW), L1 subtracted from XHᵀ (WᵀX).
 *   violation = Σ|pg| over both. Stop when violation/violation_first ≤ tol.
 * - solver 'mu': see nmf-mu.ts (multiplicative updates, any β).
 * - regularisation: l1_W = alphaW·l1Ratio·m, l2_W = alphaW·(1−l1Ratio)·m,
 *   l1_H = alphaH·l1Ratio·n, l2_H = alphaH·(1−l1Ratio)·n (scikit-learn 1.2).
 * - with tol = 0 exactly maxIter iterations run (`converged` false, no
 *   warning). At maxIter with tol > 0: a warning "NMF did not converge ...".
 * - lossHistory[t] = the data term after iteration t: ½‖X − WH‖²_F for
 *   Frobenius ('cd': from ‖X‖² − 2⟨WᵀX, H⟩ + ⟨WᵀW, HHᵀ⟩, clamped at 0), the
 *   β-divergence D_β(X‖WH) otherwise; `reconstructionError` = √(2·D_β) of
 *   the final factors computed directly (= ‖X − WH‖_F for Frobenius,
 *   scikit-learn's `reconstruction_err_`). Regularisation terms are not in it.
 *
 * Input rule (nmf-input.ts): negative values are read as 0 for the whole fit
 * (the cube is not modified); a warning gives their count and their share of
 * Σ|X|; above 10 % the fit refuses. An all-zero input is an error; K above
 * the numerical rank of X gives a warning.
 *
 * Output convention (specmap's, not scikit-learn's): each component spectrum
 * (row of H) is scaled to a maximum of 1 and its weight column multiplied by
 * the same factor, so the maps carry the intensity; components are ordered by
 * decreasing total contribution ‖w_j‖₁·max(h_j) (= ‖w_j‖₁ after scaling; ties
 * keep the fitted order). With a mask, only masked-in rows are fitted and
 * masked-out rows get weight 0.
 *
 * Performance: X is read in place (Float32 or Float64), factors are Float64.
 * 'cd' makes one pass over X per iteration: for each row, X_i·Hᵀ, the HALS
 * update of W_i, and its contributions to WᵀX and WᵀW are done while the row
 * is in cache (exactly equivalent to scikit-learn's two-step order because
 * rows of W are updated independently). The H update then costs O(m·k²).
 *
 * Out of core: a stack from `streamedStack` (stream.ts) is streamed from its
 * file, as `nmfStream` does (solver 'cd' only).
 */
export function nmf(x: SpectralStack | MatrixView, options: NmfOptions): Decomposition {
  const stream = stackStreamOf(x);
  if (stream) {
    checkStreamable(options);
    return withStreamRows(stream, (src) => nmfRows(src, options));
  }
  return nmfRows(prepareInput(x), options);
}

/**
 * Out-of-core NMF of a float32 C-order `.npy` file (rows = all axes but the
 * last, columns = the last), solver 'cd' (HALS) only: X streams from disk in
 * row blocks through @specmap/kernels — the input scan (Σx, Σx², negatives,
 * NaN check), XᵀX for NNDSVD and X·Vᵀ for its U, one fused HALS pass per
 * iteration (W stays in the kernels' memory), the final residual — so only
 * the n×K factors and m×m matrices are held in memory. The result (W, H,
 * loss history, iterations, error, warnings) is the same, bit for bit, as
 * `nmf()` on the cube in memory (a Float32 matrix without mask); parameters
 * get an `outOfCore` record. Throws SpecmapError('KERNELS') when the
 * WebAssembly kernels are unavailable (inputs of ≥ 2^18 values), 'OPTION'
 * for solver 'mu' or a β-loss other than Frobenius.
 */
export function nmfStream(path: string, options: NmfOptions & StreamOptions): Decomposition {
  checkStreamable(options);
  return withStreamRows(npyStreamInfo(path, options), (src) => nmfRows(src, options));
}

/** Out-of-core NMF runs the HALS ('cd') solver only. */
function checkStreamable(options: NmfOptions): void {
  const solver = options.solver ?? 'cd';
  if (solver !== 'cd') {
    throw new SpecmapError('OPTION', `out-of-core NMF runs solver 'cd' (HALS) only, got solver '${String(solver)}'; analyse in memory for 'mu'`);
  }
  if (betaLossValue(options.betaLoss ?? 'frobenius') !== 2) {
    throw new SpecmapError('OPTION', `out-of-core NMF minimises the Frobenius loss only (solver 'cd'), got beta loss ${String(options.betaLoss)}`);
  }
}

/** nmf() on prepared rows (in memory or streamed). */
function nmfRows(src: ActiveRows, options: NmfOptions): Decomposition {
  const { cols: m, rows: nTotal, count: n, index } = src;
  const k = checkComponents(options.components, n, m);
  const seed = checkSeed(options.seed ?? 0);
  const maxIter = options.maxIter ?? 200;
  if (!Number.isInteger(maxIter) || maxIter < 1) {
    throw new SpecmapError('OPTION', `NMF maxIter must be a positive integer, got ${maxIter}`);
  }
  const tol = options.tol ?? 1e-4;
  if (typeof tol !== 'number' || !(tol >= 0) || !Number.isFinite(tol)) {
    throw new SpecmapError('OPTION', `NMF tol must be a finite number ≥ 0, got ${tol}`);
  }
  const init: NmfInit = options.init ?? 'nndsvda';
  checkInit(init);
  const solver: NmfSolver = options.solver ?? 'cd';
  if (solver !== 'cd' && solver !== 'mu') {
    throw new SpecmapError('OPTION', `NMF solver must be 'cd' or 'mu', got '${String(solver)}'`);
  }
  const betaLoss = options.betaLoss ?? 'frobenius';
  const beta = betaLossValue(betaLoss);
  if (solver === 'cd' && beta !== 2) {
    throw new SpecmapError('OPTION', `NMF solver 'cd' only minimises the Frobenius loss; use solver 'mu' for beta loss ${String(betaLoss)}`);
  }
  const reg = regularisation(options, n, m);
  const warnings: string[] = [];

  const stats = isStreamRows(src) ? scanStream(src, 'NMF', warnings) : scanNonNegative(src, 'NMF', warnings);
  const clip = stats.negatives > 0;
  if (beta <= 0 && stats.minClipped === 0) {
    throw new SpecmapError(
      'OPTION',
      `NMF with beta loss ${String(betaLoss)} (β ≤ 0) needs strictly positive data, but X has ${stats.zeros} zero${clip ? ' or clipped negative' : ''} values; add a small offset or use β > 0`,
    );
  }
  const meanX = stats.sum / (n * m);

  const { W, H } = initialFactors(src, k, init, seed, stats, warnings, 'NMF');
  if (solver === 'mu' && init === 'nndsvd') {
    warnings.push(`NMF: init 'nndsvd' with solver 'mu' leaves the zeros of the initial W and H at zero (multiplicative updates cannot move them); 'nndsvda' is usually better`);
  }

  let iterations: number;
  let converged: boolean;
  let loss: Float64Array;
  let stopValue: number;
  if (solver === 'cd') {
    ({ iterations, converged, loss, stopValue } = fitCd(src, W, H, k, maxIter, tol, reg, clip, stats));
    if (!converged && tol > 0) {
      warnings.push(
        `NMF did not converge in ${iterations} iterations (violation ratio ${stopValue.toPrecision(3)} > tol ${tol}); increase maxIter or tol`,
      );
    }
  } else {
    ({ iterations, converged, loss, stopValue } = fitMu(src, W, H, k, maxIter, tol, reg, beta, clip, stats.sumSq));
    if (!converged && tol > 0) {
      warnings.push(
        `NMF did not converge in ${iterations} iterations (relative error decrease ${stopValue.toPrecision(3)} ≥ tol ${tol} at the last check); increase maxIter or tol`,
      );
    }
  }

  const reconstructionError =
    beta === 2
      ? Math.sqrt(residualSumSq(src, W, H, k, clip))
      : Math.sqrt(2 * Math.max(0, betaDivergence(src, W, H, k, beta, clip)));

  const out = nmfOutput(W, H, n, nTotal, k, m, index, warnings, 'NMF');
  return {
    weights: out.weights,
    components: out.components,
    k,
    iterations,
    converged,
    warnings,
    lossHistory: loss.slice(0, iterations),
    reconstructionError,
    parameters: {
      components: k,
      init,
      seed: init === 'random' || init === 'nndsvdar' ? seed : null,
      maxIter,
      tol,
      solver,
      betaLoss: typeof betaLoss === 'number' ? betaLoss : betaLoss,
      beta,
      alphaW: options.alphaW ?? 0,
      alphaH: options.alphaH ?? 'same',
      l1Ratio: options.l1Ratio ?? 0,
      regularisation: { ...reg },
      [solver === 'cd' ? 'violationRatio' : 'relativeErrorDecrease']: stopValue,
      reconstructionError,
      clippedNegatives: stats.negatives,
      negativeShare: stats.negativeShare,
      meanX,
      fittedRows: n,
      componentScaling: 'max of each component spectrum = 1',
      componentOrder: 'decreasing sum(weights)·max(spectrum)',
    },
  };
}

/** Check an init name (throws SpecmapError('OPTION')). */
export function checkInit(init: string): void {
  if (!['nndsvda', 'nndsvd', 'nndsvdar', 'random'].includes(init)) {
    throw new SpecmapError('OPTION', `NMF init must be 'nndsvda', 'nndsvd', 'nndsvdar' or 'random', got '${String(init)}'`);
  }
}

/** scikit-learn 1.2's scaled regularisation terms (checks the options). */
export function regularisation(options: Pick<NmfOptions, 'alphaW' | 'alphaH' | 'l1Ratio'>, n: number, m: number): NmfRegularisation {
  const alphaW = options.alphaW ?? 0;
  const alphaHOpt = options.alphaH ?? 'same';
  const l1Ratio = options.l1Ratio ?? 0;
  if (typeof alphaW !== 'number' || !(alphaW >= 0) || !Number.isFinite(alphaW)) {
    throw new SpecmapError('OPTION', `NMF alphaW must be a finite number ≥ 0, got ${alphaW}`);
  }
  if (alphaHOpt !== 'same' && (typeof alphaHOpt !== 'number' || !(alphaHOpt >= 0) || !Number.isFinite(alphaHOpt))) {
    throw new SpecmapError('OPTION', `NMF alphaH must be 'same' or a finite number ≥ 0, got ${String(alphaHOpt)}`);
  }
  if (typeof l1Ratio !== 'number' || !(l1Ratio >= 0 && l1Ratio <= 1)) {
    throw new SpecmapError('OPTION', `NMF l1Ratio must be between 0 and 1, got ${l1Ratio}`);
  }
  const alphaH = alphaHOpt === 'same' ? alphaW : alphaHOpt;
  return {
    l1W: m * alphaW * l1Ratio,
    l1H: n * alphaH * l1Ratio,
    l2W: m * alphaW * (1 - l1Ratio),
    l2H: n * alphaH * (1 - l1Ratio),
  };
}

/**
 * Initial W (n×k) and H (k×m) for the NMF family (scikit-learn's
 * `_initialize_nmf` formulas; see nmf()). Adds a warning when K exceeds the
 * numerical rank of X (NNDSVD inits only, which see the singular values).
 */
export function initialFactors(
  src: ActiveRows,
  k: number,
  init: NmfInit,
  seed: number,
  stats: NonNegativeScan,
  warnings: string[],
  label: string,
): { W: Float64Array; H: Float64Array } {
  const n = src.count;
  const m = src.cols;
  const meanX = stats.sum / (n * m);
  const clip = stats.negatives > 0;
  if (init === 'random') return randomInit(n, m, k, meanX, seed);
  const r = nndsvdInit(src, k, clip);
  rankWarning(label, k, r.eigenvalues, warnings);
  const { W, H } = r;
  if (init === 'nndsvda') {
    for (let i = 0; i < W.length; i++) if (W[i] === 0) W[i] = meanX;
    for (let i = 0; i < H.length; i++) if (H[i] === 0) H[i] = meanX;
  } else if (init === 'nndsvdar') {
    const rng = new MT19937(seed);
    for (let i = 0; i < W.length; i++) if (W[i] === 0) W[i] = Math.abs((meanX * rng.standardNormal()) / 100);
    for (let i = 0; i < H.length; i++) if (H[i] === 0) H[i] = Math.abs((meanX * rng.standardNormal()) / 100);
  }
  return { W, H };
}

/**
 * specmap's output convention for W (n×k) and H (k×m): spectra scaled to
 * max 1 (maps carry the intensity), ordered by decreasing ‖w_j‖₁·max(h_j);
 * masked-out rows get weight 0. Warns about identically zero components.
 */
export function nmfOutput(
  W: Float64Array,
  H: Float64Array,
  n: number,
  nTotal: number,
  k: number,
  m: number,
  index: Int32Array,
  warnings: string[],
  label: string,
): { weights: Float32Array; components: Float64Array; order: number[]; scale: Float64Array } {
  const scale = new Float64Array(k);
  const contribution = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    let mx = 0;
    for (let j = 0; j < m; j++) if (H[t * m + j] > mx) mx = H[t * m + j];
    scale[t] = mx;
    let l1 = 0;
    for (let r = 0; r < n; r++) l1 += W[r * k + t];
    contribution[t] = l1 * mx;
    if (mx === 0 || l1 === 0) warnings.push(`${label}: component ${t} is identically zero (K=${k} may be more than the data support)`);
  }
  const order = Array.from({ length: k }, (_, t) => t).sort((a, b) => contribution[b] - contribution[a] || a - b);
  const components = new Float64Array(k * m);
  const weights = new Float32Array(nTotal * k);
  for (let c = 0; c < k; c++) {
    const t = order[c];
    const s = scale[t] > 0 ? scale[t] : 1;
    for (let j = 0; j < m; j++) components[c * m + j] = H[t * m + j] / s;
    for (let r = 0; r < n; r++) weights[index[r] * k + c] = W[r * k + t] * s;
  }
  return { weights, components, order, scale };
}

/** scikit-learn's `cd` solver (see nmf()); updates W and H in place. */
function fitCd(
  src: ActiveRows,
  W: Float64Array,
  H: Float64Array,
  k: number,
  maxIter: number,
  tol: number,
  reg: NmfRegularisation,
  clip: boolean,
  stats: NonNegativeScan,
): { iterations: number; converged: boolean; loss: Float64Array; stopValue: number } {
  const { cols: m, count: n, index } = src;
  // ---- iterations ---------------------------------------------------------
  const HHt = new Float64Array(k * k);
  const WtW = new Float64Array(k * k);
  const WtX = new Float64Array(k * m);
  const xr = new Float64Array(m);
  const xh = new Float64Array(k);
  const loss = new Float64Array(maxIter);
  const hhReg = new Float64Array(k * k);
  const wwReg = new Float64Array(k * k);
  const regularised = reg.l1W !== 0 || reg.l2W !== 0 || reg.l1H !== 0 || reg.l2H !== 0;
  const withL2 = (G: Float64Array, out: Float64Array, l2: number): Float64Array => {
    out.set(G);
    if (l2 !== 0) for (let t = 0; t < k; t++) out[t * k + t] += l2;
    return out;
  };
  gramRows(H, k, m, HHt);
  let violationInit = 0;
  let ratio = NaN;
  let converged = false;
  let iterations = 0;
  const data = src.data;
  // Large Float32 inputs: the same row pass on @specmap/kernels (WASM SIMD, worker threads; W kept in shared memory).
  const session = kernelsFor(src)?.halsSession(src, W, k, clip) ?? null;
  if (!session && isStreamRows(src)) {
    throw new SpecmapError('KERNELS', `out-of-core NMF: the kernels could not open a HALS session on ${src.path} (W, ${n}×${k} Float64, does not fit their memory)`);
  }

  for (let it = 1; it <= maxIter; it++) {
    iterations = it;
    WtW.fill(0);
    WtX.fill(0);
    let violation = 0;
    const hh = regularised ? withL2(HHt, hhReg, reg.l2W) : HHt;
    // W half-sweep fused with the accumulation of WᵀX and WᵀW (one pass over X).
    if (session) {
      const pass = session.pass(H, hh, reg.l1W);
      WtX.set(pass.WtX);
      WtW.set(pass.WtW);
      violation = pass.violation;
    } else for (let r = 0; r < n; r++) {
      const base = index[r] * m;
      if (clip) {
        for (let j = 0; j < m; j++) {
          const v = data[base + j];
          xr[j] = v > 0 ? v : 0;
        }
      } else {
        for (let j = 0; j < m; j++) xr[j] = data[base + j];
      }
      // X_i·Hᵀ, two components per pass over the row (each x_j loaded once for both).
      let t0 = 0;
      for (; t0 + 1 < k; t0 += 2) {
        const o1 = t0 * m;
        const o2 = o1 + m;
        let s1 = 0;
        let s2 = 0;
        for (let j = 0; j < m; j++) {
          const v = xr[j];
          s1 += v * H[o1 + j];
          s2 += v * H[o2 + j];
        }
        xh[t0] = s1;
        xh[t0 + 1] = s2;
      }
      if (t0 < k) {
        const o1 = t0 * m;
        let s1 = 0;
        for (let j = 0; j < m; j++) s1 += xr[j] * H[o1 + j];
        xh[t0] = s1;
      }
      const wo = r * k;
      for (let t = 0; t < k; t++) {
        let grad = -(xh[t] - reg.l1W);
        for (let s = 0; s < k; s++) grad += hh[t * k + s] * W[wo + s];
        const w = W[wo + t];
        violation += Math.abs(w === 0 ? Math.min(0, grad) : grad);
        const hess = hh[t * k + t];
        if (hess !== 0) {
          const nw = w - grad / hess;
          W[wo + t] = nw > 0 ? nw : 0;
        }
      }
      // Contributions of the updated row to WᵀW and WᵀX (two components per pass over the row).
      for (let t = 0; t < k; t++) {
        const w = W[wo + t];
        if (w !== 0) for (let s = 0; s < k; s++) WtW[t * k + s] += w * W[wo + s];
      }
      t0 = 0;
      for (; t0 + 1 < k; t0 += 2) {
        const w1 = W[wo + t0];
        const w2 = W[wo + t0 + 1];
        const o1 = t0 * m;
        const o2 = o1 + m;
        for (let j = 0; j < m; j++) {
          const v = xr[j];
          WtX[o1 + j] += w1 * v;
          WtX[o2 + j] += w2 * v;
        }
      }
      if (t0 < k) {
        const w1 = W[wo + t0];
        const o1 = t0 * m;
        if (w1 !== 0) for (let j = 0; j < m; j++) WtX[o1 + j] += w1 * xr[j];
      }
    }
    // H half-sweep: for each channel j and component t (same rule, with WᵀW and WᵀX).
    const ww = regularised ? withL2(WtW, wwReg, reg.l2H) : WtW;
    for (let j = 0; j < m; j++) {
      for (let t = 0; t < k; t++) {
        let grad = -(WtX[t * m + j] - reg.l1H);
        for (let s = 0; s < k; s++) grad += ww[t * k + s] * H[s * m + j];
        const h = H[t * m + j];
        violation += Math.abs(h === 0 ? Math.min(0, grad) : grad);
        const hess = ww[t * k + t];
        if (hess !== 0) {
          const nh = h - grad / hess;
          H[t * m + j] = nh > 0 ? nh : 0;
        }
      }
    }
    // Loss ½‖X − WH‖² by the Gram trick (WᵀX and WᵀW are those of the final W of this iteration).
    gramRows(H, k, m, HHt);
    let cross = 0;
    for (let i = 0; i < k * m; i++) cross += WtX[i] * H[i];
    let quad = 0;
    for (let i = 0; i < k * k; i++) quad += WtW[i] * HHt[i];
    loss[it - 1] = Math.max(0, 0.5 * (stats.sumSq - 2 * cross + quad));

    if (it === 1) violationInit = violation;
    ratio = violationInit === 0 ? 0 : violation / violationInit;
    if (tol > 0 && (violationInit === 0 || ratio <= tol)) {
      converged = true;
      break;
    }
  }
  if (session) {
    session.readW(W);
    session.dispose();
  }
  return { iterations, converged, loss, stopValue: ratio };
}

/** out (k×k) = A·Aᵀ for A k×m row-major. */
function gramRows(A: Float64Array, k: number, m: number, out: Float64Array): void {
  for (let s = 0; s < k; s++) {
    for (let t = s; t < k; t++) {
      let v = 0;
      for (let j = 0; j < m; j++) v += A[s * m + j] * A[t * m + j];
      out[s * k + t] = v;
      out[t * k + s] = v;
    }
  }
}

/** Σ over active rows of ‖x_i − W_i·H‖² (one pass over X, in row blocks when streamed). */
function residualSumSq(src: ActiveRows, W: Float64Array, H: Float64Array, k: number, clip: boolean): number {
  // Large Float32 input (or a file): one pass on @specmap/kernels (residual rows in f32, squares summed in f64).
  const fast = kernelsFor(src)?.residualSumSq(src, W, H, k, clip) ?? null;
  if (fast !== null) return fast;
  const m = src.cols;
  let total = 0;
  forEachRowBlock(src, (data, r0, r1, rowBase) => {
    for (let r = r0; r < r1; r++) {
      const base = rowBase(r);
      let rowSum = 0;
      for (let j = 0; j < m; j++) {
        let v = data[base + j];
        if (clip && v < 0) v = 0;
        for (let t = 0; t < k; t++) v -= W[r * k + t] * H[t * m + j];
        rowSum += v * v;
      }
      total += rowSum;
    }
  });
  return total;
}

/**
 * scanNonNegative (nmf-input.ts) on streamed rows, block by block with its
 * NonNegativeScanner (the same sums in the same order, so the same bits, the
 * same warning and errors), plus the NaN/Inf check that prepareInput makes of
 * a cube in memory.
 */
function scanStream(src: StreamRows, label: string, warnings: string[]): NonNegativeScan {
  const scan = new NonNegativeScanner(src.cols);
  const nonFinite = (r: number, j: number, v: number): never => {
    throw new SpecmapError('NAN', nonFiniteMessage(src.path, v, r, j));
  };
  forEachRowBlock(src, (data, r0, r1, rowBase) => scan.addRows(data, r0, r1, rowBase, nonFinite));
  return scan.finish(label, warnings);
}

/** scikit-learn's 'random' init: |N(0,1)|·√(mean(X)/k), H (k×m) drawn first, then W (n×k), numpy legacy MT19937 seeded with `seed`. */
function randomInit(n: number, m: number, k: number, meanX: number, seed: number): { W: Float64Array; H: Float64Array } {
  const rng = new MT19937(seed);
  const avg = Math.sqrt(meanX / k);
  const H = new Float64Array(k * m);
  const W = new Float64Array(n * k);
  for (let i = 0; i < H.length; i++) H[i] = Math.abs(avg * rng.standardNormal());
  for (let i = 0; i < W.length; i++) W[i] = Math.abs(avg * rng.standardNormal());
  return { W, H };
}

/**
 * NNDSVD initialisation (zeros not filled) (Boutsidis & Gallopoulos 2008, as in
 * scikit-learn 1.2 `_initialize_nmf`), with the singular triplets from the
 * eigen-decomposition of the uncentred XᵀX (m×m, one pass over X) and
 * u_j = X·v_j/σ_j (one more pass). The result does not depend on the signs of
 * the singular vectors.
 */
export function nndsvdInit(
  src: ActiveRows,
  k: number,
  clip: boolean,
): { W: Float64Array; H: Float64Array; eigenvalues: Float64Array } {
  const { data, cols: m, index, count: n } = src;
  const eig = symmetricEigenTop(gram(src, null, clip), m, k); // all eigenvalues (rank check), top k vectors
  const sigma = new Float64Array(k);
  for (let j = 0; j < k; j++) sigma[j] = Math.sqrt(Math.max(eig.values[j], 0));
  // U (n×k) = X·Vᵀ / σ.
  const fastU = kernelsFor(src)?.project(src, null, eig.vectors.subarray(0, k * m), k, clip) ?? null;
  const U = fastU ?? new Float64Array(n * k);
  if (fastU) for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) U[r * k + j] = sigma[j] === 0 ? 0 : U[r * k + j] / sigma[j];
  else for (let r = 0; r < n; r++) {
    const base = index[r] * m;
    for (let j = 0; j < k; j++) {
      if (sigma[j] === 0) continue;
      const off = j * m;
      let s = 0;
      for (let c = 0; c < m; c++) {
        let v = data[base + c];
        if (clip && v < 0) v = 0;
        s += v * eig.vectors[off + c];
      }
      U[r * k + j] = s / sigma[j];
    }
  }
  const W = new Float64Array(n * k);
  const H = new Float64Array(k * m);
  const s0 = Math.sqrt(sigma[0]);
  for (let r = 0; r < n; r++) W[r * k] = s0 * Math.abs(U[r * k]);
  for (let c = 0; c < m; c++) H[c] = s0 * Math.abs(eig.vectors[c]);
  for (let j = 1; j < k; j++) {
    let xp = 0;
    let xn = 0;
    let yp = 0;
    let yn = 0;
    for (let r = 0; r < n; r++) {
      const v = U[r * k + j];
      if (v > 0) xp += v * v;
      else xn += v * v;
    }
    for (let c = 0; c < m; c++) {
      const v = eig.vectors[j * m + c];
      if (v > 0) yp += v * v;
      else yn += v * v;
    }
    xp = Math.sqrt(xp);
    xn = Math.sqrt(xn);
    yp = Math.sqrt(yp);
    yn = Math.sqrt(yn);
    const mp = xp * yp;
    const mn = xn * yn;
    const positive = mp > mn;
    const sig = positive ? mp : mn;
    const xNorm = positive ? xp : xn;
    const yNorm = positive ? yp : yn;
    if (sig === 0) continue; // both parts empty: leave zeros (filled below for nndsvda)
    const lbd = Math.sqrt(sigma[j] * sig);
    for (let r = 0; r < n; r++) {
      const v = U[r * k + j];
      const part = positive ? (v > 0 ? v : 0) : v < 0 ? -v : 0;
      W[r * k + j] = lbd * (part / xNorm);
    }
    for (let c = 0; c < m; c++) {
      const v = eig.vectors[j * m + c];
      const part = positive ? (v > 0 ? v : 0) : v < 0 ? -v : 0;
      H[j * m + c] = lbd * (part / yNorm);
    }
  }
  const eps = 1e-6;
  for (let i = 0; i < W.length; i++) if (W[i] < eps) W[i] = 0;
  for (let i = 0; i < H.length; i++) if (H[i] < eps) H[i] = 0;
  return { W, H, eigenvalues: Float64Array.from(eig.values) };
}
