import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hungarian } from '../src/hungarian';
import { cosine, cosineMatrix, matchComponents, matchRuns } from '../src/matching';
import { pearson } from '../src/pearson';
import { Rng } from '../src/random';
import { python } from './helpers';

/** Brute force over all injective maps (small sizes). */
function brute(cost: number[], r: number, c: number, maximize: boolean): number {
  let best = maximize ? -Infinity : Infinity;
  const used = new Array(c).fill(false);
  const small = r <= c;
  const R = small ? r : c;
  const C = small ? c : r;
  const at = (i: number, j: number) => (small ? cost[i * c + j] : cost[j * c + i]);
  const rec = (i: number, s: number) => {
    if (i === R) {
      best = maximize ? Math.max(best, s) : Math.min(best, s);
      return;
    }
    for (let j = 0; j < C; j++) {
      if (used[j]) continue;
      used[j] = true;
      rec(i + 1, s + at(i, j));
      used[j] = false;
    }
  };
  rec(0, 0);
  return best;
}

test('hungarian: optimal on square and rectangular matrices (brute force and live scipy)', () => {
  const rng = new Rng(2);
  const cases: [number, number][] = [[1, 1], [3, 3], [4, 6], [6, 4], [5, 5], [2, 7], [7, 3]];
  const all: { cost: number[]; r: number; c: number }[] = [];
  for (const [r, c] of cases) {
    for (let rep = 0; rep < 5; rep++) {
      const cost = Array.from({ length: r * c }, () => Math.round(rng.uniform() * 20) / 4); // ties on purpose
      all.push({ cost, r, c });
      for (const max of [false, true]) {
        const a = hungarian(cost, r, c, max);
        const b = brute(cost, r, c, max);
        assert.ok(Math.abs(a.total - b) < 1e-12, `${r}×${c} max=${max}: ${a.total} vs ${b}`);
        const pairs = Array.from(a.rowToCol).filter((j) => j >= 0);
        assert.equal(pairs.length, Math.min(r, c));
        assert.equal(new Set(pairs).size, pairs.length);
        a.rowToCol.forEach((j, i) => j >= 0 && assert.equal(a.colToRow[j], i));
      }
    }
  }
  const sp = python(
    `from scipy.optimize import linear_sum_assignment
out = []
for c in inp:
    M = np.array(c['cost']).reshape(c['r'], c['c'])
    i, j = linear_sum_assignment(M, maximize=True)
    out.append(float(M[i, j].sum()))`,
    all,
  );
  all.forEach((c, i) => assert.ok(Math.abs(hungarian(c.cost, c.r, c.c, true).total - sp[i]) < 1e-12));
  assert.throws(() => hungarian([1, 2, 3], 2, 2), /hungarian/);
  assert.throws(() => hungarian([1, NaN, 3, 4], 2, 2), /not finite/);
});

test('matchComponents: Pearson/cosine tables, ranks and the one-to-one assignment', () => {
  const m = 50;
  const g = (c: number) => Float64Array.from({ length: m }, (_, j) => Math.exp(-(((j - c) / 4) ** 2)) + 0.1);
  const refs = [
    { name: 'A', values: g(10) },
    { name: 'B', values: g(25) },
    { name: 'C', values: g(40) },
  ];
  // components: B-like, A+C mixture leaning to C, A-like
  const comps = new Float64Array(3 * m);
  comps.set(g(26), 0);
  const mix = g(10).map((v, j) => 0.3 * v + 0.7 * g(40)[j]);
  comps.set(mix, m);
  comps.set(g(11), 2 * m);
  const t = matchComponents(comps, 3, refs, m);
  assert.deepEqual(Array.from(t.assignment), [1, 2, 0]);
  assert.equal(t.rows.length, 9);
  for (const row of t.rows) {
    assert.ok(Math.abs(row.r - pearson(comps.subarray(row.component * m, (row.component + 1) * m), refs[row.reference].values)) < 1e-15);
    assert.ok(Math.abs(row.cosine - cosine(comps.subarray(row.component * m, (row.component + 1) * m), refs[row.reference].values)) < 1e-15);
    assert.equal(row.name, refs[row.reference].name);
  }
  assert.deepEqual(t.rows.filter((r) => r.component === 0).map((r) => r.rank), [1, 2, 3]);
  assert.equal(t.rows.find((r) => r.component === 0 && r.rank === 1)!.reference, 1);
  assert.ok(t.rows.filter((r) => r.assigned).length === 3);
  // rectangular: more components than references
  const t2 = matchComponents(comps, 3, refs.slice(0, 2), m, { metric: 'cosine' });
  assert.equal(Array.from(t2.assignment).filter((q) => q >= 0).length, 2);
  // cosineMatrix vs numpy
  const sk = python(`A = np.array(inp['A']).reshape(3, ${m}); B = np.array(inp['B'])
out = ((A @ B.T) / np.outer(np.linalg.norm(A, axis=1), np.linalg.norm(B, axis=1))).ravel().tolist()`, { A: comps, B: refs.map((r) => Array.from(r.values)) });
  const cm = cosineMatrix(comps, 3, refs.map((r) => r.values), m);
  cm.forEach((v, i) => assert.ok(Math.abs(v - sk[i]) < 1e-14));
  assert.throws(() => matchComponents(comps, 3, [new Float64Array(m - 1)], m), /reference 0 has 49 values/);
});

test('matchRuns: recovers a permutation with sign flips', () => {
  const rng = new Rng(7);
  const m = 40;
  const k = 4;
  const a = Float64Array.from({ length: k * m }, () => rng.normal());
  const perm = [2, 0, 3, 1];
  const sg = [1, -1, -1, 1];
  const b = new Float64Array(k * m);
  for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) b[perm[i] * m + j] = sg[i] * a[i * m + j] + 0.01 * rng.normal();
  const r = matchRuns(a, k, b, k, m);
  assert.deepEqual(Array.from(r.toB), perm);
  assert.deepEqual(Array.from(r.signs), sg);
  r.scores.forEach((s) => assert.ok(s > 0.999));
});
