/**
 * Gatan DigitalMicrograph DM3 / DM4 files: the tag tree, and spectrum images
 * (EELS/EDS cubes, line scans) and single spectra from its ImageList.
 *
 * DM3 tag headers and counts are big-endian 4-byte; DM4 uses 8-byte counts
 * and tag lengths. Tag values are in the byte order the header gives
 * (little-endian in practice). The array of the image is
 * `ImageList[i].ImageData.Data`, its sizes `ImageData.Dimensions` (fastest
 * first), its calibrations `ImageData.Calibrations.Dimension[i].{Origin,
 * Scale, Units}` with value = (index − Origin)·Scale.
 */
import * as path from 'path';
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { allocFloat32, RandomAccessFile, sampleGetter } from './binary';
import { sha256File } from './hash';
import { resolveEnergies, type EnergyOptions } from './tiff';
import type { Spectrum } from './spectrum';

/** A node of the tag tree. Groups have `children`; data tags `value` (numbers, a string, or a lazy array). */
export interface DmTag {
  name: string;
  children?: DmTag[];
  value?: number | string | number[] | DmArray;
}

/** A large array left on disk: element encoding type, count and byte offset. */
export interface DmArray {
  type: number;
  count: number;
  offset: number;
}

const ENC_SIZE: Record<number, number> = { 2: 2, 3: 4, 4: 2, 5: 4, 6: 4, 7: 8, 8: 1, 9: 1, 10: 1, 11: 8, 12: 8 };
/** encoding type → [sample format (1 uint, 2 int, 3 float), bits] */
const ENC_SAMPLE: Record<number, [number, number]> = { 2: [2, 16], 3: [2, 32], 4: [1, 16], 5: [1, 32], 6: [3, 32], 7: [3, 64], 8: [1, 8], 9: [2, 8], 10: [1, 8], 11: [2, 64], 12: [1, 64] };

/** A tag label as it may appear in a message: printable, at most 40 characters. */
function printable(s: string): string {
  const t = s.replace(/[^\x20-\x7e]/g, '?');
  return t.length > 40 ? `${t.slice(0, 40)}…` : t;
}

class Cursor {
  pos: number;
  private buf = Buffer.alloc(0);
  private bufAt = 0;
  constructor(
    private raf: RandomAccessFile,
    start: number,
  ) {
    this.pos = start;
  }
  bytes(n: number, what: string): Buffer {
    if (n > this.raf.size - this.pos || n < 0) throw new SpecmapError('TRUNCATED', `${this.raf.path}: ${what} at byte ${this.pos} runs past the end of the file`);
    if (this.pos < this.bufAt || this.pos + n > this.bufAt + this.buf.length) {
      const len = Math.min(Math.max(n, 1 << 16), this.raf.size - this.pos);
      this.buf = this.raf.read(this.pos, len, what);
      this.bufAt = this.pos;
    }
    const o = this.pos - this.bufAt;
    this.pos += n;
    return this.buf.subarray(o, o + n);
  }
  u8(what: string): number {
    return this.bytes(1, what)[0];
  }
  u16be(what: string): number {
    return this.bytes(2, what).readUInt16BE(0);
  }
  u32be(what: string): number {
    return this.bytes(4, what).readUInt32BE(0);
  }
  u64be(what: string): number {
    const v = this.bytes(8, what).readBigUInt64BE(0);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }
  skip(n: number, what: string): void {
    if (n > this.raf.size - this.pos || n < 0) throw new SpecmapError('TRUNCATED', `${this.raf.path}: ${what} at byte ${this.pos} runs past the end of the file`);
    this.pos += n;
  }
}

/** Parse the tag tree of a DM3/DM4 file (large arrays are left on disk as {@link DmArray}). */
export function readDmTags(raf: RandomAccessFile): { version: number; littleEndian: boolean; root: DmTag } {
  const file = raf.path;
  if (raf.size < 16) throw new SpecmapError('DM_FORMAT', `${file}: not a DM3/DM4 file (${raf.size} bytes)`);
  const c = new Cursor(raf, 0);
  const version = c.u32be('version');
  if (version !== 3 && version !== 4) throw new SpecmapError('DM_FORMAT', `${file}: not a DM3/DM4 file (version field ${version})`);
  const dm4 = version === 4;
  if (dm4) c.u64be('root length');
  else c.u32be('root length');
  const order = c.u32be('byte order');
  if (order !== 0 && order !== 1) throw new SpecmapError('DM_FORMAT', `${file}: bad byte-order flag ${order}`);
  const le = order === 1;
  const count = (what: string): number => (dm4 ? c.u64be(what) : c.u32be(what));
  let tags = 0;

  const readValue = (types: number[], name: string): DmTag['value'] => {
    const t = types[0];
    const simple = (enc: number): number => {
      const size = ENC_SIZE[enc];
      if (!size) throw new SpecmapError('DM_FORMAT', `${file}: tag ${name} has unknown type ${enc}`);
      const b = c.bytes(size, `value of ${name}`);
      const [fmt, bits] = ENC_SAMPLE[enc];
      return sampleGetter(fmt, bits, le)!(new DataView(b.buffer, b.byteOffset, size), 0);
    };
    if (ENC_SIZE[t]) return simple(t);
    if (t === 18) {
      const n = types[1] ?? 0;
      const b = c.bytes(n * 2, `string ${name}`);
      return le ? b.toString('utf16le') : Buffer.from(b).swap16().toString('utf16le');
    }
    if (t === 15) {
      const nf = types[2] ?? 0;
      const vals: number[] = [];
      for (let k = 0; k < nf; k++) vals.push(simple(types[4 + 2 * k]));
      return vals;
    }
    if (t === 20) {
      const elem = types[1];
      if (elem === 15) {
        const nf = types[3] ?? 0;
        const n = types[types.length - 1];
        let size = 0;
        for (let k = 0; k < nf; k++) size += ENC_SIZE[types[5 + 2 * k]] ?? NaN;
        if (!Number.isFinite(size)) throw new SpecmapError('DM_FORMAT', `${file}: tag ${name} has an unknown struct field type`);
        c.skip(size * n, `array ${name}`);
        return { type: 15, count: n, offset: c.pos - size * n };
      }
      const size = ENC_SIZE[elem];
      const n = types[2];
      if (!size || n === undefined) throw new SpecmapError('DM_FORMAT', `${file}: tag ${name} is an array of unknown type ${elem}`);
      if (n * size > raf.size) throw new SpecmapError('TRUNCATED', `${file}: array ${name} claims ${n} values, more than the file holds`);
      if (elem === 4 && n <= 1024) {
        const b = c.bytes(n * 2, `array ${name}`);
        const s = le ? b.toString('utf16le') : Buffer.from(b).swap16().toString('utf16le');
        return s;
      }
      if (n <= 16) {
        const vals: number[] = [];
        for (let k = 0; k < n; k++) vals.push(simple(elem));
        return vals;
      }
      const offset = c.pos;
      c.skip(n * size, `array ${name}`);
      return { type: elem, count: n, offset };
    }
    throw new SpecmapError('DM_FORMAT', `${file}: tag ${name} has unknown type ${t}`);
  };

  const readGroup = (name: string, depth: number): DmTag => {
    if (depth > 64) throw new SpecmapError('DM_FORMAT', `${file}: tag groups nested too deep`);
    c.u8('group sorted flag');
    c.u8('group open flag');
    const n = count(`tag count of ${name}`);
    if (n > raf.size) throw new SpecmapError('DM_FORMAT', `${file}: group ${name} claims ${n} tags`);
    const children: DmTag[] = [];
    for (let i = 0; i < n; i++) {
      if (++tags > 1e6) throw new SpecmapError('DM_FORMAT', `${file}: too many tags`);
      const kind = c.u8('tag kind');
      const labelLen = c.u16be('tag label length');
      const label = c.bytes(labelLen, 'tag label').toString('latin1');
      const full = `${name}.${printable(label) || i}`.slice(-120);
      if (dm4) c.u64be('tag length');
      if (kind === 20) children.push({ ...readGroup(full, depth + 1), name: label });
      else if (kind === 21) {
        const magic = c.bytes(4, `tag ${full}`).toString('latin1');
        if (magic !== '%%%%') throw new SpecmapError('DM_FORMAT', `${file}: tag ${full} lacks its %%%% marker (corrupt file)`);
        const ninfo = count(`info count of ${full}`);
        if (ninfo < 1 || ninfo > 10000) throw new SpecmapError('DM_FORMAT', `${file}: tag ${full} has ${ninfo} type descriptors`);
        const types: number[] = [];
        for (let k = 0; k < ninfo; k++) types.push(count(`type of ${full}`));
        children.push({ name: label, value: readValue(types, full) });
      } else if (kind === 0) {
        break;
      } else {
        throw new SpecmapError('DM_FORMAT', `${file}: unknown tag kind ${kind} in ${name} at byte ${c.pos - 3 - labelLen}`);
      }
    }
    return { name, children };
  };
  const root = readGroup('root', 0);
  return { version, littleEndian: le, root };
}

function child(t: DmTag | undefined, name: string): DmTag | undefined {
  return t?.children?.find((c) => c.name === name);
}
function num(t: DmTag | undefined): number | undefined {
  const v = t?.value;
  return typeof v === 'number' ? v : Array.isArray(v) && v.length === 1 ? v[0] : undefined;
}

/** One image of a DM file: its dimensions (fastest first), calibrations and data array. */
export interface DmImage {
  dims: number[];
  calibrations: { origin: number; scale: number; units: string }[];
  data: DmArray;
  name?: string;
}

/** The images of a DM file's ImageList (thumbnails included). */
export function dmImages(raf: RandomAccessFile, root: DmTag): DmImage[] {
  const list = child(root, 'ImageList');
  const out: DmImage[] = [];
  for (const img of list?.children ?? []) {
    const id = child(img, 'ImageData');
    const dataTag = child(id, 'Data');
    const v = dataTag?.value;
    let data: DmArray | undefined;
    if (v && typeof v === 'object' && !Array.isArray(v)) data = v;
    else if (Array.isArray(v)) data = undefined; // tiny arrays: ignore (thumbnails of 1 pixel)
    if (!data) continue;
    const dims = (child(id, 'Dimensions')?.children ?? []).map((d) => num(d) ?? 0);
    const cals = (child(child(id, 'Calibrations'), 'Dimension')?.children ?? []).map((d) => ({
      origin: num(child(d, 'Origin')) ?? 0,
      scale: num(child(d, 'Scale')) ?? 1,
      units: typeof child(d, 'Units')?.value === 'string' ? (child(d, 'Units')!.value as string) : '',
    }));
    const name = child(img, 'Name')?.value;
    out.push({ dims, calibrations: cals, data, name: typeof name === 'string' ? name : undefined });
  }
  if (out.length === 0) throw new SpecmapError('DM_FORMAT', `${raf.path}: no image data in ImageList`);
  return out;
}

/** Read the values of an image into float32 (C order of the reversed dims: slowest first). */
function readDmArray(raf: RandomAccessFile, img: DmImage, le: boolean, place?: (i: number) => number): Float32Array {
  const file = raf.path;
  const n = img.dims.reduce((a, b) => a * b, 1);
  const enc = ENC_SAMPLE[img.data.type];
  if (!enc) throw new SpecmapError('DM_UNSUPPORTED', `${file}: image data of element type ${img.data.type} (complex or RGB?) is not supported`);
  if (n !== img.data.count) throw new SpecmapError('DM_FORMAT', `${file}: dimensions ${img.dims.join('×')} = ${n} values but the data array holds ${img.data.count}`);
  const size = ENC_SIZE[img.data.type];
  if (img.data.offset + n * size > raf.size) throw new SpecmapError('TRUNCATED', `${file}: image data run past the end of the file`);
  const out = allocFloat32(n, file, `an image of ${img.dims.join('×')}`);
  const get = sampleGetter(enc[0], enc[1], le)!;
  const chunk = Math.max(1, Math.floor((8 << 20) / size));
  for (let a = 0; a < n; a += chunk) {
    const b = Math.min(n, a + chunk);
    const buf = raf.read(img.data.offset + a * size, (b - a) * size, 'image data');
    const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    if (place) for (let i = a; i < b; i++) out[place(i)] = get(view, (i - a) * size);
    else for (let i = a; i < b; i++) out[i] = get(view, (i - a) * size);
  }
  return out;
}

function pickImage(images: DmImage[]): DmImage {
  return images.reduce((best, im) => (im.data.count > best.data.count ? im : best));
}

function isEnergyUnit(u: string): boolean {
  return /^(ev|kev)$/i.test(u.trim());
}

function toUm(cal: { origin: number; scale: number; units: string }, n: number): Float64Array | undefined {
  const s: Record<string, number> = { nm: 1e-3, 'µm': 1, um: 1, 'μm': 1, mm: 1e3, 'Å': 1e-4 };
  const f = s[cal.units.trim()];
  if (f === undefined) return undefined;
  return Float64Array.from({ length: n }, (_, i) => (i - cal.origin) * cal.scale * f);
}

/**
 * Read a spectrum image from a DM3/DM4 file: the largest image of the
 * ImageList. 3-D data (dimensions x, y, E fastest first, as DigitalMicrograph
 * stores spectrum images) become an H×W×E stack; 2-D data whose one dimension
 * is calibrated in eV become a line scan (height 1). The energy axis is the
 * energy dimension's calibration (index − Origin)·Scale, in eV.
 */
export function readDmStack(file: string, options: EnergyOptions = {}): SpectralStack {
  const raf = new RandomAccessFile(file);
  try {
    const { version, littleEndian, root } = readDmTags(raf);
    const img = pickImage(dmImages(raf, root));
    const dims = img.dims;
    let width: number;
    let height: number;
    let m: number;
    let eDim: number;
    if (dims.length === 3) {
      [width, height, m] = dims;
      eDim = 2;
    } else if (dims.length === 2) {
      eDim = isEnergyUnit(img.calibrations[0]?.units ?? '') ? 0 : 1;
      m = dims[eDim];
      width = dims[1 - eDim];
      height = 1;
      if (!isEnergyUnit(img.calibrations[eDim]?.units ?? '')) {
        throw new SpecmapError('SHAPE', `${file}: a 2-D image (${dims.join('×')}) without an energy-calibrated dimension is not a spectrum image`);
      }
    } else {
      throw new SpecmapError('SHAPE', `${file}: image of ${dims.length} dimensions (${dims.join('×')}); a spectrum image has 3 (or 2 for a line scan)`);
    }
    if (!(width >= 1 && height >= 1 && m >= 1)) throw new SpecmapError('SHAPE', `${file}: empty image ${dims.join('×')}`);
    // File order: index i = x + W*(y + H*e) (3-D) or d0 + D0*d1 (2-D); placed straight into the pixel-major cube.
    const plane = width * height;
    const data =
      dims.length === 3
        ? readDmArray(raf, img, littleEndian, (i) => (i % plane) * m + Math.floor(i / plane))
        : eDim === 0
          ? readDmArray(raf, img, littleEndian)
          : readDmArray(raf, img, littleEndian, (i) => (i % width) * m + Math.floor(i / width));
    const cal = img.calibrations[eDim];
    const own = cal && isEnergyUnit(cal.units)
      ? { energies: Float64Array.from({ length: m }, (_, i) => ((i - cal.origin) * cal.scale) * (/kev/i.test(cal.units) ? 1000 : 1)), unit: 'eV', from: 'energy calibration' }
      : undefined;
    const { energies, unit, warnings } = resolveEnergies(m, file, options, own);
    const metadata: SpectralStack['metadata'] = {
      quantity: 'values as stored in the DM file',
      source: file,
      sha256: sha256File(file),
      format: `Gatan DM${version} (${img.name ?? path.basename(file)}, dimensions ${dims.join('×')})`,
      energyUnit: unit,
      calibrations: img.calibrations,
      steps: [],
      warnings,
    };
    if (dims.length === 3) {
      const xs = img.calibrations[0] && toUm(img.calibrations[0], width);
      const ys = img.calibrations[1] && toUm(img.calibrations[1], height);
      if (xs) metadata.xUm = xs;
      if (ys) metadata.yUm = ys;
    }
    return { data, energies, width, height, metadata };
  } finally {
    raf.close();
  }
}

/** Read a 1-D DM spectrum (the largest 1-D image) as a spectrum. */
export function readDmSpectrum(file: string): Spectrum {
  const raf = new RandomAccessFile(file);
  try {
    const { littleEndian, root } = readDmTags(raf);
    const img = dmImages(raf, root).filter((i) => i.dims.length === 1);
    if (img.length === 0) throw new SpecmapError('SHAPE', `${file}: holds no 1-D spectrum`);
    const best = pickImage(img);
    const vals = readDmArray(raf, best, littleEndian);
    const cal = best.calibrations[0] ?? { origin: 0, scale: 1, units: '' };
    return {
      name: path.basename(file),
      energies: Float64Array.from({ length: vals.length }, (_, i) => (i - cal.origin) * cal.scale),
      values: Float64Array.from(vals),
    };
  } finally {
    raf.close();
  }
}
