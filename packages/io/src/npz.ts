/**
 * NumPy `.npz` archives: a ZIP (stored or Deflate members, ZIP64 sizes) of
 * `.npy` files, as written by numpy.savez / savez_compressed.
 */
import * as zlib from 'zlib';
import { sha256File } from './hash';
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { RandomAccessFile } from './binary';
import { readNpyBuffer, type NpyArray } from './npy';
import { resolveEnergies, type EnergyOptions } from './tiff';
import { toPixelMajor, type AxisOrder } from './layout';

export interface ZipMember {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

/** List the members of a ZIP archive from its central directory. */
export function listZip(raf: RandomAccessFile): ZipMember[] {
  const file = raf.path;
  const tailLen = Math.min(raf.size, 22 + 65535);
  if (tailLen < 22) throw new SpecmapError('NPZ_FORMAT', `${file}: not a ZIP/.npz archive (only ${raf.size} bytes)`);
  const tail = raf.read(raf.size - tailLen, tailLen, 'ZIP end record');
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new SpecmapError('NPZ_FORMAT', `${file}: not a ZIP/.npz archive (no end-of-central-directory record; truncated?)`);
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (cdOffset === 0xffffffff || count === 0xffff) {
    // ZIP64: locator just before the end record.
    const locAt = raf.size - tailLen + eocd - 20;
    const loc = raf.read(locAt, 20, 'ZIP64 locator');
    if (loc.readUInt32LE(0) !== 0x07064b50) throw new SpecmapError('NPZ_FORMAT', `${file}: ZIP64 locator missing`);
    const recAt = Number(loc.readBigUInt64LE(8));
    const rec = raf.read(recAt, 56, 'ZIP64 end record');
    if (rec.readUInt32LE(0) !== 0x06064b50) throw new SpecmapError('NPZ_FORMAT', `${file}: bad ZIP64 end record`);
    count = Number(rec.readBigUInt64LE(32));
    cdSize = Number(rec.readBigUInt64LE(40));
    cdOffset = Number(rec.readBigUInt64LE(48));
  }
  if (count * 46 > cdSize) throw new SpecmapError('NPZ_FORMAT', `${file}: central directory of ${cdSize} bytes cannot hold ${count} members`);
  const cd = raf.read(cdOffset, cdSize, 'ZIP central directory');
  const members: ZipMember[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw new SpecmapError('NPZ_FORMAT', `${file}: corrupt ZIP central directory (member ${i})`);
    const method = cd.readUInt16LE(p + 10);
    let compressedSize = cd.readUInt32LE(p + 20);
    let size = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    let localHeaderOffset = cd.readUInt32LE(p + 42);
    if (p + 46 + nameLen + extraLen > cd.length) throw new SpecmapError('NPZ_FORMAT', `${file}: corrupt ZIP central directory (member ${i})`);
    const name = cd.toString('utf8', p + 46, p + 46 + nameLen).replace(/[\x00-\x1f\x7f\u2028\u2029]/g, '?');
    // ZIP64 extended information.
    let e = p + 46 + nameLen;
    const end = e + extraLen;
    while (e + 4 <= end) {
      const id = cd.readUInt16LE(e);
      const len = cd.readUInt16LE(e + 2);
      if (id === 1) {
        let q = e + 4;
        const take = (): number => {
          if (q + 8 > e + 4 + len || q + 8 > cd.length) throw new SpecmapError('NPZ_FORMAT', `${file}: corrupt ZIP64 field of ${name}`);
          const v = Number(cd.readBigUInt64LE(q));
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      e += 4 + len;
    }
    members.push({ name, method, compressedSize, size, localHeaderOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return members;
}

/** The bytes of one ZIP member (stored or Deflate), checked against its declared size. */
export function readZipMember(raf: RandomAccessFile, m: ZipMember): Buffer {
  const file = raf.path;
  const lh = raf.read(m.localHeaderOffset, 30, `local header of ${m.name}`);
  if (lh.readUInt32LE(0) !== 0x04034b50) throw new SpecmapError('NPZ_FORMAT', `${file}: bad local header of member ${m.name}`);
  const dataAt = m.localHeaderOffset + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
  if (m.compressedSize > raf.size || dataAt + m.compressedSize > raf.size) {
    throw new SpecmapError('TRUNCATED', `${file}: member ${m.name} (${m.compressedSize} bytes) extends beyond the end of the archive`);
  }
  const raw = raf.read(dataAt, m.compressedSize, `member ${m.name}`);
  if (m.method === 0) {
    if (m.size !== m.compressedSize) throw new SpecmapError('NPZ_FORMAT', `${file}: stored member ${m.name} has inconsistent sizes`);
    return raw;
  }
  if (m.method !== 8) throw new SpecmapError('NPZ_FORMAT', `${file}: member ${m.name} uses ZIP compression method ${m.method} (only stored and Deflate are supported)`);
  // Deflate cannot expand more than ~1032:1.
  if (m.size > m.compressedSize * 1032 + 1024) throw new SpecmapError('NPZ_FORMAT', `${file}: member ${m.name} claims ${m.size} bytes from ${m.compressedSize} compressed bytes (corrupt)`);
  let out: Buffer;
  try {
    out = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, m.size) });
  } catch (err) {
    throw new SpecmapError('NPZ_FORMAT', `${file}: member ${m.name}: corrupt Deflate data (${(err as Error).message.split('\n')[0]})`);
  }
  if (out.length !== m.size) throw new SpecmapError('TRUNCATED', `${file}: member ${m.name} inflates to ${out.length} bytes, ${m.size} declared`);
  return out;
}

/** The names (without `.npy`) of the arrays in an `.npz`. */
export function listNpz(file: string): string[] {
  const raf = new RandomAccessFile(file);
  try {
    return listZip(raf).map((m) => m.name.replace(/\.npy$/, ''));
  } finally {
    raf.close();
  }
}

/** Read every array of an `.npz` (float32/float64 members; others are an error when asked for by name). */
export function readNpz(file: string, names?: string[]): Map<string, NpyArray> {
  const raf = new RandomAccessFile(file);
  try {
    const out = new Map<string, NpyArray>();
    for (const m of listZip(raf)) {
      const name = m.name.replace(/\.npy$/, '');
      if (names && !names.includes(name)) continue;
      out.set(name, readNpyBuffer(readZipMember(raf, m), `${file}[${name}]`));
    }
    return out;
  } finally {
    raf.close();
  }
}

export interface NpzStackOptions extends EnergyOptions {
  /** Member holding the cube; default: the only 3-D array. */
  dataset?: string;
  /** Member holding the energy axis; default: a 1-D array of length E named energy/energies/ev/e/x if there is one. */
  energyDataset?: string;
  /** Axis order of the cube (slowest first), default 'yxe'. */
  axisOrder?: AxisOrder;
}

/**
 * Read a spectral stack from an `.npz`: the member `dataset` or the only 3-D
 * array (H×W×E unless `axisOrder` says otherwise), with the energy axis from
 * `energyDataset` or a 1-D member named like an energy axis whose length is E.
 */
export function readNpzStack(file: string, options: NpzStackOptions = {}): SpectralStack {
  const raf = new RandomAccessFile(file);
  let members: ZipMember[];
  try {
    members = listZip(raf);
    const byName = new Map(members.map((m) => [m.name.replace(/\.npy$/, ''), m]));
    const arrays = new Map<string, NpyArray>();
    const load = (name: string): NpyArray => {
      let a = arrays.get(name);
      if (!a) {
        const m = byName.get(name);
        if (!m) throw new SpecmapError('DATASET', `${file}: no array named '${name}' (arrays: ${[...byName.keys()].join(', ')})`);
        a = readNpyBuffer(readZipMember(raf, m), `${file}[${name}]`);
        arrays.set(name, a);
      }
      return a;
    };
    let cubeName = options.dataset;
    if (!cubeName) {
      const threeD: string[] = [];
      for (const name of byName.keys()) {
        try {
          if (peekNdim(raf, byName.get(name)!) === 3) threeD.push(name);
        } catch {
          /* not a readable array: ignore while searching */
        }
      }
      if (threeD.length !== 1) {
        throw new SpecmapError(
          'DATASET',
          `${file}: ${threeD.length === 0 ? 'no 3-D array' : `${threeD.length} 3-D arrays (${threeD.join(', ')})`}; name the cube with --dataset (arrays: ${[...byName.keys()].join(', ')})`,
        );
      }
      cubeName = threeD[0];
    }
    const cube = load(cubeName);
    if (cube.shape.length !== 3) throw new SpecmapError('SHAPE', `${file}[${cubeName}]: expected a 3-D array but found shape (${cube.shape.join(', ')})`);
    const order = options.axisOrder ?? 'yxe';
    const { data, width, height, m } = toPixelMajor(cube.data, cube.shape, order, `${file}[${cubeName}]`);
    let own: { energies: Float64Array; unit: string; from: string } | undefined;
    let energyName = options.energyDataset;
    if (!energyName) {
      for (const name of byName.keys()) {
        if (/^(energy|energies|ev|e|x|energy_ev|energies_ev)$/i.test(name) && name !== cubeName) {
          try {
            const a = load(name);
            if (a.shape.length === 1 && a.shape[0] === m) energyName = name;
          } catch {
            /* ignore */
          }
        }
      }
    }
    if (energyName) {
      const a = load(energyName);
      if (a.shape.length !== 1) throw new SpecmapError('SHAPE', `${file}[${energyName}]: the energy axis must be 1-D, found shape (${a.shape.join(', ')})`);
      own = { energies: Float64Array.from(a.data), unit: 'eV', from: `array '${energyName}'` };
      if (a.dtype === '<f8') own.energies = reReadFloat64(raf, byName.get(energyName)!, file);
    }
    const { energies, unit, warnings } = resolveEnergies(m, file, options, own);
    return {
      data,
      energies,
      width,
      height,
      metadata: {
        quantity: `values of array '${cubeName}'`,
        source: file,
        sha256: sha256File(file),
        format: `NumPy .npz (array '${cubeName}' ${cube.dtype}, ${order.toUpperCase()})`,
        dtype: cube.dtype,
        energyUnit: unit,
        arrays: [...byName.keys()],
        steps: [],
        warnings,
      },
    };
  } finally {
    raf.close();
  }
}

/** The number of dimensions of a member, from its .npy header only. */
function peekNdim(raf: RandomAccessFile, m: ZipMember): number {
  const lh = raf.read(m.localHeaderOffset, 30, `local header of ${m.name}`);
  const dataAt = m.localHeaderOffset + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
  let buf = raf.read(dataAt, Math.min(m.compressedSize, 4096), `member ${m.name}`);
  if (m.method === 8) buf = zlib.inflateRawSync(buf, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 1 << 20 });
  const text = buf.subarray(0, 1024).toString('latin1');
  const sm = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!sm) return -1;
  return sm[1].split(',').filter((s) => s.trim() !== '').length;
}

/** Re-read a float64 1-D member at full precision (readNpyBuffer converts to float32). */
function reReadFloat64(raf: RandomAccessFile, m: ZipMember, file: string): Float64Array {
  const buf = readZipMember(raf, m);
  const major = buf[6];
  const hl = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + hl;
  const n = Math.floor((buf.length - start) / 8);
  if (n < 0) throw new SpecmapError('NPY_FORMAT', `${file}[${m.name}]: truncated`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readDoubleLE(start + i * 8);
  return out;
}
