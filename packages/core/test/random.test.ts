import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32, Rng } from '../src/random';
import { python } from './helpers';

test('mulberry32 matches an independent Python implementation of the same recurrence', () => {
  const ours = Array.from({ length: 5 }, mulberry32(12345));
  const ref: number[] = python(
    `def mulberry32(a):
    while True:
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = a
        t = ((t ^ (t >> 15)) * (t | 1)) & 0xFFFFFFFF
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & 0xFFFFFFFF)) & 0xFFFFFFFF
        yield ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296
g = mulberry32(12345)
out = [next(g) for _ in range(5)]`,
  );
  assert.deepEqual(ours, ref);
});

test('Rng: same seed → same sequence; normal() has mean 0, variance 1', () => {
  const a = new Rng(3);
  const b = new Rng(3);
  for (let i = 0; i < 100; i++) assert.equal(a.normal(), b.normal());
  const r = new Rng(4);
  const N = 200000;
  let s = 0;
  let q = 0;
  for (let i = 0; i < N; i++) {
    const v = r.normal();
    s += v;
    q += v * v;
  }
  const mean = s / N;
  const variance = q / N - mean * mean;
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(N), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / N), `variance ${variance}`);
  assert.throws(() => new Rng(-1), /seed/);
});
