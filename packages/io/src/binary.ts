/**
 * Bounded binary reading helpers shared by the binary readers (TIFF, DM3/DM4,
 * ZIP/.npz): every read is checked against the end of the data, and every
 * allocation sized from a file field goes through {@link allocFloat32} with
 * an explicit bound, so a corrupt size field ends in a SpecmapError instead of
 * an out-of-memory crash or a RangeError.
 */
import * as fs from 'fs';
import { SpecmapError } from '@specmap/core';
import { fsError } from './text';

/** Largest cube (values) any reader allocates: 2^31 float32 = 8 GiB. */
export const MAX_VALUES = 2 ** 31;

/**
 * Allocate a Float32Array of `n` values after checking that `n` is a
 * non-negative integer below {@link MAX_VALUES}; a failing allocation becomes
 * SpecmapError('TOO_LARGE').
 */
export function allocFloat32(n: number, file: string, what: string): Float32Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new SpecmapError('FORMAT', `${file}: invalid size ${n} for ${what}`);
  if (n > MAX_VALUES) {
    throw new SpecmapError('TOO_LARGE', `${file}: ${what} would hold ${n} values (more than ${MAX_VALUES}); the file is corrupt or too large`);
  }
  try {
    return new Float32Array(n);
  } catch {
    throw new SpecmapError('TOO_LARGE', `${file}: cannot allocate ${what} of ${n} values (${(n * 4) / 2 ** 30} GiB): out of memory`);
  }
}

/** A file opened for random-access reads with bounds checks. */
export class RandomAccessFile {
  readonly size: number;
  private readonly fd: number;
  constructor(
    readonly path: string,
    what = 'input file',
  ) {
    try {
      this.fd = fs.openSync(path, 'r');
      this.size = fs.fstatSync(this.fd).size;
    } catch (err) {
      throw fsError(err, path, what);
    }
  }
  /** Read exactly `length` bytes at `offset`; past the end of the file is SpecmapError('TRUNCATED'). */
  read(offset: number, length: number, what: string): Buffer {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new SpecmapError(
        'TRUNCATED',
        `${this.path}: ${what} at byte ${offset} (${length} bytes) lies beyond the end of the file (${this.size} bytes)`,
      );
    }
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, done, length - done, offset + done);
      if (n === 0) throw new SpecmapError('TRUNCATED', `${this.path}: file shrank while reading ${what}`);
      done += n;
    }
    return buf;
  }
  /** Read exactly `target.length` bytes at `offset` into `target` (e.g. a view of a shared cube); same errors as {@link read}. */
  readInto(offset: number, target: Uint8Array, what: string): void {
    const length = target.length;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.size) {
      throw new SpecmapError(
        'TRUNCATED',
        `${this.path}: ${what} at byte ${offset} (${length} bytes) lies beyond the end of the file (${this.size} bytes)`,
      );
    }
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, target, done, length - done, offset + done);
      if (n === 0) throw new SpecmapError('TRUNCATED', `${this.path}: file shrank while reading ${what}`);
      done += n;
    }
  }
  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

/** Read a numeric sample of `bits` bits and `format` (1 uint, 2 int, 3 float) from a DataView. */
export type SampleGetter = (view: DataView, offset: number) => number;

export function sampleGetter(format: number, bits: number, little: boolean): SampleGetter | undefined {
  if (format === 3) {
    if (bits === 32) return (v, o) => v.getFloat32(o, little);
    if (bits === 64) return (v, o) => v.getFloat64(o, little);
    return undefined;
  }
  if (format === 1) {
    if (bits === 8) return (v, o) => v.getUint8(o);
    if (bits === 16) return (v, o) => v.getUint16(o, little);
    if (bits === 32) return (v, o) => v.getUint32(o, little);
    if (bits === 64) return (v, o) => Number(v.getBigUint64(o, little));
    return undefined;
  }
  if (format === 2) {
    if (bits === 8) return (v, o) => v.getInt8(o);
    if (bits === 16) return (v, o) => v.getInt16(o, little);
    if (bits === 32) return (v, o) => v.getInt32(o, little);
    if (bits === 64) return (v, o) => Number(v.getBigInt64(o, little));
    return undefined;
  }
  return undefined;
}

/** Natural ("human") order of file names: a2 before a10. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' }) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Run `fn`; a SpecmapError whose message picked up control characters from a
 * corrupt file (a newline in a name read from it) is rethrown with them
 * replaced by '?', so every message stays one line.
 */
export function oneLineErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SpecmapError && /[\x00-\x1f\x7f\u2028\u2029]/.test(err.message)) {
      throw new SpecmapError(err.code, err.message.replace(/[\x00-\x1f\x7f\u2028\u2029]/g, '?'));
    }
    throw err;
  }
}
