import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpy, writeNpy } from '@specmap/io';
import { main } from '../src/main';

/**
 * `specmap analyze --method mlle|lcf` on a small synthetic-from-real stack:
 * 10×6 pixels along Fe → Fe3O4 → γ-FeOOH, mixed from the real Fe K-edge
 * standards in examples/data/fe-k-standards (XANES window 7100–7200 eV).
 */
const CSV = path.join(__dirname, '..', '..', '..', 'examples', 'data', 'fe-k-standards', 'fe-k-standards.csv');
const W = 10;
const H = 6;
const N = W * H;
const NAMES = ['Fe', 'Fe3O4', 'gamma-FeOOH'];

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

/** The stack (progress grows along x and a little along y), its true fractions and the reference files. */
function fixture(noise: number): { dir: string; truth: Float64Array; fractions: Float64Array; energies: Float64Array; refs: string[]; std: Float64Array[] } {
  const rows = fs.readFileSync(CSV, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).slice(1).map((l) => l.split(',').map(Number));
  const win = rows.filter((r) => r[0] >= 7100 && r[0] <= 7200 && Number.isInteger(r[0]));
  const energies = Float64Array.from(win, (r) => r[0]);
  const m = energies.length;
  const std = [1, 2, 3].map((c) => Float64Array.from(win, (r) => r[c]));
  const truth = new Float64Array(N);
  const fractions = new Float64Array(N * 3);
  const cube = new Float32Array(N * m);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const p = Math.min(1, (x + 0.3 * y) / (W - 1 + 0.3 * (H - 1)));
      truth[i] = p;
      const f = p < 0.5 ? [1 - 2 * p, 2 * p, 0] : [0, 2 - 2 * p, 2 * p - 1];
      fractions.set(f, i * 3);
      for (let e = 0; e < m; e++) {
        const jitter = noise * Math.sin(12.9898 * i + 78.233 * e + 0.5 * i * e);
        cube[i * m + e] = f[0] * std[0][e] + f[1] * std[1][e] + f[2] * std[2][e] + jitter;
      }
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-manifold-'));
  writeNpy(path.join(dir, 'cube.npy'), cube, [H, W, m]);
  fs.writeFileSync(path.join(dir, 'e.txt'), Array.from(energies).join('\n') + '\n');
  const refs = NAMES.map((nm, j) => {
    const file = path.join(dir, `${nm}.txt`);
    fs.writeFileSync(file, Array.from(energies, (e, k) => `${e} ${std[j][k]}`).join('\n') + '\n');
    return file;
  });
  return { dir, truth, fractions, energies, refs, std };
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

test('specmap analyze --method mlle: weights.npy = the oriented embedding, progress.npy, references projected in summary.json', async () => {
  const fx = fixture(0.002);
  const out = path.join(fx.dir, 'mlle');
  const rc = await run(['analyze', path.join(fx.dir, 'cube.npy'), '--energies', path.join(fx.dir, 'e.txt'), '--method', 'mlle', '--components', '2', '--neighbors', '8', '--references', fx.refs[0], fx.refs[2], '--out', out]);
  assert.equal(rc, 0);
  const s = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  const w = readNpy(path.join(out, 'weights.npy'));
  assert.deepEqual(w.shape, [H, W, 2]);
  // the embedding block: method, d, orientation rule, the references' coordinates (Fe below γ-FeOOH on coordinate 0)
  assert.equal(s.embedding.method, 'mlle');
  assert.equal(s.embedding.d, 2);
  assert.match(s.embedding.orientationRule, /coordinate 0: Fe\.txt below gamma-FeOOH\.txt/);
  assert.deepEqual(s.embedding.references.map((r: { name: string }) => r.name), ['Fe.txt', 'gamma-FeOOH.txt']);
  const [fe, ooh] = s.embedding.references.map((r: { coords: number[] }) => r.coords);
  assert.equal(fe.length, 2);
  assert.ok(fe[0] < ooh[0], `Fe ${fe[0]} below γ-FeOOH ${ooh[0]} on coordinate 0`);
  // weights.npy holds the embedding itself
  const coord0 = Float64Array.from({ length: N }, (_, i) => w.data[i * 2]);
  assert.ok(pearson(coord0, fx.truth) > 0.9, `coordinate 0 follows the progress (r = ${pearson(coord0, fx.truth)})`);
  // the progress map, its file and its histogram
  assert.deepEqual(s.maps.map((mp: { name: string }) => mp.name), ['progress']);
  const pm = s.maps[0];
  assert.equal(pm.file, 'progress.npy');
  assert.ok(s.outputs.includes('progress.npy'));
  const prog = readNpy(path.join(out, 'progress.npy'));
  assert.deepEqual(prog.shape, [H, W]);
  assert.ok(Math.abs(pm.mean - prog.data.reduce((a, v) => a + v, 0) / N) < 1e-6);
  assert.ok(pm.min <= pm.mean && pm.mean <= pm.max);
  assert.ok(pearson(prog.data, fx.truth) > 0.9, `progress vs truth r = ${pearson(prog.data, fx.truth)}`);
  for (let i = 0; i < N; i++) assert.ok(Math.abs(prog.data[i] - (coord0[i] - fe[0]) / (ooh[0] - fe[0])) < 1e-4);
  const h = s.embedding.progressHistogram;
  assert.equal(h.counts.length, 20);
  assert.equal(h.counts.reduce((a: number, c: number) => a + c, 0) + h.below + h.above, N);
  assert.deepEqual(s.embedding.progressReferences, ['Fe.txt', 'gamma-FeOOH.txt']);
});

test('specmap analyze --method lcf without --components: fractions in reference order, standards on the grid, rfactor.npy and constant.npy', async () => {
  const fx = fixture(0);
  const out = path.join(fx.dir, 'lcf');
  const rc = await run(['analyze', path.join(fx.dir, 'cube.npy'), '--energies', path.join(fx.dir, 'e.txt'), '--method', 'lcf', '--references', ...fx.refs, '--constant', '--out', out]);
  assert.equal(rc, 0);
  const s = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(s.shape.components, 3);
  const w = readNpy(path.join(out, 'weights.npy'));
  assert.deepEqual(w.shape, [H, W, 3]);
  let dev = 0;
  for (let i = 0; i < N * 3; i++) dev = Math.max(dev, Math.abs(w.data[i] - fx.fractions[i]));
  assert.ok(dev < 1e-3, `largest |fraction − truth| = ${dev}`);
  // components.csv = the references on the stack's grid
  const lines = fs.readFileSync(path.join(out, 'components.csv'), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'energy,c0,c1,c2');
  assert.equal(lines.length - 1, fx.energies.length);
  lines.slice(1).forEach((l, e) => {
    const v = l.split(',').map(Number);
    assert.ok(Math.abs(v[0] - fx.energies[e]) < 1e-9);
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(v[1 + j] - fx.std[j][e]) < 1e-6);
  });
  // the maps and the lcf block
  assert.deepEqual(s.maps.map((mp: { name: string }) => mp.name), ['rfactor', 'constant']);
  const rf = readNpy(path.join(out, 'rfactor.npy'));
  assert.deepEqual(rf.shape, [H, W]);
  assert.ok(rf.data.every((v) => v >= 0 && v < 1e-8));
  assert.ok(s.maps[0].max < 1e-8);
  const c = readNpy(path.join(out, 'constant.npy'));
  assert.ok(c.data.every((v) => Math.abs(v) < 1e-4));
  assert.deepEqual(s.lcf.references, ['Fe.txt', 'Fe3O4.txt', 'gamma-FeOOH.txt']);
  assert.ok(s.lcf.rfactor.median < 1e-8 && s.lcf.rfactor.p95 < 1e-8);
  assert.equal(s.lcf.rfactor.poorPixels, 0);
  assert.equal(s.lcf.fractionHistograms.edges.length, 21);
  for (const nm of ['Fe.txt', 'Fe3O4.txt', 'gamma-FeOOH.txt']) {
    assert.equal(s.lcf.fractionHistograms.counts[nm].reduce((a: number, v: number) => a + v, 0), N);
  }
  // no embedding block for lcf
  assert.equal(s.embedding, undefined);
});
