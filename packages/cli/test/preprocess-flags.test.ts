import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { parseArgs } from '../src/args';
import { PREPROCESS_FLAGS, preparePreprocessing } from '../src/flags/preprocess';

function stack(): SpectralStack {
  const w = 6;
  const h = 4;
  const E = Array.from({ length: 41 }, (_, i) => 700 + 0.75 * i);
  const m = E.length;
  const data = new Float32Array(w * h * m);
  for (let p = 0; p < w * h; p++) for (let e = 0; e < m; e++) data[p * m + e] = 0.2 + 0.001 * E[e] + (0.5 + p / 50) * (0.5 + Math.atan((E[e] - 710) / 0.6) / Math.PI) + Math.exp(-((E[e] - 711) ** 2));
  return { data, energies: Float64Array.from(E), width: w, height: h, metadata: { quantity: 'optical density', steps: [] } };
}

const ROOT = path.resolve(__dirname, '../../..');
const MSK_REL = 'data/nano-XANES-microscopy-of-Fe/ALS_Toner/71214078_FigS4/Aligned/mask_file.msk';
const MSK = [path.join(ROOT, '..', 'shared', MSK_REL), path.join('/work/shared', MSK_REL)].find((f) => fs.existsSync(f)) ?? path.join('/work/shared', MSK_REL);

const run = (argv: string[]) => {
  const s = stack();
  preparePreprocessing(parseArgs(argv, PREPROCESS_FLAGS))(s);
  return s;
};

test('preprocessing flags apply in the documented order and each is a provenance step with parameters', () => {
  const s = run(['--crop', '701:728', '--bin', '2', '--ebin', '2', '--mask', 'od>0.1@712', '--background', 'arctan', '--edge', '710', '--edge-width', '0.6', '--normalize', 'area']);
  assert.deepEqual(s.metadata.steps!.map((x) => x.name), ['crop', 'bin-spatial', 'bin-energy', 'mask-threshold', 'background', 'normalize']);
  assert.equal(s.width, 3);
  assert.equal(s.height, 2);
  for (const st of s.metadata.steps!) assert.ok(Object.keys(st.parameters).length > 0);
  const bg = s.metadata.steps![4].parameters;
  assert.deepEqual(bg.edges, [710]);
  assert.deepEqual(run(['--ebin', '2', '--poisson']).metadata.steps!.map((x) => x.name), ['bin-energy', 'poisson-scaling']);
  const l = run(['--background', 'shirley', '--background-range', '700:725']);
  assert.deepEqual(l.metadata.steps![0].parameters.range, [700, 724.75]);
  const k = run(['--crop', '0.701keV:0.728keV']);
  assert.deepEqual(k.metadata.steps![0].parameters.range, [701, 728]);
});

test('bad preprocessing flags are one-line errors', () => {
  const bad = (argv: string[], code: string) =>
    assert.throws(() => run(argv), (e: unknown) => e instanceof SpecmapError && e.code === code && !e.message.includes('\n'), argv.join(' '));
  bad(['--crop', '800:900'], 'ENERGY_RANGE');
  bad(['--crop', '720:710'], 'USAGE');
  bad(['--bin', '7'], 'BIN_FACTOR');
  bad(['--bin', 'two'], 'USAGE');
  bad(['--background', 'l3l2'], 'USAGE');
  bad(['--background', 'spline'], 'USAGE');
  bad(['--normalize', 'peak'], 'USAGE');
  bad(['--mask', MSK], 'MASK_SHAPE');
  bad(['--nan', 'zero'], 'USAGE');
});

test('--align takes an optional REF: alone it registers onto the middle channel; 709eV, an index and =REF still work', async () => {
  const { formatFlags } = await import('../src/args');
  const steps = (argv: string[]) => run(argv).metadata.steps!.filter((x) => x.name === 'register-frames');
  const alone = steps(['--align']);
  assert.equal(alone.length, 1);
  assert.equal(alone[0].parameters.referenceChannel, 20); // 41 channels: ⌊41/2⌋
  assert.equal(steps(['--align', '--ebin', '1'])[0].parameters.referenceChannel, 20);
  assert.equal(steps(['--align', '709eV'])[0].parameters.referenceChannel, 12); // 709 eV = 700 + 0.75·12
  assert.equal(steps(['--align', '5'])[0].parameters.referenceChannel, 5);
  assert.equal(steps(['--align=mid'])[0].parameters.referenceChannel, 20);
  assert.equal(steps(['--align=0.709keV'])[0].parameters.referenceChannel, 12);
  // a following input path is not taken as REF
  const parsed = parseArgs(['--align', 'stack.h5', '--align-energy', 'ref.txt'], PREPROCESS_FLAGS);
  assert.deepEqual(parsed.flags.get('align'), ['mid']);
  assert.deepEqual(parsed.positionals, ['stack.h5']);
  assert.throws(() => parseArgs(['--align', '--align', '3'], PREPROCESS_FLAGS), /given twice/);
  assert.throws(() => parseArgs(['--align='], PREPROCESS_FLAGS), /needs a value/);
  assert.throws(() => run(['--align', '70']), (e: unknown) => e instanceof SpecmapError && e.code === 'ARGUMENT');
  assert.throws(() => run(['--align=709']), (e: unknown) => e instanceof SpecmapError && e.code === 'ARGUMENT'); // a bare number is a channel index, as before
  assert.throws(() => run(['--align=7o9eV']), (e: unknown) => e instanceof SpecmapError && e.code === 'USAGE');
  assert.match(formatFlags(PREPROCESS_FLAGS), /--align \[REF\]/);
});

/** A stack whose every spectrum is a known background (per-pixel a, h) plus a peak at 724 eV. */
function modelStack(shift = 0): { stack: SpectralStack; peak: (E: number) => number; a: number[]; h: number[] } {
  const w = 4;
  const h = 3;
  const E = Array.from({ length: 121 }, (_, i) => 700 + 0.25 * i);
  const m = E.length;
  const data = new Float32Array(w * h * m);
  const as: number[] = [];
  const hs: number[] = [];
  const peak = (x: number) => 0.8 * Math.exp(-(((x - 724) / 0.6) ** 2));
  for (let p = 0; p < w * h; p++) {
    const a = 0.1 + 0.02 * p;
    const hh = 0.5 + 0.05 * p;
    as.push(a);
    hs.push(hh);
    for (let e = 0; e < m; e++) {
      const x = E[e] - shift;
      data[p * m + e] = a + 0.002 * (x - 700) + hh * (0.5 + Math.atan((x - 709) / 1.2) / Math.PI) + peak(x);
    }
  }
  return { stack: { data, energies: Float64Array.from(E), width: w, height: h, metadata: { quantity: 'optical density', steps: [] } }, peak, a: as, h: hs };
}

test('--background-model fits a mathjs expression to every spectrum and subtracts it (recorded in provenance)', () => {
  const { stack, peak, a, h } = modelStack();
  const argv = ['--background-model', 'a + b*(E - 700) + h*(1/2 + atan((E - e0)/w)/pi)', '--background-params', 'a=0,b=0,h=1,e0=708,w=1[0.1:5]', '--background-range', '700:718'];
  preparePreprocessing(parseArgs(argv, PREPROCESS_FLAGS))(stack);
  const m = stack.energies.length;
  let worst = 0;
  for (let p = 0; p < stack.width * stack.height; p++) for (let e = 0; e < m; e++) worst = Math.max(worst, Math.abs(stack.data[p * m + e] - peak(stack.energies[e])));
  assert.ok(worst < 2e-3, `residual after the fitted background differs from the peak by ${worst}`);
  const maps = stack.metadata.modelParameters as Record<string, Float32Array>;
  for (let p = 0; p < a.length; p++) {
    assert.ok(Math.abs(maps.a[p] - a[p]) < 1e-3, `a[${p}] = ${maps.a[p]}, true ${a[p]}`);
    assert.ok(Math.abs(maps.h[p] - h[p]) < 1e-3, `h[${p}] = ${maps.h[p]}, true ${h[p]}`);
    assert.ok(Math.abs(maps.e0[p] - 709) < 1e-2 && Math.abs(maps.w[p] - 1.2) < 1e-2);
  }
  const step = stack.metadata.steps!.find((s) => s.name === 'background')!;
  assert.equal(step.parameters.model, 'custom');
  assert.equal(step.parameters.expression, argv[1]);
  assert.deepEqual(step.parameters.windows, [[700, 718]]);
  assert.deepEqual(step.parameters.initial, { a: 0, b: 0, h: 1, e0: 708, w: 1 });
});

test('--align-energy shifts the energy axis onto a reference spectrum (the known shift recovered, recorded in provenance)', (t) => {
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'specmap-align-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ref = path.join(dir, 'ref.txt');
  const fine = Array.from({ length: 451 }, (_, i) => 695 + 0.1 * i);
  // the reference: the stack's mean spectrum on the unshifted axis (mean a = 0.21, mean h = 0.775)
  const f = (x: number) => 0.21 + 0.002 * (x - 700) + 0.775 * (0.5 + Math.atan((x - 709) / 1.2) / Math.PI) + 0.8 * Math.exp(-(((x - 724) / 0.6) ** 2)) + Math.exp(-(((x - 710.5) / 0.8) ** 2));
  fs.writeFileSync(ref, '# energy value\n' + fine.map((x) => `${x.toFixed(2)} ${f(x)}`).join('\n') + '\n');
  const { stack } = modelStack(0.65);
  const m = stack.energies.length;
  for (let p = 0; p < stack.width * stack.height; p++) for (let e = 0; e < m; e++) stack.data[p * m + e] += Math.exp(-(((stack.energies[e] - 0.65 - 710.5) / 0.8) ** 2));
  const E0 = Float64Array.from(stack.energies);
  preparePreprocessing(parseArgs(['--align-energy', ref, '--align-energy-max-shift', '1.5'], PREPROCESS_FLAGS))(stack);
  const step = stack.metadata.steps!.find((s) => s.name === 'align-energy')!;
  assert.ok(Math.abs((step.parameters.shift as number) - 0.65) < 0.01, `shift ${step.parameters.shift}`);
  assert.equal(step.parameters.reference, 'ref.txt');
  assert.equal(step.parameters.maxShift, 1.5);
  assert.ok(Math.abs(stack.energies[0] - (E0[0] - 0.65)) < 0.01);
  // with a background model: align first (6b), then the background (8), both recorded in that order
  const s2 = modelStack(0.65).stack;
  preparePreprocessing(parseArgs(['--background-model', 'c + d*E', '--background-params', 'c=0,d=0', '--align-energy', ref], PREPROCESS_FLAGS))(s2);
  assert.deepEqual(s2.metadata.steps!.map((x) => x.name), ['align-energy', 'background']);
});

test('bad --background-model / --align-energy flags are one-line usage errors before any work', () => {
  const bad = (argv: string[], code: string, re: RegExp) =>
    assert.throws(() => preparePreprocessing(parseArgs(argv, PREPROCESS_FLAGS)), (e: unknown) => e instanceof SpecmapError && e.code === code && re.test(e.message) && !e.message.includes('\n'), argv.join(' '));
  bad(['--background-params', 'a=1'], 'USAGE', /needs --background-model/);
  bad(['--background-model', 'a + b*E'], 'USAGE', /initial value for a, b/);
  bad(['--background-model', 'a + b*E', '--background-params', 'a=0,b=0,c=1'], 'USAGE', /no parameter c/);
  bad(['--background-model', 'a + b*E', '--background-params', 'a=0,b=x'], 'USAGE', /NAME=VALUE/);
  bad(['--background-model', 'a + b*E', '--background-params', 'a=0,b=5[0:1]'], 'USAGE', /LO ≤ VALUE ≤ HI/);
  bad(['--background-model', 'a + (b*E', '--background-params', 'a=0,b=0'], 'USAGE', /--background-model/);
  bad(['--background-model', 'a + b', '--background-params', 'a=0,b=0'], 'USAGE', /energy variable/);
  bad(['--background', 'linear', '--background-model', 'a + b*E', '--background-params', 'a=0,b=0'], 'USAGE', /not both/);
  bad(['--align-energy-max-shift', '1'], 'USAGE', /needs --align-energy/);
  bad(['--align-energy', '/nonexistent/ref.txt'], 'ENOENT', /ref\.txt/);
});
