/**
 * Out-of-core sources: raw float32 rows in a file (a .npy array, or raw bytes
 * at an offset) streamed through the same kernels in the same chunks as an
 * in-memory cube, so the results are bit-identical. Plus `readIntoCube`, a
 * .npy reader that reads straight into `allocateCube` memory (no file-sized
 * intermediate buffer) while hashing the file.
 */
import * as fs from 'fs';
import { createHash } from 'crypto';
import type { RowSource } from './ops';
import { allocateCube } from './cube';

export interface NpyInfo {
  dtype: string;
  shape: number[];
  fortranOrder: boolean;
  /** Byte offset of the data. */
  dataOffset: number;
}

/** Parse the header of a .npy file (versions 1–3). */
export function readNpyHeader(path: string): NpyInfo {
  const fd = fs.openSync(path, 'r');
  try {
    const head = Buffer.alloc(12);
    fs.readSync(fd, head, 0, 12, 0);
    if (head[0] !== 0x93 || head.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not a .npy file`);
    const major = head[6];
    const len = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
    const start = major === 1 ? 10 : 12;
    const hb = Buffer.alloc(len);
    fs.readSync(fd, hb, 0, len, start);
    const h = hb.toString('latin1');
    const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(h);
    const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(h);
    const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(h);
    if (!descr || !fortran || !shape) throw new Error(`${path}: bad .npy header`);
    return {
      dtype: descr[1],
      fortranOrder: fortran[1] === 'True',
      shape: shape[1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number),
      dataOffset: start + len,
    };
  } finally {
    fs.closeSync(fd);
  }
}

/** An open file-backed row source; `close()` releases the descriptor. */
export interface FileSource {
  source: RowSource;
  rows: number;
  cols: number;
  close(): void;
}

/** Rows of `cols` little-endian float32 values starting at byte `offset` of a file. */
export function openRaw(path: string, options: { cols: number; offset?: number; rows?: number }): FileSource {
  const offset = options.offset ?? 0;
  const size = fs.statSync(path).size;
  const rows = options.rows ?? Math.floor((size - offset) / (options.cols * 4));
  if (offset + rows * options.cols * 4 > size) throw new Error(`${path}: ${rows}×${options.cols} float32 values do not fit after byte ${offset}`);
  const fd = fs.openSync(path, 'r');
  let open = true;
  return {
    source: { file: { fd, offset }, cols: options.cols, count: rows, rows },
    rows,
    cols: options.cols,
    close() {
      if (open) fs.closeSync(fd);
      open = false;
    },
  };
}

/** A float32 C-order .npy file as rows = product of all axes but the last, cols = last axis. */
export function openNpy(path: string): FileSource & { shape: number[] } {
  const h = readNpyHeader(path);
  if (h.dtype !== '<f4' || h.fortranOrder) throw new Error(`${path}: out-of-core reading needs a little-endian float32 C-order array (got ${h.dtype}${h.fortranOrder ? ', Fortran order' : ''})`);
  const cols = h.shape[h.shape.length - 1];
  const rows = h.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return { ...openRaw(path, { cols, rows, offset: h.dataOffset }), shape: h.shape };
}

/**
 * Read a little-endian float32 C-order .npy file straight into a cube from
 * `allocateCube` (peak memory = the cube + 8 MiB), hashing the whole file
 * (sha256) on the way.
 */
export function readIntoCube(path: string): { data: Float32Array; shape: number[]; sha256: string } {
  const h = readNpyHeader(path);
  if (h.dtype !== '<f4' || h.fortranOrder) throw new Error(`${path}: readIntoCube needs a little-endian float32 C-order array`);
  const count = h.shape.reduce((a, b) => a * b, 1);
  const size = fs.statSync(path).size;
  if (size !== h.dataOffset + count * 4) throw new Error(`${path}: ${size - h.dataOffset} data bytes, ${count * 4} expected`);
  const data = allocateCube(count);
  const bytes = new Uint8Array(data.buffer, data.byteOffset, count * 4);
  const hash = createHash('sha256');
  const fd = fs.openSync(path, 'r');
  try {
    const head = Buffer.alloc(h.dataOffset);
    fs.readSync(fd, head, 0, h.dataOffset, 0);
    hash.update(head);
    const STEP = 8 << 20;
    let pos = 0;
    while (pos < bytes.length) {
      const want = Math.min(STEP, bytes.length - pos);
      const got = fs.readSync(fd, bytes, pos, want, h.dataOffset + pos);
      if (got <= 0) throw new Error(`${path}: truncated`);
      // hash from a private copy-free view (crypto accepts views of shared memory only via a Buffer copy of the step)
      hash.update(Buffer.from(bytes.subarray(pos, pos + got)));
      pos += got;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { data, shape: h.shape, sha256: hash.digest('hex') };
}
