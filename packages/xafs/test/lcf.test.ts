import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { analyze, registerMethod, type SpectralStack } from '@specmap/core';
import { lcfMap, lcfSpectrum, lincomboFitAll, fractionHistograms, type LcfStandard } from '../src/lcf';
import { solveBoundedLs } from '../src/nnls';
import { XAFS_METHODS } from '../src/methods';
import { parseColumns } from '../src/spectrum-text';
import { DATA, HXN, LARCH } from './helpers';

const REFS = path.join(DATA, 'nano-XANES-microscopy-of-Fe', 'References');
function readStd(file: string, name = path.basename(file)): LcfStandard {
  const f = parseColumns(fs.readFileSync(file, 'latin1'), file);
  return { name, energies: f.data[0], values: f.data[1] };
}
/** Deterministic pseudo-random numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const FE = ['Hematite FeXANES.e', 'magnetite syn FeEXAFS TEY001.e', 'Goethite FeXANES.e', 'Siderite FeXANES ITFA0.e', 'Lepidocrocite_Borch FeEXAFS overabs.e'];

function mixtureStack(stds: LcfStandard[], grid: Float64Array, w: number[][], offset = 0): SpectralStack {
  const m = grid.length;
  const k = stds.length;
  const onGrid = stds.map((s) => {
    const out = new Float64Array(m);
    // linear interpolation, like the fit does
    for (let i = 0; i < m; i++) {
      const x = grid[i];
      let a = 0;
      while (a < s.energies.length - 2 && s.energies[a + 1] <= x) a++;
      const t = (x - s.energies[a]) / (s.energies[a + 1] - s.energies[a]);
      out[i] = s.values[a] + t * (s.values[a + 1] - s.values[a]);
    }
    return out;
  });
  const data = new Float32Array(w.length * m);
  w.forEach((ws, p) => {
    for (let i = 0; i < m; i++) {
      let v = offset;
      for (let j = 0; j < k; j++) v += ws[j] * onGrid[j][i];
      data[p * m + i] = v;
    }
  });
  return { data, energies: grid, width: w.length / 2, height: 2, metadata: {} };
}

test('NNLS/active set: matches brute-force over supports; sum-to-one; free constant', () => {
  const rnd = lcg(7);
  for (let trial = 0; trial < 40; trial++) {
    const m = 12, p = 4;
    const A = Float64Array.from({ length: m * p }, () => rnd() - 0.3);
    const b = Float64Array.from({ length: m }, () => rnd() - 0.5);
    const G = new Float64Array(p * p);
    const c = new Float64Array(p);
    for (let r = 0; r < m; r++) for (let s = 0; s < p; s++) {
      c[s] += A[r * p + s] * b[r];
      for (let t = 0; t < p; t++) G[s * p + t] += A[r * p + s] * A[r * p + t];
    }
    const obj = (x: ArrayLike<number>) => { let f = 0; for (let r = 0; r < m; r++) { let v = -b[r]; for (let s = 0; s < p; s++) v += A[r * p + s] * x[s]; f += v * v; } return f; };
    const { x } = solveBoundedLs({ p, gram: G, nonneg: new Uint8Array(p).fill(1) }, c);
    assert.ok(x.every((v) => v >= 0));
    // no feasible perturbation improves the objective
    const f0 = obj(x);
    for (let s = 0; s < p; s++) for (const d of [1e-4, -1e-4]) {
      const y = Float64Array.from(x); y[s] = Math.max(0, y[s] + d);
      assert.ok(obj(y) >= f0 - 1e-12, `trial ${trial}: not optimal`);
    }
    const sm = new Uint8Array(p).fill(1);
    const r2 = solveBoundedLs({ p, gram: G, nonneg: new Uint8Array(p).fill(1), sumMask: sm }, c).x;
    assert.ok(Math.abs(r2.reduce((a, v) => a + v, 0) - 1) < 1e-10);
    assert.ok(r2.every((v) => v >= 0));
    const f1 = obj(r2);
    for (let s = 0; s < p; s++) for (let t = 0; t < p; t++) {
      if (s === t) continue;
      const y = Float64Array.from(r2); const d = Math.min(1e-4, y[t]); y[s] += d; y[t] -= d;
      assert.ok(obj(y) >= f1 - 1e-12, `trial ${trial}: sum-to-one not optimal`);
    }
  }
});

test('LCF map: exact recovery on noiseless mixtures of real Fe standards (ALS 10.3.2)', () => {
  const stds = FE.map((f) => readStd(path.join(REFS, f), f.split(' ')[0].split('_')[0]));
  const lo = Math.max(...stds.map((s) => s.energies[0]));
  const hi = Math.min(...stds.map((s) => s.energies[s.energies.length - 1]));
  const grid = Float64Array.from({ length: 120 }, (_, i) => lo + 1 + ((hi - lo - 2) * i) / 119);
  const rnd = lcg(3);
  const w: number[][] = [];
  for (let p = 0; p < 12; p++) w.push(stds.map((_, j) => (j === p % stds.length ? 0 : rnd() * 2)));
  w[11] = [1, 0, 0, 0, 0];
  const stack = mixtureStack(stds, grid, w);
  const res = lcfMap(stack, stds);
  for (let p = 0; p < w.length; p++) {
    const sum = w[p].reduce((a, b) => a + b, 0);
    for (let j = 0; j < stds.length; j++) {
      assert.ok(Math.abs(res.weights[p * 5 + j] - w[p][j]) < 1e-4 * Math.max(1, sum), `pixel ${p} std ${j}: ${res.weights[p * 5 + j]} vs ${w[p][j]}`);
      assert.ok(Math.abs(res.fractions[p * 5 + j] - w[p][j] / sum) < 1e-4);
    }
    assert.ok(res.rfactor[p] < 1e-10, `R-factor ${res.rfactor[p]}`);
  }
  // sum-to-one on fractions, and a constant offset
  const wf = w.map((ws) => { const s = ws.reduce((a, b) => a + b, 0); return ws.map((v) => v / s); });
  const r2 = lcfMap(mixtureStack(stds, grid, wf, 0.25), stds, { sumToOne: true, constant: true });
  for (let p = 0; p < w.length; p++) {
    for (let j = 0; j < 5; j++) assert.ok(Math.abs(r2.weights[p * 5 + j] - wf[p][j]) < 1e-4);
    assert.ok(Math.abs(r2.constant![p] - 0.25) < 1e-4);
  }
  // masked-out pixels are skipped
  const masked = mixtureStack(stds, grid, w);
  masked.mask = new Uint8Array(12).fill(1); masked.mask[3] = 0;
  const r3 = lcfMap(masked, stds);
  assert.ok(Number.isNaN(r3.rfactor[3]) && r3.weights[15] === 0);
  const h = fractionHistograms(res.fractions, 5, { bins: 10 });
  assert.equal(h.counts.length, 5);
  assert.equal(h.counts[0].reduce((a, b) => a + b, 0), 12);
});

test('LCF reproduces the published HXN Fe K-edge fit (xanes_fit_plot.csv, FeLibNov2021.nor)', () => {
  const csv = parseColumns(fs.readFileSync(path.join(HXN, 'xanes_fit_plot.csv'), 'latin1'));
  const lib = parseColumns(fs.readFileSync(path.join(HXN, 'FeLibNov2021.nor'), 'latin1'));
  const names = ['LiFe(II)PO4', 'Pyrite', 'StainlessSteelNP', 'Hematite_NP'];
  const stds = names.map((n) => ({ name: n, energies: lib.data[0], values: lib.data[lib.columns.indexOf(n.toLowerCase())] }));
  const x = csv.data[0], y = csv.data[1];
  const fit = lcfSpectrum(x, y, stds);
  assert.equal(fit.warnings.length, 4); // the 3 channels below 7090 eV are left out, for every standard
  // The published weights: each weighted component column divided by the standard (constant ratio).
  const pub: number[] = [];
  names.forEach((n, j) => {
    const col = csv.data[csv.columns.indexOf(n.toLowerCase() + '_y')];
    const std = stds[j];
    let best = 0;
    for (let i = 0; i < x.length; i++) {
      if (x[i] < 7150) continue;
      let a = 0;
      while (std.energies[a + 1] <= x[i]) a++;
      const t = (x[i] - std.energies[a]) / (std.energies[a + 1] - std.energies[a]);
      best = col[i] / (std.values[a] + t * (std.values[a + 1] - std.values[a]));
      break;
    }
    pub.push(best);
  });
  const pubSum = pub.reduce((a, b) => a + b, 0);
  names.forEach((n, j) => {
    assert.ok(Math.abs(fit.weights[j] / pub[j] - 1) < 0.02, `${n}: weight ${fit.weights[j]} vs published ${pub[j]}`);
    assert.ok(Math.abs(fit.fractions[j] - pub[j] / pubSum) < 0.02, `${n}: fraction ${fit.fractions[j]} vs ${pub[j] / pubSum}`);
  });
  console.log('HXN LCF fractions', names.map((n, j) => `${n} ${fit.fractions[j].toFixed(4)} (published ${(pub[j] / pubSum).toFixed(4)})`).join(', '), 'R', fit.rfactor.toExponential(3));
});

test('lincomboFitAll reproduces the larch documentation example (Au L3, s1…s6, 11870–12030 eV)', () => {
  const dir = path.join(LARCH, 'fitting_doc_example3');
  const u = readStd(path.join(dir, 'unknown.dat'));
  const stds = [1, 2, 3, 4, 5, 6].map((i) => readStd(path.join(dir, `s${i}.dat`), `s${i}`));
  const fits = lincomboFitAll(u.energies, u.values, stds, { emin: 11870, emax: 12030, maxComponents: 3 });
  const eps = 1e-3; // larch's residual scale in the documented run
  const two = fits.find((f) => f.names.join() === 's1,s2')!;
  assert.ok(Math.abs(two.weights[0] - 0.47066) < 2e-4 && Math.abs(two.weights[1] - 0.52934) < 2e-4);
  assert.ok(Math.abs(two.redchi / eps ** 2 - 58.74) < 0.05, `s1+s2 redchi ${two.redchi / eps ** 2}`);
  const threes = fits.filter((f) => f.names.length === 3);
  const best = threes[0];
  assert.equal(best.names.join(), 's1,s2,s5');
  [0.27867, 0.53207, 0.18926].forEach((v, j) => assert.ok(Math.abs(best.weights[j] - v) < 2e-4, `${best.weights[j]} vs ${v}`));
  assert.ok(Math.abs(best.redchi / eps ** 2 - 32.14) < 0.05);
  for (const [nm, rc] of [['s1,s2,s3', 40.2], ['s1,s2,s4', 37.2], ['s1,s2,s6', 37.2]] as const) {
    const f = threes.find((t) => t.names.join() === nm)!;
    assert.ok(Math.abs(f.redchi / eps ** 2 - rc) < 0.06, `${nm}: ${f.redchi / eps ** 2}`);
  }
  for (let i = 1; i < fits.length; i++) assert.ok(fits[i].redchi >= fits[i - 1].redchi);
});

test("method 'lcf' through analyze(): weights = fractions per reference, components = standards on the grid", () => {
  for (const s of XAFS_METHODS) registerMethod(s);
  const stds = FE.slice(0, 3).map((f) => readStd(path.join(REFS, f), f.split(' ')[0]));
  const grid = Float64Array.from({ length: 60 }, (_, i) => 7100 + i * 1.5);
  const w = [[1, 0, 0], [0.2, 0.3, 0.5], [0, 2, 2], [0.5, 0.5, 0]];
  const stack = mixtureStack(stds, grid, w);
  const refs = stds.map((s) => ({ name: s.name, energies: Float64Array.from(s.energies), values: Float64Array.from(s.values) }));
  const r = analyze(stack, { method: 'lcf', components: 1, references: refs });
  assert.equal(r.k, 3);
  assert.equal(r.method, 'lcf');
  assert.ok(Math.abs(r.weights[2 * 3 + 1] - 0.5) < 1e-4);
  assert.ok(Math.abs(r.weights[1 * 3 + 2] - 0.5) < 1e-4);
  assert.deepEqual(r.parameters.references, stds.map((s) => s.name));
  assert.equal(r.components.length, 3 * 60);
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(r.references!.pearson[j * 3 + j] - 1) < 1e-12);
  assert.throws(() => analyze(stack, { method: 'lcf', components: 1 }), /needs standards/);
});
