import { SpecmapError } from './errors';
import type { SpectralStack } from './stack';
import { checkComponents, Decomposition, MatrixView, prepareInput } from './decomposition';
import { MT19937 } from './mt19937';
import { scanNonNegative } from './nmf-input';
import { nmfOutput } from './nmf';
import { EPS, checkCommon, colGram, ctx, mapOverlap, residualSq, rowGram, updateMaps, updateSpectra, xs } from './nmf-so';
import { CrossTerm, kernelProducts, roundF32 } from './nmf-products';

export interface NmfArdSoOptions {
  /** Upper bound K on the number of components; ARD prunes to K′ ≤ K. */
  components: number;
  /** Soft orthogonality weight ω (0 ≤ ω ≤ 1), default 0.1 (malspy `wo`). */
  omega?: number;
  /** Shape a > 1 of the inverse-gamma hyperprior on λ (malspy `alpha`), default 1 + 1e-15. */
  alpha?: number;
  /** Spectra with cosine similarity ≥ this are merged (malspy `threshold_merge`), default 0.99. */
  thresholdMerge?: number;
  seed?: number;
  /** Default 200 (malspyCompat: 100). */
  maxIter?: number;
  /** Default 10. */
  minIter?: number;
  /**
   * Default mode: stop when |obj_{t−1} − obj_t| < tol·n·m (the objective is a
   * negative log posterior in nats; its changes do not depend on the units
   * of X), default 1e-9. malspyCompat: |Δobj| < tol, default 1e-10. 0 runs maxIter iterations.
   */
  tol?: number;
  /** Default 1 (malspyCompat: 3). */
  reps?: number;
  /** malspy 0.4's stopping rule, defaults and raw factors (C, S with unit-norm spectra), and λ from the best repetition (bug fixed). */
  malspyCompat?: boolean;
}

/**
 * NMF-ARD-SO (Shiga et al. 2016; malspy 0.4 `NMF_ARD_SO`, algorithms.md §1.3):
 * NMF-SO with automatic relevance determination, which switches off
 * components the data do not need. X ≈ C·Sᵀ + Gaussian noise σ²; C_:,j has
 * an exponential prior with scale λ_j; λ_j an inverse-gamma hyperprior with
 * shape a and scale b = mean(X)·(a−1)·√m/K.
 *
 * - init (numpy legacy MT19937 seeded once, continued over repetitions):
 *   C = (U(0,1) + 1)·√(mean(X)/K) (n×K drawn row-major first), then rows
 *   `choice(n, K)` of X as S, each spectrum unit L2 norm (a zero one → 1/√m);
 *   λ = (ΣC_j + b)/(m + a + 1) (malspy uses m here), σ² = mean((X − CSᵀ)²);
 * - iteration: S update as NMF-SO then each s_j unit norm (zero → 1/√m);
 *   c_j ← (XS)_j − C(SᵀS)_j + c_j − σ²/λ_j, then the SO step with ω, then
 *   [·]_+ (no map normalisation); from the 5th iteration on, spectra pairs
 *   with s_iᵀs_j ≥ thresholdMerge (i < j, row-major order) are merged:
 *   c_i += c_j, c_j = 0, s_j = 1/√m; if ΣC < eps, C = eps;
 *   λ_j = (ΣC_j + b)/(n + a + 1) + eps; σ² = mean((X − CSᵀ)²);
 *   obj = nm/2·log(2πσ²) + nm/2 + Σ_j (ΣC_j + b)/λ_j + (n+a+1)Σ log λ_j + K(lnΓ(a) − a ln b);
 * - output: entries < eps zeroed, components sorted by λ descending, those
 *   with λ ≤ eps dropped → K′ components; σ² recomputed from the kept ones.
 *
 * malspy's bug, fixed here (also in malspyCompat mode): malspy computes the
 * final λ (`L_best`, which decides the order and which components are
 * kept) from the C of the *last* repetition instead of the best one, so with
 * reps > 1 it can keep or drop the wrong components and sort them by
 * another run's λ. specmap computes λ from the best repetition's C.
 *
 * Speed: on a large Float32 input the products CᵀX and X·S of each
 * iteration run on @specmap/kernels (two passes over X; nmf-products.ts), S
 * and C are kept on float32 values (what the kernels read) and σ² comes from
 * the Gram trick ‖X‖² − 2⟨C, X·S⟩ + ⟨CᵀC, SSᵀ⟩ instead of a third pass, its
 * cross term carried by differences from the products the iteration has
 * anyway (CrossTerm in nmf-products.ts: changes of the objective exact to
 * ~1e-7 of their size, as the |Δobj| < 1e-9·n·m rule needs). Factors equal
 * to the Float64 TypeScript path to ~1e-6 relative; bit-identical for any
 * thread count.
 *
 * Default mode: stopping rule |Δobj| < tol·n·m (scale-free), and specmap's
 * output convention (spectra max 1, maps carry the intensity, ordered by
 * contribution); parameters.lambdas / sigma2 are in the units of X.
 */
export function nmfArdSo(x: SpectralStack | MatrixView, options: NmfArdSoOptions): Decomposition {
  const label = 'NMF-ARD-SO';
  const src = prepareInput(x);
  const { cols: m, rows: nTotal, count: n, index } = src;
  const k = checkComponents(options.components, n, m);
  const compat = options.malspyCompat === true;
  const omega = options.omega ?? 0.1;
  if (typeof omega !== 'number' || !(omega >= 0 && omega <= 1)) throw new SpecmapError('OPTION', `${label} omega must be between 0 and 1, got ${omega}`);
  const a = options.alpha ?? 1 + 1e-15;
  if (typeof a !== 'number' || !(a > 1) || !Number.isFinite(a)) throw new SpecmapError('OPTION', `${label} alpha must be a finite number > 1, got ${a}`);
  const thr = options.thresholdMerge ?? 0.99;
  if (typeof thr !== 'number' || !(thr > 0 && thr <= 1)) throw new SpecmapError('OPTION', `${label} thresholdMerge must be in (0, 1], got ${thr}`);
  const { seed, maxIter, minIter, tol, reps } = checkCommon(label, { ...options, init: 'rows' }, compat, compat ? 1e-10 : 1e-9);
  const warnings: string[] = [];
  const stats = scanNonNegative(src, label, warnings);
  const clip = stats.negatives > 0;
  const nm = n * m;
  const mu = stats.sum / nm;
  const b = (mu * (a - 1) * Math.sqrt(m)) / k;
  const constant = k * (lnGamma(a) - a * Math.log(b));
  const invSqrtM = 1 / Math.sqrt(m);

  const rng = new MT19937(seed);
  const A = new Float64Array(k * m);
  const B = new Float64Array(k * k);
  let P = new Float64Array(n * k);
  const Q = new Float64Array(k * k);
  const xr = new Float64Array(m);
  const cbar = new Float64Array(n);
  const h = new Float64Array(n);
  const colSum = new Float64Array(k);
  const shrink = new Float64Array(k);
  // Large Float32 input: the products with X on @specmap/kernels (nmf-products.ts), σ² by the Gram trick.
  const fast = kernelProducts(src, k, clip);
  const cross = new CrossTerm(k * m);
  let best: { C: Float64Array; S: Float64Array; obj: Float64Array; lambdas: Float64Array[]; iterations: number; rep: number } | null = null;
  const finals: number[] = [];
  const initRows: number[][] = [];

  const normaliseSpectrum = (S: Float64Array, j: number): void => {
    let q = 0;
    for (let e = 0; e < m; e++) q += S[j * m + e] ** 2;
    const c = Math.sqrt(q);
    for (let e = 0; e < m; e++) S[j * m + e] = c > 0 ? S[j * m + e] / c : invSqrtM;
  };
  const sums = (C: Float64Array): void => {
    colSum.fill(0);
    for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) colSum[j] += C[r * k + j];
  };

  for (let rep = 0; rep < reps; rep++) {
    const scaleC = Math.sqrt(mu / k);
    const C = new Float64Array(n * k);
    for (let i = 0; i < n * k; i++) C[i] = (rng.randomDouble() + 1) * scaleC;
    if (fast) roundF32(C); // the kernels read C and S in f32: on their path both hold float32 values (CrossTerm)
    sums(C);
    let L = Float64Array.from(colSum, (s) => (s + b) / (m + a + 1));
    cbar.fill(0);
    for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) cbar[r] += C[r * k + j];
    const idx = rng.choice(n, k);
    initRows.push(idx);
    const S = new Float64Array(k * m);
    idx.forEach((row, j) => {
      const base = index[row] * m;
      for (let e = 0; e < m; e++) {
        const v = src.data[base + e];
        S[j * m + e] = clip && v < 0 ? 0 : v;
      }
      normaliseSpectrum(S, j);
    });
    colGram(C, n, k, B);
    let sigma2: number;
    if (fast) {
      roundF32(S);
      const P0 = fast.xs(S);
      if (P0) sigma2 = gramResidual(stats.sumSq, cross.set(dot(C, P0)), B, S, k, m) / nm;
      else {
        cross.reset();
        sigma2 = residualSq(src, C, S, k, clip) / nm;
      }
    } else sigma2 = residualSq(src, C, S, k, clip) / nm;
    const obj = new Float64Array(maxIter);
    const lambdas: Float64Array[] = [];
    let itr = 0;
    let stopped = false;
    for (; itr < maxIter; itr++) {
      if (fast) cross.begin(S);
      // A = CᵀX (pass 1 over X); B = CᵀC of the current C (from the σ² step).
      const wtx = fast?.ctx(C) ?? null;
      if (wtx) A.set(wtx.WtX);
      else ctx(src, C, k, clip, A, xr);
      updateSpectra(S, A, B, k, m, (j) => normaliseSpectrum(S, j));
      if (fast) roundF32(S);
      // P = X·S (pass 2 over X).
      const p = fast?.xs(S, P) ?? null;
      if (p) P = p;
      else xs(src, S, k, clip, P);
      rowGram(S, k, m, Q);
      for (let j = 0; j < k; j++) shrink[j] = sigma2 / L[j];
      // C update; CᵀC, column sums, ⟨C, P⟩ and Σ c̄ of the new C formed in its last pass.
      const mapSums = updateMaps(C, P, Q, cbar, h, n, k, omega, shrink, 'none', fast !== null, B, colSum);
      let merged = false;
      if (itr > 3) {
        rowGram(S, k, m, Q);
        for (let i = 0; i < k; i++) {
          for (let j = i + 1; j < k; j++) {
            if (!(Q[i * k + j] >= thr)) continue;
            merged = true;
            for (let e = 0; e < m; e++) S[j * m + e] = invSqrtM;
            for (let r = 0; r < n; r++) {
              C[r * k + i] += C[r * k + j];
              C[r * k + j] = 0;
            }
          }
        }
      }
      if (fast && merged) {
        roundF32(S);
        roundF32(C);
      }
      const filled = mapSums.total < EPS;
      if (filled) C.fill(EPS);
      if (merged || filled) {
        sums(C);
        colGram(C, n, k, B);
      }
      L = Float64Array.from(colSum, (s) => (s + b) / (n + a + 1) + EPS);
      lambdas.push(Float64Array.from(L));
      if (fast) {
        // σ² by the Gram trick, ⟨C, X·S⟩ carried by differences (CrossTerm); after a merge or a reset of C
        // (rare) from a fresh X·S of the new S (one more pass).
        let cp: number | null = null;
        if (!merged && !filled) cp = cross.next(mapSums.crossNew, mapSums.crossOld, A, S);
        else {
          const P2 = fast.xs(S);
          if (P2) cp = cross.set(dot(C, P2));
          else cross.reset();
        }
        sigma2 = (cp === null ? residualSq(src, C, S, k, clip) : gramResidual(stats.sumSq, cp, B, S, k, m)) / nm;
      } else sigma2 = residualSq(src, C, S, k, clip) / nm;
      let o = (nm / 2) * Math.log(2 * Math.PI * sigma2) + nm / 2;
      for (let j = 0; j < k; j++) o += (colSum[j] + b) / L[j] + (n + a + 1) * Math.log(L[j]);
      obj[itr] = o + constant;
      if (tol > 0 && itr > minIter) {
        const d = Math.abs(obj[itr - 1] - obj[itr]);
        if (compat ? d < tol : d < tol * nm) {
          stopped = true;
          break;
        }
      }
    }
    const history = stopped ? (compat ? obj.slice(0, itr) : obj.slice(0, itr + 1)) : obj;
    const iterations = stopped ? itr + 1 : maxIter;
    const final = history[history.length - 1];
    finals.push(final);
    if (best === null || best.obj[best.obj.length - 1] > final) {
      best = { C: Float64Array.from(C), S: Float64Array.from(S), obj: history, lambdas: compat ? lambdas.slice(0, history.length) : lambdas, iterations, rep };
    }
    if (!stopped && tol > 0 && !compat) warnings.push(`${label} did not converge in ${maxIter} iterations (repetition ${rep + 1}); increase maxIter or tol`);
  }

  const { C, S, obj, iterations, rep: bestRep } = best!;
  for (let i = 0; i < C.length; i++) if (C[i] < EPS) C[i] = 0;
  for (let i = 0; i < S.length; i++) if (S[i] < EPS) S[i] = 0;
  // λ from the best repetition's C (malspy takes the last repetition's: its bug).
  sums(C);
  const Lbest = Float64Array.from(colSum, (s) => (s + b) / (n + a + 1));
  const order = Array.from({ length: k }, (_, j) => j).sort((p, q) => Lbest[q] - Lbest[p] || p - q);
  const kept = order.filter((j) => Lbest[j] > EPS);
  const kk = kept.length;
  if (kk === 0) throw new SpecmapError('ARD_EMPTY', `${label}: every component was pruned (all λ ≤ eps); the data may be 0 almost everywhere`);
  const C2 = new Float64Array(n * kk);
  const S2 = new Float64Array(kk * m);
  kept.forEach((j, c) => {
    for (let r = 0; r < n; r++) C2[r * kk + c] = C[r * k + j];
    for (let e = 0; e < m; e++) S2[c * m + e] = S[j * m + e];
  });
  const fast2 = kk === k ? fast : kernelProducts(src, kk, clip);
  const P2 = fast2?.xs(S2) ?? null;
  let sigma2: number;
  if (P2) {
    const B2 = new Float64Array(kk * kk);
    colGram(C2, n, kk, B2);
    sigma2 = gramResidual(stats.sumSq, dot(C2, P2), B2, S2, kk, m) / nm;
  } else sigma2 = residualSq(src, C2, S2, kk, clip) / nm;
  if (kk < k) warnings.push(`${label}: automatic relevance determination kept ${kk} of ${k} components`);

  let weights: Float32Array;
  let components: Float64Array;
  let lambdasOut: number[];
  if (compat) {
    weights = new Float32Array(nTotal * kk);
    for (let r = 0; r < n; r++) for (let c = 0; c < kk; c++) weights[index[r] * kk + c] = C2[r * kk + c];
    components = S2;
    lambdasOut = kept.map((j) => Lbest[j]);
  } else {
    const out = nmfOutput(C2, S2, n, nTotal, kk, m, index, warnings, label);
    weights = out.weights;
    components = out.components;
    lambdasOut = out.order.map((c) => Lbest[kept[c]]);
  }
  return {
    weights,
    components,
    k: kk,
    iterations,
    converged: tol > 0 && iterations < maxIter,
    warnings,
    lossHistory: obj,
    reconstructionError: Math.sqrt(sigma2 * nm),
    parameters: {
      components: kk,
      requestedComponents: k,
      keptComponents: kk,
      omega,
      alpha: a,
      beta: b,
      thresholdMerge: thr,
      seed,
      maxIter,
      minIter,
      tol,
      reps,
      init: 'rows',
      malspyCompat: compat,
      stoppingRule: compat
        ? 'malspy: stop when iteration index > minIter and |obj[t-1] - obj[t]| < tol (absolute)'
        : 'stop when iteration index > minIter and |obj[t-1] - obj[t]| < tol·n·m (obj in nats: scale-free)',
      objective: 'negative log posterior: nm/2·log(2πσ²) + nm/2 + Σ(ΣC_j + b)/λ_j + (n+a+1)Σlog λ_j + K(lnΓ(a) − a·ln b)',
      lambdas: lambdasOut,
      lambdasAll: order.map((j) => Lbest[j]),
      sigma2,
      initRows,
      bestRepetition: bestRep,
      finalObjectivePerRepetition: finals,
      mapOverlap: mapOverlap(C2, n, kk),
      kernels: fast !== null, // products with X on @specmap/kernels (f32 products, f64 sums) rather than the Float64 TypeScript loops
      bugFix: "final λ computed from the best repetition's C (malspy 0.4 uses the last repetition's)",
      clippedNegatives: stats.negatives,
      negativeShare: stats.negativeShare,
      fittedRows: n,
      componentScaling: compat ? 'malspy raw factors: maps C carry the intensity, unit-norm spectra S' : 'max of each component spectrum = 1',
      componentOrder: compat ? 'decreasing λ' : 'decreasing sum(weights)·max(spectrum)',
    },
  };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** ‖X − C·S‖² = ‖X‖² − 2⟨C, X·Sᵀ⟩ + ⟨B, SSᵀ⟩ (B = CᵀC) from the cross term `cp`, clamped at 0. */
function gramResidual(sumSq: number, cp: number, B: Float64Array, S: Float64Array, k: number, m: number): number {
  const Q = new Float64Array(k * k);
  rowGram(S, k, m, Q);
  let quad = 0;
  for (let i = 0; i < k * k; i++) quad += B[i] * Q[i];
  return Math.max(0, sumSq - 2 * cp + quad);
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error ~1e-15). */
export function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let s = c[0];
  for (let i = 1; i < 9; i++) s += c[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}
