/**
 * @specmap/arrow — the specmap result contract.
 *
 * An AnalysisResult travels as one Apache Arrow IPC *stream*: a one-row table
 * whose columns are lists of floats, with a JSON header in the schema
 * metadata (`specmap.header`). See docs/result-format.md for the layout and
 * how to read it with pyarrow.
 *
 * Only `apache-arrow` and `@specmap/core` are imported, so this module can be
 * bundled for the browser (esbuild, webpack) with no Node polyfills.
 */
import {
  Field,
  Float32,
  Float64,
  Int32,
  List,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Table,
  makeData,
  tableFromIPC,
  tableToIPC,
  util,
  type Data,
  type DataType,
} from 'apache-arrow';
// SpecmapError from its leaf module: this package is bundled for browsers and
// must not pull in core's Node-only parts (WASM kernels, worker threads).
import { SpecmapError } from '@specmap/core/dist/errors';
import type { AnalysisResult, Method, Provenance } from '@specmap/core';
import { base64Pieces, base64ToBytes } from './base64';

export { base64Pieces, base64ToBytes, bytesToBase64, BASE64_PIECE_BYTES } from './base64';

/** MIME type of a specmap result (base64 of the Arrow IPC stream in Jupyter bundles). */
export const SPECMAP_MIME = 'application/vnd.specmap.result.v1+arrow';
/** Version of the layout written by encodeResult (the `version` of the header). */
export const FORMAT_VERSION = 1;
/** `format` of the header; identifies a specmap result among other Arrow streams. */
export const FORMAT_NAME = 'specmap-result';
/** Schema-metadata key holding the JSON header. */
export const HEADER_KEY = 'specmap.header';

/** The JSON header stored under `specmap.header` in the schema metadata. */
export interface ResultHeader {
  format: 'specmap-result';
  version: number;
  method: Method;
  k: number;
  width: number;
  height: number;
  m: number;
  parameters: Record<string, unknown>;
  iterations: number;
  converged: boolean;
  warnings: string[];
  provenance: Provenance;
  measured: { width: number; height: number; binning: number } | null;
  /** Names of the reference spectra, in the order of `reference_values`; null when the result has none. */
  references: string[] | null;
  /**
   * The embedding (`embedding_*` columns); null or absent when the result has none.
   * `standards` names the rows of `embedding_standards` (null when none);
   * `progress` says whether the `embedding_progress` column holds data.
   */
  embedding?: { method: string; d: number; standards: string[] | null; progress: boolean } | null;
  /** Regions of interest drawn by the user (geometry only), null or absent when none. */
  regions?: Region[] | null;
}

/**
 * A region of interest on the map, in map-pixel coordinates (x right, y down,
 * pixel (x, y) covers [x, x+1)×[y, y+1)). A pixel belongs to the region when
 * its centre (x+0.5, y+0.5) is inside: for `rect`, points = [[x0, y0], [x1, y1]]
 * (corners, any order); for `polygon` (free-hand), the even–odd rule on the
 * closed polyline through `points`.
 */
export interface Region {
  name: string;
  kind: 'rect' | 'polygon';
  points: [number, number][];
}

/** A decoded result, with the fields the format carries beyond AnalysisResult. */
export type DecodedResult = AnalysisResult & { regions?: Region[] };

/** Limits on what a decoder accepts (untrusted payloads). */
export const DECODE_LIMITS = {
  /** Largest payload accepted, bytes (1 GiB). */
  maxBytes: 1 << 30,
  /** Longest metadata string kept (longer ones are cut with "…"). */
  maxString: 4000,
  /** Most regions kept, and most vertices per region. */
  maxRegions: 64,
  maxRegionPoints: 20000,
};

type FloatKind = 'f64' | 'f32' | 'i32';

interface ColumnSpec {
  name: string;
  kind: FloatKind;
  nullable: boolean;
  /** Field metadata (unit, axes). Shapes are added at encode time. */
  unit?: string;
  axes: string[];
}

/** Column order and types of version 1. */
const COLUMNS: ColumnSpec[] = [
  { name: 'energies', kind: 'f64', nullable: false, unit: 'eV', axes: ['energy'] },
  { name: 'components', kind: 'f64', nullable: false, axes: ['component', 'energy'] },
  { name: 'weights', kind: 'f32', nullable: false, axes: ['pixel', 'component'] },
  { name: 'mean', kind: 'f64', nullable: true, axes: ['energy'] },
  { name: 'explained_variance', kind: 'f64', nullable: true, axes: ['component'] },
  { name: 'explained_variance_ratio', kind: 'f64', nullable: true, unit: '1', axes: ['component'] },
  { name: 'loss_history', kind: 'f64', nullable: true, axes: ['iteration'] },
  { name: 'measured', kind: 'f32', nullable: true, axes: ['y', 'x', 'energy'] },
  { name: 'reference_values', kind: 'f64', nullable: true, axes: ['reference', 'energy'] },
  { name: 'reference_pearson', kind: 'f64', nullable: true, unit: '1', axes: ['component', 'reference'] },
  // Additive (still version 1): absent in older payloads, which decode as null.
  { name: 'embedding_coords', kind: 'f64', nullable: true, axes: ['pixel', 'dimension'] },
  { name: 'embedding_progress', kind: 'f32', nullable: true, unit: '1', axes: ['pixel'] },
  { name: 'embedding_standards', kind: 'f64', nullable: true, axes: ['standard', 'dimension'] },
  { name: 'labels', kind: 'i32', nullable: true, axes: ['pixel'] },
];

type Column = Float64Array | Float32Array | Int32Array;

const MAX_LIST_LENGTH = 0x7fffffff; // Int32 list offsets

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** Expected length of each column (null = column must be null), from the header. */
function expectedLengths(h: ResultHeader): Record<string, number | null> {
  const { k, width, height, m } = h;
  const refs = h.references ? h.references.length : 0;
  return {
    energies: m,
    components: k * m,
    weights: width * height * k,
    mean: null, // optional: any length checked separately
    explained_variance: k,
    explained_variance_ratio: k,
    loss_history: null,
    measured: h.measured ? h.measured.width * h.measured.height * m : 0,
    reference_values: refs * m,
    reference_pearson: k * refs,
    embedding_coords: h.embedding ? width * height * h.embedding.d : 0,
    embedding_progress: width * height,
    embedding_standards: h.embedding?.standards ? h.embedding.standards.length * h.embedding.d : 0,
    labels: width * height,
  };
}

function shapeOf(name: string, h: ResultHeader, length: number): number[] {
  const { k, width, height, m } = h;
  const refs = h.references ? h.references.length : 0;
  switch (name) {
    case 'energies':
    case 'mean':
      return [m];
    case 'components':
      return [k, m];
    case 'weights':
      return [width * height, k];
    case 'explained_variance':
    case 'explained_variance_ratio':
      return [k];
    case 'measured':
      return h.measured ? [h.measured.height, h.measured.width, m] : [0, 0, m];
    case 'reference_values':
      return [refs, m];
    case 'reference_pearson':
      return [k, refs];
    case 'embedding_coords':
      return [width * height, h.embedding?.d ?? 0];
    case 'embedding_standards':
      return [h.embedding?.standards?.length ?? 0, h.embedding?.d ?? 0];
    case 'embedding_progress':
    case 'labels':
      return [width * height];
    default:
      return [length];
  }
}

function checkHeaderShape(h: ResultHeader, where: string): void {
  // Methods are registered by name (core's method registry): any short name is accepted.
  if (typeof h.method !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/.test(h.method)) {
    throw new SpecmapError('FORMAT', `${where}: invalid method name ${JSON.stringify(String(h.method).slice(0, 80))}`);
  }
  for (const key of ['k', 'width', 'height', 'm'] as const) {
    if (!isNonNegInt(h[key])) throw new SpecmapError('SHAPE', `${where}: ${key} must be a non-negative integer, got ${JSON.stringify(h[key])}`);
  }
  if (h.k < 1) throw new SpecmapError('K_RANGE', `${where}: k must be at least 1, got ${h.k}`);
  if (h.width < 1 || h.height < 1) throw new SpecmapError('SHAPE', `${where}: invalid map size ${h.width}×${h.height}`);
  if (h.m < 1) throw new SpecmapError('SHAPE', `${where}: no energy channels`);
  if (h.measured !== null) {
    const ms = h.measured;
    if (typeof ms !== 'object' || !isNonNegInt(ms.width) || !isNonNegInt(ms.height) || !isNonNegInt(ms.binning) || ms.binning < 1) {
      throw new SpecmapError('SHAPE', `${where}: invalid measured header ${JSON.stringify(ms)}`);
    }
  }
  if (h.references !== null && (!Array.isArray(h.references) || h.references.some((s) => typeof s !== 'string'))) {
    throw new SpecmapError('FORMAT', `${where}: references must be a list of names or null`);
  }
  const e = h.embedding;
  if (e !== null && e !== undefined) {
    if (typeof e !== 'object' || typeof e.method !== 'string' || !isNonNegInt(e.d) || e.d < 1 || e.d > 64 || typeof e.progress !== 'boolean') {
      throw new SpecmapError('SHAPE', `${where}: invalid embedding header ${JSON.stringify(e).slice(0, 200)}`);
    }
    if (e.standards !== null && (!Array.isArray(e.standards) || e.standards.some((s) => typeof s !== 'string'))) {
      throw new SpecmapError('FORMAT', `${where}: embedding.standards must be a list of names or null`);
    }
  }
  if (h.regions !== null && h.regions !== undefined) {
    if (!Array.isArray(h.regions)) throw new SpecmapError('FORMAT', `${where}: regions must be a list or null`);
    h.regions.forEach((rg, i) => checkRegion(rg, `${where}: region ${i}`));
  }
}

function checkRegion(rg: Region, where: string): void {
  if (rg === null || typeof rg !== 'object' || typeof rg.name !== 'string' || (rg.kind !== 'rect' && rg.kind !== 'polygon')) {
    throw new SpecmapError('FORMAT', `${where} must be {name, kind: "rect"|"polygon", points}`);
  }
  if (
    !Array.isArray(rg.points) ||
    rg.points.length < (rg.kind === 'rect' ? 2 : 3) ||
    (rg.kind === 'rect' && rg.points.length !== 2) ||
    rg.points.length > DECODE_LIMITS.maxRegionPoints ||
    rg.points.some((p) => !Array.isArray(p) || p.length !== 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1]))
  ) {
    throw new SpecmapError('FORMAT', `${where}: points must be ${rg.kind === 'rect' ? '2' : '3 or more'} finite [x, y] pairs`);
  }
}

function cut(s: string): string {
  return s.length > DECODE_LIMITS.maxString ? s.slice(0, DECODE_LIMITS.maxString) + '…' : s;
}

/** Strings of an untrusted JSON value, cut to a readable length; non-plain values dropped. */
function plainJson(v: unknown, depth = 0): unknown {
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'string') return cut(v);
  if (depth > 8) return null;
  if (Array.isArray(v)) return v.slice(0, 1000).map((x) => plainJson(x, depth + 1));
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>).slice(0, 1000)) {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
      out[cut(k)] = plainJson(x, depth + 1);
    }
    return out;
  }
  return null;
}

/**
 * The informational header fields of an untrusted payload, made well-typed:
 * strings cut, warnings a list of strings, provenance and parameters plain
 * objects. Sizes are validated separately (checkHeaderShape).
 */
function sanitizeHeader(h: ResultHeader): void {
  const obj = (v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (plainJson(v) as Record<string, unknown>) : {});
  h.parameters = obj(h.parameters);
  h.warnings = Array.isArray(h.warnings) ? h.warnings.slice(0, 200).map((w) => cut(typeof w === 'string' ? w : JSON.stringify(w) ?? String(w))) : [];
  h.iterations = typeof h.iterations === 'number' && Number.isFinite(h.iterations) ? h.iterations : 0;
  h.converged = h.converged === true;
  const p = obj(h.provenance);
  const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : cut(String(v)));
  const versions: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(p.versions))) versions[k] = str(v);
  h.provenance = {
    inputSha256: str(p.inputSha256),
    ...(p.input !== undefined ? { input: str(p.input) } : {}),
    specmapVersion: str(p.specmapVersion),
    seed: typeof p.seed === 'number' ? p.seed : null,
    date: str(p.date),
    steps: Array.isArray(p.steps)
      ? p.steps.slice(0, 100).map((s) => {
          const o = obj(s);
          return { name: str(o.name), parameters: obj(o.parameters) };
        })
      : [],
    versions,
  };
  if (h.references) h.references = h.references.map(cut);
  if (h.embedding) {
    h.embedding.method = cut(h.embedding.method);
    if (h.embedding.standards) h.embedding.standards = h.embedding.standards.map(cut);
  }
  if (h.regions) {
    if (h.regions.length > DECODE_LIMITS.maxRegions) throw new SpecmapError('SHAPE', `too many regions (${h.regions.length} > ${DECODE_LIMITS.maxRegions})`);
    h.regions = h.regions.map((rg) => ({ name: cut(rg.name), kind: rg.kind, points: rg.points.map((q) => [q[0], q[1]] as [number, number]) }));
  }
}

function headerOf(r: DecodedResult): ResultHeader {
  if (r === null || typeof r !== 'object') throw new SpecmapError('FORMAT', 'encodeResult: expected an AnalysisResult object');
  if (!(r.energies instanceof Float64Array)) throw new SpecmapError('FORMAT', 'encodeResult: energies must be a Float64Array');
  return {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    method: r.method,
    k: r.k,
    width: r.width,
    height: r.height,
    m: r.energies.length,
    parameters: r.parameters ?? {},
    iterations: r.iterations,
    converged: r.converged,
    warnings: r.warnings ?? [],
    provenance: r.provenance,
    measured: r.measured ? { width: r.measured.width, height: r.measured.height, binning: r.measured.binning } : null,
    references: r.references ? r.references.spectra.map((s) => s.name) : null,
    // New keys only when used, so payloads without them are byte-identical to older writers'.
    ...(r.embedding
      ? {
          embedding: {
            method: r.embedding.method,
            d: r.embedding.d,
            standards: r.embedding.standards ? r.embedding.standards.map((s) => s.name) : null,
            progress: !!r.embedding.progress,
          },
        }
      : {}),
    ...(r.regions && r.regions.length ? { regions: r.regions } : {}),
  };
}

/** The column values of a result, in the layout of version 1 (null = absent). */
function columnValues(r: AnalysisResult): Record<string, Column | null> {
  let refValues: Float64Array | null = null;
  if (r.references) {
    const m = r.energies.length;
    refValues = new Float64Array(r.references.spectra.length * m);
    r.references.spectra.forEach((s, i) => {
      if (!(s.values instanceof Float64Array) || s.values.length !== m) {
        throw new SpecmapError(
          'SHAPE',
          `reference spectrum ${JSON.stringify(s.name)} has ${s.values?.length} values but the energy grid has ${m}`,
        );
      }
      refValues!.set(s.values, i * m);
    });
  }
  return {
    energies: r.energies,
    components: r.components,
    weights: r.weights,
    mean: r.mean ?? null,
    explained_variance: r.explainedVariance ?? null,
    explained_variance_ratio: r.explainedVarianceRatio ?? null,
    loss_history: r.lossHistory ?? null,
    measured: r.measured ? r.measured.data : null,
    reference_values: refValues,
    reference_pearson: r.references ? r.references.pearson : null,
    embedding_coords: r.embedding ? r.embedding.coords : null,
    embedding_progress: r.embedding?.progress ?? null,
    embedding_standards: standardsValues(r),
    labels: r.labels ?? null,
  };
}

function standardsValues(r: AnalysisResult): Float64Array | null {
  const st = r.embedding?.standards;
  if (!r.embedding || !st) return null;
  const d = r.embedding.d;
  const out = new Float64Array(st.length * d);
  st.forEach((s, i) => {
    if (!(s.coords instanceof Float64Array) || s.coords.length !== d) {
      throw new SpecmapError('SHAPE', `embedding standard ${JSON.stringify(s.name)} has ${s.coords?.length} coordinates, expected d = ${d}`);
    }
    out.set(s.coords, i * d);
  });
  return out;
}

function checkColumns(
  h: ResultHeader,
  values: Record<string, Column | null>,
  where: string,
): void {
  const expected = expectedLengths(h);
  for (const col of COLUMNS) {
    const v = values[col.name];
    if (v === null) {
      if (!col.nullable) throw new SpecmapError('SHAPE', `${where}: column ${col.name} is missing`);
      if (col.name === 'measured' && h.measured !== null) {
        throw new SpecmapError('SHAPE', `${where}: header describes measured spectra but column measured is null`);
      }
      if ((col.name === 'reference_values' || col.name === 'reference_pearson') && h.references !== null) {
        throw new SpecmapError('SHAPE', `${where}: header names references but column ${col.name} is null`);
      }
      if (h.embedding && (col.name === 'embedding_coords' || (col.name === 'embedding_progress' && h.embedding.progress) || (col.name === 'embedding_standards' && h.embedding.standards))) {
        throw new SpecmapError('SHAPE', `${where}: header describes an embedding but column ${col.name} is null`);
      }
      continue;
    }
    if (col.name.startsWith('embedding_')) {
      const e = h.embedding;
      if (!e || (col.name === 'embedding_progress' && !e.progress) || (col.name === 'embedding_standards' && !e.standards)) {
        throw new SpecmapError('SHAPE', `${where}: column ${col.name} has values but the header does not describe them`);
      }
    }
    if (col.name === 'measured' && h.measured === null) {
      throw new SpecmapError('SHAPE', `${where}: column measured has values but the header has no measured sizes`);
    }
    if ((col.name === 'reference_values' || col.name === 'reference_pearson') && h.references === null) {
      throw new SpecmapError('SHAPE', `${where}: column ${col.name} has values but the header names no references`);
    }
    const want = col.name === 'mean' ? h.m : expected[col.name];
    if (want !== null && v.length !== want) {
      throw new SpecmapError(
        'SHAPE',
        `${where}: column ${col.name} has ${v.length} values but the header (${describe(h)}) implies ${want}`,
      );
    }
    if (v.length > MAX_LIST_LENGTH) throw new SpecmapError('SHAPE', `${where}: column ${col.name} is too long (${v.length} values)`);
  }
}

function describe(h: ResultHeader): string {
  const refs = h.references ? h.references.length : 0;
  const meas = h.measured ? `, measured ${h.measured.width}×${h.measured.height}` : '';
  return `k=${h.k}, ${h.width}×${h.height} px, m=${h.m}${meas}${refs ? `, ${refs} references` : ''}`;
}

type Item = Float32 | Float64 | Int32;

function floatType(kind: FloatKind): Item {
  return kind === 'f64' ? new Float64() : kind === 'i32' ? new Int32() : new Float32();
}

const CTOR = { f64: Float64Array, f32: Float32Array, i32: Int32Array } as const;
const ITEM_NAME = { f64: 'Float64', f32: 'Float32', i32: 'Int32' } as const;

function listData(col: ColumnSpec, values: Column | null): Data<List<Item>> {
  const itemField = new Field('item', floatType(col.kind), false);
  const type = new List(itemField);
  if (values === null) {
    const child = makeData({ type: floatType(col.kind), length: 0, data: new CTOR[col.kind](0) } as never) as unknown as Data<Item>;
    return makeData({ type, length: 1, nullCount: 1, nullBitmap: new Uint8Array([0]), valueOffsets: new Int32Array([0, 0]), child });
  }
  const expectedCtor = CTOR[col.kind];
  if (!(values instanceof expectedCtor)) {
    throw new SpecmapError('FORMAT', `encodeResult: ${col.name} must be a ${expectedCtor.name}, got ${(values as object)?.constructor?.name}`);
  }
  const child = makeData({ type: floatType(col.kind), length: values.length, nullCount: 0, data: values } as never) as unknown as Data<Item>;
  return makeData({ type, length: 1, nullCount: 0, valueOffsets: new Int32Array([0, values.length]), child });
}

/** Encode a result as an Arrow IPC stream (see docs/result-format.md). */
export function encodeResult(r: DecodedResult): Uint8Array {
  return tableToIPC(resultTable(r), 'stream');
}

/**
 * Collects what the IPC writer emits as a list of views instead of one
 * concatenated buffer: the body buffers are views of the result's own arrays.
 */
class ChunkWriter extends RecordBatchStreamWriter {
  readonly chunks: Uint8Array[] = [];
  protected override _write(chunk: Parameters<typeof util.toUint8Array>[0]): this {
    if (this._started) {
      const bytes = util.toUint8Array(chunk) as Uint8Array;
      if (bytes && bytes.byteLength > 0) {
        this.chunks.push(bytes);
        this._position += bytes.byteLength;
      }
    }
    return this;
  }
}

/**
 * encodeResult without the copy: the same bytes as a list of chunks, in
 * order (their concatenation equals `encodeResult(r)` byte for byte). The
 * large chunks are views of the result's typed arrays (weights, measured
 * spectra, …), so the payload costs no memory beyond the result itself:
 * write them out (e.g. `fs.writevSync`, or base64 chunk by chunk) before
 * changing the result's arrays.
 */
export function encodeResultChunks(r: DecodedResult): Uint8Array[] {
  const writer = new ChunkWriter();
  writer.writeAll(resultTable(r));
  return writer.chunks;
}

/** The one-row Arrow table of a result (validated; see docs/result-format.md). */
function resultTable(r: DecodedResult): Table {
  const header = headerOf(r);
  checkHeaderShape(header, 'encodeResult');
  if (r.references && !(r.references.pearson instanceof Float64Array)) {
    throw new SpecmapError('FORMAT', 'encodeResult: references.pearson must be a Float64Array');
  }
  const values = columnValues(r);
  checkColumns(header, values, 'encodeResult');
  let headerJson: string;
  try {
    headerJson = JSON.stringify(header);
  } catch (e) {
    throw new SpecmapError('FORMAT', `encodeResult: parameters/provenance are not JSON-serialisable (${(e as Error).message})`);
  }

  const fields: Field[] = [];
  const children: Data[] = [];
  for (const col of COLUMNS) {
    const v = values[col.name];
    const meta = new Map<string, string>();
    if (col.unit) meta.set('unit', col.unit);
    meta.set('axes', JSON.stringify(col.axes));
    if (v !== null) meta.set('shape', JSON.stringify(shapeOf(col.name, header, v.length)));
    const data = listData(col, v);
    fields.push(new Field(col.name, data.type, col.nullable, meta));
    children.push(data);
  }
  const schema = new Schema(fields, new Map([[HEADER_KEY, headerJson]]));
  const struct = makeData({ type: new Struct(fields), length: 1, nullCount: 0, children });
  const batch = new RecordBatch(schema, struct);
  return new Table([batch]);
}

/** encodeResult, as a base64 string (what Jupyter display bundles carry); the payload is never held as one buffer. */
export function encodeResultBase64(r: DecodedResult): string {
  return Array.from(base64Pieces(encodeResultChunks(r))).join('');
}

const ARROW_FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

function looksLikeArrow(bytes: Uint8Array): boolean {
  if (bytes.length >= 8 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff) return true; // stream, continuation marker
  if (bytes.length >= 6 && ARROW_FILE_MAGIC.every((b, i) => bytes[i] === b)) return true; // file format
  // Legacy (pre-0.15) streams start with a little-endian int32 metadata length.
  if (bytes.length >= 8) {
    const len = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24);
    return len > 0 && len + 4 <= bytes.length;
  }
  return false;
}

function typeName(t: DataType): string {
  return String(t);
}

/** Read one list cell as a fresh typed array of the expected float kind (null when the cell is null). */
function readListColumn(table: Table, col: ColumnSpec): Column | null {
  const vec = table.getChild(col.name);
  if (!vec) {
    if (col.nullable) return null;
    throw new SpecmapError('FORMAT', `not a specmap result: column ${col.name} is missing`);
  }
  const t = vec.type as DataType;
  const itemType = (t as { children?: Field[] }).children?.[0]?.type as DataType | undefined;
  const wantItem = ITEM_NAME[col.kind];
  if (!List.isList(t) || !itemType || typeName(itemType) !== wantItem) {
    throw new SpecmapError('FORMAT', `column ${col.name} has type ${typeName(t)}, expected List<${wantItem}>`);
  }
  if (!vec.isValid(0)) {
    if (!col.nullable) throw new SpecmapError('FORMAT', `column ${col.name} is null but is required`);
    return null;
  }
  const cell = vec.get(0) as { toArray(): Column; nullCount: number } | null;
  if (!cell) return null;
  if (cell.nullCount > 0) throw new SpecmapError('NAN', `column ${col.name} contains null values`);
  const arr = cell.toArray();
  const Ctor = CTOR[col.kind];
  if (!(arr instanceof Ctor)) throw new SpecmapError('FORMAT', `column ${col.name}: unexpected storage ${(arr as object).constructor.name}`);
  // Copy so the result owns its memory (arr may be a view into the IPC buffer).
  return arr.slice();
}

/** Decode an Arrow IPC stream (or file) written by encodeResult, validating it. */
export function decodeResult(bytes: Uint8Array): DecodedResult {
  if (!(bytes instanceof Uint8Array)) throw new SpecmapError('FORMAT', 'decodeResult: expected a Uint8Array');
  if (bytes.length > DECODE_LIMITS.maxBytes) throw new SpecmapError('SHAPE', `payload too large (${bytes.length} bytes > ${DECODE_LIMITS.maxBytes})`);
  if (!looksLikeArrow(bytes)) {
    throw new SpecmapError('FORMAT', `not an Arrow IPC stream (${bytes.length} bytes, no Arrow magic / continuation marker)`);
  }
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new SpecmapError('FORMAT', `not a readable Arrow IPC stream: ${(e as Error).message}`);
  }
  const raw = table.schema.metadata.get(HEADER_KEY);
  if (raw === undefined) throw new SpecmapError('FORMAT', `not a specmap result: Arrow schema has no "${HEADER_KEY}" metadata`);
  let header: ResultHeader;
  try {
    header = JSON.parse(raw) as ResultHeader;
  } catch (e) {
    throw new SpecmapError('FORMAT', `specmap header is not valid JSON: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || header.format !== FORMAT_NAME) {
    throw new SpecmapError('FORMAT', `not a specmap result: header format is ${JSON.stringify((header as { format?: unknown })?.format)}`);
  }
  if (header.version !== FORMAT_VERSION) {
    throw new SpecmapError(
      'VERSION',
      `unsupported specmap result format version ${JSON.stringify(header.version)} (this reader knows version ${FORMAT_VERSION})`,
    );
  }
  if (header.measured === undefined) header.measured = null;
  if (header.references === undefined) header.references = null;
  if (header.embedding === undefined) header.embedding = null;
  if (header.regions === undefined) header.regions = null;
  checkHeaderShape(header, 'decodeResult');
  sanitizeHeader(header);
  // Declared sizes must be backed by bytes: every value of weights needs 4 bytes of payload.
  const declared = header.width * header.height * header.k;
  if (!(declared * 4 <= bytes.length)) {
    throw new SpecmapError('SHAPE', `header declares ${header.width}×${header.height}×${header.k} weights but the payload has only ${bytes.length} bytes`);
  }
  if (table.numRows !== 1) throw new SpecmapError('SHAPE', `specmap result table must have exactly 1 row, got ${table.numRows}`);

  const values: Record<string, Column | null> = {};
  for (const col of COLUMNS) values[col.name] = readListColumn(table, col);
  checkColumns(header, values, 'decodeResult');

  const result: DecodedResult = {
    method: header.method,
    k: header.k,
    width: header.width,
    height: header.height,
    energies: values.energies as Float64Array,
    weights: values.weights as Float32Array,
    components: values.components as Float64Array,
    parameters: header.parameters ?? {},
    iterations: header.iterations,
    converged: header.converged,
    warnings: header.warnings ?? [],
    provenance: header.provenance,
  };
  if (values.mean) result.mean = values.mean as Float64Array;
  if (values.explained_variance) result.explainedVariance = values.explained_variance as Float64Array;
  if (values.explained_variance_ratio) result.explainedVarianceRatio = values.explained_variance_ratio as Float64Array;
  if (values.loss_history) result.lossHistory = values.loss_history as Float64Array;
  if (header.measured && values.measured) {
    result.measured = { data: values.measured as Float32Array, width: header.measured.width, height: header.measured.height, binning: header.measured.binning };
  }
  if (header.references && values.reference_values && values.reference_pearson) {
    const m = header.m;
    const rv = values.reference_values as Float64Array;
    result.references = {
      spectra: header.references.map((name, i) => ({ name, values: rv.slice(i * m, (i + 1) * m) })),
      pearson: values.reference_pearson as Float64Array,
    };
  }
  if (header.embedding && values.embedding_coords) {
    const e = header.embedding;
    const st = values.embedding_standards as Float64Array | null;
    result.embedding = { method: e.method, d: e.d, coords: values.embedding_coords as Float64Array };
    if (e.standards && st) result.embedding.standards = e.standards.map((name, i) => ({ name, coords: st.slice(i * e.d, (i + 1) * e.d) }));
    if (values.embedding_progress) result.embedding.progress = values.embedding_progress as Float32Array;
  }
  if (values.labels) result.labels = values.labels as Int32Array;
  if (header.regions && header.regions.length) result.regions = header.regions;
  return result;
}

/** decodeResult of a base64 string (browser-safe: no Buffer, no atob). */
export function decodeResultBase64(s: string): DecodedResult {
  return decodeResult(base64ToBytes(s));
}
