/**
 * Out-of-core rows: a float32 C-order `.npy` file (rows = all axes but the
 * last, columns = the last) read in row blocks instead of held in memory.
 *
 * A streamed source is an `ActiveRows` with a `file` (descriptor, byte offset
 * of row 0) that @specmap/kernels reads chunk by chunk in every worker — the
 * same chunks, summed in the same order, as for the cube in memory, so every
 * kernel operation gives the same bits — and a `data` guard that throws when
 * a TypeScript path tries to read the cube as an array (a kernel operation
 * being unavailable must fail loudly, not read `undefined` as NaN). The
 * TypeScript parts of an algorithm (NMF's input scan and final residual,
 * k-means++'s row picks) read rows through `forEachRowBlock` / `withRow`,
 * which visit the rows in the same order with the same arithmetic as the
 * in-memory loops, in blocks of at most `blockBytes`.
 *
 * Inputs of fewer than KERNELS_MIN_VALUES values (≤ 1 MiB) are read into
 * memory instead: the in-memory analysis of such a small cube runs on the
 * TypeScript path, and so must the streamed one to give the same numbers
 * (they are checked for NaN/Inf on the way, as prepareInput checks a cube).
 */
import * as fs from 'fs';
import { SpecmapError } from './errors';
import type { ActiveRows, Decomposition, MatrixView } from './decomposition';
import type { SpectralStack } from './stack';
import { KERNELS_MIN_VALUES, loadKernels } from './linalg';

type KernelsModule = typeof import('@specmap/kernels');

/** Default size of the row blocks read by the TypeScript passes: 16 MiB. */
export const DEFAULT_BLOCK_BYTES = 16 * 1024 * 1024;

/** Options of the streamed analyses. */
export interface StreamOptions {
  /**
   * Largest block of rows the TypeScript passes read at once, in bytes
   * (at least one row). __Default:__ 16 MiB. The kernels' own chunk buffers
   * (2048–≈10,000 rows per thread) do not depend on it.
   */
  blockBytes?: number;
}

/** Where a streamed matrix lives: rows × cols little-endian float32 values from byte `offset` of `path`. */
export interface StreamInfo {
  path: string;
  offset: number;
  rows: number;
  cols: number;
  blockBytes: number;
}

/** The rows of a file, as the decompositions see them (see the module comment). */
export interface StreamRows extends ActiveRows {
  file: { fd: number; offset: number };
  path: string;
  /** Rows per block of the TypeScript passes. */
  blockRows: number;
}

/** What `outOfCore` in a streamed result's parameters says. */
export interface OutOfCoreRecord {
  file: string;
  rows: number;
  cols: number;
  /** 'streamed' (rows read from the file in blocks by the kernels) or 'in memory' (a cube of < 2^18 values read whole). */
  mode: 'streamed' | 'in memory';
  blockRows: number;
  blockBytes: number;
}

/** @specmap/kernels itself (its .npy header parser works without WebAssembly). */
function kernelsLib(): KernelsModule {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require('@specmap/kernels') as KernelsModule;
}

/** True for a source whose rows are in a file (see StreamRows). */
export function isStreamRows(src: ActiveRows): src is StreamRows {
  return (src as Partial<StreamRows>).file !== undefined;
}

/** Check a blockBytes option; returns the rows per block for `cols` columns. */
export function blockRowsFor(blockBytes: number | undefined, cols: number): number {
  const b = blockBytes ?? DEFAULT_BLOCK_BYTES;
  if (typeof b !== 'number' || !Number.isFinite(b) || b <= 0) {
    throw new SpecmapError('OPTION', `out of core: blockBytes must be a positive number of bytes, got ${String(b)}`);
  }
  return Math.max(1, Math.floor(b / (cols * 4)));
}

/** A float32 C-order .npy file as rows × cols (cols = last axis); checks dtype, order and size. */
export function npyStreamInfo(path: string, options: StreamOptions = {}): StreamInfo & { shape: number[] } {
  let h;
  try {
    h = kernelsLib().readNpyHeader(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err && err.code === 'ENOENT') throw new SpecmapError('ENOENT', `${path}: no such file`);
    throw new SpecmapError('NPY_FORMAT', err instanceof Error ? err.message : String(err));
  }
  if (h.dtype !== '<f4' || h.fortranOrder) {
    throw new SpecmapError(
      'FORMAT',
      `${path}: out-of-core analysis reads little-endian float32 C-order .npy arrays only (this one is ${h.dtype}${h.fortranOrder ? ', Fortran order' : ''}); convert it or analyse it in memory`,
    );
  }
  if (h.shape.length < 2 || h.shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new SpecmapError('SHAPE', `${path}: out-of-core analysis needs an array of at least 2 non-empty axes, got shape (${h.shape.join(', ')})`);
  }
  const cols = h.shape[h.shape.length - 1];
  const rows = h.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const need = rows * cols * 4;
  const present = fs.statSync(path).size - h.dataOffset;
  if (present < need) throw new SpecmapError('TRUNCATED', `${path}: truncated data: shape (${h.shape.join(', ')}) of <f4 needs ${need} bytes after the header, found ${present}`);
  if (present > need) throw new SpecmapError('NPY_FORMAT', `${path}: ${present - need} unexpected bytes after the data of shape (${h.shape.join(', ')}) <f4`);
  blockRowsFor(options.blockBytes, cols);
  return { path, offset: h.dataOffset, rows, cols, blockBytes: options.blockBytes ?? DEFAULT_BLOCK_BYTES, shape: h.shape };
}

/** A Float32Array that throws on any element read (the `data` of a streamed source). */
function guardArray(path: string): Float32Array {
  const target = new Float32Array(0);
  return new Proxy(target, {
    get(t, p) {
      if (typeof p === 'string' && p.length > 0 && p.charCodeAt(0) >= 48 && p.charCodeAt(0) <= 57) {
        throw new SpecmapError('KERNELS', `out of core: a TypeScript code path tried to read ${path} as an in-memory cube (a kernel operation on the file was unavailable)`);
      }
      const v = Reflect.get(t, p, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

/** Read rows [r0, r1) of the file into `out` (at least (r1 − r0)·cols values). */
export function readRows(fd: number, offset: number, cols: number, r0: number, r1: number, out: Float32Array, path = 'input'): void {
  const bytes = (r1 - r0) * cols * 4;
  const u8 = new Uint8Array(out.buffer, out.byteOffset, bytes);
  let got = 0;
  while (got < bytes) {
    const k = fs.readSync(fd, u8, got, bytes - got, offset + r0 * cols * 4 + got);
    if (k <= 0) throw new SpecmapError('TRUNCATED', `${path}: unexpected end of file at row ${r0}`);
    got += k;
  }
}

/**
 * Run `body` on the rows of a stream: streamed when the kernels can run and
 * the matrix has at least KERNELS_MIN_VALUES values, else read into memory
 * (see the module comment). The file is closed afterwards. The result's
 * parameters get an `outOfCore` record.
 */
export function withStreamRows<T extends Decomposition>(info: StreamInfo, body: (src: ActiveRows) => T): T {
  const { path, offset, rows: n, cols: m } = info;
  const blockRows = blockRowsFor(info.blockBytes, m);
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  const fd = fs.openSync(path, 'r');
  try {
    let src: ActiveRows;
    let mode: OutOfCoreRecord['mode'];
    if (n * m < KERNELS_MIN_VALUES) {
      const data = new Float32Array(n * m);
      readRows(fd, offset, m, 0, n, data, path);
      for (let i = 0; i < n * m; i++) {
        const v = data[i];
        if (v - v !== 0) throw new SpecmapError('NAN', nonFiniteMessage(path, v, Math.floor(i / m), i % m)); // prepareInput's check
      }
      src = { data, rows: n, cols: m, index, count: n };
      mode = 'in memory';
    } else {
      if (!loadKernels()) {
        const why = kernelsLib().info().reason;
        throw new SpecmapError('KERNELS', `out-of-core analysis of ${path} needs the @specmap/kernels WebAssembly path, which is unavailable here${why ? ` (${why})` : ''}; analyse it in memory instead`);
      }
      const s: StreamRows = { data: guardArray(path), rows: n, cols: m, index, count: n, file: { fd, offset }, path, blockRows };
      src = s;
      mode = 'streamed';
    }
    const out = body(src);
    const record: OutOfCoreRecord = { file: path, rows: n, cols: m, mode, blockRows, blockBytes: info.blockBytes };
    out.parameters = { ...out.parameters, outOfCore: record };
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Visit the active rows in order, in blocks: `fn(data, r0, r1, base)` where
 * active row r (r0 ≤ r < r1) starts at `data[base(r)]`. In memory: one call
 * over all rows on the cube itself; streamed: one call per block of
 * `blockRows` rows read from the file.
 */
export function forEachRowBlock(
  src: ActiveRows,
  fn: (data: Float32Array | Float64Array, r0: number, r1: number, base: (r: number) => number) => void,
): void {
  const { cols: m, count: n } = src;
  if (!isStreamRows(src)) {
    const index = src.index;
    fn(src.data, 0, n, (r) => index[r] * m);
    return;
  }
  const B = Math.min(src.blockRows, n);
  const buf = new Float32Array(B * m);
  for (let r0 = 0; r0 < n; r0 += B) {
    const r1 = Math.min(n, r0 + B);
    readRows(src.file.fd, src.file.offset, m, r0, r1, buf, src.path);
    fn(buf, r0, r1, (r) => (r - r0) * m);
  }
}

/** `fn(data, base)` with active row r at data[base … base + m). */
export function withRow<T>(src: ActiveRows, r: number, fn: (data: Float32Array | Float64Array, base: number) => T): T {
  const m = src.cols;
  if (!isStreamRows(src)) return fn(src.data, src.index[r] * m);
  const row = new Float32Array(m);
  readRows(src.file.fd, src.file.offset, m, r, r + 1, row, src.path);
  return fn(row, 0);
}

// ---- streamed stacks ------------------------------------------------------------

const stackStreams = new WeakMap<object, StreamInfo>();

/**
 * A SpectralStack whose cube stays in its file (H×W×E float32 .npy, C order):
 * `data` is a guard that throws on any read. nmf(), kmeans() and pca() given such a
 * stack stream it (see analyze-stream.ts for the whole pipeline).
 */
export function streamedStack(info: StreamInfo, stack: Omit<SpectralStack, 'data'>): SpectralStack {
  if (info.cols !== stack.energies.length || info.rows !== stack.width * stack.height) {
    throw new SpecmapError('SHAPE', `${info.path}: ${info.rows}×${info.cols} values do not make a ${stack.height}×${stack.width}×${stack.energies.length} stack`);
  }
  if (stack.mask) throw new SpecmapError('OPTION', `${info.path}: a pixel mask is not supported out of core`);
  const s: SpectralStack = { ...stack, data: guardArray(info.path) };
  stackStreams.set(s, info);
  return s;
}

/** The file behind a streamed stack (streamedStack), or undefined for an ordinary stack or matrix. */
export function stackStreamOf(x: SpectralStack | MatrixView): StreamInfo | undefined {
  return stackStreams.get(x);
}

/** The message of SpecmapError('NAN') for a non-finite value `v` at row r, column j of a file. */
export function nonFiniteMessage(path: string, v: number, r: number, j: number): string {
  return `${path}: ${Number.isNaN(v) ? 'NaN' : 'Inf'} at row ${r}, column ${j}`;
}

/**
 * For a streamed source whose kernel column sums came out non-finite: find
 * the first NaN/Inf in the file (one TypeScript pass) and throw
 * SpecmapError('NAN') naming it — the check prepareInput makes of a cube in
 * memory. Does nothing for in-memory sources, finite sums, or when every value
 * is finite (the sums then overflowed, as they would in memory).
 */
export function checkFiniteStream(src: ActiveRows, sums: ArrayLike<number>): void {
  if (!isStreamRows(src)) return;
  let finite = true;
  for (let j = 0; j < sums.length; j++) if (!Number.isFinite(sums[j])) finite = false;
  if (finite) return;
  const m = src.cols;
  forEachRowBlock(src, (data, r0, r1, rowBase) => {
    for (let r = r0; r < r1; r++) {
      const base = rowBase(r);
      for (let j = 0; j < m; j++) {
        const v = data[base + j];
        if (v - v !== 0) throw new SpecmapError('NAN', nonFiniteMessage(src.path, v, r, j));
      }
    }
  });
}
