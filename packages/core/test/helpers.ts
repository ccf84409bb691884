/**
 * Test helpers: the iris fixture, a live scikit-learn/numpy oracle (run
 * through /usr/bin/python3, which has numpy, scipy and scikit-learn), and
 * small matrix utilities. Not a test file itself (no `.test.ts`).
 */
import { spawnSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import type { MatrixView } from '../src/decomposition';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const PYTHON = '/usr/bin/python3';

/** tests/fixtures/iris.csv as a 150×4 Float64 matrix view. */
export function loadIris(): MatrixView {
  const text = readFileSync(join(REPO_ROOT, 'tests', 'fixtures', 'iris.csv'), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const header = lines.shift();
  if (header !== 'sepal_length,sepal_width,petal_length,petal_width') throw new Error(`iris.csv: unexpected header ${header}`);
  const values = lines.flatMap((l) => l.split(',').map(Number));
  if (values.length !== 600 || values.some((v) => !Number.isFinite(v))) throw new Error('iris.csv: expected 150×4 finite values');
  return { data: new Float64Array(values), rows: 150, cols: 4 };
}

/**
 * Run a Python snippet with `/usr/bin/python3`. The snippet receives the JSON
 * `input` as the variable `inp` (numbers arrays as lists) and must assign a
 * JSON-serialisable `out`. Throws (so the test fails, never skips) when
 * Python or scikit-learn is unavailable.
 */
export function python(code: string, input: unknown = null): any {
  if (!existsSync(PYTHON)) {
    throw new Error(`live reference check needs ${PYTHON} with numpy and scikit-learn; it is missing`);
  }
  const prologue = 'import sys, json\nimport numpy as np\ninp = json.load(sys.stdin)\n';
  const epilogue = '\njson.dump(out, sys.stdout)\n';
  const res = spawnSync(PYTHON, ['-c', prologue + code + epilogue], {
    input: JSON.stringify(input, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (res.error) throw new Error(`could not run ${PYTHON}: ${res.error.message}`);
  if (res.status !== 0) {
    throw new Error(`${PYTHON} failed (status ${res.status}); numpy/scikit-learn needed for the live reference check:\n${res.stderr}`);
  }
  return JSON.parse(res.stdout);
}

/** Largest |a_i − b_i|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Largest |a_i|. */
export function maxAbs(a: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]));
  return d;
}

/** Relative difference |a − b| / |b|. */
export function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

/** Flatten a list of rows to a Float64Array. */
export function flat(rows: number[][]): Float64Array {
  return new Float64Array(rows.flat());
}

/**
 * specmap's NMF output convention applied to any (W n×k, H k×m) pair: each
 * row of H scaled to max 1 (W columns inversely), components ordered by
 * decreasing ‖w_j‖₁·max(h_j). Used to bring scikit-learn's factors to our form.
 */
export function nmfConvention(W: Float64Array, H: Float64Array, n: number, k: number, m: number): { W: Float64Array; H: Float64Array } {
  const scale: number[] = [];
  const contrib: number[] = [];
  for (let t = 0; t < k; t++) {
    let mx = 0;
    for (let j = 0; j < m; j++) mx = Math.max(mx, H[t * m + j]);
    let l1 = 0;
    for (let i = 0; i < n; i++) l1 += W[i * k + t];
    scale.push(mx);
    contrib.push(l1 * mx);
  }
  const order = Array.from({ length: k }, (_, t) => t).sort((a, b) => contrib[b] - contrib[a] || a - b);
  const W2 = new Float64Array(n * k);
  const H2 = new Float64Array(k * m);
  order.forEach((t, c) => {
    for (let j = 0; j < m; j++) H2[c * m + j] = H[t * m + j] / scale[t];
    for (let i = 0; i < n; i++) W2[i * k + c] = W[i * k + t] * scale[t];
  });
  return { W: W2, H: H2 };
}

/** All permutations of 0..k−1 (k small). */
export function permutations(k: number): number[][] {
  if (k === 1) return [[0]];
  const out: number[][] = [];
  for (const p of permutations(k - 1)) {
    for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), k - 1, ...p.slice(i)]);
  }
  return out;
}
