import { interpolate, SpecmapError, type AnalyzeOptions, type Decomposition, type MethodSpec, type SpectralStack } from '@specmap/core';
import { lle, type LleMethod, type LleModel, type StandardSpectrum } from './lle';
import { mwNmf } from './mwnmf';

/** Counts of `values` (NaN skipped) in `bins` equal bins on [lo, hi], plus the counts below and above. */
export function histogram(values: ArrayLike<number>, bins = 20, lo = 0, hi = 1): { edges: number[]; counts: number[]; below: number; above: number } {
  const counts = new Array(bins).fill(0);
  let below = 0;
  let above = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    if (v < lo) below++;
    else if (v > hi) above++;
    else counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]++;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, b) => lo + ((hi - lo) * b) / bins), counts, below, above };
}

/**
 * Spectra along the path: the Gaussian-kernel mean of the spectra at
 * `count` evenly spaced points between the 1st and 99th percentile of
 * coordinate 0 (bandwidth = half the spacing). Row j (count×m) is the typical
 * spectrum at position j; useful to see how the spectra change along the
 * embedding.
 */
export function pathSpectra(data: ArrayLike<number>, m: number, coordinate: ArrayLike<number>, count: number): { positions: Float64Array; spectra: Float64Array } {
  const n = coordinate.length;
  const valid = Array.from({ length: n }, (_, i) => i).filter((i) => Number.isFinite(coordinate[i]));
  const sorted = valid.map((i) => coordinate[i]).sort((a, b) => a - b);
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
  const lo = q(0.01);
  const hi = q(0.99);
  const positions = Float64Array.from({ length: count }, (_, j) => (count === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * j) / (count - 1)));
  const h = count > 1 ? (hi - lo) / (count - 1) / 2 : (hi - lo) / 2 || 1;
  const spectra = new Float64Array(count * m);
  for (let j = 0; j < count; j++) {
    let ws = 0;
    for (const i of valid) {
      const w = Math.exp(-0.5 * ((coordinate[i] - positions[j]) / h) ** 2);
      if (w < 1e-12) continue;
      ws += w;
      for (let e = 0; e < m; e++) spectra[j * m + e] += w * data[i * m + e];
    }
    for (let e = 0; e < m; e++) spectra[j * m + e] /= ws || 1;
  }
  return { positions, spectra };
}

/** References of AnalyzeOptions interpolated on the stack's energies, as standards. */
export function standardsFrom(stack: SpectralStack, options: AnalyzeOptions): StandardSpectrum[] {
  return (options.references ?? []).map((r) => {
    try {
      return { name: r.name, values: interpolate(r.energies, r.values, stack.energies) };
    } catch (err) {
      if (err instanceof SpecmapError) throw new SpecmapError(err.code, `reference ${r.name}: ${err.message}`);
      throw err;
    }
  });
}

/**
 * weights = the embedding (n×d); components (d×m) = the least-squares
 * spectra B of X − mean ≈ Y·B (the spectral change per unit of each
 * coordinate), with `mean` the mean spectrum, so weights·components + mean is
 * the best linear reconstruction from the embedding (masked-out rows 0).
 */
function embeddingDecomposition(stack: SpectralStack, fit: LleModel, name: string): Decomposition {
  const { width, height } = stack;
  const n = width * height;
  const m = stack.energies.length;
  const d = fit.d;
  const rowsUsed: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(fit.embedding[i * d])) rowsUsed.push(i);
  const mean = new Float64Array(m);
  for (const i of rowsUsed) for (let e = 0; e < m; e++) mean[e] += stack.data[i * m + e];
  for (let e = 0; e < m; e++) mean[e] /= rowsUsed.length;
  // normal equations (YᵀY) B = Yᵀ(X − mean)
  const yty = new Float64Array(d * d);
  const ytx = new Float64Array(d * m);
  const ym = new Float64Array(d);
  for (const i of rowsUsed) for (let c = 0; c < d; c++) ym[c] += fit.embedding[i * d + c] / rowsUsed.length;
  for (const i of rowsUsed) {
    for (let c = 0; c < d; c++) {
      const yc = fit.embedding[i * d + c] - ym[c];
      for (let c2 = 0; c2 < d; c2++) yty[c * d + c2] += yc * (fit.embedding[i * d + c2] - ym[c2]);
      for (let e = 0; e < m; e++) ytx[c * m + e] += yc * (stack.data[i * m + e] - mean[e]);
    }
  }
  // solve by Gauss–Jordan (d is small)
  const A = Float64Array.from(yty);
  const Bm = Float64Array.from(ytx);
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(A[r * d + c]) > Math.abs(A[piv * d + c])) piv = r;
    if (piv !== c) {
      for (let t = 0; t < d; t++) [A[c * d + t], A[piv * d + t]] = [A[piv * d + t], A[c * d + t]];
      for (let e = 0; e < m; e++) [Bm[c * m + e], Bm[piv * m + e]] = [Bm[piv * m + e], Bm[c * m + e]];
    }
    const p = A[c * d + c] || 1e-300;
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = A[r * d + c] / p;
      if (f === 0) continue;
      for (let t = 0; t < d; t++) A[r * d + t] -= f * A[c * d + t];
      for (let e = 0; e < m; e++) Bm[r * m + e] -= f * Bm[c * m + e];
    }
  }
  for (let c = 0; c < d; c++) for (let e = 0; e < m; e++) Bm[c * m + e] /= A[c * d + c] || 1e-300;
  // mean absorbs the coordinate means: X ≈ (mean − ym·B) + Y·B
  for (let c = 0; c < d; c++) for (let e = 0; e < m; e++) mean[e] -= ym[c] * Bm[c * m + e];
  const weights = new Float32Array(n * d);
  for (const i of rowsUsed) for (let c = 0; c < d; c++) weights[i * d + c] = fit.embedding[i * d + c];
  const parameters: Record<string, unknown> = { ...fit.parameters, reconstructionError: fit.reconstructionError };
  if (fit.progress) parameters.progressHistogram = histogram(fit.progress, 20, 0, 1);
  return {
    weights,
    components: Bm,
    k: d,
    iterations: Number(fit.parameters.eigenIterations ?? 0),
    converged: !fit.warnings.some((w) => /eigensolver/.test(w)),
    warnings: fit.warnings,
    mean,
    parameters,
    embedding: { method: name, d, coords: fit.embedding, standards: fit.standards, progress: fit.progress },
    ...(fit.progress ? { maps: [progressMap(fit.progress, fit.parameters.progressStandards)] } : {}),
  };
}

/** The progress map as an extra map of the result (`progress.npy` from the CLI). */
function progressMap(progress: Float32Array, ends: unknown): NonNullable<Decomposition['maps']>[number] {
  const e = Array.isArray(ends) && ends.length === 2 ? ends.map(String) : undefined;
  return { name: 'progress', unit: e ? `0 at ${e[0]}, 1 at ${e[1]} (coordinate 0 rescaled)` : 'coordinate 0 rescaled between two references', data: progress };
}

function runLle(method: LleMethod, name: string) {
  return (stack: SpectralStack, o: AnalyzeOptions): Decomposition => {
    const fit = lle(stack, {
      components: o.components,
      neighbors: (o.neighbors as number | undefined) ?? 10,
      reg: o.reg as number | undefined,
      method,
      seed: o.seed,
      standards: standardsFrom(stack, o),
    });
    return embeddingDecomposition(stack, fit, name);
  };
}

/**
 * The methods of @specmap/manifold, for core's `registerMethod`:
 * 'lle' (standard LLE), 'mlle' (modified LLE) and 'mw-nmf'
 * (manifold-weighted NMF). See docs/cli.md for what weights and components
 * hold.
 */
export const MANIFOLD_METHODS: MethodSpec[] = [
  {
    name: 'lle',
    summary: 'locally linear embedding (Roweis & Saul; scikit-learn 1.2 compatible): weights = the embedding',
    options: ['components', 'neighbors', 'reg', 'seed'],
    seeded: false,
    run: runLle('standard', 'lle'),
  },
  {
    name: 'mlle',
    summary: 'modified locally linear embedding (Zhang & Wang): reaction-path ordering, projected references, progress map',
    options: ['components', 'neighbors', 'reg', 'seed'],
    seeded: false,
    run: runLle('modified', 'mlle'),
  },
  {
    name: 'mw-nmf',
    summary: 'manifold-weighted NMF: NMF with spectra re-weighted by 1/density along the mLLE (or PCA) path',
    options: ['components', 'neighbors', 'reg', 'embedding', 'alpha', 'maxIter', 'tol', 'seed'],
    seeded: false,
    run: (stack, o) => {
      const r = mwNmf(stack, {
        components: o.components,
        alpha: o.alpha as number | undefined,
        embedding: o.embedding as 'mlle' | 'pca' | undefined,
        neighbors: o.neighbors as number | undefined,
        reg: o.reg as number | undefined,
        maxIter: o.maxIter,
        tol: o.tol === undefined ? undefined : o.tol,
        seed: o.seed,
        standards: standardsFrom(stack, o),
      });
      const coords = r.coordinate;
      return {
        weights: r.weights,
        components: r.components,
        k: r.k,
        iterations: r.iterations,
        converged: r.converged,
        warnings: r.warnings,
        lossHistory: r.lossHistory,
        parameters: { ...r.parameters, progressHistogram: r.progress ? histogram(r.progress, 20, 0, 1) : undefined },
        embedding: { method: r.embeddingUsed === 'mlle' ? 'mlle' : 'pca', d: 1, coords, standards: r.standards, progress: r.progress },
        ...(r.progress ? { maps: [progressMap(r.progress, (r.parameters.embeddingParameters as Record<string, unknown> | undefined)?.progressStandards)] } : {}),
      };
    },
  },
];
