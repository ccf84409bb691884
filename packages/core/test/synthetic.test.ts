import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'fs';
import { join } from 'path';
import { syntheticStack, poisson, type SyntheticSpectrum } from '../src/synthetic';
import { compareWithTruth, reconstructionMse } from '../src/scan-metrics';
import { analyze } from '../src/analyze';
import { Rng } from '../src/random';
import { SpecmapError } from '../src/errors';
import { REPO_ROOT } from './helpers';

/** The authors' background-removed Fe L-edge spectra (examples/data/stxm-fe/*.t: two columns, energy and OD). */
function feSpectrum(name: string): SyntheticSpectrum {
  const rows = readFileSync(join(REPO_ROOT, 'examples', 'data', 'stxm-fe', `${name}.t`), 'latin1')
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number));
  return { name, energies: rows.map((r) => r[0]), values: rows.map((r) => r[1]) };
}
const FE = [feSpectrum('oxidized'), feSpectrum('reduced')];

test('noise-free synthetic stack is the mixture of the true maps and spectra, deterministic per seed', () => {
  const a = syntheticStack({ spectra: FE, width: 20, height: 16, seed: 3 });
  const b = syntheticStack({ spectra: FE, width: 20, height: 16, seed: 3 });
  const c = syntheticStack({ spectra: FE, width: 20, height: 16, seed: 4 });
  assert.deepEqual(a.stack.data, b.stack.data);
  assert.notDeepEqual(a.stack.data, c.stack.data);
  const { stack, truth } = a;
  const n = 320;
  const m = stack.energies.length;
  assert.equal(m, 123);
  assert.equal(stack.data.length, n * m);
  // X = maps · spectra, exactly (up to float32).
  let maxErr = 0;
  for (let p = 0; p < n; p++) {
    for (let e = 0; e < m; e++) {
      const v = truth.maps[p * 2] * truth.spectra[e] + truth.maps[p * 2 + 1] * truth.spectra[m + e];
      maxErr = Math.max(maxErr, Math.abs(stack.data[p * m + e] - v));
    }
  }
  assert.ok(maxErr < 1e-6, `max error ${maxErr}`);
  // Each map peaks at `scale` (1), is smooth and has pure pixels (the other map is 0 there); some pixels are empty.
  for (let j = 0; j < 2; j++) {
    let max = 0;
    let pure = 0;
    for (let p = 0; p < n; p++) {
      max = Math.max(max, truth.maps[p * 2 + j]);
      if (truth.maps[p * 2 + j] > 0.5 && truth.maps[p * 2 + 1 - j] === 0) pure++;
    }
    assert.ok(Math.abs(max - 1) < 1e-12);
    assert.ok(pure > 0, `component ${j} has pure pixels`);
  }
  // negative baseline values of the reference spectra are set to 0 and reported.
  assert.ok(Math.min(...truth.spectra) >= 0);
  assert.ok(a.warnings.some((w) => /reduced: \d+ negative values set to 0/.test(w)));
  // A comparison of the truth with itself is perfect.
  const self = compareWithTruth({ k: 2, weights: truth.maps, components: truth.spectra }, truth);
  assert.deepEqual(Array.from(self.component), [0, 1]);
  for (const r of self.pearson) assert.ok(Math.abs(r - 1) < 1e-12);
  for (const e of self.mapError) assert.ok(e < 1e-12);
});

test('poisson() has the right mean and variance below and above the PTRS switch (λ = 4, 30, 400)', () => {
  const rng = new Rng(7);
  for (const lambda of [4, 30, 400]) {
    const N = 40000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < N; i++) {
      const k = poisson(rng, lambda);
      assert.ok(Number.isInteger(k) && k >= 0);
      s += k;
      s2 += k * k;
    }
    const mean = s / N;
    const variance = s2 / N - mean * mean;
    // standard error of the mean is √(λ/N); of the variance ≈ λ·√(2/N)
    assert.ok(Math.abs(mean - lambda) < 5 * Math.sqrt(lambda / N), `λ=${lambda}: mean ${mean}`);
    assert.ok(Math.abs(variance / lambda - 1) < 5 * Math.sqrt(2 / N) + 5 / lambda / Math.sqrt(N), `λ=${lambda}: variance ${variance}`);
  }
});

test('transmission noise: OD noise is 1/√(I0·e^−OD), standardised residuals have unit variance at 10⁴ and 10³ counts; background adds a sloping line', () => {
  const clean = syntheticStack({ spectra: FE, width: 24, height: 24, seed: 1 });
  const sd = (counts: number) => {
    const s = syntheticStack({ spectra: FE, width: 24, height: 24, seed: 1, noise: { counts } });
    let z2 = 0;
    for (let i = 0; i < s.stack.data.length; i++) {
      const x = clean.truth.clean[i];
      const expected = 1 / Math.sqrt(counts * Math.exp(-x));
      z2 += ((s.stack.data[i] - x) / expected) ** 2;
    }
    return Math.sqrt(z2 / s.stack.data.length);
  };
  // standardised residuals have unit variance (within 10 %; the log transform's bias is small at these counts)
  for (const counts of [1e4, 1e3]) {
    const z = sd(counts);
    assert.ok(Math.abs(z - 1) < 0.1, `counts ${counts}: standardised sd ${z}`);
  }
  const bg = syntheticStack({ spectra: FE, width: 24, height: 24, seed: 1, background: { offset: 0.1, slope: 0.01 } });
  const m = bg.stack.energies.length;
  const p = 0; // left edge: g = 0.5
  const de = bg.stack.energies[m - 1] - bg.stack.energies[0];
  const added = bg.stack.data[p * m + m - 1] - clean.stack.data[p * m + m - 1] - (bg.stack.data[p * m] - clean.stack.data[p * m]);
  assert.ok(Math.abs(added - 0.5 * 0.01 * de) < 1e-5);
  assert.ok(bg.truth.background && bg.truth.background.map.length === 576);
});

test('bad options are one-line SpecmapErrors', () => {
  assert.throws(() => syntheticStack({ spectra: [] }), (e: unknown) => e instanceof SpecmapError && e.code === 'OPTION');
  assert.throws(() => syntheticStack({ spectra: FE, noise: { counts: 0 } }), (e: unknown) => e instanceof SpecmapError && /counts/.test(e.message));
  assert.throws(() => syntheticStack({ spectra: [{ name: 'x', values: [1, 2, 3] }] }), (e: unknown) => e instanceof SpecmapError && /energies/.test(e.message));
  assert.throws(() => syntheticStack({ spectra: FE, width: 0 }), (e: unknown) => e instanceof SpecmapError && e.code === 'SHAPE');
});

test('NMF family at the lowest noise (10⁵ counts): nmf-so and nmf-ard-so recover both Fe spectra (Pearson ≥ 0.99) and maps; nmf finds one exactly and fits as well', () => {
  const s = syntheticStack({ spectra: FE, width: 24, height: 24, seed: 0, noise: { counts: 1e5 } });
  const mse: Record<string, number> = {};
  for (const method of ['nmf-so', 'nmf-ard-so', 'nmf']) {
    const r = analyze(s.stack, { method, components: 2, spectraBudgetBytes: 0 });
    const c = compareWithTruth(r, s.truth);
    mse[method] = reconstructionMse(s.stack, r);
    if (method === 'nmf') {
      // Plain NMF is not unique here (both spectra are 0 before the edge): it fits equally well but
      // may return a mixture for one of the components; it finds at least one true spectrum.
      assert.ok(Math.max(...c.pearson) >= 0.99, `nmf: ${Array.from(c.pearson)}`);
      assert.ok(mse.nmf <= 1.05 * mse['nmf-so'], `nmf mse ${mse.nmf} vs nmf-so ${mse['nmf-so']}`);
    } else {
      assert.equal(r.k, 2, `${method} keeps both components`);
      assert.ok(c.worstPearson >= 0.99, `${method}: Pearson ${Array.from(c.pearson)}`);
      assert.ok(c.worstMapError < 0.2, `${method}: map error ${Array.from(c.mapError)}`);
    }
  }
});
