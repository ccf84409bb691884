import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nmfArdSo, lnGamma } from '../src/nmf-ard-so';
import { pearson } from '../src/pearson';
import { MT19937 } from '../src/mt19937';
import type { MatrixView } from '../src/decomposition';
import { spawnSync } from 'child_process';
import { join } from 'path';
import { PYTHON, REPO_ROOT, permutations, python } from './helpers';

/** 3 Gaussian spectra (60 channels) × 3 blob maps on 30×30 pixels + 1 % Gaussian noise (numpy-legacy normal, seed 1), clipped at 0. */
function synthetic3(): { X: MatrixView; spectra: Float64Array[]; maps: Float64Array[] } {
  const w = 30;
  const n = w * w;
  const m = 60;
  const spectra = [12, 30, 45].map((c) => Float64Array.from({ length: m }, (_, e) => Math.exp(-((e - c) ** 2) / 32)));
  const maps = [
    [7, 8],
    [22, 9],
    [15, 23],
  ].map(([cx, cy]) => Float64Array.from({ length: n }, (_, i) => Math.exp(-(((i % w) - cx) ** 2 + (Math.floor(i / w) - cy) ** 2) / 60)));
  const rng = new MT19937(1);
  const data = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let e = 0; e < m; e++) {
      let v = 0.01 * rng.standardNormal();
      for (let q = 0; q < 3; q++) v += maps[q][i] * spectra[q][e];
      data[i * m + e] = Math.max(0, v);
    }
  }
  return { X: { data, rows: n, cols: m }, spectra, maps };
}

test('lnGamma agrees with scipy gammaln', () => {
  const xs = [1 + 1e-15, 0.3, 1, 2.5, 10, 123.4];
  const ref = python('from scipy.special import gammaln\nout = [float(gammaln(x)) for x in inp]', xs);
  xs.forEach((x, i) => assert.ok(Math.abs(lnGamma(x) - ref[i]) <= 1e-13 * Math.max(1, Math.abs(ref[i])), `${x}: ${lnGamma(x)} vs ${ref[i]}`));
});

test('NMF-ARD-SO prunes a K=6 fit of a 3-component stack to 3, recovers the truth, and is stable across iteration counts', () => {
  const { X, spectra, maps } = synthetic3();
  const n = X.rows;
  const m = X.cols;
  const runs = [200, 400].map((maxIter) => nmfArdSo(X, { components: 6, omega: 0, maxIter, tol: 0 }));
  for (const r of runs) {
    assert.equal(r.k, 3, `kept ${r.k}: λ = ${r.parameters.lambdasAll}`);
    assert.equal(r.parameters.requestedComponents, 6);
    assert.ok(r.warnings.some((w) => /kept 3 of 6 components/.test(w)), r.warnings.join('; '));
    // truth recovery
    let bestScore = -Infinity;
    let best: number[] = [];
    for (const p of permutations(3)) {
      const s = p.reduce((acc, c, q) => acc + pearson(r.components.subarray(c * m, (c + 1) * m), spectra[q]), 0);
      if (s > bestScore) [bestScore, best] = [s, p];
    }
    best.forEach((c, q) => {
      const map = Float64Array.from({ length: n }, (_, i) => r.weights[i * 3 + c]);
      assert.ok(pearson(r.components.subarray(c * m, (c + 1) * m), spectra[q]) > 0.999, `spectrum ${q}`);
      assert.ok(pearson(map, maps[q]) > 0.99, `map ${q}`);
    });
    // σ² estimates the noise variance (1e-4, a bit less after clipping at 0).
    const s2 = r.parameters.sigma2 as number;
    assert.ok(s2 > 0.5e-4 && s2 < 1.1e-4, `σ² ${s2}`);
  }
  const [a, b] = runs;
  const la = a.parameters.lambdas as number[];
  const lb = b.parameters.lambdas as number[];
  const line = `λ(200) ${la.map((v) => v.toPrecision(6))}, λ(400) ${lb.map((v) => v.toPrecision(6))}, σ² ${a.parameters.sigma2} / ${b.parameters.sigma2}`;
  if (process.env.SPECMAP_VERBOSE) console.log(line);
  la.forEach((v, i) => assert.ok(Math.abs(v - lb[i]) / lb[i] < 1e-3, line));
  assert.ok(Math.abs((a.parameters.sigma2 as number) / (b.parameters.sigma2 as number) - 1) < 1e-4, line);
  let d = 0;
  for (let i = 0; i < a.components.length; i++) d = Math.max(d, Math.abs(a.components[i] - b.components[i]));
  assert.ok(d < 1e-2, `components differ by ${d} between 200 and 400 iterations`);
  // The default stopping rule stops it well before 400 with the same answer.
  const c = nmfArdSo(X, { components: 6, omega: 0 });
  assert.equal(c.k, 3);
  if (process.env.SPECMAP_VERBOSE) console.log(`default rule: ${c.iterations} iterations, converged ${c.converged}, λ ${c.parameters.lambdas}`);
});

test('NMF-ARD-SO (malspy-compatible) equals the independent numpy statement in tools/reference/nmf_ard_so_reference.py', () => {
  const { X } = synthetic3();
  for (const [k, omega] of [
    [6, 0.1],
    [6, 0],
  ]) {
    const r = nmfArdSo(X, { components: k, omega, maxIter: 60, tol: 0, reps: 1, malspyCompat: true });
    const res = spawnSync(PYTHON, [join(REPO_ROOT, 'tools', 'reference', 'nmf_ard_so_reference.py')], {
      input: JSON.stringify({ X: Array.from(X.data), n: X.rows, m: X.cols, k, wo: omega, reps: 1, max_itr: 60, min_itr: 10, tol: 0, seed: 0 }),
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    assert.equal(res.status, 0, `reference script failed: ${res.stderr}`);
    const ref = JSON.parse(res.stdout);
    const line = `K=${k} ω=${omega}: kept ${r.k} (ref ${ref.kept.length}), λ ${r.parameters.lambdas} (ref ${ref.lambdas}), σ² ${r.parameters.sigma2} (ref ${ref.sigma2})`;
    if (process.env.SPECMAP_VERBOSE) console.log(line);
    assert.equal(r.k, ref.kept.length, line);
    (r.parameters.lambdas as number[]).forEach((v, i) => assert.ok(Math.abs(v - ref.lambdas[i]) <= 1e-10 * ref.lambdas[i], line));
    assert.ok(Math.abs((r.parameters.sigma2 as number) / ref.sigma2 - 1) < 1e-10, line);
    r.lossHistory!.forEach((v, i) => assert.ok(Math.abs(v - ref.obj[i]) <= 1e-9 * Math.abs(ref.obj[i]), `obj[${i}] ${v} vs ${ref.obj[i]}`));
    let d = 0;
    for (let i = 0; i < r.components.length; i++) d = Math.max(d, Math.abs(r.components[i] - ref.S[i]));
    assert.ok(d < 1e-10, `S differs by ${d}`);
  }
});
