/**
 * Small text parsers for single XAFS spectra: XDI (with `# Column.N:` names;
 * μ from `mutrans`/`mu`/`norm`/`chi` or ln(i0/itrans)), larch/Athena column
 * files with a `#` label line (`.chi`, `.nor`, `.xmu`), and plain numeric
 * columns. Lines whose first two tokens are not numbers are skipped.
 */
import * as fs from 'fs';
import { SpecmapError } from '@specmap/core';

export interface ColumnFile {
  /** Column names, lower case (from `# Column.N:` or the last `#` label line; `col1`… otherwise). */
  columns: string[];
  /** One Float64Array per column. */
  data: Float64Array[];
  /** `# Key: value` header lines. */
  header: Record<string, string>;
}

/** Parse whitespace/comma separated numeric columns with a `#` header. */
export function parseColumns(text: string, file = 'input'): ColumnFile {
  const lines = text.split(/\r?\n/);
  const named: string[] = [];
  let labels: string[] | null = null;
  const header: Record<string, string> = {};
  const rows: number[][] = [];
  let lastComment = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const body = line.replace(/^#+/, '').trim();
      const col = /^Column\.(\d+)\s*:\s*(\S+)/i.exec(body);
      if (col) named[Number(col[1]) - 1] = col[2].toLowerCase();
      const kv = /^([A-Za-z_][\w.]*)\s*:\s*(.*)$/.exec(body);
      if (kv) header[kv[1]] = kv[2];
      lastComment = body;
      continue;
    }
    const tok = line.split(/[\s,;]+/).filter((t) => t !== '');
    const nums = tok.map(Number);
    if (nums.length < 2 || !Number.isFinite(nums[0]) || !Number.isFinite(nums[1])) {
      if (rows.length === 0 && tok.length >= 2) labels = tok.map((t) => t.toLowerCase());
      continue;
    }
    if (rows.length === 0 && !labels && lastComment && !/:/.test(lastComment)) {
      const l = lastComment.split(/[\s,]+/).filter((t) => t !== '');
      if (l.length === nums.length) labels = l.map((t) => t.toLowerCase());
    }
    rows.push(nums);
  }
  if (rows.length < 2) throw new SpecmapError('PARSE', `${file}: fewer than 2 numeric data lines`);
  const ncol = Math.min(...rows.map((r) => r.length));
  const columns: string[] = [];
  for (let c = 0; c < ncol; c++) columns.push(named[c] ?? labels?.[c] ?? `col${c + 1}`);
  const data = columns.map((_, c) => Float64Array.from(rows, (r) => r[c]));
  return { columns, data, header };
}

export interface XasSpectrum {
  name: string;
  /** Energies (eV) or, for a χ(k) file, k (Å⁻¹). */
  x: Float64Array;
  /** μ(E), normalised μ, or χ(k). */
  y: Float64Array;
  /** What y is: 'mu', 'norm' or 'chi'. */
  kind: 'mu' | 'norm' | 'chi';
}

/**
 * Read one spectrum: μ(E) from an XDI file (mutrans, mufluor, mu, or
 * ln(i0/itrans), or (ifluor|if)/i0), normalised μ (`norm`, `.nor`), χ(k)
 * (first column named k, or a `.chi` file), or the first two columns of a
 * plain text file (taken as μ(E)).
 */
export function readXasSpectrum(path: string): XasSpectrum {
  let text: string;
  try {
    text = fs.readFileSync(path, 'latin1');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SpecmapError(e.code ?? 'IO', `cannot read ${path}: ${e.code === 'ENOENT' ? 'file not found' : e.message}`);
  }
  const f = parseColumns(text, path);
  const name = path.split(/[\\/]/).pop() ?? path;
  const col = (n: string): Float64Array | undefined => {
    const i = f.columns.indexOf(n);
    return i >= 0 ? f.data[i] : undefined;
  };
  const x = f.data[0];
  if (f.columns[0] === 'k' || /\.chi$/i.test(path)) return { name, x, y: col('chi') ?? f.data[1], kind: 'chi' };
  for (const n of ['mutrans', 'mu', 'xmu', 'mufluor', 'murefer']) {
    const v = col(n);
    if (v) return { name, x, y: v, kind: 'mu' };
  }
  const norm = col('norm') ?? col('flat');
  if (norm) return { name, x, y: norm, kind: 'norm' };
  const i0 = col('i0');
  const it = col('itrans') ?? col('it') ?? col('i1');
  if (i0 && it) return { name, x, y: Float64Array.from(i0, (v, i) => Math.log(v / it[i])), kind: 'mu' };
  const ifl = col('ifluor') ?? col('if');
  if (i0 && ifl) return { name, x, y: Float64Array.from(i0, (v, i) => ifl[i] / v), kind: 'mu' };
  return { name, x, y: f.data[1], kind: /\.nor$/i.test(path) ? 'norm' : 'mu' };
}
