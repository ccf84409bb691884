import { SpecmapError } from './errors';
import { matchComponents, type ReferenceLike } from './matching';
import { reconstructionError } from './model-selection';
import type { Decomposition } from './decomposition';
import type { SpectralStack } from './stack';
import type { SyntheticTruth } from './synthetic';
import { mapOverlap } from './nmf-so';

/**
 * Metrics of one decomposition for parameter scans (`specmap scan`, the
 * ground-truth table): how much the maps overlap, how much of the image they
 * cover, how well the data are reconstructed, how well the spectra match
 * reference (or true) spectra, and the rule that picks one run of a scan.
 * Definitions are stated in docs/cli.md (`specmap scan`).
 */

/** The part of a decomposition (or AnalysisResult) the metrics read. */
export interface FactorsLike {
  k: number;
  /** n×k, row-major. */
  weights: Float32Array | Float64Array;
  /** k×m, row-major. */
  components: Float64Array;
  mean?: Float64Array;
}

/** Default map threshold of `coverage`: a share of each map's maximum. */
export const COVERAGE_THRESHOLD = 0.1;
/** Runs whose worst matched r is within this of the best count as equally good (then the lowest overlap wins). */
export const R_TOLERANCE = 0.005;
/** Without references: the largest ω whose MSE is within this share of the smallest ω's MSE. */
export const MSE_TOLERANCE = 0.02;
/** Methods whose maps/spectra carry no fixed sign (scores, sources, embeddings): their spectra are matched by |r|. */
export const SIGN_FREE_METHODS: readonly string[] = ['pca', 'ica', 'lle', 'mlle'];

/**
 * Map overlap: the mean, over all pairs of maps i < j, of the cosine
 * ⟨w_i, w_j⟩ / (‖w_i‖‖w_j‖) of the weight maps as vectors over the pixels
 * (0 = disjoint maps, 1 = proportional maps; the same definition as nmf-so's
 * `parameters.mapOverlap`). 0 for k = 1. Masked-out pixels have weight 0 and
 * so do not count.
 */
export function mapOverlapOf(weights: Float32Array | Float64Array, n: number, k: number): number {
  checkWeights(weights, n, k);
  return mapOverlap(weights instanceof Float64Array ? weights : Float64Array.from(weights), n, k);
}

/**
 * Coverage: the share of the (masked-in) pixels where at least one map,
 * divided by that map's maximum over the image, exceeds `threshold`
 * (__default__ 0.1). Maps whose maximum is ≤ 0 cover nothing.
 */
export function coverage(weights: Float32Array | Float64Array, n: number, k: number, threshold = COVERAGE_THRESHOLD, mask?: Uint8Array): number {
  checkWeights(weights, n, k);
  if (!(threshold >= 0)) throw new SpecmapError('OPTION', `coverage: threshold must be ≥ 0, got ${threshold}`);
  const max = new Float64Array(k).fill(-Infinity);
  for (let p = 0; p < n; p++) for (let j = 0; j < k; j++) if (weights[p * k + j] > max[j]) max[j] = weights[p * k + j];
  let covered = 0;
  let total = 0;
  for (let p = 0; p < n; p++) {
    if (mask && !mask[p]) continue;
    total++;
    for (let j = 0; j < k; j++) {
      if (max[j] > 0 && weights[p * k + j] / max[j] > threshold) {
        covered++;
        break;
      }
    }
  }
  return total > 0 ? covered / total : 0;
}

/**
 * Mean squared reconstruction error over the fitted pixels and all channels:
 * ‖X − (W·C + mean)‖²_F / (n_fitted · m).
 */
export function reconstructionMse(stack: SpectralStack, f: FactorsLike): number {
  const e = reconstructionError(stack, f as unknown as Decomposition);
  return (e.error * e.error) / (e.rows * stack.energies.length);
}

/** Matched Pearson r of components against references (one-to-one). */
export interface MatchedPearson {
  /** Per reference: r of its assigned component (NaN when no component is left for it, k < R). */
  r: Float64Array;
  /** Per reference: the assigned component, or −1. */
  component: Int32Array;
  /** Smallest r over the references (an unassigned reference counts as −1); NaN without references. */
  worst: number;
}

/**
 * Pearson r of each reference with the component assigned to it by the
 * optimal one-to-one assignment (Hungarian on Pearson r, maximising the sum;
 * `absolute` matches and reports |r|, for sign-free methods such as PCA and ICA).
 */
export function matchedPearson(components: Float64Array, k: number, references: ReferenceLike[], m: number, options: { absolute?: boolean } = {}): MatchedPearson {
  const R = references.length;
  const r = new Float64Array(R).fill(NaN);
  const component = new Int32Array(R).fill(-1);
  if (R === 0) return { r, component, worst: NaN };
  const table = matchComponents(components, k, references, m, { metric: 'pearson', absolute: options.absolute ?? false });
  for (let j = 0; j < k; j++) {
    const q = table.assignment[j];
    if (q < 0) continue;
    const v = table.pearson[j * R + q];
    r[q] = options.absolute ? Math.abs(v) : v;
    component[q] = j;
  }
  let worst = Infinity;
  for (let q = 0; q < R; q++) worst = Math.min(worst, Number.isNaN(r[q]) ? -1 : r[q]);
  return { r, component, worst };
}

/**
 * Map error of an estimated map against a true one after the best scale:
 * min over s of ‖t − s·w‖ / ‖t‖ (s = ⟨t, w⟩/⟨w, w⟩, any sign), i.e. the
 * relative RMSE of the matched map; 1 when w is all zeros.
 */
export function scaledMapError(truth: ArrayLike<number>, estimate: ArrayLike<number>): number {
  const n = truth.length;
  if (estimate.length !== n) throw new SpecmapError('SHAPE', `scaledMapError: maps have ${n} and ${estimate.length} pixels`);
  let tw = 0;
  let ww = 0;
  let tt = 0;
  for (let i = 0; i < n; i++) {
    tw += truth[i] * estimate[i];
    ww += estimate[i] * estimate[i];
    tt += truth[i] * truth[i];
  }
  if (tt === 0) return NaN;
  if (ww === 0) return 1;
  const s = tw / ww;
  let e = 0;
  for (let i = 0; i < n; i++) {
    const d = truth[i] - s * estimate[i];
    e += d * d;
  }
  return Math.sqrt(e / tt);
}

/** How well a decomposition recovers a synthetic truth. */
export interface TruthComparison {
  /** Per true component: Pearson r of its matched spectrum (|r| for sign-free methods); NaN if unmatched. */
  pearson: Float64Array;
  /** Per true component: scaledMapError of its matched map; NaN if unmatched. */
  mapError: Float64Array;
  /** Per true component: the matched component of the decomposition, or −1. */
  component: Int32Array;
  /** Smallest pearson (unmatched = −1) and largest map error (unmatched = 1). */
  worstPearson: number;
  worstMapError: number;
}

/**
 * Compare a decomposition with the truth of a synthetic stack: spectra are
 * matched to the true spectra one-to-one (matchedPearson), and each matched
 * map is compared with its true abundance map (scaledMapError).
 */
export function compareWithTruth(f: FactorsLike, truth: SyntheticTruth, options: { absolute?: boolean } = {}): TruthComparison {
  const K = truth.names.length;
  const m = truth.spectra.length / K;
  const n = truth.maps.length / K;
  checkWeights(f.weights, n, f.k);
  const refs = truth.names.map((name, q) => ({ name, values: truth.spectra.subarray(q * m, (q + 1) * m) }));
  const mp = matchedPearson(f.components, f.k, refs, m, options);
  const mapError = new Float64Array(K).fill(NaN);
  const t = new Float64Array(n);
  const w = new Float64Array(n);
  let worstMapError = 0;
  for (let q = 0; q < K; q++) {
    const j = mp.component[q];
    if (j < 0) {
      worstMapError = 1;
      continue;
    }
    for (let p = 0; p < n; p++) {
      t[p] = truth.maps[p * K + q];
      w[p] = f.weights[p * f.k + j];
    }
    mapError[q] = scaledMapError(t, w);
    worstMapError = Math.max(worstMapError, mapError[q]);
  }
  return { pearson: mp.r, mapError, component: mp.component, worstPearson: mp.worst, worstMapError };
}

/** One run of a scan, as the choice rule sees it. */
export interface ScanCandidate {
  k: number;
  /** ω, or null when the method has none. */
  omega: number | null;
  mse: number;
  overlap: number;
  /** Worst matched r against the references (NaN without references). */
  worstR: number;
}

export interface ScanChoice {
  /** Indices of the chosen runs: one with references; one per k when ω is scanned without references; none otherwise. */
  chosen: number[];
  /** 'references' | 'mse' | 'none'. */
  rule: 'references' | 'mse' | 'none';
  /** One line per decision, for summaries. */
  notes: string[];
}

/**
 * The choice rule of `specmap scan` (docs/cli.md):
 *
 * * with references: the best worst-matched r over all runs; among the runs
 *   within R_TOLERANCE (0.005) of it the lowest map overlap wins (ties: smaller
 *   k, then smaller ω);
 * * without references, when ω was scanned: for each k, the largest ω whose
 *   MSE is at most (1 + MSE_TOLERANCE) × the MSE of that k's smallest ω
 *   (normally ω = 0);
 * * otherwise nothing is chosen (read K off the scree, MSE and stability columns).
 */
export function chooseScanRun(runs: ScanCandidate[], options: { rTolerance?: number; mseTolerance?: number } = {}): ScanChoice {
  const rTol = options.rTolerance ?? R_TOLERANCE;
  const mseTol = options.mseTolerance ?? MSE_TOLERANCE;
  if (runs.length === 0) return { chosen: [], rule: 'none', notes: ['no runs'] };
  if (runs.some((r) => !Number.isNaN(r.worstR))) {
    let best = -Infinity;
    for (const r of runs) if (r.worstR > best) best = r.worstR;
    const near = runs.map((r, i) => i).filter((i) => runs[i].worstR >= best - rTol);
    near.sort((a, b) => runs[a].overlap - runs[b].overlap || runs[a].k - runs[b].k || (runs[a].omega ?? 0) - (runs[b].omega ?? 0));
    const c = near[0];
    return {
      chosen: [c],
      rule: 'references',
      notes: [
        `best worst-matched r ${best.toFixed(4)}; ${near.length} run(s) within ${rTol}; lowest overlap ${runs[c].overlap.toFixed(4)} at k=${runs[c].k}` +
          (runs[c].omega !== null ? `, omega=${runs[c].omega}` : ''),
      ],
    };
  }
  if (runs.some((r) => r.omega !== null)) {
    const chosen: number[] = [];
    const notes: string[] = [];
    const ks = [...new Set(runs.map((r) => r.k))].sort((a, b) => a - b);
    for (const k of ks) {
      const idx = runs.map((r, i) => i).filter((i) => runs[i].k === k);
      idx.sort((a, b) => (runs[a].omega ?? 0) - (runs[b].omega ?? 0));
      const base = runs[idx[0]].mse;
      let pick = idx[0];
      for (const i of idx) if (runs[i].mse <= (1 + mseTol) * base) pick = i;
      chosen.push(pick);
      notes.push(`k=${k}: largest omega with MSE within ${100 * mseTol} % of omega=${runs[idx[0]].omega}'s (${base.toExponential(4)}): omega=${runs[pick].omega}`);
    }
    return { chosen, rule: 'mse', notes };
  }
  return { chosen: [], rule: 'none', notes: ['no references and no omega: nothing chosen; read K off the scree, MSE and stability columns'] };
}

function checkWeights(weights: ArrayLike<number>, n: number, k: number): void {
  if (!Number.isInteger(k) || k < 1 || weights.length !== n * k) {
    throw new SpecmapError('SHAPE', `weights have ${weights.length} values but ${n} pixels × ${k} maps = ${n * k} are expected`);
  }
}
