/**
 * The CLI reads HDF5/NeXus end to end: an NXdata file made by h5py goes
 * through `specmap analyze` (with --align alone and a --background-model) and
 * `specmap convert`; a corrupt file that hangs the HDF5 library ends in a
 * one-line HDF5_TIMEOUT error instead of a hang.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/specmap.js');
const PY = '/usr/bin/python3';

function specmap(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function python(code: string, ...args: string[]): string {
  const r = spawnSync(PY, ['-c', code, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  return r.stdout;
}

test('specmap analyze and convert read an h5py NXdata file end to end', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-h5cli-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const h5 = path.join(dir, 'stack.nxs');
  python(
    `import sys, numpy as np, h5py
E = np.linspace(700, 730, 61)
rng = np.random.default_rng(0)
w = rng.uniform(0.5, 1.5, (5, 4, 1))
cube = (0.1 + 0.002 * (E - 700) + w * (0.5 + np.arctan((E - 710) / 0.7) / np.pi) + (2 - w) * np.exp(-((E - 712) / 0.8) ** 2)).astype('f4')
with h5py.File(sys.argv[1], 'w') as f:
    f.attrs['default'] = 'entry'
    e = f.create_group('entry'); e.attrs['NX_class'] = 'NXentry'; e.attrs['default'] = 'data'
    d = e.create_group('data'); d.attrs['NX_class'] = 'NXdata'; d.attrs['signal'] = 'data'; d.attrs['axes'] = ['y', 'x', 'energy']
    d.create_dataset('data', data=cube, chunks=(1, 4, 61), compression='gzip')
    d.create_dataset('energy', data=E).attrs['units'] = 'eV'
np.save(sys.argv[2], cube)`,
    h5,
    path.join(dir, 'truth.npy'),
  );
  const out = path.join(dir, 'out');
  const r = specmap(['analyze', h5, '--align', '--background-model', 'a + b*E', '--background-params', 'a=0,b=0', '--background-range', '700:706', '--method', 'nmf', '--components', '2', '--seed', '0', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.deepEqual([summary.shape.height, summary.shape.width, summary.shape.channels], [5, 4, 61]);
  assert.equal(summary.provenance.inputSha256, crypto.createHash('sha256').update(fs.readFileSync(h5)).digest('hex'));
  const steps = summary.provenance.steps as { name: string; parameters: Record<string, unknown> }[];
  assert.deepEqual(steps.map((s) => s.name), ['register-frames', 'background']);
  assert.equal(steps[0].parameters.referenceChannel, 30);
  assert.equal(steps[1].parameters.model, 'custom');

  const npy = path.join(dir, 'cube.npy');
  const c = specmap(['convert', h5, '--out', npy]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /HDF5\/NeXus/);
  assert.deepEqual(fs.readFileSync(npy).subarray(-5 * 4 * 61 * 4), fs.readFileSync(path.join(dir, 'truth.npy')).subarray(-5 * 4 * 61 * 4));
  assert.equal(fs.readFileSync(`${npy}.energies.txt`, 'utf8').trim().split('\n').length, 61);
  const back = path.join(dir, 'back.h5');
  assert.equal(specmap(['convert', h5, '--to', 'h5', '--out', back]).code, 0);
  assert.equal(specmap(['convert', back, '--out', path.join(dir, 'back.npy')]).code, 0);
  assert.deepEqual(fs.readFileSync(path.join(dir, 'back.npy')), fs.readFileSync(npy));
});

test('a corrupt HDF5 input that hangs the HDF5 library is a one-line HDF5_TIMEOUT error', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-h5cli-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bytes = Buffer.from(fs.readFileSync(path.join(ROOT, 'tests/fixtures/io/h5/nxstxm.h5')));
  bytes[2143] = 0xff; // the io fuzz run's NXstxm case 4435
  bytes[2144] = 0xff;
  const bad = path.join(dir, 'hangs.h5');
  fs.writeFileSync(bad, bytes);
  const t0 = Date.now();
  const r = specmap(['analyze', bad, '--method', 'pca', '--components', '2', '--out', path.join(dir, 'out')], { SPECMAP_HDF5_TIMEOUT_MS: '400' });
  assert.ok(Date.now() - t0 < 10000);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^specmap: error: .*hangs\.h5: reading the HDF5 file made no progress for 0\.4 s/);
});
