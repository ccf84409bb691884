import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, opticalDensity, syntheticStack } from '@specmap/core';
import { readSpectrum, readStack, writeNpy } from '@specmap/io';
import { binSpatial, cropEnergy, thresholdMask } from '@specmap/preprocess';
import { decodeResult, encodeResult } from '@specmap/arrow';
import { saveResult } from '@specmap/notebook';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/specmap.js');

function specmap(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A small transmission stack (24×20 px, 40 energies) with known truth, as a
 * .npy cube of intensities I = I0·exp(−OD) with its energy list and I0
 * spectrum, in a fresh folder.
 */
function fixture(): { dir: string; npy: string; energies: string; i0: string; energyValues: Float64Array } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-replay-'));
  const m = 40;
  const E = Float64Array.from({ length: m }, (_, i) => 700 + i * 0.5);
  const a = E.map((e) => 0.2 + 0.8 / (1 + Math.exp(-(e - 708) / 0.8)) + 0.6 * Math.exp(-(((e - 709) / 0.7) ** 2)));
  const b = E.map((e) => 0.2 + 0.8 / (1 + Math.exp(-(e - 710) / 0.8)) + 0.6 * Math.exp(-(((e - 711.5) / 0.7) ** 2)));
  const { stack } = syntheticStack({ spectra: [{ name: 'a', values: a }, { name: 'b', values: b }], energies: E, width: 24, height: 20, seed: 3, noise: { counts: 3000 } });
  const i0 = E.map((e) => 1000 + 2 * (e - 700));
  const m0 = stack.energies.length;
  const I = new Float32Array(stack.data.length);
  for (let p = 0; p < stack.width * stack.height; p++) for (let e = 0; e < m0; e++) I[p * m0 + e] = i0[e] * Math.exp(-stack.data[p * m0 + e]);
  const npy = path.join(dir, 'cube.npy');
  writeNpy(npy, I, [stack.height, stack.width, m0]);
  const energies = path.join(dir, 'energies.txt');
  fs.writeFileSync(energies, Array.from(E, (e) => e.toFixed(2)).join('\n') + '\n');
  const i0File = path.join(dir, 'i0.txt');
  fs.writeFileSync(i0File, Array.from(E, (e, i) => `${e.toFixed(2)} ${i0[i]}`).join('\n') + '\n');
  return { dir, npy, energies, i0: i0File, energyValues: E };
}

function cliRun(f: ReturnType<typeof fixture>, extra: string[] = []): string {
  const out = path.join(f.dir, 'run');
  // relative paths, started from the fixture folder: replay must find that folder again
  const r = specmap(['analyze', 'cube.npy', '--energies', 'energies.txt', '--i0', 'i0.txt', '--crop', '701:717', '--method', 'nmf', '--components', '2', '--max-iter', '40', '--out', 'run', ...extra], f.dir);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

test('replay of a CLI run is identical bit for bit (exit 0, one-line verdict)', () => {
  const f = fixture();
  const out = cliRun(f);
  const r = specmap(['replay', path.join(out, 'summary.json')]); // from another folder
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^specmap: replay IDENTICAL: nmf k=2 \(CLI run\)/);
  assert.match(lines[1], /fields identical bit for bit: .*weights, components.*weights\.npy, components\.csv/);
});

test('replay of a notebook run saved with saveResult is identical (steps re-applied by name)', () => {
  const f = fixture();
  const E = readStack(f.npy, { energies: f.energyValues }).energies; // as read
  let stack = readStack(f.npy, { energies: E });
  opticalDensity(stack, { ...readSpectrum(f.i0), name: 'i0.txt' });
  stack = cropEnergy(stack, 701, 717);
  stack = binSpatial(stack, 2);
  thresholdMask(stack, 'od>0.1@709');
  const result = analyze(stack, { method: 'nmf', components: 2, seed: 1, maxIter: 30, input: f.npy });
  const dir = path.join(f.dir, 'nb');
  const saved = saveResult(result, dir, { stack, readOptions: { energies: E } });
  for (const file of ['result.arrow', 'components.csv', 'weights.npy', 'figure.png', 'summary.json']) assert.ok(saved.outputs.includes(file) && fs.existsSync(path.join(dir, file)), file);
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  assert.equal(summary.replay.kind, 'notebook');
  assert.deepEqual(summary.replay.steps.map((s: { name: string }) => s.name), ['optical-density', 'crop', 'bin-spatial', 'mask-threshold']);
  assert.equal(summary.replay.files[0].name, 'i0.txt');
  assert.match(summary.replay.files[0].sha256, /^[0-9a-f]{64}$/);
  assert.equal(summary.replay.analyzeOptions.maxIter, 30);
  const r = specmap(['replay', dir]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^specmap: replay IDENTICAL: nmf k=2 \(notebook run\)/);
});

test('replay refuses a modified input file, naming the file and both hashes', () => {
  const f = fixture();
  const out = cliRun(f);
  const recorded = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).provenance.inputSha256 as string;
  const bytes = fs.readFileSync(f.npy);
  bytes[bytes.length - 3] ^= 0x01; // one bit of one intensity
  fs.writeFileSync(f.npy, bytes);
  const r = specmap(['replay', path.join(out, 'summary.json')]);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^specmap: error: input changed: .*cube\.npy has sha256 [0-9a-f]{64} but .*summary\.json recorded ([0-9a-f]{64})$/);
  assert.ok(lines[0].endsWith(recorded));
  assert.ok(!lines[0].includes(`sha256 ${recorded}`));
});

test('replay reports a tampered result as different (exit 1, diff table)', () => {
  const f = fixture();
  const out = cliRun(f);
  const file = path.join(out, 'result.arrow');
  const res = decodeResult(new Uint8Array(fs.readFileSync(file)));
  res.weights[17] = res.weights[17] * 1.001 + 1e-6;
  fs.writeFileSync(file, encodeResult(res));
  const r = specmap(['replay', path.join(out, 'summary.json')]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^specmap: replay DIFFERENT: nmf k=2 .*1 of \d+ fields differ \(bit-for-bit comparison\)/);
  assert.match(lines[1], /^field\s+values\s+differing\s+max \|diff\|/);
  const row = lines.find((l) => l.startsWith('weights '));
  assert.ok(row, r.stdout);
  assert.match(row!, /^weights\s+960\s+1\s+/);
  assert.match(row!, /different$/);
  // --tolerance switches the mode and says so in the verdict
  const t = specmap(['replay', path.join(out, 'summary.json'), '--tolerance']);
  assert.match(t.stdout, /--tolerance/);
});

test('replay: bad manifests are one-line errors', () => {
  const f = fixture();
  const r1 = specmap(['replay', path.join(f.dir, 'nothing', 'summary.json')]);
  assert.equal(r1.code, 1);
  assert.match(r1.stderr, /^specmap: error: file not found: .*nothing\/summary\.json\n$/);
  fs.mkdirSync(path.join(f.dir, 'bad'));
  fs.writeFileSync(path.join(f.dir, 'bad', 'summary.json'), '{"command": ["specmap", "scan"]}');
  fs.copyFileSync(path.join(cliRun(f), 'result.arrow'), path.join(f.dir, 'bad', 'result.arrow'));
  const r2 = specmap(['replay', path.join(f.dir, 'bad')]);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /records neither a specmap analyze command nor a notebook run/);
  const r3 = specmap(['replay']);
  assert.equal(r3.code, 2);
});

test('replay of a notebook run on a synthetic stack (no input file): saveResult writes input.npy, replay reads it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-replay-syn-'));
  const m = 30;
  const E = Float64Array.from({ length: m }, (_, i) => 700.1 + i * 0.37);
  const a = E.map((e) => 0.1 + 1 / (1 + Math.exp(-(e - 706) / 0.8)));
  const b = E.map((e) => 0.1 + 1 / (1 + Math.exp(-(e - 708) / 0.8)));
  const { stack } = syntheticStack({ spectra: [{ name: 'a', values: a }, { name: 'b', values: b }], energies: E, width: 16, height: 12, seed: 5, noise: { counts: 2000 } });
  stack.metadata.warnings = ['a warning of the input'];
  stack.mask = Uint8Array.from({ length: 16 * 12 }, (_, p) => (p % 7 === 3 ? 0 : 1));
  // no steps: the stack itself is the input
  const result = analyze(stack, { method: 'nmf', components: 2, seed: 2, maxIter: 25, spectraBudgetBytes: 0 });
  const out = path.join(dir, 'plain');
  const saved = saveResult(result, out, { stack, options: { method: 'nmf', components: 2, seed: 2, maxIter: 25, spectraBudgetBytes: 0 } });
  assert.ok(saved.outputs.includes('input.npy') && fs.existsSync(path.join(out, 'input.npy')));
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.replay.input, null);
  assert.equal(summary.replay.inputCopy.file, 'input.npy');
  assert.match(summary.replay.inputCopy.sha256, /^[0-9a-f]{64}$/);
  assert.equal(summary.replay.inputCopy.metadata.source, 'synthetic');
  const r = specmap(['replay', path.join(out, 'summary.json')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^specmap: replay IDENTICAL: nmf k=2 \(notebook run\)/);

  // with steps: the stack before them is given as `input`, and the steps are re-applied
  const before = { ...stack, data: stack.data.slice(), mask: undefined, metadata: { ...stack.metadata } };
  let st = cropEnergy({ ...before, data: before.data.slice(), metadata: { ...before.metadata } }, 702, 710);
  st = binSpatial(st, 2);
  const res2 = analyze(st, { method: 'pca', components: 2 });
  const out2 = path.join(dir, 'steps');
  saveResult(res2, out2, { stack: st, input: before });
  const r2 = specmap(['replay', out2]);
  assert.equal(r2.code, 0, r2.stdout + r2.stderr);
  assert.match(r2.stdout, /^specmap: replay IDENTICAL: pca k=2 \(notebook run\)/);

  // a changed input.npy is an error naming it
  const file = path.join(out, 'input.npy');
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 2] ^= 0x01;
  fs.writeFileSync(file, bytes);
  const r3 = specmap(['replay', out]);
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /^specmap: error: saved input changed: .*input\.npy has sha256 [0-9a-f]{64} but .*summary\.json recorded [0-9a-f]{64}\n$/);
});
