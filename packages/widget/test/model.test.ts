import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalysisResult } from '@specmap/core';
import { colormap, colorAt } from '../src/colormap';
import {
  displayRange,
  fmt,
  mapRgba,
  mapScale,
  measuredIndex,
  percentile,
  pixelModel,
  referenceMatches,
  scaleToMax1,
  validateResult,
} from '../src/model';
import { syntheticResult } from './synthetic';

function tiny(method: 'nmf' | 'pca' = 'nmf'): AnalysisResult {
  // 3×2 map, k = 2, m = 4; pixel (x, y) weights = [x + 1, y + 2].
  const width = 3;
  const height = 2;
  const k = 2;
  const weights = new Float32Array(width * height * k);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      weights[(y * width + x) * k] = x + 1;
      weights[(y * width + x) * k + 1] = y + 2;
    }
  }
  return {
    method,
    k,
    width,
    height,
    energies: Float64Array.from([700, 705, 710, 715]),
    weights,
    components: Float64Array.from([1, 2, 3, 4, 0.5, 0, -0.5, 1]),
    mean: method === 'pca' ? Float64Array.from([10, 20, 30, 40]) : undefined,
    parameters: {},
    iterations: 3,
    converged: true,
    warnings: [],
    provenance: { inputSha256: '', specmapVersion: '0', seed: null, date: '', steps: [], versions: {} },
  };
}

test('percentile matches numpy linear interpolation and skips non-finite values', () => {
  const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(v, 0), 1);
  assert.equal(percentile(v, 100), 10);
  assert.equal(percentile(v, 50), 5.5);
  assert.ok(Math.abs(percentile(v, 1) - 1.09) < 1e-12); // numpy.percentile(arange(1,11), 1) = 1.09
  assert.ok(Math.abs(percentile(v, 99) - 9.91) < 1e-12);
  assert.equal(percentile([NaN, 3, Infinity, 1], 100), 3);
  assert.ok(Number.isNaN(percentile([NaN], 50)));
});

test('NMF display range is the 1–99th percentile; PCA is symmetric about 0', () => {
  const v = Array.from({ length: 101 }, (_, i) => i); // 0..100
  const nmf = displayRange(v, 'nmf');
  assert.equal(nmf.colormap, 'viridis');
  assert.ok(Math.abs(nmf.lo - 1) < 1e-12 && Math.abs(nmf.hi - 99) < 1e-12);
  assert.equal(nmf.min, 0);
  assert.equal(nmf.max, 100);
  const signed = Array.from({ length: 101 }, (_, i) => i - 30); // −30..70
  const pca = displayRange(signed, 'pca');
  assert.equal(pca.colormap, 'diverging');
  assert.ok(Math.abs(pca.hi - 69) < 1e-12, `hi ${pca.hi}`);
  assert.equal(pca.lo, -pca.hi);
  // Constant maps still get a non-empty range.
  const c = displayRange([2, 2, 2], 'nmf');
  assert.ok(c.hi > c.lo && c.lo < 2 && c.hi > 2);
});

test('map colours: viridis ends, white at 0 for PCA, grey for NaN', () => {
  const lut = colormap('viridis');
  assert.deepEqual([lut[0], lut[1], lut[2]], [68, 1, 84]); // #440154
  assert.deepEqual([lut[765], lut[766], lut[767]], [253, 231, 37]); // #fde725
  assert.deepEqual([lut[384], lut[385], lut[386]], [33, 145, 140]); // viridis(0.5) = #21918c
  const rgba = mapRgba([-1, 0, 1, NaN], { lo: -1, hi: 1, min: -1, max: 1, colormap: 'diverging' });
  assert.deepEqual(Array.from(rgba.slice(0, 4)), [5, 48, 97, 255]); // dark blue
  const mid = Array.from(rgba.slice(4, 8));
  assert.ok(mid[0] > 240 && mid[1] > 240 && mid[2] > 240, `0 should be white-ish, got ${mid}`);
  assert.deepEqual(Array.from(rgba.slice(8, 12)), [103, 0, 31, 255]); // dark red
  assert.deepEqual(Array.from(rgba.slice(12, 16)), [128, 128, 128, 255]);
  assert.equal(colorAt('viridis', 0), 'rgb(68, 1, 84)');
});

test('map scale is an integer giving ~256 px for the longer side', () => {
  assert.equal(mapScale(125, 125), 2);
  assert.equal(mapScale(10, 8), 26);
  assert.equal(mapScale(1000, 500), 1);
});

test('pixel reconstruction is Σ w·c (NMF) and mean + Σ w·c (PCA)', () => {
  const r = tiny('nmf');
  const p = pixelModel(r, 2, 1); // w = [3, 3]
  assert.deepEqual(p.weights, [3, 3]);
  assert.deepEqual(Array.from(p.contributions[0]), [3, 6, 9, 12]);
  assert.deepEqual(Array.from(p.contributions[1]), [1.5, 0, -1.5, 3]);
  assert.deepEqual(Array.from(p.reconstruction), [4.5, 6, 7.5, 15]);
  assert.equal(p.measured, null);
  const q = pixelModel(tiny('pca'), 0, 0); // w = [1, 2]
  assert.deepEqual(Array.from(q.reconstruction), [10 + 1 + 1, 20 + 2 + 0, 30 + 3 - 1, 40 + 4 + 2]);
  assert.throws(() => pixelModel(r, 3, 0), RangeError);
});

test('measured spectra: binned lookup and RMS residual', () => {
  const r = syntheticResult({ width: 10, height: 7, m: 20, binning: 3 });
  assert.equal(r.measured!.width, 4);
  assert.equal(r.measured!.height, 3);
  assert.deepEqual(measuredIndex(r, 0, 0), { bx: 0, by: 0 });
  assert.deepEqual(measuredIndex(r, 8, 6), { bx: 2, by: 2 });
  assert.deepEqual(measuredIndex(r, 9, 6), { bx: 3, by: 2 });
  const p = pixelModel(r, 9, 6);
  const m = r.energies.length;
  assert.deepEqual(Array.from(p.measured!.values), Array.from(r.measured!.data.subarray((2 * 4 + 3) * m, (2 * 4 + 4) * m)));
  assert.equal(p.rmsResidual, null, 'no residual for binned spectra');
  const u = syntheticResult({ width: 10, height: 7, m: 20, binning: 1 });
  const pu = pixelModel(u, 4, 3);
  assert.ok(pu.rmsResidual !== null && pu.rmsResidual > 0 && pu.rmsResidual < 0.05, `rms ${pu.rmsResidual}`);
});

test('reference matching picks the best component (|r| for PCA)', () => {
  const r = syntheticResult({ width: 6, height: 5, m: 60 });
  const m = referenceMatches(r);
  assert.equal(m.length, 2);
  assert.equal(m[0].component, 0); // siderite ↔ Fe2+ component
  assert.equal(m[1].component, 1); // hematite ↔ Fe3+ component
  assert.ok(m[0].r > 0.95 && m[1].r > 0.95);
  const t = tiny('pca');
  t.references = { spectra: [{ name: 'a', values: Float64Array.from([1, 2, 3, 4]) }], pearson: Float64Array.from([0.5, -0.9]) };
  assert.deepEqual(
    referenceMatches(t).map((x) => [x.component, x.r]),
    [[1, -0.9]],
  );
  t.method = 'nmf';
  assert.deepEqual(
    referenceMatches(t).map((x) => [x.component, x.r]),
    [[0, 0.5]],
  );
});

test('scaleToMax1 and number formatting', () => {
  assert.deepEqual(Array.from(scaleToMax1([1, -4, 2])), [0.25, -1, 0.5]);
  assert.deepEqual(Array.from(scaleToMax1([0, 0])), [0, 0]);
  assert.equal(fmt(0.123456), '0.123');
  assert.equal(fmt(-2.5), '−2.5');
  assert.equal(fmt(1234.5), '1235');
  assert.equal(fmt(-0.00001234), '−1.23e−5');
  assert.equal(fmt(123456), '1.23e5');
  assert.equal(fmt(0.00001234), '1.23e−5');
  assert.equal(fmt(0), '0');
  assert.equal(fmt(NaN), 'NaN');
});

test('validateResult names the inconsistent array', () => {
  const r = tiny();
  assert.doesNotThrow(() => validateResult(r));
  assert.throws(() => validateResult({ ...r, weights: new Float32Array(5) }), /weights has 5 values, expected 6×2 = 12/);
  assert.throws(() => validateResult({ ...r, components: new Float64Array(3) }), /components has 3 values/);
  assert.throws(
    () => validateResult({ ...r, measured: { data: new Float32Array(7), width: 3, height: 2, binning: 1 } }),
    /measured has 7 values/,
  );
});
