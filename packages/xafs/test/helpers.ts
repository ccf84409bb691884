import * as path from 'path';
import * as fs from 'fs';
import { parseColumns } from '../src/spectrum-text';

export const DATA = process.env.SPECMAP_SHARED_DATA ?? '/work/shared/data';
export const XDL = path.join(DATA, 'XASDataLibrary');
export const LARCH = path.join(DATA, 'xraylarch');
export const HXN = path.join(DATA, 'nano-XANES-microscopy-of-Fe', 'HXN_XANES');

/** Energy and μ of an XDI file (mutrans, or ln(i0/itrans)). */
export function readMu(file: string): { e: Float64Array; mu: Float64Array; edge?: number } {
  const f = parseColumns(fs.readFileSync(file, 'latin1'), file);
  const c = (n: string) => f.data[f.columns.indexOf(n)];
  const e = c('energy');
  const mu = f.columns.includes('mutrans') ? c('mutrans') : Float64Array.from(c('i0'), (v, i) => Math.log(v / c('itrans')[i]));
  const edge = f.header['Scan.edge_energy'] ? Number(f.header['Scan.edge_energy']) : undefined;
  return { e, mu, edge };
}

export function mean(a: ArrayLike<number>, lo = 0, hi = a.length): number {
  let s = 0;
  for (let i = lo; i < hi; i++) s += a[i];
  return s / (hi - lo);
}
