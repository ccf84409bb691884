import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import { join } from 'path';
import { pca } from '../src/pca';
import type { SpectralStack } from '../src/stack';
import { Rng } from '../src/random';
import { loadIris, maxAbsDiff, python, rel, REPO_ROOT } from './helpers';

const REF = JSON.parse(readFileSync(join(REPO_ROOT, 'tests', 'reference', 'sklearn_decomposition_suite.json'), 'utf8'));

/** n = w·h pixels, m channels, 6 latent spectra with decaying scales + noise (Float32). */
function stack(w: number, h: number, m: number, seed: number): SpectralStack {
  const rng = new Rng(seed);
  const basis = Array.from({ length: 6 }, () => Float64Array.from({ length: m }, () => rng.normal()));
  const data = new Float32Array(w * h * m);
  for (let i = 0; i < w * h; i++) {
    const a = basis.map((_, q) => rng.normal() * 2 ** (3 - q));
    for (let j = 0; j < m; j++) {
      let v = 5 + 0.05 * rng.normal();
      for (let q = 0; q < 6; q++) v += a[q] * basis[q][j];
      data[i * m + j] = v;
    }
  }
  return { data, width: w, height: h, energies: Float64Array.from({ length: m }, (_, j) => 700 + j), metadata: {} };
}

test('randomized PCA equals the full solver (and live sklearn randomized) on a 600×123 Float32 stack', () => {
  const st = stack(30, 20, 123, 3);
  const k = 4;
  const full = pca(st, { components: k });
  const rnd = pca(st, { components: k, solver: 'randomized', seed: 1 });
  assert.equal(rnd.parameters.solver, 'randomized');
  assert.equal(rnd.parameters.powerIterations, 7); // k = 4 < 0.1·min(600, 123) → 7 (sklearn 'auto')
  assert.equal(rnd.iterations, 7);
  for (let c = 0; c < k; c++) assert.ok(rel(rnd.explainedVariance![c], full.explainedVariance![c]) < 1e-10, `variance ${c}`);
  assert.ok(maxAbsDiff(rnd.components, full.components) < 1e-7, `components ${maxAbsDiff(rnd.components, full.components)}`);
  assert.ok(maxAbsDiff(rnd.weights, full.weights) < 1e-4, 'scores');
  assert.ok(rel(rnd.noiseVariance!, full.noiseVariance!) < 1e-9);
  const sk = python(
    `from sklearn.decomposition import PCA
X = np.array(inp, dtype=np.float64).reshape(600, 123)
p = PCA(4, svd_solver='randomized', random_state=0).fit(X)
out = dict(v=p.explained_variance_.tolist(), r=p.explained_variance_ratio_.tolist(), noise=float(p.noise_variance_), c=p.components_.tolist())`,
    Float64Array.from(st.data),
  );
  for (let c = 0; c < k; c++) {
    assert.ok(rel(rnd.explainedVariance![c], sk.v[c]) < 1e-9, `sklearn variance ${c}`);
    assert.ok(rel(rnd.explainedVarianceRatio![c], sk.r[c]) < 1e-9, `sklearn ratio ${c}`);
    let dot = 0;
    for (let j = 0; j < 123; j++) dot += rnd.components[c * 123 + j] * sk.c[c][j];
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `sklearn component ${c} |cos| ${dot}`);
  }
  assert.ok(rel(rnd.noiseVariance!, sk.noise) < 1e-9, `noise ${rnd.noiseVariance} vs ${sk.noise}`);
});

test('randomized PCA: seeded and deterministic; 7 power iterations for small K; sign rule; falls back to full when K + p ≥ min(n, m)', () => {
  const st = stack(40, 30, 123, 8);
  const a = pca(st, { components: 2, solver: 'randomized', seed: 5 });
  const b = pca(st, { components: 2, solver: 'randomized', seed: 5 });
  assert.deepEqual(Array.from(a.components), Array.from(b.components));
  assert.deepEqual(Array.from(a.weights), Array.from(b.weights));
  assert.equal(a.parameters.powerIterations, 7); // 2 < 0.1·123
  assert.equal(pca(st, { components: 13, solver: 'randomized' }).parameters.powerIterations, 4); // 13 ≥ 12.3
  const c = pca(st, { components: 2, solver: 'randomized', seed: 6 });
  assert.ok(maxAbsDiff(a.components, c.components) < 1e-8); // seeds differ, answer does not
  for (let q = 0; q < 2; q++) {
    const row = Array.from(a.components.subarray(q * 123, (q + 1) * 123));
    assert.ok(row.reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0) > 0);
  }
  // iris: K + 10 ≥ 4 → exact solver; numbers as the reference file (sklearn randomized = exact here too)
  const ir = pca(loadIris(), { components: 2, solver: 'randomized' });
  assert.equal(ir.parameters.solver, 'covariance-eigh');
  assert.equal(ir.parameters.requestedSolver, 'randomized');
  for (let q = 0; q < 2; q++) {
    assert.ok(rel(ir.explainedVariance![q], REF.pca_iris_randomized_k2.explained_variance[q]) < 1e-12);
    assert.ok(rel(ir.explainedVarianceRatio![q], REF.pca_iris_randomized_k2.explained_variance_ratio[q]) < 1e-12);
  }
  assert.ok(rel(ir.noiseVariance!, REF.pca_iris_randomized_k2.noise_variance) < 1e-12);
  assert.throws(() => pca(st, { components: 2, solver: 'arpack' as any }), /solver must be/);
  assert.throws(() => pca(st, { components: 2, solver: 'randomized', oversamples: -1 }), /oversamples/);
});

test('randomized PCA with a mask: masked-out pixels get 0, the fit equals the full solver on masked-in rows', () => {
  const st = stack(20, 20, 60, 2);
  const mask = new Uint8Array(400).map((_, i) => (i % 5 === 0 ? 0 : 1));
  const r = pca({ ...st, mask }, { components: 3, solver: 'randomized' });
  const f = pca({ ...st, mask }, { components: 3 });
  assert.ok(maxAbsDiff(r.components, f.components) < 1e-7);
  for (let i = 0; i < 400; i += 5) for (let c = 0; c < 3; c++) assert.equal(r.weights[i * 3 + c], 0);
});
