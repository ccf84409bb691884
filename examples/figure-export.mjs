// Figures for a paper: the static figure of a result as SVG (maps as embedded
// images, spectra as vector paths, text as text) and as PNG at 300 dpi (the
// resolution in the PNG's pHYs chunk). The same from the command line:
//   specmap figure OUT/result.arrow --format svg --out fig.svg
//   specmap figure OUT/result.arrow --format png --dpi 300 --out fig.png
//
//   node examples/figure-export.mjs [OUT]     (default OUT: out/examples/figures)
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, opticalDensity } from '@specmap/core';
import { readSpectrum, readStack } from '@specmap/io';
import { exportFigure } from '@specmap/notebook';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = path.join(here, 'data', 'stxm-fe');
const out = process.argv[2] ?? path.join(here, '..', 'out', 'examples', 'figures');
const fast = process.env.SPECMAP_EXAMPLE_FAST === '1';

const stack = readStack(path.join(data, '71214078.hdr'));
opticalDensity(stack, { ...readSpectrum(path.join(data, 'i0.xsp')), name: 'i0.xsp' });
const references = ['oxidized.r', 'reduced.r'].map((f) => ({ name: f, ...readSpectrum(path.join(data, f)) }));
const result = analyze(stack, { method: 'nmf', components: 2, maxIter: fast ? 40 : 1000, references });

for (const [file, options] of [['figure.svg', {}], ['figure-300dpi.png', { dpi: 300 }]]) {
  const f = exportFigure(result, path.join(out, file), options);
  console.log(`${f.format}${f.dpi ? ` ${f.dpi} dpi` : ''}: ${f.bytes} bytes → ${f.file}`);
}
