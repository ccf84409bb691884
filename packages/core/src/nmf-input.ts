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
   *
   * Rows go two at a time: the f64 sums of two rows are independent chains,
   * which the CPU overlaps (~25 % faster than one row at a time, where each
   * addition waits for the previous one). Each row's s, q, na are still formed
   * value by value in column order and added to the totals in row order, and
   * min / minClipped follow the same rules per row, so the bits are those of
   * a row-by-row pass. An odd last row is run as the pair (r, r) with the
   * copy's results dropped.
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
    for (let r = r0; r < r1; r += 2) {
      const two = r + 1 < r1;
      const b0 = base(r);
      const b1 = two ? base(r + 1) : b0;
      // Per row: Σ max(v,0), Σ max(v,0)², Σ|v| over v < 0, smallest clipped
      // value, count of negatives, count of zeros after clipping.
      let s0 = 0, q0 = 0, n0 = 0, c0 = Infinity, k0 = 0, z0 = 0;
      let s1 = 0, q1 = 0, n1 = 0, c1 = Infinity, k1 = 0, z1 = 0;
      for (let j = 0; j < m; j++) {
        const v = data[b0 + j];
        const w = data[b1 + j];
        // v > 0 first (the common case), then v < 0 (read as 0: not added),
        // else ±0 or NaN, added as they are (NaN makes s NaN, as before).
        if (v > 0) {
          s0 += v; q0 += v * v;
          if (v < c0) c0 = v;
        } else if (v < 0) {
          k0++; z0++; n0 -= v; c0 = 0;
          if (v < min) min = v;
        } else {
          s0 += v; q0 += v * v;
          if (v === 0) { z0++; if (v < c0) c0 = v; }
        }
        if (w > 0) {
          s1 += w; q1 += w * w;
          if (w < c1) c1 = w;
        } else if (w < 0) {
          k1++; z1++; n1 -= w; c1 = 0;
          if (w < min) min = w;
        } else {
          s1 += w; q1 += w * w;
          if (w === 0) { z1++; if (w < c1) c1 = w; }
        }
      }
      // s and na are finite unless a value is NaN/±Inf (float32/float64 rows cannot overflow them).
      if (onNonFinite) {
        if (s0 + n0 - (s0 + n0) !== 0) this.reportNonFinite(data, r, b0, onNonFinite);
        if (two && s1 + n1 - (s1 + n1) !== 0) this.reportNonFinite(data, r + 1, b1, onNonFinite);
      }
      // The running minClipped meets the row's values after the earlier rows':
      // the smaller wins, the earlier on a tie (+0 vs −0), and a negative
      // value resets it to +0 (k > 0 leaves c = +0).
      sum += s0; sumSq += q0; negativeAbs += n0;
      if (c0 < minClipped || k0 > 0) minClipped = c0;
      negatives += k0; zeros += z0;
      if (two) {
        sum += s1; sumSq += q1; negativeAbs += n1;
        if (c1 < minClipped || k1 > 0) minClipped = c1;
        negatives += k1; zeros += z1;
      }
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

  private reportNonFinite(data: Float32Array | Float64Array, r: number, b: number, onNonFinite: (r: number, j: number, v: number) => void): void {
    for (let j = 0; j < this.cols; j++) {
      const v = data[b + j];
      if (v - v !== 0) onNonFinite(r, j, v);
    }
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
