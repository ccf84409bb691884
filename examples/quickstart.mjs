// Quick start: the real STXM Fe L-edge stack → optical density → NMF (k = 2)
// → Pearson r against the authors' oxidised/reduced reference spectra →
// every output of `specmap analyze`, saved with saveResult() so that
// `specmap replay OUT/summary.json` can check it later.
//
//   node examples/quickstart.mjs [OUT]        (default OUT: out/examples/quickstart)
//   SPECMAP_EXAMPLE_FAST=1 → fewer NMF iterations (the test suite sets it)
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, opticalDensity } from '@specmap/core';
import { readSpectrum, readStack } from '@specmap/io';
import { saveResult } from '@specmap/notebook';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = path.join(here, 'data', 'stxm-fe');
const out = process.argv[2] ?? path.join(here, '..', 'out', 'examples', 'quickstart');
const fast = process.env.SPECMAP_EXAMPLE_FAST === '1';

const stack = readStack(path.join(data, '71214078.hdr'));
console.log(`stack: ${stack.width}×${stack.height} px × ${stack.energies.length} energies, sha256 ${String(stack.metadata.sha256).slice(0, 12)}…`);
opticalDensity(stack, { ...readSpectrum(path.join(data, 'i0.xsp')), name: 'i0.xsp' });

const references = ['oxidized.r', 'reduced.r'].map((f) => ({ name: f, ...readSpectrum(path.join(data, f)) }));
const result = analyze(stack, { method: 'nmf', components: 2, seed: 0, maxIter: fast ? 60 : 1000, references });
const nRef = references.length;
for (let c = 0; c < result.k; c++) {
  const rs = references.map((ref, j) => `${ref.name} r=${result.references.pearson[c * nRef + j].toFixed(3)}`);
  console.log(`c${c}: ${rs.join(', ')}`);
}
const saved = saveResult(result, out, { stack });
console.log(`wrote ${saved.outputs.join(', ')} → ${out}`);
