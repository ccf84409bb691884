/**
 * Test helpers for @specmap/manifold: synthetic data (deterministic S-curve,
 * the A→B→C reaction-path toy of algorithms.md §9 item 10), Spearman
 * correlation, and a live scikit-learn oracle through /usr/bin/python3.
 */
import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const PYTHON = '/usr/bin/python3';

/** Run Python (numpy + scikit-learn); `inp` holds the JSON input, the code assigns `out`. Throws if unavailable (never skips). */
export function python(code: string, input: unknown = null): any {
  if (!existsSync(PYTHON)) throw new Error(`live reference check needs ${PYTHON} with numpy and scikit-learn; it is missing`);
  const prologue = 'import sys, json, warnings\nwarnings.filterwarnings("ignore")\nimport numpy as np\ninp = json.load(sys.stdin)\n';
  const res = spawnSync(PYTHON, ['-c', prologue + code + '\njson.dump(out, sys.stdout)\n'], {
    input: JSON.stringify(input, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (res.error) throw new Error(`could not run ${PYTHON}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${PYTHON} failed (status ${res.status}):\n${res.stderr}`);
  return JSON.parse(res.stdout);
}

/** Spearman rank correlation (ties get distinct ranks by index; the data here have none). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const rank = (v: ArrayLike<number>): Float64Array => {
    const idx = Array.from({ length: v.length }, (_, i) => i).sort((p, q) => v[p] - v[q] || p - q);
    const r = new Float64Array(v.length);
    idx.forEach((i, k) => (r[i] = k));
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const n = ra.length;
  const mean = (n - 1) / 2;
  let s = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    s += (ra[i] - mean) * (rb[i] - mean);
    sa += (ra[i] - mean) ** 2;
    sb += (rb[i] - mean) ** 2;
  }
  return s / Math.sqrt(sa * sb);
}

/** algorithms.md §9 item 9: the deterministic S-curve (N×3) and its parameter t. */
export function sCurve(N = 1000): { data: Float64Array; t: Float64Array } {
  const data = new Float64Array(N * 3);
  const t = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const u = (i + 0.5) / N;
    const tt = 3 * Math.PI * (u - 0.5);
    t[i] = tt;
    data[i * 3] = Math.sin(tt);
    data[i * 3 + 1] = 2 * ((i * 0.6180339887498949) % 1);
    data[i * 3 + 2] = Math.sign(tt) * (Math.cos(tt) - 1);
  }
  return { data, t };
}

/** algorithms.md §9 item 10: 100-channel Gaussians A, B, C and 441 spectra along A→B→C (progress s). `noise` adds a deterministic perturbation. */
export function reactionToy(noise = 0): { data: Float64Array; s: Float64Array; A: Float64Array; B: Float64Array; C: Float64Array; m: number; n: number } {
  const m = 100;
  const n = 441;
  const g = (c: number): Float64Array => Float64Array.from({ length: m }, (_, e) => Math.exp(-0.5 * ((e / (m - 1) - c) / 0.05) ** 2));
  const A = g(0.3);
  const B = g(0.5);
  const C = g(0.7);
  const s = Float64Array.from({ length: n }, (_, i) => i / (n - 1));
  const data = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const wa = Math.min(Math.max(1 - 2 * s[i], 0), 1);
    const wc = Math.min(Math.max(2 * s[i] - 1, 0), 1);
    const wb = 1 - wa - wc;
    for (let e = 0; e < m; e++) data[i * m + e] = wa * A[e] + wb * B[e] + wc * C[e] + noise * hashNoise(i, e);
  }
  return { data, s, A, B, C, m, n };
}

/** Deterministic full-rank pseudo-noise in [−0.5, 0.5) (the classic fract(sin(x)·43758.5453) hash). */
export function hashNoise(i: number, e: number): number {
  const v = Math.sin(i * 12.9898 + e * 78.233) * 43758.5453;
  return v - Math.floor(v) - 0.5;
}

export function column(flat: ArrayLike<number>, d: number, c: number): Float64Array {
  const n = flat.length / d;
  return Float64Array.from({ length: n }, (_, i) => flat[i * d + c]);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
