/**
 * `specmap analyze --out-of-core` (and automatic streaming above
 * --memory-limit) against the in-memory run on the same file: every output
 * (weights.npy, components.csv, figure.png byte for byte; summary.json and the
 * decoded result.arrow field by field) is the same, apart from
 * parameters.outOfCore, the command line, the timings and the date. Obstacles
 * to streaming are refused with one error line naming them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeResult } from '@specmap/arrow';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/specmap.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-ooc-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

function specmap(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeNpy(name: string, data: Float32Array, shape: number[]): string {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const h = Buffer.from(header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n', 'latin1');
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(h.length, 8);
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.concat([pre, h, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
  return file;
}

/** H×W×m cube: 3 smooth maps × 3 edge-like spectra + noise (non-negative). */
function cube(h: number, w: number, m: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const S = [0, 1, 2].map((t) => Array.from({ length: m }, (_, j) => 0.1 + 0.5 / (1 + Math.exp(-(j - m * (0.3 + 0.1 * t)) / 2)) + Math.exp(-0.5 * ((j - m * (0.45 + 0.1 * t)) / 2) ** 2)));
  const X = new Float32Array(h * w * m);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const a = [Math.exp(-((x - w / 3) ** 2 + (y - h / 3) ** 2) / (0.1 * w * h)), 0.5 + 0.5 * Math.sin(x / 7), y / h];
      const o = (y * w + x) * m;
      for (let j = 0; j < m; j++) X[o + j] = a[0] * S[0][j] + a[1] * S[1][j] + a[2] * S[2][j] + 0.005 * r();
    }
  }
  return X;
}

const BIG = writeNpy('big.npy', cube(70, 61, 64, 1), [70, 61, 64]); // 273,280 values ≥ 2^18: streamed by the kernels
const SMALL = writeNpy('small.npy', cube(20, 15, 30, 2), [20, 15, 30]); // read whole (in memory in both runs)
const REF = path.join(dir, 'ref.txt');
fs.writeFileSync(REF, Array.from({ length: 80 }, (_, i) => `${700 + i * 0.25} ${0.1 + 0.5 / (1 + Math.exp(-(i - 20) / 2))}`).join('\n') + '\n');

function read(d: string, f: string): Buffer {
  return fs.readFileSync(path.join(d, f));
}

/** Plain JSON-comparable copy of a decoded result without the fields that legitimately differ. */
function comparable(x: unknown): unknown {
  return JSON.parse(
    JSON.stringify(x, (k, v) => {
      if (k === 'outOfCore' || k === 'date' || k === 'command' || k === 'timings') return undefined;
      if (ArrayBuffer.isView(v)) return { typed: v.constructor.name, values: Array.from(v as Float64Array).map((n) => (Object.is(n, -0) ? '-0' : Number.isNaN(n) ? 'NaN' : n)) };
      return v;
    }),
  );
}

function runBoth(name: string, input: string, flags: string[], streamFlags = ['--out-of-core', '--memory-limit', '64KiB']) {
  const mem = path.join(dir, `${name}-mem`);
  const ooc = path.join(dir, `${name}-ooc`);
  const a = specmap(['analyze', input, ...flags, '--out', mem]);
  assert.equal(a.code, 0, a.stderr);
  const b = specmap(['analyze', input, ...flags, ...streamFlags, '--out', ooc]);
  assert.equal(b.code, 0, b.stderr);
  return { mem, ooc };
}

function assertSameOutputs(mem: string, ooc: string, what: string) {
  for (const f of ['weights.npy', 'components.csv', 'figure.png']) assert.ok(read(mem, f).equals(read(ooc, f)), `${what}: ${f} differs`);
  const sa = JSON.parse(read(mem, 'summary.json').toString());
  const sb = JSON.parse(read(ooc, 'summary.json').toString());
  assert.ok(sb.parameters.outOfCore, `${what}: summary.json parameters.outOfCore says it streamed`);
  assert.equal(sa.parameters.outOfCore, undefined);
  assert.deepEqual(comparable(sb), comparable(sa), `${what}: summary.json`);
  const ra = decodeResult(new Uint8Array(read(mem, 'result.arrow')));
  const rb = decodeResult(new Uint8Array(read(ooc, 'result.arrow')));
  assert.deepEqual(comparable(rb), comparable(ra), `${what}: result.arrow`);
  return sb;
}

test('analyze --out-of-core equals the in-memory run: nmf, kmeans, pca (full, randomized); binned and full measured spectra; references', () => {
  const cases: Array<[string, string[]]> = [
    ['nmf', ['--method', 'nmf', '--components', '3', '--max-iter', '80', '--energy-range', '700:0.25', '--references', REF]],
    ['nmf-tol0', ['--method', 'nmf', '--components', '4', '--max-iter', '15', '--tol', '0', '--init', 'nndsvdar', '--seed', '3', '--spectra-budget', '0.1']],
    ['kmeans', ['--method', 'kmeans', '--components', '4', '--n-init', '2', '--seed', '1', '--spectra-budget', '0.05']],
    ['pca', ['--method', 'pca', '--components', '3']],
    ['pca-rand', ['--method', 'pca', '--components', '3', '--pca-solver', 'randomized', '--seed', '2', '--spectra-budget', '0']],
  ];
  for (const [name, flags] of cases) {
    const { mem, ooc } = runBoth(name, BIG, flags);
    const s = assertSameOutputs(mem, ooc, name);
    assert.equal(s.parameters.outOfCore.mode, 'streamed', name);
    assert.equal(s.parameters.outOfCore.reason, '--out-of-core');
    assert.ok(s.parameters.outOfCore.blockRows < 70 * 61, `${name}: several read blocks`);
    if (name === 'kmeans' || name === 'nmf-tol0') assert.ok(s.measuredSpectra.binning > 1, `${name}: binned measured spectra`);
  }
  const { mem, ooc } = runBoth('small', SMALL, ['--method', 'nmf', '--components', '2']);
  assert.equal(assertSameOutputs(mem, ooc, 'small').parameters.outOfCore.mode, 'in memory');
});

test('a cube above --memory-limit streams automatically (and says why); with preprocessing it is read into memory', () => {
  const { mem, ooc } = runBoth('auto', BIG, ['--method', 'kmeans', '--components', '3', '--n-init', '1'], ['--memory-limit', '100MB']);
  const s = assertSameOutputs(mem, ooc, 'auto');
  assert.match(s.parameters.outOfCore.reason, /above the memory limit of 95\.4 MiB/);
  const pre = path.join(dir, 'auto-pre');
  const r = specmap(['analyze', BIG, '--method', 'kmeans', '--components', '3', '--n-init', '1', '--memory-limit', '100MB', '--crop', '5:40', '--out', pre]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(read(pre, 'summary.json').toString()).parameters.outOfCore, undefined);
});

test('the streamed run agrees with the in-memory pure-TypeScript run (SPECMAP_KERNELS=0) within the kernels tolerance', () => {
  const ts = path.join(dir, 'ts');
  const a = specmap(['analyze', BIG, '--method', 'nmf', '--components', '3', '--max-iter', '40', '--tol', '0', '--out', ts], { SPECMAP_KERNELS: '0' });
  assert.equal(a.code, 0, a.stderr);
  const ooc = path.join(dir, 'ts-ooc');
  const b = specmap(['analyze', BIG, '--method', 'nmf', '--components', '3', '--max-iter', '40', '--tol', '0', '--out-of-core', '--out', ooc]);
  assert.equal(b.code, 0, b.stderr);
  const ra = decodeResult(new Uint8Array(read(ts, 'result.arrow')));
  const rb = decodeResult(new Uint8Array(read(ooc, 'result.arrow')));
  let d = 0;
  let s = 0;
  for (let i = 0; i < ra.components.length; i++) {
    d = Math.max(d, Math.abs(ra.components[i] - rb.components[i]));
    s = Math.max(s, Math.abs(ra.components[i]));
  }
  assert.ok(d / s < 1e-4, `components relative difference ${d / s}`);
  const ea = ra.parameters.reconstructionError as number;
  const eb = rb.parameters.reconstructionError as number;
  assert.ok(Math.abs(ea - eb) / ea < 1e-5, `error ${ea} vs ${eb}`);
});

/** One error line, no stack trace. */
function assertError(r: { code: number | null; stderr: string }, pattern: RegExp) {
  assert.notEqual(r.code, 0);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^specmap: error: /);
  assert.match(lines[0], pattern);
}

test('--out-of-core refuses what needs the cube in memory, naming it; NaN gives the in-memory message', () => {
  const out = path.join(dir, 'refused');
  assertError(specmap(['analyze', BIG, '--components', '2', '--out-of-core', '--crop', '5:40', '--poisson', '--out', out]), /--out-of-core: preprocessing needs the whole cube in memory: --crop, --poisson/);
  assertError(specmap(['analyze', BIG, '--components', '2', '--out-of-core', '--method', 'ica', '--out', out]), /--out-of-core: method ica needs the whole cube in memory/);
  assertError(specmap(['analyze', BIG, '--components', '2', '--out-of-core', '--solver', 'mu', '--out', out]), /--out-of-core: NMF solver 'mu' needs the cube in memory/);
  assertError(specmap(['analyze', BIG, '--components', '2', '--out-of-core', '--axis-order', 'exy', '--out', out]), /--axis-order exy needs the cube in memory/);
  assertError(specmap(['analyze', BIG, '--components', '2', '--memory-limit', 'lots', '--out', out]), /--memory-limit must be a positive size/);
  const f8 = path.join(dir, 'f8.npy');
  const header = `{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3, 2), }`;
  const h = Buffer.from(header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n', 'latin1');
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(h.length, 8);
  fs.writeFileSync(f8, Buffer.concat([pre, h, Buffer.alloc(192)]));
  assertError(specmap(['analyze', f8, '--components', '2', '--out-of-core', '--out', out]), /--out-of-core: .*float32/);
  const X = cube(70, 61, 64, 1);
  X[(5 * 61 + 7) * 64 + 9] = NaN;
  const nan = writeNpy('nan.npy', X, [70, 61, 64]);
  const a = specmap(['analyze', nan, '--components', '2', '--out', out]);
  const b = specmap(['analyze', nan, '--components', '2', '--out-of-core', '--out', out]);
  assertError(b, /stack contains NaN at pixel \(x=7, y=5\), channel 9/);
  assert.equal(b.stderr, a.stderr);
});
