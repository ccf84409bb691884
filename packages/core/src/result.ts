/**
 * The analysis result: what every decomposition returns, what the Arrow
 * contract (@specmap/arrow) encodes, and what the views draw.
 *
 * X (n×m, rows = pixels in raster order) ≈ weights (n×k) · components (k×m)
 * (+ mean, for PCA).
 */
/**
 * The decomposition that produced a result: 'pca' or 'nmf' today; later
 * methods register more names (see @specmap/core methods.ts), so readers must
 * accept any string.
 */
export type Method = 'pca' | 'nmf' | (string & {});

export interface Provenance {
  /** sha256 (hex) of the input file(s). */
  inputSha256: string;
  /** Input path as given by the user (informational). */
  input?: string;
  specmapVersion: string;
  /** Seed of the random number generator, null when the method uses none. */
  seed: number | null;
  /** ISO 8601 date of the run. */
  date: string;
  /** Preprocessing steps applied before the decomposition, in order. */
  steps: { name: string; parameters: Record<string, unknown> }[];
  /** Versions of the runtime (node) and libraries that matter. */
  versions: Record<string, string>;
}

/** Reference spectra interpolated on the result's energy grid. */
export interface ReferenceSpectrum {
  name: string;
  /** Values on `energies` (length m). */
  values: Float64Array;
}

export interface AnalysisResult {
  method: Method;
  /** Number of components. */
  k: number;
  width: number;
  height: number;
  /** Channel energies in eV (length m). */
  energies: Float64Array;
  /** n×k, row-major, row = pixel y·width + x. */
  weights: Float32Array;
  /** k×m, row-major, row = component. */
  components: Float64Array;
  /** PCA: the mean spectrum (length m) that was subtracted; absent otherwise. */
  mean?: Float64Array;
  /** PCA: variance explained by each component (length k) and its ratio. */
  explainedVariance?: Float64Array;
  explainedVarianceRatio?: Float64Array;
  /** Parameters of the method as run (k, seed, maxIter, tol, init, ...). */
  parameters: Record<string, unknown>;
  iterations: number;
  converged: boolean;
  /** Objective per iteration (NMF), when recorded. */
  lossHistory?: Float64Array;
  /** Non-fatal problems (no convergence, clipped negatives, ...). */
  warnings: string[];
  provenance: Provenance;
  /**
   * Measured spectra for the views (optional): pixel-major like the stack,
   * possibly spatially binned by `binning` (then width/height are the binned
   * sizes). Absent when over the payload budget.
   */
  measured?: { data: Float32Array; width: number; height: number; binning: number };
  /** Reference spectra on the energy grid, with Pearson r of each component against each (k×refs, row-major). */
  references?: { spectra: ReferenceSpectrum[]; pearson: Float64Array };
  /**
   * A low-dimensional embedding of the pixels' spectra (PCA scores, LLE,
   * modified LLE), for the embedding panel and progress maps: `coords` is
   * n×d row-major; `standards` are reference spectra projected into it;
   * `progress` (length n, NaN where undefined) is the first coordinate
   * rescaled between two projected standards.
   */
  embedding?: {
    method: string;
    d: number;
    coords: Float64Array;
    standards?: { name: string; coords: Float64Array }[];
    progress?: Float32Array;
  };
  /** A segmentation label per pixel (k-means, argmax of weights), length n; -1 = unlabelled (masked). */
  labels?: Int32Array;
  /**
   * Extra per-pixel maps of the method (LCF `rfactor` and `constant`, mLLE
   * `progress`, ...): each length n (raster order), NaN where undefined.
   */
  extraMaps?: { name: string; unit?: string; data: Float32Array }[];
}
