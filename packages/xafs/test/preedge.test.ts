import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { preEdge, findE0 } from '../src/preedge';
import { XDL, LARCH, readMu } from './helpers';

test('pre_edge analytic (§9 item 15): edge_step = J, norm = 1 + c(E − e0), flat = 1 above e0', () => {
  const e0 = 7112;
  const a = 0.3, b = -2e-5, J = 1.7, c = -4e-4;
  const E = Float64Array.from({ length: 601 }, (_, i) => 6912 + i * 1.25); // e0 = E[160], on the grid
  const mu = E.map((x) => a + b * x + (x >= e0 ? J * (1 + c * (x - e0)) : 0));
  for (const nnorm of [1, 2]) {
    const r = preEdge(E, mu, { e0, nnorm });
    assert.equal(r.e0, e0);
    assert.ok(Math.abs(r.edgeStep - J) < 1e-9, `edge step ${r.edgeStep}`);
    for (let i = 0; i < E.length; i++) {
      if (E[i] >= e0) {
        assert.ok(Math.abs(r.norm[i] - (1 + c * (E[i] - e0))) < 1e-9);
        assert.ok(Math.abs(r.flat[i] - 1) < 1e-9);
      } else {
        assert.ok(Math.abs(r.norm[i]) < 1e-9);
        assert.ok(Math.abs(r.pre[i] - (a + b * E[i])) < 1e-9);
      }
    }
  }
  // defaults as larch: pre1 = 5·round((E[1] − e0)/5), pre2 = pre1/2, norm2 = 5·round((Emax − e0)/5), norm1 = min(25, …)
  const r = preEdge(E, mu, { e0 });
  assert.equal(r.details.pre1, 5 * Math.round((E[1] - e0) / 5));
  assert.equal(r.details.pre2, r.details.pre1 / 2);
  assert.equal(r.details.norm2, 5 * Math.round((E[E.length - 1] - e0) / 5));
  assert.equal(r.details.norm1, 25);
  assert.equal(r.details.nnorm, 2); // norm2 − norm1 ≥ 300 eV
});

test('find_e0 and pre_edge on real Fe and Cu K-edge standards: e0 at the edge, sensible steps', () => {
  const cases: [string, number, number][] = [
    // file, expected e0 window (eV), edge-step window
    [path.join(XDL, 'Fe', 'Fe_metal_rt_01.xdi'), 7112, 1.5],
    [path.join(XDL, 'Fe', 'Fe_Foil_rt_2016Foils.xdi'), 7112, 1.5],
    [path.join(XDL, 'Fe', 'Hansel2001_Fe_foil_xanes_001.xdi'), 7112, 1.5],
    [path.join(LARCH, 'xafsdata', 'cu_metal_rt.xdi'), 8979, 2],
  ];
  for (const [file, expected, tol] of cases) {
    const { e, mu } = readMu(file);
    const e0 = findE0(e, mu);
    assert.ok(Math.abs(e0 - expected) <= tol, `${path.basename(file)}: e0 ${e0}`);
    const r = preEdge(e, mu);
    assert.equal(r.e0, e0);
    assert.ok(r.edgeStep > 0.5 && r.edgeStep < 10, `${path.basename(file)}: step ${r.edgeStep}`);
    // normalised: ≈ 0 before the edge, ≈ 1 on average 30–150 eV above it
    let lo = 0, nlo = 0, hi = 0, nhi = 0;
    for (let i = 0; i < e.length; i++) {
      if (e[i] < e0 - 30) { lo += r.norm[i]; nlo++; }
      if (e[i] > e0 + 30 && e[i] < e0 + 150) { hi += r.flat[i]; nhi++; }
    }
    assert.ok(Math.abs(lo / nlo) < 0.02, `${path.basename(file)}: pre-edge mean ${lo / nlo}`);
    assert.ok(Math.abs(hi / nhi - 1) < 0.1, `${path.basename(file)}: post-edge mean ${hi / nhi}`);
  }
  // oxides sit above the metal
  const ox = readMu(path.join(XDL, 'Fe', 'Fe2O3_rt_01.xdi'));
  assert.ok(findE0(ox.e, ox.mu) > 7118);
});

test('pre_edge: unsorted input gives outputs parallel to the input; bad input is a SpecmapError', () => {
  const { e, mu } = readMu(path.join(XDL, 'Fe', 'Fe_metal_rt_01.xdi'));
  const a = preEdge(e, mu);
  const rev = preEdge(Float64Array.from(e).reverse(), Float64Array.from(mu).reverse());
  assert.equal(rev.e0, a.e0);
  assert.ok(Math.abs(rev.norm[0] - a.norm[e.length - 1]) < 1e-12);
  assert.throws(() => preEdge(new Float64Array(3), [1, 2, 3]), { name: 'SpecmapError' });
  assert.throws(() => preEdge(e, mu.slice(1)), /energies but/);
  const bad = Float64Array.from(mu); bad[5] = NaN;
  assert.throws(() => preEdge(e, bad), { name: 'SpecmapError' });
});
