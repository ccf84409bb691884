import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pca } from '../src/pca';
import type { SpectralStack } from '../src/stack';
import { Rng } from '../src/random';
import { flat, loadIris, maxAbs, maxAbsDiff, python, rel } from './helpers';

const iris = loadIris();

// scikit-learn 1.2.1 on load_iris().data (algorithms.md §9 item 6).
const SK = {
  ratio: [0.92461872, 0.05306648, 0.01710261, 0.00521218],
  variance: [4.22824171, 0.24267075, 0.0782095, 0.02383509],
  singular: [25.09996044, 6.01314738, 3.41368064, 1.88452351],
  component0: [0.36138659, -0.08452251, 0.85667061, 0.3582892],
  noise2: 0.0510222965,
};

/** Relative tolerance for numbers quoted with 8–9 significant digits. */
function closeQuoted(actual: number, expected: number, what: string): void {
  // The quoted values are rounded to 8 significant digits: allow half a unit in the last digit, and 1e-7 relative.
  const digits = Math.abs(expected).toPrecision(9).replace(/^0\.0*|\.|e.*$/g, '').replace(/0+$/, '').length;
  const tolAbs = Math.max(0.5 * Math.pow(10, Math.floor(Math.log10(Math.abs(expected))) - digits + 1), 1e-7 * Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tolAbs, `${what}: ${actual} vs ${expected} (tol ${tolAbs})`);
}

test('PCA on iris matches the scikit-learn numbers of algorithms.md', () => {
  const r = pca(iris, { components: 4 });
  assert.equal(r.k, 4);
  for (let i = 0; i < 4; i++) {
    closeQuoted(r.explainedVarianceRatio![i], SK.ratio[i], `ratio[${i}]`);
    closeQuoted(r.explainedVariance![i], SK.variance[i], `variance[${i}]`);
    closeQuoted(r.singularValues![i], SK.singular[i], `singular[${i}]`);
    closeQuoted(r.components[i], SK.component0[i], `components_[0][${i}]`);
  }
  assert.equal(r.noiseVariance, 0);
  const r2 = pca(iris, { components: 2 });
  assert.ok(rel(r2.noiseVariance!, SK.noise2) < 1e-7, `noise variance ${r2.noiseVariance}`);
  // Variance ratios of all components add up to 1.
  let s = 0;
  for (const v of r.explainedVarianceRatio!) s += v;
  assert.ok(Math.abs(s - 1) < 1e-14);
});

test('PCA on iris agrees with live scikit-learn (all components, scores, noise variance)', () => {
  const sk = python(
    `from sklearn.decomposition import PCA
X = np.array(inp['X']).reshape(150, 4)
out = {}
for k in (1, 2, 3, 4):
    p = PCA(n_components=k, svd_solver='full').fit(X)
    out[str(k)] = dict(components=p.components_.tolist(), scores=p.transform(X).tolist(), mean=p.mean_.tolist(),
        var=p.explained_variance_.tolist(), ratio=p.explained_variance_ratio_.tolist(),
        sv=p.singular_values_.tolist(), noise=float(p.noise_variance_))`,
    { X: iris.data },
  );
  for (const k of [1, 2, 3, 4]) {
    const r = pca(iris, { components: k });
    const ref = sk[String(k)];
    const C = flat(ref.components);
    // 1. up to sign.
    assert.ok(maxAbsDiff(r.components.map(Math.abs), C.map(Math.abs)) < 1e-12, `k=${k} |components|`);
    // 2. our sign rule applied to scikit-learn's components gives ours exactly...
    const flipped = new Float64Array(C);
    for (let c = 0; c < k; c++) {
      const row = flipped.subarray(c * 4, c * 4 + 4);
      let best = 0;
      for (let j = 1; j < 4; j++) if (Math.abs(row[j]) > Math.abs(row[best])) best = j;
      if (row[best] < 0) row.forEach((v, j) => (row[j] = -v));
    }
    assert.ok(maxAbsDiff(r.components, flipped) < 1e-12, `k=${k} signed components`);
    // ...and on iris it is also what scikit-learn's (U-based) svd_flip gives for the first three
    // components; component 4 comes out with the opposite sign in scikit-learn (its rule
    // looks at the scores, ours at the spectrum), which this pins down.
    for (let c = 0; c < k; c++) {
      const sgn = c < 3 ? 1 : -1;
      for (let j = 0; j < 4; j++) {
        assert.ok(Math.abs(r.components[c * 4 + j] - sgn * C[c * 4 + j]) < 1e-12, `k=${k} component ${c} sign vs sklearn`);
      }
    }
    // 3. scores (Float32 storage: ~1e-7 relative).
    const S = flat(ref.scores).map((v, i) => ((i % k) < 3 ? v : -v));
    assert.ok(maxAbsDiff(r.weights, S) < 1e-6 * maxAbs(S), `k=${k} scores, max diff ${maxAbsDiff(r.weights, S)}`);
    assert.ok(maxAbsDiff(r.mean!, ref.mean) < 1e-14);
    for (let i = 0; i < k; i++) {
      assert.ok(rel(r.explainedVariance![i], ref.var[i]) < 1e-12, `var ${i}`);
      assert.ok(rel(r.explainedVarianceRatio![i], ref.ratio[i]) < 1e-12, `ratio ${i}`);
      assert.ok(rel(r.singularValues![i], ref.sv[i]) < 1e-12, `sv ${i}`);
    }
    if (ref.noise === 0) assert.equal(r.noiseVariance, 0);
    else assert.ok(rel(r.noiseVariance!, ref.noise) < 1e-12, `noise k=${k}: ${r.noiseVariance} vs ${ref.noise}`);
  }
});

/** A random stack n = w·h, m channels, with a few latent components, as Float32. */
function randomStack(width: number, height: number, m: number, seed: number): SpectralStack {
  const rng = new Rng(seed);
  const n = width * height;
  const data = new Float32Array(n * m);
  const basis = Array.from({ length: 4 }, () => Float64Array.from({ length: m }, () => rng.normal()));
  for (let i = 0; i < n; i++) {
    const a = basis.map((_, q) => rng.normal() * (4 - q));
    for (let j = 0; j < m; j++) {
      let v = 10 + 0.05 * rng.normal();
      for (let q = 0; q < 4; q++) v += a[q] * basis[q][j];
      data[i * m + j] = v;
    }
  }
  return { data, width, height, energies: Float64Array.from({ length: m }, (_, j) => 700 + 0.5 * j), metadata: {} };
}

test('PCA on a Float32 stack (m=123) agrees with scikit-learn on the same float64 data; sign rule holds', () => {
  const st = randomStack(20, 15, 123, 7);
  const k = 5;
  const r = pca(st, { components: k });
  const sk = python(
    `from sklearn.decomposition import PCA
X = np.array(inp['X'], dtype=np.float64).reshape(300, 123)
p = PCA(n_components=5, svd_solver='full').fit(X)
out = dict(components=p.components_.tolist(), var=p.explained_variance_.tolist(), ratio=p.explained_variance_ratio_.tolist(),
           scores=p.transform(X).tolist(), noise=float(p.noise_variance_))`,
    { X: Float64Array.from(st.data) },
  );
  for (let i = 0; i < k; i++) {
    assert.ok(rel(r.explainedVariance![i], sk.var[i]) < 1e-11, `var ${i}: ${r.explainedVariance![i]} vs ${sk.var[i]}`);
    assert.ok(rel(r.explainedVarianceRatio![i], sk.ratio[i]) < 1e-11, `ratio ${i}`);
  }
  assert.ok(rel(r.noiseVariance!, sk.noise) < 1e-11, `noise ${r.noiseVariance} vs ${sk.noise}`);
  const C = flat(sk.components);
  assert.ok(maxAbsDiff(r.components.map(Math.abs), C.map(Math.abs)) < 1e-9, 'components up to sign');
  for (let c = 0; c < k; c++) {
    const row = r.components.subarray(c * 123, (c + 1) * 123);
    let best = 0;
    for (let j = 1; j < 123; j++) if (Math.abs(row[j]) > Math.abs(row[best])) best = j;
    assert.ok(row[best] > 0, `component ${c}: largest |entry| must be positive`);
    // unit norm, orthogonal to the others
    for (let d = 0; d <= c; d++) {
      let dot = 0;
      for (let j = 0; j < 123; j++) dot += row[j] * r.components[d * 123 + j];
      assert.ok(Math.abs(dot - (c === d ? 1 : 0)) < 1e-12, `orthonormality ${c},${d}`);
    }
    // scores agree with scikit-learn's once the sign of the component is matched
    let sgn = 0;
    for (let j = 0; j < 123; j++) sgn += row[j] * C[c * 123 + j];
    sgn = Math.sign(sgn);
    let d = 0;
    let mx = 0;
    for (let i = 0; i < 300; i++) {
      d = Math.max(d, Math.abs(r.weights[i * k + c] - sgn * sk.scores[i][c]));
      mx = Math.max(mx, Math.abs(sk.scores[i][c]));
    }
    assert.ok(d < 1e-5 * mx, `scores ${c}: ${d}`);
  }
});

test('PCA with a mask fits masked-in pixels only and gives masked-out pixels weight 0', () => {
  const st = randomStack(8, 6, 30, 3);
  const n = 48;
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = i % 3 === 0 ? 0 : 1;
  const masked = pca({ ...st, mask }, { components: 3 });
  // Same fit on the explicit sub-matrix.
  const rows = Array.from({ length: n }, (_, i) => i).filter((i) => mask[i]);
  const sub = new Float32Array(rows.length * 30);
  rows.forEach((i, r) => sub.set(st.data.subarray(i * 30, (i + 1) * 30), r * 30));
  const ref = pca({ data: sub, rows: rows.length, cols: 30 }, { components: 3 });
  assert.ok(maxAbsDiff(masked.explainedVariance!, ref.explainedVariance!) < 1e-12);
  assert.ok(maxAbsDiff(masked.components, ref.components) < 1e-12);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      if (!mask[i]) assert.equal(masked.weights[i * 3 + c], 0);
      else assert.equal(masked.weights[i * 3 + c], ref.weights[rows.indexOf(i) * 3 + c]);
    }
  }
  assert.equal(masked.parameters.fittedRows, rows.length);
});

test('PCA is deterministic (bit-identical on repeat)', () => {
  const st = randomStack(10, 10, 50, 11);
  const a = pca(st, { components: 4 });
  const b = pca(st, { components: 4 });
  assert.deepEqual(Buffer.from(a.weights.buffer), Buffer.from(b.weights.buffer));
  assert.deepEqual(Buffer.from(a.components.buffer), Buffer.from(b.components.buffer));
});
