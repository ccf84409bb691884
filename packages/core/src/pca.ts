import type { SpectralStack } from './stack';
import { checkComponents, Decomposition, MatrixView, prepareInput } from './decomposition';
import { columnMeans, gram, symmetricEigen } from './linalg';

export interface PcaOptions {
  /** Number of components K, an integer with 1 ≤ K ≤ min(n, m). */
  components: number;
}

/**
 * Principal component analysis, centred (as scikit-learn's PCA; no scaling).
 *
 * Method (covariance route, best when n ≫ m): one pass over X for the mean
 * spectrum μ, one pass accumulating the m×m scatter matrix of the centred
 * rows in Float64 (blocks of rows; see `gram`), C = scatter/(n−1), then the
 * symmetric eigen-decomposition of C (Householder + implicit QL). Cost
 * O(n·m² + m³), memory O(m²) beyond the input. Then:
 *
 * - components = the K leading eigenvectors, by decreasing eigenvalue;
 * - **sign convention**: each component spectrum is flipped so that its entry
 *   of largest |·| is positive (first such entry on ties). On iris this gives
 *   the same signs as scikit-learn's `svd_flip`;
 * - weights (scores) = (X − μ)·Vᵀ, n×k (Float32);
 * - explainedVariance = eigenvalues λ (= S²/(n−1)), tiny negative ones
 *   (rounding) clamped to 0; explainedVarianceRatio = λ / trace(C);
 *   singularValues = √((n−1)·λ); noiseVariance = mean of the discarded
 *   eigenvalues λ_K … λ_{min(n,m)−1} (0 when K = min(n, m));
 * - `iterations` = 0 (direct method), `converged` = true.
 *
 * With a mask (stack mask or `MatrixView.mask`) only masked-in rows enter
 * μ and C (n = their count) and masked-out rows get weight 0.
 *
 * Throws SpecmapError 'K_RANGE' for K outside [1, min(n, m)], 'NAN' for
 * non-finite input, 'SHAPE' for inconsistent sizes.
 */
export function pca(x: SpectralStack | MatrixView, options: PcaOptions): Decomposition {
  const src = prepareInput(x);
  const { cols: m, rows: nTotal, count: n, index, data } = src;
  const k = checkComponents(options.components, n, m);
  const warnings: string[] = [];

  const mean = columnMeans(src);
  const C = gram(src, mean);
  const dof = Math.max(n - 1, 1);
  let trace = 0;
  for (let i = 0; i < m * m; i++) C[i] /= dof;
  for (let i = 0; i < m; i++) trace += C[i * m + i];

  const eig = symmetricEigen(C, m);
  const lambda = eig.values;
  for (let i = 0; i < m; i++) if (lambda[i] < 0) lambda[i] = 0;

  const components = new Float64Array(k * m);
  const explainedVariance = new Float64Array(k);
  const explainedVarianceRatio = new Float64Array(k);
  const singularValues = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const v = eig.vectors.subarray(c * m, (c + 1) * m);
    let best = 0;
    for (let j = 1; j < m; j++) if (Math.abs(v[j]) > Math.abs(v[best])) best = j;
    const sign = v[best] < 0 ? -1 : 1;
    for (let j = 0; j < m; j++) components[c * m + j] = sign * v[j];
    explainedVariance[c] = lambda[c];
    explainedVarianceRatio[c] = trace > 0 ? lambda[c] / trace : 0;
    singularValues[c] = Math.sqrt(dof * lambda[c]);
  }
  if (!(trace > 0)) warnings.push('PCA: all spectra are identical (total variance 0); components are arbitrary');

  const rank = Math.min(n, m);
  let noiseVariance = 0;
  if (k < rank) {
    for (let i = k; i < rank; i++) noiseVariance += lambda[i];
    noiseVariance /= rank - k;
  }

  // Scores (X − μ)·Vᵀ for the active rows; masked-out rows stay 0.
  const weights = new Float32Array(nTotal * k);
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

  return {
    weights,
    components,
    k,
    iterations: 0,
    converged: true,
    warnings,
    mean,
    explainedVariance,
    explainedVarianceRatio,
    singularValues,
    noiseVariance,
    parameters: {
      components: k,
      solver: 'covariance-eigh',
      centred: true,
      signConvention: 'largest |entry| of each component positive',
      fittedRows: n,
    },
  };
}
