/**
 * Pure computations behind the view (no DOM): contrast ranges, map images,
 * per-pixel reconstruction, measured-spectrum lookup and reference matching.
 * Everything here is unit-tested in Node.
 */
import type { AnalysisResult } from '@specmap/core';
import { colormap, type ColormapName } from './colormap';

/** What the view agrees to draw (larger results get a readable error instead of a frozen page). */
export const VIEW_LIMITS = { maxSide: 8192, maxPixels: 1 << 24, maxComponents: 64 };

/** Methods whose weights are signed scores (diverging colours, symmetric range). */
export function isSignedMethod(method: string): boolean {
  return method === 'pca' || method === 'ica';
}

/** Throws an Error naming the first inconsistency between the arrays and the declared shape. */
export function validateResult(r: AnalysisResult): void {
  const fail = (msg: string): never => {
    throw new Error(`specmap view: invalid result: ${msg}`);
  };
  if (typeof r.method !== 'string' || !r.method) fail('method must be a name');
  if (!(Number.isInteger(r.k) && r.k >= 1)) fail(`k must be a positive integer, got ${r.k}`);
  if (!(Number.isInteger(r.width) && r.width >= 1 && Number.isInteger(r.height) && r.height >= 1)) {
    fail(`width×height must be positive integers, got ${r.width}×${r.height}`);
  }
  const m = r.energies.length;
  if (m < 1) fail('no energies');
  for (let e = 0; e < m; e++) if (!Number.isFinite(r.energies[e])) fail(`energy ${e} is not a finite number`);
  if (r.width > VIEW_LIMITS.maxSide || r.height > VIEW_LIMITS.maxSide || r.width * r.height > VIEW_LIMITS.maxPixels) {
    fail(`the map is ${r.width}×${r.height} pixels; the view draws at most ${VIEW_LIMITS.maxSide} pixels a side and ${VIEW_LIMITS.maxPixels} pixels`);
  }
  if (r.k > VIEW_LIMITS.maxComponents) fail(`k = ${r.k} components; the view draws at most ${VIEW_LIMITS.maxComponents}`);
  const n = r.width * r.height;
  if (r.weights.length !== n * r.k) fail(`weights has ${r.weights.length} values, expected ${n}×${r.k} = ${n * r.k}`);
  if (r.components.length !== r.k * m) fail(`components has ${r.components.length} values, expected ${r.k}×${m} = ${r.k * m}`);
  if (r.mean && r.mean.length !== m) fail(`mean has ${r.mean.length} values, expected ${m}`);
  if (r.measured) {
    const { data, width, height, binning } = r.measured;
    if (!(binning >= 1)) fail(`measured.binning must be ≥ 1, got ${binning}`);
    if (data.length !== width * height * m) {
      fail(`measured has ${data.length} values, expected ${width}×${height}×${m} = ${width * height * m}`);
    }
  }
  if (r.embedding) {
    const { d, coords, progress } = r.embedding;
    if (!(Number.isInteger(d) && d >= 1)) fail(`embedding.d must be a positive integer, got ${d}`);
    if (coords.length !== n * d) fail(`embedding.coords has ${coords.length} values, expected ${n}×${d}`);
    if (progress && progress.length !== n) fail(`embedding.progress has ${progress.length} values, expected ${n}`);
  }
  if (r.labels && r.labels.length !== n) fail(`labels has ${r.labels.length} values, expected ${n}`);
  if (r.references) {
    const R = r.references.spectra.length;
    r.references.spectra.forEach((s) => {
      if (s.values.length !== m) fail(`reference "${s.name}" has ${s.values.length} values, expected ${m}`);
    });
    if (r.references.pearson.length !== r.k * R) {
      fail(`references.pearson has ${r.references.pearson.length} values, expected ${r.k}×${R}`);
    }
  }
}

/**
 * The p-th percentile (0–100) of the finite values, linear interpolation
 * between closest ranks (numpy's default). NaN when there is no finite value.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentiles(values, [p])[0];
}

/** Several percentiles with one sort. */
export function percentiles(values: ArrayLike<number>, ps: number[]): number[] {
  return percentilesOfSorted(sortedFinite(values), ps);
}

/**
 * The finite values, sorted ascending (a typed-array sort). With `maxSample`,
 * arrays longer than that are subsampled with a fixed stride first (plus the
 * exact minimum and maximum), which is what display contrast needs on large
 * maps: percentiles then have an error of about 1/maxSample in rank.
 */
export function sortedFinite(values: ArrayLike<number>, maxSample = Infinity): Float64Array {
  const len = values.length;
  const stride = len > maxSample ? Math.ceil(len / maxSample) : 1;
  const buf = new Float64Array(Math.ceil(len / stride) + 2);
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < len; i++) {
    const v = values[i];
    if (v - v !== 0) continue; // not finite
    if (v < min) min = v;
    if (v > max) max = v;
    if (i % stride === 0) buf[n++] = v;
  }
  if (stride > 1 && n > 0) {
    buf[n++] = min;
    buf[n++] = max;
  }
  return buf.subarray(0, n).sort();
}

/** Values kept for the display contrast of one map (see sortedFinite). */
export const CONTRAST_SAMPLE = 1 << 16;

/** Percentiles (0–100, numpy's linear interpolation) of an ascending array of finite values. */
export function percentilesOfSorted(sorted: ArrayLike<number>, ps: number[]): number[] {
  if (sorted.length === 0) return ps.map(() => NaN);
  const last = sorted.length - 1;
  return ps.map((p) => {
    const pos = (Math.min(100, Math.max(0, p)) / 100) * last;
    const lo = Math.floor(pos);
    const hi = Math.min(last, lo + 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  });
}

/** The weights of component j as a contiguous array of length n (pixel order). */
export function componentWeights(r: AnalysisResult, j: number): Float32Array {
  const n = r.width * r.height;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r.weights[i * r.k + j];
  return out;
}

export interface DisplayRange {
  /** Value drawn with the first colour. */
  lo: number;
  /** Value drawn with the last colour. */
  hi: number;
  /** Finite minimum and maximum of the data (NaN when none). */
  min: number;
  max: number;
  colormap: ColormapName;
}

/**
 * Contrast of one weight map: the 1st–99th percentile for NMF (viridis); for
 * PCA a range symmetric about 0, ±max(|p1|, |p99|), so that white is exactly 0.
 * Degenerate ranges (constant map) are widened so the colour is well defined.
 */
export function displayRange(
  values: ArrayLike<number>,
  method: AnalysisResult['method'],
  lowPct = 1,
  highPct = 99,
  colormapName?: ColormapName,
  presorted = false,
): DisplayRange {
  const [p1, p99, min, max] = presorted ? percentilesOfSorted(values, [lowPct, highPct, 0, 100]) : percentiles(values, [lowPct, highPct, 0, 100]);
  const signed = isSignedMethod(method);
  const cmap: ColormapName = colormapName ?? (signed ? 'diverging' : 'viridis');
  if (cmap === 'diverging') {
    let a = Math.max(Math.abs(p1), Math.abs(p99));
    if (!(a > 0)) a = Math.max(Math.abs(min), Math.abs(max)) || 1;
    return { lo: -a, hi: a, min, max, colormap: 'diverging' };
  }
  let lo = p1;
  let hi = p99;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = 0;
    hi = 1;
  } else if (!(hi > lo)) {
    // Constant (or nearly) map: centre the single value in a unit-ish range.
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.5 : 0.5;
    lo -= d;
    hi += d;
  }
  return { lo, hi, min, max, colormap: cmap };
}

/** Fraction in [0, 1] of v in the display range (clipped). */
export function normalize(v: number, range: Pick<DisplayRange, 'lo' | 'hi'>): number {
  const t = (v - range.lo) / (range.hi - range.lo);
  return t < 0 ? 0 : t > 1 ? 1 : t;
}

/** Non-finite weights are drawn with this (transparent grey checker is overkill). */
export const NAN_RGBA: [number, number, number, number] = [128, 128, 128, 255];

/** RGBA pixels (width×height, one per map pixel) of a weight map in its display range. */
export function mapRgba(values: ArrayLike<number>, range: DisplayRange): Uint8ClampedArray {
  const lut = colormap(range.colormap);
  const n = values.length;
  const out = new Uint8ClampedArray(n * 4);
  const span = range.hi - range.lo;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const o = i * 4;
    if (!Number.isFinite(v)) {
      out.set(NAN_RGBA, o);
      continue;
    }
    let t = (v - range.lo) / span;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    const li = Math.round(t * 255) * 3;
    out[o] = lut[li];
    out[o + 1] = lut[li + 1];
    out[o + 2] = lut[li + 2];
    out[o + 3] = 255;
  }
  return out;
}

/** Integer upscaling factor so that the longer side is about `target` CSS pixels (≥ 1). */
export function mapScale(width: number, height: number, target = 256): number {
  return Math.max(1, Math.round(target / Math.max(width, height)));
}

/** The k weights of pixel (x, y). */
export function pixelWeights(r: AnalysisResult, x: number, y: number): number[] {
  const base = (y * r.width + x) * r.k;
  return Array.from(r.weights.subarray(base, base + r.k));
}

export interface PixelModel {
  x: number;
  y: number;
  weights: number[];
  /** Σ_j w_j·c_j (+ mean for PCA), length m. */
  reconstruction: Float64Array;
  /** w_j·c_j for each component j. */
  contributions: Float64Array[];
  /** The measured spectrum of the (binned) pixel, when the result carries measured spectra. */
  measured: { values: Float32Array; bx: number; by: number; binning: number } | null;
  /** Root-mean-square of measured − reconstruction (only when measured is unbinned). */
  rmsResidual: number | null;
}

/** Maps a full-resolution map pixel to the pixel of the (possibly binned) measured spectra. */
export function measuredIndex(r: AnalysisResult, x: number, y: number): { bx: number; by: number } | null {
  if (!r.measured) return null;
  const b = Math.max(1, Math.round(r.measured.binning));
  const bx = Math.min(r.measured.width - 1, Math.floor(x / b));
  const by = Math.min(r.measured.height - 1, Math.floor(y / b));
  return { bx, by };
}

/** Everything the spectrum panel shows for pixel (x, y). */
export function pixelModel(r: AnalysisResult, x: number, y: number): PixelModel {
  if (!(x >= 0 && x < r.width && y >= 0 && y < r.height)) {
    throw new RangeError(`pixel (${x}, ${y}) outside the ${r.width}×${r.height} map`);
  }
  const m = r.energies.length;
  const weights = pixelWeights(r, x, y);
  const reconstruction = new Float64Array(m);
  if (r.mean) reconstruction.set(r.mean);
  const contributions: Float64Array[] = [];
  for (let j = 0; j < r.k; j++) {
    const c = new Float64Array(m);
    const w = weights[j];
    for (let e = 0; e < m; e++) {
      c[e] = w * r.components[j * m + e];
      reconstruction[e] += c[e];
    }
    contributions.push(c);
  }
  let measured: PixelModel['measured'] = null;
  let rmsResidual: number | null = null;
  const idx = measuredIndex(r, x, y);
  if (idx && r.measured) {
    const off = (idx.by * r.measured.width + idx.bx) * m;
    const values = r.measured.data.subarray(off, off + m);
    measured = { values, bx: idx.bx, by: idx.by, binning: r.measured.binning };
    if (r.measured.binning === 1) {
      let s = 0;
      let cnt = 0;
      for (let e = 0; e < m; e++) {
        const d = values[e] - reconstruction[e];
        if (Number.isFinite(d)) {
          s += d * d;
          cnt++;
        }
      }
      rmsResidual = cnt > 0 ? Math.sqrt(s / cnt) : null;
    }
  }
  return { x, y, weights, reconstruction, contributions, measured, rmsResidual };
}

/** values / max|values| (unchanged when all zero or non-finite). */
export function scaleToMax1(values: ArrayLike<number>): Float64Array {
  let a = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]);
    if (Number.isFinite(v) && v > a) a = v;
  }
  const out = Float64Array.from(values as ArrayLike<number>);
  if (a > 0) for (let i = 0; i < out.length; i++) out[i] /= a;
  return out;
}

/** Row j of the components matrix. */
export function componentSpectrum(r: AnalysisResult, j: number): Float64Array {
  const m = r.energies.length;
  return r.components.subarray(j * m, (j + 1) * m);
}

export interface ReferenceMatch {
  name: string;
  values: Float64Array;
  /** Component whose Pearson r with this reference is largest (|r| for PCA, whose signs are arbitrary). */
  component: number;
  r: number;
}

/** For each reference spectrum, its best-matching component and that Pearson r. */
export function referenceMatches(r: AnalysisResult): ReferenceMatch[] {
  if (!r.references) return [];
  const R = r.references.spectra.length;
  return r.references.spectra.map((ref, i) => {
    let best = -1;
    let bestScore = -Infinity;
    for (let j = 0; j < r.k; j++) {
      const p = r.references!.pearson[j * R + i];
      const score = isSignedMethod(r.method) ? Math.abs(p) : p;
      if (Number.isFinite(score) && score > bestScore) {
        bestScore = score;
        best = j;
      }
    }
    const pr = best >= 0 ? r.references!.pearson[best * R + i] : NaN;
    return { name: ref.name, values: ref.values, component: Math.max(0, best), r: pr };
  });
}

/** Compact, locale-independent number formatting for labels (3 significant digits). */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  let s: string;
  if (a >= 1e5 || a < 1e-3) {
    s = v.toExponential(digits - 1).replace(/\.?0+e/, 'e').replace('e+', 'e');
  } else if (a >= 10 ** digits) {
    s = String(Math.round(v));
  } else {
    s = v.toPrecision(digits);
    if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  }
  return s.replace(/-/g, '−');
}
