import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nmf } from '../src/nmf';
import { nmfSo } from '../src/nmf-so';
import { nmfArdSo } from '../src/nmf-ard-so';
import { loadIris } from './helpers';

const iris = loadIris();
const fits = [
  (x: typeof iris, k = 2) => nmf(x, { components: k, maxIter: 20 }),
  (x: typeof iris, k = 2) => nmfSo(x, { components: k, maxIter: 20 }),
  (x: typeof iris, k = 2) => nmfArdSo(x, { components: k, maxIter: 20 }),
];

test('NMF family: negatives clipped with count and share of Σ|X|; > 10 % is an error naming the share', () => {
  const d = Float64Array.from(iris.data);
  d[0] = -1;
  d[1] = -2; // Σ|X| = 1st two replaced: share = 3 / (Σ others + 3)
  let total = 0;
  for (const v of d) total += Math.abs(v);
  const pct = ((100 * 3) / total).toPrecision(3);
  for (const f of fits) {
    const r = f({ ...iris, data: d });
    const w = r.warnings.find((s) => /negative values/.test(s));
    assert.ok(w && w.includes('2 negative values (of 600') && w.includes(`${pct} % of Σ|X|`), String(w));
    assert.equal(r.parameters.clippedNegatives, 2);
  }
  const bad = Float64Array.from(iris.data, (v, i) => (i % 4 === 2 ? -v : v)); // petal length negated: ≈ 30 % of Σ|X|
  for (const f of fits) {
    assert.throws(() => f({ ...iris, data: bad }), /150 of 600 values are negative and carry 2\d\.\d % of the total intensity .*add an offset or subtract another background/);
  }
});

test('NMF family: all-zero input is an error; K above the rank gives a warning', () => {
  const zero = new Float64Array(600);
  for (const f of fits) assert.throws(() => f({ ...iris, data: zero }), /the input is 0 everywhere/);
  // rank-2 matrix (two distinct rows repeated), K = 3
  const r2 = Float64Array.from({ length: 600 }, (_, i) => (Math.floor(i / 4) % 2 === 0 ? [1, 2, 3, 4] : [4, 1, 0.5, 2])[i % 4]);
  const w1 = nmf({ ...iris, data: r2 }, { components: 3, maxIter: 20 }).warnings;
  assert.ok(w1.some((w) => /K=3 is larger than the numerical rank of the data \(2\)/.test(w)), w1.join('; '));
  const w2 = nmfSo({ ...iris, data: r2 }, { components: 3, init: 'nndsvda', maxIter: 20 }).warnings;
  assert.ok(w2.some((w) => /numerical rank/.test(w)), w2.join('; '));
});
