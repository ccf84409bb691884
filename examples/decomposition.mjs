// Decomposition methods on a stack with a known truth: a synthetic stack built
// from the two real reference spectra of the STXM example (oxidised and
// reduced Fe), mixed by smooth maps, with Poisson noise. PCA, ICA, NMF and
// NMF-SO each get k = 2; their components and maps are matched to the truth
// (Pearson r of the matched spectra, map error after scaling).
//
//   node examples/decomposition.mjs
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, compareWithTruth, syntheticStack } from '@specmap/core';
import { readSpectrum } from '@specmap/io';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = path.join(here, 'data', 'stxm-fe');
const fast = process.env.SPECMAP_EXAMPLE_FAST === '1';
const ox = readSpectrum(path.join(data, 'oxidized.r'));
const red = readSpectrum(path.join(data, 'reduced.r'));
const energies = Float64Array.from({ length: 61 }, (_, i) => 702 + i * 0.4);
const { stack, truth } = syntheticStack({
  spectra: [{ ...ox, name: 'oxidised' }, { ...red, name: 'reduced' }],
  energies, width: 40, height: 40, seed: 7, noise: { counts: 2000 },
});

console.log('method   matched r (spectra)   map error   iterations');
for (const method of ['pca', 'ica', 'nmf', 'nmf-so']) {
  const result = analyze(stack, { method, components: 2, seed: 0, maxIter: fast ? 100 : 500 });
  // PCA and ICA fix no sign: compare |r| for them
  const cmp = compareWithTruth(result, truth, { absolute: method === 'pca' || method === 'ica' });
  const rs = Array.from(cmp.pearson, (r) => r.toFixed(3)).join(' ');
  const errs = Array.from(cmp.mapError, (e) => e.toFixed(3)).join(' ');
  console.log(`${method.padEnd(8)} ${rs.padEnd(21)} ${errs.padEnd(11)} ${result.iterations}`);
}
