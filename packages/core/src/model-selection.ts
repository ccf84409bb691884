import type { SpectralStack } from './stack';
import type { AnalyzeOptions } from './analyze';
import { Decomposition, MatrixView, prepareInput, ActiveRows } from './decomposition';
import { SpecmapError } from './errors';
import { getMethod } from './methods';
import { matchRuns, MatchMetric } from './matching';
import { covarianceEigen } from './pca';

/**
 * Choosing the number of components K: the PCA scree, the reconstruction
 * error as K grows, and the stability of the components across random seeds.
 */

export interface Scree {
  /** Variance along each principal direction, decreasing (length min(n, m), or N if asked). */
  explainedVariance: Float64Array;
  /** explainedVariance / total variance. */
  explainedVarianceRatio: Float64Array;
  /** Running sum of the ratio. */
  cumulativeRatio: Float64Array;
  /** Total variance (trace of the covariance). */
  totalVariance: number;
}

/**
 * The PCA scree of a stack (or matrix): the covariance eigenvalues of all
 * min(n, m) principal directions (or the first `components`), with their
 * ratios of the total variance and the cumulative ratio. One covariance
 * pass (see pca 'full'); deterministic. Look for the elbow / the K where the
 * cumulative ratio reaches what the noise level allows.
 */
export function scree(x: SpectralStack | MatrixView, options: { components?: number } = {}): Scree {
  const src = prepareInput(x);
  const rank = Math.min(src.count, src.cols);
  const N = options.components ?? rank;
  if (!Number.isInteger(N) || N < 1 || N > rank) {
    throw new SpecmapError('K_RANGE', `scree: components=${N} must be between 1 and min(n_pixels, n_channels)=${rank}`);
  }
  const eig = covarianceEigen(src, undefined, 0); // eigenvalues only
  const explainedVariance = eig.values.slice(0, N);
  const explainedVarianceRatio = explainedVariance.map((v) => (eig.trace > 0 ? v / eig.trace : 0));
  const cumulativeRatio = new Float64Array(N);
  let s = 0;
  for (let i = 0; i < N; i++) cumulativeRatio[i] = s += explainedVarianceRatio[i];
  return { explainedVariance, explainedVarianceRatio, cumulativeRatio, totalVariance: eig.trace };
}

/**
 * ‖X − (W·C + mean)‖_F over the fitted (masked-in) rows, one blocked pass,
 * Float64 accumulation; also ‖X‖_F of the same rows.
 */
export function reconstructionError(x: SpectralStack | MatrixView, d: Decomposition): { error: number; norm: number; rows: number } {
  const src: ActiveRows = prepareInput(x);
  const { data, cols: m, count: n, index } = src;
  const k = d.k;
  if (d.components.length !== k * m || d.weights.length !== src.rows * k) {
    throw new SpecmapError('SHAPE', `reconstructionError: decomposition of ${d.weights.length / Math.max(k, 1)} rows × ${d.components.length / Math.max(k, 1)} channels does not fit the ${src.rows}×${m} data`);
  }
  const mean = d.mean;
  let e2 = 0;
  let x2 = 0;
  const rec = new Float64Array(m);
  for (let r = 0; r < n; r++) {
    const row = index[r];
    if (mean) rec.set(mean);
    else rec.fill(0);
    for (let c = 0; c < k; c++) {
      const w = d.weights[row * k + c];
      if (w === 0) continue;
      const off = c * m;
      for (let j = 0; j < m; j++) rec[j] += w * d.components[off + j];
    }
    const base = row * m;
    for (let j = 0; j < m; j++) {
      const v = data[base + j];
      const dv = v - rec[j];
      e2 += dv * dv;
      x2 += v * v;
    }
  }
  return { error: Math.sqrt(e2), norm: Math.sqrt(x2), rows: n };
}

export interface ErrorVsKRow {
  k: number;
  /** ‖X − X̂‖_F over the fitted pixels. */
  error: number;
  /** error / ‖X‖_F. */
  relativeError: number;
  /** error² / (n·m). */
  mse: number;
  iterations: number;
  converged: boolean;
  /** Wall-clock seconds of the fit. */
  seconds: number;
}

/**
 * Run `method` (a registered name: 'pca', 'nmf', 'ica', 'kmeans', …) for each
 * K in `ks` with the other `options` fixed (seed 0 unless given) and report
 * the reconstruction error of each fit. The K where the curve flattens into
 * the noise floor is a candidate; compare with the scree and stability.
 */
export function reconstructionErrorVsK(
  stack: SpectralStack,
  method: string,
  ks: number[],
  options: Partial<AnalyzeOptions> = {},
): ErrorVsKRow[] {
  const spec = getMethod(method);
  if (!Array.isArray(ks) || ks.length === 0) throw new SpecmapError('OPTION', 'reconstructionErrorVsK: ks must be a non-empty list of K values');
  const m = stack.energies.length;
  return ks.map((k) => {
    const t0 = Date.now();
    const d = spec.run(stack, { ...options, method: spec.name, components: k, seed: options.seed ?? 0 } as AnalyzeOptions);
    const seconds = (Date.now() - t0) / 1000;
    const e = reconstructionError(stack, d);
    return {
      k,
      error: e.error,
      relativeError: e.norm > 0 ? e.error / e.norm : 0,
      mse: (e.error * e.error) / (e.rows * m),
      iterations: d.iterations,
      converged: d.converged,
      seconds,
    };
  });
}

export interface Stability {
  /** Per component of the reference run (the first seed's): mean matched |similarity| over the other runs. */
  perComponent: Float64Array;
  /** Per component: the smallest matched |similarity| over the other runs. */
  minPerComponent: Float64Array;
  /** Mean of perComponent. */
  mean: number;
  /** The seeds run, the first being the reference. */
  seeds: number[];
  /** matches[s][j] = component of run s+1 matched to reference component j. */
  matches: Int32Array[];
  /** The reference run's components (k×m), in its canonical order. */
  reference: Float64Array;
}

/**
 * Stability of a seeded method's components: run it once per seed, take the
 * first run as the reference, match each other run's components to it (one-
 * to-one, Hungarian on |Pearson r| of the spectra, signs free), and score
 * each reference component by the mean (and min) matched |r| across runs.
 * 1 = the same spectrum every time; low values flag components that depend
 * on the start (too many components, or a flat objective). Deterministic
 * methods (PCA) score exactly 1.
 */
export function stabilityAcrossSeeds(
  stack: SpectralStack,
  method: string,
  k: number,
  seeds: number[],
  options: Partial<AnalyzeOptions> & { metric?: MatchMetric } = {},
): Stability {
  const spec = getMethod(method);
  if (!Array.isArray(seeds) || seeds.length < 2) throw new SpecmapError('OPTION', 'stabilityAcrossSeeds: give at least two seeds');
  const m = stack.energies.length;
  const runs = seeds.map((seed) => spec.run(stack, { ...options, method: spec.name, components: k, seed } as AnalyzeOptions));
  const ref = runs[0];
  const kk = ref.k;
  const sum = new Float64Array(kk);
  const min = new Float64Array(kk).fill(Infinity);
  const matches: Int32Array[] = [];
  for (let s = 1; s < runs.length; s++) {
    const mt = matchRuns(ref.components, kk, runs[s].components, runs[s].k, m, options.metric ?? 'pearson');
    matches.push(mt.toB);
    for (let j = 0; j < kk; j++) {
      const v = Number.isNaN(mt.scores[j]) ? 0 : mt.scores[j];
      sum[j] += v;
      if (v < min[j]) min[j] = v;
    }
  }
  const perComponent = sum.map((v) => v / (runs.length - 1));
  let mean = 0;
  for (const v of perComponent) mean += v;
  mean /= kk;
  return { perComponent, minPerComponent: min, mean, seeds: [...seeds], matches, reference: ref.components };
}
