import type { SpectralStack } from './stack';
import { ActiveRows, checkComponents, Decomposition, MatrixView, prepareInput } from './decomposition';
import { columnMeans, gram, kernelsFor, symmetricEigen, symmetricEigenTop } from './linalg';
import { SpecmapError } from './errors';
import { checkSeed, Rng } from './random';
import { checkFiniteStream, npyStreamInfo, stackStreamOf, withStreamRows, type StreamOptions } from './stream';

export interface PcaOptions {
  /** Number of components K, an integer with 1 ≤ K ≤ min(n, m). */
  components: number;
  /**
   * 'full' (default): covariance + symmetric eigensolver, exact.
   * 'randomized': Halko–Martinsson–Tropp randomized SVD of the centred
   * matrix (scikit-learn's `svd_solver='randomized'` rules), seeded.
   */
  solver?: 'full' | 'randomized';
  /** Randomized: seed of the Gaussian test matrix. __Default:__ 0. */
  seed?: number;
  /** Randomized: extra columns of the test matrix (sklearn `n_oversamples`). __Default:__ 10. */
  oversamples?: number;
  /** Randomized: power iterations; 'auto' = 7 if K < 0.1·min(n, m) else 4 (sklearn). __Default:__ 'auto'. */
  powerIterations?: number | 'auto';
}

/**
 * Principal component analysis, centred (as scikit-learn's PCA; no scaling).
 *
 * **solver 'full'** (default; covariance route, best when n ≫ m): one pass
 * over X for the mean spectrum μ, one pass accumulating the m×m scatter
 * matrix of the centred rows in Float64 (blocks of rows; see `gram`),
 * C = scatter/(n−1), then the symmetric eigen-decomposition of C
 * (Householder + implicit QL). Cost O(n·m² + m³), memory O(m²).
 *
 * **solver 'randomized'** (Halko, Martinsson & Tropp 2011, as scikit-learn's
 * `randomized_svd` used by `PCA(svd_solver='randomized')`): a seeded Gaussian
 * m×(K+p) test matrix Ω (p = `oversamples`, default 10), q power iterations
 * (q = 7 if K < 0.1·min(n, m) else 4, sklearn's 'auto'), each one blocked
 * pass over X computing Z = X_cᵀ(X_c Y) with Y the orthonormalised previous
 * Z (X_c = X − μ is never formed: rows are centred while read). A last pass
 * gives Z and M = YᵀZ; the small problem is the SVD of B = QᵀX_c with
 * Q = orth(X_c Y) — the same subspace approximation as sklearn's, since
 * BᵀB = Z M⁻¹ Zᵀ — solved from two (K+p)×(K+p) eigenproblems. Cost
 * O(n·m·(K+p)·(q+1)), memory O(m·(K+p)). When that is more than one pass
 * forming the m×m scatter matrix S = X_cᵀX_c (n·m²/2, i.e. when
 * m < 4·(K+p)·(q+1): few channels), S is formed once and Z = S·Y replaces the
 * passes over X (same products, summed in another order). Power-iteration normalisation is
 * by QR (Gram–Schmidt) where sklearn uses LU: the spanned subspaces are the
 * same, only rounding differs. Ω comes from specmap's Rng (not numpy's), so
 * the result equals sklearn's up to the approximation error of the method,
 * not bit for bit. When K + p ≥ min(n, m) the random range is the whole
 * space and the exact 'full' solver runs instead (recorded in
 * `parameters.solver`).
 *
 * Then, for both solvers:
 * - components = the K leading right singular vectors / eigenvectors, by
 *   decreasing variance;
 * - **sign convention**: each component spectrum is flipped so that its entry
 *   of largest |·| is positive (first such entry on ties). On iris this gives
 *   the same signs as scikit-learn's `svd_flip`;
 * - weights (scores) = (X − μ)·Vᵀ, n×k (Float32);
 * - explainedVariance = λ = S²/(n−1) (tiny negative eigenvalues clamped to 0);
 *   explainedVarianceRatio = λ / total variance (trace of the covariance);
 *   singularValues = √((n−1)·λ); noiseVariance = mean variance of the
 *   discarded directions, (trace − Σλ)/(min(n, m) − K) (0 when K = min(n, m));
 * - `iterations` = 0 (full) or the number of power iterations, `converged` = true.
 *
 * With a mask (stack mask or `MatrixView.mask`) only masked-in rows enter
 * μ and C (n = their count) and masked-out rows get weight 0.
 *
 * Throws SpecmapError 'K_RANGE' for K outside [1, min(n, m)], 'NAN' for
 * non-finite input, 'SHAPE' for inconsistent sizes, 'OPTION' for a bad
 * solver option, 'SEED' for a bad seed.
 *
 * Out of core: a stack from `streamedStack` (stream.ts) is streamed from its
 * file, as `pcaStream` does.
 */
export function pca(x: SpectralStack | MatrixView, options: PcaOptions): Decomposition {
  const stream = stackStreamOf(x);
  if (stream) return withStreamRows(stream, (src) => pcaRows(src, options));
  return pcaRows(prepareInput(x), options);
}

/**
 * Out-of-core PCA of a float32 C-order `.npy` file (rows = all axes but the
 * last, columns = the last): the column means, the scatter matrix (or the
 * randomized solver's power-iteration passes) and the scores stream the rows
 * from disk through @specmap/kernels (each thread reads its own chunk), so
 * only the n×K scores and m×m matrices are held in memory. Same options, the
 * same checks (a NaN/Inf in the file is SpecmapError 'NAN') and the same
 * result, bit for bit, as `pca()` on the cube in memory (a file of < 2^18
 * values is read whole, as pca() then runs its TypeScript path); parameters
 * get an `outOfCore` record. Throws SpecmapError('KERNELS') when the
 * WebAssembly kernels are unavailable (inputs of ≥ 2^18 values).
 */
export function pcaStream(path: string, options: PcaOptions & StreamOptions): Decomposition {
  return withStreamRows(npyStreamInfo(path, options), (src) => pcaRows(src, options));
}

/** pca() on prepared rows (in memory or streamed). */
function pcaRows(src: ActiveRows, options: PcaOptions): Decomposition {
  const { cols: m, count: n } = src;
  const k = checkComponents(options.components, n, m);
  const solver = options.solver ?? 'full';
  if (solver !== 'full' && solver !== 'randomized') {
    throw new SpecmapError('OPTION', `PCA solver must be 'full' or 'randomized', got '${String(solver)}'`);
  }
  let p = 0;
  let q = 0;
  let seed = 0;
  if (solver === 'randomized') {
    seed = checkSeed(options.seed ?? 0);
    p = options.oversamples ?? 10;
    if (!Number.isInteger(p) || p < 0) throw new SpecmapError('OPTION', `PCA oversamples must be a non-negative integer, got ${p}`);
    const piOpt = options.powerIterations ?? 'auto';
    q = piOpt === 'auto' ? (k < 0.1 * Math.min(n, m) ? 7 : 4) : piOpt;
    if (!Number.isInteger(q) || q < 0) throw new SpecmapError('OPTION', `PCA powerIterations must be 'auto' or a non-negative integer, got ${piOpt}`);
  }
  const mean = columnMeans(src);
  checkFiniteStream(src, mean); // streamed: the NaN/Inf check prepareInput makes in memory
  if (solver === 'full') return pcaFull(src, k, mean);
  if (k + p >= Math.min(n, m)) {
    const r = pcaFull(src, k, mean);
    r.parameters.solver = 'covariance-eigh';
    r.parameters.requestedSolver = 'randomized';
    r.parameters.note = `K + oversamples = ${k + p} ≥ min(n, m) = ${Math.min(n, m)}: exact solver used`;
    return r;
  }
  return pcaRandomized(src, k, p, q, seed, mean);
}

/** The exact covariance-route PCA of the active rows (see `pca`); `mean` = columnMeans(src). */
function pcaFull(src: ActiveRows, k: number, mean: Float64Array): Decomposition {
  const { cols: m, count: n } = src;
  const warnings: string[] = [];
  const eig = covarianceEigen(src, mean, k);
  const { trace, dof } = eig;
  const lambda = eig.values;

  const components = new Float64Array(k * m);
  for (let c = 0; c < k; c++) components.set(eig.vectors.subarray(c * m, (c + 1) * m), c * m);
  flipLargestPositive(components, k, m);
  if (!(trace > 0)) warnings.push('PCA: all spectra are identical (total variance 0); components are arbitrary');
  const stats = varianceStats(lambda.subarray(0, k), trace, dof, n, m);
  return {
    weights: scoresFloat32(src, mean, components, k),
    components,
    k,
    iterations: 0,
    converged: true,
    warnings,
    mean,
    ...stats,
    parameters: {
      components: k,
      solver: 'covariance-eigh',
      centred: true,
      signConvention: 'largest |entry| of each component positive',
      fittedRows: n,
    },
  };
}

/**
 * Mean, covariance eigenvalues (all m, decreasing, clamped ≥ 0) and the
 * eigenvectors (rows) of the `vectors` largest, of the active rows (`mean`:
 * their columnMeans, when known).
 */
export function covarianceEigen(
  src: ActiveRows,
  mean: Float64Array = columnMeans(src),
  vectors: number = src.cols,
): {
  mean: Float64Array;
  values: Float64Array;
  vectors: Float64Array;
  trace: number;
  dof: number;
} {
  const { cols: m, count: n } = src;
  const C = gram(src, mean);
  const dof = Math.max(n - 1, 1);
  let trace = 0;
  for (let i = 0; i < m * m; i++) C[i] /= dof;
  for (let i = 0; i < m; i++) trace += C[i * m + i];
  const eig = symmetricEigenTop(C, m, vectors);
  for (let i = 0; i < m; i++) if (eig.values[i] < 0) eig.values[i] = 0;
  return { mean, values: eig.values, vectors: eig.vectors, trace, dof };
}

/** Flip each of the k rows (length m) so that its entry of largest |·| (first on ties) is positive. Returns the signs. */
export function flipLargestPositive(rows: Float64Array, k: number, m: number): number[] {
  const signs: number[] = [];
  for (let c = 0; c < k; c++) {
    const off = c * m;
    let best = 0;
    for (let j = 1; j < m; j++) if (Math.abs(rows[off + j]) > Math.abs(rows[off + best])) best = j;
    const sign = rows[off + best] < 0 ? -1 : 1;
    if (sign < 0) for (let j = 0; j < m; j++) rows[off + j] = -rows[off + j];
    signs.push(sign);
  }
  return signs;
}

function varianceStats(lambda: Float64Array, trace: number, dof: number, n: number, m: number) {
  const k = lambda.length;
  const explainedVariance = new Float64Array(k);
  const explainedVarianceRatio = new Float64Array(k);
  const singularValues = new Float64Array(k);
  let sum = 0;
  for (let c = 0; c < k; c++) {
    explainedVariance[c] = lambda[c];
    explainedVarianceRatio[c] = trace > 0 ? lambda[c] / trace : 0;
    singularValues[c] = Math.sqrt(dof * lambda[c]);
    sum += lambda[c];
  }
  const rank = Math.min(n, m);
  const noiseVariance = k < rank ? Math.max(trace - sum, 0) / (rank - k) : 0;
  return { explainedVariance, explainedVarianceRatio, singularValues, noiseVariance };
}

/** Scores (X − μ)·Vᵀ of the active rows as an n_total×k Float32 array (masked-out rows 0). */
function scoresFloat32(src: ActiveRows, mean: Float64Array, components: Float64Array, k: number): Float32Array {
  const { cols: m, rows: nTotal, count: n, index, data } = src;
  const weights = new Float32Array(nTotal * k);
  const fast = kernelsFor(src)?.project(src, mean, components, k);
  if (fast) {
    for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) weights[index[r] * k + c] = fast[r * k + c];
    return weights;
  }
  const centred = new Float64Array(m);
  for (let r = 0; r < n; r++) {
    const row = index[r];
    const base = row * m;
    for (let j = 0; j < m; j++) centred[j] = data[base + j] - mean[j];
    for (let c = 0; c < k; c++) {
      const off = c * m;
      let s = 0;
      for (let j = 0; j < m; j++) s += centred[j] * components[off + j];
      weights[row * k + c] = s;
    }
  }
  return weights;
}

/**
 * Scores (X − μ)·Vᵀ in Float64 for the active rows only: count×k, row r =
 * active row r (src.index[r]). Used by FastICA for its whitened data.
 */
export function scoresFloat64(src: ActiveRows, mean: Float64Array, components: Float64Array, k: number): Float64Array {
  const { cols: m, count: n, index, data } = src;
  const fast = kernelsFor(src)?.project(src, mean, components, k);
  if (fast) return fast;
  const out = new Float64Array(n * k);
  const centred = new Float64Array(m);
  for (let r = 0; r < n; r++) {
    const base = index[r] * m;
    for (let j = 0; j < m; j++) centred[j] = data[base + j] - mean[j];
    for (let c = 0; c < k; c++) {
      const off = c * m;
      let s = 0;
      for (let j = 0; j < m; j++) s += centred[j] * components[off + j];
      out[r * k + c] = s;
    }
  }
  return out;
}

const BLOCK = 128;

/**
 * Z = X_cᵀ (X_c Y) over the active rows in one blocked pass, X_c = X − μ.
 * Y and Z are stored column by column: l vectors of length m (Y[c·m + j]).
 * Also returns Σ‖x_c‖² (the total sum of squares) of the pass.
 */
function normalProduct(src: ActiveRows, mean: Float64Array, Y: Float64Array, l: number): { Z: Float64Array; ss: number } {
  const fast = kernelsFor(src)?.normalProduct(src, mean, Y, l);
  if (fast) return fast;
  const { cols: m, count: n, index, data } = src;
  const Z = new Float64Array(l * m);
  const buf = new Float64Array(BLOCK * m);
  const t = new Float64Array(l);
  let ss = 0;
  for (let start = 0; start < n; start += BLOCK) {
    const nb = Math.min(BLOCK, n - start);
    for (let r = 0; r < nb; r++) {
      const base = index[start + r] * m;
      const o = r * m;
      for (let j = 0; j < m; j++) {
        const v = data[base + j] - mean[j];
        buf[o + j] = v;
        ss += v * v;
      }
    }
    for (let r = 0; r < nb; r++) {
      const o = r * m;
      for (let c = 0; c < l; c++) {
        const oc = c * m;
        let s = 0;
        for (let j = 0; j < m; j++) s += buf[o + j] * Y[oc + j];
        t[c] = s;
      }
      for (let c = 0; c < l; c++) {
        const oc = c * m;
        const tc = t[c];
        for (let j = 0; j < m; j++) Z[oc + j] += tc * buf[o + j];
      }
    }
  }
  return { Z, ss };
}

/** Z = S·Y for the m×m scatter matrix S and l vectors Y (as normalProduct), ss = trace(S). */
function scatterProduct(S: Float64Array, Y: Float64Array, l: number, m: number): { Z: Float64Array; ss: number } {
  const Z = new Float64Array(l * m);
  for (let c = 0; c < l; c++) {
    const oc = c * m;
    for (let i = 0; i < m; i++) {
      let s = 0;
      const oi = i * m;
      for (let j = 0; j < m; j++) s += S[oi + j] * Y[oc + j];
      Z[oc + i] = s;
    }
  }
  let ss = 0;
  for (let i = 0; i < m; i++) ss += S[i * m + i];
  return { Z, ss };
}

/** Orthonormalise l vectors of length m in place (modified Gram–Schmidt, applied twice); collapsed vectors become 0. */
export function orthonormalize(Y: Float64Array, l: number, m: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < l; c++) {
      const oc = c * m;
      for (let d = 0; d < c; d++) {
        const od = d * m;
        let dot = 0;
        for (let j = 0; j < m; j++) dot += Y[oc + j] * Y[od + j];
        for (let j = 0; j < m; j++) Y[oc + j] -= dot * Y[od + j];
      }
      let nn = 0;
      for (let j = 0; j < m; j++) nn += Y[oc + j] * Y[oc + j];
      const norm = Math.sqrt(nn);
      if (norm > 1e-300) for (let j = 0; j < m; j++) Y[oc + j] /= norm;
      else for (let j = 0; j < m; j++) Y[oc + j] = 0;
    }
  }
}

/** Randomized PCA (see `pca`), for K + p < min(n, m); `mean` = columnMeans(src). */
function pcaRandomized(src: ActiveRows, k: number, p: number, q: number, seed: number, mean: Float64Array): Decomposition {
  const { cols: m, count: n } = src;
  const warnings: string[] = [];
  const l = k + p;
  const rng = new Rng(seed);
  // Ω (m×l) as l columns: sklearn draws normal(size=(m, l)); we fill column by column.
  let Y = new Float64Array(l * m);
  for (let i = 0; i < l * m; i++) Y[i] = rng.normal();
  let ss = 0;
  // Few channels: one pass for the scatter matrix is cheaper than q + 1 passes (see pca()).
  const S = m < 4 * l * (q + 1) ? gram(src, mean) : null;
  const product = (Yc: Float64Array) => (S ? scatterProduct(S, Yc, l, m) : normalProduct(src, mean, Yc, l));
  for (let it = 0; it < q; it++) {
    orthonormalize(Y, l, m);
    const r = product(Y);
    Y = r.Z;
    ss = r.ss;
  }
  orthonormalize(Y, l, m);
  const last = product(Y);
  ss = last.ss;
  const Z = last.Z;
  const dof = Math.max(n - 1, 1);
  const trace = ss / dof;

  // M = YᵀZ = (X_c Y)ᵀ(X_c Y), symmetric l×l.
  const M = new Float64Array(l * l);
  for (let a = 0; a < l; a++) {
    for (let b = a; b < l; b++) {
      let s = 0;
      let s2 = 0;
      for (let j = 0; j < m; j++) {
        s += Y[a * m + j] * Z[b * m + j];
        s2 += Y[b * m + j] * Z[a * m + j];
      }
      M[a * l + b] = M[b * l + a] = 0.5 * (s + s2);
    }
  }
  const em = symmetricEigen(M, l);
  const lmax = em.values[0];
  const keep: number[] = [];
  for (let i = 0; i < l; i++) if (em.values[i] > lmax * l * 2.220446049250313e-16 && em.values[i] > 0) keep.push(i);
  const rr = keep.length;
  // F = Z E Λ^{-1/2} (m×r, as r columns); BᵀB = F Fᵀ.
  const F = new Float64Array(rr * m);
  for (let c = 0; c < rr; c++) {
    const i = keep[c];
    const scale = 1 / Math.sqrt(em.values[i]);
    const oc = c * m;
    for (let a = 0; a < l; a++) {
      const e = em.vectors[i * l + a] * scale;
      if (e === 0) continue;
      const oa = a * m;
      for (let j = 0; j < m; j++) F[oc + j] += e * Z[oa + j];
    }
  }
  const G = new Float64Array(rr * rr);
  for (let a = 0; a < rr; a++) {
    for (let b = a; b < rr; b++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += F[a * m + j] * F[b * m + j];
      G[a * rr + b] = G[b * rr + a] = s;
    }
  }
  const eg = rr > 0 ? symmetricEigen(G, rr) : { values: new Float64Array(0), vectors: new Float64Array(0) };
  const components = new Float64Array(k * m);
  const lambda = new Float64Array(k);
  for (let c = 0; c < Math.min(k, rr); c++) {
    const sigma2 = Math.max(eg.values[c], 0);
    lambda[c] = sigma2 / dof;
    const v = components.subarray(c * m, (c + 1) * m);
    for (let a = 0; a < rr; a++) {
      const w = eg.vectors[c * rr + a];
      for (let j = 0; j < m; j++) v[j] += w * F[a * m + j];
    }
    let nn = 0;
    for (let j = 0; j < m; j++) nn += v[j] * v[j];
    const norm = Math.sqrt(nn);
    if (norm > 0) for (let j = 0; j < m; j++) v[j] /= norm;
  }
  if (rr < k) {
    warnings.push(`PCA (randomized): the data have rank ${rr} < K=${k}; components ${rr + 1}…${k} are zero`);
  }
  flipLargestPositive(components, k, m);
  if (!(trace > 0)) warnings.push('PCA: all spectra are identical (total variance 0); components are arbitrary');
  const stats = varianceStats(lambda, trace, dof, n, m);
  return {
    weights: scoresFloat32(src, mean, components, k),
    components,
    k,
    iterations: q,
    converged: true,
    warnings,
    mean,
    ...stats,
    parameters: {
      components: k,
      solver: 'randomized',
      seed,
      oversamples: p,
      powerIterations: q,
      centred: true,
      signConvention: 'largest |entry| of each component positive',
      fittedRows: n,
    },
  };
}
