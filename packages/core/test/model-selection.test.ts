import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scree, reconstructionError, reconstructionErrorVsK, stabilityAcrossSeeds } from '../src/model-selection';
import { pca } from '../src/pca';
import type { SpectralStack } from '../src/stack';
import { Rng } from '../src/random';
import { loadIris, python } from './helpers';

/** n = 30×20 pixels, m = 40 channels, exactly 3 non-negative components + small noise. */
function threeComponentStack(noise: number): SpectralStack {
  const w = 30;
  const h = 20;
  const m = 40;
  const rng = new Rng(4);
  const spectra = [8, 20, 32].map((c) => Float64Array.from({ length: m }, (_, j) => Math.exp(-(((j - c) / 4) ** 2))));
  const data = new Float32Array(w * h * m);
  for (let i = 0; i < w * h; i++) {
    const a = [rng.uniform(), rng.uniform() ** 2, (i % w) / w];
    for (let j = 0; j < m; j++) data[i * m + j] = a[0] * spectra[0][j] + a[1] * spectra[1][j] + a[2] * spectra[2][j] + noise * rng.normal();
  }
  return { data, width: w, height: h, energies: Float64Array.from({ length: m }, (_, j) => 700 + j), metadata: {} };
}

test('scree equals sklearn PCA explained variance (all components) on iris', () => {
  const s = scree(loadIris());
  const sk = python(`from sklearn.decomposition import PCA
p = PCA().fit(np.array(inp).reshape(150, 4))
out = dict(v=p.explained_variance_.tolist(), r=p.explained_variance_ratio_.tolist())`, Array.from(loadIris().data));
  for (let i = 0; i < 4; i++) {
    assert.ok(Math.abs(s.explainedVariance[i] - sk.v[i]) < 1e-12 * sk.v[0]);
    assert.ok(Math.abs(s.explainedVarianceRatio[i] - sk.r[i]) < 1e-12);
  }
  assert.ok(Math.abs(s.cumulativeRatio[3] - 1) < 1e-14);
  assert.equal(scree(loadIris(), { components: 2 }).explainedVariance.length, 2);
  assert.throws(() => scree(loadIris(), { components: 5 }), /scree/);
});

test('reconstructionErrorVsK: PCA error equals √((n−1)·Σ discarded eigenvalues); the curve drops to the noise floor at K=3', () => {
  const st = threeComponentStack(0.01);
  const rows = reconstructionErrorVsK(st, 'pca', [1, 2, 3, 4, 5]);
  const s = scree(st);
  rows.forEach((r) => {
    let tail = 0;
    for (let i = r.k; i < s.explainedVariance.length; i++) tail += s.explainedVariance[i];
    const expected = Math.sqrt(599 * tail);
    assert.ok(Math.abs(r.error - expected) < 1e-4 * expected, `k=${r.k}: ${r.error} vs ${expected}`);
  });
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i].error < rows[i - 1].error);
  assert.ok(rows[1].relativeError > 0.1, `k=2 relative error ${rows[1].relativeError}`);
  // at K = 3 only the noise (σ = 0.01) is left: RMSE ≈ σ·√((m−3)/m) up to sampling
  assert.ok(Math.sqrt(rows[2].mse) > 0.009 && Math.sqrt(rows[2].mse) < 0.0101, `k=3 rmse ${Math.sqrt(rows[2].mse)}`);
  assert.ok(Math.abs(rows[3].error - rows[2].error) < 0.05 * rows[2].error); // flat after K = 3
  const nm = reconstructionErrorVsK(st, 'nmf', [2, 3], { maxIter: 300 });
  assert.ok(Math.sqrt(nm[1].mse) < 0.0105 && nm[0].relativeError > 0.1, `nmf ${Math.sqrt(nm[1].mse)} ${nm[0].relativeError}`);
  const km = reconstructionErrorVsK(st, 'kmeans', [2, 4], { nInit: 2 });
  assert.ok(km[1].error < km[0].error);
  // direct check of reconstructionError on a decomposition
  const d = pca(st, { components: 3 });
  assert.ok(Math.abs(reconstructionError(st, d).error - rows[2].error) < 1e-9 * rows[2].error);
});

test('stabilityAcrossSeeds: PCA exactly 1; NMF at the true K stable (> 0.999); NMF with too many components less stable', () => {
  const st = threeComponentStack(0.02);
  const p = stabilityAcrossSeeds(st, 'pca', 3, [0, 1]);
  p.perComponent.forEach((v) => assert.ok(Math.abs(v - 1) < 1e-12));
  const good = stabilityAcrossSeeds(st, 'nmf', 3, [0, 1, 2], { init: 'random', maxIter: 400, tol: 1e-6 });
  good.perComponent.forEach((v, j) => assert.ok(v > 0.999, `component ${j}: ${v}`));
  assert.equal(good.matches.length, 2);
  const ica = stabilityAcrossSeeds(st, 'ica', 3, [0, 1, 2]);
  assert.ok(ica.mean > 0.99, `ica ${ica.mean}`);
  const over = stabilityAcrossSeeds(st, 'nmf', 6, [0, 1, 2], { init: 'random', maxIter: 400, tol: 1e-6 });
  assert.ok(over.mean < good.mean, `k=6 ${over.mean} vs k=3 ${good.mean}`);
  assert.throws(() => stabilityAcrossSeeds(st, 'nmf', 3, [0]), /at least two seeds/);
});
