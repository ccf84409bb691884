/**
 * XAFS Fourier transforms as xraylarch defines them (larch/xafs/xafsft.py:
 * `ftwindow`, `xftf`, `xftf_fast`), re-stated. docs/algorithms.md §4.5.
 *
 *   χ̃(R) = (kstep/√π) · FFT[χ(k)·k^w·Ω(k)]   (zero-padded to nfft, first nfft/2 points)
 *   R_j = j·π/(kstep·nfft)
 */
import { SpecmapError, fftPow2 } from '@specmap/core';
import { npInterp } from './util';

export type FtWindow = 'hanning' | 'kaiser' | 'parzen' | 'welch' | 'sine' | 'gaussian';
export const FT_WINDOWS: FtWindow[] = ['hanning', 'kaiser', 'parzen', 'welch', 'sine', 'gaussian'];

/** Modified Bessel function of the first kind, order 0 (power series; |x| ≲ 50). */
export function besselI0(x: number): number {
  const q = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

function windowKey(window: string): string {
  const nam = window.trim().toLowerCase().slice(0, 3);
  const ok = ['kai', 'han', 'par', 'wel', 'gau', 'sin', 'bes'];
  if (!ok.includes(nam)) {
    throw new SpecmapError('USAGE', `invalid FT window "${window}" (expected one of ${FT_WINDOWS.join(', ')})`);
  }
  return nam;
}

/**
 * larch `ftwindow(x, xmin, xmax, dx, dx2, window)`: a window on the uniform
 * grid x, rising over [xmin − dx/2, xmin + dx/2] and falling over
 * [xmax − dx2/2, xmax + dx2/2]: hanning sin²/cos², parzen linear, welch
 * quadratic, sine, gaussian exp(−(x−c)²/(2dx²)), kaiser
 * (I₀(dx·√(1−((x−c)/w)²)) − 1)/(I₀(dx) − 1).
 */
export function ftwindow(x: ArrayLike<number>, options: { xmin?: number; xmax?: number; dx?: number; dx2?: number; window?: string } = {}): Float64Array {
  const n = x.length;
  const nam = windowKey(options.window ?? 'hanning');
  let dx1 = options.dx ?? 1;
  const dx2 = options.dx2 ?? dx1;
  let xlo = Infinity;
  let xhi = -Infinity;
  for (let i = 0; i < n; i++) {
    xlo = Math.min(xlo, x[i]);
    xhi = Math.max(xhi, x[i]);
  }
  const xmin = options.xmin ?? xlo;
  const xmax = options.xmax ?? xhi;
  let xstep = (x[n - 1] - x[0]) / (n - 1);
  if (xstep < 0 || Number.isNaN(xstep)) xstep = 1e-3;
  const xeps = 1e-4 * xstep;
  let x1 = Math.max(xlo, xmin - dx1 / 2);
  let x2 = xmin + dx1 / 2 + xeps;
  let x3 = xmax - dx2 / 2 - xeps;
  let x4 = Math.min(xhi, xmax + dx2 / 2);
  if (nam === 'gau') dx1 = Math.max(dx1, xeps);
  const asint = (v: number): number => Math.trunc((v + xeps) / xstep);
  let i1 = Math.max(0, asint(x1));
  let i2 = Math.max(0, asint(x2));
  let i3 = Math.min(n - 1, asint(x3));
  const i4 = Math.min(n - 1, asint(x4));
  if (i2 === i1) i1 = Math.max(0, i2 - 1);
  if (i4 === i3) i3 = Math.max(i2, i4 - 1);
  x1 = x[i1];
  x2 = x[i2];
  x3 = x[i3];
  x4 = x[i4];
  if (x1 === x2) x2 = x2 + xeps;
  if (x3 === x4) x4 = x4 + xeps;
  const w = new Float64Array(n);
  for (let i = i2; i < i3; i++) w[i] = 1;
  const h = Math.PI / 2;
  if (nam === 'han') {
    for (let i = i1; i <= i2; i++) w[i] = Math.sin((h * (x[i] - x1)) / (x2 - x1)) ** 2;
    for (let i = i3; i <= i4; i++) w[i] = Math.cos((h * (x[i] - x3)) / (x4 - x3)) ** 2;
  } else if (nam === 'par') {
    for (let i = i1; i <= i2; i++) w[i] = (x[i] - x1) / (x2 - x1);
    for (let i = i3; i <= i4; i++) w[i] = 1 - (x[i] - x3) / (x4 - x3);
  } else if (nam === 'wel') {
    for (let i = i1; i <= i2; i++) w[i] = 1 - ((x[i] - x2) / (x2 - x1)) ** 2;
    for (let i = i3; i <= i4; i++) w[i] = 1 - ((x[i] - x3) / (x4 - x3)) ** 2;
  } else if (nam === 'kai' || nam === 'bes') {
    const cen = (x4 + x1) / 2;
    const wid = (x4 - x1) / 2;
    const dx = options.dx ?? 1;
    const scale = Math.max(1e-10, besselI0(dx) - 1);
    for (let i = 0; i < n; i++) {
      let arg = 1 - (x[i] - cen) ** 2 / (wid * wid);
      if (arg < 0) arg = 0;
      if (nam === 'bes') w[i] = x[i] <= x1 || x[i] >= x4 ? 0 : besselI0(dx * Math.sqrt(arg)) / besselI0(dx);
      else w[i] = (besselI0(dx * Math.sqrt(arg)) - 1) / scale;
    }
  } else if (nam === 'sin') {
    for (let i = i1; i <= i4; i++) w[i] = Math.sin((Math.PI * (x4 - x[i])) / (x4 - x1));
  } else if (nam === 'gau') {
    const cen = (x4 + x1) / 2;
    for (let i = 0; i < n; i++) w[i] = Math.exp(-((x[i] - cen) ** 2) / (2 * dx1 * dx1));
  }
  return w;
}

/** In-place radix-2 complex FFT (forward, e^{−2πi jk/n}); n a power of two (core's fftPow2). */
export function fftInPlace(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if ((n & (n - 1)) !== 0) throw new SpecmapError('USAGE', `FFT size ${n} is not a power of two`);
  fftPow2(re, im, -1);
}

/**
 * larch `xftf_fast`: (kstep/√π)·FFT of the (already weighted, windowed,
 * uniform) χ zero-padded to nfft; returns the first nfft/2 points.
 */
export function xftfFast(chi: ArrayLike<number>, nfft = 2048, kstep = 0.05): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(nfft);
  const im = new Float64Array(nfft);
  for (let i = 0; i < Math.min(chi.length, nfft); i++) re[i] = chi[i];
  fftInPlace(re, im);
  const s = kstep / Math.sqrt(Math.PI);
  const h = nfft / 2;
  const outRe = new Float64Array(h);
  const outIm = new Float64Array(h);
  for (let i = 0; i < h; i++) {
    outRe[i] = re[i] * s;
    outIm[i] = im[i] * s;
  }
  return { re: outRe, im: outIm };
}

export interface XftfOptions {
  kmin?: number;
  kmax?: number;
  /** k-weight w of χ(k)·k^w. __Default:__ 2. */
  kweight?: number;
  dk?: number;
  dk2?: number;
  /** __Default:__ 'kaiser' (larch's xftf default). */
  window?: string;
  nfft?: number;
  /** Grid step; __Default:__ k[1] − k[0]. */
  kstep?: number;
  /** Largest R returned (Å). __Default:__ 10. */
  rmaxOut?: number;
}

export interface XftfResult {
  /** R grid (Å), j·π/(kstep·nfft). */
  r: Float64Array;
  re: Float64Array;
  im: Float64Array;
  /** |χ̃(R)|: the radial structure function (no phase correction). */
  mag: Float64Array;
  /** The window on the input's k grid (length of χ, as larch's kwin). */
  kwin: Float64Array;
  /** The uniform k grid used, χ on it and k^w·χ. */
  k: Float64Array;
  chi: Float64Array;
  chiWeighted: Float64Array;
  parameters: { kmin: number; kmax: number; kweight: number; dk: number; dk2: number; window: string; nfft: number; kstep: number; rmaxOut: number };
}

/**
 * larch `xftf(k, chi, ...)`: χ is interpolated linearly onto a uniform grid of
 * step kstep (np.interp), weighted by k^kweight and the window, and
 * transformed. Defaults as larch: kmin 0, kmax 20, kweight 2, dk 1, kaiser,
 * nfft 2048, rmax_out 10.
 */
export function xftf(k: ArrayLike<number>, chi: ArrayLike<number>, options: XftfOptions = {}): XftfResult {
  if (k.length !== chi.length || k.length < 2) throw new SpecmapError('SHAPE', `xftf: ${k.length} k values and ${chi.length} χ values (need ≥ 2 of each)`);
  for (let i = 0; i < k.length; i++) {
    if (!Number.isFinite(k[i]) || !Number.isFinite(chi[i])) throw new SpecmapError('NAN', `xftf: non-finite value at point ${i}`);
  }
  const kmin = options.kmin ?? 0;
  const kmax = options.kmax ?? 20;
  const kweight = Math.trunc(options.kweight ?? 2);
  const dk = options.dk ?? 1;
  const dk2 = options.dk2 ?? dk;
  const window = options.window ?? 'kaiser';
  windowKey(window);
  const nfft = options.nfft ?? 2048;
  const kstep = options.kstep ?? k[1] - k[0];
  if (!(kstep > 0)) throw new SpecmapError('USAGE', `xftf: kstep must be > 0, got ${kstep}`);
  const rmaxOut = options.rmaxOut ?? 10;
  let kmaxData = -Infinity;
  for (let i = 0; i < k.length; i++) kmaxData = Math.max(kmaxData, k[i]);
  const npts = Math.trunc(1.01 + kmaxData / kstep);
  const kMax = Math.max(kmaxData, kmax + dk2);
  const nk = Math.trunc(1.01 + kMax / kstep);
  const kg = Float64Array.from({ length: nk }, (_, i) => kstep * i);
  const chiG = npInterp(kg, k, chi);
  const win = ftwindow(kg, { xmin: kmin, xmax: kmax, dx: dk, dx2: dk2, window });
  const kk = kg.slice(0, npts);
  const chiK = chiG.slice(0, npts);
  const weighted = Float64Array.from(kk, (v, i) => chiK[i] * Math.pow(v, kweight));
  const kwin = win.slice(0, npts);
  const prod = Float64Array.from(weighted, (v, i) => v * kwin[i]);
  const { re, im } = xftfFast(prod, nfft, kstep);
  const rstep = Math.PI / (kstep * nfft);
  const irmax = Math.trunc(Math.min(nfft / 2, 1.01 + rmaxOut / rstep));
  const r = Float64Array.from({ length: irmax }, (_, j) => rstep * j);
  const mag = Float64Array.from({ length: irmax }, (_, j) => Math.hypot(re[j], im[j]));
  return {
    r,
    re: re.slice(0, irmax),
    im: im.slice(0, irmax),
    mag,
    kwin,
    k: kk,
    chi: chiK,
    chiWeighted: weighted,
    parameters: { kmin, kmax, kweight, dk, dk2, window, nfft, kstep, rmaxOut },
  };
}

/** R of the largest |χ̃(R)| within [rlo, rhi], and its parabolic refinement between grid points. */
export function peakR(r: ArrayLike<number>, mag: ArrayLike<number>, rlo = 0, rhi = Infinity): { index: number; r: number; value: number; rRefined: number } {
  let best = -1;
  for (let j = 0; j < r.length; j++) {
    if (r[j] < rlo || r[j] > rhi) continue;
    if (best < 0 || mag[j] > mag[best]) best = j;
  }
  if (best < 0) throw new SpecmapError('USAGE', `no R points in [${rlo}, ${rhi}]`);
  let rRefined = r[best];
  if (best > 0 && best < r.length - 1) {
    const a = mag[best - 1];
    const b = mag[best];
    const c = mag[best + 1];
    const den = a - 2 * b + c;
    if (den !== 0) rRefined = r[best] + (0.5 * (a - c) / den) * (r[best + 1] - r[best]);
  }
  return { index: best, r: r[best], value: mag[best], rRefined };
}
