import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Every script in examples/ runs (with SPECMAP_EXAMPLE_FAST=1: fewer iterations) and prints what it promises.
const ROOT = path.resolve(__dirname, '../../..');
const EX = path.join(ROOT, 'examples');

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SPECMAP_EXAMPLE_FAST: '1' } });
  assert.equal(r.status, 0, `${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-ex-'));

test('every example script is listed in examples/README.md and tested here', () => {
  const readme = fs.readFileSync(path.join(EX, 'README.md'), 'utf8');
  const scripts = fs.readdirSync(EX).filter((f) => /\.(mjs|ts|sh)$/.test(f));
  assert.deepEqual(scripts.sort(), ['decomposition.mjs', 'figure-export.mjs', 'preprocessing.mjs', 'quickstart.mjs', 'reaction-path.mjs', 'replay.sh']);
  for (const s of scripts) assert.ok(readme.includes(s), `${s} in README`);
});

test('examples/quickstart.mjs: NMF on the STXM stack, saved so that specmap replay finds it identical', () => {
  const out = tmp();
  const stdout = run(process.execPath, [path.join(EX, 'quickstart.mjs'), out]);
  assert.match(stdout, /stack: 125×125 px × 123 energies/);
  assert.match(stdout, /c1: oxidized\.r r=0\.9\d\d/);
  for (const f of ['result.arrow', 'components.csv', 'weights.npy', 'figure.png', 'summary.json']) assert.ok(fs.existsSync(path.join(out, f)), f);
  const replay = run(process.execPath, [path.join(ROOT, 'packages/cli/bin/specmap.js'), 'replay', path.join(out, 'summary.json')]);
  assert.match(replay, /^specmap: replay IDENTICAL: nmf k=2 \(notebook run\)/);
});

test('examples/preprocessing.mjs: five recorded steps', () => {
  const stdout = run(process.execPath, [path.join(EX, 'preprocessing.mjs')]);
  assert.match(stdout, /125×125×123 → 62×62×110; \d+ of 3844 pixels in the mask/);
  for (const [i, name] of ['crop', 'bin-spatial', 'optical-density', 'mask-threshold', 'normalize'].entries()) assert.match(stdout, new RegExp(`step ${i + 1} ${name}:`));
});

test('examples/decomposition.mjs: NMF-SO recovers both true spectra (r > 0.99)', () => {
  const stdout = run(process.execPath, [path.join(EX, 'decomposition.mjs')]);
  for (const m of ['pca', 'ica', 'nmf', 'nmf-so']) assert.match(stdout, new RegExp(`^${m}\\s`, 'm'));
  const so = /^nmf-so\s+([\d.]+) ([\d.]+)/m.exec(stdout)!;
  assert.ok(Number(so[1]) > 0.99 && Number(so[2]) > 0.99, stdout);
});

test('examples/reaction-path.mjs: mLLE orders the path, LCF recovers the fractions', () => {
  const stdout = run(process.execPath, [path.join(EX, 'reaction-path.mjs')]);
  const s = Number(/mLLE: Spearman\(progress map, true progress\) = ([-\d.]+)/.exec(stdout)![1]);
  assert.ok(s > 0.95, stdout);
  const dev = Number(/largest \|fraction − true fraction\| = ([\d.]+)/.exec(stdout)![1]);
  assert.ok(dev < 0.05, stdout);
});

test('examples/replay.sh: identical replay, tampered copy detected', () => {
  const out = path.join(tmp(), 'run');
  const stdout = run('bash', [path.join(EX, 'replay.sh'), out]);
  assert.match(stdout, /specmap: replay IDENTICAL: nmf k=2 \(CLI run\)/);
  assert.match(stdout, /specmap: replay DIFFERENT: .*1 of \d+ fields differ/);
  assert.match(stdout, /^components\s+\d+\s+1\s+/m);
  assert.match(stdout, /tampered result detected/);
});

test('examples/figure-export.mjs: SVG and 300-dpi PNG', () => {
  const out = tmp();
  const stdout = run(process.execPath, [path.join(EX, 'figure-export.mjs'), out]);
  assert.match(stdout, /svg: \d+ bytes/);
  assert.match(stdout, /png 300 dpi: \d+ bytes/);
  assert.ok(fs.readFileSync(path.join(out, 'figure.svg'), 'utf8').startsWith('<?xml'));
  const png = fs.readFileSync(path.join(out, 'figure-300dpi.png'));
  const i = png.indexOf('pHYs');
  assert.equal(png.readUInt32BE(i + 4), Math.round(300 / 0.0254));
});
