import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { syntheticStack, pearson, type SyntheticSpectrum } from '@specmap/core';
import { readSpectrum, writeNpy } from '@specmap/io';
import '../src/register-methods';
import { runScan } from '../src/commands/scan';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/specmap.js');
const FE = path.join(ROOT, 'examples/data/stxm-fe');

function specmap(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-scan-'));
}

/** A 16×16 synthetic Fe L-edge stack (the authors' oxidized/reduced .t spectra, 10⁴ counts) as .npy + energies + the two references. */
function fixture(): { dir: string; npy: string; energies: string; refs: string[]; truth: ReturnType<typeof syntheticStack>['truth'] } {
  const dir = tmp();
  const spectra: SyntheticSpectrum[] = ['oxidized', 'reduced'].map((name) => ({ ...readSpectrum(path.join(FE, `${name}.t`)), name }));
  const s = syntheticStack({ spectra, width: 16, height: 16, seed: 2, noise: { counts: 1e4 } });
  const npy = path.join(dir, 'cube.npy');
  writeNpy(npy, s.stack.data, [16, 16, s.stack.energies.length]);
  const energies = path.join(dir, 'energies.txt');
  fs.writeFileSync(energies, Array.from(s.stack.energies).join('\n') + '\n');
  const m = s.stack.energies.length;
  const refs = s.truth.names.map((name, q) => {
    const f = path.join(dir, `${name}.txt`);
    fs.writeFileSync(f, Array.from(s.stack.energies, (e, i) => `${e} ${s.truth.spectra[q * m + i]}`).join('\n') + '\n');
    return f;
  });
  return { dir, npy, energies, refs, truth: s.truth };
}

const FIX = fixture();

function readCsv(file: string): Record<string, string>[] {
  const [head, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

test('specmap scan nmf-so over K and ω: every run writes the analyze outputs; scan.csv/json/png; the chosen row follows the rule', () => {
  const out = path.join(FIX.dir, 'scan-so');
  const r = specmap([
    'scan', FIX.npy, '--energies', FIX.energies, '--method', 'nmf-so', '--components', '2,3', '--omega', '0,0.3',
    '--references', ...FIX.refs, '--max-iter', '60', '--spectra-budget', '0', '--out', out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /chosen k\d-omega[\d.]+/);
  for (const d of ['k2-omega0', 'k2-omega0.3', 'k3-omega0', 'k3-omega0.3']) {
    for (const f of ['result.arrow', 'components.csv', 'weights.npy', 'summary.json', 'report.html', 'figure.png']) {
      assert.ok(fs.existsSync(path.join(out, d, f)), `${d}/${f}`);
    }
    const summary = JSON.parse(fs.readFileSync(path.join(out, d, 'summary.json'), 'utf8'));
    assert.equal(summary.parameters.omega, Number(d.split('omega')[1]));
    assert.equal(summary.command[1], 'scan');
  }
  const rows = readCsv(path.join(out, 'scan.csv'));
  assert.equal(rows.length, 4);
  assert.deepEqual(Object.keys(rows[0]).slice(0, 8), ['k', 'omega', 'mse', 'overlap', 'coverage', 'r_oxidized.txt', 'r_reduced.txt', 'worst_r']);
  for (const row of rows) {
    assert.equal(Number(row.worst_r), Math.min(Number(row['r_oxidized.txt']), Number(row['r_reduced.txt'])));
    assert.ok(Number(row.overlap) >= 0 && Number(row.overlap) <= 1);
    assert.ok(Number(row.coverage) > 0 && Number(row.coverage) <= 1);
    assert.ok(Number(row.mse) > 0);
  }
  // the rule, recomputed from the CSV
  const best = Math.max(...rows.map((x) => Number(x.worst_r)));
  const near = rows.filter((x) => Number(x.worst_r) >= best - 0.005).sort((a, b) => Number(a.overlap) - Number(b.overlap));
  assert.deepEqual(rows.filter((x) => x.chosen === '1').map((x) => x.dir), [near[0].dir]);
  // ω reduces the map overlap for each K
  for (const k of ['2', '3']) {
    const [w0, w3] = ['0', '0.3'].map((w) => rows.find((x) => x.k === k && x.omega === w)!);
    assert.ok(Number(w3.overlap) < Number(w0.overlap), `K=${k}: overlap ${w0.overlap} → ${w3.overlap}`);
  }
  // the r values are the Pearson r of the written components against the references
  const chosen = rows.find((x) => x.chosen === '1')!;
  const comps = fs.readFileSync(path.join(out, chosen.dir, 'components.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const ox = readSpectrum(FIX.refs[0]).values;
  const rs = comps[0].slice(1).map((_, j) => pearson(comps.map((c) => c[j + 1]), ox));
  assert.ok(Math.abs(Math.max(...rs) - Number(chosen['r_oxidized.txt'])) < 1e-6);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'scan.json'), 'utf8'));
  assert.equal(json.rule, 'references');
  assert.deepEqual(json.chosen, [chosen.dir]);
  assert.match(json.definitions.overlap, /cosine/);
  const png = fs.readFileSync(path.join(out, 'scan.png'));
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
});

test('without references: for each K the largest ω whose MSE stays within 2 % of ω = 0', () => {
  const scan = runScan([FIX.npy, '--energies', FIX.energies, '--method', 'nmf-so', '--components', '2', '--omega', '0,0.02,0.5', '--max-iter', '60', '--spectra-budget', '0', '--out', path.join(FIX.dir, 'noref')]);
  assert.equal(scan.rule, 'mse');
  const base = scan.rows.find((r) => r.omega === 0)!.mse;
  const ok = scan.rows.filter((r) => r.mse <= 1.02 * base).map((r) => r.omega!);
  assert.deepEqual(scan.rows.filter((r) => r.chosen).map((r) => r.omega), [Math.max(...ok)]);
});

test('specmap scan --method pca over K with --seeds: scree columns, MSE falls with K, deterministic PCA is perfectly stable', () => {
  const out = path.join(FIX.dir, 'pca');
  const scan = runScan([FIX.npy, '--energies', FIX.energies, '--method', 'pca', '--components', '1,2,3', '--seeds', '0,1', '--spectra-budget', '0', '--out', out]);
  assert.deepEqual(scan.rows.map((r) => r.dir), ['k1', 'k2', 'k3']);
  assert.equal(scan.rule, 'none');
  assert.ok(scan.rows.every((r) => !r.chosen));
  for (let i = 1; i < 3; i++) {
    assert.ok(scan.rows[i].mse < scan.rows[i - 1].mse);
    assert.ok(scan.rows[i].cumulativeRatio > scan.rows[i - 1].cumulativeRatio);
    assert.ok(Math.abs(scan.rows[i].cumulativeRatio - scan.rows[i - 1].cumulativeRatio - scan.rows[i].explainedVarianceRatio) < 1e-12);
  }
  for (const r of scan.rows) assert.ok(Math.abs(r.stability - 1) < 1e-9 && r.stabilityPerComponent.length === r.k);
  const rows = readCsv(path.join(out, 'scan.csv'));
  assert.equal(rows[0].omega, '');
  assert.equal(rows[2].stability, '1');
});

test('bad scan flags are one-line usage errors (exit 2)', () => {
  const base = ['scan', FIX.npy, '--energies', FIX.energies, '--out', path.join(FIX.dir, 'bad')];
  for (const [extra, pattern] of [
    [['--method', 'pca', '--components', '2', '--omega', '0,0.1'], /--omega: method pca has no/],
    [['--method', 'nmf-so'], /--components K\[,K…\] is required/],
    [['--method', 'nmf-so', '--components', '2,x'], /--components must be numbers/],
    [['--method', 'nmf-so', '--components', '2', '--omega', '0,1.5'], /--omega values must be ≤ 1/],
    [['--method', 'nmf', '--components', '2', '--seed', '1', '--seeds', '0,1'], /either --seed or --seeds/],
  ] as [string[], RegExp][]) {
    const r = specmap([...base, ...extra]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, pattern);
  }
});
