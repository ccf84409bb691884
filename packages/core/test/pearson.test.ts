import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpecmapError } from '../src/errors';
import { pearson, pearsonMatrix } from '../src/pearson';
import { Rng } from '../src/random';
import { python } from './helpers';

test('pearson: exact cases', () => {
  assert.equal(pearson([1, 2, 3, 4], [2, 4, 6, 8]), 1);
  assert.equal(pearson([1, 2, 3, 4], [8, 6, 4, 2]), -1);
  // Hand-computed: a = [1,2,3], b = [1,3,2] → r = 0.5.
  assert.ok(Math.abs(pearson([1, 2, 3], [1, 3, 2]) - 0.5) < 1e-15);
  // Invariant to offset and positive scale (large offset: two-pass formula stays accurate).
  const a = [0.1, 0.5, 0.2, 0.9, 0.4];
  const b = [0.3, 0.4, 0.1, 0.8, 0.6];
  const r = pearson(a, b);
  assert.ok(Math.abs(pearson(a.map((v) => 1e6 + 3 * v), b) - r) < 1e-9);
  assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
  assert.throws(() => pearson([1, 2], [1, 2, 3]), SpecmapError);
});

test('pearsonMatrix agrees with numpy.corrcoef', () => {
  const rng = new Rng(9);
  const k = 3;
  const m = 50;
  const comps = Float64Array.from({ length: k * m }, () => rng.uniform());
  const refs = [0, 1].map(() => Float64Array.from({ length: m }, () => rng.uniform()));
  refs.push(Float64Array.from(comps.subarray(m, 2 * m), (v) => 2 * v + 1)); // r(comp 1, ref 2) = 1
  const P = pearsonMatrix(comps, k, refs, m);
  assert.equal(P.length, k * 3);
  const ref: number[][] = python(
    `C = np.array(inp['c']).reshape(3, 50); R = np.array(inp['r']).reshape(3, 50)
out = [[float(np.corrcoef(C[j], R[q])[0, 1]) for q in range(3)] for j in range(3)]`,
    { c: comps, r: refs.flatMap((r) => Array.from(r)) },
  );
  for (let j = 0; j < k; j++) for (let q = 0; q < 3; q++) assert.ok(Math.abs(P[j * 3 + q] - ref[j][q]) < 1e-14);
  assert.ok(Math.abs(P[1 * 3 + 2] - 1) < 1e-15);
  assert.throws(() => pearsonMatrix(comps, k, [new Float64Array(49)], m), /reference 0 has 49 values/);
});
