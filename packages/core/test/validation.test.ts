import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpecmapError } from '../src/errors';
import { fromStack } from '../src/decomposition';
import { nmf } from '../src/nmf';
import { pca } from '../src/pca';
import type { SpectralStack } from '../src/stack';

function stack(width: number, height: number, m: number): SpectralStack {
  const data = Float32Array.from({ length: width * height * m }, (_, i) => 1 + Math.sin(i));
  return { data, width, height, energies: Float64Array.from({ length: m }, (_, e) => 700 + e), metadata: {} };
}

function throwsCode(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SpecmapError, `expected SpecmapError, got ${e}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    assert.ok(!e.message.includes('\n'), 'one-line message');
    return true;
  });
}

for (const [name, run] of [
  ['pca', (x: any, k: number) => pca(x, { components: k })],
  ['nmf', (x: any, k: number) => nmf(x, { components: k, maxIter: 3 })],
] as const) {
  test(`${name}: K outside [1, min(n, m)] → SpecmapError K_RANGE`, () => {
    const st = stack(3, 2, 10); // n = 6, m = 10
    for (const k of [0, -1, 7, 1.5, NaN]) {
      throwsCode(() => run(st, k), 'K_RANGE', new RegExp(`^components K=${k} must be between 1 and min\\(n_pixels=6, n_channels=10\\)=6$`));
    }
    // K = min(n, m) is allowed.
    assert.equal(run(st, 6).k, 6);
    // With a mask, n counts masked-in pixels.
    const mask = Uint8Array.from([1, 1, 0, 1, 0, 0]);
    throwsCode(() => run({ ...st, mask }, 4), 'K_RANGE', /min\(n_pixels=3, n_channels=10\)=3/);
    throwsCode(() => run({ ...st, mask: new Uint8Array(6) }, 1), 'MASK', /no pixels/);
    // Matrix with fewer channels than rows.
    throwsCode(() => run({ data: new Float64Array(20), rows: 10, cols: 2 }, 3), 'K_RANGE', /min\(n_pixels=10, n_channels=2\)=2/);
  });

  test(`${name}: NaN / Inf → SpecmapError NAN naming the place`, () => {
    const st = stack(3, 2, 4);
    st.data[(1 * 3 + 2) * 4 + 3] = NaN; // pixel x=2, y=1, channel 3
    throwsCode(() => run(st, 2), 'NAN', /NaN at pixel \(x=2, y=1\), channel 3 \(703 eV\)/);
    const m = { data: new Float64Array(12).fill(1), rows: 4, cols: 3 };
    m.data[7] = Infinity;
    throwsCode(() => run(m, 2), 'NAN', /Inf at row 2, column 1/);
    throwsCode(() => run({ data: new Float64Array(11), rows: 4, cols: 3 }, 2), 'SHAPE', /11 values but 4×3 = 12/);
  });
}

test('nmf rejects bad options with SpecmapError OPTION / SEED', () => {
  const st = stack(3, 2, 4);
  throwsCode(() => nmf(st, { components: 2, maxIter: 0 }), 'OPTION', /maxIter/);
  throwsCode(() => nmf(st, { components: 2, tol: -1 }), 'OPTION', /tol/);
  throwsCode(() => nmf(st, { components: 2, init: 'svd' as any }), 'OPTION', /init/);
  throwsCode(() => nmf(st, { components: 2, seed: 1.5 }), 'SEED', /seed/);
});

test('fromStack views the cube without copying and carries the mask', () => {
  const st = stack(5, 4, 6);
  const v = fromStack(st);
  assert.equal(v.data, st.data);
  assert.equal(v.rows, 20);
  assert.equal(v.cols, 6);
  assert.equal(v.mask, undefined);
  const mask = new Uint8Array(20).fill(1);
  assert.equal(fromStack({ ...st, mask }).mask, mask);
  // A stack and its matrix view give the same decomposition.
  assert.deepEqual(Array.from(pca(st, { components: 2 }).weights), Array.from(pca(v, { components: 2 }).weights));
});

test('validateStack on a large cube (kernel pre-check): NaN and Inf located, huge finite values accepted', async () => {
  const { validateStack } = await import('../src/stack');
  const { allocateCube, freeCube } = await import('@specmap/kernels');
  const { KERNELS_MIN_VALUES } = await import('../src/linalg');
  const width = 200;
  const height = 150;
  const m = 9;
  assert.ok(width * height * m >= KERNELS_MIN_VALUES, 'large enough for the kernel path');
  const data = allocateCube(width * height * m);
  for (let i = 0; i < data.length; i++) data[i] = 1 + Math.sin(i);
  const st: SpectralStack = { data, width, height, energies: Float64Array.from({ length: m }, (_, e) => 700 + e), metadata: {} };
  validateStack(st); // clean
  data[(77 * width + 101) * m + 4] = 1e30; // finite, its f32 square overflows: the exact scan runs and accepts it
  validateStack(st);
  data[(149 * width + 199) * m + 8] = NaN; // the very last value
  throwsCode(() => validateStack(st), 'NAN', /NaN at pixel \(x=199, y=149\), channel 8 \(708 eV\)/);
  data[(149 * width + 199) * m + 8] = 1;
  data[(3 * width + 5) * m + 0] = -Infinity;
  throwsCode(() => validateStack(st), 'NAN', /Inf at pixel \(x=5, y=3\), channel 0 \(700 eV\)/);
  freeCube(data);
});
