import { SpecmapError } from './errors';
import type { ActiveRows } from './decomposition';

/** Largest share Σ|clipped| / Σ|X| of negative intensity the NMF family accepts (clipped with a warning below it). */
export const MAX_NEGATIVE_SHARE = 0.1;

/** What the NMF family needs to know about its input before fitting (one pass over the active rows). */
export interface NonNegativeScan {
  /** Number of negative values (read as 0 by the fit). */
  negatives: number;
  /** Most negative value (0 if none). */
  min: number;
  /** Σ max(x, 0). */
  sum: number;
  /** Σ max(x, 0)². */
  sumSq: number;
  /** Σ |x| over negative values. */
  negativeAbs: number;
  /** Σ |x| over all values. */
  totalAbs: number;
  /** negativeAbs / totalAbs (0 when totalAbs = 0). */
  negativeShare: number;
  /** Smallest value after clipping (0 if any value is ≤ 0). */
  minClipped: number;
  /** Number of exact zeros after clipping. */
  zeros: number;
}

/**
 * The NMF family's input rule: negative values (noise in optical density)
 * are read as 0; a warning counts them and gives their share of the total
 * intensity Σ|clipped| / Σ|X|. Above MAX_NEGATIVE_SHARE (10 %) that is no
 * longer noise but a background or offset problem, and the fit refuses
 * (SpecmapError 'NEGATIVE'). An input that is 0 everywhere after clipping has
 * nothing to factorise (SpecmapError 'ZERO_INPUT').
 *
 * The warning starts with `<label>: N negative value(s) (of T, most negative v)`.
 */
export function scanNonNegative(src: ActiveRows, label: string, warnings: string[]): NonNegativeScan {
  const { data, cols: m, index, count } = src;
  const scan = new NonNegativeScanner(m);
  scan.addRows(data, 0, count, (r) => index[r] * m);
  return scan.finish(label, warnings);
}

/**
 * scanNonNegative's pass, fed row block by row block (e.g. rows read from a
 * file): rows must come in order, once each; the sums are formed in the same
 * order as one call over all rows, so `finish` gives the same bits.
 */
export class NonNegativeScanner {
  private negatives = 0;
  private min = 0;
  private sum = 0;
  private sumSq = 0;
  private negativeAbs = 0;
  private minClipped = Infinity;
  private zeros = 0;
  private rows = 0;

  constructor(private readonly cols: number) {}

  /**
   * Add rows r0 … r1−1, row r at data[base(r) … base(r) + cols). A row with a
   * NaN or ±Inf calls `onNonFinite(r, column, value)` for its first one
   * (which should throw); without it the sums simply become non-finite.
   */
  addRows(
    data: Float32Array | Float64Array,
    r0: number,
    r1: number,
    base: (r: number) => number,
    onNonFinite?: (r: number, j: number, v: number) => void,
  ): void {
    const m = this.cols;
    let { negatives, min, sum, sumSq, negativeAbs, minClipped, zeros } = this;
    for (let r = r0; r < r1; r++) {
      const b = base(r);
      let s = 0;
      let q = 0;
      let na = 0;
      for (let j = 0; j < m; j++) {
        const v = data[b + j];
        if (v < 0) {
          negatives++;
          na -= v;
          if (v < min) min = v;
          zeros++;
          minClipped = 0;
        } else {
          s += v;
          q += v * v;
          if (v === 0) zeros++;
          if (v < minClipped) minClipped = v;
        }
      }
      // s and na are finite unless a value is NaN/±Inf (float32/float64 rows cannot overflow them).
      if (onNonFinite && s + na - (s + na) !== 0) {
        for (let j = 0; j < m; j++) {
          const v = data[b + j];
          if (v - v !== 0) onNonFinite(r, j, v);
        }
      }
      sum += s;
      sumSq += q;
      negativeAbs += na;
    }
    this.negatives = negatives;
    this.min = min;
    this.sum = sum;
    this.sumSq = sumSq;
    this.negativeAbs = negativeAbs;
    this.minClipped = minClipped;
    this.zeros = zeros;
    this.rows += r1 - r0;
  }

  /** The scan of the rows added: warns, or throws 'NEGATIVE' / 'ZERO_INPUT', as scanNonNegative. */
  finish(label: string, warnings: string[]): NonNegativeScan {
    const { negatives, min, sum, sumSq, negativeAbs, minClipped, zeros } = this;
    const total = this.rows * this.cols;
    const totalAbs = sum + negativeAbs;
    const negativeShare = totalAbs > 0 ? negativeAbs / totalAbs : 0;
    if (negatives > 0) {
      const pct = (100 * negativeShare).toPrecision(3);
      if (negativeShare > MAX_NEGATIVE_SHARE) {
        throw new SpecmapError(
          'NEGATIVE',
          `${label}: ${negatives} of ${total} values are negative and carry ${pct} % of the total intensity Σ|X| (limit ${100 * MAX_NEGATIVE_SHARE} %); NMF needs non-negative data — add an offset or subtract another background first`,
        );
      }
      warnings.push(
        `${label}: ${negatives} negative value${negatives === 1 ? '' : 's'} (of ${total}, most negative ${min.toPrecision(4)}, ${pct} % of Σ|X|) clipped to 0 for the fit`,
      );
    }
    if (sum === 0) {
      throw new SpecmapError(
        'ZERO_INPUT',
        `${label}: the input is 0 everywhere${negatives > 0 ? ' after clipping negative values' : ''} (${total} values); there is nothing to factorise`,
      );
    }
    return { negatives, min, sum, sumSq, negativeAbs, totalAbs, negativeShare, minClipped: minClipped === Infinity ? 0 : minClipped, zeros };
  }
}

/** Warn when K exceeds the number of non-zero singular values seen by the fit (components that the data cannot support). */
export function rankWarning(label: string, k: number, eigenvalues: ArrayLike<number>, warnings: string[]): void {
  const top = eigenvalues[0] > 0 ? eigenvalues[0] : 0;
  let rank = 0;
  for (let i = 0; i < eigenvalues.length; i++) if (eigenvalues[i] > top * 1e-12) rank++;
  if (k > rank) {
    warnings.push(`${label}: K=${k} is larger than the numerical rank of the data (${rank}); ${k - rank} component(s) can only fit rounding noise or stay zero`);
  }
}
