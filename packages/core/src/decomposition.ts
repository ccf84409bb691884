import { SpecmapError } from './errors';
import { SpectralStack, validateStack } from './stack';
import type { AnalysisResult } from './result';

/**
 * What every decomposition (PCA, NMF) returns, before it is wrapped into an
 * AnalysisResult with energies, image size and provenance.
 *
 * X (n×m, rows = pixels/samples) ≈ weights (n×k) · components (k×m) (+ mean, for PCA).
 */
export interface Decomposition {
  /** n×k, row-major, row = pixel (or matrix row). Masked-out rows are 0. */
  weights: Float32Array;
  /** k×m, row-major, row = component spectrum. */
  components: Float64Array;
  /** Number of components. */
  k: number;
  /** Iterations run (NMF); 0 for the direct PCA. */
  iterations: number;
  /** NMF: true when the tolerance rule stopped the iterations. PCA: always true. */
  converged: boolean;
  /** Non-fatal problems (no convergence, clipped negatives, ...). */
  warnings: string[];
  /** PCA: mean spectrum (length m) subtracted before the fit. */
  mean?: Float64Array;
  /** PCA: variance along each component (eigenvalue of the covariance, = S²/(n−1)). */
  explainedVariance?: Float64Array;
  /** PCA: explainedVariance divided by the total variance (trace of the covariance). */
  explainedVarianceRatio?: Float64Array;
  /** PCA: singular values of the centred matrix, √((n−1)·λ). */
  singularValues?: Float64Array;
  /** PCA: mean of the discarded eigenvalues (probabilistic-PCA noise), 0 if none. */
  noiseVariance?: number;
  /** NMF: ½‖X − WH‖²_F after each iteration. */
  lossHistory?: Float64Array;
  /** NMF: ‖X − WH‖_F of the final factors (scikit-learn's `reconstruction_err_`), computed directly. */
  reconstructionError?: number;
  /** Parameters as run (k, seed, maxIter, tol, init, solver, ...). */
  parameters: Record<string, unknown>;
  /** Embedding methods (LLE, ...): the pixels' coordinates; copied to AnalysisResult.embedding. */
  embedding?: AnalysisResult['embedding'];
  /** Segmentation methods (k-means, ...): a label per pixel; copied to AnalysisResult.labels. */
  labels?: Int32Array;
  /**
   * Extra per-pixel maps (length n each, NaN where undefined), e.g. the LCF
   * R-factor or the mLLE progress; copied to AnalysisResult.extraMaps.
   */
  maps?: ExtraMap[];
}

/** A named per-pixel map beside the weights (length n, raster order, NaN where undefined). */
export interface ExtraMap {
  /** File-safe name ([A-Za-z0-9_-]); the CLI writes it as `<name>.npy`. */
  name: string;
  /** Unit or meaning of the values ('' when dimensionless). */
  unit?: string;
  data: Float32Array;
}

/**
 * A plain n×m matrix (row-major), so the same code runs on a stack or on any
 * table of spectra. `mask` (optional, length `rows`, 1 = use, 0 = leave out)
 * selects the rows to fit; rows left out get weight 0 in the result.
 */
export interface MatrixView {
  data: Float32Array | Float64Array;
  rows: number;
  cols: number;
  mask?: Uint8Array;
}

/**
 * View a spectral stack as the n×m matrix X (rows = pixels in raster order,
 * y·width + x). No copy: `data` is the stack's cube. The stack's mask, if any,
 * is carried over: decompositions fit masked-in pixels only and give
 * masked-out pixels weight 0.
 */
export function fromStack(stack: SpectralStack): MatrixView {
  const view: MatrixView = { data: stack.data, rows: stack.width * stack.height, cols: stack.energies.length };
  if (stack.mask) view.mask = stack.mask;
  return view;
}

/** True for a SpectralStack (as opposed to a MatrixView). */
export function isStack(x: SpectralStack | MatrixView): x is SpectralStack {
  return (x as SpectralStack).energies !== undefined && (x as SpectralStack).width !== undefined;
}

/**
 * The rows a decomposition works on (internal): the full matrix plus the list
 * of active (masked-in) row numbers, in increasing order.
 */
export interface ActiveRows {
  data: Float32Array | Float64Array;
  /** Total number of rows of the matrix (n, including masked-out rows). */
  rows: number;
  /** Number of columns (channels, m). */
  cols: number;
  /** Row numbers to use, increasing. */
  index: Int32Array;
  /** index.length. */
  count: number;
}

/** Check that a MatrixView is well-formed and finite; throws SpecmapError naming the first problem. */
export function validateMatrix(x: MatrixView): void {
  const { rows, cols, data } = x;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new SpecmapError('SHAPE', `invalid matrix shape: ${rows} rows × ${cols} columns`);
  }
  if (data.length !== rows * cols) {
    throw new SpecmapError('SHAPE', `matrix data has ${data.length} values but ${rows}×${cols} = ${rows * cols} are expected`);
  }
  if (x.mask && x.mask.length !== rows) {
    throw new SpecmapError('SHAPE', `mask has ${x.mask.length} entries but the matrix has ${rows} rows`);
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      throw new SpecmapError(
        'NAN',
        `matrix contains ${Number.isNaN(v) ? 'NaN' : 'Inf'} at row ${Math.floor(i / cols)}, column ${i % cols}`,
      );
    }
  }
}

/** Validate the input (validateStack for stacks) and list the active rows. */
export function prepareInput(x: SpectralStack | MatrixView): ActiveRows {
  let view: MatrixView;
  if (isStack(x)) {
    validateStack(x);
    view = fromStack(x);
  } else {
    validateMatrix(x);
    view = x;
  }
  const { rows, cols, mask } = view;
  let index: Int32Array;
  if (mask) {
    let c = 0;
    for (let i = 0; i < rows; i++) if (mask[i]) c++;
    if (c === 0) throw new SpecmapError('MASK', `the mask leaves no pixels to analyse (0 of ${rows})`);
    index = new Int32Array(c);
    c = 0;
    for (let i = 0; i < rows; i++) if (mask[i]) index[c++] = i;
  } else {
    index = new Int32Array(rows);
    for (let i = 0; i < rows; i++) index[i] = i;
  }
  return { data: view.data, rows, cols, index, count: index.length };
}

/** Check the number of components: an integer with 1 ≤ K ≤ min(n, m). Throws SpecmapError('K_RANGE'). */
export function checkComponents(k: number, n: number, m: number): number {
  const max = Math.min(n, m);
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > max) {
    throw new SpecmapError(
      'K_RANGE',
      `components K=${k} must be between 1 and min(n_pixels=${n}, n_channels=${m})=${max}`,
    );
  }
  return k;
}
