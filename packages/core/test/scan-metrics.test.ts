import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chooseScanRun,
  compareWithTruth,
  coverage,
  mapOverlapOf,
  matchedPearson,
  reconstructionMse,
  scaledMapError,
  type ScanCandidate,
} from '../src/scan-metrics';
import { Rng } from '../src/random';
import type { SpectralStack } from '../src/stack';
import { SpecmapError } from '../src/errors';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('map overlap: 0 for disjoint maps, 1 for proportional maps, the mean pair cosine otherwise', () => {
  // 4 pixels, 2 maps
  close(mapOverlapOf(Float32Array.of(1, 0, 2, 0, 0, 3, 0, 1), 4, 2), 0);
  close(mapOverlapOf(Float32Array.of(1, 2, 2, 4, 3, 6, 0, 0), 4, 2), 1, 1e-7);
  close(mapOverlapOf(Float32Array.of(1, 2, 3), 3, 1), 0);
  const rng = new Rng(1);
  const n = 50;
  const k = 3;
  const w = Float64Array.from({ length: n * k }, () => rng.uniform());
  const col = (j: number) => Array.from({ length: n }, (_, p) => w[p * k + j]);
  const cos = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0) / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
  const expected = (cos(col(0), col(1)) + cos(col(0), col(2)) + cos(col(1), col(2))) / 3;
  close(mapOverlapOf(w, n, k), expected, 1e-12);
  assert.throws(() => mapOverlapOf(w, n, 4), (e: unknown) => e instanceof SpecmapError && e.code === 'SHAPE');
});

test('coverage: share of (masked-in) pixels where some map exceeds the threshold × its maximum', () => {
  // maps: j0 max 10, j1 max 2; pixel 0: 10,0 (covered); 1: 0.5,0.1 (0.05, 0.05: not at 0.1); 2: 0,2 (covered); 3: 2,0.1 (0.2: covered)
  const w = Float32Array.of(10, 0, 0.5, 0.1, 0, 2, 2, 0.1);
  close(coverage(w, 4, 2), 0.75);
  close(coverage(w, 4, 2, 0.25), 0.5);
  close(coverage(w, 4, 2, 0.01), 1);
  close(coverage(w, 4, 2, 0.1, Uint8Array.of(1, 1, 0, 0)), 0.5);
});

test('scaled map error: 0 for any multiple of the true map, 1 for an orthogonal one, the relative RMSE after the best scale', () => {
  close(scaledMapError([1, 2, 3], [2, 4, 6]), 0);
  close(scaledMapError([1, 2, 3], [-0.5, -1, -1.5]), 0);
  close(scaledMapError([1, 0], [0, 1]), 1);
  // t = (1, 1), w = (1, 0): best s = 1, residual (0, 1), ‖t‖ = √2
  close(scaledMapError([1, 1], [1, 0]), 1 / Math.SQRT2);
});

test('matched Pearson: one-to-one assignment whatever the order; a reference left without a component makes the worst r −1', () => {
  const m = 20;
  const a = Array.from({ length: m }, (_, i) => Math.sin(i / 3));
  const b = Array.from({ length: m }, (_, i) => (i - 10) ** 2);
  const c = Array.from({ length: m }, (_, i) => (i % 5) - 2);
  const comps = Float64Array.from([...b.map((v) => 2 * v + 1), ...a.map((v) => v + 0.01 * Math.cos(v))]);
  const mp = matchedPearson(comps, 2, [{ name: 'a', values: a }, { name: 'b', values: b }], m);
  assert.deepEqual(Array.from(mp.component), [1, 0]);
  close(mp.r[1], 1, 1e-12);
  assert.ok(mp.r[0] > 0.99);
  close(mp.worst, Math.min(mp.r[0], mp.r[1]));
  const three = matchedPearson(comps, 2, [a, b, c], m);
  assert.equal(three.component.filter((j) => j < 0).length, 1);
  assert.equal(three.worst, -1);
  // sign-free methods: |r|
  const neg = Float64Array.from(a.map((v) => -v));
  close(matchedPearson(neg, 1, [a], m, { absolute: true }).r[0], 1);
  close(matchedPearson(neg, 1, [a], m).r[0], -1);
  assert.ok(Number.isNaN(matchedPearson(neg, 1, [], m).worst));
});

test('reconstruction MSE is ‖X − W·C (+ mean)‖²/(n·m) over the fitted pixels', () => {
  const stack: SpectralStack = { data: Float32Array.of(1, 2, 3, 4, 5, 6), energies: Float64Array.of(1, 2), width: 3, height: 1, metadata: {} };
  const f = { k: 1, weights: Float32Array.of(1, 2, 3), components: Float64Array.of(1, 1) };
  // residuals: (0, 1), (1, 2), (2, 3) → 0 + 1 + 1 + 4 + 4 + 9 = 19
  close(reconstructionMse(stack, f), 19 / 6);
  close(reconstructionMse(stack, { ...f, mean: Float64Array.of(1, 1) }), (1 + 0 + 0 + 1 + 1 + 4) / 6);
  close(reconstructionMse({ ...stack, mask: Uint8Array.of(1, 0, 0) }, f), 1 / 2);
});

test('the scan rule: best worst-r, then lowest overlap within 0.005; without references the largest ω within 2 % MSE per K', () => {
  const run = (k: number, omega: number | null, worstR: number, overlap: number, mse = 1): ScanCandidate => ({ k, omega, worstR, overlap, mse });
  const withRefs = [run(2, 0, 0.95, 0.8), run(2, 0.1, 0.992, 0.3), run(2, 0.5, 0.989, 0.05), run(3, 0.1, 0.996, 0.2), run(3, 0.5, 0.97, 0.01)];
  const c = chooseScanRun(withRefs);
  assert.equal(c.rule, 'references');
  // best 0.996; within 0.005: 0.992 (overlap 0.3) and 0.996 (0.2) → 0.2 wins; 0.989 is 0.007 away
  assert.deepEqual(c.chosen, [3]);
  assert.deepEqual(chooseScanRun(withRefs, { rTolerance: 0.01 }).chosen, [2]);

  const noRefs = [run(2, 0, NaN, 0.8, 1.0), run(2, 0.05, NaN, 0.5, 1.01), run(2, 0.2, NaN, 0.1, 1.02), run(2, 0.5, NaN, 0.0, 1.2), run(3, 0.5, NaN, 0.1, 0.6), run(3, 0, NaN, 0.7, 0.5)];
  const d = chooseScanRun(noRefs);
  assert.equal(d.rule, 'mse');
  assert.deepEqual(d.chosen, [2, 5]); // K=2: ω 0.2 (1.02 ≤ 1.02·1.0); K=3: 0.6 > 1.02·0.5, so ω 0
  assert.deepEqual(chooseScanRun([run(2, null, NaN, 0.5), run(3, null, NaN, 0.4)]).chosen, []);
  assert.equal(chooseScanRun([]).rule, 'none');
});

test('compareWithTruth matches maps through the spectra: a permuted, rescaled truth is recovered exactly', () => {
  const n = 6;
  const m = 4;
  const maps = Float64Array.of(1, 0, 0.5, 0.5, 0, 1, 0.2, 0.9, 0.7, 0.1, 0.3, 0.3);
  const spectra = Float64Array.of(0, 1, 2, 1, 3, 1, 0, 0);
  const truth = { names: ['x', 'y'], spectra, maps, clean: new Float64Array(n * m) };
  const weights = new Float32Array(n * 2);
  for (let p = 0; p < n; p++) {
    weights[p * 2] = 4 * maps[p * 2 + 1];
    weights[p * 2 + 1] = 0.5 * maps[p * 2];
  }
  const components = Float64Array.of(...[3, 1, 0, 0].map((v) => v / 4), ...[0, 1, 2, 1].map((v) => v * 2));
  const c = compareWithTruth({ k: 2, weights, components }, truth);
  assert.deepEqual(Array.from(c.component), [1, 0]);
  for (const r of c.pearson) close(r, 1, 1e-12);
  for (const e of c.mapError) close(e, 0, 1e-7);
  close(c.worstPearson, 1, 1e-12);
});
