/**
 * percentile and mapScaling take order statistics from the tails (one pass,
 * small sorts) or by selection; they must return exactly what the sort they
 * replaced gave (kept verbatim below as the reference), -0 included, on every
 * kind of input, and numpy's percentiles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { percentile, mapScaling, tailPercentiles } from '../src/figure';

/** The old sortedFinite + percentileOfSorted, verbatim. */
function referencePercentile(values: ArrayLike<number>, p: number): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++;
  const v = new Float64Array(n);
  let o = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (Number.isFinite(x)) v[o++] = x;
  }
  v.sort();
  if (v.length === 0) return NaN;
  const x = (Math.min(100, Math.max(0, p)) / 100) * (v.length - 1);
  const i = Math.floor(x);
  const f = x - i;
  return i + 1 < v.length ? v[i] + (v[i + 1] - v[i]) * f : v[i];
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Inputs of many shapes: random, few distinct values, sorted, reversed, organ-pipe, zeros of both signs, non-finite values, tiny. */
function cases(): { name: string; values: Float64Array | Float32Array | number[] }[] {
  const out: { name: string; values: Float64Array | Float32Array | number[] }[] = [];
  const r = rng(7);
  for (const n of [0, 1, 2, 3, 5, 17, 100, 601, 1000, 5000, 65536]) {
    out.push({ name: `uniform ${n}`, values: Float64Array.from({ length: n }, () => r() * 2 - 1) });
    out.push({ name: `few distinct ${n}`, values: Float64Array.from({ length: n }, () => Math.floor(r() * 4) - 1) });
    out.push({ name: `zeros ±0 ${n}`, values: Float64Array.from({ length: n }, () => (r() < 0.5 ? -0 : r() < 0.5 ? 0 : r() - 0.7)) });
    out.push({ name: `sorted ${n}`, values: Float64Array.from({ length: n }, (_, i) => i) });
    out.push({ name: `reversed ${n}`, values: Float64Array.from({ length: n }, (_, i) => n - i) });
    out.push({ name: `organ pipe ${n}`, values: Float64Array.from({ length: n }, (_, i) => Math.min(i, n - i)) });
    out.push({ name: `float32 heavy tail ${n}`, values: Float32Array.from({ length: n }, () => Math.exp(20 * r() - 10) * (r() < 0.1 ? -1 : 1)) });
    out.push({
      name: `non-finite ${n}`,
      values: Float64Array.from({ length: n }, () => {
        const u = r();
        return u < 0.1 ? NaN : u < 0.15 ? Infinity : u < 0.2 ? -Infinity : u;
      }),
    });
  }
  out.push({ name: 'all -0', values: [-0, -0, -0, -0, -0] });
  out.push({ name: 'all +0', values: new Float32Array(1000) });
  out.push({ name: '-0 at the low percentiles', values: [...Array(150).fill(-0), ...Array(50).fill(0), 1, 2] });
  out.push({ name: 'all NaN', values: [NaN, NaN] });
  return out;
}

test('percentile: the same values (bits, -0 included) as sorting, every kind of input', () => {
  let compared = 0;
  for (const { name, values } of cases()) {
    for (const p of [0, 0.5, 1, 25, 50, 99, 99.9, 100, -5, 120]) {
      const want = referencePercentile(values, p);
      const got = percentile(values, p);
      assert.ok(Object.is(got, want), `${name}, p=${p}: ${got} vs ${want}`);
      compared++;
    }
    const s = mapScaling('nmf', values);
    let lo = referencePercentile(values, 1);
    let hi = referencePercentile(values, 99);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
    if (hi > lo) assert.ok(Object.is(s.lo, lo) && Object.is(s.hi, hi), `${name}: mapScaling ${s.lo}..${s.hi} vs ${lo}..${hi}`);
    const pca = mapScaling('pca', values);
    assert.ok(Object.is(pca.hi, Math.max(Math.abs(lo), Math.abs(hi)) || 1), `${name}: pca limit`);
  }
  assert.ok(compared > 800);
});

test('percentile: a -0 order statistic stays -0 (as sorted arrays put -0 before +0)', () => {
  // Only the top rank is returned without arithmetic (-0 + 0·f is +0).
  assert.ok(Object.is(percentile([-0, -0], 100), -0));
  assert.ok(Object.is(percentile([-0, -1], 100), -0));
  assert.ok(Object.is(percentile([0, -0], 100), 0));
  assert.ok(Object.is(percentile([-0, 0, -0], 100), 0));
  assert.ok(Object.is(percentile([0, -0, 0], 0), 0));
});

test('percentile: numpy percentile (linear) on random data', () => {
  const r = rng(11);
  const values = Array.from({ length: 2001 }, () => r() * 10 - 3);
  const ps = [0, 1, 12.5, 50, 99, 100];
  const want = JSON.parse(
    execFileSync('/usr/bin/python3', ['-c', `import json,sys,numpy as np\nd=json.load(sys.stdin)\nprint(json.dumps([float(np.percentile(np.array(d), p)) for p in ${JSON.stringify(ps)}]))`], {
      input: JSON.stringify(values),
      encoding: 'utf8',
    }),
  ) as number[];
  ps.forEach((p, i) => assert.ok(Math.abs(percentile(values, p) - want[i]) <= 1e-12 * Math.max(1, Math.abs(want[i])), `p=${p}: ${percentile(values, p)} vs ${want[i]}`));
});

test('tailPercentiles: taken on weight-map-like data (ties of ±0 at the thresholds, strided columns), the sort\'s values; null when its sample misleads', () => {
  const r = rng(3);
  const W = 256;
  const H = 256;
  const k = 3;
  // Column-structured maps: component 0 has zeros (of both signs) in whole columns, 1 a bright
  // band of ties at its top, 2 smooth values; interleaved as n×k weights.
  const weights = new Float32Array(W * H * k);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = (y * W + x) * k;
      weights[p] = x % 16 === 0 ? (r() < 0.5 ? -0 : 0) : r() * (1 + x / W);
      weights[p + 1] = y > 250 ? 2.5 : r() < 0.01 ? -0 : Math.sin(x / 9) * Math.cos(y / 7);
      weights[p + 2] = (x * y) / (W * H) + 1e-3 * r();
    }
  }
  const ps = [1, 99, 0, 100, 0.1, 99.9, 50];
  for (let c = 0; c < k; c++) {
    const col = Float64Array.from({ length: W * H }, (_, i) => weights[i * k + c]);
    for (const p of ps) {
      const got = tailPercentiles(weights, c, k, W * H, [p]);
      assert.ok(got !== null, `component ${c}, p=${p}: tail path taken`);
      assert.ok(Object.is(got[0], referencePercentile(col, p)), `component ${c}, p=${p}: ${got[0]} vs ${referencePercentile(col, p)}`);
    }
    const both = tailPercentiles(weights, c, k, W * H, [1, 99]);
    assert.deepEqual(both, [referencePercentile(col, 1), referencePercentile(col, 99)]);
  }
  // Zeros: p0 of component 0 is a -0 or +0 tie at the low threshold, as sorted.
  const zeros = Float64Array.from({ length: 40000 }, (_, i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : 1 + (i % 97)));
  for (const p of [0, 1, 20, 33.3, 34, 66, 99, 100]) {
    const got = tailPercentiles(zeros, 0, 1, zeros.length, [p]);
    assert.ok(got !== null && Object.is(got[0], referencePercentile(zeros, p)), `zeros, p=${p}: ${got?.[0]} vs ${referencePercentile(zeros, p)}`);
  }
  assert.ok(Object.is(tailPercentiles(Float64Array.of(...Array(20000).fill(-0)), 0, 1, 20000, [0, 100])![1], -0));
  // -0 ties at the high threshold: the maximum of non-positive values with no +0 is -0.
  const nonPositive = Float64Array.from({ length: 40000 }, (_, i) => (i % 3 === 0 ? -0 : -(1 + (i % 97))));
  for (const p of [50, 90, 99, 100]) {
    const got = tailPercentiles(nonPositive, 0, 1, nonPositive.length, [p]);
    assert.ok(got !== null && Object.is(got[0], referencePercentile(nonPositive, p)), `non-positive, p=${p}: ${got?.[0]} vs ${referencePercentile(nonPositive, p)}`);
  }
  assert.ok(Object.is(referencePercentile(nonPositive, 100), -0));
  // Too few values, or every sampled value 0.5 amid uniform ones (the low run overflows): null, and percentile still exact.
  assert.equal(tailPercentiles(new Float64Array(1000), 0, 1, 1000, [1]), null);
  const n = 65536;
  const tricky = Float64Array.from({ length: n }, () => r());
  for (let i = 0; i < 1024; i++) tricky[Math.floor(((i * 0.6180339887498949) % 1) * n)] = 0.5;
  assert.equal(tailPercentiles(tricky, 0, 1, n, [1, 99]), null);
  for (const p of [1, 99]) assert.ok(Object.is(percentile(tricky, p), referencePercentile(tricky, p)));
});
