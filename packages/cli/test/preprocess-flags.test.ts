import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { parseArgs } from '../src/args';
import { PREPROCESS_FLAGS, preparePreprocessing } from '../src/flags/preprocess';

function stack(): SpectralStack {
  const w = 6;
  const h = 4;
  const E = Array.from({ length: 41 }, (_, i) => 700 + 0.75 * i);
  const m = E.length;
  const data = new Float32Array(w * h * m);
  for (let p = 0; p < w * h; p++) for (let e = 0; e < m; e++) data[p * m + e] = 0.2 + 0.001 * E[e] + (0.5 + p / 50) * (0.5 + Math.atan((E[e] - 710) / 0.6) / Math.PI) + Math.exp(-((E[e] - 711) ** 2));
  return { data, energies: Float64Array.from(E), width: w, height: h, metadata: { quantity: 'optical density', steps: [] } };
}

const ROOT = path.resolve(__dirname, '../../..');
const MSK_REL = 'data/nano-XANES-microscopy-of-Fe/ALS_Toner/71214078_FigS4/Aligned/mask_file.msk';
const MSK = [path.join(ROOT, '..', 'shared', MSK_REL), path.join('/work/shared', MSK_REL)].find((f) => fs.existsSync(f)) ?? path.join('/work/shared', MSK_REL);

const run = (argv: string[]) => {
  const s = stack();
  preparePreprocessing(parseArgs(argv, PREPROCESS_FLAGS))(s);
  return s;
};

test('preprocessing flags apply in the documented order and each is a provenance step with parameters', () => {
  const s = run(['--crop', '701:728', '--bin', '2', '--ebin', '2', '--mask', 'od>0.1@712', '--background', 'arctan', '--edge', '710', '--edge-width', '0.6', '--normalize', 'area']);
  assert.deepEqual(s.metadata.steps!.map((x) => x.name), ['crop', 'bin-spatial', 'bin-energy', 'mask-threshold', 'background', 'normalize']);
  assert.equal(s.width, 3);
  assert.equal(s.height, 2);
  for (const st of s.metadata.steps!) assert.ok(Object.keys(st.parameters).length > 0);
  const bg = s.metadata.steps![4].parameters;
  assert.deepEqual(bg.edges, [710]);
  assert.deepEqual(run(['--ebin', '2', '--poisson']).metadata.steps!.map((x) => x.name), ['bin-energy', 'poisson-scaling']);
  const l = run(['--background', 'shirley', '--background-range', '700:725']);
  assert.deepEqual(l.metadata.steps![0].parameters.range, [700, 724.75]);
  const k = run(['--crop', '0.701keV:0.728keV']);
  assert.deepEqual(k.metadata.steps![0].parameters.range, [701, 728]);
});

test('bad preprocessing flags are one-line errors', () => {
  const bad = (argv: string[], code: string) =>
    assert.throws(() => run(argv), (e: unknown) => e instanceof SpecmapError && e.code === code && !e.message.includes('\n'), argv.join(' '));
  bad(['--crop', '800:900'], 'ENERGY_RANGE');
  bad(['--crop', '720:710'], 'USAGE');
  bad(['--bin', '7'], 'BIN_FACTOR');
  bad(['--bin', 'two'], 'USAGE');
  bad(['--background', 'l3l2'], 'USAGE');
  bad(['--background', 'spline'], 'USAGE');
  bad(['--normalize', 'peak'], 'USAGE');
  bad(['--mask', MSK], 'MASK_SHAPE');
  bad(['--nan', 'zero'], 'USAGE');
});
