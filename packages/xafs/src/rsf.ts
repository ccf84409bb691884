/**
 * Radial structure functions |χ(R)| (no phase correction) of one spectrum, of
 * the mean spectrum of a region or cluster, and maps of |χ(R)| at chosen R
 * over a stack: μ(E) → pre_edge → autobk χ(k) → xftf.
 */
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { autobk, autobkPlan, autobkWithPlan, type AutobkResult } from './autobk';
import { xftf, type XftfResult } from './ft';
import { preEdge } from './preedge';
import { removeDups, sortSpectrum } from './util';
import { TINY_ENERGY } from './preedge';

export interface RsfOptions {
  /** autobk: R below which the background is fitted (Å). __Default:__ 1. */
  rbkg?: number;
  /** Edge energy (eV); found by find_e0 when absent. */
  e0?: number;
  /** k-weight of the Fourier transform. __Default:__ 2. */
  kweight?: number;
  /**
   * k-weight inside the autobk fit. __Default:__ the transform's `kweight`
   * (larch's `autobk` alone defaults to 1). With 1 under a k²
   * transform, oxides (Fe3O4, Fe2O3, FeO, γ-FeOOH with rbkg 1) keep a slow
   * high-k wiggle that shows as a spurious peak just above rbkg (≈ 1.05 Å),
   * larger than the Fe–O shell.
   */
  bkgKweight?: number;
  /** FT window range (Å⁻¹). __Default:__ 2 … 12 (clipped to the data). */
  kmin?: number;
  kmax?: number;
  /** FT window taper (Å⁻¹). __Default:__ 1. */
  dk?: number;
  /** FT window. __Default:__ 'hanning'. */
  window?: string;
  /** __Default:__ 0.05 Å⁻¹. */
  kstep?: number;
  /** __Default:__ 2048. */
  nfft?: number;
  /** __Default:__ 10 Å. */
  rmaxOut?: number;
}

export interface RsfResult {
  /** χ(k) on a uniform grid (from autobk, or the input χ). */
  k: Float64Array;
  chi: Float64Array;
  /** The transform: R, Re, Im, |χ(R)|, window, k^w χ. */
  ft: XftfResult;
  /** autobk details when the input was μ(E). */
  autobk?: AutobkResult;
  parameters: Record<string, unknown>;
  warnings: string[];
}

function ftOptions(o: RsfOptions, kmaxData: number, warnings: string[]): { kmin: number; kmax: number; kweight: number; dk: number; window: string; kstep: number; nfft: number; rmaxOut: number } {
  const kmin = o.kmin ?? 2;
  let kmax = o.kmax ?? 12;
  if (kmax > kmaxData) {
    warnings.push(`kmax ${kmax} Å⁻¹ is beyond the data (k ≤ ${kmaxData.toFixed(2)} Å⁻¹); the window uses the data's end`);
    kmax = Math.floor(kmaxData * 100) / 100;
  }
  if (!(kmax > kmin)) throw new SpecmapError('USAGE', `the FT window needs kmin < kmax (kmin ${kmin}, kmax ${kmax} Å⁻¹)`);
  return { kmin, kmax, kweight: o.kweight ?? 2, dk: o.dk ?? 1, window: o.window ?? 'hanning', kstep: o.kstep ?? 0.05, nfft: o.nfft ?? 2048, rmaxOut: o.rmaxOut ?? 10 };
}

/** The k-weight of the background fit: `bkgKweight`, else the transform's k-weight (2 by default). */
export function bkgKweightOf(o: RsfOptions): number {
  return o.bkgKweight ?? o.kweight ?? 2;
}

/** RSF of χ(k) given directly (e.g. a larch `.chi` file). */
export function rsfFromChi(k: ArrayLike<number>, chi: ArrayLike<number>, options: RsfOptions = {}): RsfResult {
  const warnings: string[] = [];
  let kmaxData = -Infinity;
  for (let i = 0; i < k.length; i++) kmaxData = Math.max(kmaxData, k[i]);
  const fo = ftOptions(options, kmaxData, warnings);
  const ft = xftf(k, chi, fo);
  return { k: Float64Array.from(k), chi: Float64Array.from(chi), ft, parameters: { input: 'chi(k)', ft: ft.parameters }, warnings };
}

/** RSF of one μ(E) spectrum: autobk (rbkg, e0) then xftf. */
export function rsfSpectrum(energies: ArrayLike<number>, mu: ArrayLike<number>, options: RsfOptions = {}): RsfResult {
  const warnings: string[] = [];
  const bk = autobk(energies, mu, { rbkg: options.rbkg ?? 1, e0: options.e0, kweight: bkgKweightOf(options), kstep: options.kstep ?? 0.05, nfft: options.nfft ?? 2048 });
  const fo = ftOptions(options, bk.kmax, warnings);
  const ft = xftf(bk.k, bk.chi, fo);
  return { k: bk.k, chi: bk.chi, ft, autobk: bk, parameters: { input: 'mu(E)', autobk: bk.parameters, ft: ft.parameters }, warnings };
}

/** Which pixels of a stack to average: a mask (1 = in), labels with the label to take, or a rectangle [x0, x1) × [y0, y1). */
export type RegionSelector =
  | { mask: Uint8Array }
  | { labels: ArrayLike<number>; label: number }
  | { x0: number; x1: number; y0: number; y1: number };

/** Mean spectrum of the selected pixels (and how many were averaged). */
export function regionMean(stack: SpectralStack, region: RegionSelector): { mean: Float64Array; count: number } {
  const { width, height, data } = stack;
  const m = stack.energies.length;
  const n = width * height;
  const sel = new Uint8Array(n);
  if ('mask' in region) {
    if (region.mask.length !== n) throw new SpecmapError('SHAPE', `mask has ${region.mask.length} pixels, the stack ${width}×${height} = ${n}`);
    for (let i = 0; i < n; i++) sel[i] = region.mask[i] ? 1 : 0;
  } else if ('labels' in region) {
    if (region.labels.length !== n) throw new SpecmapError('SHAPE', `labels have ${region.labels.length} pixels, the stack ${n}`);
    for (let i = 0; i < n; i++) sel[i] = region.labels[i] === region.label ? 1 : 0;
  } else {
    const { x0, x1, y0, y1 } = region;
    if (!(x0 >= 0 && x1 <= width && x0 < x1 && y0 >= 0 && y1 <= height && y0 < y1)) {
      throw new SpecmapError('REGION', `region x ${x0}:${x1}, y ${y0}:${y1} is empty or outside the ${width}×${height} image`);
    }
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sel[y * width + x] = 1;
  }
  if (stack.mask) for (let i = 0; i < n; i++) if (!stack.mask[i]) sel[i] = 0;
  const mean = new Float64Array(m);
  let count = 0;
  for (let p = 0; p < n; p++) {
    if (!sel[p]) continue;
    count++;
    for (let e = 0; e < m; e++) mean[e] += data[p * m + e];
  }
  if (count === 0) throw new SpecmapError('MASK', 'the region holds no pixels');
  for (let e = 0; e < m; e++) mean[e] /= count;
  return { mean, count };
}

/** RSF of the mean spectrum of a region (mask, cluster label or rectangle) of a μ(E) stack. */
export function rsfRegion(stack: SpectralStack, region: RegionSelector, options: RsfOptions = {}): RsfResult & { pixels: number; mean: Float64Array } {
  const { mean, count } = regionMean(stack, region);
  const r = rsfSpectrum(stack.energies, mean, options);
  return { ...r, pixels: count, mean, parameters: { ...r.parameters, pixels: count } };
}

/**
 * Maps of |χ(R)| at the chosen distances over a μ(E) stack. E0 and the
 * autobk knots come from the mean spectrum (one plan for every pixel); each
 * pixel gets its own edge step (pre_edge with that E0) and background fit.
 * Returns n×len(r) values (row-major, pixel-major), at the R grid points
 * nearest the requested distances. Masked-out pixels are NaN.
 */
export function rsfMaps(stack: SpectralStack, rValues: number[], options: RsfOptions = {}): { r: number[]; maps: Float32Array; e0: number; warnings: string[] } {
  if (rValues.length === 0) throw new SpecmapError('USAGE', 'rsfMaps: give at least one R value');
  const { width, height, data } = stack;
  const m = stack.energies.length;
  const n = width * height;
  const sorted = sortSpectrum(stack.energies, new Float64Array(m));
  const order = sorted.order;
  const energy = removeDups(sorted.e, TINY_ENERGY);
  const all = { x0: 0, x1: width, y0: 0, y1: height };
  const { mean } = regionMean(stack, all);
  const meanSorted = order ? Float64Array.from(order, (i) => mean[i]) : mean;
  const e0 = options.e0 ?? preEdge(energy, meanSorted).e0;
  const plan = autobkPlan(energy, e0, { rbkg: options.rbkg ?? 1, kweight: bkgKweightOf(options), kstep: options.kstep ?? 0.05, nfft: options.nfft ?? 2048 });
  const warnings: string[] = [];
  const fo = ftOptions(options, plan.kmax, warnings);
  const rstep = Math.PI / (fo.kstep * fo.nfft);
  const idx = rValues.map((r) => Math.round(r / rstep));
  const rOut = idx.map((j) => j * rstep);
  const maps = new Float32Array(n * rValues.length).fill(NaN);
  const y = new Float64Array(m);
  let failed = 0;
  for (let p = 0; p < n; p++) {
    if (stack.mask && !stack.mask[p]) continue;
    for (let e = 0; e < m; e++) y[e] = data[p * m + (order ? order[e] : e)];
    try {
      const step = preEdge(energy, y, { e0 }).edgeStep;
      const bk = autobkWithPlan(plan, y, step);
      const ft = xftf(bk.k, bk.chi, { ...fo, rmaxOut: Math.max(...rOut) + 1 });
      for (let q = 0; q < idx.length; q++) maps[p * idx.length + q] = ft.mag[idx[q]];
    } catch {
      failed++;
    }
  }
  if (failed > 0) warnings.push(`${failed} pixel(s) could not be processed (left NaN)`);
  return { r: rOut, maps, e0, warnings };
}
