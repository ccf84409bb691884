/**
 * EXAFS background removal as xraylarch's `autobk` (larch/xafs/autobk.py),
 * re-stated: μ₀(E) is a cubic B-spline in k whose knots are set by rbkg, and
 * whose coefficients minimise the Fourier transform of χ(k)·k^w·Ω(k) below
 * rbkg (real and imaginary parts), plus larch's "clamp" terms at the ends of
 * χ(k). docs/algorithms.md §4.5.
 *
 * Everything between the spline coefficients and the residual is linear
 * (spline evaluation, spline re-interpolation onto the k grid, FFT), so the
 * residual's parts are precomputed once and the fit is a small
 * Levenberg–Marquardt problem with an analytic Jacobian (larch uses MINPACK
 * leastsq with a finite-difference Jacobian; the minimum is the same to the
 * tolerance of that fit).
 */
import { SpecmapError } from '@specmap/core';
import { preEdge, TINY_ENERGY, type PreEdgeOptions } from './preedge';
import { ftwindow, xftfFast } from './ft';
import { InterpolatingSpline, collocation } from './spline';
import { checkSpectrum, indexNearest, indexOf, removeDups, solveDense, sortSpectrum } from './util';

/** 2mₑ/ħ² in eV⁻¹Å⁻² (larch's ETOK = 1/3.8099819442818976). */
export const ETOK = 1 / 3.8099819442818976;

export interface AutobkOptions {
  /** Distance (Å) below which χ(R) is minimised. __Default:__ 1. */
  rbkg?: number;
  /** Edge energy E0 for k = 0 (eV). __Default:__ from pre_edge. */
  e0?: number;
  /** Edge step for χ = (μ − μ₀)/step. __Default:__ from pre_edge. */
  edgeStep?: number;
  /** Number of spline knots (5…128). __Default:__ 1 + ⌊2·rbkg·(kmax − kmin)/π⌋. */
  nknots?: number;
  kmin?: number;
  /** __Default:__ the largest k of the data. */
  kmax?: number;
  /** k-weight inside the background fit. __Default:__ 1. */
  kweight?: number;
  /** Window taper inside the fit. __Default:__ 0.1. */
  dk?: number;
  /** __Default:__ 'hanning'. */
  window?: string;
  nfft?: number;
  /** k grid of χ(k). __Default:__ 0.05 Å⁻¹. */
  kstep?: number;
  nclamp?: number;
  clampLo?: number;
  clampHi?: number;
  /** Options for the pre_edge run that finds e0/edge step when they are not given. */
  preEdge?: PreEdgeOptions;
  /** Maximum Levenberg–Marquardt iterations. __Default:__ 200. */
  maxIter?: number;
}

export interface AutobkResult {
  /** Uniform k grid 0, kstep, … ≤ kmax. */
  k: Float64Array;
  /** χ(k) = (μ − μ₀)/edge step on k. */
  chi: Float64Array;
  /** μ₀(E) on the input energies (μ itself below E0 and beyond the fitted range). */
  bkg: Float64Array;
  /** Energies (sorted, as used) matching bkg. */
  energies: Float64Array;
  e0: number;
  edgeStep: number;
  rbkg: number;
  kmin: number;
  kmax: number;
  nspl: number;
  irbkg: number;
  /** Knots and fitted coefficients of μ₀(k). */
  knots: Float64Array;
  coefs: Float64Array;
  /** Initial guess of χ (before the fit), on k. */
  initChi: Float64Array;
  iterations: number;
  chisqr: number;
  parameters: Record<string, unknown>;
}

/** Interleaved real/imaginary parts of the first `count` points (larch realimag). */
function realimag(ft: { re: Float64Array; im: Float64Array }, count: number): Float64Array {
  const out = new Float64Array(2 * count);
  for (let i = 0; i < count; i++) {
    out[2 * i] = ft.re[i];
    out[2 * i + 1] = ft.im[i];
  }
  return out;
}

/**
 * χ(k) of one μ(E) spectrum by larch's autobk algorithm (defaults as larch:
 * rbkg 1, kweight 1, dk 0.1, hanning, nfft 2048, kstep 0.05, clamp_lo 0,
 * clamp_hi 1, nclamp 3).
 */
export function autobk(energies: ArrayLike<number>, mu: ArrayLike<number>, options: AutobkOptions = {}): AutobkResult {
  checkSpectrum(energies, mu, 'autobk', 10);
  const sorted = sortSpectrum(energies, mu);
  const energy = removeDups(sorted.e, TINY_ENERGY);
  const y = sorted.y;
  const n = energy.length;
  let ek0 = options.e0;
  let step = options.edgeStep;
  if (ek0 !== undefined && (ek0 < energy[0] || ek0 > energy[n - 1])) ek0 = undefined;
  if (ek0 === undefined || step === undefined) {
    const pe = preEdge(energy, y, { ...(ek0 !== undefined ? { e0: ek0 } : {}), ...(options.preEdge ?? {}) });
    if (ek0 === undefined) ek0 = pe.e0;
    if (step === undefined) step = pe.edgeStep;
  }
  return autobkWithPlan(autobkPlan(energy, ek0, options), y, step);
}

/** The parts of autobk that depend only on the energy grid, E0 and the options (shared by every pixel of a map). */
export interface AutobkPlan {
  energy: Float64Array;
  e0: number;
  iek0: number;
  iemax: number;
  kout: Float64Array;
  kmin: number;
  kmax: number;
  rbkg: number;
  nspl: number;
  irbkg: number;
  knots: Float64Array;
  parameters: Record<string, unknown>;
  /** internal */
  _: {
    knotSpline: InterpolatingSpline;
    splIdx: [number, number, number][];
    B: Float64Array;
    S: InterpolatingSpline;
    phi: Float64Array[];
    psi: Float64Array[];
    ftOf: (v: Float64Array) => Float64Array;
    nout: number;
    clampIdx: number[];
    clampWt: number[];
    nraw: number;
    maxIter: number;
  };
}

/**
 * Precompute autobk for an energy grid (increasing, as returned by
 * removeDups) and an edge energy e0: knots, spline and FFT operators.
 */
export function autobkPlan(energy: Float64Array, ek0: number, options: AutobkOptions = {}): AutobkPlan {
  const n = energy.length;
  const kstep = options.kstep ?? 0.05;
  const nfft = options.nfft ?? 2048;
  const kmin = options.kmin ?? 0;
  const kweight = options.kweight ?? 1;
  const dk = options.dk ?? 0.1;
  const window = options.window ?? 'hanning';
  const nclamp = options.nclamp ?? 3;
  const clampLo = options.clampLo ?? 0;
  const clampHi = options.clampHi ?? 1;
  const iek0 = indexOf(energy, ek0);
  const rgrid = Math.PI / (kstep * nfft);
  const rbkg = Math.max(options.rbkg ?? 1, 2 * rgrid);

  const kraw = new Float64Array(n - iek0);
  for (let i = iek0; i < n; i++) {
    const d = energy[i] - ek0;
    kraw[i - iek0] = Math.sign(d) * Math.sqrt(ETOK * Math.abs(d));
  }
  const krawMax = kraw[kraw.length - 1];
  let kmax = options.kmax;
  if (kmax === undefined || kmax < 0) kmax = krawMax;
  else kmax = Math.max(0, Math.min(krawMax, kmax));
  if (!(kmax - kmin > 1)) {
    throw new SpecmapError('ENERGY_RANGE', `autobk: the data reach k = ${kmax.toFixed(2)} Å⁻¹ above E0 = ${ek0} eV; EXAFS needs a k range of more than 1 Å⁻¹ above kmin = ${kmin}`);
  }
  const nk = Math.trunc(1.01 + kmax / kstep);
  const kout = Float64Array.from({ length: nk }, (_, i) => kstep * i);
  const iemax = Math.min(n, 2 + indexOf(energy, ek0 + (kmax * kmax) / ETOK)) - 1;
  const win = ftwindow(kout, { xmin: kmin, xmax: kmax, dx: dk, dx2: dk, window });
  const ftwin = Float64Array.from(kout, (k, i) => Math.pow(k, kweight) * win[i]);

  let nspl = 1 + Math.trunc((2 * rbkg * (kmax - kmin)) / Math.PI);
  let irbkg = Math.trunc(1 + ((nspl - 1) * Math.PI) / (2 * rgrid * (kmax - kmin)));
  if (options.nknots !== undefined) nspl = options.nknots;
  nspl = Math.max(5, Math.min(128, Math.trunc(nspl)));
  irbkg = Math.max(1, Math.min(nfft / 2, irbkg));

  const splK = new Float64Array(nspl);
  const splIdx: [number, number, number][] = [];
  for (let i = 0; i < nspl; i++) {
    const q = kmin + (i * (kmax - kmin)) / (nspl - 1);
    const ik = indexNearest(kraw, q);
    const i1 = Math.min(kraw.length - 1, ik + 5);
    const i2 = Math.max(0, ik - 5);
    splK[i] = kraw[ik];
    splIdx.push([ik + iek0, i1 + iek0, i2 + iek0]);
  }
  let knotSpline: InterpolatingSpline;
  try {
    knotSpline = new InterpolatingSpline(splK);
  } catch {
    throw new SpecmapError('ENERGY_RANGE', `autobk: ${nspl} spline knots do not fall on distinct data points (the energy grid is too coarse for rbkg ${rbkg}); lower --rbkg or give fewer knots`);
  }
  const t = knotSpline.t;

  // Linear parts: χ(c) = χ₀ − Φc on kout; FT part out(c) = o₀ − Ψc.
  const nraw = iemax - iek0 + 1;
  const kr = kraw.subarray(0, nraw);
  const B = collocation(t, kr); // nraw × nspl
  const S = new InterpolatingSpline(kr);
  const phi: Float64Array[] = [];
  const col = new Float64Array(nraw);
  for (let j = 0; j < nspl; j++) {
    for (let i = 0; i < nraw; i++) col[i] = B[i * nspl + j];
    phi.push(S.interpolate(col, kout));
  }
  const ftOf = (v: Float64Array): Float64Array => realimag(xftfFast(Float64Array.from(v, (x, i) => x * ftwin[i]), nfft, 0.05), irbkg);
  const psi = phi.map(ftOf);
  const nout = 2 * irbkg;
  const ncl = nclamp > 0 ? Math.min(nclamp, nk) : 0;
  const clampIdx: number[] = [];
  const clampWt: number[] = [];
  for (let i = 0; i < ncl; i++) {
    clampIdx.push(i);
    clampWt.push(Math.abs(clampLo));
  }
  for (let i = 0; i < ncl; i++) {
    clampIdx.push(nk - ncl + i);
    clampWt.push(Math.abs(clampHi));
  }

  return {
    energy,
    e0: ek0,
    iek0,
    iemax,
    kout,
    kmin,
    kmax,
    rbkg,
    nspl,
    irbkg,
    knots: t,
    parameters: { rbkg, e0: ek0, kmin, kmax, kweight, dk, window, nfft, kstep, nclamp, clampLo, clampHi, nspl, irbkg },
    _: { knotSpline, splIdx, B, S, phi, psi, ftOf, nout, clampIdx, clampWt, nraw, maxIter: options.maxIter ?? 200 },
  };
}

/** Run the autobk fit of one μ (on plan.energy) with a precomputed plan. */
export function autobkWithPlan(plan: AutobkPlan, y: ArrayLike<number>, step: number): AutobkResult {
  const { iek0, kout, nspl, energy } = plan;
  const { knotSpline, splIdx, B, S, phi, psi, ftOf, nout, clampIdx, clampWt, nraw } = plan._;
  const nk = kout.length;
  const splY = Float64Array.from(splIdx, ([a, b, c]) => (2 * y[a] + y[b] + y[c]) / 4);
  const coef0 = knotSpline.coefficients(splY);
  const muR = Float64Array.from({ length: nraw }, (_, i) => y[iek0 + i]);
  const chi0 = S.interpolate(muR, kout);
  const o0 = ftOf(chi0);
  const nres = nout + clampIdx.length;
  const residual = (c: Float64Array, jac?: Float64Array): Float64Array => {
    const r = new Float64Array(nres);
    let ss = 0;
    for (let q = 0; q < nout; q++) {
      let v = o0[q];
      for (let j = 0; j < nspl; j++) v -= psi[j][q] * c[j];
      r[q] = v;
      ss += v * v;
    }
    if (jac) for (let q = 0; q < nout; q++) for (let j = 0; j < nspl; j++) jac[q * nspl + j] = -psi[j][q];
    if (clampIdx.length === 0) return r;
    const s = 0.1 + (10 * ss) / nout;
    let dsdc: Float64Array | undefined;
    if (jac) {
      dsdc = new Float64Array(nspl);
      for (let j = 0; j < nspl; j++) {
        let a = 0;
        for (let q = 0; q < nout; q++) a += psi[j][q] * r[q];
        dsdc[j] = (-20 / nout) * a;
      }
    }
    clampIdx.forEach((ik, u) => {
      let chi = chi0[ik];
      for (let j = 0; j < nspl; j++) chi -= phi[j][ik] * c[j];
      r[nout + u] = clampWt[u] * s * chi;
      if (jac && dsdc) for (let j = 0; j < nspl; j++) jac[(nout + u) * nspl + j] = clampWt[u] * (dsdc[j] * chi - s * phi[j][ik]);
    });
    return r;
  };
  const sumsq = (r: Float64Array): number => r.reduce((a, v) => a + v * v, 0);

  // Levenberg–Marquardt.
  let c = Float64Array.from(coef0);
  const J = new Float64Array(nres * nspl);
  let r = residual(c, J);
  let f = sumsq(r);
  let lambda = 1e-3;
  const maxIter = plan._.maxIter;
  let it = 0;
  for (; it < maxIter; it++) {
    const A = new Float64Array(nspl * nspl);
    const g = new Float64Array(nspl);
    for (let q = 0; q < nres; q++) {
      const rq = r[q];
      for (let a = 0; a < nspl; a++) {
        const ja = J[q * nspl + a];
        if (ja === 0) continue;
        g[a] += ja * rq;
        for (let b = 0; b < nspl; b++) A[a * nspl + b] += ja * J[q * nspl + b];
      }
    }
    let accepted = false;
    let fNew = f;
    let cNew = c;
    let stepNorm = 0;
    while (lambda < 1e12) {
      const M = Float64Array.from(A);
      for (let a = 0; a < nspl; a++) M[a * nspl + a] += lambda * Math.max(A[a * nspl + a], 1e-30);
      const delta = solveDense(M, g.map((v) => -v), nspl);
      cNew = Float64Array.from(c, (v, a) => v + delta[a]);
      const rn = residual(cNew);
      fNew = sumsq(rn);
      stepNorm = Math.sqrt(delta.reduce((s2, v) => s2 + v * v, 0));
      if (fNew <= f) {
        accepted = true;
        lambda = Math.max(lambda / 10, 1e-12);
        break;
      }
      lambda *= 10;
    }
    if (!accepted) break;
    const rel = (f - fNew) / Math.max(f, 1e-300);
    const cNorm = Math.sqrt(c.reduce((s2, v) => s2 + v * v, 0));
    c = cNew;
    r = residual(c, J);
    f = fNew;
    if (rel < 1e-12 || stepNorm < 1e-12 * (cNorm + 1e-12)) {
      it++;
      break;
    }
  }

  const chi = new Float64Array(nk);
  const initChi = new Float64Array(nk);
  for (let i = 0; i < nk; i++) {
    let v = chi0[i];
    let v0 = chi0[i];
    for (let j = 0; j < nspl; j++) {
      v -= phi[j][i] * c[j];
      v0 -= phi[j][i] * coef0[j];
    }
    chi[i] = v / step;
    initChi[i] = v0 / step;
  }
  const bkgR = new Float64Array(nraw);
  for (let i = 0; i < nraw; i++) {
    let v = 0;
    for (let j = 0; j < nspl; j++) v += B[i * nspl + j] * c[j];
    bkgR[i] = v;
  }
  const bkg = Float64Array.from(y as ArrayLike<number>);
  bkg.set(bkgR, iek0);
  return {
    k: kout,
    chi,
    bkg,
    energies: energy,
    e0: plan.e0,
    edgeStep: step,
    rbkg: plan.rbkg,
    kmin: plan.kmin,
    kmax: plan.kmax,
    nspl,
    irbkg: plan.irbkg,
    knots: plan.knots,
    coefs: c,
    initChi,
    iterations: it,
    chisqr: f,
    parameters: { ...plan.parameters, edgeStep: step },
  };
}
