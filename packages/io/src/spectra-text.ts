/**
 * Text spectra beyond two columns: XDI, plain multi-column ASCII/CSV, EMSA/MSA,
 * Athena project files (.prj) and ALS `.e` headers.
 */
import * as path from 'path';
import * as zlib from 'zlib';
import { SpecmapError } from '@specmap/core';
import { oneLineErrors } from './binary';
import { parseNumber, readFileChecked } from './text';
import type { Spectrum } from './spectrum';

/** A table of numeric columns with their names. */
export interface ColumnTable {
  names: string[];
  columns: Float64Array[];
  /** Header lines (without the comment marker). */
  header: string[];
}

function splitTokens(line: string): string[] {
  return line.trim().split(/[\s,;]+/).filter((t) => t !== '');
}

/**
 * Read a multi-column text table: rows of numbers separated by whitespace,
 * commas or semicolons; `#` / `%` / `!` comment lines and header lines are
 * kept in `header`. Column names come from (in order of preference) XDI
 * `# Column.N: name` lines, the last comment line before the data whose token
 * count equals the column count, or a non-numeric first line (CSV header);
 * otherwise `col1`, `col2`, …. Rows with a different number of values than
 * the first data row are an error (a truncated last line is tolerated with
 * `tolerateShortLastRow`).
 */
export function readColumns(file: string, text?: string): ColumnTable {
  const t = text ?? readFileChecked(file, 'spectrum file').toString('latin1');
  const lines = t.split(/\r?\n|\r/);
  const header: string[] = [];
  const xdiNames: string[] = [];
  let lastComment = '';
  let csvHeader: string[] | undefined;
  const rows: number[][] = [];
  let ncol = -1;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = raw.trim();
    if (line === '') continue;
    if (/^[#%!]/.test(line)) {
      const body = line.replace(/^[#%!]+\s?/, '');
      header.push(body);
      const cm = /^Column\.(\d+)\s*:\s*(\S+)/i.exec(body);
      if (cm && Number(cm[1]) >= 1 && Number(cm[1]) <= 10000) xdiNames[Number(cm[1]) - 1] = cm[2];
      if (!/^-{3,}/.test(body) && body.trim() !== '') lastComment = body;
      continue;
    }
    const toks = splitTokens(line);
    const vals = toks.map(parseNumber);
    if (vals.some((v) => Number.isNaN(v))) {
      if (rows.length === 0) {
        csvHeader = line.split(/\s*[,;\t]\s*|\s{2,}/).map((s) => s.trim());
        header.push(line);
        continue;
      }
      throw new SpecmapError('PARSE', `${file} line ${i + 1}: '${line.slice(0, 60)}' is not a row of numbers`);
    }
    if (ncol < 0) ncol = vals.length;
    if (vals.length !== ncol) {
      throw new SpecmapError('SHAPE', `${file} line ${i + 1} has ${vals.length} values but the first data row has ${ncol}`);
    }
    rows.push(vals);
  }
  if (rows.length === 0) throw new SpecmapError('FORMAT', `${file}: no rows of numbers found`);
  let names: string[] | undefined;
  const xdi = Array.from({ length: ncol }, (_, k) => xdiNames[k]);
  if (xdi.every((n) => typeof n === 'string' && n !== '')) names = xdi;
  else if (csvHeader && csvHeader.length === ncol) names = csvHeader;
  else {
    const lc = splitTokens(lastComment);
    if (lc.length === ncol && lc.some((s) => Number.isNaN(parseNumber(s)))) names = lc;
  }
  names = Array.from({ length: ncol }, (_, k) => (names && names[k] ? names[k] : `col${k + 1}`));
  const columns = names.map((_, k) => Float64Array.from(rows, (r) => r[k]));
  return { names, columns, header };
}

/** Index of a column by name (case-insensitive) or 1-based number. */
export function columnIndex(table: ColumnTable, which: string | number, file: string): number {
  if (typeof which === 'number' || /^\d+$/.test(which)) {
    const k = Number(which) - 1;
    if (k < 0 || k >= table.names.length) throw new SpecmapError('COLUMN', `${file}: column ${which} does not exist (${table.names.length} columns)`);
    return k;
  }
  const k = table.names.findIndex((n) => n.toLowerCase() === which.toLowerCase());
  if (k < 0) throw new SpecmapError('COLUMN', `${file}: no column '${which}' (columns: ${table.names.join(', ')})`);
  return k;
}

/** One spectrum from chosen columns of a table: `x` (default: the first) and `y` (default: the second). */
export function readColumnSpectrum(file: string, options: { x?: string | number; y?: string | number } = {}): Spectrum {
  const table = readColumns(file);
  if (table.names.length < 2) throw new SpecmapError('SHAPE', `${file}: one column only; a spectrum needs energy and value columns`);
  const xi = columnIndex(table, options.x ?? 1, file);
  const yi = columnIndex(table, options.y ?? 2, file);
  return { name: `${path.basename(file)}:${table.names[yi]}`, energies: table.columns[xi], values: table.columns[yi] };
}

/** Every column after the first of a table as a spectrum of the first (e.g. Athena's multi-column .nor exports). */
export function readColumnSpectra(file: string): Spectrum[] {
  const table = readColumns(file);
  if (table.names.length < 2) throw new SpecmapError('SHAPE', `${file}: one column only`);
  return table.names.slice(1).map((n, k) => ({ name: n, energies: table.columns[0], values: table.columns[k + 1] }));
}

/** An XDI file: header fields, columns and μ(E). */
export interface XdiSpectrum extends Spectrum {
  /** `Namespace.tag` → value. */
  fields: Record<string, string>;
  table: ColumnTable;
  /** How μ was obtained, e.g. 'ln(i0/itrans)'. */
  mu: string;
}

/**
 * Read an XDI file (`# XDI/1.x`): header fields, columns by `# Column.N`
 * (their order differs between files), and μ(E): the `mutrans` (or `mu`,
 * `mufluor`, `munorm`, `norm`) column if present, else ln(i0/itrans) for
 * transmission, else ifluor/i0 for fluorescence.
 */
export function readXdi(file: string): XdiSpectrum {
  return oneLineErrors(() => readXdiInner(file));
}

function readXdiInner(file: string): XdiSpectrum {
  const text = readFileChecked(file, 'XDI file').toString('latin1');
  if (!/^#\s*XDI\/\d/i.test(text)) throw new SpecmapError('FORMAT', `${file}: not an XDI file (first line should start with '# XDI/1.0')`);
  const table = readColumns(file, text);
  const fields: Record<string, string> = {};
  for (const h of table.header) {
    const m = /^([A-Za-z_][\w]*\.[\w]+)\s*:\s*(.*)$/.exec(h);
    if (m) fields[m[1]] = m[2].trim();
  }
  const names = table.names.map((n) => n.toLowerCase());
  const col = (n: string): Float64Array | undefined => {
    const k = names.indexOf(n);
    return k >= 0 ? table.columns[k] : undefined;
  };
  const energy = col('energy') ?? table.columns[0];
  let values: Float64Array;
  let mu: string;
  const direct = ['mutrans', 'mu', 'mufluor', 'munorm', 'norm', 'xmu'].find((n) => col(n));
  const i0 = col('i0');
  const it = col('itrans') ?? col('i1');
  const iflu = col('ifluor') ?? col('if');
  if (direct) {
    values = col(direct)!;
    mu = direct;
  } else if (i0 && it) {
    values = i0.map((v, k) => Math.log(v / it[k]));
    mu = 'ln(i0/itrans)';
  } else if (i0 && iflu) {
    values = iflu.map((v, k) => v / i0[k]);
    mu = 'ifluor/i0';
  } else {
    throw new SpecmapError('COLUMN', `${file}: cannot compute μ(E): no mutrans/mu column and no i0 with itrans or ifluor (columns: ${table.names.join(', ')})`);
  }
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k])) throw new SpecmapError('NAN', `${file}: μ is not finite at row ${k + 1} (energy ${energy[k]}; ${mu})`);
  }
  const name = fields['Sample.name'] || path.basename(file);
  return { name, energies: energy, values, fields, table, mu };
}

/**
 * Read an EMSA/MSA spectrum: `#KEYWORD : value` header, data after
 * `#SPECTRUM` until `#ENDOFDATA`; `DATATYPE XY` rows are `x, y`, `DATATYPE Y`
 * rows are values whose x = OFFSET + XPERCHAN·i.
 */
export function readEmsa(file: string): Spectrum & { fields: Record<string, string> } {
  return oneLineErrors(() => readEmsaInner(file));
}

function readEmsaInner(file: string): Spectrum & { fields: Record<string, string> } {
  const text = readFileChecked(file, 'EMSA file').toString('latin1');
  const fields: Record<string, string> = {};
  const xs: number[] = [];
  const ys: number[] = [];
  let inData = false;
  let xy = true;
  const lines = text.split(/\r?\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#([A-Za-z0-9_-]+)\s*(?:-\w+)?\s*:\s*(.*)$/.exec(line);
      if (!m) continue;
      const key = m[1].toUpperCase();
      if (key === 'SPECTRUM') {
        inData = true;
        xy = (fields.DATATYPE ?? 'XY').toUpperCase().startsWith('XY');
        continue;
      }
      if (key === 'ENDOFDATA') break;
      fields[key] = m[2].trim();
      continue;
    }
    if (!inData) continue;
    const toks = splitTokens(line);
    const vals = toks.map(parseNumber);
    if (vals.length === 0 || vals.some((v) => Number.isNaN(v))) throw new SpecmapError('PARSE', `${file} line ${i + 1}: '${line.slice(0, 60)}' is not numeric data`);
    if (xy) {
      if (vals.length < 2) throw new SpecmapError('SHAPE', `${file} line ${i + 1}: an XY row needs two values`);
      xs.push(vals[0]);
      ys.push(vals[1]);
    } else ys.push(...vals);
  }
  if (!fields.FORMAT || !/EMSA/i.test(fields.FORMAT)) throw new SpecmapError('FORMAT', `${file}: not an EMSA/MSA file (no '#FORMAT : EMSA/MAS…' line)`);
  if (!inData) throw new SpecmapError('FORMAT', `${file}: no #SPECTRUM line`);
  if (!xy) {
    const off = parseNumber(fields.OFFSET ?? '0');
    const step = parseNumber(fields.XPERCHAN ?? '1');
    if (!Number.isFinite(off) || !Number.isFinite(step)) throw new SpecmapError('FORMAT', `${file}: bad OFFSET/XPERCHAN`);
    for (let k = 0; k < ys.length; k++) xs.push(off + step * k);
  }
  const np = fields.NPOINTS ? parseNumber(fields.NPOINTS) : NaN;
  if (Number.isFinite(np) && np !== ys.length) throw new SpecmapError('SHAPE', `${file}: NPOINTS says ${np} but ${ys.length} points were read (truncated?)`);
  if (ys.length < 2) throw new SpecmapError('FORMAT', `${file}: fewer than 2 data points`);
  return { name: fields.TITLE || path.basename(file), energies: Float64Array.from(xs), values: Float64Array.from(ys), fields };
}

/** The `#%Key: value` header of an ALS `.e` file (and the like), plus its spectrum. */
export function readAlsE(file: string): Spectrum & { fields: Record<string, string> } {
  return oneLineErrors(() => readAlsEInner(file));
}

function readAlsEInner(file: string): Spectrum & { fields: Record<string, string> } {
  const text = readFileChecked(file, 'spectrum file').toString('latin1');
  const fields: Record<string, string> = {};
  const es: number[] = [];
  const vs: number[] = [];
  for (const raw of text.split(/\r?\n|\r/)) {
    const line = raw.trim();
    const h = /^#%\s*([^:]+):\s*(.*)$/.exec(line);
    if (h) {
      fields[h[1].trim()] = h[2].trim();
      continue;
    }
    if (line.startsWith('#') || line === '') continue;
    const toks = splitTokens(line);
    if (toks.length < 2) continue;
    const e = parseNumber(toks[0]);
    const v = parseNumber(toks[1]);
    if (!Number.isFinite(e) || !Number.isFinite(v)) continue;
    es.push(e);
    vs.push(v);
  }
  if (es.length < 2) throw new SpecmapError('FORMAT', `spectrum file ${file}: found ${es.length} data rows of "energy value" (at least 2 needed)`);
  return { name: path.basename(file), energies: Float64Array.from(es), values: Float64Array.from(vs), fields };
}

/** One record of an Athena project. */
export interface AthenaRecord extends Spectrum {
  /** The Athena group tag ($old_group). */
  group: string;
  /** @args as key → value (strings; nested lists kept as text). */
  args: Record<string, string>;
  /** @x as stored (before bkg_eshift). */
  energiesAsStored: Float64Array;
  /** bkg_eshift (eV) added to `energies`. */
  eshift: number;
  /** Other arrays of the record (@i0, @signal, @stddev). */
  arrays: Record<string, Float64Array>;
}

/** Split a Perl list body `'a','b',3,[...],{...}` into top-level items (quotes stripped). */
function perlList(body: string, where: string): string[] {
  const items: string[] = [];
  let i = 0;
  const n = body.length;
  while (i < n) {
    while (i < n && /[\s,]/.test(body[i])) i++;
    if (i >= n) break;
    const c = body[i];
    if (c === "'" || c === '"') {
      let s = '';
      i++;
      while (i < n && body[i] !== c) {
        if (body[i] === '\\' && i + 1 < n) {
          s += body[i + 1];
          i += 2;
        } else s += body[i++];
      }
      if (i >= n) throw new SpecmapError('PRJ_FORMAT', `${where}: unterminated string`);
      i++;
      items.push(s);
    } else if (c === '[' || c === '{' || c === '(') {
      let depth = 0;
      const a = i;
      let q: string | null = null;
      for (; i < n; i++) {
        const d = body[i];
        if (q) {
          if (d === '\\') i++;
          else if (d === q) q = null;
        } else if (d === "'" || d === '"') q = d;
        else if (d === '[' || d === '{' || d === '(') depth++;
        else if (d === ']' || d === '}' || d === ')') {
          depth--;
          if (depth === 0) {
            i++;
            break;
          }
        }
      }
      if (depth !== 0) throw new SpecmapError('PRJ_FORMAT', `${where}: unbalanced brackets`);
      items.push(body.slice(a, i));
    } else {
      const a = i;
      while (i < n && body[i] !== ',') i++;
      items.push(body.slice(a, i).trim().replace(/^=>\s*/, ''));
    }
    while (i < n && /\s/.test(body[i])) i++;
    if (i < n && body[i] === '=' && body[i + 1] === '>') i += 2;
  }
  return items;
}

/**
 * Read an Athena project (`.prj`, gzip-compressed or plain Perl
 * Data::Dumper text): one record per `$old_group`, with `@args` (label,
 * bkg_e0, bkg_eshift, is_xmu, …), `@x` (energies as stored), `@y` (μ(E)),
 * and `@i0` / `@signal` / `@stddev` when present. `energies` = @x +
 * bkg_eshift (what Athena displays).
 */
export function readAthenaProject(file: string): AthenaRecord[] {
  return oneLineErrors(() => readAthenaProjectInner(file));
}

function readAthenaProjectInner(file: string): AthenaRecord[] {
  const raw = readFileChecked(file, 'Athena project');
  let text: string;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      text = zlib.gunzipSync(raw, { maxOutputLength: Math.min(2 ** 30, raw.length * 1100 + 1024) }).toString('latin1');
    } catch (err) {
      throw new SpecmapError('PRJ_FORMAT', `${file}: corrupt gzip data (${(err as Error).message.split('\n')[0]})`);
    }
  } else text = raw.toString('latin1');
  if (!/Athena project file/i.test(text.slice(0, 500)) && !/\$old_group\s*=/.test(text)) {
    throw new SpecmapError('PRJ_FORMAT', `${file}: not an Athena project file`);
  }
  const records: AthenaRecord[] = [];
  let cur: { group: string; args: Record<string, string>; arrays: Record<string, Float64Array> } | undefined;
  const finish = (lineNo: number): void => {
    if (!cur) return;
    const where = `${file} record ${records.length + 1} (${cur.group})`;
    const x = cur.arrays.x;
    let y = cur.arrays.y;
    if (!x) throw new SpecmapError('PRJ_FORMAT', `${where}: no @x array (line ${lineNo})`);
    if (!y && cur.arrays.signal && cur.arrays.i0) y = cur.arrays.signal.map((s, k) => s / cur!.arrays.i0[k]);
    if (!y) throw new SpecmapError('PRJ_FORMAT', `${where}: no @y array`);
    if (y.length !== x.length) throw new SpecmapError('SHAPE', `${where}: @x has ${x.length} values but @y ${y.length}`);
    const es = parseNumber(String(cur.args.bkg_eshift ?? '0').trim());
    const eshift = Number.isFinite(es) ? es : 0;
    const arrays: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(cur.arrays)) if (k !== 'x' && k !== 'y') arrays[k] = v;
    records.push({
      name: cur.args.label ?? cur.group,
      group: cur.group,
      args: cur.args,
      energies: x.map((v) => v + eshift),
      energiesAsStored: x,
      values: y,
      eshift,
      arrays,
    });
    cur = undefined;
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const g = /^\$old_group\s*=\s*'([^']*)'/.exec(line);
    if (g) {
      if (cur) finish(i + 1);
      cur = { group: g[1], args: {}, arrays: {} };
      continue;
    }
    if (line.startsWith('[record]')) {
      finish(i + 1);
      continue;
    }
    if (!cur) continue;
    const a = /^@(\w+)\s*=\s*\((.*)\);\s*$/.exec(line);
    if (!a) continue;
    const where = `${file} line ${i + 1}`;
    const items = perlList(a[2], where);
    if (a[1] === 'args') {
      for (let k = 0; k + 1 < items.length; k += 2) cur.args[items[k]] = items[k + 1];
    } else if (['x', 'y', 'i0', 'signal', 'stddev'].includes(a[1])) {
      const vals = items.map((s) => parseNumber(s.trim()));
      const bad = vals.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new SpecmapError('PARSE', `${where}: @${a[1]} value ${bad + 1} ('${items[bad].slice(0, 30)}') is not a number`);
      cur.arrays[a[1]] = Float64Array.from(vals);
    }
  }
  if (cur) finish(lines.length);
  if (records.length === 0) throw new SpecmapError('PRJ_FORMAT', `${file}: no records found`);
  return records;
}
