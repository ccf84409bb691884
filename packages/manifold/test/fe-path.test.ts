import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import { join } from 'path';
import { pearson } from '@specmap/core';
import { lle, mixAlongPath, mwNmf } from '../src';
import { REPO_ROOT, spearman } from './helpers';

/** The real standards (examples/data/fe-k-standards/fe-k-standards.csv) on 7100–7200 eV (201 channels). */
function feStandards(): { energies: Float64Array; Fe: Float64Array; Fe3O4: Float64Array; FeOOH: Float64Array } {
  const lines = readFileSync(join(REPO_ROOT, 'examples/data/fe-k-standards/fe-k-standards.csv'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  assert.equal(lines.shift(), 'energy,Fe,Fe3O4,gamma-FeOOH');
  const rows = lines.map((l) => l.split(',').map(Number)).filter((r) => r[0] >= 7100 && r[0] <= 7200);
  return {
    energies: Float64Array.from(rows, (r) => r[0]),
    Fe: Float64Array.from(rows, (r) => r[1]),
    Fe3O4: Float64Array.from(rows, (r) => r[2]),
    FeOOH: Float64Array.from(rows, (r) => r[3]),
  };
}

test('modified LLE orders a synthetic Fe → Fe3O4 → γ-FeOOH path built from the real standards (|Spearman| ≥ 0.99)', () => {
  const st = feStandards();
  const m = st.energies.length;
  const n = 441; // 21×21
  // spatially varying progress: a corrosion front from one corner, plus a bump
  const progress = Float64Array.from({ length: n }, (_, i) => {
    const x = i % 21;
    const y = Math.floor(i / 21);
    return 0.03 + (0.94 * (x + 0.6 * y + 2 * Math.sin(x / 3) * Math.cos(y / 4) + 2)) / 36;
  });
  const { data } = mixAlongPath([st.Fe, st.Fe3O4, st.FeOOH], progress, { noise: 0.005, seed: 1 });
  const r = lle({ data, rows: n, cols: m }, {
    components: 2,
    neighbors: 12,
    standards: [
      { name: 'Fe', values: st.Fe },
      { name: 'Fe3O4', values: st.Fe3O4 },
      { name: 'gamma-FeOOH', values: st.FeOOH },
    ],
  });
  const y0 = Float64Array.from({ length: n }, (_, i) => r.embedding[i * 2]);
  const rho = spearman(y0, progress);
  assert.ok(rho >= 0.99, `Spearman(coordinate 0, true progress) = ${rho}`);
  console.log(`# Fe K-edge path (441 spectra, noise 0.005): Spearman(mLLE coordinate 0, true progress) = ${rho.toFixed(5)}`);
  const [fe, mag, lep] = r.standards!.map((s) => s.coords[0]);
  assert.ok(fe < mag && mag < lep, `standards along coordinate 0: ${fe}, ${mag}, ${lep}`);
  const prog = r.progress!;
  assert.ok(Math.abs(spearman(prog, progress) - rho) < 1e-12);
});

test('mw-NMF recovers a sparsely populated middle stage better than plain NMF (Pearson r of the matched component with Fe3O4)', () => {
  const st = feStandards();
  const m = st.energies.length;
  const n = 441;
  // most pixels near the end members, few in the Fe3O4 stage
  const progress = Float64Array.from({ length: n }, (_, i) => {
    const u = (i + 0.5) / n;
    return u < 0.46 ? 0.12 * (u / 0.46) : u > 0.54 ? 0.88 + 0.12 * ((u - 0.54) / 0.46) : 0.12 + 0.76 * ((u - 0.46) / 0.08);
  });
  const { data } = mixAlongPath([st.Fe, st.Fe3O4, st.FeOOH], progress, { noise: 0.003, seed: 2 });
  const middle = progress.filter((p) => p > 0.35 && p < 0.65).length;
  const best = (alpha: number): number => {
    const r = mwNmf({ data, rows: n, cols: m }, { components: 3, alpha, embedding: 'mlle', maxIter: 800, neighbors: 12 });
    let b = -1;
    for (let j = 0; j < 3; j++) b = Math.max(b, pearson(r.components.subarray(j * m, (j + 1) * m), st.Fe3O4));
    return b;
  };
  const plain = best(0);
  const weighted = best(1);
  assert.ok(middle < 0.1 * n, `the Fe3O4 stage holds ${middle} of ${n} spectra`);
  assert.ok(weighted > plain, `r(Fe3O4): mw-NMF ${weighted} vs plain NMF ${plain}`);
  console.log(`# Fe3O4 stage: ${middle}/${n} spectra; best r with Fe3O4: plain NMF ${plain.toFixed(5)}, mw-NMF (α=1) ${weighted.toFixed(5)}`);
});
