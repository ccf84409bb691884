import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lle } from '../src';
import { column, maxAbsDiff, python, reactionToy, sCurve, spearman } from './helpers';

// algorithms.md §9 item 9. The deterministic S-curve is symmetric, so many
// neighbourhoods have exactly the same ratio ρ_i as the median η: whether
// "ratio < η" holds for them is decided by the last bit of LAPACK's SVD in
// scikit-learn (665/335 points get s_i = 7/8 there; 636/364 here with exact
// comparisons of our eigenvalues). The reconstruction error therefore agrees
// to 0.6 %, the ordering to 1e-4.
test('modified LLE on the deterministic S-curve (§9 item 9)', () => {
  const { data, t } = sCurve(1000);
  const cases = [
    { K: 10, err: 1.0932e-6, rho: 0.99903 },
    { K: 12, err: 2.3069e-6, rho: 0.99559 },
  ];
  for (const c of cases) {
    const r = lle({ data, rows: 1000, cols: 3 }, { components: 2, neighbors: c.K, method: 'modified', eigenSolver: 'dense' });
    assert.ok(Math.abs(r.reconstructionError - c.err) / c.err < 0.006, `K=${c.K}: reconstruction error ${r.reconstructionError} vs ${c.err}`);
    const rho = Math.abs(spearman(column(r.embedding, 2, 0), t));
    assert.ok(Math.abs(rho - c.rho) < 1e-4, `K=${c.K}: |Spearman| ${rho} vs ${c.rho}`);
    // columns are unit vectors orthogonal to the constant: std = 1/√N
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < 1000; i++) {
      s += r.embedding[i * 2];
      s2 += r.embedding[i * 2] ** 2;
    }
    assert.ok(Math.abs(s) < 1e-6 && Math.abs(Math.sqrt(s2 / 1000 - (s / 1000) ** 2) - 0.0316228) < 1e-6);
  }
});

// algorithms.md §9 item 10. Noise-free, most neighbourhoods are exactly rank
// 1, so η and the s_i are set by rounding noise: scikit-learn itself gives
// 2.875e-10 (ARPACK), 6.8e-21 or −3.8e-15 (degenerate) depending on the
// solver and run. We check the ordering exactly and the numbers loosely.
test('modified LLE on the 441-spectrum A→B→C path (§9 item 10)', () => {
  const toy = reactionToy();
  const r = lle({ data: toy.data, rows: toy.n, cols: toy.m }, {
    components: 1,
    neighbors: 10,
    method: 'modified',
    standards: [
      { name: 'A', values: toy.A },
      { name: 'B', values: toy.B },
      { name: 'C', values: toy.C },
    ],
  });
  assert.ok(Math.abs(spearman(r.embedding, toy.s)) > 0.99999, 'ordering');
  assert.ok(r.reconstructionError > 1e-10 && r.reconstructionError < 1e-9, `error ${r.reconstructionError} (reference 3.01e-10)`);
  const [a, b, c] = r.standards!.map((s) => s.coords[0]);
  // orientation rule: the first standard (A) at the low end
  assert.ok(Math.abs(a - -0.08227) < 0.003 && Math.abs(c - 0.08229) < 0.003 && Math.abs(b) < 0.003, `A, B, C → ${a}, ${b}, ${c}`);
  // progress: 0 at A, 1 at C, monotone in s
  assert.ok(Math.abs(r.progress![0]) < 0.01 && Math.abs(r.progress![toy.n - 1] - 1) < 0.01);
});

test('modified and standard LLE match scikit-learn 1.2 (dense) on the noisy 441-spectrum path to 1e-6', () => {
  const toy = reactionToy(1e-3);
  for (const method of ['modified', 'standard'] as const) {
    const r = lle({ data: toy.data, rows: toy.n, cols: toy.m }, { components: 2, neighbors: 10, method, eigenSolver: 'dense' });
    const sk = python(
      `from sklearn.manifold import LocallyLinearEmbedding
X = np.array(inp['x']).reshape(${toy.n}, ${toy.m})
l = LocallyLinearEmbedding(n_neighbors=10, n_components=2, method='${method}', eigen_solver='dense').fit(X)
T = l.transform(X[:5] + 1e-4)
out = {'emb': l.embedding_.ravel().tolist(), 'err': float(l.reconstruction_error_), 't': T.ravel().tolist()}`,
      { x: toy.data },
    );
    for (let c = 0; c < 2; c++) {
      const ours = column(r.embedding, 2, c);
      const theirs = column(sk.emb, 2, c);
      const sign = ours.reduce((s, v, i) => s + v * theirs[i], 0) < 0 ? -1 : 1;
      const diff = maxAbsDiff(ours.map((v) => v * sign), theirs);
      assert.ok(diff < 1e-6, `${method}: coordinate ${c} differs by ${diff}`);
      const y = Float64Array.from({ length: 5 * toy.m }, (_, i) => toy.data[i] + 1e-4);
      const tr = column(r.transform(y, 5), 2, c).map((v) => v * sign);
      assert.ok(maxAbsDiff(tr, column(sk.t, 2, c)) < 1e-6, `${method}: transform coordinate ${c}`);
    }
    assert.ok(Math.abs(r.reconstructionError - sk.err) <= 1e-6 * Math.max(sk.err, 1e-12) + 1e-15, `${method}: error ${r.reconstructionError} vs ${sk.err}`);
  }
});
