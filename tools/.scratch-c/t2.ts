import { readSpectrum } from '@specmap/io';
import { analyze, syntheticStack, compareWithTruth, SIGN_FREE_METHODS, pearson } from '@specmap/core';
const dir = '/work/main/examples/data/stxm-fe/';
const ox = readSpectrum(dir + 'oxidized.t'), red = readSpectrum(dir + 'reduced.t');
console.log('r(ox,red)=', pearson(ox.values, red.values));
for (const counts of [1e5, 1e4, 1e3]) {
  const s = syntheticStack({ spectra: [{ name: 'oxidized', energies: ox.energies, values: ox.values }, { name: 'reduced', energies: red.energies, values: red.values }], width: 40, height: 40, noise: { counts }, seed: 0 });
  for (const method of ['pca', 'ica', 'nmf', 'nmf-so', 'nmf-ard-so', 'kmeans']) {
    const t = Date.now();
    const r = analyze(s.stack, { method, components: 2, spectraBudgetBytes: 0 });
    const c = compareWithTruth(r, s.truth, { absolute: SIGN_FREE_METHODS.includes(method) });
    console.log(counts, method, Date.now() - t, 'ms', Array.from(c.pearson).map(v => v.toFixed(4)), Array.from(c.mapError).map(v => v.toFixed(4)), r.warnings);
  }
}
