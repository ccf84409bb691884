import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { xftf, ftwindow, peakR, besselI0, fftInPlace } from '../src/ft';
import { autobk } from '../src/autobk';
import { InterpolatingSpline } from '../src/spline';
import { rsfMaps, rsfRegion, rsfSpectrum } from '../src/rsf';
import { readXasSpectrum } from '../src/spectrum-text';
import { LARCH } from './helpers';

test('xftf (§9 item 14): χ = sin(2kR₀), R₀ 2.5 Å, hanning dk 1 on [2,14] → peak at the grid point 2.4850 Å', () => {
  const k = Float64Array.from({ length: 401 }, (_, i) => i * 0.05);
  const chi = k.map((v) => Math.sin(2 * v * 2.5));
  const ft = xftf(k, chi, { kweight: 0, window: 'hanning', dk: 1, kmin: 2, kmax: 14 });
  const rstep = Math.PI / (0.05 * 2048);
  assert.ok(Math.abs(ft.r[1] - rstep) < 1e-15);
  const p = peakR(ft.r, ft.mag);
  assert.equal(p.r.toFixed(4), '2.4850');
  assert.equal(p.index, Math.round(2.5 / rstep));
  assert.ok(Math.abs(p.rRefined - 2.5) < 0.005);
  // Parseval-like check of the normalisation: ∫|χ̃(R)|² dR over all R equals (1/2)∫(χΩ)² dk for real input
  let sk = 0;
  for (let i = 0; i < ft.k.length; i++) sk += (ft.chiWeighted[i] * ft.kwin[i]) ** 2 * 0.05;
  const full = xftf(k, chi, { kweight: 0, window: 'hanning', dk: 1, kmin: 2, kmax: 14, rmaxOut: 1e9 });
  let sr = 0;
  for (let j = 0; j < full.r.length; j++) sr += full.mag[j] ** 2 * rstep;
  assert.ok(Math.abs(sr / sk - 1 / 2) < 0.01, `Parseval ratio ${sr / sk}`);
});

test('FT windows: shapes as larch ftwindow; FFT matches a direct DFT', () => {
  const k = Float64Array.from({ length: 401 }, (_, i) => i * 0.05);
  for (const w of ['hanning', 'parzen', 'welch', 'sine', 'kaiser', 'gaussian']) {
    const win = ftwindow(k, { xmin: 3, xmax: 14, dx: 1, window: w });
    const at = (x: number) => win[Math.round(x / 0.05)];
    if (w !== 'gaussian') {
      assert.ok(at(8.5) > 0.99 || w === 'kaiser' || w === 'sine', `${w} centre ${at(8.5)}`);
      assert.ok(at(1) < 1e-12 && at(19) < 1e-12, `${w} outside`);
    }
    assert.ok(win.every((v) => v >= -1e-12 && v <= 1 + 1e-12), `${w} within [0,1]`);
  }
  const han = ftwindow(k, { xmin: 3, xmax: 14, dx: 1, window: 'hanning' });
  assert.ok(Math.abs(han[Math.round(3 / 0.05)] - 0.5) < 0.06);
  assert.ok(Math.abs(besselI0(1) - 1.2660658777520082) < 1e-14);
  assert.throws(() => ftwindow(k, { window: 'boxcar' }), /invalid FT window/);
  const n = 64;
  const re = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.3) + (i % 5) * 0.1);
  const im = new Float64Array(n);
  const dr = new Float64Array(n), di = new Float64Array(n);
  for (let j = 0; j < n; j++) for (let t = 0; t < n; t++) {
    dr[j] += re[t] * Math.cos((-2 * Math.PI * j * t) / n);
    di[j] += re[t] * Math.sin((-2 * Math.PI * j * t) / n);
  }
  fftInPlace(re, im);
  for (let j = 0; j < n; j++) assert.ok(Math.abs(re[j] - dr[j]) < 1e-9 && Math.abs(im[j] - di[j]) < 1e-9);
});

test('not-a-knot spline (FITPACK s=0) reproduces cubics exactly, including extrapolation', () => {
  const x = [0, 0.3, 1.1, 1.5, 2.7, 3.0, 4.2, 5];
  const f = (v: number) => 1 - 2 * v + 0.5 * v * v - 0.1 * v ** 3;
  const s = new InterpolatingSpline(x);
  const v = [-0.5, 0.1, 2, 4.9, 5.6];
  const out = s.interpolate(x.map(f), v);
  v.forEach((q, i) => assert.ok(Math.abs(out[i] - f(q)) < 1e-10));
});

test('Cu χ(k) from larch (cu.chi): first-shell peak of |χ(R)| at 2.2396 Å (uncorrected)', () => {
  const cu = readXasSpectrum(path.join(LARCH, 'xafsdata', 'cu.chi'));
  assert.equal(cu.kind, 'chi');
  for (const window of ['kaiser', 'hanning']) {
    const ft = xftf(cu.x, cu.y, { kweight: 2, window, dk: 1, kmin: 3, kmax: 17 });
    const p = peakR(ft.r, ft.mag, 1, 3.5);
    assert.ok(p.r > 2.15 && p.r < 2.3, `${window}: ${p.r}`);
    assert.equal(p.index, 73);
  }
});

test('autobk on cu_metal_rt.xdi (§9 item 17): χ(k) like larch cu.chi, same first shell', () => {
  const xdi = readXasSpectrum(path.join(LARCH, 'xafsdata', 'cu_metal_rt.xdi'));
  const ref = readXasSpectrum(path.join(LARCH, 'xafsdata', 'cu.chi'));
  const bk = autobk(xdi.x, xdi.y, { rbkg: 1, kweight: 2 });
  assert.ok(Math.abs(bk.e0 - 8980.5) < 2, `e0 ${bk.e0}`);
  assert.ok(bk.nspl >= 5 && bk.irbkg > 10);
  // Pearson r of k²χ on 2 ≤ k ≤ 16 against larch's 2012 cu.chi
  let sxy = 0, sx = 0, sy = 0, sxx = 0, syy = 0, c = 0;
  for (let i = 0; i < bk.k.length; i++) {
    const k = bk.k[i];
    if (k < 2 || k > 16) continue;
    const j = Math.round(k / 0.05);
    const a = bk.chi[i] * k * k, b = ref.y[j] * k * k;
    sxy += a * b; sx += a; sy += b; sxx += a * a; syy += b * b; c++;
  }
  const r = (sxy - (sx * sy) / c) / Math.sqrt((sxx - (sx * sx) / c) * (syy - (sy * sy) / c));
  console.log(`autobk vs cu.chi: Pearson r(k²χ, 2–16 Å⁻¹) = ${r.toFixed(4)}; e0 ${bk.e0}, step ${bk.edgeStep.toFixed(4)}, nspl ${bk.nspl}, LM iterations ${bk.iterations}`);
  assert.ok(r > 0.99, `Pearson ${r}`);
  // the background fit lowers the low-R part of the transform below the initial guess
  const lowR = (chi: Float64Array) => {
    const ft = xftf(bk.k, chi, { kweight: 2, window: 'hanning', dk: 0.1, kmin: 0, kmax: bk.kmax });
    let s = 0;
    for (let j = 0; j < ft.r.length && ft.r[j] < 1; j++) s += ft.mag[j] ** 2;
    return s;
  };
  assert.ok(lowR(bk.chi) < lowR(bk.initChi));
  const rs = rsfSpectrum(xdi.x, xdi.y, { kmin: 3, kmax: 17, window: 'kaiser' });
  assert.equal(peakR(rs.ft.r, rs.ft.mag, 1, 3.5).index, 73);
});

test('RSF of a region mean and |χ(R)| maps on a small μ(E) stack built from the Cu foil', () => {
  const xdi = readXasSpectrum(path.join(LARCH, 'xafsdata', 'cu_metal_rt.xdi'));
  const m = xdi.x.length;
  const w = 3, h = 2;
  const data = new Float32Array(w * h * m);
  for (let p = 0; p < w * h; p++) for (let e = 0; e < m; e++) data[p * m + e] = (p < 3 ? 1 : 0.5) * xdi.y[e] + 0.1 * p;
  const stack = { data, energies: Float64Array.from(xdi.x), width: w, height: h, metadata: {} };
  const reg = rsfRegion(stack, { x0: 0, x1: 3, y0: 0, y1: 1 }, { kmin: 3, kmax: 14 });
  assert.equal(reg.pixels, 3);
  assert.equal(peakR(reg.ft.r, reg.ft.mag, 1, 3.5).index, 73);
  const maps = rsfMaps(stack, [2.24, 4.0], { kmin: 3, kmax: 14 });
  assert.equal(maps.maps.length, 12);
  // χ is normalised by each pixel's edge step: the half-amplitude pixels give the same |χ(R)|
  for (let p = 0; p < 6; p++) {
    assert.ok(Math.abs(maps.maps[p * 2] - maps.maps[0]) / maps.maps[0] < 0.02, `pixel ${p}: ${maps.maps[p * 2]} vs ${maps.maps[0]}`);
    assert.ok(maps.maps[p * 2] > maps.maps[p * 2 + 1]);
  }
  assert.throws(() => rsfRegion(stack, { x0: 0, x1: 5, y0: 0, y1: 1 }), /outside/);
});
