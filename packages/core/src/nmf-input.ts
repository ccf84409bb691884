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
  let negatives = 0;
  let min = 0;
  let sum = 0;
  let sumSq = 0;
  let negativeAbs = 0;
  let minClipped = Infinity;
  let zeros = 0;
  for (let r = 0; r < count; r++) {
    const base = index[r] * m;
    let s = 0;
    let q = 0;
    let na = 0;
    for (let j = 0; j < m; j++) {
      const v = data[base + j];
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
    sum += s;
    sumSq += q;
    negativeAbs += na;
  }
  const total = count * m;
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

/** Warn when K exceeds the number of non-zero singular values seen by the fit (components that the data cannot support). */
export function rankWarning(label: string, k: number, eigenvalues: ArrayLike<number>, warnings: string[]): void {
  const top = eigenvalues[0] > 0 ? eigenvalues[0] : 0;
  let rank = 0;
  for (let i = 0; i < eigenvalues.length; i++) if (eigenvalues[i] > top * 1e-12) rank++;
  if (k > rank) {
    warnings.push(`${label}: K=${k} is larger than the numerical rank of the data (${rank}); ${k - rank} component(s) can only fit rounding noise or stay zero`);
  }
}
