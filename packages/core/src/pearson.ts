import { SpecmapError } from './errors';

/**
 * Pearson correlation coefficient of two equally long series:
 * r = Σ(a−ā)(b−b̄) / √(Σ(a−ā)² · Σ(b−b̄)²), computed in two passes (means,
 * then centred sums) in Float64. Returns NaN when either series is constant
 * (r is undefined) and throws SpecmapError('SHAPE') on a length mismatch.
 */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n) throw new SpecmapError('SHAPE', `pearson: series have different lengths (${n} and ${b.length})`);
  if (n < 2) return NaN;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return NaN;
  const r = sab / Math.sqrt(saa * sbb);
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

/**
 * Pearson r of every component spectrum (rows of the k×m `components`)
 * against every reference spectrum (each of length m, on the same energy
 * grid). Returns a k×refs.length matrix, row-major: entry [j·R + q] is
 * r(component j, reference q).
 */
export function pearsonMatrix(components: Float64Array, k: number, refs: ArrayLike<number>[], m: number): Float64Array {
  if (components.length !== k * m) {
    throw new SpecmapError('SHAPE', `pearsonMatrix: components has ${components.length} values but k×m = ${k}×${m} = ${k * m} are expected`);
  }
  const R = refs.length;
  for (let q = 0; q < R; q++) {
    if (refs[q].length !== m) {
      throw new SpecmapError('SHAPE', `pearsonMatrix: reference ${q} has ${refs[q].length} values but the energy grid has ${m}`);
    }
  }
  const out = new Float64Array(k * R);
  for (let j = 0; j < k; j++) {
    const row = components.subarray(j * m, (j + 1) * m);
    for (let q = 0; q < R; q++) out[j * R + q] = pearson(row, refs[q]);
  }
  return out;
}
