/**
 * Large-n benchmark (not a test): a W×W synthetic Fe K-edge map built from the
 * real standards (Fe → Fe3O4 → γ-FeOOH, smooth progress field, noise 0.005),
 * embedded by modified LLE with the sparse solver. Prints time, peak RSS,
 * Spearman against the true progress and the solver's diagnostics.
 *   node --import tsx packages/manifold/bench/large-n.ts 256
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { lle, mixAlongPath } from '../src';

const W = Number(process.argv[2] ?? 256);
const lines = readFileSync(join(__dirname, '../../../examples/data/fe-k-standards/fe-k-standards.csv'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
lines.shift();
const rows = lines.map((l) => l.split(',').map(Number)).filter((r) => r[0] >= 7100 && r[0] <= 7200);
const col = (c: number): Float64Array => Float64Array.from(rows, (r) => r[c]);
const n = W * W;
const progress = Float64Array.from({ length: n }, (_, i) => {
  const x = (i % W) / (W - 1);
  const y = Math.floor(i / W) / (W - 1);
  return 0.03 + 0.94 * ((x + 0.6 * y + 0.1 * Math.sin(6 * x) * Math.cos(5 * y) + 0.1) / 1.8);
});
const { data } = mixAlongPath([col(1), col(2), col(3)], progress, { noise: 0.005, seed: 3 });
let peak = process.memoryUsage().rss;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
const t0 = Date.now();
const r = lle({ data, rows: n, cols: rows.length }, { components: 1, neighbors: 10, standards: [{ name: 'Fe', values: col(1) }, { name: 'gamma-FeOOH', values: col(3) }] });
const seconds = (Date.now() - t0) / 1000;
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
const rank = (v: ArrayLike<number>): Float64Array => {
  const idx = Array.from({ length: v.length }, (_, i) => i).sort((p, q) => v[p] - v[q] || p - q);
  const out = new Float64Array(v.length);
  idx.forEach((i, k) => (out[i] = k));
  return out;
};
const ra = rank(r.embedding);
const rb = rank(progress);
const mean = (n - 1) / 2;
let s = 0, sa = 0, sb = 0;
for (let i = 0; i < n; i++) {
  s += (ra[i] - mean) * (rb[i] - mean);
  sa += (ra[i] - mean) ** 2;
  sb += (rb[i] - mean) ** 2;
}
console.log(JSON.stringify({ n, channels: rows.length, seconds, peakRssMB: Math.round(peak / 2 ** 20), spearman: s / Math.sqrt(sa * sb), reconstructionError: r.reconstructionError, parameters: r.parameters, warnings: r.warnings }, null, 1));
