// Reaction path: a synthetic corrosion map mixed from three real Fe K-edge
// standards (Fe metal → Fe3O4 → γ-FeOOH, examples/data/fe-k-standards) along a
// known progress; modified LLE orders the pixels without standards (progress
// map), and linear combination fitting (LCF) with the standards recovers the
// fractions. Prints how well each matches the truth.
//
//   node examples/reaction-path.mjs
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, pearson, registerMethod } from '@specmap/core';
import { MANIFOLD_METHODS, mixAlongPath } from '@specmap/manifold';
import { lcfMap } from '@specmap/xafs';

for (const spec of MANIFOLD_METHODS) registerMethod(spec); // 'lle', 'mlle', 'mw-nmf'
const here = path.dirname(fileURLToPath(import.meta.url));
const rows = fs.readFileSync(path.join(here, 'data', 'fe-k-standards', 'fe-k-standards.csv'), 'utf8')
  .split('\n').filter((l) => l && !l.startsWith('#')).slice(1).map((l) => l.split(',').map(Number))
  .filter((r) => r[0] >= 7100 && r[0] <= 7180);                    // the XANES region
const E = Float64Array.from(rows, (r) => r[0]);
const std = [1, 2, 3].map((j) => Float64Array.from(rows, (r) => r[j]));
const names = ['Fe', 'Fe3O4', 'gamma-FeOOH'];

// progress 0 (metal, upper left) … 1 (γ-FeOOH), a logistic front
const W = 20, H = 20, n = W * H;
const truth = Float64Array.from({ length: n }, (_, i) => {
  const x = i % W, y = Math.floor(i / W);
  return 1 / (1 + Math.exp(-(Math.hypot(x + 2, y + 1) / 28 - 0.55) / 0.1));
});
const mix = mixAlongPath(std, truth, { noise: 0.005, seed: 4 });
const stack = { data: mix.data, energies: E, width: W, height: H, metadata: { quantity: 'normalised mu (synthetic)' } };
const references = names.map((name, j) => ({ name, energies: E, values: std[j] }));

const spearman = (a, b) => {
  const rank = (v) => { const idx = Array.from(v, (_, i) => i).sort((p, q) => v[p] - v[q]); const r = new Float64Array(v.length); idx.forEach((i, k) => (r[i] = k)); return r; };
  return pearson(rank(a), rank(b));
};
const mlle = analyze(stack, { method: 'mlle', components: 2, neighbors: 12, references });
const progress = mlle.embedding.progress;
console.log(`mLLE: Spearman(progress map, true progress) = ${spearman(Float64Array.from(progress), truth).toFixed(3)}`);
const pca = analyze(stack, { method: 'pca', components: 2 });
const pc1 = Float64Array.from({ length: n }, (_, i) => pca.weights[i * 2]);
console.log(`PCA:  |Spearman(PC1, true progress)|     = ${Math.abs(spearman(pc1, truth)).toFixed(3)}`);

const lcf = lcfMap(stack, references, { sumToOne: true });
let maxDev = 0;
for (let i = 0; i < n * 3; i++) maxDev = Math.max(maxDev, Math.abs(lcf.fractions[i] - mix.fractions[i]));
console.log(`LCF:  largest |fraction − true fraction| = ${maxDev.toFixed(3)} over ${n} pixels × ${names.length} standards`);
