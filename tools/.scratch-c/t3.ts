import { readSpectrum } from '@specmap/io';
import { analyze, syntheticStack, compareWithTruth } from '@specmap/core';
const dir = '/work/main/examples/data/stxm-fe/';
const ox = readSpectrum(dir + 'oxidized.t'), red = readSpectrum(dir + 'reduced.t');
const s = syntheticStack({ spectra: [{ name: 'oxidized', energies: ox.energies, values: ox.values }, { name: 'reduced', energies: red.energies, values: red.values }], width: 40, height: 40, noise: { counts: 1e5 }, seed: 0 });
for (const o of [{ maxIter: 2000 }, { init: 'random' }, { solver: 'mu', maxIter: 1000 }, {init:'nndsvd', maxIter: 1000}]) {
  const r = analyze(s.stack, { method: 'nmf', components: 2, spectraBudgetBytes: 0, ...o });
  const c = compareWithTruth(r, s.truth);
  console.log(JSON.stringify(o), r.iterations, Array.from(c.pearson).map(v => v.toFixed(4)), Array.from(c.mapError).map(v => v.toFixed(4)));
}
