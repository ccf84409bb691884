import { readFileSync } from 'fs';
import { pearson } from '@specmap/core';
import { mixAlongPath, mwNmf } from '../src';
const lines = readFileSync('examples/data/fe-k-standards/fe-k-standards.csv', 'utf8').split('\n').filter((l) => l && !l.startsWith('#')); lines.shift();
const rows = lines.map((l) => l.split(',').map(Number)).filter((r) => r[0] >= 7100 && r[0] <= 7200);
const Fe = Float64Array.from(rows, r => r[1]), Mag = Float64Array.from(rows, r => r[2]), Lep = Float64Array.from(rows, r => r[3]); const m = rows.length; const n = 441;
for (const mid of [0.08, 0.04]) for (const noise of [0.003, 0.01]) {
  const progress = Float64Array.from({ length: n }, (_, i) => { const u = (i + 0.5) / n; const a = 0.5 - mid / 2, b = 0.5 + mid / 2; return u < a ? 0.12 * (u / a) : u > b ? 0.88 + 0.12 * ((u - b) / a) : 0.12 + 0.76 * ((u - a) / mid); });
  const { data } = mixAlongPath([Fe, Mag, Lep], progress, { noise, seed: 2 });
  const out: string[] = [];
  for (const emb of ['mlle', 'pca'] as const) for (const alpha of [0, 1]) for (const clip of [[0.05,0.95],[0.01,0.99],[0,1]] as [number,number][]) {
    const r = mwNmf({ data, rows: n, cols: m }, { components: 3, alpha, clip, embedding: emb, maxIter: 800, neighbors: 12 });
    let b = -1; for (let j = 0; j < 3; j++) b = Math.max(b, pearson(r.components.subarray(j * m, (j + 1) * m), Mag));
    out.push(`${emb} a=${alpha} c=${clip[1]}: ${b.toFixed(4)} ess=${r.effectiveSampleSize.toFixed(0)}`);
  }
  console.log(mid, noise, out.join(' | '));
}
