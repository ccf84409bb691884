/** CSV output of decomposition components. */
import { SpecmapError } from '@specmap/core';
import { writeFileChecked } from './text';

/**
 * Write the components as CSV: header `energy,c0,c1,…,c{K-1}`, then one row per
 * energy. `components` is K×m, row-major (row = component), as in
 * AnalysisResult. Numbers are written at full precision (JavaScript's
 * shortest round-trip representation, so parsing them gives back the exact
 * float64); non-finite values are written as NaN / Infinity / -Infinity.
 *
 * @throws SpecmapError 'SHAPE' when components.length ≠ k·energies.length or k
 *   is not a positive integer; 'EWRITE' when the file cannot be written.
 */
export function writeComponentsCsv(
  path: string,
  energies: ArrayLike<number>,
  components: ArrayLike<number>,
  k: number,
): void {
  const m = energies.length;
  if (!Number.isInteger(k) || k < 1) throw new SpecmapError('SHAPE', `writeComponentsCsv ${path}: invalid number of components ${k}`);
  if (components.length !== k * m) {
    throw new SpecmapError(
      'SHAPE',
      `writeComponentsCsv ${path}: components hold ${components.length} values but ${k}×${m} (k × energies) = ${k * m} are expected`,
    );
  }
  const header = ['energy'];
  for (let c = 0; c < k; c++) header.push(`c${c}`);
  const lines: string[] = [header.join(',')];
  for (let e = 0; e < m; e++) {
    const row: string[] = [String(energies[e])];
    for (let c = 0; c < k; c++) row.push(String(components[c * m + e]));
    lines.push(row.join(','));
  }
  writeFileChecked(path, lines.join('\n') + '\n');
}
