/**
 * `specmap analyze` writes result.arrow and report.html from one
 * encodeResultChunks list (views of the result's arrays, the measured spectra
 * possibly in the kernels' shared cube): the files must be byte for byte what
 * encodeResult(result) and buildReportHtml(encodeResult(result)) give — the
 * bytes the command wrote before it streamed them — in memory and out of core.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeResult } from '@specmap/arrow';
import { buildReportHtml } from '@specmap/widget/dist/report';
import { runAnalyze } from '../src/commands/analyze';
import { summaryHtml } from '../src/summary-html';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-report-bytes-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

function writeNpy(name: string, data: Float32Array, shape: number[]): string {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const h = Buffer.from(header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n', 'latin1');
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(h.length, 8);
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.concat([pre, h, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
  return file;
}

// 72×60×64 = 276,480 values ≥ 2^18: read into the kernels' shared cube (measured spectra are views of it) or streamed.
const H = 72;
const W = 60;
const M = 64;
const X = new Float32Array(H * W * M);
let s = 7;
for (let i = 0; i < X.length; i++) {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  const p = Math.floor(i / M);
  const j = i % M;
  X[i] = 0.2 + ((p % W) / W) * Math.exp(-0.5 * ((j - 20) / 5) ** 2) + (Math.floor(p / W) / H) * Math.exp(-0.5 * ((j - 40) / 6) ** 2) + 0.01 * (s / 2 ** 32);
}
const INPUT = writeNpy('cube.npy', X, [H, W, M]);

for (const [name, flags] of [
  ['pca in memory', ['--method', 'pca', '--components', '3']],
  ['nmf in memory, binned spectra', ['--method', 'nmf', '--components', '3', '--max-iter', '5', '--spectra-budget', '0.3']],
  ['kmeans out of core', ['--method', 'kmeans', '--components', '3', '--out-of-core']],
] as const) {
  test(`specmap analyze (${name}): result.arrow = encodeResult(result), report.html = buildReportHtml(encodeResult(result)), byte for byte`, () => {
    const out = path.join(dir, name.replace(/\W+/g, '-'));
    const run = runAnalyze([INPUT, ...flags, '--out', out]);
    const payload = encodeResult(run.result);
    assert.ok(payload.length > 3 << 15, `payload of ${payload.length} bytes spans several base64 pieces`);
    assert.ok(fs.readFileSync(path.join(out, 'result.arrow')).equals(Buffer.from(payload)), 'result.arrow');
    const title = `specmap ${run.result.method.toUpperCase()} k=${run.result.k}: ${path.basename(INPUT)}`;
    const html = buildReportHtml(payload, { title, summaryHtml: summaryHtml(run.summary) });
    assert.ok(fs.readFileSync(path.join(out, 'report.html')).equals(Buffer.from(html, 'utf8')), 'report.html');
  });
}
