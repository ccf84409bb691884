/**
 * TIFF image stacks: one multi-page file (page = energy) or one file per
 * energy; classic TIFF and BigTIFF, little- and big-endian, 8/16/32/64-bit
 * unsigned and signed integers and 32/64-bit floats, one sample per pixel,
 * strips (not tiles), uncompressed, Deflate (8, 32946), LZW (5) or PackBits
 * (32773), with horizontal predictor (2) for integers.
 *
 * The file is read strip by strip with positioned reads: the only large
 * allocation is the cube itself, sized after every page's strip table has
 * been checked against the file size.
 *
 * The writer makes little-endian classic TIFFs of float32: one map per file,
 * or a multi-page stack whose first page's ImageDescription holds a JSON
 * object `{"specmap": {"shape": [H, W, E], "energies": [...], ...}}` that the
 * reader uses as the energy axis.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { SpecmapError, SPECMAP_VERSION, type SpectralStack } from '@specmap/core';
import { allocFloat32, naturalCompare, RandomAccessFile, sampleGetter } from './binary';
import { checkEnergyAxis, writeError } from './text';

/** One image file directory (page) of a TIFF, as far as the reader needs it. */
export interface TiffPage {
  width: number;
  height: number;
  bitsPerSample: number;
  /** 1 unsigned integer, 2 signed integer, 3 IEEE float. */
  sampleFormat: number;
  compression: number;
  predictor: number;
  samplesPerPixel: number;
  rowsPerStrip: number;
  stripOffsets: number[];
  stripByteCounts: number[];
  description?: string;
  littleEndian: boolean;
}

/** The energy axis options shared by the readers of formats without one. */
export interface EnergyOptions {
  /** Channel energies (eV); length must equal the number of channels. */
  energies?: Float64Array;
  /** A regular axis: energy(e) = start + e·step (eV). */
  energyRange?: { start: number; step: number };
}

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8 };
const COMPRESSIONS: Record<number, string> = { 1: 'none', 5: 'LZW', 8: 'Deflate', 32946: 'Deflate', 32773: 'PackBits' };
/** Largest expansion a compressed strip may claim (LZW's worst case is ~2700:1). */
const MAX_EXPANSION = 4096;

/** Parse every page's directory of a TIFF file (no pixel data is read). */
export function readTiffPages(raf: RandomAccessFile): TiffPage[] {
  const file = raf.path;
  if (raf.size < 8) throw new SpecmapError('TIFF_FORMAT', `${file}: not a TIFF file (only ${raf.size} bytes)`);
  const head = raf.read(0, Math.min(16, raf.size), 'TIFF header');
  const order = head.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') throw new SpecmapError('TIFF_FORMAT', `${file}: not a TIFF file (bad byte-order mark)`);
  const le = order === 'II';
  const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const u64 = (b: Buffer, o: number): number => {
    const v = le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  };
  const magic = u16(head, 2);
  let big: boolean;
  let ifd: number;
  if (magic === 42) {
    big = false;
    ifd = u32(head, 4);
  } else if (magic === 43) {
    if (head.length < 16 || u16(head, 4) !== 8) throw new SpecmapError('TIFF_FORMAT', `${file}: bad BigTIFF header`);
    big = true;
    ifd = u64(head, 8);
  } else {
    throw new SpecmapError('TIFF_FORMAT', `${file}: not a TIFF file (magic ${magic}, expected 42 or 43)`);
  }
  const entrySize = big ? 20 : 12;
  const countSize = big ? 8 : 2;
  const offSize = big ? 8 : 4;
  const pages: TiffPage[] = [];
  const seen = new Set<number>();
  while (ifd !== 0) {
    if (seen.has(ifd)) throw new SpecmapError('TIFF_FORMAT', `${file}: page directories form a loop (offset ${ifd} repeats)`);
    seen.add(ifd);
    const cb = raf.read(ifd, countSize, `directory of page ${pages.length}`);
    const n = big ? u64(cb, 0) : u16(cb, 0);
    if (n < 1 || n * entrySize > raf.size) throw new SpecmapError('TIFF_FORMAT', `${file}: page ${pages.length} has an invalid directory (${n} entries)`);
    const eb = raf.read(ifd + countSize, n * entrySize + offSize, `directory of page ${pages.length}`);
    const tags = new Map<number, number[] | string>();
    for (let i = 0; i < n; i++) {
      const o = i * entrySize;
      const tag = u16(eb, o);
      const type = u16(eb, o + 2);
      const count = big ? u64(eb, o + 4) : u32(eb, o + 4);
      const size = TYPE_SIZE[type];
      if (![256, 257, 258, 259, 270, 273, 277, 278, 279, 317, 322, 339].includes(tag)) continue;
      if (size === undefined) throw new SpecmapError('TIFF_FORMAT', `${file}: tag ${tag} of page ${pages.length} has unknown type ${type}`);
      const bytes = count * size;
      if (bytes > raf.size) throw new SpecmapError('TIFF_FORMAT', `${file}: tag ${tag} of page ${pages.length} claims ${count} values, more than the file holds`);
      const valueAt = o + 4 + (big ? 8 : 4);
      const data = bytes <= offSize ? eb.subarray(valueAt, valueAt + bytes) : raf.read(big ? u64(eb, valueAt) : u32(eb, valueAt), bytes, `tag ${tag} of page ${pages.length}`);
      if (type === 2) {
        tags.set(tag, data.toString('latin1').replace(/\0+$/, ''));
        continue;
      }
      const vals: number[] = new Array(count);
      for (let k = 0; k < count; k++) {
        const p = k * size;
        switch (type) {
          case 1: case 6: case 7: vals[k] = data[p]; break;
          case 3: case 8: vals[k] = u16(data, p); break;
          case 4: case 9: case 13: vals[k] = u32(data, p); break;
          case 16: case 17: case 18: vals[k] = u64(data, p); break;
          case 11: vals[k] = le ? data.readFloatLE(p) : data.readFloatBE(p); break;
          case 12: vals[k] = le ? data.readDoubleLE(p) : data.readDoubleBE(p); break;
          default: vals[k] = u32(data, p) / Math.max(1, u32(data, p + 4));
        }
      }
      tags.set(tag, vals);
    }
    const num = (tag: number, def?: number): number => {
      const v = tags.get(tag);
      if (Array.isArray(v) && v.length > 0) return v[0];
      if (def === undefined) throw new SpecmapError('TIFF_FORMAT', `${file}: page ${pages.length} lacks required tag ${tag}`);
      return def;
    };
    const arr = (tag: number): number[] => {
      const v = tags.get(tag);
      if (!Array.isArray(v) || v.length === 0) throw new SpecmapError('TIFF_FORMAT', `${file}: page ${pages.length} lacks required tag ${tag}`);
      return v;
    };
    if (tags.has(322)) throw new SpecmapError('TIFF_UNSUPPORTED', `${file}: tiled TIFF pages are not supported (page ${pages.length}); save as strips`);
    const bitsList = tags.get(258);
    const height = num(257);
    const page: TiffPage = {
      width: num(256),
      height,
      bitsPerSample: Array.isArray(bitsList) && bitsList.length > 0 ? bitsList[0] : 1,
      sampleFormat: num(339, 1),
      compression: num(259, 1),
      predictor: num(317, 1),
      samplesPerPixel: num(277, 1),
      rowsPerStrip: Math.min(num(278, height), height),
      stripOffsets: arr(273),
      stripByteCounts: arr(279),
      littleEndian: le,
    };
    const desc = tags.get(270);
    if (typeof desc === 'string') page.description = desc;
    pages.push(page);
    ifd = big ? u64(eb, n * entrySize) : u32(eb, n * entrySize);
  }
  if (pages.length === 0) throw new SpecmapError('TIFF_FORMAT', `${file}: TIFF holds no pages`);
  return pages;
}

function checkPage(p: TiffPage, file: string, index: number, fileSize: number): void {
  const where = `${file}: page ${index}`;
  if (!(p.width >= 1 && p.height >= 1)) throw new SpecmapError('SHAPE', `${where} has an empty image (${p.width}×${p.height})`);
  if (p.samplesPerPixel !== 1) {
    throw new SpecmapError('TIFF_UNSUPPORTED', `${where} has ${p.samplesPerPixel} samples per pixel (RGB?); only single-channel (grey) images are supported`);
  }
  if (!sampleGetter(p.sampleFormat, p.bitsPerSample, true)) {
    throw new SpecmapError('TIFF_UNSUPPORTED', `${where}: ${p.bitsPerSample}-bit samples of format ${p.sampleFormat} are not supported (8/16/32/64-bit integers, 32/64-bit floats)`);
  }
  if (!(p.compression in COMPRESSIONS)) {
    throw new SpecmapError('TIFF_UNSUPPORTED', `${where}: compression ${p.compression} is not supported (none, LZW, Deflate, PackBits)`);
  }
  if (p.predictor !== 1 && !(p.predictor === 2 && p.sampleFormat !== 3)) {
    throw new SpecmapError('TIFF_UNSUPPORTED', `${where}: predictor ${p.predictor} is not supported with sample format ${p.sampleFormat}`);
  }
  const rps = Math.max(1, p.rowsPerStrip);
  const strips = Math.ceil(p.height / rps);
  if (p.stripOffsets.length < strips || p.stripByteCounts.length < strips) {
    throw new SpecmapError('TIFF_FORMAT', `${where} needs ${strips} strips but lists ${Math.min(p.stripOffsets.length, p.stripByteCounts.length)}`);
  }
  const bps = p.bitsPerSample / 8;
  for (let s = 0; s < strips; s++) {
    const rows = Math.min(rps, p.height - s * rps);
    const need = rows * p.width * bps;
    const have = p.stripByteCounts[s];
    if (p.stripOffsets[s] + have > fileSize) throw new SpecmapError('TRUNCATED', `${where}, strip ${s} ends beyond the end of the file (truncated file?)`);
    if (p.compression === 1 ? have < need : have * MAX_EXPANSION + 4096 < need) {
      throw new SpecmapError('TRUNCATED', `${where}, strip ${s} holds ${have} bytes but ${rows} rows of ${p.width} ${p.bitsPerSample}-bit samples need ${need}`);
    }
  }
}

/** Decode one strip into exactly `need` bytes. */
function decodeStrip(raw: Buffer, p: TiffPage, need: number, where: string): Uint8Array {
  let out: Uint8Array;
  switch (p.compression) {
    case 1:
      out = raw;
      break;
    case 8:
    case 32946:
      try {
        out = zlib.inflateSync(raw, { maxOutputLength: Math.max(need, 1), finishFlush: zlib.constants.Z_SYNC_FLUSH });
      } catch (err) {
        const msg = (err as Error).message;
        if (/larger than|maxOutputLength|buffer/i.test(msg)) {
          throw new SpecmapError('TIFF_FORMAT', `${where}: Deflate data expand beyond the ${need} bytes the strip should hold`);
        }
        throw new SpecmapError('TIFF_FORMAT', `${where}: corrupt Deflate data (${msg})`);
      }
      break;
    case 5:
      out = lzwDecode(raw, need, where);
      break;
    case 32773:
      out = packBitsDecode(raw, need);
      break;
    default:
      throw new SpecmapError('TIFF_UNSUPPORTED', `${where}: compression ${p.compression}`);
  }
  if (out.length < need) throw new SpecmapError('TRUNCATED', `${where}: decoded ${out.length} bytes but ${need} are needed`);
  return out;
}

/** TIFF LZW (MSB-first codes, "early change"), output capped at `max` bytes. */
export function lzwDecode(src: Uint8Array, max: number, where = 'LZW data'): Uint8Array {
  const out = new Uint8Array(max);
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const len = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
    len[i] = 1;
  }
  let op = 0;
  let next = 258;
  let codeLen = 9;
  let old = -1;
  let bitPos = 0;
  const totalBits = src.length * 8;
  const emit = (code: number): void => {
    const l = len[code];
    let c = code;
    for (let k = l - 1; k >= 0; k--) {
      if (op + k < max) out[op + k] = suffix[c];
      c = prefix[c];
    }
    op += l;
  };
  while (op < max && bitPos + codeLen <= totalBits) {
    let code = 0;
    for (let k = 0; k < codeLen; k++) {
      const bit = (src[(bitPos + k) >> 3] >> (7 - ((bitPos + k) & 7))) & 1;
      code = (code << 1) | bit;
    }
    bitPos += codeLen;
    if (code === 257) break;
    if (code === 256) {
      next = 258;
      codeLen = 9;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code > 255) throw new SpecmapError('TIFF_FORMAT', `${where}: corrupt LZW data (code ${code} after a clear code)`);
      emit(code);
      old = code;
      continue;
    }
    let f: number;
    if (code < next) {
      emit(code);
      f = first[code];
    } else if (code === next) {
      f = first[old];
      emit(old);
      if (op < max) out[op] = f;
      op++;
    } else {
      throw new SpecmapError('TIFF_FORMAT', `${where}: corrupt LZW data (code ${code} beyond the table of ${next})`);
    }
    if (next < 4096) {
      prefix[next] = old;
      suffix[next] = f;
      first[next] = first[old];
      len[next] = Math.min(len[old] + 1, 65535);
      next++;
    }
    if (next + 1 >= 1 << codeLen && codeLen < 12) codeLen++;
    old = code;
  }
  return op >= max ? out : out.subarray(0, op);
}

/** PackBits (Apple RLE), output capped at `max` bytes. */
export function packBitsDecode(src: Uint8Array, max: number): Uint8Array {
  const out = new Uint8Array(max);
  let op = 0;
  let i = 0;
  while (i < src.length && op < max) {
    const n = (src[i++] << 24) >> 24;
    if (n >= 0) {
      for (let k = 0; k <= n && i < src.length && op < max; k++) out[op++] = src[i++];
    } else if (n !== -128) {
      const b = src[i++] ?? 0;
      for (let k = 0; k < 1 - n && op < max; k++) out[op++] = b;
    }
  }
  return out.subarray(0, op);
}

/** Undo the horizontal predictor (2) on one decoded strip of integer samples, in place. */
function undoPredictor(buf: Uint8Array, p: TiffPage, rows: number): void {
  const bytes = p.bitsPerSample / 8;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = p.littleEndian;
  for (let r = 0; r < rows; r++) {
    const base = r * p.width * bytes;
    for (let x = 1; x < p.width; x++) {
      const o = base + x * bytes;
      const q = o - bytes;
      if (bytes === 1) buf[o] = (buf[o] + buf[q]) & 0xff;
      else if (bytes === 2) view.setUint16(o, (view.getUint16(o, le) + view.getUint16(q, le)) & 0xffff, le);
      else if (bytes === 4) view.setUint32(o, (view.getUint32(o, le) + view.getUint32(q, le)) >>> 0, le);
      else view.setBigUint64(o, BigInt.asUintN(64, view.getBigUint64(o, le) + view.getBigUint64(q, le)), le);
    }
  }
}

/** Decode page `p` of `raf` into channel `e` of the pixel-major cube `out` (m channels). */
function readPageInto(raf: RandomAccessFile, p: TiffPage, index: number, out: Float32Array, m: number, e: number): number {
  const get = sampleGetter(p.sampleFormat, p.bitsPerSample, p.littleEndian)!;
  const bytes = p.bitsPerSample / 8;
  const rps = Math.max(1, p.rowsPerStrip);
  const strips = Math.ceil(p.height / rps);
  let nonFinite = 0;
  for (let s = 0; s < strips; s++) {
    const where = `${raf.path}: page ${index}, strip ${s}`;
    const rows = Math.min(rps, p.height - s * rps);
    const need = rows * p.width * bytes;
    const raw = raf.read(p.stripOffsets[s], p.compression === 1 ? need : p.stripByteCounts[s], `strip ${s} of page ${index}`);
    const buf = decodeStrip(raw, p, need, where);
    if (p.predictor === 2) undoPredictor(buf, p, rows);
    const view = new DataView(buf.buffer, buf.byteOffset, need);
    const y0 = s * rps;
    const n = rows * p.width;
    for (let i = 0; i < n; i++) {
      const v = get(view, i * bytes);
      if (!Number.isFinite(v)) nonFinite++;
      out[(y0 * p.width + i) * m + e] = v;
    }
  }
  return nonFinite;
}

/** The `specmap` object stored by {@link writeTiffStack} in the first page's ImageDescription, if any. */
export function parseSpecmapDescription(desc: string | undefined): Record<string, unknown> | undefined {
  if (!desc || !desc.startsWith('{')) return undefined;
  try {
    const obj = JSON.parse(desc) as { specmap?: unknown };
    return obj && typeof obj.specmap === 'object' && obj.specmap !== null ? (obj.specmap as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Resolve the energy axis: given energies > energy range > file's own axis > channel index. */
export function resolveEnergies(
  m: number,
  file: string,
  options: EnergyOptions,
  own?: { energies: Float64Array; unit: string; from: string },
): { energies: Float64Array; unit: string; warnings: string[] } {
  const warnings: string[] = [];
  if (options.energies) {
    if (options.energies.length !== m) {
      throw new SpecmapError('ENERGY_MISMATCH', `${file}: the stack has ${m} energy channels but ${options.energies.length} energies were given`);
    }
    checkEnergyAxis(options.energies, `energies for ${file}`);
    if (own && own.energies.length === m && own.energies.some((v, i) => Math.abs(v - options.energies![i]) > 1e-3)) {
      warnings.push(`the given energies replace the file's own axis (${own.from}), which differs`);
    }
    return { energies: Float64Array.from(options.energies), unit: 'eV', warnings };
  }
  if (options.energyRange) {
    const { start, step } = options.energyRange;
    if (!Number.isFinite(start) || !Number.isFinite(step) || step === 0) {
      throw new SpecmapError('USAGE', `energy range start ${start}, step ${step}: both must be finite and the step non-zero`);
    }
    const axis = new Float64Array(m);
    for (let e = 0; e < m; e++) axis[e] = start + e * step;
    return { energies: axis, unit: 'eV', warnings };
  }
  if (own) {
    if (own.energies.length !== m) {
      throw new SpecmapError('ENERGY_MISMATCH', `${file}: ${own.from} lists ${own.energies.length} energies but the stack has ${m} channels`);
    }
    checkEnergyAxis(own.energies, `${file} ${own.from}`);
    return { energies: own.energies, unit: own.unit, warnings };
  }
  const axis = new Float64Array(m);
  for (let e = 0; e < m; e++) axis[e] = e;
  return { energies: axis, unit: 'channel index', warnings };
}

/**
 * List the files of a TIFF series: a directory (every `.tif`/`.tiff` in it),
 * a glob pattern (`*`, `?` and `[…]` in the last path component), or a
 * single file. Files are returned in natural order (e2 before e10).
 */
export function listSeries(spec: string, exts = ['.tif', '.tiff']): string[] {
  let dir: string;
  let match: (name: string) => boolean;
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(spec);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) {
    dir = spec;
    match = (n) => exts.includes(path.extname(n).toLowerCase()) && !n.startsWith('.');
  } else if (st) {
    return [spec];
  } else if (/[*?[]/.test(path.basename(spec))) {
    dir = path.dirname(spec);
    const re = new RegExp(
      '^' +
        path
          .basename(spec)
          .replace(/[.+^${}()|\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.') +
        '$',
    );
    match = (n) => re.test(n);
  } else {
    throw new SpecmapError('ENOENT', `input file not found: ${spec}`);
  }
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    throw new SpecmapError('ENOENT', `input folder not found: ${dir}`);
  }
  const files = names.filter(match).sort(naturalCompare).map((n) => path.join(dir, n));
  if (files.length === 0) throw new SpecmapError('ENOENT', `no TIFF files match ${spec}`);
  return files;
}

/**
 * Read a TIFF stack: one multi-page file (page e = energy e), or several
 * files (each adds its pages, files in natural name order). Every page must
 * have the same size. Energies: `options.energies` / `options.energyRange`,
 * else the axis in a specmap ImageDescription, else channel indices.
 */
export function readTiffStack(input: string | string[], options: EnergyOptions = {}): SpectralStack {
  const files = Array.isArray(input) ? input : listSeries(input);
  const label = Array.isArray(input) ? `${files[0]} (+${files.length - 1} files)` : input;
  const rafs: RandomAccessFile[] = [];
  try {
    const pages: { raf: RandomAccessFile; page: TiffPage; index: number }[] = [];
    for (const f of files) {
      const raf = new RandomAccessFile(f);
      rafs.push(raf);
      const ps = readTiffPages(raf);
      ps.forEach((page, index) => {
        checkPage(page, f, index, raf.size);
        pages.push({ raf, page, index });
      });
    }
    const p0 = pages[0].page;
    for (const { raf, page, index } of pages) {
      if (page.width !== p0.width || page.height !== p0.height) {
        throw new SpecmapError('SHAPE', `${raf.path}: page ${index} is ${page.width}×${page.height} but the first page is ${p0.width}×${p0.height}`);
      }
    }
    const m = pages.length;
    const { width, height } = p0;
    const data = allocFloat32(width * height * m, label, `a ${height}×${width}×${m} cube`);
    let nonFinite = 0;
    pages.forEach(({ raf, page, index }, e) => {
      nonFinite += readPageInto(raf, page, index, data, m, e);
    });
    const spec = parseSpecmapDescription(p0.description);
    let own: { energies: Float64Array; unit: string; from: string } | undefined;
    if (spec && Array.isArray(spec.energies)) {
      own = { energies: Float64Array.from(spec.energies as number[], Number), unit: typeof spec.energyUnit === 'string' ? spec.energyUnit : 'eV', from: 'ImageDescription energies' };
    }
    const { energies, unit, warnings } = resolveEnergies(m, label, options, own);
    if (nonFinite > 0) warnings.push(`${nonFinite} values are NaN or infinite`);
    const dtypes = new Set(pages.map(({ page }) => `${['', 'uint', 'int', 'float'][page.sampleFormat] ?? '?'}${page.bitsPerSample}`));
    const comps = new Set(pages.map(({ page }) => COMPRESSIONS[page.compression]));
    const metadata: SpectralStack['metadata'] = {
      quantity: typeof spec?.quantity === 'string' ? spec.quantity : 'values as stored in the TIFF',
      source: label,
      format: `TIFF (${files.length > 1 ? `${files.length} files` : `${m} pages`}, ${[...dtypes].join('/')}, ${p0.littleEndian ? 'little' : 'big'}-endian, compression ${[...comps].join('/')})`,
      files: files.length > 1 ? files.map((f) => path.basename(f)) : undefined,
      dtype: [...dtypes].join('/'),
      energyUnit: unit,
      steps: [],
      warnings,
    };
    if (spec && Array.isArray(spec.xUm) && spec.xUm.length === width) metadata.xUm = Float64Array.from(spec.xUm as number[]);
    if (spec && Array.isArray(spec.yUm) && spec.yUm.length === height) metadata.yUm = Float64Array.from(spec.yUm as number[]);
    return { data, energies, width, height, metadata };
  } finally {
    for (const r of rafs) r.close();
  }
}

interface IfdEntry {
  tag: number;
  type: number;
  values: number[] | Buffer;
}

/** Build one classic little-endian page: IFD at `at`, then its out-of-line values, then the pixel data. */
function buildPage(at: number, width: number, height: number, pixels: Buffer, description: string | undefined, last: boolean): Buffer {
  const desc = description !== undefined ? Buffer.from(description + '\0', 'utf8') : undefined;
  const entries: IfdEntry[] = [
    { tag: 256, type: 4, values: [width] },
    { tag: 257, type: 4, values: [height] },
    { tag: 258, type: 3, values: [32] },
    { tag: 259, type: 3, values: [1] },
    { tag: 262, type: 3, values: [1] },
    ...(desc ? [{ tag: 270, type: 2, values: desc }] : []),
    { tag: 273, type: 4, values: [0] }, // patched below
    { tag: 277, type: 3, values: [1] },
    { tag: 278, type: 4, values: [height] },
    { tag: 279, type: 4, values: [pixels.length] },
    { tag: 284, type: 3, values: [1] },
    { tag: 339, type: 3, values: [3] },
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  const extra = desc && desc.length > 4 ? desc.length + (desc.length & 1) : 0;
  const dataAt = at + ifdSize + extra;
  const head = Buffer.alloc(ifdSize + extra);
  head.writeUInt16LE(entries.length, 0);
  entries.forEach((en, i) => {
    const o = 2 + i * 12;
    head.writeUInt16LE(en.tag, o);
    head.writeUInt16LE(en.type, o + 2);
    if (Buffer.isBuffer(en.values)) {
      head.writeUInt32LE(en.values.length, o + 4);
      if (en.values.length <= 4) en.values.copy(head, o + 8);
      else {
        head.writeUInt32LE(at + ifdSize, o + 8);
        en.values.copy(head, ifdSize);
      }
    } else {
      head.writeUInt32LE(1, o + 4);
      const v = en.tag === 273 ? dataAt : en.values[0];
      if (en.type === 3) head.writeUInt16LE(v, o + 8);
      else head.writeUInt32LE(v, o + 8);
    }
  });
  head.writeUInt32LE(last ? 0 : dataAt + pixels.length, 2 + entries.length * 12);
  return head;
}

function writePages(file: string, width: number, height: number, count: number, page: (i: number) => Buffer, description: string | undefined): void {
  const pageBytes = width * height * 4;
  const total = 8 + count * (pageBytes + 200) + (description ? Buffer.byteLength(description) : 0);
  if (total >= 2 ** 32) throw new SpecmapError('TOO_LARGE', `cannot write ${file}: ${total} bytes exceed the 4 GiB of a classic TIFF`);
  let fd: number;
  try {
    fd = fs.openSync(file, 'w');
  } catch (err) {
    throw writeError(err, file);
  }
  try {
    const header = Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
    fs.writeSync(fd, header);
    let at = 8;
    for (let i = 0; i < count; i++) {
      const pixels = page(i);
      const head = buildPage(at, width, height, pixels, i === 0 ? description : undefined, i === count - 1);
      fs.writeSync(fd, head);
      fs.writeSync(fd, pixels);
      at += head.length + pixels.length;
    }
  } finally {
    fs.closeSync(fd);
  }
}

function floatPage(n: number, value: (i: number) => number): Buffer {
  const buf = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) buf.writeFloatLE(value(i), i * 4);
  return buf;
}

/**
 * Write a spectral stack as a little-endian float32 multi-page TIFF (page e =
 * energy e, row y = line y). The first page's ImageDescription is JSON:
 * `{"specmap": {"shape": [H, W, E], "energies": [...], "energyUnit": "eV",
 * "xUm": [...], "yUm": [...], "quantity", "source", "sha256", "version"}}`.
 */
export function writeTiffStack(file: string, stack: SpectralStack): void {
  const { width, height, energies, data, metadata } = stack;
  const m = energies.length;
  const n = width * height;
  const spec: Record<string, unknown> = {
    shape: [height, width, m],
    energies: Array.from(energies),
    energyUnit: typeof metadata.energyUnit === 'string' ? metadata.energyUnit : 'eV',
    quantity: metadata.quantity,
    source: metadata.source,
    sha256: metadata.sha256,
    version: SPECMAP_VERSION,
  };
  if (metadata.xUm) spec.xUm = Array.from(metadata.xUm);
  if (metadata.yUm) spec.yUm = Array.from(metadata.yUm);
  writePages(file, width, height, m, (e) => floatPage(n, (i) => data[i * m + e]), JSON.stringify({ specmap: spec }));
}

/** Write one map (row-major, `values[y*width + x]`) as a single-page float32 TIFF. */
export function writeTiffMap(file: string, values: ArrayLike<number>, width: number, height: number, description?: string): void {
  if (values.length !== width * height) {
    throw new SpecmapError('SHAPE', `writeTiffMap ${file}: ${values.length} values but ${height}×${width} = ${width * height} are expected`);
  }
  writePages(file, width, height, 1, () => floatPage(width * height, (i) => values[i]), description);
}
