import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, describe } from 'node:test';
import { interpolate, opticalDensity, type SpectralStack } from '@specmap/core';
import { readStack, readSpectrum } from '../src';
import { SHARED_ALIGNED, STXM_DIR, STXM_HDR, assertSpecmapError, python } from './helpers';

function tinyStack(values: number[], width: number, height: number, energies: number[]): SpectralStack {
  return {
    data: Float32Array.from(values),
    energies: Float64Array.from(energies),
    width,
    height,
    metadata: { quantity: 'transmitted intensity (counts)', steps: [{ name: 'earlier', parameters: { a: 1 } }] },
  };
}

describe('interpolate', () => {
  test('agrees with numpy.interp on random data (increasing, decreasing and unsorted x)', () => {
    const out = python(`
import numpy as np, json
rng = np.random.default_rng(7)
x = np.sort(rng.uniform(700, 730, 40)); y = rng.normal(size=40)
xn = np.concatenate([rng.uniform(x[0], x[-1], 60), x[[0, 5, 39]]])
print(json.dumps({'x': x.tolist(), 'y': y.tolist(), 'xn': xn.tolist(), 'ref': np.interp(xn, x, y).tolist()}))`);
    const { x, y, xn, ref } = JSON.parse(out) as Record<string, number[]>;
    const perm = x.map((_, i) => (i * 17) % x.length); // a permutation (17 and 40 are coprime)
    for (const [xs, ys] of [
      [x, y],
      [[...x].reverse(), [...y].reverse()],
      [perm.map((i) => x[i]), perm.map((i) => y[i])],
    ]) {
      const got = interpolate(xs, ys, xn);
      for (let j = 0; j < xn.length; j++) assert.ok(Math.abs(got[j] - ref[j]) <= 1e-12, `point ${j}: ${got[j]} vs ${ref[j]}`);
    }
    // Exact at sample points.
    const got = interpolate(x, y, x);
    for (let i = 0; i < x.length; i++) assert.equal(got[i], y[i]);
  });

  test('by hand: midpoint and range errors naming both ranges', () => {
    assert.deepEqual(Array.from(interpolate([1, 3], [10, 30], [2, 1, 3, 2.5])), [20, 10, 30, 25]);
    const e = assertSpecmapError(() => interpolate([700, 720], [1, 2], [699, 710]), 'ENERGY_RANGE', ['699', '[700, 720]', '[699, 710]']);
    assert.ok(e.message.length > 0);
    assertSpecmapError(() => interpolate([700, 720], [1, 2], [710, 730.4]), 'ENERGY_RANGE', ['730.4', '[700, 720]']);
    assertSpecmapError(() => interpolate([1, 2, 2], [1, 2, 3], [1.5]), 'ENERGY_DUPLICATE', ['2']);
    assertSpecmapError(() => interpolate([1, 2], [1, NaN], [1.5]), 'NAN', ['2']);
    assertSpecmapError(() => interpolate([1, 2], [1], [1.5]), 'SHAPE', ['2 energies', '1 values']);
  });
});

describe('opticalDensity', () => {
  test('real stack: OD = −ln(I/I0) for every value, against the converted cube and its I0 (independent)', () => {
    const stack = readStack(STXM_HDR);
    const i0 = readSpectrum(path.join(STXM_DIR, 'i0.xsp'));
    const data = stack.data;
    const out = opticalDensity(stack, i0);
    assert.equal(out, stack, 'returns the same (consumed) stack object');
    assert.equal(out.data, data, 'converted in place, no copy of the cube');
    assert.equal(out.metadata.quantity, 'optical density');
    const steps = out.metadata.steps!;
    assert.equal(steps.length, 1);
    assert.equal(steps[0].name, 'optical-density');
    assert.equal(steps[0].parameters.i0, 'i0.xsp');
    assert.equal(steps[0].parameters.i0Interpolated, false);

    // Independent reference: the converted raw cube and the I0 column of its JSON.
    const meta = JSON.parse(fs.readFileSync(path.join(SHARED_ALIGNED, '71214078_aligned_yxE_float32le.json'), 'utf8'));
    const i0Ref = (meta.i0_eV_counts as number[][]).map((r) => r[1]);
    const raw = fs.readFileSync(path.join(SHARED_ALIGNED, '71214078_aligned_yxE_float32le.raw'));
    let maxDiff = 0;
    for (let i = 0; i < out.data.length; i++) {
      const I = raw.readFloatLE(i * 4);
      const od = -Math.log(I / i0Ref[i % 123]);
      maxDiff = Math.max(maxDiff, Math.abs(out.data[i] - od));
    }
    assert.ok(maxDiff < 2e-6, `max |OD diff| = ${maxDiff}`);
    // One pixel spelled out: (x=60, y=70), channel 40 (709.464 eV).
    const p = (70 * 125 + 60) * 123 + 40;
    assert.ok(Math.abs(out.data[p] - -Math.log(raw.readFloatLE(p * 4) / i0Ref[40])) < 1e-6);
  });

  test('I0 on another grid is interpolated; step records it', () => {
    const s = tinyStack([10, 20, 40, 5, 5, 5], 2, 1, [1, 2, 3]);
    opticalDensity(s, { name: 'flux', energies: [0, 4], values: [100, 100 + 4 * 10] });
    const i0 = [110, 120, 130];
    const I = [10, 20, 40, 5, 5, 5];
    I.forEach((v, i) => assert.ok(Math.abs(s.data[i] - -Math.log(v / i0[i % 3])) < 1e-6));
    assert.deepEqual(s.metadata.steps!.map((st) => st.name), ['earlier', 'optical-density']);
    assert.equal(s.metadata.steps![1].parameters.i0Interpolated, true);
    assert.equal(s.metadata.steps![1].parameters.i0, 'flux');
  });

  test('I ≤ 0 → error naming pixel and channel, stack left unchanged', () => {
    const s = tinyStack([10, 20, 30, 40, 0, 60], 2, 1, [1, 2, 3]);
    assertSpecmapError(() => opticalDensity(s, { energies: [1, 3], values: [100, 100] }), 'I_NONPOSITIVE', ['x=1, y=0', 'channel 1']);
    assert.deepEqual(Array.from(s.data), [10, 20, 30, 40, 0, 60]);
    assert.equal(s.metadata.quantity, 'transmitted intensity (counts)');
    const neg = tinyStack([10, -1], 1, 1, [1, 2]);
    assertSpecmapError(() => opticalDensity(neg, { energies: [1, 2], values: [1, 1] }), 'I_NONPOSITIVE', ['x=0, y=0', 'channel 1']);
  });

  test('I0 ≤ 0 and I0 not covering the stack energies', () => {
    const s = tinyStack([1, 2, 3], 1, 1, [1, 2, 3]);
    assertSpecmapError(() => opticalDensity(s, { name: 'i0.xsp', energies: [1, 2, 3], values: [5, 0, 5] }), 'I0_NONPOSITIVE', ['i0.xsp', 'channel 1', '2 eV']);
    assertSpecmapError(() => opticalDensity(s, { name: 'i0.xsp', energies: [1.5, 3], values: [5, 5] }), 'ENERGY_RANGE', ['i0.xsp', '[1.5, 3]']);
    assert.deepEqual(Array.from(s.data), [1, 2, 3]);
  });
});
