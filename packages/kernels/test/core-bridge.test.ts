/**
 * @specmap/core on the kernels (a Float32 cube of ≥ 2^18 values) vs core's
 * pure-TypeScript path (the same values as Float64, which the kernels leave
 * alone): PCA (full, randomized), k-means and the NNDSVD-initialised NMF agree
 * within the f32-product tolerance; the kernel path does not depend on the
 * thread count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastIca, kmeans, nmf, pca } from '@specmap/core';
import * as K from '@specmap/kernels';

function mixture(n: number, m: number): Float32Array {
  let s = 12345;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const S = [0, 1, 2].map((t) => Array.from({ length: m }, (_, j) => 0.2 + Math.exp(-0.5 * ((j - 15 - 15 * t) / 4) ** 2)));
  const X = K.allocateCube(n * m);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const w = [r() + (c === 0 ? 1 : 0), r() + (c === 1 ? 1 : 0), r() + (c === 2 ? 1 : 0)];
    for (let j = 0; j < m; j++) X[i * m + j] = w[0] * S[0][j] + w[1] * S[1][j] + w[2] * S[2][j] + 0.01 * (r() - 0.5);
  }
  return X;
}

const n = 4096;
const m = 64;
const X32 = mixture(n, m);
const fastView = { data: X32, rows: n, cols: m };
const slowView = { data: Float64Array.from(X32), rows: n, cols: m };

function rel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

test('PCA (full and randomized) on the kernels equals the TypeScript path', () => {
  assert.ok(K.available());
  for (const solver of ['full', 'randomized'] as const) {
    const a = pca(fastView, { components: 3, solver, seed: 1 });
    const b = pca(slowView, { components: 3, solver, seed: 1 });
    assert.ok(rel(a.explainedVariance!, b.explainedVariance!) < 1e-5, `${solver} variance`);
    assert.ok(rel(a.components, b.components) < 1e-4, `${solver} components`);
    assert.ok(rel(a.weights, b.weights) < 1e-4, `${solver} scores`);
  }
});

test('k-means on the kernels finds the same partition as the TypeScript path', () => {
  const a = kmeans(fastView, { clusters: 3, nInit: 3, seed: 2 });
  const b = kmeans(slowView, { clusters: 3, nInit: 3, seed: 2 });
  assert.deepEqual(Array.from(a.labels), Array.from(b.labels));
  assert.ok(Math.abs(a.inertia - b.inertia) / b.inertia < 1e-5);
});

test('FastICA on the kernels agrees with the TypeScript path', () => {
  const a = fastIca(fastView, { components: 3, seed: 0 });
  const b = fastIca(slowView, { components: 3, seed: 0 });
  assert.ok(rel(a.components, b.components) < 1e-3, 'ICA components');
});

test('NMF (cd) on the kernels agrees with the TypeScript path; 1 and 2 threads bit-identical', () => {
  const b = nmf(slowView, { components: 3, maxIter: 30, tol: 0 });
  K.setThreads(1);
  const a1 = nmf(fastView, { components: 3, maxIter: 30, tol: 0 });
  K.setThreads(2);
  const a2 = nmf(fastView, { components: 3, maxIter: 30, tol: 0 });
  K.setThreads(0);
  assert.ok(Math.abs(a1.reconstructionError! - b.reconstructionError!) / b.reconstructionError! < 1e-5, 'error');
  assert.ok(rel(a1.components, b.components) < 1e-4, 'components');
  assert.deepEqual(Array.from(a2.components), Array.from(a1.components));
  assert.deepEqual(Array.from(a2.weights), Array.from(a1.weights));
});

test('out of core: pcaStream on a .npy file equals pca() on the cube in memory, bit for bit', async () => {
  const { pcaStream } = await import('@specmap/core/dist/pca');
  const { mkdtempSync, writeFileSync, rmSync } = await import('fs');
  const { join } = await import('path');
  const { tmpdir } = await import('os');
  const dir = mkdtempSync(join(tmpdir(), 'specmap-pca-stream-'));
  try {
    const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (64, 64, ${m}), }`;
    const h = Buffer.from(header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n', 'latin1');
    const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
    pre.writeUInt16LE(h.length, 8);
    const file = join(dir, 'cube.npy');
    writeFileSync(file, Buffer.concat([pre, h, Buffer.from(X32.buffer, X32.byteOffset, X32.byteLength)]));
    for (const solver of ['full', 'randomized'] as const) {
      const a = pca(fastView, { components: 3, solver, seed: 4 });
      const b = pcaStream(file, { components: 3, solver, seed: 4 });
      assert.deepEqual(Array.from(b.components), Array.from(a.components), `${solver} components`);
      assert.deepEqual(Array.from(b.weights), Array.from(a.weights), `${solver} scores`);
      assert.deepEqual(Array.from(b.explainedVariance!), Array.from(a.explainedVariance!), `${solver} variance`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
