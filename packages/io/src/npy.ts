/**
 * NumPy `.npy` files (format versions 1.0, 2.0, 3.0): reading little-endian
 * float32/float64 arrays in C order, and writing float32/float64 arrays.
 *
 * Layout: magic `\x93NUMPY`, major and minor version bytes, header length
 * (uint16 LE for v1, uint32 LE for v2/v3), an ASCII (v3: UTF-8) Python dict
 * literal `{'descr': '<f4', 'fortran_order': False, 'shape': (H, W, E), }`
 * padded with spaces and a final newline, then the raw data.
 */
import * as fs from 'fs';
import * as os from 'os';
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { checkEnergyAxis, readFileChecked, writeError } from './text';
import { createHash } from 'crypto';
import { RandomAccessFile } from './binary';
import { allocCube, releaseCube } from './cube';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';
const FLOAT32_MAX = 3.4028234663852886e38;

/** Supported dtypes (`descr` strings). */
export const NPY_DTYPES = ['<f4', '<f8'] as const;
export type NpyDtype = (typeof NPY_DTYPES)[number];

export interface NpyArray {
  /** The values in C order, converted to float32. */
  data: Float32Array;
  shape: number[];
  /** The dtype stored in the file. */
  dtype: NpyDtype;
}

interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  dataOffset: number;
}

function parseHeader(buf: Buffer, file: string): NpyHeader {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) {
    throw new SpecmapError('NPY_FORMAT', `${file}: not a NumPy .npy file (bad magic; expected \\x93NUMPY)`);
  }
  const major = buf[6];
  const minor = buf[7];
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new SpecmapError('TRUNCATED', `${file}: truncated .npy header`);
    headerLen = buf.readUInt32LE(8);
    start = 12;
  } else {
    throw new SpecmapError('NPY_FORMAT', `${file}: unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  if (start + headerLen > buf.length) {
    throw new SpecmapError('TRUNCATED', `${file}: truncated .npy header (${headerLen} bytes announced, ${buf.length - start} present)`);
  }
  const header = buf.subarray(start, start + headerLen).toString(major === 3 ? 'utf8' : 'latin1');

  const descrMatch = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(header);
  if (!descrMatch) {
    const structured = /['"]descr['"]\s*:\s*\[/.test(header);
    throw new SpecmapError(
      'NPY_DTYPE',
      `${file}: unsupported dtype ${structured ? '(structured array)' : '(no descr in header)'}; supported: ${NPY_DTYPES.join(', ')}`,
    );
  }
  const descr = descrMatch[2];
  if (!(NPY_DTYPES as readonly string[]).includes(descr)) {
    throw new SpecmapError(
      'NPY_DTYPE',
      `${file}: unsupported dtype '${printable(descr)}'${describeDtype(descr)}; supported: ${NPY_DTYPES.join(' (float32), ')} (float64), little-endian`,
    );
  }
  const fortranMatch = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  if (!fortranMatch) throw new SpecmapError('NPY_FORMAT', `${file}: .npy header has no fortran_order entry`);
  if (fortranMatch[1] === 'True') {
    throw new SpecmapError(
      'NPY_ORDER',
      `${file}: Fortran-ordered arrays (fortran_order: True) are not supported; save a C-ordered array (numpy.ascontiguousarray)`,
    );
  }
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!shapeMatch) throw new SpecmapError('NPY_FORMAT', `${file}: .npy header has no shape entry`);
  const shape: number[] = [];
  for (const part of shapeMatch[1].split(',')) {
    const t = part.trim().replace(/L$/, '');
    if (t === '') continue;
    if (!/^\d+$/.test(t)) throw new SpecmapError('NPY_FORMAT', `${file}: bad shape (${printable(shapeMatch[1])}) in .npy header`);
    shape.push(Number(t));
  }
  return { dtype: descr as NpyDtype, shape, dataOffset: start + headerLen };
}

/** Header text as it may appear in a one-line message. */
function printable(s: string): string {
  const t = s.replace(/[^\x20-\x7e]/g, '?');
  return t.length > 60 ? `${t.slice(0, 60)}…` : t;
}

function describeDtype(descr: string): string {
  if (descr.startsWith('>')) return ' (big-endian)';
  const kind = descr.replace(/^[<>|=]/, '')[0];
  const kinds: Record<string, string> = {
    i: ' (signed integer)',
    u: ' (unsigned integer)',
    b: ' (boolean)',
    c: ' (complex)',
    f: ' (float of this size)',
    U: ' (unicode string)',
    S: ' (byte string)',
    O: ' (Python objects)',
    M: ' (datetime)',
    m: ' (timedelta)',
  };
  return kinds[kind] ?? '';
}

/**
 * Read a NumPy `.npy` file (format 1.0/2.0/3.0) holding a little-endian
 * float32 (`<f4`) or float64 (`<f8`) array in C order. float64 values are
 * converted to float32 (a value beyond the float32 range is an error).
 *
 * @throws SpecmapError 'ENOENT', 'NPY_FORMAT' (bad magic, version, header, or
 *   extra bytes after the data), 'NPY_DTYPE' (any other dtype: integers,
 *   booleans, complex, big-endian, ...), 'NPY_ORDER' (fortran_order: True),
 *   'TRUNCATED' (fewer data bytes than the shape needs), 'RANGE'; each names
 *   the file.
 */
export function readNpy(path: string): NpyArray {
  return readNpyBuffer(readFileChecked(path, 'input file'), path);
}

/** Like {@link readNpy}, from bytes already in memory (`file` names them in errors). */
export function readNpyBuffer(buf: Buffer, file: string): NpyArray {
  const { dtype, shape, dataOffset } = parseHeader(buf, file);
  const count = shape.reduce((a, b) => a * b, 1);
  const itemSize = dtype === '<f4' ? 4 : 8;
  const needed = count * itemSize;
  const present = buf.length - dataOffset;
  if (present < needed) {
    throw new SpecmapError(
      'TRUNCATED',
      `${file}: truncated data: shape (${shape.join(', ')}) of ${dtype} needs ${needed} bytes after the header, found ${present}`,
    );
  }
  if (present > needed) {
    throw new SpecmapError(
      'NPY_FORMAT',
      `${file}: ${present - needed} unexpected bytes after the data of shape (${shape.join(', ')}) ${dtype}`,
    );
  }
  const data = new Float32Array(count);
  const view = new DataView(buf.buffer, buf.byteOffset + dataOffset, needed);
  if (dtype === '<f4') {
    if (LITTLE_ENDIAN_HOST) {
      new Uint8Array(data.buffer).set(buf.subarray(dataOffset, dataOffset + needed));
    } else {
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
    }
  } else {
    for (let i = 0; i < count; i++) {
      const v = view.getFloat64(i * 8, true);
      if (Number.isFinite(v) && Math.abs(v) > FLOAT32_MAX) {
        throw new SpecmapError('RANGE', `${file}: value ${v} at flat index ${i} does not fit in float32`);
      }
      data[i] = v;
    }
  }
  return { data, shape, dtype };
}

/**
 * Read an H×W×E cube (`shape = (height, width, energies)`, C order, so each
 * pixel's spectrum is contiguous, matching the SpectralStack layout) from a
 * `.npy` file.
 *
 * `energies` gives the channel energies (eV); its length must equal E. A
 * `.npy` file carries no energy axis: without `energies` the channels are
 * numbered 0..E−1 and `metadata.energyUnit` is 'channel index' (the CLI
 * passes the axis with `--energies <file>`, read by `readEnergies`).
 *
 * @throws SpecmapError 'SHAPE' (not 3-D, or a zero dimension),
 *   'ENERGY_MISMATCH' (energies.length ≠ E), 'ENERGY_ORDER' / 'NAN' (energies
 *   not finite and strictly monotonic), and every error of {@link readNpy}.
 */
export function readNpyStack(path: string, energies?: Float64Array): SpectralStack {
  const { arr, sha256 } = readNpyChunked(path);
  if (arr.shape.length !== 3) {
    throw new SpecmapError(
      'SHAPE',
      `${path}: expected a 3-D array (height, width, energies) but found shape (${arr.shape.join(', ')})`,
    );
  }
  const [height, width, m] = arr.shape;
  if (height < 1 || width < 1 || m < 1) {
    throw new SpecmapError('SHAPE', `${path}: empty cube of shape (${arr.shape.join(', ')})`);
  }
  let axis: Float64Array;
  let energyUnit: string;
  if (energies) {
    if (energies.length !== m) {
      throw new SpecmapError(
        'ENERGY_MISMATCH',
        `${path}: the cube has ${m} energy channels (shape ${arr.shape.join('×')}) but ${energies.length} energies were given`,
      );
    }
    checkEnergyAxis(energies, `energies for ${path}`);
    axis = Float64Array.from(energies);
    energyUnit = 'eV';
  } else {
    axis = new Float64Array(m);
    for (let e = 0; e < m; e++) axis[e] = e;
    energyUnit = 'channel index';
  }
  return {
    data: arr.data,
    energies: axis,
    width,
    height,
    metadata: {
      quantity: 'values as stored in the .npy file',
      source: path,
      sha256,
      format: `NumPy .npy (${arr.dtype}, H×W×E)`,
      dtype: arr.dtype,
      energyUnit,
      steps: [],
      warnings: [],
    },
  };
}

/**
 * Write a float32 (`<f4`, from a Float32Array) or float64 (`<f8`, from a
 * Float64Array) array in C order as a NumPy `.npy` file, format 1.0 (2.0 only
 * if the header exceeds 65535 bytes). The header is padded with spaces and
 * ends with a newline so that the data start at a multiple of 64 bytes, as
 * numpy writes it.
 *
 * @throws SpecmapError 'SHAPE' when the product of `shape` ≠ data.length.
 */
export function writeNpy(path: string, data: Float32Array | Float64Array, shape: number[]): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new SpecmapError('SHAPE', `writeNpy ${path}: invalid shape (${shape.join(', ')})`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new SpecmapError(
      'SHAPE',
      `writeNpy ${path}: shape (${shape.join(', ')}) holds ${count} values but the data has ${data.length}`,
    );
  }
  const descr = data instanceof Float32Array ? '<f4' : '<f8';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let prefixLen = 10;
  let total = prefixLen + dict.length + 1;
  if (Math.ceil(total / 64) * 64 - prefixLen > 0xffff) prefixLen = 12;
  total = prefixLen + dict.length + 1;
  const padded = Math.ceil(total / 64) * 64;
  const headerLen = padded - prefixLen;
  const head = Buffer.alloc(padded, 0x20);
  MAGIC.copy(head, 0);
  head[6] = prefixLen === 10 ? 1 : 2;
  head[7] = 0;
  if (prefixLen === 10) head.writeUInt16LE(headerLen, 8);
  else head.writeUInt32LE(headerLen, 8);
  head.write(dict, prefixLen, 'latin1');
  head[padded - 1] = 0x0a;

  let body: Buffer;
  if (LITTLE_ENDIAN_HOST) {
    body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  } else {
    body = Buffer.alloc(data.byteLength);
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    for (let i = 0; i < data.length; i++) {
      if (descr === '<f4') view.setFloat32(i * 4, data[i], true);
      else view.setFloat64(i * 8, data[i], true);
    }
  }
  let fd: number;
  try {
    fd = fs.openSync(path, 'w');
  } catch (err) {
    throw writeError(err, path);
  }
  try {
    fs.writeSync(fd, head);
    let off = 0;
    while (off < body.length) off += fs.writeSync(fd, body, off, body.length - off);
  } finally {
    fs.closeSync(fd);
  }
}

/** Bytes read per step by {@link readNpyChunked}. */
const STEP_BYTES = 8 << 20;

/**
 * Read a `.npy` file in 8 MiB steps straight into the cube (the file is never
 * held in memory as a whole), hashing the bytes on the way. The cube comes
 * from {@link allocCube}: inside the kernels' shared memory when they are
 * available, so the multi-threaded kernels read it in place (peak memory = the
 * cube + one step). Little-endian float32 data are read directly into the
 * cube's bytes; float64 data step by step through a buffer and converted.
 * Same checks and errors as {@link readNpyBuffer}.
 */
function readNpyChunked(path: string): { arr: NpyArray; sha256: string } {
  const raf = new RandomAccessFile(path);
  try {
    const hash = createHash('sha256');
    const headLen = Math.min(raf.size, 65536 + 12);
    const head = raf.read(0, headLen, '.npy header');
    const { dtype, shape, dataOffset } = parseHeader(head, path);
    const count = shape.reduce((a, b) => a * b, 1);
    const itemSize = dtype === '<f4' ? 4 : 8;
    const needed = count * itemSize;
    const present = raf.size - dataOffset;
    if (present < needed) {
      throw new SpecmapError('TRUNCATED', `${path}: truncated data: shape (${shape.join(', ')}) of ${dtype} needs ${needed} bytes after the header, found ${present}`);
    }
    if (present > needed) {
      throw new SpecmapError('NPY_FORMAT', `${path}: ${present - needed} unexpected bytes after the data of shape (${shape.join(', ')}) ${dtype}`);
    }
    hash.update(head.subarray(0, dataOffset));
    const data = allocCube(count, path, `an array of shape (${shape.join(', ')})`);
    try {
      if (dtype === '<f4' && LITTLE_ENDIAN_HOST) {
        const bytes = new Uint8Array(data.buffer, data.byteOffset, count * 4);
        for (let pos = 0; pos < bytes.length; pos += STEP_BYTES) {
          const step = bytes.subarray(pos, Math.min(bytes.length, pos + STEP_BYTES));
          raf.readInto(dataOffset + pos, step, 'data');
          hash.update(step);
        }
      } else {
        const stepItems = STEP_BYTES / itemSize;
        const buf = Buffer.allocUnsafe(Math.min(needed, STEP_BYTES));
        for (let a = 0; a < count; a += stepItems) {
          const b = Math.min(count, a + stepItems);
          const bytes = buf.subarray(0, (b - a) * itemSize);
          raf.readInto(dataOffset + a * itemSize, bytes, 'data');
          hash.update(bytes);
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
          if (dtype === '<f4') {
            for (let i = a; i < b; i++) data[i] = view.getFloat32((i - a) * 4, true);
          } else {
            for (let i = a; i < b; i++) {
              const v = view.getFloat64((i - a) * 8, true);
              if (Number.isFinite(v) && Math.abs(v) > FLOAT32_MAX) {
                throw new SpecmapError('RANGE', `${path}: value ${v} at flat index ${i} does not fit in float32`);
              }
              data[i] = v;
            }
          }
        }
      }
    } catch (err) {
      releaseCube(data);
      throw err;
    }
    return { arr: { data, shape, dtype }, sha256: hash.digest('hex') };
  } finally {
    raf.close();
  }
}
