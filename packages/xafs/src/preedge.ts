/**
 * K-edge normalisation as xraylarch computes it (larch/xafs/pre_edge.py,
 * `find_e0` and `preedge`/`pre_edge`, xraylarch 2026.3.1): re-stated here,
 * not copied. See docs/algorithms.md §4.4.
 */
import { SpecmapError } from '@specmap/core';
import {
  checkSpectrum,
  derivative,
  indexNearest,
  indexOf,
  npInterp,
  polyfit,
  removeDups,
  roundHalfEven,
  sortSpectrum,
} from './util';

/** Smallest tolerated energy step (eV), larch's TINY_ENERGY. */
export const TINY_ENERGY = 0.0005;
/** Largest post-edge polynomial degree. */
export const MAX_NNORM = 5;

export interface PreEdgeOptions {
  /** Edge energy (eV). Found by {@link findE0} when absent or outside (E[1], E[n−2]). */
  e0?: number;
  /** Pre-edge fit range, relative to e0 (eV). Defaults: pre1 = E[1] − e0 rounded to 5 eV (2 eV when the edge is within the first 20 points), pre2 = pre1/2. */
  pre1?: number;
  pre2?: number;
  /** Post-edge fit range, relative to e0 (eV). Defaults: norm2 = Emax − e0 rounded to 5 eV, norm1 = min(25, 5·round(norm2/15)). */
  norm1?: number;
  norm2?: number;
  /** Degree of the post-edge polynomial (0…5). Default 2 when norm2 − norm1 ≥ 300 eV, 1 when ≥ 30 eV, else 0. */
  nnorm?: number;
  /** Energy exponent of the pre-edge line (fitted to μ·E^nvict). Default 0. */
  nvict?: number;
  /** Pre-edge: 1 = line (default), 0 = constant (mean). */
  npre?: number;
  /** Edge step to use instead of the fitted one. */
  step?: number;
}

export interface PreEdgeResult {
  /** Edge energy (eV). */
  e0: number;
  /** post(e0) − pre(e0), at least 1e-12. */
  edgeStep: number;
  /** (μ − pre)/edgeStep. */
  norm: Float64Array;
  /** norm with the post-edge curvature removed above e0. */
  flat: Float64Array;
  /** Pre-edge line on every energy. */
  pre: Float64Array;
  /** Post-edge curve (pre + polynomial) on every energy. */
  post: Float64Array;
  /** The parameters as used (after defaults and clipping). */
  details: { pre1: number; pre2: number; norm1: number; norm2: number; nnorm: number; nvict: number; npre: number; ie0: number };
}

/**
 * larch `smooth(x, y, sigma, xstep)` with its default Lorentzian kernel:
 * y is resampled on a uniform grid of step `xstep` (padded by 5 steps),
 * convolved with a Lorentzian of half-width `sigma` (mirror-extended at both
 * ends exactly as larch does) and interpolated back onto x.
 */
export function smoothLorentzian(x: ArrayLike<number>, y: ArrayLike<number>, sigma: number, xstep: number): Float64Array {
  if (!(xstep > 1e-12)) throw new SpecmapError('ENERGY_ORDER', 'smooth: the energies must be strictly increasing');
  const n = x.length;
  let xminData = Infinity;
  let xmaxData = -Infinity;
  for (let i = 0; i < n; i++) {
    xminData = Math.min(xminData, x[i]);
    xmaxData = Math.max(xmaxData, x[i]);
  }
  const npad = 5;
  const xmin = xstep * Math.trunc((xminData - npad * xstep) / xstep);
  const xmax = xstep * Math.trunc((xmaxData + npad * xstep) / xstep);
  const npts1 = 1 + Math.trunc(Math.abs(xmax - xmin + xstep * 0.1) / xstep);
  const npts = Math.min(npts1, 50 * n);
  const x0 = new Float64Array(npts);
  for (let i = 0; i < npts; i++) x0[i] = npts === 1 ? xmin : xmin + ((xmax - xmin) * i) / (npts - 1);
  const y0 = npInterp(x0, x, y);
  const s = sigma / xstep;
  // Kernel L(j) for j = −npts … npts−1 (centre at npts of 0…2npts−1), normalised to sum 1.
  const win = new Float64Array(2 * npts);
  let wsum = 0;
  for (let j = 0; j < 2 * npts; j++) {
    const u = (j - npts) / s;
    win[j] = 1 / (1 + u * u);
    wsum += win[j];
  }
  // Extended signal: below 0 mirrored without the edge point, above npts−1 mirrored with it.
  const ext = (q: number): number => (q < 0 ? y0[-q] : q >= npts ? y0[2 * npts - 1 - q] : y0[q]);
  const y2 = new Float64Array(npts);
  for (let i = 0; i < npts; i++) {
    let acc = 0;
    for (let j = 0; j < 2 * npts; j++) acc += win[j] * ext(i - (j - npts));
    y2[i] = acc / wsum;
  }
  return npInterp(x, x0, y2);
}

/** larch find_energy_step: a robust typical energy step (NaN for fewer than 100 points, as larch). */
function findEnergyStep(en: Float64Array): number {
  const nskip = Math.trunc(0.01 * en.length);
  // larch takes the in-order points (all but the last) and drops nskip at both ends.
  const m = en.length - 1;
  const lo = nskip;
  const hi = m - nskip; // exclusive; empty when nskip = 0 (python's [0:-0])
  if (nskip === 0 || hi - lo < 2) return NaN;
  const ediff: number[] = [];
  for (let i = lo + 1; i < hi; i++) ediff.push(en[i] - en[i - 1]);
  ediff.sort((a, b) => a - b);
  const sel = ediff.slice(nskip, nskip + 10);
  if (sel.length === 0) return NaN;
  return sel.reduce((a, b) => a + b, 0) / sel.length;
}

/** larch _finde0 on one array: (energy, index, estep). */
function finde0Pass(energy: Float64Array, muIn: Float64Array, estepIn: number | null, useSmooth: boolean): { e: number; i: number; estep: number } {
  const enAll = removeDups(energy, TINY_ENERGY);
  // larch keeps the points whose sort order is successive: all but the last one.
  const len = Math.max(1, enAll.length - 1);
  const en = enAll.subarray(0, len);
  const mu = muIn.subarray(0, len);
  const estep = estepIn === null ? findEnergyStep(en) : estepIn;
  const nmin = Math.max(3, Math.trunc(len * 0.02));
  let dmu = derivative(en, mu);
  if (useSmooth) dmu = smoothLorentzian(en, dmu, estep, estep);
  for (let i = 0; i < len; i++) if (!Number.isFinite(dmu[i])) dmu[i] = -1;
  let dmin = Infinity;
  let dmax = -Infinity;
  for (let i = nmin; i < len - nmin; i++) {
    dmin = Math.min(dmin, dmu[i]);
    dmax = Math.max(dmax, dmu[i]);
  }
  if (!Number.isFinite(dmin)) {
    dmin = 0;
    dmax = 0;
  }
  const ptp = Math.max(1e-10, dmax - dmin);
  for (let i = 0; i < len; i++) dmu[i] = (dmu[i] - dmin) / ptp;
  let dhigh = len > 20 ? 0.6 : 0.3;
  const pick = (th: number): number[] => {
    const r: number[] = [];
    for (let i = 0; i < len; i++) if (dmu[i] > th) r.push(i);
    return r;
  };
  let high = pick(dhigh);
  if (high.length < 3) {
    for (let t = 0; t < 2; t++) {
      if (high.length > 3) break;
      dhigh *= 0.5;
      high = pick(dhigh);
    }
  }
  if (high.length < 3) high = Array.from({ length: len }, (_, i) => i).filter((i) => Number.isFinite(dmu[i]));
  const isHigh = new Uint8Array(len + 2);
  for (const i of high) isHigh[i] = 1;
  let imax = 0;
  let best = 0;
  for (const i of high) {
    if (i < nmin || i > len - nmin) continue;
    if (dmu[i] > best && isHigh[i + 1] && i >= 1 && isHigh[i - 1]) {
      imax = i;
      best = dmu[i];
    }
  }
  return { e: en[imax], i: imax, estep };
}

/**
 * The edge energy E0 as larch's `find_e0` finds it: the point of largest
 * dμ/dE whose neighbours are also high (first on the raw derivative, then
 * refined ±75 points around it on a Lorentzian-smoothed derivative).
 * Energies must be increasing (they are sorted if not).
 */
export function findE0(energies: ArrayLike<number>, mu: ArrayLike<number>): number {
  checkSpectrum(energies, mu, 'find_e0', 5);
  const { e: energy, y } = sortSpectrum(energies, mu);
  const n = energy.length;
  const first = finde0Pass(energy, y, null, false);
  let e1 = first.e;
  const ie0 = first.i;
  let istart = Math.max(3, ie0 - 75);
  let istop = Math.min(ie0 + 75, n - 3);
  if (ie0 < 0.05 * n) {
    let s = 0;
    for (let i = 0; i < n; i++) s += energy[i];
    e1 = s / n;
    istart = Math.max(3, ie0 - 20);
    istop = n - 3;
  }
  const clip = (v: number): number => (Number.isNaN(v) ? 1 : Math.max(0.01, Math.min(1, v)));
  const estep = 0.5 * (clip(first.estep) + clip(e1 / 25000));
  if (istop - istart < 5) return e1;
  const second = finde0Pass(energy.slice(istart, istop), y.slice(istart, istop), estep, true);
  if (second.i < 1) return energy[istart + 2];
  return second.e;
}

/**
 * Pre-edge subtraction and normalisation exactly as larch's `pre_edge`
 * (defaults relative to e0, see {@link PreEdgeOptions}). Energies may be in
 * any order; outputs are parallel to the input arrays.
 *
 * @throws SpecmapError 'SHAPE' (lengths differ, fewer than 5 points), 'NAN'.
 */
export function preEdge(energies: Float64Array, mu: ArrayLike<number>, options: PreEdgeOptions = {}): PreEdgeResult {
  checkSpectrum(energies, mu, 'pre_edge', 5);
  const sorted = sortSpectrum(energies, mu);
  const energy = removeDups(sorted.e, TINY_ENERGY);
  const y = sorted.y;
  const n = energy.length;
  let e0 = options.e0;
  if (e0 === undefined || !Number.isFinite(e0) || e0 < energy[1] || e0 > energy[n - 2]) e0 = findE0(energy, y);
  const ie0 = indexNearest(energy, e0);
  const emin = energy[0];
  const emax = energy[n - 1];

  let pre1 = options.pre1;
  if (pre1 === undefined) {
    pre1 = ie0 > 20 ? 5 * roundHalfEven((energy[1] - e0) / 5) : 2 * roundHalfEven((energy[1] - e0) / 2);
  }
  pre1 = Math.max(pre1, emin - e0);
  let pre2 = options.pre2 ?? 0.5 * pre1;
  if (pre1 > pre2) [pre1, pre2] = [pre2, pre1];
  let nvict = options.nvict ?? 0;
  let npre = options.npre ?? 1;
  const rel = energy.map((v) => v - e0!);
  if (indexOf(rel, pre2) - indexOf(rel, pre1) < 3) {
    nvict = 0;
    npre = 0;
  }

  let norm2 = options.norm2 ?? 5 * roundHalfEven((emax - e0) / 5);
  if (norm2 < 0) norm2 = emax - e0 - norm2;
  norm2 = Math.min(norm2, emax - e0);
  let norm1 = options.norm1 ?? Math.min(25, 5 * roundHalfEven(norm2 / 15));
  if (norm1 > norm2) [norm1, norm2] = [norm2, norm1];
  norm1 = Math.min(norm1, norm2 - 2);
  let nnorm = options.nnorm;
  if (nnorm === undefined) {
    nnorm = 2;
    if (norm2 - norm1 < 300) nnorm = 1;
    if (norm2 - norm1 < 30) nnorm = 0;
  }
  nnorm = Math.max(Math.min(Math.trunc(nnorm), MAX_NNORM), 0);

  // Pre-edge line (or constant).
  const pre = new Float64Array(n);
  let p1 = indexOf(energy, pre1 + e0);
  let p2 = indexNearest(energy, pre2 + e0);
  if (npre === 0) {
    if (p2 === p1) p2 = p2 + 1;
    let s = 0;
    let c = 0;
    for (let i = p1; i < Math.min(p2, n); i++) {
      s += y[i];
      c++;
    }
    pre.fill(c > 0 ? s / c : y[p1]);
  } else {
    if (p2 - p1 < 2) p2 = Math.min(n, p1 + 2);
    const ex = energy.slice(p1, p2);
    const mx = Float64Array.from(ex, (e, i) => y[p1 + i] * Math.pow(e, nvict));
    const line = polyfit(ex, mx, 1);
    for (let i = 0; i < n; i++) pre[i] = line.eval(energy[i]) * Math.pow(energy[i], -nvict);
  }

  // Post-edge polynomial on μ − pre.
  p1 = indexOf(energy, norm1 + e0);
  p2 = indexNearest(energy, norm2 + e0);
  if (p1 > n - 3) p1 = n - 3;
  if (p2 - p1 < 2) {
    p1 = p1 - 2;
    nnorm = 0;
  } else if (p2 - p1 < 5) {
    nnorm = Math.min(1, nnorm);
  }
  p1 = Math.max(0, p1);
  const px = energy.slice(p1, Math.max(p2, p1 + 1));
  const py = Float64Array.from(px, (_, i) => y[p1 + i] - pre[p1 + i]);
  const poly = polyfit(px, py, nnorm);
  const post = new Float64Array(n);
  for (let i = 0; i < n; i++) post[i] = pre[i] + poly.eval(energy[i]);
  let step = options.step ?? post[ie0] - pre[ie0];
  step = Math.max(1e-12, Math.abs(step));
  const norm = new Float64Array(n);
  const flat = new Float64Array(n);
  const r0 = (post[ie0] - pre[ie0]) / step;
  for (let i = 0; i < n; i++) {
    norm[i] = (y[i] - pre[i]) / step;
    flat[i] = i < ie0 ? norm[i] : norm[i] - (post[i] - pre[i]) / step + r0;
  }
  const details = { pre1, pre2, norm1, norm2, nnorm, nvict, npre, ie0 };
  const order = sorted.order;
  if (!order) return { e0, edgeStep: step, norm, flat, pre, post, details };
  const back = (a: Float64Array): Float64Array => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[order[i]] = a[i];
    return out;
  };
  return { e0, edgeStep: step, norm: back(norm), flat: back(flat), pre: back(pre), post: back(post), details };
}
