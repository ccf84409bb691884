/** CSV of maps with calibrated axes. */
import { SpecmapError } from '@specmap/core';
import { writeFileChecked } from './text';

/**
 * Write maps as a long-format CSV: one row per pixel, columns `y,x` (pixel
 * indices), `y_um,x_um` when the axes are known, then one column per map.
 * `maps` is K×n row-major (map k = maps[k*n .. (k+1)*n), pixel = y*width + x).
 */
export function writeMapsCsv(
  path: string,
  maps: ArrayLike<number>,
  width: number,
  height: number,
  options: { names?: string[]; xUm?: ArrayLike<number>; yUm?: ArrayLike<number> } = {},
): void {
  const n = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || n < 1 || maps.length % n !== 0) {
    throw new SpecmapError('SHAPE', `writeMapsCsv ${path}: ${maps.length} values are not a whole number of ${height}×${width} maps`);
  }
  const k = maps.length / n;
  const names = options.names ?? Array.from({ length: k }, (_, i) => `map${i}`);
  if (names.length !== k) throw new SpecmapError('SHAPE', `writeMapsCsv ${path}: ${names.length} names for ${k} maps`);
  const axes = options.xUm && options.yUm && options.xUm.length === width && options.yUm.length === height;
  const lines: string[] = [['y', 'x', ...(axes ? ['y_um', 'x_um'] : []), ...names].join(',')];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const row: (string | number)[] = [y, x];
      if (axes) row.push(String(options.yUm![y]), String(options.xUm![x]));
      for (let c = 0; c < k; c++) row.push(String(maps[c * n + p]));
      lines.push(row.join(','));
    }
  }
  writeFileChecked(path, lines.join('\n') + '\n');
}
