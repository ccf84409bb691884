import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeNpy } from '@specmap/io';
import { readXasSpectrum, parseColumns } from '@specmap/xafs';
import { main } from '../src/main';

const DATA = process.env.SPECMAP_SHARED_DATA ?? '/work/shared/data';
const CU = path.join(DATA, 'xraylarch', 'xafsdata', 'cu_metal_rt.xdi');

async function run(argv: string[]): Promise<number> {
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await main(argv);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

test('specmap rsf on an XDI spectrum and on a region of a .npy stack', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-rsf-'));
  assert.equal(await run(['rsf', CU, '--kmin', '3', '--kmax', '14', '--out', path.join(dir, 'one')]), 0);
  const s = JSON.parse(fs.readFileSync(path.join(dir, 'one', 'summary.json'), 'utf8'));
  assert.ok(Math.abs(s.firstShellPeak.rAngstrom - 2.2396) < 0.001);
  assert.ok(Math.abs(s.e0 - 8980.5) < 2);
  for (const f of ['rsf.csv', 'chi.csv', 'rsf.png']) assert.ok(fs.statSync(path.join(dir, 'one', f)).size > 100);
  const csv = parseColumns(fs.readFileSync(path.join(dir, 'one', 'rsf.csv'), 'utf8'));
  assert.deepEqual(csv.columns, ['r_angstrom', 'chir_mag', 'chir_re', 'chir_im']);
  // stack: 4×3 pixels of the Cu foil spectrum, the left half at double amplitude
  const sp = readXasSpectrum(CU);
  const m = sp.x.length;
  const cube = new Float32Array(12 * m);
  for (let p = 0; p < 12; p++) for (let e = 0; e < m; e++) cube[p * m + e] = (p % 4 < 2 ? 2 : 1) * sp.y[e];
  writeNpy(path.join(dir, 'cube.npy'), cube, [3, 4, m]);
  fs.writeFileSync(path.join(dir, 'energies.txt'), Array.from(sp.x).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'mask.msk'), 'OO  \nOO  \n    \n');
  const rc = await run(['rsf', path.join(dir, 'cube.npy'), '--energies', path.join(dir, 'energies.txt'), '--mask', path.join(dir, 'mask.msk'), '--r', '2.24', '--out', path.join(dir, 'stack')]);
  assert.equal(rc, 0);
  const st = JSON.parse(fs.readFileSync(path.join(dir, 'stack', 'summary.json'), 'utf8'));
  assert.equal(st.source.pixelsAveraged, 4);
  assert.ok(Math.abs(st.firstShellPeak.rAngstrom - 2.2396) < 0.001);
  assert.deepEqual(st.maps.shape, [3, 4, 1]);
  assert.ok(fs.existsSync(path.join(dir, 'stack', 'rsf-maps.npy')));
  assert.equal(await run(['rsf', path.join(dir, 'cube.npy'), '--energies', path.join(dir, 'energies.txt'), '--region', '0:9,0:1', '--out', path.join(dir, 'bad')]), 1);
  assert.equal(await run(['rsf', CU, '--window', 'boxcar', '--out', path.join(dir, 'bad')]), 2);
  assert.equal(await run(['rsf', CU, '--region', '0:1,0:1', '--out', path.join(dir, 'bad')]), 2);
});

test('specmap analyze --method lcf with --references, --sum-to-one, --energy-shift', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-lcf-'));
  const refs = ['Hematite FeXANES.e', 'Siderite FeXANES ITFA0.e'].map((f) => path.join(DATA, 'nano-XANES-microscopy-of-Fe', 'References', f));
  const a = parseColumns(fs.readFileSync(refs[0], 'latin1'));
  const b = parseColumns(fs.readFileSync(refs[1], 'latin1'));
  const grid = Float64Array.from({ length: 80 }, (_, i) => 7100 + i);
  const interp = (x: Float64Array, y: Float64Array, v: number) => { let j = 0; while (x[j + 1] <= v) j++; return y[j] + ((v - x[j]) / (x[j + 1] - x[j])) * (y[j + 1] - y[j]); };
  const cube = new Float32Array(6 * 80);
  for (let p = 0; p < 6; p++) for (let e = 0; e < 80; e++) cube[p * 80 + e] = (p / 5) * interp(a.data[0], a.data[1], grid[e]) + (1 - p / 5) * interp(b.data[0], b.data[1], grid[e]);
  writeNpy(path.join(dir, 'cube.npy'), cube, [2, 3, 80]);
  fs.writeFileSync(path.join(dir, 'e.txt'), Array.from(grid).join('\n'));
  const rc = await run(['analyze', path.join(dir, 'cube.npy'), '--energies', path.join(dir, 'e.txt'), '--method', 'lcf', '--components', '2', '--references', ...refs, '--sum-to-one', '--energy-shift', '0', '--out', path.join(dir, 'out')]);
  assert.equal(rc, 0);
  const s = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'summary.json'), 'utf8'));
  assert.equal(s.method, 'lcf');
  assert.equal(s.parameters.sumToOne, true);
  assert.ok(s.parameters.rfactor.max < 1e-8);
  assert.deepEqual(s.ignoredFlags, []);
});
