/**
 * Similarity between spectra: Pearson correlation, cosine similarity,
 * Euclidean distance and spectral angle (radians, SAM). Double precision.
 */
import { pearson, SpecmapError, type SpectralStack } from '@specmap/core';

export type SimilarityMetric = 'pearson' | 'cosine' | 'euclidean' | 'angle';

function check(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length || a.length === 0) throw new SpecmapError('SHAPE', `${what}: spectra of ${a.length} and ${b.length} values`);
}

/** Pearson r of two spectra: core's `pearson` (NaN when either is constant), after the shape check. */
export function pearsonR(a: ArrayLike<number>, b: ArrayLike<number>): number {
  check(a, b, 'pearson');
  return pearson(a, b);
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  check(a, b, 'cosine');
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN;
}

export function euclideanDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  check(a, b, 'euclidean');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** Spectral angle arccos(cosine), in radians, clamped to [0, π]. */
export function spectralAngle(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const c = cosineSimilarity(a, b);
  return Math.acos(Math.max(-1, Math.min(1, c)));
}

export function similarity(a: ArrayLike<number>, b: ArrayLike<number>, metric: SimilarityMetric): number {
  switch (metric) {
    case 'pearson':
      return pearsonR(a, b);
    case 'cosine':
      return cosineSimilarity(a, b);
    case 'euclidean':
      return euclideanDistance(a, b);
    case 'angle':
      return spectralAngle(a, b);
    default:
      throw new SpecmapError('ARGUMENT', `unknown similarity metric '${metric as string}' (pearson, cosine, euclidean, angle)`);
  }
}

/** The similarity of every pixel's spectrum to a reference on the stack's grid: a map of n values (row-major). */
export function similarityMap(stack: SpectralStack, reference: ArrayLike<number>, metric: SimilarityMetric): Float32Array {
  const m = stack.energies.length;
  if (reference.length !== m) throw new SpecmapError('SHAPE', `similarity map: the reference has ${reference.length} values but the stack ${m} channels (interpolate it first)`);
  const n = stack.width * stack.height;
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) out[p] = similarity(stack.data.subarray(p * m, p * m + m), reference, metric);
  return out;
}
