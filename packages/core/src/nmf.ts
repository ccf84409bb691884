import { SpecmapError } from './errors';
import type { SpectralStack } from './stack';
import { ActiveRows, checkComponents, Decomposition, MatrixView, prepareInput } from './decomposition';
import { gram, symmetricEigen } from './linalg';
import { checkSeed, Rng } from './random';

export type NmfInit = 'nndsvda' | 'nndsvd' | 'random';

export interface NmfOptions {
  /** Number of components K, an integer with 1 ≤ K ≤ min(n, m). */
  components: number;
  /** Seed of the random generator; used only by `init: 'random'` (default 0). */
  seed?: number;
  /** Maximum number of iterations (sweeps W then H), default 200. */
  maxIter?: number;
  /** Stopping tolerance on violation/violation_first, default 1e-4. 0 runs exactly maxIter iterations. */
  tol?: number;
  /** Initialisation, default 'nndsvda' (as scikit-learn when K ≤ min(n, m)). */
  init?: NmfInit;
}

/**
 * Non-negative matrix factorisation X ≈ W·H (W n×k, H k×m, both ≥ 0),
 * Frobenius loss, by coordinate descent / HALS — a re-implementation of
 * scikit-learn 1.2's `NMF(solver='cd', beta_loss='frobenius')` without
 * regularisation and without shuffling:
 *
 * - init 'nndsvd' / 'nndsvda': NNDSVD (Boutsidis & Gallopoulos 2008) from the
 *   K leading singular triplets of X, taken from the eigen-decomposition of
 *   XᵀX (v_j = eigenvector, σ_j = √λ_j, u_j = X·v_j/σ_j; deterministic, so
 *   the seed is unused); entries < 1e-6 set to 0; 'nndsvda' then fills the
 *   zeros with mean(X). 'random': |N(0,1)|·√(mean(X)/K), H drawn before W,
 *   from the seeded generator in random.ts (not numpy's, so the numbers differ
 *   from scikit-learn's).
 * - each iteration updates W, then H. For each row i and component t (in
 *   order): grad = (W·HHᵀ)_it − (X·Hᵀ)_it, projected gradient pg = min(grad, 0)
 *   if W_it = 0 else grad, W_it ← max(W_it − grad/(HHᵀ)_tt, 0) (skipped when
 *   (HHᵀ)_tt = 0); H alike with WᵀW and WᵀX. violation = Σ|pg| over both.
 * - stop when violation/violation_first ≤ tol (or violation_first = 0); with
 *   tol = 0 exactly maxIter iterations run (and `converged` stays false, with
 *   no warning). At maxIter with tol > 0: a warning "NMF did not converge ...".
 * - lossHistory[t] = ½‖X − WH‖²_F after iteration t, from
 *   ‖X‖² − 2⟨WᵀX, H⟩ + ⟨WᵀW, HHᵀ⟩ (clamped at 0); `reconstructionError`
 *   = ‖X − WH‖_F of the final factors, computed directly in one extra pass.
 *
 * Negative input values (noise in optical density) are read as 0 for the
 * whole fit (the cube is not modified) and a warning says how many.
 *
 * Output convention (specmap's, not scikit-learn's): each component spectrum
 * (row of H) is scaled to a maximum of 1 and its weight column multiplied by
 * the same factor, so the maps carry the intensity; components are ordered by
 * decreasing total contribution ‖w_j‖₁·max(h_j) (= ‖w_j‖₁ after scaling; ties
 * keep the fitted order). With a mask, only masked-in rows are fitted and
 * masked-out rows get weight 0.
 *
 * Performance: X is read in place (Float32 or Float64), factors are Float64.
 * One pass over X per iteration: for each row, X_i·Hᵀ, the HALS update of
 * W_i, and its contributions to WᵀX and WᵀW are done while the row is in
 * cache (this is exactly equivalent to scikit-learn's two-step order because
 * rows of W are updated independently). The H update then costs O(m·k²).
 */
export function nmf(x: SpectralStack | MatrixView, options: NmfOptions): Decomposition {
  const src = prepareInput(x);
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
  if (init !== 'nndsvda' && init !== 'nndsvd' && init !== 'random') {
    throw new SpecmapError('OPTION', `NMF init must be 'nndsvda', 'nndsvd' or 'random', got '${String(init)}'`);
  }
  const warnings: string[] = [];

  const stats = scan(src);
  const clip = stats.negatives > 0;
  if (clip) {
    warnings.push(
      `NMF: ${stats.negatives} negative value${stats.negatives === 1 ? '' : 's'} (of ${n * m}, most negative ${stats.min.toPrecision(4)}) clipped to 0 for the fit`,
    );
  }
  const meanX = stats.sum / (n * m);

  const { W, H } = init === 'random' ? randomInit(n, m, k, meanX, seed) : nndsvdInit(src, k, clip, meanX, init === 'nndsvda');

  // ---- iterations ---------------------------------------------------------
  const HHt = new Float64Array(k * k);
  const WtW = new Float64Array(k * k);
  const WtX = new Float64Array(k * m);
  const xr = new Float64Array(m);
  const xh = new Float64Array(k);
  const loss = new Float64Array(maxIter);
  gramRows(H, k, m, HHt);
  let violationInit = 0;
  let ratio = NaN;
  let converged = false;
  let iterations = 0;
  const data = src.data;

  for (let it = 1; it <= maxIter; it++) {
    iterations = it;
    WtW.fill(0);
    WtX.fill(0);
    let violation = 0;
    // W half-sweep fused with the accumulation of WᵀX and WᵀW (one pass over X).
    for (let r = 0; r < n; r++) {
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
        let grad = -xh[t];
        for (let s = 0; s < k; s++) grad += HHt[t * k + s] * W[wo + s];
        const w = W[wo + t];
        violation += Math.abs(w === 0 ? Math.min(0, grad) : grad);
        const hess = HHt[t * k + t];
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
    for (let j = 0; j < m; j++) {
      for (let t = 0; t < k; t++) {
        let grad = -WtX[t * m + j];
        for (let s = 0; s < k; s++) grad += WtW[t * k + s] * H[s * m + j];
        const h = H[t * m + j];
        violation += Math.abs(h === 0 ? Math.min(0, grad) : grad);
        const hess = WtW[t * k + t];
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
  if (!converged && tol > 0) {
    warnings.push(
      `NMF did not converge in ${iterations} iterations (violation ratio ${ratio.toPrecision(3)} > tol ${tol}); increase maxIter or tol`,
    );
  }

  const reconstructionError = Math.sqrt(residualSumSq(src, W, H, k, clip));

  // ---- output convention: spectra scaled to max 1, ordered by contribution ----
  const scale = new Float64Array(k);
  const contribution = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    let mx = 0;
    for (let j = 0; j < m; j++) if (H[t * m + j] > mx) mx = H[t * m + j];
    scale[t] = mx;
    let l1 = 0;
    for (let r = 0; r < n; r++) l1 += W[r * k + t];
    contribution[t] = l1 * mx;
    if (mx === 0) warnings.push(`NMF: component ${t} is identically zero (K=${k} may be more than the data support)`);
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

  return {
    weights,
    components,
    k,
    iterations,
    converged,
    warnings,
    lossHistory: loss.slice(0, iterations),
    reconstructionError,
    parameters: {
      components: k,
      init,
      seed: init === 'random' ? seed : null,
      maxIter,
      tol,
      solver: 'cd',
      betaLoss: 'frobenius',
      violationRatio: ratio,
      reconstructionError,
      clippedNegatives: stats.negatives,
      fittedRows: n,
      componentScaling: 'max of each component spectrum = 1',
      componentOrder: 'decreasing sum(weights)·max(spectrum)',
    },
  };
}

/** One pass over the active rows: count of negatives, most negative value, sum and sum of squares of the clipped values. */
function scan(src: ActiveRows): { negatives: number; min: number; sum: number; sumSq: number } {
  const { data, cols: m, index, count } = src;
  let negatives = 0;
  let min = 0;
  let sum = 0;
  let sumSq = 0;
  for (let r = 0; r < count; r++) {
    const base = index[r] * m;
    let s = 0;
    let q = 0;
    for (let j = 0; j < m; j++) {
      const v = data[base + j];
      if (v < 0) {
        negatives++;
        if (v < min) min = v;
      } else {
        s += v;
        q += v * v;
      }
    }
    sum += s;
    sumSq += q;
  }
  return { negatives, min, sum, sumSq };
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

/** Σ over active rows of ‖x_i − W_i·H‖² (one pass over X). */
function residualSumSq(src: ActiveRows, W: Float64Array, H: Float64Array, k: number, clip: boolean): number {
  const { data, cols: m, index, count } = src;
  let total = 0;
  for (let r = 0; r < count; r++) {
    const base = index[r] * m;
    let rowSum = 0;
    for (let j = 0; j < m; j++) {
      let v = data[base + j];
      if (clip && v < 0) v = 0;
      for (let t = 0; t < k; t++) v -= W[r * k + t] * H[t * m + j];
      rowSum += v * v;
    }
    total += rowSum;
  }
  return total;
}

/** scikit-learn's 'random' init: |N(0,1)|·√(mean(X)/k), H (k×m) drawn first, then W (n×k). */
function randomInit(n: number, m: number, k: number, meanX: number, seed: number): { W: Float64Array; H: Float64Array } {
  const rng = new Rng(seed);
  const avg = Math.sqrt(meanX / k);
  const H = new Float64Array(k * m);
  const W = new Float64Array(n * k);
  for (let i = 0; i < H.length; i++) H[i] = Math.abs(avg * rng.normal());
  for (let i = 0; i < W.length; i++) W[i] = Math.abs(avg * rng.normal());
  return { W, H };
}

/**
 * NNDSVD / NNDSVDa initialisation (Boutsidis & Gallopoulos 2008, as in
 * scikit-learn 1.2 `_initialize_nmf`), with the singular triplets from the
 * eigen-decomposition of the uncentred XᵀX (m×m, one pass over X) and
 * u_j = X·v_j/σ_j (one more pass). The result does not depend on the signs of
 * the singular vectors.
 */
function nndsvdInit(
  src: ActiveRows,
  k: number,
  clip: boolean,
  meanX: number,
  fillMean: boolean,
): { W: Float64Array; H: Float64Array } {
  const { data, cols: m, index, count: n } = src;
  const eig = symmetricEigen(gram(src, null, clip), m);
  const sigma = new Float64Array(k);
  for (let j = 0; j < k; j++) sigma[j] = Math.sqrt(Math.max(eig.values[j], 0));
  // U (n×k) = X·Vᵀ / σ.
  const U = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
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
  for (let i = 0; i < W.length; i++) if (W[i] < eps) W[i] = fillMean ? meanX : 0;
  for (let i = 0; i < H.length; i++) if (H[i] < eps) H[i] = fillMean ? meanX : 0;
  return { W, H };
}
