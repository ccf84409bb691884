import { SpecmapError } from './errors';

/**
 * Hard segmentation of weight maps: label each pixel with the component of
 * largest weight (first on ties). With `threshold`, pixels whose largest
 * weight is below it get −1 (unassigned), as do pixels whose weights are all
 * NaN. `weights` is n×k row-major (a Decomposition's weights). Returns Int32
 * labels of length n. Throws SpecmapError('SHAPE') on a size mismatch.
 */
export function argmaxSegmentation(weights: ArrayLike<number>, n: number, k: number, threshold?: number): Int32Array {
  if (!Number.isInteger(n) || !Number.isInteger(k) || n < 0 || k < 1 || weights.length !== n * k) {
    throw new SpecmapError('SHAPE', `argmaxSegmentation: ${weights.length} weights for n=${n} pixels × k=${k} components`);
  }
  if (threshold !== undefined && Number.isNaN(threshold)) throw new SpecmapError('OPTION', 'argmaxSegmentation: threshold is NaN');
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bv = -Infinity;
    for (let c = 0; c < k; c++) {
      const v = weights[i * k + c];
      if (v > bv) {
        bv = v;
        best = c;
      }
    }
    labels[i] = best >= 0 && (threshold === undefined || bv >= threshold) ? best : -1;
  }
  return labels;
}

/** Pixels per label (length k); −1 labels are not counted. */
export function labelCounts(labels: ArrayLike<number>, k: number): Int32Array {
  const out = new Int32Array(k);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l >= 0 && l < k) out[l]++;
  }
  return out;
}
