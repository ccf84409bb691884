/**
 * Readers of single spectra (two-column text) and energy lists (one value per
 * line).
 */
import * as path from 'path';
import { SpecmapError } from '@specmap/core';
import { parseNumber, readFileChecked } from './text';

export interface Spectrum {
  /** The file's base name, e.g. 'oxidized.r'. */
  name: string;
  energies: Float64Array;
  values: Float64Array;
}

/**
 * Read a two-column spectrum (energy, value) from a text file: values
 * separated by commas, semicolons or whitespace; decimal or E-notation
 * (Fortran `7.0000000E+2` and `D` exponents too). Lines whose first two
 * tokens are not both numbers (header lines, column labels, `#` comments,
 * `=====` separators) are skipped; text after a `#` is ignored; further
 * columns are ignored. The file is decoded as latin-1, so stray cp1252 bytes in
 * headers are harmless. The rows are returned in file order.
 *
 * @throws SpecmapError 'ENOENT' (missing file), 'FORMAT' (fewer than 2 data
 *   rows), naming the file.
 */
export function readSpectrum(file: string): Spectrum {
  const text = readFileChecked(file, 'spectrum file').toString('latin1');
  const es: number[] = [];
  const vs: number[] = [];
  for (const raw of text.split('\n')) {
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (line === '') continue;
    const toks = line.split(/[\s,;]+/);
    if (toks.length < 2) continue;
    const e = parseNumber(toks[0]);
    const v = parseNumber(toks[1]);
    if (Number.isNaN(e) || Number.isNaN(v) || !Number.isFinite(e) || !Number.isFinite(v)) continue;
    es.push(e);
    vs.push(v);
  }
  if (es.length < 2) {
    throw new SpecmapError(
      'FORMAT',
      `spectrum file ${file}: found ${es.length} data row${es.length === 1 ? '' : 's'} of "energy value" (at least 2 needed)`,
    );
  }
  return { name: path.basename(file), energies: Float64Array.from(es), values: Float64Array.from(vs) };
}

/**
 * Read an energy axis: one number per line (eV). Blank lines and lines
 * starting with `#` are ignored.
 *
 * @throws SpecmapError 'ENOENT', 'PARSE' (a line that is not one number,
 *   naming the file and the line number), 'FORMAT' (no values).
 */
export function readEnergies(file: string): Float64Array {
  const text = readFileChecked(file, 'energy file').toString('latin1');
  const out: number[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const v = parseNumber(line);
    if (Number.isNaN(v) || !Number.isFinite(v)) {
      throw new SpecmapError('PARSE', `energy file ${file} line ${i + 1}: '${line.slice(0, 40)}' is not a number`);
    }
    out.push(v);
  }
  if (out.length === 0) throw new SpecmapError('FORMAT', `energy file ${file} holds no values`);
  return Float64Array.from(out);
}
