import { SpecmapError, fromStack, validateStack, type MatrixView, type SpectralStack } from '@specmap/core';
import type { Rows } from './knn';

/** The active (masked-in) rows of a stack or matrix, de-duplicated. */
export interface UniqueRows {
  /** Total rows of the input (n, including masked-out ones). */
  rows: number;
  cols: number;
  /** Active row numbers, increasing. */
  active: Int32Array;
  /** Distinct spectra (nu×m), same precision as the input. */
  data: Rows;
  nu: number;
  /** For each active row (by position in `active`), its row in `data`. */
  uniqueOf: Int32Array;
  /** Number of active rows that duplicate an earlier one. */
  duplicates: number;
}

export function asMatrix(x: SpectralStack | MatrixView): MatrixView {
  const s = x as SpectralStack;
  if (s.energies !== undefined && s.width !== undefined) {
    validateStack(s);
    return fromStack(s);
  }
  const v = x as MatrixView;
  if (!Number.isInteger(v.rows) || !Number.isInteger(v.cols) || v.rows < 1 || v.cols < 1 || v.data.length !== v.rows * v.cols) {
    throw new SpecmapError('SHAPE', `invalid matrix: ${v.rows} rows × ${v.cols} columns with ${v.data?.length} values`);
  }
  for (let i = 0; i < v.data.length; i++) {
    if (!Number.isFinite(v.data[i])) {
      throw new SpecmapError('NAN', `matrix contains ${Number.isNaN(v.data[i]) ? 'NaN' : 'Inf'} at row ${Math.floor(i / v.cols)}, column ${i % v.cols}`);
    }
  }
  if (v.mask && v.mask.length !== v.rows) throw new SpecmapError('SHAPE', `mask has ${v.mask.length} entries but the matrix has ${v.rows} rows`);
  return v;
}

/**
 * Gather the active rows and remove exact duplicates (bit-identical spectra):
 * LLE's local Gram matrices are singular when a spectrum has a copy among its
 * neighbours, and the K "nearest" neighbours of a repeated spectrum would be
 * its copies. Duplicates get the coordinates of their first occurrence.
 */
export function uniqueRows(view: MatrixView): UniqueRows {
  const { rows, cols: m, data, mask } = view;
  let count = 0;
  for (let i = 0; i < rows; i++) if (!mask || mask[i]) count++;
  if (count === 0) throw new SpecmapError('MASK', `the mask leaves no pixels to analyse (0 of ${rows})`);
  const active = new Int32Array(count);
  count = 0;
  for (let i = 0; i < rows; i++) if (!mask || mask[i]) active[count++] = i;
  const f32 = data instanceof Float32Array;
  const bits = f32 ? new Uint32Array(data.buffer, data.byteOffset, data.length) : new Uint32Array(data.buffer, data.byteOffset, data.length * 2);
  const words = f32 ? m : 2 * m;
  const table = new Map<number, number[]>();
  const uniqueOf = new Int32Array(count);
  const firstRow: number[] = [];
  let duplicates = 0;
  for (let a = 0; a < count; a++) {
    const r = active[a];
    let h = 0x811c9dc5;
    const b0 = r * words;
    for (let w = 0; w < words; w++) h = Math.imul(h ^ bits[b0 + w], 0x01000193);
    let list = table.get(h);
    let found = -1;
    if (list) {
      for (const u of list) {
        const b1 = firstRow[u] * words;
        let same = true;
        for (let w = 0; w < words && same; w++) if (bits[b0 + w] !== bits[b1 + w]) same = false;
        if (same) {
          found = u;
          break;
        }
      }
    } else {
      list = [];
      table.set(h, list);
    }
    if (found >= 0) {
      uniqueOf[a] = found;
      duplicates++;
    } else {
      uniqueOf[a] = firstRow.length;
      list.push(firstRow.length);
      firstRow.push(r);
    }
  }
  const nu = firstRow.length;
  const out: Rows = f32 ? new Float32Array(nu * m) : new Float64Array(nu * m);
  for (let u = 0; u < nu; u++) out.set(data.subarray(firstRow[u] * m, firstRow[u] * m + m), u * m);
  return { rows, cols: m, active, data: out, nu, uniqueOf, duplicates };
}
