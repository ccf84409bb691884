import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import { join } from 'path';
import { nmfSo } from '../src/nmf-so';
import type { MatrixView } from '../src/decomposition';
import { REPO_ROOT, maxAbs, rel } from './helpers';

/** malspy's demo cube SI_data.npz (X, 24×22×138) from the converted raw copy in ../shared/data (PROVENANCE.md §6), as a 528×138 matrix. */
function siData(): MatrixView {
  const buf = readFileSync(join(REPO_ROOT, '..', 'shared', 'data', 'malspy', 'example', 'SI_data_X_xyE_float64le.raw'));
  const data = new Float64Array(528 * 138);
  for (let i = 0; i < data.length; i++) data[i] = buf.readDoubleLE(8 * i);
  return { data, rows: 528, cols: 138 };
}

function scaled(x: MatrixView, f: number): MatrixView {
  return { ...x, data: Float64Array.from(x.data, (v) => v * f) };
}

function column(w: Float32Array, n: number, k: number, j: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => w[i * k + j]);
}
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

const X = siData();
let mean = 0;
for (const v of X.data) mean += v;
mean /= X.data.length;
const Xn = scaled(X, 1 / mean);

test('NMF-SO malspy-compatible mode reproduces malspy on X/mean(X) (algorithms.md §9 item 3)', () => {
  const table = [
    { omega: 0, obj: [0.4239714596, 0.3111750118, 0.3085796294], c12: 0.58199, s: [461.49, 166.03] },
    { omega: 0.05, obj: [0.4246943296, 0.3129764037, 0.3129063642], c12: 0.27479, s: [432.98, 242.82] },
  ];
  for (const row of table) {
    const r = nmfSo(Xn, { components: 2, omega: row.omega, reps: 1, maxIter: 50, malspyCompat: true });
    assert.deepEqual(r.parameters.initRows, [[192, 359]]);
    assert.equal(r.iterations, 50, 'the absolute 1e-10 rule never fires at this scale');
    const obj = r.lossHistory!;
    assert.equal(obj.length, 50);
    // Printed to 10 decimals: agree to half a unit of the last digit.
    [0, 9, 49].forEach((t, i) => assert.ok(Math.abs(obj[t] - row.obj[i]) <= 5e-11, `ω=${row.omega} obj[${t}] ${obj[t]} vs ${row.obj[i]}`));
    const c1 = column(r.weights, 528, 2, 0);
    const c2 = column(r.weights, 528, 2, 1);
    // C has unit-norm columns (float32 weights: 1e-6).
    assert.ok(Math.abs(dot(c1, c1) - 1) < 1e-6 && Math.abs(dot(c2, c2) - 1) < 1e-6);
    assert.ok(Math.abs(dot(c1, c2) - row.c12) <= 5e-6, `ω=${row.omega} c1ᵀc2 ${dot(c1, c2)} vs ${row.c12}`);
    const s1 = Math.sqrt(dot(r.components.subarray(0, 138), r.components.subarray(0, 138)));
    const s2 = Math.sqrt(dot(r.components.subarray(138), r.components.subarray(138)));
    assert.ok(Math.abs(s1 - row.s[0]) <= 5e-3 && Math.abs(s2 - row.s[1]) <= 5e-3, `ω=${row.omega} ‖s‖ ${s1}, ${s2} vs ${row.s}`);
    if (process.env.SPECMAP_VERBOSE) {
      console.log(`ω=${row.omega}: obj ${obj[0]} ${obj[9]} ${obj[49]}, c1ᵀc2 ${dot(c1, c2)}, ‖s‖ ${s1} ${s2}`);
    }
  }
});

test('NMF-SO malspy-compatible mode on raw X stops where malspy stops (§9 item 2)', () => {
  for (const [omega, mse] of [
    [0, 1.16987e-11],
    [0.05, 1.17803e-11],
  ]) {
    const r = nmfSo(X, { components: 2, omega, reps: 3, maxIter: 50, malspyCompat: true });
    assert.deepEqual(r.parameters.initRows, [[192, 359], [9, 277], [70, 472]]);
    // every repetition stops at 0-based iteration 11 (12 updates); malspy keeps obj[0:11]
    assert.equal(r.iterations, 12);
    assert.equal(r.lossHistory!.length, 11);
    const final = r.lossHistory![10];
    assert.ok(rel(final, mse) < 5e-6, `ω=${omega}: final MSE ${final} vs ${mse}`);
    assert.equal(r.parameters.mse, final);
  }
});

test('NMF-SO default stopping rule is scale-free: X, X·1e6 and X/mean(X) run the same iterations', () => {
  const runs = [X, scaled(X, 1e6), Xn, scaled(X, 3)].map((m) => nmfSo(m, { components: 2, omega: 0.05, tol: 1e-6, maxIter: 500 }));
  const its = runs.map((r) => r.iterations);
  assert.ok(runs[0].converged && its[0] > 12 && its[0] < 500, `iterations ${its}`);
  assert.ok(its.every((t) => t === its[0]), `iterations differ: ${its}`);
  // Same spectra (max 1) and maps up to the scale factor.
  for (const r of runs.slice(1)) {
    let d = 0;
    for (let i = 0; i < r.components.length; i++) d = Math.max(d, Math.abs(r.components[i] - runs[0].components[i]));
    assert.ok(d < 1e-9, `components differ by ${d}`);
  }
  // Output convention: spectra max 1.
  assert.equal(maxAbs(runs[0].components.subarray(0, 138)), 1);
  // malspy's absolute rule is not scale-free: raw X stops at once, X/mean never.
  const a = nmfSo(X, { components: 2, omega: 0.05, reps: 1, maxIter: 300, malspyCompat: true });
  const b = nmfSo(Xn, { components: 2, omega: 0.05, reps: 1, maxIter: 300, malspyCompat: true });
  assert.equal(a.iterations, 12);
  assert.ok(b.iterations > 100, `${b.iterations}`);
});

test('NMF-SO: ω lowers the overlap of the maps; ω = 0 is plain HALS (objective non-increasing)', () => {
  const o = [0, 0.05, 0.2, 0.5].map((omega) => nmfSo(Xn, { components: 2, omega, reps: 1, maxIter: 100, tol: 0 }));
  const ov = o.map((r) => r.parameters.mapOverlap as number);
  for (let i = 1; i < ov.length; i++) assert.ok(ov[i] < ov[i - 1], `overlap ${ov}`);
  const L = o[0].lossHistory!;
  for (let i = 1; i < L.length; i++) assert.ok(L[i] <= L[i - 1] * (1 + 1e-12), `loss rose at ${i}`);
});
