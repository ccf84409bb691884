// Preprocessing, every step recorded: crop the energy range, bin 2×2,
// optical density with I0, mask the empty background by a threshold on OD,
// normalise each spectrum by its area; then print the recorded steps (the
// provenance every result carries) and what each did.
//
//   node examples/preprocessing.mjs
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { opticalDensity } from '@specmap/core';
import { readSpectrum, readStack } from '@specmap/io';
import { binSpatial, cropEnergy, normalizeStack, thresholdMask } from '@specmap/preprocess';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = path.join(here, 'data', 'stxm-fe');

let stack = readStack(path.join(data, '71214078.hdr'));
const before = `${stack.width}×${stack.height}×${stack.energies.length}`;
stack = cropEnergy(stack, 702, 728);                 // new stack: channels 702–728 eV
stack = binSpatial(stack, 2);                        // new stack: mean of 2×2 pixel blocks
opticalDensity(stack, { ...readSpectrum(path.join(data, 'i0.xsp')), name: 'i0.xsp' }); // in place
thresholdMask(stack, 'jump>0.1@705,710');            // pixels whose OD rises by > 0.1 from 705 to 710 eV (iron)
normalizeStack(stack, 'area');                       // each spectrum / |∫ OD dE|

let kept = 0;
for (const v of stack.mask) kept += v;
console.log(`${before} → ${stack.width}×${stack.height}×${stack.energies.length}; ${kept} of ${stack.mask.length} pixels in the mask`);
for (const [i, s] of stack.metadata.steps.entries()) {
  const p = Object.entries(s.parameters)
    .filter(([, v]) => typeof v !== 'object' || Array.isArray(v))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  console.log(`step ${i + 1} ${s.name}: ${p}`);
}
