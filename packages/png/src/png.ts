/**
 * Minimal PNG codec for 8-bit RGBA images: signature, IHDR, IDAT (zlib via
 * node:zlib), IEND, CRC-32. The decoder reads 8-bit RGBA/RGB non-interlaced
 * PNGs with any filter (enough to check our own output in tests).
 */
import * as zlib from 'node:zlib';
import { SpecmapError } from '@specmap/core';

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** zlib's native CRC-32 (Node ≥ 20.15): ~10× faster than the table loop on an IDAT chunk. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (ISO 3309 / PNG) of `bytes`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return nativeCrc32 ? nativeCrc32(bytes.subarray(start, end)) >>> 0 : tableCrc32(bytes, start, end);
}

/** crc32 by the table loop (exported for tests; used where zlib has no crc32). */
export function tableCrc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** PNG row filter type (spec §9.2), the byte each row starts with: 0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth. */
export type PngFilter = 0 | 1 | 2 | 3 | 4;

export interface EncodePngOptions {
  /** Text chunks (tEXt, Latin-1 keyword and value), e.g. {Software: 'specmap'}. */
  text?: Record<string, string>;
  /** Resolution in dots per inch, written as a pHYs chunk (pixels per metre, rounded). */
  dpi?: number;
  /** Row filter used for every row (default None, see encodePng). */
  filter?: PngFilter;
}

/** Pixels per metre of a resolution in dots per inch (as the pHYs chunk stores it). */
export function dpiToPixelsPerMetre(dpi: number): number {
  return Math.round(dpi / 0.0254);
}

/**
 * zlib level of the IDAT stream. Measured on specmap figures (1396×746 and
 * 776×724 figures, 2328×2173 at 300 dpi, unfiltered): level 1 takes ~⅓ of
 * level 6's time (10 vs 34 ms for the 1396×746 figure) for files ~25 % larger
 * (458 vs 363 kB), the same size as the old adaptive-filter level-6 output;
 * figure.png is small beside the other outputs, the time is not.
 */
const ZLIB_LEVEL = 1;

/**
 * Filter rows of `px` (8-bit RGBA, `stride` bytes a row) into `raw` (a
 * filter-type byte, then the row), all rows with filter `f`. Stores into the
 * Uint8Array wrap modulo 256, as the spec's byte arithmetic does; outside the
 * image a, b and c are 0, so row 0 and the first pixel of a row are special.
 */
function filterRows(f: PngFilter, px: Uint8Array, raw: Uint8Array, stride: number, height: number): void {
  const bpp = 4;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const up = row - stride;
    const o = y * (stride + 1) + 1;
    raw[o - 1] = f;
    if (f === 0 || (f === 2 && y === 0)) {
      raw.set(px.subarray(row, row + stride), o);
    } else if (f === 1 || (f === 4 && y === 0)) {
      // Paeth with b = c = 0 predicts a: the same as Sub.
      for (let i = 0; i < bpp; i++) raw[o + i] = px[row + i];
      for (let i = bpp; i < stride; i++) raw[o + i] = px[row + i] - px[row + i - bpp];
    } else if (f === 2) {
      for (let i = 0; i < stride; i++) raw[o + i] = px[row + i] - px[up + i];
    } else if (f === 3) {
      if (y === 0) {
        for (let i = 0; i < bpp; i++) raw[o + i] = px[row + i];
        for (let i = bpp; i < stride; i++) raw[o + i] = px[row + i] - (px[row + i - bpp] >> 1);
      } else {
        for (let i = 0; i < bpp; i++) raw[o + i] = px[row + i] - (px[up + i] >> 1);
        for (let i = bpp; i < stride; i++) raw[o + i] = px[row + i] - ((px[row + i - bpp] + px[up + i]) >> 1);
      }
    } else if (f === 4) {
      // Paeth with a = c = 0 predicts b: the same as Up for the first pixel.
      for (let i = 0; i < bpp; i++) raw[o + i] = px[row + i] - px[up + i];
      for (let i = bpp; i < stride; i++) {
        const a = px[row + i - bpp];
        const b = px[up + i];
        const c = px[up + i - bpp];
        // |p−a|, |p−b|, |p−c| with p = a + b − c, ties broken a, b, c.
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - c - c);
        raw[o + i] = px[row + i] - (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
    } else {
      throw new SpecmapError('ARG', `unknown PNG filter ${f}`);
    }
  }
}

/**
 * Encode an 8-bit RGBA image (width·height·4 bytes, top row first) as PNG.
 * Every row uses one filter, None unless `options.filter` says otherwise:
 * specmap's images (flat fills, text, lines, colour-mapped maps) compress
 * best unfiltered, since deflate then matches whole repeated pixels —
 * measured at zlib level 1 on the 1396×746 analyze figure: None 458 kB, Up
 * 533 kB, Paeth 531 kB, Sub 542 kB, the old per-row adaptive choice 453 kB at
 * level 6 for 12× the time. Output is deterministic (fixed filter and level).
 */
export function encodePng(width: number, height: number, rgba: Uint8Array, options: EncodePngOptions = {}): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new SpecmapError('SHAPE', `invalid PNG size ${width}×${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new SpecmapError('SHAPE', `PNG pixel buffer has ${rgba.length} bytes, ${width}×${height}×4 = ${width * height * 4} expected`);
  }
  const stride = width * 4;
  const raw = new Uint8Array((stride + 1) * height);
  filterRows(options.filter ?? 0, rgba, raw, stride, height);
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // filter method 0 (a filter-type byte per row)
  ihdr[12] = 0; // no interlace
  const parts: Uint8Array[] = [PNG_SIGNATURE, chunk('IHDR', ihdr)];
  if (options.dpi !== undefined) {
    if (!(options.dpi > 0) || !Number.isFinite(options.dpi)) throw new SpecmapError('ARG', `invalid PNG resolution ${options.dpi} dpi`);
    const phys = new Uint8Array(9);
    const pv = new DataView(phys.buffer);
    pv.setUint32(0, dpiToPixelsPerMetre(options.dpi));
    pv.setUint32(4, dpiToPixelsPerMetre(options.dpi));
    phys[8] = 1; // unit: metre
    parts.push(chunk('pHYs', phys));
  }
  for (const [key, value] of Object.entries(options.text ?? {})) {
    const kv = `${key}\0${value}`;
    const bytes = new Uint8Array(kv.length);
    for (let i = 0; i < kv.length; i++) bytes[i] = kv.charCodeAt(i) & 0xff;
    parts.push(chunk('tEXt', bytes));
  }
  const z = zlib.deflateSync(raw, { level: ZLIB_LEVEL });
  parts.push(chunk('IDAT', new Uint8Array(z.buffer, z.byteOffset, z.byteLength)));
  parts.push(chunk('IEND', new Uint8Array(0)));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  data: Uint8Array;
  /** tEXt chunks. */
  text: Record<string, string>;
  /** Chunk types in file order. */
  chunks: string[];
}

/**
 * Decode an 8-bit RGBA or RGB, non-interlaced PNG; checks the signature and
 * every chunk's CRC.
 */
export function decodePng(png: Uint8Array): DecodedPng {
  for (let i = 0; i < 8; i++) {
    if (png[i] !== PNG_SIGNATURE[i]) throw new SpecmapError('FORMAT', 'not a PNG: bad signature');
  }
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let o = 8;
  let width = 0;
  let height = 0;
  let channels = 4;
  const idat: Uint8Array[] = [];
  const text: Record<string, string> = {};
  const chunks: string[] = [];
  while (o < png.length) {
    if (o + 12 > png.length) throw new SpecmapError('FORMAT', `PNG truncated at byte ${o}`);
    const len = dv.getUint32(o);
    const type = String.fromCharCode(png[o + 4], png[o + 5], png[o + 6], png[o + 7]);
    if (o + 12 + len > png.length) throw new SpecmapError('FORMAT', `PNG chunk ${type} truncated`);
    const crc = dv.getUint32(o + 8 + len);
    if (crc32(png, o + 4, o + 8 + len) !== crc) throw new SpecmapError('FORMAT', `PNG chunk ${type} has a bad CRC`);
    const data = png.subarray(o + 8, o + 8 + len);
    chunks.push(type);
    if (type === 'IHDR') {
      width = dv.getUint32(o + 8);
      height = dv.getUint32(o + 12);
      const depth = data[8];
      const ctype = data[9];
      if (depth !== 8 || (ctype !== 6 && ctype !== 2) || data[12] !== 0) {
        throw new SpecmapError('FORMAT', `unsupported PNG (bit depth ${depth}, colour type ${ctype}, interlace ${data[12]})`);
      }
      channels = ctype === 6 ? 4 : 3;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'tEXt') {
      const z = data.indexOf(0);
      const s = (a: Uint8Array) => String.fromCharCode(...a);
      text[s(data.subarray(0, z))] = s(data.subarray(z + 1));
    } else if (type === 'IEND') {
      break;
    }
    o += 12 + len;
  }
  if (chunks[0] !== 'IHDR' || chunks[chunks.length - 1] !== 'IEND') throw new SpecmapError('FORMAT', 'PNG must start with IHDR and end with IEND');
  const raw = new Uint8Array(zlib.inflateSync(Buffer.concat(idat)));
  const bpp = channels;
  const stride = width * bpp;
  if (raw.length !== (stride + 1) * height) throw new SpecmapError('FORMAT', `PNG image data has ${raw.length} bytes, ${(stride + 1) * height} expected`);
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? px[row + i - bpp] : 0;
      const b = y > 0 ? px[row - stride + i] : 0;
      const c = y > 0 && i >= bpp ? px[row - stride + i - bpp] : 0;
      const x = raw[src + i];
      let v: number;
      switch (f) {
        case 0: v = x; break;
        case 1: v = x + a; break;
        case 2: v = x + b; break;
        case 3: v = x + ((a + b) >> 1); break;
        case 4: v = x + paeth(a, b, c); break;
        default: throw new SpecmapError('FORMAT', `PNG row ${y} has unknown filter ${f}`);
      }
      px[row + i] = v & 0xff;
    }
  }
  let data = px;
  if (channels === 3) {
    data = new Uint8Array(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      data[p * 4] = px[p * 3];
      data[p * 4 + 1] = px[p * 3 + 1];
      data[p * 4 + 2] = px[p * 3 + 2];
      data[p * 4 + 3] = 255;
    }
  }
  return { width, height, data, text, chunks };
}
