/**
 * measuredForPayload sums four pixels per pass over the channels; it must give
 * the bits of the one-pixel-at-a-time loop it replaced, kept verbatim below as
 * the reference, for every block size (full blocks of 4, 9, 25 pixels and the
 * 1–4-pixel remainders at the right/bottom edges), and the plain block means
 * (checked against numpy). Bits are compared on data whose sums depend on
 * the order of the additions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measuredForPayload } from '../src/measured';
import type { SpectralStack } from '../src/stack';
import { python } from './helpers';

/** The old binning loop, verbatim. */
function referenceBinned(stack: SpectralStack, b: number): Float32Array {
  const m = stack.energies.length;
  const { width, height } = stack;
  const bw = Math.ceil(width / b);
  const bh = Math.ceil(height / b);
  const out = new Float32Array(bw * bh * m);
  const acc = new Float64Array(m);
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      acc.fill(0);
      let count = 0;
      for (let y = by * b; y < Math.min(height, (by + 1) * b); y++) {
        for (let x = bx * b; x < Math.min(width, (bx + 1) * b); x++) {
          const base = (y * width + x) * m;
          for (let e = 0; e < m; e++) acc[e] += stack.data[base + e];
          count++;
        }
      }
      const o = (by * bw + bx) * m;
      for (let e = 0; e < m; e++) out[o + e] = acc[e] / count;
    }
  }
  return out;
}

/** A width×height×m stack of values of mixed sign and magnitude, with some -0 (whole blocks of them too). */
function stackOf(width: number, height: number, m: number, seed: number): SpectralStack {
  const data = new Float32Array(width * height * m);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    data[i] = u < 0.05 ? -0 : (u - 0.3) * 10 ** ((s % 7) - 3);
  }
  // The last channel cancels huge values (±2⁶⁰ beside small odd ones): its means depend on the order of the additions.
  const cycle = [2 ** 60, 1, -(2 ** 60), 3, 5, -(2 ** 60), 2 ** 60, 7, -(2 ** 60)];
  for (let p = 0; p < width * height; p++) data[p * m + m - 1] = cycle[p % cycle.length];
  // pixels (0,0)…(2,2) all -0 in channel 0: the binned mean must be +0, as the old loop's 0 + (-0)
  for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) data[(y * width + x) * m] = -0;
  return { width, height, energies: Float64Array.from({ length: m }, (_, e) => 7000 + e), data, metadata: {} } as unknown as SpectralStack;
}

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

test('binned spectra: the bits of the one-pixel-at-a-time loop, every block size', () => {
  for (const [width, height, m] of [
    [17, 13, 5],
    [9, 11, 3],
    [30, 7, 2],
  ]) {
    const stack = stackOf(width, height, m, width * 31 + height);
    const full = width * height * m * 4;
    const seen = new Set<number>();
    // budgets just under successive binnings' sizes: b = 2, 3, …
    for (let b = 2; b <= Math.max(width, height); b++) {
      const budget = Math.ceil(width / b) * Math.ceil(height / b) * m * 4;
      const got = measuredForPayload(stack, budget);
      assert.ok(got && got.data.length * 4 < full);
      if (seen.has(got.binning)) continue;
      seen.add(got.binning);
      const want = referenceBinned(stack, got.binning);
      assert.equal(got.width, Math.ceil(width / got.binning));
      assert.equal(got.height, Math.ceil(height / got.binning));
      assert.deepEqual(bits(got.data as Float32Array), bits(want), `${width}×${height}×${m}, b=${got.binning}`);
    }
    assert.ok(seen.size >= 4, `binnings tried: ${[...seen]}`);
    assert.ok(seen.has(2) && seen.has(3) && seen.has(5), `binnings tried: ${[...seen]}`);
  }
  const zero = measuredForPayload(stackOf(17, 13, 5, 1), 9 * 7 * 5 * 4)!;
  assert.equal(zero.binning, 2);
  assert.ok(Object.is(zero.data[0], 0), 'a block of -0 averages to +0');
});

test('binned spectra: block means as numpy computes them (edge blocks average the pixels they have)', () => {
  const [width, height, m, b] = [11, 7, 4, 3];
  const stack = stackOf(width, height, m, 5);
  const got = measuredForPayload(stack, Math.ceil(width / b) * Math.ceil(height / b) * m * 4)!;
  assert.equal(got.binning, b);
  const want = python(
    `d = np.array(inp['data'], dtype=np.float32).astype(np.float64).reshape(${height}, ${width}, ${m})
out = [d[y:y+${b}, x:x+${b}].reshape(-1, ${m}).mean(axis=0) for y in range(0, ${height}, ${b}) for x in range(0, ${width}, ${b})]
out = np.concatenate(out).astype(np.float32).astype(float).tolist()`,
    { data: Array.from(stack.data) },
  ) as number[];
  assert.equal(got.data.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got.data[i] - want[i]) <= 1e-6 * Math.max(1, Math.abs(want[i])), `value ${i}: ${got.data[i]} vs ${want[i]}`);
});

test('unbinned and no spectra: the cube itself within budget, none for budget 0', () => {
  const stack = stackOf(5, 4, 3, 9);
  const got = measuredForPayload(stack, 5 * 4 * 3 * 4)!;
  assert.equal(got.binning, 1);
  assert.equal(got.data, stack.data);
  assert.equal(measuredForPayload(stack, 0), undefined);
});
