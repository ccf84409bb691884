import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, maskCount, npyBytes, regionMask, regionMean, spectraCsv } from '../src/regions';
import { compositeRgba, labelRgba } from '../src/images';
import { displayRange, sortedFinite, percentilesOfSorted, percentiles } from '../src/model';
import { syntheticResult } from './synthetic';

test('rectangle and polygon masks: pixel centres inside', () => {
  const rect = regionMask({ name: 'r', kind: 'rect', points: [[2, 1], [5, 3]] }, 8, 6);
  assert.equal(maskCount(rect), 3 * 2);
  assert.equal(rect[1 * 8 + 2], 1);
  assert.equal(rect[1 * 8 + 5], 0);
  const tri = regionMask({ name: 't', kind: 'polygon', points: [[0, 0], [8, 0], [0, 8]] }, 8, 8);
  // Centres (x+.5, y+.5) with x+y+1 < 8.
  let want = 0;
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) if (x + y + 1 < 8) want++;
  assert.equal(maskCount(tri), want);
});

test('region mean is the mean (not the sum) of measured spectra and reconstructions', () => {
  const r = syntheticResult({ width: 12, height: 10, m: 20, binning: 1 });
  const mask = regionMask({ name: 'r', kind: 'rect', points: [[1, 1], [4, 3]] }, r.width, r.height);
  const g = regionMean(r, mask);
  assert.equal(g.count, 6);
  const m = r.energies.length;
  let s = 0;
  for (let y = 1; y < 3; y++) for (let x = 1; x < 4; x++) s += r.measured!.data[(y * r.width + x) * m + 7];
  assert.ok(Math.abs(g.measured![7] - s / 6) < 1e-9);
});

test('npy header and csv quoting', () => {
  const b = npyBytes(new Uint8Array([1, 0, 1, 1, 0, 0]), [2, 3]);
  assert.equal(String.fromCharCode(...b.subarray(1, 6)), 'NUMPY');
  const hl = b[8] | (b[9] << 8);
  assert.equal((10 + hl) % 64, 0);
  assert.match(String.fromCharCode(...b.subarray(10, 10 + hl)), /'shape': \(2, 3\)/);
  assert.deepEqual(Array.from(b.subarray(10 + hl)), [1, 0, 1, 1, 0, 0]);
  assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(spectraCsv([1, 2], [{ name: 'a,b', values: [0.5, NaN] }]), 'energy_eV,"a,b"\n1,0.5\n2,\n');
});

test('composite: pure component in its colour, empty pixel black; labels coloured, -1 transparent', () => {
  const r = syntheticResult({ width: 4, height: 1, m: 10 });
  r.weights = new Float32Array([1, 0, 0, 1, 0, 0, 0.5, 0.5]);
  const ranges = [0, 1].map(() => displayRange([0, 1], 'nmf', 0, 100));
  const px = compositeRgba(r, [0, 1], ranges);
  assert.deepEqual(Array.from(px.subarray(0, 4)), [0x4c, 0x78, 0xa8, 255]);
  assert.deepEqual(Array.from(px.subarray(8, 12)), [0, 0, 0, 255]);
  const { rgba, counts } = labelRgba(new Int32Array([0, -1, 1]));
  assert.equal(rgba[7], 0);
  assert.equal(counts.get(-1), 1);
});

test('sampled contrast keeps the exact extremes and close percentiles', () => {
  const v = new Float32Array(300000).map((_, i) => (i * 7919) % 300000);
  const s = sortedFinite(v, 1 << 16);
  assert.equal(s[0], 0);
  assert.equal(s[s.length - 1], 299999);
  const [p99] = percentilesOfSorted(s, [99]);
  assert.ok(Math.abs(p99 - percentiles(v, [99])[0]) < 300 * 5);
});
