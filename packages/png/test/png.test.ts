import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { AnalysisResult } from '@specmap/core';
import {
  Raster,
  encodePng,
  decodePng,
  crc32,
  colormap,
  colormapInto,
  VIRIDIS,
  renderResultPng,
  renderFigure,
  percentile,
  niceTicks,
  formatTick,
  formatValue,
  mapScaling,
  weightColor,
  componentColor,
  defaultMapScale,
} from '../src/index';
import { tableCrc32 } from '../src/png';
import { nmfResult, pcaResult, energyGrid, provenance } from '../../arrow/test/fixtures';

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('encodePng: signature, IHDR, chunk CRCs, pixels round-trip', () => {
  const w = 7;
  const h = 5;
  const px = new Uint8Array(w * h * 4).map((_, i) => (i * 37 + (i >> 3)) & 255);
  const png = encodePng(w, h, px, { text: { Software: 'specmap' } });
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const dv = new DataView(png.buffer, png.byteOffset);
  assert.equal(dv.getUint32(8), 13, 'IHDR length');
  assert.equal(String.fromCharCode(...png.subarray(12, 16)), 'IHDR');
  assert.equal(dv.getUint32(16), w);
  assert.equal(dv.getUint32(20), h);
  assert.deepEqual([...png.subarray(24, 29)], [8, 6, 0, 0, 0]);
  // Walk the chunks ourselves and check every CRC.
  let o = 8;
  const types: string[] = [];
  const idat: Uint8Array[] = [];
  while (o < png.length) {
    const len = dv.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    types.push(type);
    assert.equal(dv.getUint32(o + 8 + len), crc32(png.subarray(o + 4, o + 8 + len)), `CRC of ${type}`);
    if (type === 'IDAT') idat.push(png.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  assert.equal(o, png.length);
  assert.deepEqual(types, ['IHDR', 'tEXt', 'IDAT', 'IEND']);
  const raw = inflateSync(Buffer.concat(idat));
  assert.equal(raw.length, h * (w * 4 + 1));
  const dec = decodePng(png);
  assert.equal(dec.width, w);
  assert.equal(dec.height, h);
  assert.deepEqual(dec.data, px);
  assert.equal(dec.text.Software, 'specmap');
  // A flipped bit is caught.
  const bad = png.slice();
  bad[40] ^= 1;
  assert.throws(() => decodePng(bad), { name: 'SpecmapError' });
  assert.throws(() => encodePng(2, 2, new Uint8Array(3)), { name: 'SpecmapError', code: 'SHAPE' });
});

test('colormaps: viridis ends, diverging centre, gray', () => {
  assert.equal(VIRIDIS.length, 256);
  assert.deepEqual(colormap('viridis', 0), [0x44, 0x01, 0x54]);
  assert.deepEqual(colormap('viridis', 1), [0xfd, 0xe7, 0x25]);
  assert.deepEqual(colormap('viridis', 0.5), [0x21, 0x91, 0x8c]); // entry 128
  assert.deepEqual(colormap('diverging', 0.5), [0xf7, 0xf7, 0xf7]);
  assert.deepEqual(colormap('diverging', 0), [0x05, 0x30, 0x61]);
  assert.deepEqual(colormap('diverging', 1), [0x67, 0x00, 0x1f]);
  assert.deepEqual(colormap('gray', 1), [255, 255, 255]);
  assert.deepEqual(colormap('viridis', 2), colormap('viridis', 1), 'clamped');
  assert.equal(colormap('viridis', NaN), null);
});

test('raster: fillRect, line, text', () => {
  const r = new Raster(40, 20);
  r.fillRect(2, 3, 4, 2, [255, 0, 0]);
  assert.deepEqual(r.getPixel(2, 3), [255, 0, 0, 255]);
  assert.deepEqual(r.getPixel(5, 4), [255, 0, 0, 255]);
  assert.deepEqual(r.getPixel(6, 4), [255, 255, 255, 255]);
  r.line(10.5, 10.5, 30.5, 10.5, [0, 0, 0], { width: 1 });
  assert.deepEqual(r.getPixel(20, 10), [0, 0, 0, 255]);
  assert.deepEqual(r.getPixel(20, 12), [255, 255, 255, 255]);
  const t = new Raster(20, 12);
  const w = t.text(1, 1, 'E1', [0, 0, 0]);
  assert.equal(w, 11);
  // 'E' has a full vertical stroke in its first column, rows 0-6.
  for (let y = 1; y < 8; y++) assert.deepEqual(t.getPixel(1, y), [0, 0, 0, 255]);
  assert.deepEqual(t.getPixel(1, 8), [255, 255, 255, 255]);
  // top bar of 'E' spans 5 columns
  for (let x = 1; x < 6; x++) assert.deepEqual(t.getPixel(x, 1), [0, 0, 0, 255]);
});

test('axis helpers', () => {
  assert.equal(percentile([5, 1, 2, 3, 4], 50), 3);
  assert.equal(percentile([0, 10], 25), 2.5);
  assert.equal(percentile([1, NaN, 3], 100), 3);
  assert.deepEqual(niceTicks(700, 725, 10, [1, 2, 5]).ticks, [700, 705, 710, 715, 720, 725]);
  assert.deepEqual(niceTicks(-0.4, 0.6, 8).ticks, [-0.4, -0.2, 0, 0.2, 0.4, 0.6]);
  assert.equal(formatTick(707.5, 2.5), '707.5');
  assert.equal(formatTick(710, 5), '710');
  assert.equal(formatTick(0.2, 0.2), '0.2');
  assert.equal(formatValue(6.57e-3), '6.57e-3');
  assert.equal(formatValue(0.8761), '0.876');
  assert.equal(defaultMapScale(125, 125), 2);
  assert.equal(defaultMapScale(13, 9), 19);
  assert.equal(defaultMapScale(500, 250), 0.5);
});

/** 10×6 map: c0 = x/9 (0..1), c1 = (y - 2.5)/2.5 (signed). */
function rampResult(method: 'pca' | 'nmf'): AnalysisResult {
  const width = 10;
  const height = 6;
  const k = 2;
  const m = 20;
  const weights = new Float32Array(width * height * k);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      weights[(y * width + x) * k] = x / 9;
      weights[(y * width + x) * k + 1] = (y - 2.5) / 2.5;
    }
  }
  const energies = energyGrid(m, 705, 715);
  const components = new Float64Array(k * m).map((_, i) => Math.sin(i / 3));
  return {
    method, k, width, height, energies, weights, components,
    parameters: {}, iterations: 10, converged: true, warnings: [], provenance: provenance(),
  };
}

function mapPixel(layout: { maps: { x: number; y: number }[]; mapScale: number }, c: number, x: number, y: number) {
  const s = layout.mapScale;
  const b = layout.maps[c];
  return [b.x + Math.floor((x + 0.5) * s), b.y + Math.floor((y + 0.5) * s)] as const;
}

test('NMF map pixels have the expected viridis colours (p1–p99 contrast)', () => {
  const r = rampResult('nmf');
  const { raster, layout } = renderFigure(r);
  assert.equal(layout.mapScale, 25);
  assert.equal(layout.maps[0].width, 250);
  assert.equal(layout.maps[0].height, 150);
  // x = 0 is below p1 → first viridis colour; x = 9 above p99 → last.
  assert.deepEqual(raster.getPixel(...mapPixel(layout, 0, 0, 3)), [0x44, 0x01, 0x54, 255]);
  assert.deepEqual(raster.getPixel(...mapPixel(layout, 0, 9, 3)), [0xfd, 0xe7, 0x25, 255]);
  // an interior value maps through the same scaling
  const col = Array.from({ length: 60 }, (_, p) => r.weights[p * 2]);
  const s = mapScaling('nmf', col);
  assert.ok(Math.abs(s.lo - percentile(col, 1)) < 1e-12 && Math.abs(s.hi - percentile(col, 99)) < 1e-12);
  const t = (r.weights[(2 * 10 + 4) * 2] - s.lo) / (s.hi - s.lo);
  assert.deepEqual(raster.getPixel(...mapPixel(layout, 0, 4, 2)), [...colormap('viridis', t)!, 255]);
  // the colour bar's top is the top of the colormap
  const bar = layout.colorbars[0];
  assert.deepEqual(raster.getPixel(bar.x + 2, bar.y), [0xfd, 0xe7, 0x25, 255]);
  assert.deepEqual(raster.getPixel(bar.x + 2, bar.y + bar.height - 1), [0x44, 0x01, 0x54, 255]);
});

test('PCA maps use the diverging map centred on zero', () => {
  const r = rampResult('pca');
  r.weights[(0 * 10 + 5) * 2 + 1] = 0; // pixel (5, 0) of c1 exactly zero
  const { raster, layout } = renderFigure(r);
  assert.deepEqual(raster.getPixel(...mapPixel(layout, 1, 5, 0)), [0xf7, 0xf7, 0xf7, 255], 'zero is the neutral colour');
  const low = raster.getPixel(...mapPixel(layout, 1, 1, 0)); // value -1 → deep blue end
  assert.deepEqual(low, [0x05, 0x30, 0x61, 255]);
  const high = raster.getPixel(...mapPixel(layout, 1, 1, 5)); // value +1 → deep red end
  assert.deepEqual(high, [0x67, 0x00, 0x1f, 255]);
});

test('colormapInto writes what colormap returns, without allocating a colour', () => {
  const out = new Uint8Array(5).fill(7);
  for (const name of ['viridis', 'diverging', 'gray'] as const) {
    for (let i = -10; i <= 1010; i++) {
      const t = i / 1000;
      assert.equal(colormapInto(name, t, out, 1), true);
      assert.deepEqual([...out.subarray(1, 4)], colormap(name, t), `${name} ${t}`);
    }
    out.fill(7);
    assert.equal(colormapInto(name, NaN, out, 1), false);
    assert.deepEqual([...out], [7, 7, 7, 7, 7], 'NaN leaves out untouched');
  }
});

test('map pixels = weightColor of the nearest weight, down- and up-scaled, NaN gray', () => {
  for (const [w, h, method] of [[300, 170, 'nmf'], [23, 11, 'pca'], [1, 1, 'nmf']] as const) {
    const k = 3;
    const weights = new Float32Array(w * h * k).map((_, i) => Math.sin(i * 0.37) * (method === 'pca' ? 1 : 0.5) + (method === 'pca' ? 0 : 0.6));
    for (let p = 0; p < w * h; p += 7) weights[p * k + 1] = NaN;
    const r: AnalysisResult = { ...rampResult(method), width: w, height: h, k, weights, components: new Float64Array(k * 20).map((_, i) => Math.cos(i)) };
    const { raster, layout } = renderFigure(r);
    for (let c = 0; c < k; c++) {
      const col = Array.from({ length: w * h }, (_, p) => weights[p * k + c]);
      const s = mapScaling(method, col);
      // Reference: colour every weight, then Raster.drawImage (nearest neighbour) into a raster of the map's size.
      const rgba = new Uint8Array(w * h * 4);
      col.forEach((v, p) => rgba.set([...weightColor(s, v), 255], p * 4));
      const box = layout.maps[c];
      const ref = new Raster(box.width, box.height);
      ref.drawImage(rgba, w, h, 0, 0, box.width, box.height);
      for (let y = 0; y < box.height; y++) {
        for (let x = 0; x < box.width; x++) {
          const got = raster.getPixel(box.x + x, box.y + y);
          const want = ref.getPixel(x, y);
          if (got.some((v, i) => v !== want[i])) assert.fail(`${w}×${h} map ${c} pixel (${x}, ${y}): ${got} ≠ ${want}`);
        }
      }
    }
  }
});

test('spectra plot draws each component in its colour', () => {
  const r = rampResult('nmf');
  const { raster, layout } = renderFigure(r);
  const found = [false, false];
  for (let y = layout.plot.y; y < layout.plot.y + layout.plot.height; y++) {
    for (let x = layout.plot.x; x < layout.plot.x + layout.plot.width; x++) {
      const p = raster.getPixel(x, y);
      for (let c = 0; c < 2; c++) {
        const cc = componentColor(c);
        if (p[0] === cc[0] && p[1] === cc[1] && p[2] === cc[2]) found[c] = true;
      }
    }
  }
  assert.deepEqual(found, [true, true]);
});

test('renderResultPng: valid PNG, right size, deterministic, decodes to the raster', () => {
  for (const r of [pcaResult(), nmfResult(125, 125, 123)]) {
    const a = renderResultPng(r);
    const b = renderResultPng(r);
    assert.deepEqual(a, b, 'same bytes twice');
    const { raster } = renderFigure(r);
    const dec = decodePng(a);
    assert.equal(dec.width, raster.width);
    assert.equal(dec.height, raster.height);
    assert.ok(Buffer.from(dec.data).equals(Buffer.from(raster.data)), 'IDAT inflates to the drawn pixels');
  }
  const nmf = renderFigure(nmfResult(125, 125, 123)).layout;
  assert.equal(nmf.maps[0].width, 250, 'a 125×125 map is drawn at 250 px');
  assert.throws(() => renderResultPng({ ...pcaResult(), k: 0 }), { name: 'SpecmapError' });
});

test('an independent decoder (python zlib) accepts the PNG', () => {
  const png = renderResultPng(nmfResult());
  const dir = mkdtempSync(join(tmpdir(), 'specmap-png-'));
  const file = join(dir, 'fig.png');
  writeFileSync(file, png);
  const script = `
import struct, sys, zlib
b = open(sys.argv[1], 'rb').read()
assert b[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
o, idat, w, h = 8, b'', 0, 0
while o < len(b):
    (n,) = struct.unpack('>I', b[o:o+4]); t = b[o+4:o+8]; d = b[o+8:o+8+n]
    (crc,) = struct.unpack('>I', b[o+8+n:o+12+n])
    assert zlib.crc32(t + d) & 0xffffffff == crc, t
    if t == b'IHDR': w, h = struct.unpack('>II', d[:8])
    if t == b'IDAT': idat += d
    o += 12 + n
raw = zlib.decompress(idat)
assert len(raw) == h * (w * 4 + 1), (len(raw), w, h)
print(w, h)
`;
  const out = execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' }).trim();
  const dec = decodePng(png);
  assert.equal(out, `${dec.width} ${dec.height}`);
});

/**
 * A decoder written from the PNG spec (§9.2 filters, §9.4 Paeth), independent
 * of decodePng: inflate the IDATs, undo each row's filter. Returns the rows'
 * filter-type bytes too, so a test can see which filter was used.
 */
function specDecode(png: Uint8Array): { width: number; height: number; data: Uint8Array; filters: number[] } {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let o = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  while (o < png.length) {
    const len = dv.getUint32(o);
    const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
    if (type === 'IHDR') {
      width = dv.getUint32(o + 8);
      height = dv.getUint32(o + 12);
      assert.deepEqual([...png.subarray(o + 16, o + 21)], [8, 6, 0, 0, 0], 'RGBA, 8 bit, no interlace');
    }
    if (type === 'IDAT') idat.push(png.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  assert.equal(raw.length, height * (stride + 1));
  const out = new Uint8Array(stride * height);
  const filters: number[] = [];
  // Reconstructed bytes; 0 outside the image, as the spec says.
  const at = (y: number, i: number) => (y < 0 || i < 0 ? 0 : out[y * stride + i]);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    filters.push(f);
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = at(y, i - 4);
      const b = at(y - 1, i);
      const c = at(y - 1, i - 4);
      let pred: number;
      if (f === 0) pred = 0;
      else if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = Math.floor((a + b) / 2);
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`filter ${f}`);
      out[y * stride + i] = (x + pred) % 256;
    }
  }
  return { width, height, data: out, filters };
}

test('encodePng: every filter round-trips random rasters through a spec decoder', () => {
  let seed = 12345;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 24;
  };
  // Noise hits every byte value and Paeth branch; the few-level raster makes
  // ties (pa = pb = pc etc.) and long runs; 1-pixel sizes hit the edges.
  const sizes: Array<[number, number]> = [[1, 1], [1, 7], [9, 1], [13, 11], [64, 33]];
  for (const [w, h] of sizes) {
    const noise = new Uint8Array(w * h * 4).map(() => rnd());
    const levels = new Uint8Array(w * h * 4).map(() => [0, 1, 128, 254, 255][rnd() % 5]);
    for (const px of [noise, levels]) {
      for (const filter of [0, 1, 2, 3, 4] as const) {
        const png = encodePng(w, h, px, { filter });
        const dec = specDecode(png);
        assert.equal(dec.width, w);
        assert.equal(dec.height, h);
        assert.deepEqual(dec.filters, new Array(h).fill(filter), `rows use filter ${filter}`);
        assert.ok(Buffer.from(dec.data).equals(Buffer.from(px)), `${w}×${h} filter ${filter}: pixels round-trip`);
        assert.ok(Buffer.from(decodePng(png).data).equals(Buffer.from(px)), `decodePng agrees (filter ${filter})`);
      }
    }
  }
  // The default is None, and the bytes do not change between calls.
  const px = new Uint8Array(20 * 10 * 4).map(() => rnd());
  const a = encodePng(20, 10, px, { dpi: 300 });
  assert.deepEqual(specDecode(a).filters, new Array(10).fill(0));
  assert.deepEqual(a, encodePng(20, 10, px, { dpi: 300 }));
  assert.throws(() => encodePng(2, 2, new Uint8Array(16), { filter: 5 as 0 }), { name: 'SpecmapError', code: 'ARG' });
});

test('crc32 (native when zlib has it) equals the table loop', () => {
  const b = new Uint8Array(10007).map((_, i) => (Math.imul(i, 2654435761) >>> 24) & 255);
  assert.equal(tableCrc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  for (const [s, e] of [[0, b.length], [3, 4], [5, 5], [17, 9000]]) assert.equal(crc32(b, s, e), tableCrc32(b, s, e), `${s}..${e}`);
});
