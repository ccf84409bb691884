import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/specmap.js');
const FE = path.join(ROOT, 'examples/data/stxm-fe');
const SHARED_RAW = path.join(
  ROOT,
  '../shared/data/nano-XANES-microscopy-of-Fe/ALS_Toner/71214078_FigS4/Aligned/71214078_aligned_yxE_float32le.raw',
);
const PY = '/usr/bin/python3';

function specmap(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-cli-'));
}

function python(code: string): string {
  const r = spawnSync(PY, ['-c', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  return r.stdout;
}

/** One error line, no stack trace, the expected exit code. */
function assertOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp, code = 1) {
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(lines[0], /^specmap: error: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test('specmap analyze --method pca on the real STXM stack matches scikit-learn PCA of the same optical density', () => {
  const out = tmp();
  const r = specmap([
    'analyze', path.join(FE, '71214078.hdr'), '--i0', path.join(FE, 'i0.xsp'),
    '--method', 'pca', '--components', '3', '--max-iter', '5', '--out', out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['result.arrow', 'components.csv', 'weights.npy', 'summary.json', 'report.html', 'figure.png']) {
    assert.ok(fs.existsSync(path.join(out, f)), `${f} written`);
  }
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.deepEqual(summary.ignoredFlags, ['--max-iter']);
  assert.equal(summary.provenance.steps[0].name, 'optical-density');
  assert.match(summary.provenance.inputSha256, /^[0-9a-f]{64}$/);
  const csv = fs.readFileSync(path.join(out, 'components.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'energy,c0,c1,c2');
  assert.equal(csv.length, 1 + 123);

  // Independent reference: scikit-learn PCA on the authors' converted raw cube, OD computed in numpy.
  const ref = JSON.parse(
    python(`
import json, numpy as np
from sklearn.decomposition import PCA
raw = np.fromfile(${JSON.stringify(SHARED_RAW)}, dtype='<f4').reshape(125*125, 123).astype(np.float64)
i0 = np.loadtxt(${JSON.stringify(path.join(FE, 'i0.xsp'))})[:, 1]
X = -np.log(raw / i0)
p = PCA(3, svd_solver='full').fit(X)
W = np.load(${JSON.stringify(path.join(out, 'weights.npy'))})
C = np.loadtxt(${JSON.stringify(path.join(out, 'components.csv'))}, delimiter=',', skiprows=1)[:, 1:].T
mean = np.array(json.load(open(${JSON.stringify(path.join(out, 'summary.json'))}))['mean'])
rec = W.reshape(-1, 3).astype(np.float64) @ C + mean
print(json.dumps({
  'ratio': p.explained_variance_ratio_.tolist(),
  'var': p.explained_variance_.tolist(),
  'absdot': np.abs(np.sum(p.components_ * C, axis=1)).tolist(),
  'wshape': list(W.shape), 'wdtype': str(W.dtype),
  'rec_err': float(np.linalg.norm(rec - p.inverse_transform(p.transform(X))) / np.linalg.norm(X)),
}))`),
  );
  assert.deepEqual(ref.wshape, [125, 125, 3]);
  assert.equal(ref.wdtype, 'float32');
  for (let j = 0; j < 3; j++) {
    assert.ok(Math.abs(summary.explainedVarianceRatio[j] - ref.ratio[j]) < 1e-5 * ref.ratio[0], `ratio ${j}: ${summary.explainedVarianceRatio[j]} vs ${ref.ratio[j]}`);
    assert.ok(Math.abs(summary.explainedVariance[j] / ref.var[j] - 1) < 1e-4, `variance ${j}`);
    assert.ok(ref.absdot[j] > 0.9999, `component ${j} parallel to sklearn's (|cos| = ${ref.absdot[j]})`);
  }
  // weights × components + mean reproduces sklearn's rank-3 reconstruction.
  assert.ok(ref.rec_err < 1e-5, `reconstruction differs from sklearn by ${ref.rec_err}`);
});

test('specmap analyze --method nmf writes maps that reconstruct the data and Pearson r against references', () => {
  const out = tmp();
  const r = specmap([
    'analyze', path.join(FE, '71214078.hdr'), '--i0', path.join(FE, 'i0.xsp'),
    '--method', 'nmf', '--components', '2', '--max-iter', '30', '--tol', '0',
    '--references', path.join(FE, 'oxidized.r'), path.join(FE, 'reduced.r'), '--out', out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(summary.iterations, 30, '--tol 0 runs exactly --max-iter iterations');
  assert.equal(summary.references.length, 2);
  assert.deepEqual(summary.references.map((x: { name: string }) => x.name), ['oxidized.r', 'reduced.r']);
  // The matching table: one-to-one (Hungarian), each reference to a different component,
  // its r equal to the Pearson matrix entry.
  const assigned = summary.matching.assigned as { component: number; reference: string; r: number }[];
  assert.equal(assigned.length, 2);
  assert.notEqual(assigned[0].component, assigned[1].component);
  for (const a of assigned) {
    const ref = summary.references.find((x: { name: string }) => x.name === a.reference);
    assert.equal(a.r, ref.pearson[a.component]);
  }
  assert.equal(summary.matching.ranked.length, 4);
  const check = JSON.parse(
    python(`
import json, numpy as np
W = np.load(${JSON.stringify(path.join(out, 'weights.npy'))}).reshape(-1, 2).astype(np.float64)
C = np.loadtxt(${JSON.stringify(path.join(out, 'components.csv'))}, delimiter=',', skiprows=1)[:, 1:].T
print(json.dumps({'wmin': float(W.min()), 'cmin': float(C.min()), 'cmax': C.max(axis=1).tolist()}))`),
  );
  assert.ok(check.wmin >= 0 && check.cmin >= 0, 'non-negative factors');
  for (const c of check.cmax) assert.ok(Math.abs(c - 1) < 1e-12, 'components scaled to max 1');
  const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
  assert.doesNotMatch(html, /<script[^>]+src=/i, 'report inlines its scripts');
});

test('specmap analyze rejects bad input with one clear line and a non-zero exit', () => {
  const out = tmp();
  const hdr = path.join(FE, '71214078.hdr');
  assertOneLineError(specmap(['analyze', '/nonexistent/stack.hdr', '--components', '2', '--out', out]), /not found.*\/nonexistent\/stack\.hdr/);
  assertOneLineError(specmap(['analyze', hdr, '--components', '0', '--out', out]), /components/);
  assertOneLineError(specmap(['analyze', hdr, '--method', 'pca', '--components', '500', '--out', out]), /K=500|500/);
  assertOneLineError(specmap(['analyze', hdr, '--components', '2', '--out', out, '--bogus']), /unknown option: --bogus/, 2);
  assertOneLineError(specmap(['analyze', hdr, '--method', 'bogus', '--components', '2', '--out', out]), /--method must be one of .*bogus/, 2);

  // A truncated .xim frame (copy the stack; never touch the originals).
  const dir = tmp();
  for (const f of fs.readdirSync(FE)) if (/^71214078/.test(f)) fs.copyFileSync(path.join(FE, f), path.join(dir, f));
  const frame = path.join(dir, '71214078_a050.xim');
  const text = fs.readFileSync(frame, 'utf8');
  fs.writeFileSync(frame, text.slice(0, Math.floor(text.length / 2)));
  assertOneLineError(specmap(['analyze', path.join(dir, '71214078.hdr'), '--components', '2', '--out', out]), /71214078_a050\.xim/);

  // NaN in a .npy cube, and an unsupported dtype.
  const npy = path.join(dir, 'nan.npy');
  python(`import numpy as np; a = np.ones((4,5,6), np.float32); a[2,3,1] = np.nan; np.save(${JSON.stringify(npy)}, a)`);
  assertOneLineError(specmap(['analyze', npy, '--components', '2', '--out', out]), /NaN/);
  const npyInt = path.join(dir, 'int.npy');
  python(`import numpy as np; np.save(${JSON.stringify(npyInt)}, np.ones((4,5,6), np.int64))`);
  assertOneLineError(specmap(['analyze', npyInt, '--components', '2', '--out', out]), /int\.npy.*(dtype|<i8)|(dtype|<i8).*int\.npy/);
  // Energies that do not match the cube.
  const en = path.join(dir, 'energies.txt');
  fs.writeFileSync(en, '1\n2\n3\n');
  assertOneLineError(specmap(['analyze', path.join(dir, 'int.npy').replace('int', 'nan'), '--energies', en, '--components', '2', '--out', out]), /energ/i);
  // The inputs were not modified.
  assert.equal(fs.readFileSync(path.join(FE, '71214078_a050.xim'), 'utf8').length > text.length / 2, true);
});
