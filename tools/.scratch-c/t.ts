import { readStack, readSpectrum } from '@specmap/io';
import { analyze, opticalDensity } from '@specmap/core';
const dir = '/work/main/examples/data/stxm-fe/';
let t = Date.now();
const s = readStack(dir + '71214078.hdr'); opticalDensity(s, readSpectrum(dir + 'i0.xsp'));
console.log('read', Date.now() - t);
for (const method of ['nmf', 'nmf-so', 'nmf-ard-so', 'ica', 'kmeans', 'pca']) for (const omega of [0, 0.2]) {
  t = Date.now();
  const r = analyze(s, { method, components: 3, omega, spectraBudgetBytes: 0 });
  console.log(method, omega, Date.now() - t, 'ms', r.iterations, r.converged, r.warnings.length, r.parameters.mapOverlap);
}
