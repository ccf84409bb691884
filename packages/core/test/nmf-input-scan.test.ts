/**
 * NonNegativeScanner.addRows (two rows at a time) must give the bits of the
 * plain row-by-row loop it replaced, kept verbatim below as the reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NonNegativeScanner } from '../src/nmf-input';

interface State {
  negatives: number;
  min: number;
  sum: number;
  sumSq: number;
  negativeAbs: number;
  minClipped: number;
  zeros: number;
}

/** The old addRows loop, verbatim (state in a plain object). */
function referenceAddRows(st: State, m: number, data: Float32Array | Float64Array, r0: number, r1: number, base: (r: number) => number): void {
  let { negatives, min, sum, sumSq, negativeAbs, minClipped, zeros } = st;
  for (let r = r0; r < r1; r++) {
    const b = base(r);
    let s = 0;
    let q = 0;
    let na = 0;
    for (let j = 0; j < m; j++) {
      const v = data[b + j];
      if (v < 0) {
        negatives++;
        na -= v;
        if (v < min) min = v;
        zeros++;
        minClipped = 0;
      } else {
        s += v;
        q += v * v;
        if (v === 0) zeros++;
        if (v < minClipped) minClipped = v;
      }
    }
    sum += s;
    sumSq += q;
    negativeAbs += na;
  }
  Object.assign(st, { negatives, min, sum, sumSq, negativeAbs, minClipped, zeros });
}

const fresh = (): State => ({ negatives: 0, min: 0, sum: 0, sumSq: 0, negativeAbs: 0, minClipped: Infinity, zeros: 0 });

/** The scanner's private state (the fields the reference has). */
function stateOf(scan: NonNegativeScanner): State {
  const s = scan as unknown as State;
  return { negatives: s.negatives, min: s.min, sum: s.sum, sumSq: s.sumSq, negativeAbs: s.negativeAbs, minClipped: s.minClipped, zeros: s.zeros };
}

/** Object.is per field: NaN equals NaN, +0 differs from −0, anything else must be the same double. */
function assertSameBits(got: State, want: State, what: string): void {
  for (const key of Object.keys(want) as (keyof State)[]) {
    assert.ok(Object.is(got[key], want[key]), `${what}: ${key} is ${got[key]}, the row-by-row loop gives ${want[key]}`);
  }
}

let seed = 987654321;
function rnd(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

/**
 * n×m rows mixing what the branches see: positives of many magnitudes (so
 * the order of additions shows in the last bits), negatives, +0 and −0,
 * some all-zero rows, a row with NaN and one with ±Inf when `nonFinite`.
 */
function raster(n: number, m: number, negShare: number, nonFinite: boolean, f32: boolean): Float32Array | Float64Array {
  const d = f32 ? new Float32Array(n * m) : new Float64Array(n * m);
  for (let i = 0; i < d.length; i++) {
    const u = rnd();
    if (u < negShare) d[i] = -rnd() * 10 ** (4 * rnd() - 2);
    else if (u < negShare + 0.03) d[i] = 0;
    else if (u < negShare + 0.06) d[i] = -0;
    else d[i] = rnd() * 10 ** (6 * rnd() - 3);
  }
  for (let r = 0; r < n; r += 7) if (rnd() < 0.3) d.fill(rnd() < 0.5 ? 0 : -0, r * m, (r + 1) * m);
  if (nonFinite && n > 3) {
    d[2 * m + (m >> 1)] = NaN;
    d[3 * m] = Infinity;
    d[(n - 1) * m + m - 1] = -Infinity;
  }
  return d;
}

test('addRows gives the bits of the row-by-row loop: odd and even row counts, blocks, a row index, f32 and f64', () => {
  const cases: Array<[number, number, number, boolean, boolean]> = [
    // n, m, share of negatives, NaN/Inf rows, float32
    [1, 1, 0.5, false, true],
    [2, 3, 0.3, false, true],
    [7, 5, 0.0, false, true],
    [64, 17, 0.01, false, true],
    [65, 32, 0.2, false, false],
    [33, 8, 0.6, true, true],
    [40, 9, 0.1, true, false],
    [501, 3, 0.05, false, false], // many rows: the order in which row sums meet the totals shows
    [300, 2, 0.05, false, true],
  ];
  for (const [n, m, negShare, nonFinite, f32] of cases) {
    const d = raster(n, m, negShare, nonFinite, f32);
    const what = `${n}×${m} neg ${negShare}${nonFinite ? ' NaN/Inf' : ''} ${f32 ? 'f32' : 'f64'}`;
    // One call over all rows, in a shuffled row order (as scanNonNegative's index).
    const index = Int32Array.from({ length: n }, (_, i) => i).sort(() => rnd() - 0.5);
    const want = fresh();
    referenceAddRows(want, m, d, 0, n, (r) => index[r] * m);
    const one = new NonNegativeScanner(m);
    one.addRows(d, 0, n, (r) => index[r] * m);
    assertSameBits(stateOf(one), want, `${what}, one call`);
    // Uneven blocks (odd and even lengths, single rows) as a stream feeds them.
    const blocks = new NonNegativeScanner(m);
    for (let r0 = 0, len = 1; r0 < n; r0 += len, len = (len % 4) + 1) {
      const r1 = Math.min(n, r0 + len);
      blocks.addRows(d, r0, r1, (r) => index[r] * m);
    }
    assertSameBits(stateOf(blocks), want, `${what}, blocks`);
  }
});

test('addRows: each row of a pair sums its values in column order (a row beside an all-zero row, so the totals are its sums)', () => {
  // In long runs a row sum's last bit is often lost in the larger total; here
  // the total is the row's s, q, na themselves, so any reordering shows.
  for (let t = 0; t < 300; t++) {
    const m = 2 + (t % 9);
    const row = Float64Array.from({ length: m }, () => (rnd() < 0.2 ? -1 : 1) * rnd() * 10 ** (2 * rnd()));
    for (const first of [true, false]) {
      const d = new Float64Array(2 * m);
      d.set(row, first ? 0 : m);
      const want = fresh();
      referenceAddRows(want, m, d, 0, 2, (r) => r * m);
      const scan = new NonNegativeScanner(m);
      scan.addRows(d, 0, 2, (r) => r * m);
      assertSameBits(stateOf(scan), want, `row ${t} as the ${first ? 'first' : 'second'} of a pair`);
    }
  }
});

test('addRows: the sign of a zero minClipped follows the row-by-row loop (first zero wins, a negative resets to +0)', () => {
  const m = 3;
  const rows = (...v: number[]) => Float64Array.from(v);
  const cases = [
    rows(1, -0, 2, 0, 3, 4), // −0 first
    rows(1, 0, 2, -0, 3, 4), // +0 first
    rows(1, -0, 2, 5, -1, 4), // −0, then a negative in the second row of the pair
    rows(1, -0, 2, 3, 4, 5, 6, -1, 7), // −0, then a negative in the odd last row
    rows(-0, 1, 1, 2, 2, 2, 3, -1, 3, 4, 4, 4), // −0, then a negative in the first row of the next pair
    rows(5, -1, -0, 0, 3, 4), // a negative, then −0 in the same row
    rows(-0, 3, 4, -0, 1, -2, 0, 0, 7), // odd row count
    rows(NaN, 2, 3, 1, 1, 1), // NaN in a row
  ];
  for (const d of cases) {
    const n = d.length / m;
    const want = fresh();
    referenceAddRows(want, m, d, 0, n, (r) => r * m);
    const scan = new NonNegativeScanner(m);
    scan.addRows(d, 0, n, (r) => r * m);
    assertSameBits(stateOf(scan), want, `[${[...d].map((v) => (Object.is(v, -0) ? '-0' : v)).join(', ')}]`);
  }
});

test('addRows reports every non-finite value, in row then column order, in either row of a pair', () => {
  const m = 4;
  const d = new Float32Array(5 * m).fill(1);
  d[1 * m + 2] = NaN; // second row of the first pair
  d[2 * m + 0] = -Infinity; // first row of the second pair
  d[2 * m + 3] = Infinity;
  d[4 * m + 1] = NaN; // the odd last row
  const seen: Array<[number, number, number]> = [];
  new NonNegativeScanner(m).addRows(d, 0, 5, (r) => r * m, (r, j, v) => seen.push([r, j, v]));
  assert.deepEqual(seen, [[1, 2, NaN], [2, 0, -Infinity], [2, 3, Infinity], [4, 1, NaN]]);
  // A throwing callback stops at the first row with one.
  assert.throws(
    () => new NonNegativeScanner(m).addRows(d, 0, 5, (r) => r * m, (r, j) => { throw new Error(`row ${r} col ${j}`); }),
    /row 1 col 2/,
  );
});
