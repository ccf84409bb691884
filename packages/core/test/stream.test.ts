/**
 * Out of core: nmfStream / kmeansStream on a .npy file against nmf() /
 * kmeans() on the same cube in memory — bit for bit (the kernels reduce in a
 * fixed chunk order, and the TypeScript passes read the rows in the same
 * order), for several shapes (row counts not multiples of the kernels' 2048-
 * row chunks, channel counts not multiples of 16), tiny read blocks (many
 * blocks, not aligned with the kernels' chunks) and the default ones; and
 * against the all-Float64 TypeScript path within the kernels' f32-product
 * tolerance (as kernels/test/core-bridge.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as K from '@specmap/kernels';
import { nmf, nmfStream, type NmfOptions } from '../src/nmf';
import { kmeans, kmeansStream, type KMeansResult } from '../src/kmeans';
import { pca, pcaStream } from '../src/pca';
import { NonNegativeScanner, scanNonNegative } from '../src/nmf-input';
import type { Decomposition } from '../src/decomposition';
import { KERNELS_MIN_VALUES } from '../src/linalg';

const dir = mkdtempSync(join(tmpdir(), 'specmap-stream-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Write a float32 .npy (shape given) and return its path. */
function writeNpy(name: string, data: Float32Array, shape: number[]): string {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  const h = Buffer.from(header + ' '.repeat(pad % 64) + '\n', 'latin1');
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(h.length, 8);
  const file = join(dir, name);
  writeFileSync(file, Buffer.concat([pre, h, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
  return file;
}

/** n×m non-negative mixture of 3 smooth spectra + noise; `negatives` values set slightly negative. */
function mixture(n: number, m: number, seed: number, negatives = 0): Float32Array {
  let s = seed >>> 0;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const S = [0, 1, 2].map((t) => Array.from({ length: m }, (_, j) => 0.2 + Math.exp(-0.5 * ((j - m / 4 - (m / 4) * t) / (m / 16)) ** 2)));
  const X = K.allocateCube(n * m);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const w = [r() + (c === 0 ? 1 : 0), r() + (c === 1 ? 1 : 0), r() + (c === 2 ? 1 : 0)];
    for (let j = 0; j < m; j++) X[i * m + j] = w[0] * S[0][j] + w[1] * S[1][j] + w[2] * S[2][j] + 0.01 * (r() - 0.5);
  }
  for (let t = 0; t < negatives; t++) X[Math.floor(r() * n * m)] = -0.003 * (1 + r());
  return X;
}

function withoutOutOfCore(p: Record<string, unknown>): Record<string, unknown> {
  const { outOfCore: _drop, ...rest } = p;
  return rest;
}

/** Every field of two NMF / k-means results equal (numbers bit for bit), apart from parameters.outOfCore. */
function assertSameResult(a: Decomposition, b: Decomposition, what: string): void {
  assert.deepEqual(Array.from(a.weights), Array.from(b.weights), `${what}: weights`);
  assert.deepEqual(Array.from(a.components), Array.from(b.components), `${what}: components`);
  assert.equal(a.iterations, b.iterations, `${what}: iterations`);
  assert.equal(a.converged, b.converged, `${what}: converged`);
  assert.deepEqual(a.warnings, b.warnings, `${what}: warnings`);
  assert.deepEqual(Array.from(a.lossHistory ?? []), Array.from(b.lossHistory ?? []), `${what}: loss history`);
  assert.ok(Object.is(a.reconstructionError, b.reconstructionError), `${what}: error ${a.reconstructionError} vs ${b.reconstructionError}`);
  assert.deepEqual(withoutOutOfCore(a.parameters), withoutOutOfCore(b.parameters), `${what}: parameters`);
}

function rel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

// n·m ≥ 2^18 (streamed through the kernels) except the last (read whole: the in-memory fit is TypeScript too).
const SHAPES: Array<[number, number]> = [
  [4099, 64],
  [2600, 123],
  [5003, 56],
  [300, 50],
];

test('nmfStream equals nmf() in memory bit for bit: shapes, inits, tiny and default read blocks, converging and fixed-iteration runs', () => {
  for (const [n, m] of SHAPES) {
    const X = mixture(n, m, n + m);
    const file = writeNpy(`nmf-${n}x${m}.npy`, X, [n, m]);
    const inMemory: Record<string, Decomposition> = {};
    const runs: Array<[string, NmfOptions]> = [
      ['nndsvda tol 1e-4', { components: 3, maxIter: 60, tol: 1e-4 }],
      ['nndsvdar tol 0', { components: 3, maxIter: 12, tol: 0, init: 'nndsvdar', seed: 5 }],
      ['random L1/L2', { components: 4, maxIter: 15, tol: 0, init: 'random', seed: 2, alphaW: 0.001, l1Ratio: 0.5 }],
    ];
    for (const [name, options] of runs) {
      const a = nmf({ data: X, rows: n, cols: m }, options);
      inMemory[name] = a;
      const plain = nmf({ data: Float32Array.from(X), rows: n, cols: m }, options); // not in the kernels' memory: staged rows
      assertSameResult(plain, a, `${n}×${m} ${name} plain array`);
      for (const blockBytes of [7 * m * 4 + 3, undefined]) {
        const b = nmfStream(file, { ...options, blockBytes });
        assertSameResult(b, a, `${n}×${m} ${name} blockBytes ${blockBytes}`);
        const ooc = b.parameters.outOfCore as { mode: string; blockRows: number };
        assert.equal(ooc.mode, n * m >= KERNELS_MIN_VALUES ? 'streamed' : 'in memory');
        if (blockBytes !== undefined) assert.equal(ooc.blockRows, 7);
      }
    }
    assert.ok(inMemory['nndsvda tol 1e-4'].iterations > 1);
  }
});

test('nmfStream with clipped negative values (warning) and 3-D shape equals nmf() in memory', () => {
  const n = 3000;
  const m = 96;
  const X = mixture(n, m, 77, 500);
  const file = writeNpy('nmf-neg.npy', X, [60, 50, m]);
  const a = nmf({ data: X, rows: n, cols: m }, { components: 3, maxIter: 20, tol: 0 });
  assert.ok(a.warnings.some((w) => /negative value/.test(w)), 'the in-memory fit warns about the negatives');
  const b = nmfStream(file, { components: 3, maxIter: 20, tol: 0, blockBytes: 1000 });
  assertSameResult(b, a, 'negatives');
});

test('nmfStream agrees with the all-Float64 TypeScript path (no kernels) within the f32-product tolerance', () => {
  const [n, m] = SHAPES[0];
  const X = mixture(n, m, n + m);
  const file = writeNpy('nmf-ts.npy', X, [n, m]);
  const ts = nmf({ data: Float64Array.from(X), rows: n, cols: m }, { components: 3, maxIter: 30, tol: 0 });
  const b = nmfStream(file, { components: 3, maxIter: 30, tol: 0, blockBytes: 5000 });
  assert.ok(Math.abs(b.reconstructionError! - ts.reconstructionError!) / ts.reconstructionError! < 1e-5, 'error');
  assert.ok(rel(b.components, ts.components) < 1e-4, 'components');
  assert.ok(rel(b.weights, ts.weights) < 1e-4, 'weights');
  assert.ok(rel(b.lossHistory!, ts.lossHistory!) < 1e-5, 'loss history');
});

function assertSameKmeans(a: KMeansResult, b: KMeansResult, what: string): void {
  assertSameResult(a, b, what);
  assert.deepEqual(Array.from(a.labels), Array.from(b.labels), `${what}: labels`);
  assert.ok(Object.is(a.inertia, b.inertia), `${what}: inertia ${a.inertia} vs ${b.inertia}`);
  assert.deepEqual(Array.from(a.inertias), Array.from(b.inertias), `${what}: inertia of every start`);
  assert.deepEqual(Array.from(a.sizes), Array.from(b.sizes), `${what}: sizes`);
}

test('kmeansStream equals kmeans() in memory bit for bit (k-means++ starts, n_init, tiny and default blocks)', () => {
  for (const [n, m] of SHAPES) {
    const X = mixture(n, m, 3 * n + m);
    const file = writeNpy(`km-${n}x${m}.npy`, X, [n, m]);
    for (const [clusters, nInit, seed] of [
      [3, 3, 2],
      [5, 2, 9],
    ]) {
      const a = kmeans({ data: X, rows: n, cols: m }, { clusters, nInit, seed });
      for (const blockBytes of [5 * m * 4 + 1, undefined]) {
        const b = kmeansStream(file, { clusters, nInit, seed, blockBytes });
        assertSameKmeans(b, a, `${n}×${m} K=${clusters} blockBytes ${blockBytes}`);
      }
    }
  }
});

test('kmeansStream: empty-cluster relocation reads the moved rows from the file, as in memory', () => {
  const [n, m] = SHAPES[1];
  const X = mixture(n, m, 4);
  const file = writeNpy('km-empty.npy', X, [n, m]);
  // centre 2 far away from every row: empty after the first assignment → relocated.
  const init = new Float64Array(3 * m);
  for (let j = 0; j < m; j++) {
    init[j] = X[j];
    init[m + j] = X[7 * m + j];
    init[2 * m + j] = 1e4;
  }
  const a = kmeans({ data: X, rows: n, cols: m }, { clusters: 3, init, maxIter: 50 });
  const b = kmeansStream(file, { clusters: 3, init, maxIter: 50, blockBytes: 333 });
  assertSameKmeans(b, a, 'relocation');
  assert.ok(a.sizes.every((s) => s > 0));
});

test('kmeansStream agrees with the all-Float64 TypeScript path (same partition, inertia within 1e-5)', () => {
  const [n, m] = SHAPES[0];
  const X = mixture(n, m, 3 * n + m);
  const file = writeNpy('km-ts.npy', X, [n, m]);
  const ts = kmeans({ data: Float64Array.from(X), rows: n, cols: m }, { clusters: 3, nInit: 3, seed: 2 });
  const b = kmeansStream(file, { clusters: 3, nInit: 3, seed: 2 });
  assert.deepEqual(Array.from(b.labels), Array.from(ts.labels));
  assert.ok(Math.abs(b.inertia - ts.inertia) / ts.inertia < 1e-5);
});

test('pcaStream equals pca() in memory bit for bit (full, randomized, randomized → exact switch recorded), small files on the TypeScript path', () => {
  for (const [n, m] of SHAPES) {
    const X = mixture(n, m, 5 * n + m);
    const file = writeNpy(`pca-${n}x${m}.npy`, X, [n, m]);
    const runs: Array<[string, Parameters<typeof pca>[1]]> = [
      ['full', { components: 3 }],
      ['randomized', { components: 3, solver: 'randomized', seed: 4 }],
      ['randomized → exact', { components: 3, solver: 'randomized', seed: 4, oversamples: m }],
    ];
    for (const [name, options] of runs) {
      const a = pca({ data: X, rows: n, cols: m }, options);
      for (const blockBytes of [9 * m * 4 + 2, undefined]) {
        const b = pcaStream(file, { ...options, blockBytes });
        const what = `${n}×${m} ${name} blockBytes ${blockBytes}`;
        assertSameResult(b, a, what);
        assert.deepEqual(Array.from(b.mean!), Array.from(a.mean!), `${what}: mean`);
        assert.deepEqual(Array.from(b.explainedVariance!), Array.from(a.explainedVariance!), `${what}: variance`);
        assert.deepEqual(Array.from(b.explainedVarianceRatio!), Array.from(a.explainedVarianceRatio!), `${what}: variance ratio`);
        assert.equal((b.parameters.outOfCore as { mode: string }).mode, n * m >= KERNELS_MIN_VALUES ? 'streamed' : 'in memory');
      }
      if (name === 'randomized → exact') {
        assert.equal(a.parameters.solver, 'covariance-eigh');
        assert.equal(a.parameters.requestedSolver, 'randomized');
        assert.match(String(a.parameters.note), /exact solver used/);
      }
    }
  }
  const good = writeNpy('pca-good.npy', mixture(4100, 64, 1), [4100, 64]);
  assert.throws(() => pcaStream(good, { components: 2, solver: 'svd' as 'full' }), (e: any) => e.code === 'OPTION' && /PCA solver/.test(e.message));
  assert.throws(() => pcaStream(good, { components: 65 }), (e: any) => e.code === 'K_RANGE');
});

test('NonNegativeScanner fed in uneven row blocks gives scanNonNegative\'s bits, warning and errors', () => {
  const n = 1001;
  const m = 37;
  const X = mixture(n, m, 11, 300);
  const whole: string[] = [];
  const a = scanNonNegative({ data: X, rows: n, cols: m, index: Int32Array.from({ length: n }, (_, i) => i), count: n }, 'T', whole);
  const scan = new NonNegativeScanner(m);
  for (let r0 = 0, step = 1; r0 < n; r0 += step, step = (step * 7) % 97 + 1) {
    const r1 = Math.min(n, r0 + step);
    const block = X.slice(r0 * m, r1 * m);
    scan.addRows(block, r0, r1, (r) => (r - r0) * m);
  }
  const blocks: string[] = [];
  const b = scan.finish('T', blocks);
  assert.ok(a.negatives > 0 && whole.length === 1);
  assert.deepEqual(blocks, whole);
  for (const key of Object.keys(a) as (keyof typeof a)[]) assert.ok(Object.is(a[key], b[key]), `${key}: ${a[key]} vs ${b[key]}`);
  const bad = Float32Array.from(X);
  bad[500 * m + 3] = NaN;
  const seen: number[][] = [];
  new NonNegativeScanner(m).addRows(bad, 0, n, (r) => r * m, (r, j) => seen.push([r, j]));
  assert.deepEqual(seen, [[500, 3]]);
  assert.throws(() => new NonNegativeScanner(m).finish('T', []), (e: any) => e.code === 'ZERO_INPUT');
});

test('streamed inputs: NaN/Inf, non-float32, truncated and bad options are refused with a clear error', () => {
  const n = 4100;
  const m = 64;
  const X = mixture(n, m, 1);
  X[1234 * m + 5] = NaN;
  const nanFile = writeNpy('nan.npy', X, [n, m]);
  assert.throws(() => nmfStream(nanFile, { components: 2, maxIter: 2 }), (e: any) => e.code === 'NAN' && /NaN at row 1234, column 5/.test(e.message));
  assert.throws(() => kmeansStream(nanFile, { clusters: 2, nInit: 1 }), (e: any) => e.code === 'NAN' && /NaN at row 1234, column 5/.test(e.message));
  X[1234 * m + 5] = -Infinity;
  const infFile = writeNpy('inf.npy', X, [n, m]);
  assert.throws(() => nmfStream(infFile, { components: 2, maxIter: 2 }), (e: any) => e.code === 'NAN' && /Inf at row 1234, column 5/.test(e.message));
  assert.throws(() => kmeansStream(infFile, { clusters: 2, nInit: 1 }), (e: any) => e.code === 'NAN' && /Inf at row 1234, column 5/.test(e.message));
  for (const solver of ['full', 'randomized'] as const) {
    assert.throws(() => pcaStream(nanFile, { components: 2, solver }), (e: any) => e.code === 'NAN' && /NaN at row 1234, column 5/.test(e.message));
    assert.throws(() => pcaStream(infFile, { components: 2, solver }), (e: any) => e.code === 'NAN' && /Inf at row 1234, column 5/.test(e.message));
  }
  // A small file (read whole, TypeScript path) is checked too, as prepareInput checks a cube in memory.
  const S = mixture(200, 20, 2);
  S[77 * 20 + 9] = NaN;
  const smallNan = writeNpy('nan-small.npy', S, [200, 20]);
  assert.throws(() => pcaStream(smallNan, { components: 2 }), (e: any) => e.code === 'NAN' && /NaN at row 77, column 9/.test(e.message));
  assert.throws(() => kmeansStream(smallNan, { clusters: 2 }), (e: any) => e.code === 'NAN' && /NaN at row 77, column 9/.test(e.message));
  assert.throws(() => nmfStream(smallNan, { components: 2 }), (e: any) => e.code === 'NAN' && /NaN at row 77, column 9/.test(e.message));
  const good = writeNpy('good.npy', mixture(n, m, 1), [n, m]);
  assert.throws(() => nmfStream(good, { components: 2, solver: 'mu' }), (e: any) => e.code === 'OPTION' && /solver 'cd'/.test(e.message));
  assert.throws(() => nmfStream(good, { components: 2, blockBytes: 0 }), (e: any) => e.code === 'OPTION' && /blockBytes/.test(e.message));
  const f8 = join(dir, 'f8.npy');
  const header = `{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3), }`;
  const h = Buffer.from(header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n', 'latin1');
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(h.length, 8);
  writeFileSync(f8, Buffer.concat([pre, h, Buffer.alloc(96)]));
  assert.throws(() => kmeansStream(f8, { clusters: 2 }), (e: any) => e.code === 'FORMAT' && /float32/.test(e.message));
  const cut = writeNpy('cut.npy', mixture(10, 8, 1), [11, 8]);
  assert.throws(() => nmfStream(cut, { components: 2 }), (e: any) => e.code === 'TRUNCATED');
});

test('without the WebAssembly kernels (SPECMAP_KERNELS=0) a large stream is refused, a small one runs', () => {
  const big = writeNpy('nokernels-big.npy', mixture(4100, 64, 3), [4100, 64]);
  const small = writeNpy('nokernels-small.npy', mixture(200, 20, 3), [200, 20]);
  const code = `
    const { nmfStream } = require(${JSON.stringify(join(__dirname, '..', 'src', 'nmf.ts'))});
    const out = {};
    try { nmfStream(${JSON.stringify(big)}, { components: 2, maxIter: 2 }); out.big = 'ran'; } catch (e) { out.big = e.code + ': ' + e.message; }
    out.small = nmfStream(${JSON.stringify(small)}, { components: 2, maxIter: 3 }).parameters.outOfCore.mode;
    console.log(JSON.stringify(out));`;
  const res = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { env: { ...process.env, SPECMAP_KERNELS: '0' }, encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout.trim().split('\n').pop()!);
  assert.match(out.big, /^KERNELS: .*needs the @specmap\/kernels WebAssembly path.*SPECMAP_KERNELS=0/);
  assert.equal(out.small, 'in memory');
});
