/**
 * @specmap/kernels: WASM kernels vs the Float64 reference (relative 1e-5 of
 * each quantity's scale), bit-identical results for 1 and 2 threads, for
 * in-memory (shared), staged (plain array) and out-of-core (file) sources,
 * and a fresh build reproducing dist/kernels.wasm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as K from '../src/index';

const TOL = 1e-5;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n×m mixture of k positive spectra with noise (a few negatives). */
function cube(n: number, m: number, seed: number, shared = true): Float32Array {
  const r = rng(seed);
  const k = 3;
  const S = Array.from({ length: k * m }, () => r());
  const X = shared ? K.allocateCube(n * m) : new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    const w = [r(), r(), r()];
    for (let j = 0; j < m; j++) {
      let v = 0.05 * (r() - 0.5);
      for (let t = 0; t < k; t++) v += w[t] * S[t * m + j];
      X[i * m + j] = v;
    }
  }
  return X;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return s === 0 ? d : d / s;
}

function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} differs (${a[i]} vs ${b[i]})`);
}

function gramOf(M: Float64Array, k: number, m: number): Float64Array {
  const G = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) for (let j = 0; j < m; j++) G[a * k + b] += M[a * m + j] * M[b * m + j];
  return G;
}

/** Run every kernel on a source; returns all outputs (for equality checks). */
function runAll(src: K.RowSource, k: number, seed: number): Record<string, ArrayLike<number>> {
  const m = src.cols;
  const n = src.count;
  const r = rng(seed);
  const mu = Float64Array.from({ length: m }, () => 0.3 * r());
  const V = Float64Array.from({ length: k * m }, () => r() - 0.5);
  const out: Record<string, ArrayLike<number>> = {};
  out.gram = K.gram(src, mu)!;
  out.gramClip = K.gram(src, null, true)!;
  const mo = K.moments(src, mu, true)!;
  out.sums = mo.sums;
  out.sumsSq = mo.sumsSq;
  out.project = K.project(src, mu, V, k)!;
  const np = K.normalProduct(src, mu, V, k)!;
  out.Z = np.Z;
  out.ss = [np.ss];
  const labels = new Int32Array(n);
  const dist = new Float64Array(n);
  const sums = new Float64Array(k * m);
  const counts = new Float64Array(k);
  assert.ok(K.kmeansAssign(src, mu, V, k, labels, dist, sums, counts));
  Object.assign(out, { labels, dist, ksums: sums, counts });
  const all = new Float64Array(n * k);
  assert.ok(K.distances(src, mu, V, k, all));
  out.allDist = all;
  // three HALS passes
  const W = Float64Array.from({ length: n * k }, () => r());
  const H = Float64Array.from({ length: k * m }, () => r());
  const s = K.halsSession(src, W, k, true)!;
  for (let it = 0; it < 3; it++) {
    const p = s.pass(H, gramOf(H, k, m), 0.01);
    out[`WtX${it}`] = p.WtX;
    out[`WtW${it}`] = p.WtW;
    out[`viol${it}`] = [p.violation];
    for (let i = 0; i < H.length; i++) H[i] = Math.max(0, H[i] + 0.01 * (p.WtX[i] / (n + 1) - 0.5 * H[i]));
  }
  const Wout = new Float64Array(n * k);
  s.readW(Wout);
  s.dispose();
  out.W = Wout;
  const ws = K.rowWeightedSum(src, Wout, k, true)!;
  out.wsWtX = ws.WtX;
  out.wsWtW = ws.WtW;
  const wn = K.rowWeightedSum(src, Wout, k, false)!;
  out.wsWtXnoclip = wn.WtX;
  out.residual = [K.residualSumSq(src, Wout, H, k, true)!];
  // three multiplicative-update passes (the last with L1/L2)
  const ms = K.muSession(src, Wout, k, true)!;
  for (let it = 0; it < 3; it++) {
    const p = ms.pass(H, gramOf(H, k, m), it === 2 ? 0.01 : 0, it === 2 ? 0.02 : 0);
    out[`muWtX${it}`] = p.WtX;
    out[`muWtW${it}`] = p.WtW;
    out[`muCross${it}`] = [p.crossChange];
    for (let i = 0; i < H.length; i++) H[i] = Math.max(0, H[i] * (1 + 0.01 * Math.sin(i + it)));
  }
  const Wmu = new Float64Array(n * k);
  ms.readW(Wmu);
  ms.dispose();
  out.muW = Wmu;
  return out;
}

function referenceAll(src: K.RowSource, k: number, seed: number): Record<string, ArrayLike<number>> {
  const R = K.reference;
  const m = src.cols;
  const n = src.count;
  const r = rng(seed);
  const mu = Float64Array.from({ length: m }, () => 0.3 * r());
  const V = Float64Array.from({ length: k * m }, () => r() - 0.5);
  const out: Record<string, ArrayLike<number>> = {};
  out.gram = R.gram(src, mu);
  out.gramClip = R.gram(src, null, true);
  const mo = R.moments(src, mu, true);
  out.sums = mo.sums;
  out.sumsSq = mo.sumsSq;
  out.project = R.project(src, mu, V, k);
  const np = R.normalProduct(src, mu, V, k);
  out.Z = np.Z;
  out.ss = [np.ss];
  const labels = new Int32Array(n);
  const dist = new Float64Array(n);
  const sums = new Float64Array(k * m);
  const counts = new Float64Array(k);
  R.kmeansAssign(src, mu, V, k, labels, dist, sums, counts);
  Object.assign(out, { labels, dist, ksums: sums, counts });
  const all = new Float64Array(n * k);
  R.distances(src, mu, V, k, all);
  out.allDist = all;
  const W = Float64Array.from({ length: n * k }, () => r());
  const H = Float64Array.from({ length: k * m }, () => r());
  for (let it = 0; it < 3; it++) {
    const p = R.halsPass(src, W, k, true, H, gramOf(H, k, m), 0.01);
    out[`WtX${it}`] = p.WtX;
    out[`WtW${it}`] = p.WtW;
    out[`viol${it}`] = [p.violation];
    for (let i = 0; i < H.length; i++) H[i] = Math.max(0, H[i] + 0.01 * (p.WtX[i] / (n + 1) - 0.5 * H[i]));
  }
  out.W = W;
  const ws = R.rowWeightedSum(src, W, k, true);
  out.wsWtX = ws.WtX;
  out.wsWtW = ws.WtW;
  out.wsWtXnoclip = R.rowWeightedSum(src, W, k, false).WtX;
  out.residual = [R.residualSumSq(src, W, H, k, true)];
  const Wm = Float64Array.from(W);
  for (let it = 0; it < 3; it++) {
    const p = R.muPass(src, Wm, k, true, H, gramOf(H, k, m), it === 2 ? 0.01 : 0, it === 2 ? 0.02 : 0);
    out[`muWtX${it}`] = p.WtX;
    out[`muWtW${it}`] = p.WtW;
    out[`muCross${it}`] = [p.crossChange];
    // scale of ⟨W_new − W_old, XHᵀ⟩: ⟨W_new, XHᵀ⟩ = Σ (WᵀX)∘H (a difference of two such sums)
    let scale = 0;
    for (let i = 0; i < H.length; i++) scale += Math.abs(p.WtX[i] * H[i]);
    out[`muCrossScale${it}`] = [scale];
    for (let i = 0; i < H.length; i++) H[i] = Math.max(0, H[i] * (1 + 0.01 * Math.sin(i + it)));
  }
  out.muW = Wm;
  return out;
}

test('WASM kernels are available here (Node 20: SIMD, threads, shared memory)', () => {
  const info = K.info();
  assert.ok(info.available, `kernels unavailable: ${info.reason}`);
});

for (const [n, m, k] of [
  [3000, 37, 3],
  [2500, 256, 4],
  [700, 5, 1],
  [1000, 16, 6],
  [1001, 20, 5],
  [777, 256, 4],
  [65, 8, 2],
] as const) {
  test(`kernels equal the Float64 reference within ${TOL} (n=${n}, m=${m}, k=${k})`, () => {
    const data = cube(n, m, n + m);
    const src: K.RowSource = { data, cols: m, count: n };
    const a = runAll(src, k, 7);
    const b = referenceAll({ data: Float32Array.from(data), cols: m, count: n }, k, 7);
    for (const key of Object.keys(b)) {
      if (key === 'labels') {
        let diff = 0;
        for (let i = 0; i < n; i++) if (a.labels[i] !== b.labels[i]) diff++;
        assert.equal(diff, 0, 'k-means labels');
        continue;
      }
      if (key.startsWith('muCrossScale')) continue;
      if (key.startsWith('muCross')) {
        // a sum of differences W_new − W_old (each rounded to f32): relative to the scale of ⟨W, XHᵀ⟩
        const scale = b[key.replace('muCross', 'muCrossScale')][0];
        const d = Math.abs(a[key][0] - b[key][0]);
        assert.ok(d <= TOL * scale, `${key}: |difference| ${d} vs scale ${scale}`);
        continue;
      }
      const e = relErr(a[key], b[key]);
      assert.ok(e <= TOL, `${key}: relative error ${e}`);
    }
    K.freeCube(data);
  });
}

test('1 and 2 threads give bit-identical results; shared, staged and masked sources agree', () => {
  const n = 9000;
  const m = 45;
  const k = 4;
  const data = cube(n, m, 11);
  const plain = Float32Array.from(data);
  K.setThreads(1);
  const one = runAll({ data, cols: m, count: n }, k, 3);
  K.setThreads(2);
  const two = runAll({ data, cols: m, count: n }, k, 3);
  const staged = runAll({ data: plain, cols: m, count: n }, k, 3);
  K.setThreads(0);
  for (const key of Object.keys(one)) {
    same(two[key], one[key], `threads ${key}`);
    same(staged[key], one[key], `staged ${key}`);
  }
  // masked rows: same as the compacted matrix of the active rows
  const index = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1);
  const compact = K.allocateCube(index.length * m);
  index.forEach((row, r) => compact.set(data.subarray(row * m, row * m + m), r * m));
  const masked = runAll({ data, cols: m, count: index.length, rows: n, index }, k, 5);
  const dense = runAll({ data: compact, cols: m, count: index.length }, k, 5);
  for (const key of Object.keys(dense)) same(masked[key], dense[key], `masked ${key}`);
  K.freeCube(data);
  K.freeCube(compact);
});

test('out of core: a .npy file streamed from disk gives the in-memory results bit for bit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'specmap-kernels-'));
  try {
    const n = 6000;
    const m = 33;
    const k = 3;
    const data = cube(n, m, 23);
    const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (60, 100, ${m}), }`;
    const pad = 64 - ((10 + header.length + 1) % 64);
    const h = Buffer.from(header + ' '.repeat(pad) + '\n', 'latin1');
    const pre = Buffer.alloc(10);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(pre);
    pre.writeUInt16LE(h.length, 8);
    const bytes = Buffer.concat([pre, h, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
    const file = join(dir, 'cube.npy');
    writeFileSync(file, bytes);

    const mem = runAll({ data, cols: m, count: n }, k, 9);
    const f = K.openNpy(file);
    assert.deepEqual(f.shape, [60, 100, m]);
    try {
      for (const t of [1, 2]) {
        K.setThreads(t);
        const disk = runAll(f.source, k, 9);
        for (const key of Object.keys(mem)) same(disk[key], mem[key], `file (${t} threads) ${key}`);
      }
    } finally {
      K.setThreads(0);
      f.close();
    }
    const read = K.readIntoCube(file);
    same(read.data, data, 'readIntoCube');
    assert.ok(K.inKernelMemory(read.data));
    assert.equal(read.sha256, createHash('sha256').update(bytes).digest('hex'));
    K.freeCube(read.data);
    K.freeCube(data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('allocateCube: zero-filled, in shared memory, reusable after freeCube', () => {
  const a = K.allocateCube(1000);
  assert.ok(K.inKernelMemory(a));
  a.fill(3);
  K.freeCube(a);
  const b = K.allocateCube(1000);
  assert.ok(b.every((v) => v === 0));
  K.freeCube(b);
  // Float64 data and empty inputs are left to the caller's TypeScript path
  assert.equal(K.gram({ data: new Float64Array(12), cols: 3, count: 4 }), null);
});

test('a fresh build from the AssemblyScript sources reproduces dist/kernels.wasm', () => {
  const dir = mkdtempSync(join(tmpdir(), 'specmap-kernels-build-'));
  try {
    const r = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'build-wasm.js')], {
      env: { ...process.env, KERNELS_WASM_OUT: dir },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const fresh = readFileSync(join(dir, 'kernels.wasm'));
    const shipped = readFileSync(join(__dirname, '..', 'dist', 'kernels.wasm'));
    assert.ok(fresh.equals(shipped), 'fresh build differs from dist/kernels.wasm (run npm run build -w @specmap/kernels)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('allocateCube returns zeros: fresh memory, and a block reused after freeCube of a dirty cube', () => {
  const a = K.allocateCube(1 << 18);
  a.fill(7);
  K.freeCube(a);
  const b = K.allocateCube((1 << 18) + 1000); // the freed block and beyond it
  const c = K.allocateCube(1 << 20); // fresh memory above every earlier block
  const nonZero = (x: Float32Array) => x.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0);
  assert.equal(nonZero(b), 0);
  assert.equal(nonZero(c), 0);
  b.fill(3);
  K.freeCube(b);
  const d = K.allocateCube(1 << 17); // part of the dirty block again
  assert.equal(nonZero(d), 0);
  K.freeCube(c);
  K.freeCube(d);
});
