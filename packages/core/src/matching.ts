import { SpecmapError } from './errors';
import { hungarian } from './hungarian';
import { pearson, pearsonMatrix } from './pearson';

/**
 * Comparing component spectra: with reference spectra (which standard is
 * each component?) and with the components of another run (is the result
 * stable?). All spectra are on the same energy grid (length m).
 */

/** Cosine similarity a·b/(‖a‖‖b‖); NaN when either is all zeros. Throws SpecmapError('SHAPE') on a length mismatch. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n) throw new SpecmapError('SHAPE', `cosine: series have different lengths (${n} and ${b.length})`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  if (aa === 0 || bb === 0) return NaN;
  const c = ab / Math.sqrt(aa * bb);
  return c > 1 ? 1 : c < -1 ? -1 : c;
}

/** Cosine of every row of the k×m `components` against every reference: k×R, row-major (as pearsonMatrix). */
export function cosineMatrix(components: Float64Array, k: number, refs: ArrayLike<number>[], m: number): Float64Array {
  if (components.length !== k * m) {
    throw new SpecmapError('SHAPE', `cosineMatrix: components has ${components.length} values but k×m = ${k}×${m} = ${k * m} are expected`);
  }
  const R = refs.length;
  refs.forEach((r, q) => {
    if (r.length !== m) throw new SpecmapError('SHAPE', `cosineMatrix: reference ${q} has ${r.length} values but the energy grid has ${m}`);
  });
  const out = new Float64Array(k * R);
  for (let j = 0; j < k; j++) {
    const row = components.subarray(j * m, (j + 1) * m);
    for (let q = 0; q < R; q++) out[j * R + q] = cosine(row, refs[q]);
  }
  return out;
}

export type MatchMetric = 'pearson' | 'cosine';

export interface MatchOptions {
  /** Similarity used for ranking and the assignment. __Default:__ 'pearson'. */
  metric?: MatchMetric;
  /** Use |similarity| (for sign-free methods such as PCA scores or ICA). __Default:__ false. */
  absolute?: boolean;
}

/** One row of the component × reference table. */
export interface MatchRow {
  component: number;
  reference: number;
  /** Reference name, when given. */
  name?: string;
  /** Pearson r. */
  r: number;
  cosine: number;
  /** Rank of this reference for this component by the metric (1 = most similar). */
  rank: number;
  /** True for the pairs of the optimal one-to-one assignment (Hungarian, maximising the total metric). */
  assigned: boolean;
}

export interface MatchTable {
  /** All k×R pairs, by component, then rank. */
  rows: MatchRow[];
  /** assignment[j] = reference assigned to component j, or −1 (more components than references). */
  assignment: Int32Array;
  /** k×R Pearson r and cosine, row-major. */
  pearson: Float64Array;
  cosine: Float64Array;
}

export type ReferenceLike = ArrayLike<number> | { name: string; values: ArrayLike<number> };

/**
 * Match the k component spectra (rows of `components`, k×m) with reference
 * spectra (each of length m): Pearson r and cosine of every pair, each
 * component's references ranked by the metric (ties: lower reference index
 * first; NaN ranks last), and the optimal one-to-one assignment (Hungarian on
 * the metric, maximised; NaN counts as −1; rectangular: min(k, R) pairs).
 */
export function matchComponents(
  components: Float64Array,
  k: number,
  references: ReferenceLike[],
  m: number,
  options: MatchOptions = {},
): MatchTable {
  const metric = options.metric ?? 'pearson';
  if (metric !== 'pearson' && metric !== 'cosine') throw new SpecmapError('OPTION', `match metric must be 'pearson' or 'cosine', got '${String(metric)}'`);
  const abs = options.absolute ?? false;
  const values = references.map((r) => (isNamed(r) ? r.values : r));
  const names = references.map((r) => (isNamed(r) ? r.name : undefined));
  const P = pearsonMatrix(components, k, values, m);
  const C = cosineMatrix(components, k, values, m);
  const R = references.length;
  const score = new Float64Array(k * R);
  for (let i = 0; i < k * R; i++) {
    const s = metric === 'pearson' ? P[i] : C[i];
    score[i] = Number.isNaN(s) ? -1 : abs ? Math.abs(s) : s;
  }
  const asg = hungarian(score, k, R, true);
  const rows: MatchRow[] = [];
  for (let j = 0; j < k; j++) {
    const order = Array.from({ length: R }, (_, q) => q).sort((a, b) => score[j * R + b] - score[j * R + a] || a - b);
    order.forEach((q, i) => {
      const row: MatchRow = { component: j, reference: q, r: P[j * R + q], cosine: C[j * R + q], rank: i + 1, assigned: asg.rowToCol[j] === q };
      if (names[q] !== undefined) row.name = names[q];
      rows.push(row);
    });
  }
  return { rows, assignment: asg.rowToCol, pearson: P, cosine: C };
}

function isNamed(r: ReferenceLike): r is { name: string; values: ArrayLike<number> } {
  return typeof (r as { name?: unknown }).name === 'string' && (r as { values?: unknown }).values !== undefined;
}

/** How the components of run B correspond to those of run A. */
export interface RunMatch {
  /** toB[j] = component of B matched to component j of A (−1 if B has fewer). */
  toB: Int32Array;
  /** Sign of the similarity of each matched pair (+1/−1; 0 when unmatched). */
  signs: Int8Array;
  /** |similarity| of each matched pair (NaN when unmatched). */
  scores: Float64Array;
}

/**
 * Match components across two runs (kA×m and kB×m): the one-to-one
 * assignment maximising Σ|Pearson r| (or |cosine|) — signs are free, since
 * PCA/ICA components are defined up to sign. Used by stabilityAcrossSeeds.
 */
export function matchRuns(a: Float64Array, kA: number, b: Float64Array, kB: number, m: number, metric: MatchMetric = 'pearson'): RunMatch {
  if (a.length !== kA * m || b.length !== kB * m) {
    throw new SpecmapError('SHAPE', `matchRuns: expected ${kA}×${m} and ${kB}×${m} components, got ${a.length} and ${b.length} values`);
  }
  const sim = new Float64Array(kA * kB);
  for (let i = 0; i < kA; i++) {
    const ra = a.subarray(i * m, (i + 1) * m);
    for (let j = 0; j < kB; j++) {
      const rb = b.subarray(j * m, (j + 1) * m);
      const s = metric === 'cosine' ? cosine(ra, rb) : pearson(ra, rb);
      sim[i * kB + j] = Number.isNaN(s) ? 0 : s;
    }
  }
  const absSim = sim.map(Math.abs);
  const asg = hungarian(absSim, kA, kB, true);
  const signs = new Int8Array(kA);
  const scores = new Float64Array(kA).fill(NaN);
  for (let i = 0; i < kA; i++) {
    const j = asg.rowToCol[i];
    if (j < 0) continue;
    signs[i] = sim[i * kB + j] < 0 ? -1 : 1;
    scores[i] = absSim[i * kB + j];
  }
  return { toB: asg.rowToCol, signs, scores };
}
