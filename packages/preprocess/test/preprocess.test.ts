import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SpecmapError } from '@specmap/core';
import { readStack } from '@specmap/io';
import {
  cropEnergy, binEnergy, binSpatial, readMaskFile, applyMask, thresholdMask, nanPolicy, parseMaskText,
  phaseCorrelate, shiftFrame, registerFrames, arctanStep, stepShape, linearBackground, shirleyBackground,
  edgeStepBackground, subtractBackground, poissonScale, estimateEnergyShift, alignEnergy, pearsonR,
  cosineSimilarity, euclideanDistance, spectralAngle, normalizeStack, compileModel, fitModel, convertEnergies,
  parseEnergy, subtractModel,
} from '../src';
import { linspace, makeStack, maxAbsDiff, py } from './helpers';

const ROOT = path.resolve(__dirname, '../../..');
const MSK_REL = 'data/nano-XANES-microscopy-of-Fe/ALS_Toner/71214078_FigS4/Aligned/mask_file.msk';
// The shared data folder sits beside the repository (CI) or at /work/shared.
const MSK = [path.join(ROOT, '..', 'shared', MSK_REL), path.join('/work/shared', MSK_REL)].find((f) => fs.existsSync(f)) ?? path.join('/work/shared', MSK_REL);

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof SpecmapError && e.code === code && !e.message.includes('\n'));
}

test('crop keeps exactly the channels inside the range and records the step', () => {
  const E = linspace(700, 730, 31);
  const s = makeStack(3, 2, E, (x, y, En) => x + 10 * y + En / 1000);
  const c = cropEnergy(s, 705, 710);
  assert.deepEqual(Array.from(c.energies), [705, 706, 707, 708, 709, 710]);
  for (let p = 0; p < 6; p++) for (let j = 0; j < 6; j++) assert.equal(c.data[p * 6 + j], s.data[p * 31 + 5 + j]);
  assert.equal(s.energies.length, 31, 'input untouched');
  assert.deepEqual(c.metadata.steps!.at(-1), { name: 'crop', parameters: { range: [705, 710], channelsBefore: 31, channelsAfter: 6, firstChannel: 5, energyRange: [705, 710] } });
  throwsCode(() => cropEnergy(s, 800, 900), 'ENERGY_RANGE');
  throwsCode(() => cropEnergy(s, 710, 705), 'ENERGY_RANGE');
});

test('spectral and spatial binning are exact means; bad factors are errors', () => {
  const E = linspace(1, 7, 7);
  const s = makeStack(5, 3, E, (x, y, En) => x * 100 + y * 10 + En);
  const b = binEnergy(s, 2);
  assert.deepEqual(Array.from(b.energies), [1.5, 3.5, 5.5]);
  assert.equal(b.data[0], 1.5);
  assert.equal(b.metadata.steps!.at(-1)!.parameters.droppedChannels, 1);
  const sp = binSpatial(s, 2, 2);
  assert.equal(sp.width, 2);
  assert.equal(sp.height, 1);
  // pixel (0,0) of the binned stack = mean of x∈{0,1}, y∈{0,1} = 50 + 5 + E
  for (let e = 0; e < 7; e++) assert.ok(Math.abs(sp.data[e] - (55 + E[e])) < 1e-4);
  for (let e = 0; e < 7; e++) assert.ok(Math.abs(sp.data[7 + e] - (255 + E[e])) < 1e-4);
  const sp2 = binSpatial(s, 2, 1);
  assert.equal(sp2.height, 3);
  throwsCode(() => binSpatial(s, 6, 6), 'BIN_FACTOR');
  throwsCode(() => binEnergy(s, 8), 'BIN_FACTOR');
  throwsCode(() => binSpatial(s, 0), 'ARGUMENT');
});

test('the real aXis2000 .msk of the Fe stack reads as 125×125 with O = in, and applies to the real stack', () => {
  const img = readMaskFile(MSK);
  assert.equal(img.format, 'axis2000-msk');
  assert.equal(img.width, 125);
  assert.equal(img.height, 125);
  const text = fs.readFileSync(MSK, 'latin1').split('\n');
  let count = 0;
  for (const l of text) for (const ch of l) if (ch === 'O') count++;
  let inside = 0;
  for (const v of img.mask) inside += v;
  assert.equal(inside, count);
  assert.ok(inside > 100 && inside < 125 * 125);
  assert.equal(img.mask[0], text[0][0] === 'O' ? 1 : 0);
  const stack = readStack(path.join(ROOT, 'examples/data/stxm-fe/71214078.hdr'));
  applyMask(stack, img, 'mask_file.msk');
  assert.equal(stack.metadata.steps!.at(-1)!.name, 'mask');
  assert.equal(stack.metadata.steps!.at(-1)!.parameters.pixelsIn, count);
  // shape mismatch
  const small = makeStack(4, 4, [1, 2], () => 1);
  throwsCode(() => applyMask(small, img), 'MASK_SHAPE');
  // text 0/1 and npy forms
  const t = parseMaskText('0 1 1\n1 0 0\n');
  assert.deepEqual(Array.from(t.mask), [0, 1, 1, 1, 0, 0]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-mask-'));
  const npy = path.join(dir, 'm.npy');
  py(`import numpy as np, json; np.save(${JSON.stringify(npy)}, np.array([[True, False, True], [False, True, True]])); print(json.dumps(0))`);
  const nm = readMaskFile(npy);
  assert.deepEqual([nm.height, nm.width], [2, 3]);
  assert.deepEqual(Array.from(nm.mask), [1, 0, 1, 0, 1, 1]);
  throwsCode(() => parseMaskText('0 2\n'), 'MASK_FORMAT');
});

test('threshold rules and the NaN policy', () => {
  const E = [700, 705, 710];
  const s = makeStack(2, 2, E, (x, y, En) => (x + y) * (En - 700) / 10);
  thresholdMask(s, 'od>0.5@709');
  assert.deepEqual(Array.from(s.mask!), [0, 1, 1, 1]);
  thresholdMask(s, 'jump>1.5@700,710&mean>=0');
  assert.deepEqual(Array.from(s.mask!), [0, 0, 0, 1]);
  assert.equal(s.metadata.steps!.length, 2);
  throwsCode(() => thresholdMask(s, 'od>0.2@800'), 'ENERGY_RANGE');
  throwsCode(() => thresholdMask(s, 'foo>1'), 'MASK_RULE');
  const i = makeStack(2, 1, E, () => 5);
  i.metadata.quantity = 'transmitted intensity';
  throwsCode(() => thresholdMask(i, 'od>0.2@705'), 'MASK_RULE');
  const bad = makeStack(2, 2, E, (x, y, En, e) => (x === 1 && y === 0 && e === 1 ? NaN : 1 + x + y + e));
  throwsCode(() => nanPolicy(bad, 'error'), 'NAN');
  nanPolicy(bad, 'mask');
  assert.deepEqual(Array.from(bad.mask!), [1, 0, 1, 1]);
  assert.ok(Number.isFinite(bad.data[1 * 3 + 1]));
  assert.equal(bad.metadata.steps!.at(-1)!.parameters.maskedPixels, 1);
});

function blobs(h: number, w: number, seed: number): Float64Array {
  const f = new Float64Array(h * w);
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let k = 0; k < 12; k++) {
    const cx = 10 + rnd() * (w - 20);
    const cy = 10 + rnd() * (h - 20);
    const sg = 2 + 3 * rnd();
    const a = 0.5 + rnd();
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) f[y * w + x] += a * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sg * sg));
  }
  return f;
}

test('phase correlation recovers known sub-pixel shifts to < 0.1 px (Fourier and bilinear shifted frames)', () => {
  const h = 50;
  const w = 60; // non-power-of-two sizes exercise Bluestein
  const ref = blobs(h, w, 7);
  const truths = [
    { dy: 1.3, dx: -2.7 },
    { dy: -0.45, dx: 0.8 },
    { dy: 3.25, dx: 2.05 },
  ];
  for (const t of truths) {
    const moved = shiftFrame(ref, h, w, t, 'fourier');
    for (const normalization of ['none', 'phase'] as const) {
      const s = phaseCorrelate(ref, moved, h, w, { upsample: 50, normalization });
      assert.ok(Math.abs(s.dy + t.dy) < 0.1 && Math.abs(s.dx + t.dx) < 0.1, `fourier ${normalization} ${JSON.stringify(t)} → ${JSON.stringify(s)}`);
    }
    const movedB = shiftFrame(ref, h, w, t, 'bilinear');
    const sb = phaseCorrelate(ref, movedB, h, w, { upsample: 50 });
    assert.ok(Math.abs(sb.dy + t.dy) < 0.1 && Math.abs(sb.dx + t.dx) < 0.1, `bilinear ${JSON.stringify(t)} → ${JSON.stringify(sb)}`);
  }
});

test('registerFrames aligns a stack with known per-frame shifts and records them', () => {
  const h = 40;
  const w = 48;
  const m = 5;
  const ref = blobs(h, w, 3);
  const truth = [
    { dy: 0.7, dx: -1.2 },
    { dy: -2.4, dx: 0.35 },
    { dy: 0, dx: 0 },
    { dy: 1.85, dx: 2.6 },
    { dy: -0.3, dx: -3.1 },
  ];
  const data = new Float32Array(h * w * m);
  truth.forEach((t, e) => {
    const fr = shiftFrame(ref, h, w, t, 'fourier');
    for (let p = 0; p < h * w; p++) data[p * m + e] = fr[p] * (1 + 0.1 * e);
  });
  const stack = { data, energies: Float64Array.from([700, 701, 702, 703, 704]), width: w, height: h, metadata: { steps: [] } };
  const r = registerFrames(stack, { reference: 2, apply: 'fourier', upsample: 50 });
  r.shifts.forEach((s, e) => {
    assert.ok(Math.abs(s.dy + truth[e].dy) < 0.1 && Math.abs(s.dx + truth[e].dx) < 0.1, `channel ${e}: ${JSON.stringify(s)}`);
  });
  const step = stack.metadata.steps!.at(-1)!;
  assert.equal(step.name, 'register-frames');
  assert.equal((step.parameters.shifts as number[][]).length, m);
  assert.ok(Array.isArray(stack.metadata.frameShifts));
  // after registration, frame 0 matches the reference frame (scaled) in the interior
  let err = 0;
  for (let y = 8; y < h - 8; y++) for (let x = 8; x < w - 8; x++) err = Math.max(err, Math.abs(stack.data[(y * w + x) * m] / 1.0 - ref[y * w + x]));
  assert.ok(err < 0.02, `residual ${err}`);
  throwsCode(() => registerFrames(stack, { reference: 9 }), 'ARGUMENT');
});

test('Shirley fixed point (§9 item 12) and agreement with an independent numpy iteration', () => {
  const E = linspace(920, 960, 801);
  const G = E.map((x) => Math.exp(-((x - 933) ** 2) / (2 * 0.8 * 0.8)));
  const cum = [0];
  for (let i = 1; i < E.length; i++) cum.push(cum[i - 1] + 0.5 * (G[i] + G[i - 1]) * (E[i] - E[i - 1]));
  const tot = cum[cum.length - 1];
  const F = cum.map((c) => c / tot);
  const I = E.map((_, i) => G[i] + 1.0 + 0.6 * F[i]);
  const truth = F.map((f) => 1.0 + 0.6 * f);
  const r = shirleyBackground(E, I, { tol: 1e-14 / 0.36, maxIter: 200 });
  assert.ok(r.converged);
  const err = maxAbsDiff(r.background, truth);
  assert.ok(err < 1e-6, `max error ${err}`);
  assert.ok(r.iterations >= 15 && r.iterations <= 35, `iterations ${r.iterations}`);
  const ref = py(`
import json, numpy as np
from scipy.integrate import cumulative_trapezoid
E = np.linspace(920, 960, 801); G = np.exp(-(E-933)**2/(2*0.8**2))
F = cumulative_trapezoid(G, E, initial=0); F /= F[-1]
I = G + 1.0 + 0.6*F
lo, hi = I[0], I[-1]; B = np.zeros_like(E)
for it in range(200):
    C = cumulative_trapezoid(I - lo - B, E, initial=0)
    Bn = (hi - lo)/C[-1]*C
    d = np.mean((Bn-B)**2); B = Bn
    if d < 1e-14: break
print(json.dumps({"bg": (lo + B).tolist(), "it": it + 1, "err": float(np.max(np.abs(lo + B - (1 + 0.6*F))))}))`);
  assert.equal(r.iterations, ref.it);
  assert.ok(maxAbsDiff(r.background, ref.bg) < 1e-12);
  assert.ok(Math.abs(err - ref.err) < 1e-9, `ours ${err}, numpy ${ref.err}`);
});

test('arctan step values (§9 item 13)', () => {
  assert.equal(arctanStep(710, 710, 0.7), 0.5);
  assert.ok(Math.abs(arctanStep(710.7, 710, 0.7) - 0.75) < 1e-12);
  assert.equal(arctanStep(3, 2, 1), 0.75);
  const h = 2.5;
  const S = stepShape([1e9, 715], [708, 721], [0.5, 0.5]);
  assert.ok(Math.abs(h * S[0] - h) < 1e-8);
  // between the edges, far from both (within the arctan tails): 2h/3
  const S2 = stepShape([714.5], [708, 721], [0.001, 0.001]);
  assert.ok(Math.abs(h * S2[0] - (2 * h) / 3) < 1e-4);
  // exact two-step fit recovers a, b, h on a synthetic L-edge with white lines inside the gap
  const E = linspace(700, 735, 351);
  const truth = { a: 0.1, b: 0.002, h: 0.8 };
  const S3 = stepShape(E, [708, 721], [0.6, 0.6]);
  const y = E.map((x, i) => truth.a + truth.b * x + truth.h * S3[i] + 1.5 * Math.exp(-((x - 709) ** 2) / 0.5) + 0.7 * Math.exp(-((x - 722) ** 2) / 0.5));
  const r = edgeStepBackground(E, y, { edges: [708, 721], widths: [0.6], windows: [[700, 704], [727, 735]] });
  assert.ok(Math.abs(r.h - truth.h) < 1e-6 && Math.abs(r.b - truth.b) < 1e-8, JSON.stringify(r));
  // fitted edges: single arctan on an edge without white lines
  const y1 = E.map((x) => 0.2 + 1.3 * arctanStep(x, 712.3, 1.1));
  const f = edgeStepBackground(E, y1, { edges: [710], widths: [0.5], fit: true, noSlope: true });
  assert.ok(Math.abs(f.edges[0] - 712.3) < 1e-4 && Math.abs(f.widths[0] - 1.1) < 1e-4, JSON.stringify(f.edges));
});

test('backgrounds on the stack: linear (window and endpoints), shirley, l3l2 — vectorised = per-spectrum', () => {
  const E = linspace(700, 735, 141);
  const S = stepShape(E, [708, 721], [0.6, 0.6]);
  const stack = makeStack(4, 3, E, (x, y, En, e) => 0.05 * x + 0.001 * y * En + (0.5 + 0.1 * x) * S[e] + Math.exp(-((En - 709) ** 2)));
  const orig = stack.data.slice();
  for (const opts of [
    { model: 'linear' as const, windows: [[700, 705]] as [number, number][] },
    { model: 'linear' as const },
    { model: 'shirley' as const, average: 3 },
    { model: 'l3l2' as const, edges: [708, 721], widths: [0.6] },
  ]) {
    const st = { ...stack, data: orig.slice(), metadata: { steps: [] } };
    subtractBackground(st, opts);
    const step = st.metadata.steps!.at(-1)!;
    assert.equal(step.name, 'background');
    assert.equal(step.parameters.model, opts.model);
    const m = E.length;
    for (const p of [0, 5, 11]) {
      const y = Array.from(orig.subarray(p * m, p * m + m));
      const bg = opts.model === 'linear' ? linearBackground(E, y, opts) : opts.model === 'shirley' ? shirleyBackground(E, y, opts).background : edgeStepBackground(E, y, opts).background;
      for (let e = 0; e < m; e++) assert.ok(Math.abs(st.data[p * m + e] - (y[e] - bg[e])) < 1e-5, `${opts.model} pixel ${p} channel ${e}`);
    }
    if (opts.model === 'l3l2') {
      const jump = st.metadata.edgeJump as Float32Array;
      for (let x = 0; x < 4; x++) assert.ok(Math.abs(jump[x] - (0.5 + 0.1 * x)) < 1e-3, `jump ${jump[x]}`);
    }
  }
  throwsCode(() => subtractBackground({ ...stack, data: orig.slice() }, { model: 'linear', windows: [[800, 900]] }), 'BACKGROUND_RANGE');
  throwsCode(() => subtractBackground({ ...stack, data: orig.slice() }, { model: 'l3l2' }), 'ARGUMENT');
});

test('Poisson scaling (§9 item 16) and its inverse', () => {
  const u = [1, 2, 3, 4, 5, 6];
  const v = [2, 1, 0.5, 4];
  const stack = makeStack(3, 2, v, (x, y, _E, e) => u[y * 3 + x] * v[e]);
  const su = u.reduce((a, b) => a + b);
  const sv = v.reduce((a, b) => a + b);
  const r = poissonScale(stack);
  for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) assert.ok(Math.abs(r.stack.data[i * 4 + j] - Math.sqrt(u[i] * v[j]) / Math.sqrt(su * sv)) < 1e-6);
  // rank-1 decomposition of the scaled data, then unscale → the original
  const W = Float32Array.from(u, (ui) => Math.sqrt(ui / su));
  const C = Float32Array.from(v, (vj) => Math.sqrt(vj / sv));
  const back = r.unscale(W, C, 1);
  for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) assert.ok(Math.abs(back.weights[i] * back.components[j] - u[i] * v[j]) < 1e-4);
  assert.equal(r.stack.metadata.steps!.at(-1)!.name, 'poisson-scaling');
  assert.equal(stack.data[0], 2, 'input untouched');
  throwsCode(() => poissonScale(makeStack(2, 1, [1, 2], (x) => (x === 0 ? 0 : 1))), 'POISSON');
});

test('energy alignment recovers known shifts (xcorr and least squares), global and per pixel', () => {
  const Eref = linspace(700, 730, 301);
  const f = (E: number) => Math.exp(-((E - 708) ** 2) / 0.8) + 0.6 * Math.exp(-((E - 710.5) ** 2) / 1.5) + 0.3 * arctanStep(E, 709, 1);
  const yref = Eref.map(f);
  for (const d of [0.37, -0.81, 1.234]) {
    const E = linspace(702, 728, 131);
    const y = E.map((x) => f(x - d));
    for (const method of ['xcorr', 'lsq'] as const) {
      const est = estimateEnergyShift(E, y, Eref, yref, { method, step: 0.005 });
      assert.ok(Math.abs(est.shift - d) < 0.01, `${method}: ${est.shift} vs ${d}`);
    }
  }
  const E = linspace(702, 728, 131);
  const st = makeStack(2, 1, E, (x, _y, En) => f(En - 0.5 - 0.2 * x));
  alignEnergy(st, { energies: Eref, values: yref }, { perPixel: true, step: 0.005 });
  const sh = st.metadata.energyShifts as Float32Array;
  assert.ok(Math.abs(sh[0] - 0.5) < 0.01 && Math.abs(sh[1] - 0.7) < 0.01, `${sh[0]}, ${sh[1]}`);
  const g = makeStack(2, 1, E, (_x, _y, En) => f(En - 0.5));
  alignEnergy(g, { energies: Eref, values: yref }, { step: 0.005 });
  assert.ok(Math.abs(g.energies[0] - (702 - 0.5)) < 0.01);
});

test('similarity metrics against numpy/scipy', () => {
  const a = [1, 3, 2, 5, 4];
  const b = [2, 2.5, 2, 6, 3];
  const ref = py(`
import json, numpy as np
from scipy.spatial.distance import cosine, euclidean
from scipy.stats import pearsonr
a=np.array([1,3,2,5,4.]); b=np.array([2,2.5,2,6,3.])
print(json.dumps([pearsonr(a,b)[0], 1-cosine(a,b), euclidean(a,b), float(np.arccos(a@b/np.linalg.norm(a)/np.linalg.norm(b)))]))`);
  assert.ok(Math.abs(pearsonR(a, b) - ref[0]) < 1e-12);
  assert.ok(Math.abs(cosineSimilarity(a, b) - ref[1]) < 1e-12);
  assert.ok(Math.abs(euclideanDistance(a, b) - ref[2]) < 1e-12);
  assert.ok(Math.abs(spectralAngle(a, b) - ref[3]) < 1e-12);
});

test('area and max normalisation', () => {
  const E = [0, 1, 2, 3];
  const st = makeStack(2, 1, E, (x, _y, _E, e) => (x + 1) * [0, 1, 3, 1][e]);
  normalizeStack(st, 'max');
  assert.deepEqual(Array.from(st.data.subarray(0, 4)), [0, 1 / 3, 1, 1 / 3].map((v) => Math.fround(v)));
  const st2 = makeStack(2, 1, E, (x, _y, _E, e) => (x + 1) * [0, 1, 3, 1][e]);
  normalizeStack(st2, 'area'); // area = 0.5 + 2 + 2 = 4.5 (x = 0)
  assert.ok(Math.abs(st2.data[2] - 3 / 4.5) < 1e-7);
  assert.ok(Math.abs(st2.data[6] - 3 / 4.5) < 1e-7);
  assert.equal(st2.metadata.steps!.at(-1)!.parameters.mode, 'area');
});

test('custom mathjs models: fast path, mathjs fallback, units', () => {
  const m = compileModel('a + b*E + h*(1/2 + atan((E - e0)/w)/pi)');
  assert.deepEqual(m.parameters, ['a', 'b', 'h', 'e0', 'w']);
  assert.ok(m.compiled);
  const E = linspace(920, 960, 201);
  const truth = [0.1, 0.001, 0.7, 931.5, 0.9];
  const y = m.evaluate(E, truth);
  assert.ok(Math.abs(y[0] - (0.1 + 0.92 + 0.7 * arctanStep(920, 931.5, 0.9))) < 1e-12);
  const fit = fitModel(E, y, m, { initial: { a: 0, b: 0, h: 1, e0: 930, w: 1.5 } });
  assert.ok(Math.abs(fit.params.e0 - 931.5) < 1e-4 && Math.abs(fit.params.h - 0.7) < 1e-4, JSON.stringify(fit.params));
  // a mathjs-only function (erf) takes the slow path and agrees
  const g = compileModel('c * erf((E - e0)/s)');
  assert.equal(g.compiled, false);
  assert.ok(Math.abs(g.evaluate([931], [1, 930, 1])[0] - 0.8427007929497149) < 1e-9);
  // keV model on an eV axis
  const k = compileModel('a * E', { energyUnit: 'keV' });
  assert.ok(Math.abs(k.evaluate([7112], [2])[0] - 14.224) < 1e-12);
  assert.ok(Math.abs(convertEnergies([7.112], 'keV', 'eV')[0] - 7112) < 1e-9);
  assert.equal(parseEnergy('709'), 709);
  assert.ok(Math.abs(parseEnergy('7.112 keV') - 7112) < 1e-9);
  throwsCode(() => compileModel('a + b'), 'MODEL');
  throwsCode(() => fitModel(E, y, m, { initial: { a: 0 } }), 'MODEL');
  const st = makeStack(2, 1, E, (x, _y, En) => 0.2 + (0.5 + 0.1 * x) * arctanStep(En, 931, 1));
  subtractModel(st, 'c + h*(1/2 + atan((E - e0)/w)/pi)', { initial: { c: 0, h: 1, e0: 930, w: 1 } });
  assert.ok(maxAbsDiff(st.data, new Float32Array(st.data.length)) < 1e-4);
  const hm = (st.metadata.modelParameters as Record<string, Float32Array>).h;
  assert.ok(Math.abs(hm[1] - 0.6) < 1e-4);
});

test('edge-step normalisation through @specmap/xafs pre_edge (§9 item 15 form)', () => {
  const E = Array.from({ length: 400 }, (_, i) => 7000 + i);
  const st = makeStack(2, 1, E, (x, _y, En) => 0.1 + 1e-5 * En + (x + 1) * (En >= 7112 ? 1 + 0.0005 * (En - 7112) : 0));
  normalizeStack(st, 'edge-step', { e0: 7112 });
  const steps = st.metadata.edgeStep as Float32Array;
  assert.ok(Math.abs(steps[0] - 1) < 1e-6 && Math.abs(steps[1] - 2) < 1e-6, `${steps[0]}, ${steps[1]}`);
  assert.ok(Math.abs(st.data[350] - (1 + 0.0005 * 238)) < 1e-5);
  assert.ok(Math.abs(st.data[400 + 350] - (1 + 0.0005 * 238)) < 1e-5);
  assert.equal(st.metadata.steps!.at(-1)!.parameters.mode, 'edge-step');
});
