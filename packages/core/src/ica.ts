import type { SpectralStack } from './stack';
import { checkComponents, Decomposition, MatrixView, prepareInput } from './decomposition';
import { SpecmapError } from './errors';
import { symmetricEigen } from './linalg';
import { covarianceEigen, scoresFloat64 } from './pca';
import { checkSeed, Rng } from './random';

export type IcaAlgorithm = 'parallel' | 'deflation';
export type IcaFun = 'logcosh' | 'exp' | 'cube';
export type IcaWhiten = 'arbitrary-variance' | 'unit-variance';

export interface IcaOptions {
  /** Number of sources K, 1 ≤ K ≤ min(n, m). */
  components: number;
  /** 'parallel' (symmetric decorrelation, default) or 'deflation' (one source at a time). */
  algorithm?: IcaAlgorithm;
  /** Contrast function: 'logcosh' (default), 'exp' or 'cube'. */
  fun?: IcaFun;
  /** logcosh: α in [1, 2]. __Default:__ 1. */
  alpha?: number;
  /** Whitening as scikit-learn 1.2: 'arbitrary-variance' (its default) or 'unit-variance'. */
  whiten?: IcaWhiten;
  /** Maximum iterations (per source for deflation). __Default:__ 200. */
  maxIter?: number;
  /** Tolerance on max_i ||⟨w_new_i, w_i⟩| − 1|. __Default:__ 1e-4. */
  tol?: number;
  /** Initial un-mixing matrix, K×K row-major; seeded standard normal when absent. */
  wInit?: ArrayLike<number>;
  /** Seed for wInit. __Default:__ 0. */
  seed?: number;
}

/** FastICA result: a Decomposition plus the matrices of scikit-learn's estimator. */
export interface IcaDecomposition extends Decomposition {
  /** sklearn `components_` (un-mixing, K×m), in canonical order/sign. */
  unmixing: Float64Array;
  /** sklearn `mixing_` transposed (K×m) = `components` (kept for clarity). */
  mixing: Float64Array;
  /** sklearn `whitening_` K (K×m), in sklearn's order and sign (before canonicalisation). */
  whitening: Float64Array;
  /** Iterations run (sklearn `n_iter_`; deflation: the maximum over sources). */
  nIter: number;
}

/**
 * FastICA (Hyvärinen & Oja 2000) with scikit-learn 1.2 semantics, rows = pixels.
 *
 * Whitening (sklearn `whiten_solver='svd'`, via the covariance eigenvectors,
 * which are the same singular vectors): X_c = X − μ, u_i the leading K
 * eigenvectors of X_cᵀX_c with singular values d_i, each u_i signed so that
 * u_i[0] ≥ 0 (sklearn's `u *= sign(u[0])`), K = (u/d)ᵀ, and the whitened
 * scores Z = K X_cᵀ·√n (K×n, unit variance) — the iterations run on these
 * n×K scores only (one pass over n per iteration, O(n·K²)), never on the cube.
 *
 * Parallel: W ← (WWᵀ)^{-1/2}W; repeat W₁ = sym(g(WZ)Zᵀ/n − diag(mean g′(WZ))W)
 * until max_i ||⟨W₁ᵢ, Wᵢ⟩| − 1| < tol (a warning at maxIter). Deflation: one row
 * at a time with Gram–Schmidt against the rows found (a warning if any row
 * reaches maxIter; sklearn 1.2 is silent there). Contrasts: logcosh
 * g = tanh(αu), g′ = α(1 − tanh²); exp g = u·e^{−u²/2}, g′ = (1 − u²)e^{−u²/2};
 * cube g = u³, g′ = 3u².
 *
 * Outputs as sklearn: unmixing = W K (sklearn `components_`), sources
 * S = X_c·unmixingᵀ (n×K), mixing = pinv(unmixing) (m×K); 'unit-variance'
 * divides each source by its standard deviation (and the unmixing row alike).
 * X ≈ S·mixingᵀ + μ (exact when K = rank).
 *
 * Decomposition: **weights = the sources (maps), components = the mixing
 * columns (spectra)**, mean = μ. Canonical order and sign (run to run
 * identical, independent of sklearn's arbitrary ones): each spectrum
 * (mixing column) is flipped so that its entry of largest |·| is positive
 * (its source flips with it), and sources are ordered by decreasing
 * contribution ‖S_j‖²·‖a_j‖² (ties: original order).
 *
 * Throws SpecmapError 'K_RANGE', 'NAN', 'SHAPE', 'OPTION' (bad algorithm/fun/
 * whiten/wInit/alpha/maxIter/tol), 'SEED'.
 */
export function fastIca(x: SpectralStack | MatrixView, options: IcaOptions): IcaDecomposition {
  const src = prepareInput(x);
  const { cols: m, count: n } = src;
  const k = checkComponents(options.components, n, m);
  const algorithm = options.algorithm ?? 'parallel';
  const fun = options.fun ?? 'logcosh';
  const whiten = options.whiten ?? 'arbitrary-variance';
  const alpha = options.alpha ?? 1;
  const maxIter = options.maxIter ?? 200;
  const tol = options.tol ?? 1e-4;
  if (algorithm !== 'parallel' && algorithm !== 'deflation') {
    throw new SpecmapError('OPTION', `ICA algorithm must be 'parallel' or 'deflation', got '${String(algorithm)}'`);
  }
  if (fun !== 'logcosh' && fun !== 'exp' && fun !== 'cube') {
    throw new SpecmapError('OPTION', `ICA fun must be 'logcosh', 'exp' or 'cube', got '${String(fun)}'`);
  }
  if (whiten !== 'arbitrary-variance' && whiten !== 'unit-variance') {
    throw new SpecmapError('OPTION', `ICA whiten must be 'arbitrary-variance' or 'unit-variance', got '${String(whiten)}'`);
  }
  if (!(alpha >= 1 && alpha <= 2)) throw new SpecmapError('OPTION', `ICA alpha must be in [1, 2], got ${alpha}`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new SpecmapError('OPTION', `ICA maxIter must be a positive integer, got ${maxIter}`);
  if (!(tol >= 0)) throw new SpecmapError('OPTION', `ICA tol must be ≥ 0, got ${tol}`);
  const seed = checkSeed(options.seed ?? 0);
  const warnings: string[] = [];

  // --- whitening from the covariance eigenvectors (sklearn's SVD route) ---
  const eig = covarianceEigen(src, undefined, k); // only the top K vectors are used
  const { mean, dof } = eig;
  const u = new Float64Array(k * m); // rows u_i (unit)
  const d = new Float64Array(k); // singular values of X_c
  for (let i = 0; i < k; i++) {
    const ui = eig.vectors.subarray(i * m, (i + 1) * m);
    const sgn = ui[0] < 0 ? -1 : 1; // sklearn: u *= sign(u[0]) (sign(0) = 0 there; we keep +)
    for (let j = 0; j < m; j++) u[i * m + j] = sgn * ui[j];
    d[i] = Math.sqrt(eig.values[i] * dof);
    if (!(d[i] > 1e-12 * Math.sqrt(eig.values[0] * dof)) || !(d[i] > 0)) {
      throw new SpecmapError('RANK', `ICA: the data have fewer than K=${k} independent directions (singular value ${i + 1} is ${d[i]}); lower K`);
    }
  }
  const whitening = new Float64Array(k * m);
  for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) whitening[i * m + j] = u[i * m + j] / d[i];
  // Z (n×k, row = active pixel) = X_c uᵀ / d · √n
  const Z = scoresFloat64(src, mean, u, k);
  const sn = Math.sqrt(n);
  for (let r = 0; r < n; r++) for (let i = 0; i < k; i++) Z[r * k + i] *= sn / d[i];

  // --- initial W ---
  let wInit: Float64Array;
  if (options.wInit !== undefined) {
    if (options.wInit.length !== k * k) {
      throw new SpecmapError('OPTION', `ICA wInit has ${options.wInit.length} values but K×K = ${k * k} are expected`);
    }
    wInit = Float64Array.from(options.wInit);
    for (let i = 0; i < k * k; i++) {
      if (!Number.isFinite(wInit[i])) throw new SpecmapError('NAN', `ICA wInit contains a non-finite value at ${i}`);
    }
  } else {
    const rng = new Rng(seed);
    wInit = new Float64Array(k * k);
    for (let i = 0; i < k * k; i++) wInit[i] = rng.normal();
  }

  const g = contrast(fun, alpha);
  const run = algorithm === 'parallel' ? icaParallel(Z, n, k, g, maxIter, tol, wInit) : icaDeflation(Z, n, k, g, maxIter, tol, wInit);
  if (!run.converged) {
    warnings.push(
      `FastICA did not converge in ${maxIter} iterations (tol ${tol}); increase maxIter or tol`,
    );
  }
  const W = run.W;

  // --- sklearn's outputs: unmixing = W K, sources = (W Z)ᵀ/√n ---
  const unmixing = new Float64Array(k * m);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const w = W[a * k + b];
      for (let j = 0; j < m; j++) unmixing[a * m + j] += w * whitening[b * m + j];
    }
  }
  const S = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < k; a++) {
      let s = 0;
      for (let b = 0; b < k; b++) s += W[a * k + b] * Z[r * k + b];
      S[r * k + a] = s / sn;
    }
  }
  if (whiten === 'unit-variance') {
    for (let a = 0; a < k; a++) {
      let mu = 0;
      for (let r = 0; r < n; r++) mu += S[r * k + a];
      mu /= n;
      let v = 0;
      for (let r = 0; r < n; r++) v += (S[r * k + a] - mu) ** 2;
      const sd = Math.sqrt(v / n);
      if (sd > 0) {
        for (let r = 0; r < n; r++) S[r * k + a] /= sd;
        for (let j = 0; j < m; j++) unmixing[a * m + j] /= sd;
      }
    }
  }
  const mixingT = pinvRows(unmixing, k, m); // k×m = mixing_ᵀ

  // --- canonical sign and order ---
  const norms2 = new Float64Array(k);
  const signs = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    let best = 0;
    let an = 0;
    for (let j = 0; j < m; j++) {
      const v = mixingT[a * m + j];
      an += v * v;
      if (Math.abs(v) > Math.abs(mixingT[a * m + best])) best = j;
    }
    signs[a] = mixingT[a * m + best] < 0 ? -1 : 1;
    let sn2 = 0;
    for (let r = 0; r < n; r++) sn2 += S[r * k + a] ** 2;
    norms2[a] = sn2 * an;
  }
  const order = Array.from({ length: k }, (_, i) => i).sort((p, q) => norms2[q] - norms2[p] || p - q);
  const components = new Float64Array(k * m);
  const unmixOut = new Float64Array(k * m);
  const weights = new Float32Array(src.rows * k);
  for (let c = 0; c < k; c++) {
    const a = order[c];
    const sg = signs[a];
    for (let j = 0; j < m; j++) {
      components[c * m + j] = sg * mixingT[a * m + j];
      unmixOut[c * m + j] = sg * unmixing[a * m + j];
    }
    for (let r = 0; r < n; r++) weights[src.index[r] * k + c] = sg * S[r * k + a];
  }

  return {
    weights,
    components,
    k,
    iterations: run.nIter,
    converged: run.converged,
    warnings,
    mean,
    parameters: {
      components: k,
      algorithm,
      fun,
      alpha: fun === 'logcosh' ? alpha : undefined,
      whiten,
      maxIter,
      tol,
      seed: options.wInit !== undefined ? null : seed,
      wInit: options.wInit !== undefined ? 'given' : 'seeded standard normal',
      orientation: 'weights = sources (maps), components = mixing columns (spectra)',
      signConvention: 'largest |entry| of each mixing spectrum positive',
      order: 'decreasing ‖source‖²·‖mixing column‖²',
      fittedRows: n,
    },
    unmixing: unmixOut,
    mixing: components,
    whitening,
    nIter: run.nIter,
  };
}

type Contrast = (u: number) => [number, number];

function contrast(fun: IcaFun, alpha: number): Contrast {
  if (fun === 'logcosh') {
    return (u) => {
      const t = Math.tanh(alpha * u);
      return [t, alpha * (1 - t * t)];
    };
  }
  if (fun === 'exp') {
    return (u) => {
      const e = Math.exp(-(u * u) / 2);
      return [u * e, (1 - u * u) * e];
    };
  }
  return (u) => [u * u * u, 3 * u * u];
}

/** (W Wᵀ)^{-1/2} W for a k×k W (eigenvalues clipped at the smallest positive double, as sklearn's `tiny`). */
function symDecorrelation(W: Float64Array, k: number): Float64Array {
  const WWt = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += W[a * k + j] * W[b * k + j];
      WWt[a * k + b] = s;
    }
  }
  const e = symmetricEigen(WWt, k);
  // T = U diag(1/√s) Uᵀ, with U's columns = e.vectors rows.
  const T = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const s = Math.max(e.values[i], 2.2250738585072014e-308);
    const f = 1 / Math.sqrt(s);
    for (let a = 0; a < k; a++) {
      const ua = e.vectors[i * k + a] * f;
      for (let b = 0; b < k; b++) T[a * k + b] += ua * e.vectors[i * k + b];
    }
  }
  const out = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += T[a * k + j] * W[j * k + b];
      out[a * k + b] = s;
    }
  }
  return out;
}

interface IcaRun {
  W: Float64Array;
  nIter: number;
  converged: boolean;
}

function icaParallel(Z: Float64Array, n: number, k: number, g: Contrast, maxIter: number, tol: number, wInit: Float64Array): IcaRun {
  let W = symDecorrelation(wInit, k);
  const acc = new Float64Array(k * k);
  const gp = new Float64Array(k);
  const y = new Float64Array(k);
  const gy = new Float64Array(k);
  let it = 0;
  let converged = false;
  for (it = 0; it < maxIter; it++) {
    acc.fill(0);
    gp.fill(0);
    // One pass over the whitened scores: y = W z, accumulate g(y) zᵀ and g'(y).
    for (let r = 0; r < n; r++) {
      const o = r * k;
      for (let a = 0; a < k; a++) {
        let s = 0;
        for (let b = 0; b < k; b++) s += W[a * k + b] * Z[o + b];
        y[a] = s;
      }
      for (let a = 0; a < k; a++) {
        const [gv, gd] = g(y[a]);
        gy[a] = gv;
        gp[a] += gd;
      }
      for (let a = 0; a < k; a++) {
        const ga = gy[a];
        for (let b = 0; b < k; b++) acc[a * k + b] += ga * Z[o + b];
      }
    }
    const W1raw = new Float64Array(k * k);
    for (let a = 0; a < k; a++) {
      const ma = gp[a] / n;
      for (let b = 0; b < k; b++) W1raw[a * k + b] = acc[a * k + b] / n - ma * W[a * k + b];
    }
    const W1 = symDecorrelation(W1raw, k);
    let lim = 0;
    for (let a = 0; a < k; a++) {
      let dot = 0;
      for (let b = 0; b < k; b++) dot += W1[a * k + b] * W[a * k + b];
      lim = Math.max(lim, Math.abs(Math.abs(dot) - 1));
    }
    W = W1;
    if (lim < tol) {
      converged = true;
      break;
    }
  }
  return { W, nIter: converged ? it + 1 : maxIter, converged };
}

function icaDeflation(Z: Float64Array, n: number, k: number, g: Contrast, maxIter: number, tol: number, wInit: Float64Array): IcaRun {
  const W = new Float64Array(k * k);
  let nIter = 0;
  let converged = true;
  const acc = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let w = wInit.slice(j * k, (j + 1) * k);
    let nn = 0;
    for (let b = 0; b < k; b++) nn += w[b] * w[b];
    const norm = Math.sqrt(nn);
    if (!(norm > 0)) throw new SpecmapError('OPTION', `ICA wInit row ${j} is zero`);
    for (let b = 0; b < k; b++) w[b] /= norm;
    let i = 0;
    let ok = false;
    for (i = 0; i < maxIter; i++) {
      acc.fill(0);
      let gpSum = 0;
      for (let r = 0; r < n; r++) {
        const o = r * k;
        let y = 0;
        for (let b = 0; b < k; b++) y += w[b] * Z[o + b];
        const [gv, gd] = g(y);
        gpSum += gd;
        for (let b = 0; b < k; b++) acc[b] += Z[o + b] * gv;
      }
      const w1 = new Float64Array(k);
      for (let b = 0; b < k; b++) w1[b] = acc[b] / n - (gpSum / n) * w[b];
      // Gram–Schmidt against the rows found so far: w1 −= (w1 W[:j]ᵀ) W[:j]
      const proj = new Float64Array(j);
      for (let p = 0; p < j; p++) {
        let s = 0;
        for (let b = 0; b < k; b++) s += w1[b] * W[p * k + b];
        proj[p] = s;
      }
      for (let p = 0; p < j; p++) for (let b = 0; b < k; b++) w1[b] -= proj[p] * W[p * k + b];
      let n1 = 0;
      for (let b = 0; b < k; b++) n1 += w1[b] * w1[b];
      const nr = Math.sqrt(n1);
      for (let b = 0; b < k; b++) w1[b] /= nr;
      let dot = 0;
      for (let b = 0; b < k; b++) dot += w1[b] * w[b];
      const lim = Math.abs(Math.abs(dot) - 1);
      w = w1;
      if (lim < tol) {
        ok = true;
        break;
      }
    }
    if (!ok) converged = false;
    nIter = Math.max(nIter, ok ? i + 1 : maxIter);
    W.set(w, j * k);
  }
  return { W, nIter, converged };
}

/**
 * Moore–Penrose pseudo-inverse of a full-row-rank k×m matrix A, returned
 * transposed (k×m): pinv(A)ᵀ = (A Aᵀ)⁺ A. (A Aᵀ)⁺ via the symmetric
 * eigensolver with numpy's default cutoff (1e-15 relative, applied to the
 * singular values, i.e. 1e-30 to the eigenvalues of A Aᵀ).
 */
export function pinvRows(A: Float64Array, k: number, m: number): Float64Array {
  const G = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += A[a * m + j] * A[b * m + j];
      G[a * k + b] = G[b * k + a] = s;
    }
  }
  const e = symmetricEigen(G, k);
  const cut = Math.max(e.values[0], 0) * 1e-30;
  const Ginv = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    if (!(e.values[i] > cut)) continue;
    const f = 1 / e.values[i];
    for (let a = 0; a < k; a++) {
      const ua = e.vectors[i * k + a] * f;
      for (let b = 0; b < k; b++) Ginv[a * k + b] += ua * e.vectors[i * k + b];
    }
  }
  const out = new Float64Array(k * m);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const gab = Ginv[a * k + b];
      for (let j = 0; j < m; j++) out[a * m + j] += gab * A[b * m + j];
    }
  }
  return out;
}

