/**
 * Parser of the aXis2000 / ALS STXM header (`.hdr`).
 *
 * The header is a sequence of statements `Key = value;`, where a value is
 *   - a block `{ Key = value; ... }`,
 *   - a list `(v1, v2, ...)` (axis point lists start with their count N:
 *     `Points = (N, x1, ..., xN);`),
 *   - a quoted string `"..."`,
 *   - a bare word: a number, `true`/`false`, or another word.
 * Statements may span several lines; the semicolon before a closing `}` and at
 * the end of the file is optional.
 */
import { SpecmapError } from '@specmap/core';
import { parseNumber } from './text';

export type HdrValue = number | string | boolean | HdrBlock | HdrValue[];
export interface HdrBlock {
  [key: string]: HdrValue;
}

type Tok = { kind: 'punct' | 'string' | 'word'; text: string; line: number };

function tokenize(text: string, file: string): Tok[] {
  const toks: Tok[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (c === '{' || c === '}' || c === '(' || c === ')' || c === '=' || c === ';' || c === ',') {
      toks.push({ kind: 'punct', text: c, line });
      i++;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new SpecmapError('HDR', `${file}: unterminated string starting at line ${line}`);
      const s = text.slice(i + 1, end);
      toks.push({ kind: 'string', text: s, line });
      for (let k = i; k < end; k++) if (text[k] === '\n') line++;
      i = end + 1;
    } else {
      let j = i;
      while (j < n && !/[\s{}()=;,"]/.test(text[j])) j++;
      toks.push({ kind: 'word', text: text.slice(i, j), line });
      i = j;
    }
  }
  return toks;
}

/** Parse the text of a `.hdr` file into nested blocks. `file` names it in errors. */
export function parseHdr(text: string, file: string): HdrBlock {
  const toks = tokenize(text, file);
  let p = 0;
  const where = (): string => (p < toks.length ? `line ${toks[p].line} ('${toks[p].text}')` : 'end of file');
  const fail = (what: string): never => {
    throw new SpecmapError('HDR', `${file}: malformed header at ${where()}: ${what}`);
  };
  const isPunct = (c: string): boolean => p < toks.length && toks[p].kind === 'punct' && toks[p].text === c;

  function parseStatements(closing: '}' | null): HdrBlock {
    const block: HdrBlock = {};
    for (;;) {
      while (isPunct(';')) p++;
      if (closing === null ? p >= toks.length : isPunct('}')) return block;
      if (p >= toks.length) fail(`expected '}'`);
      const key = toks[p];
      if (key.kind !== 'word') fail('expected a key');
      p++;
      if (!isPunct('=')) fail(`expected '=' after ${key.text}`);
      p++;
      block[key.text] = parseValue();
      if (isPunct(';')) p++;
      else if (!(closing === null ? p >= toks.length : isPunct('}'))) fail(`expected ';' after the value of ${key.text}`);
    }
  }

  function parseValue(): HdrValue {
    if (p >= toks.length) fail('expected a value');
    const t = toks[p];
    if (t.kind === 'string') {
      p++;
      return t.text;
    }
    if (t.kind === 'word') {
      p++;
      const v = parseNumber(t.text);
      if (!Number.isNaN(v)) return v;
      if (t.text === 'true') return true;
      if (t.text === 'false') return false;
      return t.text;
    }
    if (t.text === '{') {
      p++;
      const b = parseStatements('}');
      p++; // '}'
      return b;
    }
    if (t.text === '(') {
      p++;
      const list: HdrValue[] = [];
      if (isPunct(')')) {
        p++;
        return list;
      }
      for (;;) {
        list.push(parseValue());
        if (isPunct(',')) {
          p++;
          continue;
        }
        if (isPunct(')')) {
          p++;
          return list;
        }
        fail(`expected ',' or ')' in a list`);
      }
    }
    return fail('expected a value');
  }

  return parseStatements(null);
}

function isBlock(v: HdrValue | undefined): v is HdrBlock {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Depth-first search for the first block stored under `key` (through blocks and lists). */
export function findBlock(root: HdrValue, key: string): HdrBlock | undefined {
  if (Array.isArray(root)) {
    for (const item of root) {
      const found = findBlock(item, key);
      if (found) return found;
    }
    return undefined;
  }
  if (!isBlock(root)) return undefined;
  const direct = root[key];
  if (isBlock(direct)) return direct;
  for (const k of Object.keys(root)) {
    const found = findBlock(root[k], key);
    if (found) return found;
  }
  return undefined;
}

/** An axis of the scan: name, unit and points. */
export interface HdrAxis {
  name: string;
  unit: string;
  points: Float64Array;
}

/**
 * Read axis `key` (PAxis, QAxis, StackAxis): its `Points = (N, v1, ..., vN)`
 * list, checking that the count N matches the values that follow.
 */
export function readAxis(root: HdrBlock, key: string, file: string): HdrAxis {
  const block = findBlock(root, key);
  if (!block) throw new SpecmapError('HDR', `${file}: header has no ${key} block`);
  const pts = block.Points;
  if (!Array.isArray(pts) || pts.length < 1) {
    throw new SpecmapError('HDR', `${file}: ${key} has no Points = (N, v1, ..., vN) list`);
  }
  const count = pts[0];
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    throw new SpecmapError('HDR', `${file}: ${key} Points must start with the number of points, found ${String(count)}`);
  }
  if (pts.length - 1 !== count) {
    throw new SpecmapError('HDR', `${file}: ${key} Points says ${count} points but lists ${pts.length - 1} values`);
  }
  const points = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const v = pts[i + 1];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new SpecmapError('HDR', `${file}: ${key} point ${i} is not a number (${String(v)})`);
    }
    points[i] = v;
  }
  return {
    name: typeof block.Name === 'string' ? block.Name : key,
    unit: typeof block.Unit === 'string' ? block.Unit : '',
    points,
  };
}

/** Get a scalar (string, number or boolean) stored under `key` in `block`, if any. */
export function scalar(block: HdrBlock | undefined, key: string): string | number | boolean | undefined {
  if (!block) return undefined;
  const v = block[key];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}
