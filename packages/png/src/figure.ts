/**
 * renderResultPng: one static figure of an AnalysisResult.
 *
 *   ┌ title: method, k, size, energies ────────────────────────────┐
 *   │ c0 [map][bar]   c1 [map][bar]   ... (≤ 4 per row)            │
 *   │ component spectra vs energy (eV), legend, dashed references  │
 *   └ footnote: contrast rule, warnings ──────────────────────────┘
 */
import { SpecmapError, type AnalysisResult } from '@specmap/core';
import { colormap, colormapInto, type ColormapName, type RGB } from './colormap';
import { encodePng } from './png';
import { Raster, type Color } from './raster';
import { textWidth } from './font';

export interface RenderOptions {
  /**
   * Pixel scale of the weight maps (screen pixels per map pixel). Default:
   * the largest integer that keeps the longer side ≤ 250 px (a 125×125 map
   * becomes 250×250), or a fractional down-scale for maps larger than 250.
   */
  scale?: number;
  /** Integer scale of the 5×7 bitmap font (default 2). */
  fontScale?: number;
  /** Maximum number of maps per row (default 4). */
  mapsPerRow?: number;
}

/** Colours of components c0, c1, ... (matplotlib tab10 without its gray, which is kept for references). */
export const COMPONENT_COLORS: readonly RGB[] = [
  [0x1f, 0x77, 0xb4],
  [0xff, 0x7f, 0x0e],
  [0x2c, 0xa0, 0x2c],
  [0xd6, 0x27, 0x28],
  [0x94, 0x67, 0xbd],
  [0x8c, 0x56, 0x4b],
  [0xe3, 0x77, 0xc2],
  [0xbc, 0xbd, 0x22],
  [0x17, 0xbe, 0xcf],
];

/** Colour of component `i` (cycles through COMPONENT_COLORS). */
export function componentColor(i: number): RGB {
  const c = COMPONENT_COLORS[i % COMPONENT_COLORS.length];
  return [c[0], c[1], c[2]];
}

const BLACK: Color = [0, 0, 0];
const TEXT: Color = [34, 34, 34];
const MUTED: Color = [100, 100, 100];
const AXIS: Color = [60, 60, 60];
const GRID: Color = [228, 228, 228];
const REF_GRAY: Color = [128, 128, 128];
const NAN_COLOR: RGB = [205, 205, 205];
const WARN: Color = [176, 84, 0];

/** Percentile p (0–100) of the finite values, linear interpolation between order statistics (numpy's default). */
export function percentile(values: ArrayLike<number>, p: number): number {
  return finitePercentiles(values, 0, 1, values.length, [p])[0];
}

/**
 * Percentiles ps (0–100) of the finite values among values[start + i·stride],
 * i < count (NaN when there are none): for each, x = p/100·(n−1) and
 * v[⌊x⌋] + (v[⌊x⌋+1] − v[⌊x⌋])·frac(x) of the n values v sorted increasingly
 * (as Float64Array's sort orders them, -0 before +0): the same values as
 * sorting them all, from the few order statistics needed (a 256×256 map:
 * ~6 ms for the sort; the tails ~1 ms, ~5 ms in a first, unoptimised call).
 */
function finitePercentiles(values: ArrayLike<number>, start: number, stride: number, count: number, ps: readonly number[]): number[] {
  return tailPercentiles(values, start, stride, count, ps) ?? selectPercentiles(values, start, stride, count, ps);
}

/** The percentiles of finitePercentiles given the order statistics `stat` (rank → value) of n values. */
function interpolateRanks(ps: readonly number[], n: number, stat: (rank: number) => number): number[] {
  return ps.map((p) => {
    if (n === 0) return NaN;
    const x = (Math.min(100, Math.max(0, p)) / 100) * (n - 1);
    const i = Math.floor(x);
    const a = stat(i);
    return i + 1 < n ? a + (stat(i + 1) - a) * (x - i) : a;
  });
}

/**
 * finitePercentiles of many values from their tails, by one pass and small
 * sorts (map contrast takes percentiles 1 and 99). A sorted sample of 1024
 * values (spread by the golden ratio, so that no image column dominates)
 * gives a threshold `low` above the order statistics of the percentiles
 * below 50 and `high` under those of the others, with a margin of 4 standard
 * deviations of the sample quantile and more. One pass counts the finite
 * values and the ties at each threshold (-0 apart: sorted, the -0s come
 * first) and copies the values below `low` and above `high`; sorted, with
 * the ties, they are the sorted values' first and last runs. Null for fewer
 * than 16384 values, or when a wanted rank is outside its run or a copy
 * overflows (a sample unlike the whole): the caller then selects.
 * Exported for tests (not re-exported by the package).
 */
export function tailPercentiles(values: ArrayLike<number>, start: number, stride: number, count: number, ps: readonly number[]): number[] | null {
  const SAMPLE = 1024;
  if (count < 16 * SAMPLE) return null;
  const sample = new Float64Array(SAMPLE);
  let s = 0;
  for (let i = 0; i < SAMPLE; i++) {
    const x = values[start + Math.floor(((i * 0.6180339887498949) % 1) * count) * stride];
    if (Number.isFinite(x)) sample[s++] = x;
  }
  if (s < SAMPLE / 2) return null;
  const sorted = sample.subarray(0, s).sort();
  // Sample ranks bounding the wanted ones, with the margin.
  let lowRank = -1;
  let highRank = s;
  for (const p of ps) {
    const q = Math.min(100, Math.max(0, p)) / 100;
    const margin = 4 * Math.sqrt(s * q * (1 - q)) + 8;
    if (q < 0.5) lowRank = Math.max(lowRank, Math.ceil(q * (s - 1) + margin));
    else highRank = Math.min(highRank, Math.floor(q * (s - 1) - margin));
  }
  const low = lowRank < 0 ? -Infinity : lowRank >= s ? Infinity : sorted[lowRank];
  const high = highRank >= s ? Infinity : highRank < 0 ? -Infinity : sorted[highRank];
  // Room for twice the share of the values the sample puts in each run.
  const lows = new Float64Array(lowRank < 0 ? 0 : Math.ceil((2 * count * (lowRank + 1)) / s) + 64);
  const highs = new Float64Array(highRank >= s ? 0 : Math.ceil((2 * count * (s - highRank)) / s) + 64);
  let n = 0;
  let nl = 0;
  let nh = 0;
  let lowNeg = 0; // ties at low that are -0, and the other ties
  let lowTies = 0;
  let highNeg = 0;
  let highTies = 0;
  for (let i = 0, j = start; i < count; i++, j += stride) {
    const x = values[j];
    if (!Number.isFinite(x)) continue;
    n++;
    if (x < low) {
      if (nl === lows.length) return null;
      lows[nl++] = x;
    } else if (x === low) {
      if (x === 0 && 1 / x < 0) lowNeg++;
      else lowTies++;
    }
    if (x > high) {
      if (nh === highs.length) return null;
      highs[nh++] = x;
    } else if (x === high) {
      if (x === 0 && 1 / x < 0) highNeg++;
      else highTies++;
    }
  }
  const lowRun = lows.subarray(0, nl).sort();
  const highRun = highs.subarray(0, nh).sort();
  const l = low === 0 ? 0 : low; // ties of ±0 that are not -0 are +0
  const h = high === 0 ? 0 : high;
  const highStart = n - (highNeg + highTies + nh);
  // The value of rank r, or NaN when neither run holds it.
  const stat = (r: number): number => {
    if (r < nl) return lowRun[r];
    if (r < nl + lowNeg) return -0;
    if (r < nl + lowNeg + lowTies) return l;
    if ((r -= highStart) < 0) return NaN;
    if (r < highNeg) return -0;
    if (r < highNeg + highTies) return h;
    return highRun[r - highNeg - highTies];
  };
  const out = interpolateRanks(ps, n, stat);
  // A rank outside both runs gives NaN (n > 0 here: the sample found finite values).
  return out.some(Number.isNaN) ? null : out;
}

/**
 * finitePercentiles by selection (Floyd–Rivest) on a copy of the finite
 * values: linear time for any input.
 */
function selectPercentiles(values: ArrayLike<number>, start: number, stride: number, count: number, ps: readonly number[]): number[] {
  const v = new Float64Array(count);
  // -0 is stored as +0 so that < orders the copy totally; the sorted values
  // would be the negatives, then the -0s, then the +0s, so rank r holds -0
  // when v[r] is zero and r < `below` (the number of negatives and -0s).
  let n = 0;
  let below = 0;
  for (let i = 0, j = start; i < count; i++, j += stride) {
    const x = values[j];
    if (!Number.isFinite(x)) continue;
    if (x < 0 || (x === 0 && 1 / x < 0)) below++;
    v[n++] = x === 0 ? 0 : x;
  }
  const ranks = [
    ...new Set(
      ps.flatMap((p) => {
        const i = Math.floor((Math.min(100, Math.max(0, p)) / 100) * (n - 1));
        return [i, i + 1];
      }),
    ),
  ]
    .filter((r) => r < n)
    .sort((a, b) => a - b);
  const stat = new Map<number, number>();
  let lo = 0;
  for (const r of ranks) {
    select(v, r, lo, n - 1);
    stat.set(r, v[r] === 0 && r < below ? -0 : v[r]);
    lo = r + 1; // everything after rank r is ≥ v[r]: the next (larger) rank lies there
  }
  return interpolateRanks(ps, n, (r) => stat.get(r)!);
}

/**
 * Reorder a[left..right] so that a[k] holds the value of rank k of that range
 * in increasing order, smaller-or-equal values before it and
 * larger-or-equal ones after it (Floyd and Rivest's SELECT, Comm. ACM 18(3),
 * 1975: partition around a[k] after recursing into a sample of the range that
 * brackets rank k). Values must be totally ordered by < (no NaN, no -0).
 * Linear time in practice; an input that keeps it from converging (more
 * passes than any real one takes) has its remaining range sorted instead.
 */
function select(a: Float64Array, k: number, left: number, right: number): void {
  let passes = 0;
  while (right > left) {
    if (++passes > 64) {
      a.subarray(left, right + 1).sort();
      return;
    }
    if (right - left > 600) {
      const n = right - left + 1;
      const m = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      select(a, k, Math.max(left, Math.floor(k - (m * s) / n + sd)), Math.min(right, Math.floor(k + ((n - m) * s) / n + sd)));
    }
    const t = a[k];
    let i = left;
    let j = right;
    swap(a, left, k);
    if (a[right] > t) swap(a, left, right);
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while (a[i] < t) i++;
      while (a[j] > t) j--;
    }
    if (a[left] === t) swap(a, left, j);
    else swap(a, ++j, right);
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * "Nice" tick positions covering [lo, hi]: the smallest step of the form
 * s·10ⁿ (s from `mantissas`) giving at most `maxTicks` ticks.
 */
export function niceTicks(
  lo: number,
  hi: number,
  maxTicks = 6,
  mantissas: readonly number[] = [1, 2, 2.5, 5],
): { ticks: number[]; step: number } {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return { ticks: [lo], step: 1 };
  const n = Math.max(2, Math.floor(maxTicks));
  const count = (step: number) => Math.floor(hi / step + 1e-9) - Math.ceil(lo / step - 1e-9) + 1;
  const base = Math.floor(Math.log10((hi - lo) / n)) - 1;
  let step = Math.pow(10, base + 3);
  search: for (let e = base; e <= base + 3; e++) {
    for (const s of [...mantissas].sort((a, b) => a - b)) {
      const st = s * Math.pow(10, e);
      if (count(st) <= n) {
        step = st;
        break search;
      }
    }
  }
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  for (let i = first; i <= last; i++) ticks.push(i === 0 ? 0 : Number((i * step).toPrecision(12)));
  return { ticks, step };
}

/** Tick label for value v on an axis with spacing `step` (as many decimals as the step needs). */
export function formatTick(v: number, step: number): string {
  if (!Number.isFinite(v)) return String(v);
  const av = Math.abs(v);
  const n = Math.floor(Math.log10(step) + 1e-9);
  const extra = Math.abs(step / Math.pow(10, n) - 2.5) < 1e-6 ? 1 : 0; // 2.5·10ⁿ needs one more digit
  if (av >= 1e5 || (av < 1e-3 && step < 1e-3)) {
    if (v === 0) return '0';
    const digits = Math.max(0, Math.min(12, Math.floor(Math.log10(av) + 1e-9) - n + extra));
    const [mant, exp] = v.toExponential(digits).split('e');
    return `${mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant}e${Number(exp)}`;
  }
  return v.toFixed(Math.max(0, Math.min(10, -n + extra)));
}

/** A value with 3 significant digits, exponent notation when very small or large ("1.23e-4"). */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const av = Math.abs(v);
  if (av >= 1e4 || av < 1e-2) {
    const [mant, exp] = v.toExponential(2).split('e');
    return `${mant.replace(/\.?0+$/, '')}e${Number(exp)}`;
  }
  return String(Number(v.toPrecision(3)));
}

function truncate(s: string, maxWidth: number, scale: number): string {
  if (textWidth(s, scale) <= maxWidth) return s;
  let t = s;
  while (t.length > 1 && textWidth(t + '..', scale) > maxWidth) t = t.slice(0, -1);
  return t + '..';
}

/** Replace characters the 5×7 font lacks (×, –, µ, …) with ASCII look-alikes. */
function ascii(s: string): string {
  return s
    .replace(/[×✕]/g, 'x')
    .replace(/[–—−]/g, '-')
    .replace(/µ/g, 'u')
    .replace(/…/g, '...')
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[^\x20-\x7e]/g, '?');
}

interface MapScaling {
  cmap: ColormapName;
  lo: number;
  hi: number;
  /** Colour-bar labels, top to bottom, at fractions (1 = top). */
  labels: { t: number; text: string }[];
}

/**
 * Contrast of a weight map: percentiles 1–99 of its finite values. PCA maps
 * are signed: the diverging map is centred on 0 with limit max(|p1|, |p99|).
 */
export function mapScaling(method: AnalysisResult['method'], values: ArrayLike<number>): MapScaling {
  const [p1, p99] = finitePercentiles(values, 0, 1, values.length, [1, 99]);
  return scalingOf(method, p1, p99);
}

/** The map scaling (see mapScaling) of component c of row-major n×k weights, read in place. */
function componentScaling(method: AnalysisResult['method'], weights: ArrayLike<number>, c: number, k: number, n: number): MapScaling {
  const [p1, p99] = finitePercentiles(weights, c, k, n, [1, 99]);
  return scalingOf(method, p1, p99);
}

/** mapScaling given the percentiles 1 and 99. */
function scalingOf(method: AnalysisResult['method'], p1: number, p99: number): MapScaling {
  if (!Number.isFinite(p1) || !Number.isFinite(p99)) {
    p1 = 0;
    p99 = 1;
  }
  if (method === 'pca') {
    let lim = Math.max(Math.abs(p1), Math.abs(p99));
    if (!(lim > 0)) lim = 1;
    return {
      cmap: 'diverging',
      lo: -lim,
      hi: lim,
      labels: [
        { t: 1, text: formatValue(lim) },
        { t: 0.5, text: '0' },
        { t: 0, text: formatValue(-lim) },
      ],
    };
  }
  let lo = p1;
  let hi = p99;
  if (!(hi > lo)) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 1e-3 : 1;
    lo -= d;
    hi += d;
  }
  return {
    cmap: 'viridis',
    lo,
    hi,
    labels: [
      { t: 1, text: formatValue(hi) },
      { t: 0, text: formatValue(lo) },
    ],
  };
}

/** Colour of one weight under a map scaling (NaN → light gray). */
export function weightColor(s: MapScaling, v: number): RGB {
  const t = (v - s.lo) / (s.hi - s.lo);
  return colormap(s.cmap, t) ?? NAN_COLOR;
}

/**
 * Draw component c of the weights (n×k, row-major pixels) as a w×h map into
 * `img` at (x, y), nearest-neighbour scaled to dw×dh, opaque; the same pixels
 * as colouring every weight with weightColor and Raster.drawImage, but
 * colouring only the sampled weights and allocating nothing per pixel (a
 * 600×500 map is 300,000 weights; the figure's memory stays at the raster).
 */
function drawMap(img: Raster, weights: ArrayLike<number>, k: number, c: number, w: number, h: number, s: MapScaling, x: number, y: number, dw: number, dh: number): void {
  const d = img.data;
  const W = img.width;
  const { cmap, lo } = s;
  const span = s.hi - lo;
  // Target columns i0..i1-1 are inside the raster; src[i] = offset of their weight in a row of `weights`.
  const i0 = Math.max(0, -x);
  const i1 = Math.min(dw, W - x);
  const src = new Int32Array(Math.max(0, dw));
  for (let i = i0; i < i1; i++) src[i] = Math.min(w - 1, Math.floor((i * w) / dw)) * k + c;
  const rgb = new Uint8Array(3);
  let prevSy = -1;
  let prevRow = 0;
  for (let j = 0; j < dh; j++) {
    const sy = Math.min(h - 1, Math.floor((j * h) / dh));
    const ty = y + j;
    if (ty < 0 || ty >= img.height || i1 <= i0) continue;
    const rowStart = (ty * W + x + i0) * 4;
    // Up-scaled maps repeat source rows: copy the row drawn from the same weights.
    if (sy === prevSy) {
      d.copyWithin(rowStart, prevRow, prevRow + (i1 - i0) * 4);
      continue;
    }
    prevSy = sy;
    prevRow = rowStart;
    const base = sy * w * k;
    for (let i = i0, o = rowStart; i < i1; i++, o += 4) {
      if (colormapInto(cmap, (weights[base + src[i]] - lo) / span, rgb, 0)) {
        d[o] = rgb[0];
        d[o + 1] = rgb[1];
        d[o + 2] = rgb[2];
      } else {
        d[o] = NAN_COLOR[0];
        d[o + 1] = NAN_COLOR[1];
        d[o + 2] = NAN_COLOR[2];
      }
      d[o + 3] = 255;
    }
  }
}

function checkResult(r: AnalysisResult): number {
  const m = r.energies?.length ?? 0;
  if (!Number.isInteger(r.k) || r.k < 1) throw new SpecmapError('K_RANGE', `cannot draw a result with k = ${r.k}`);
  if (!Number.isInteger(r.width) || !Number.isInteger(r.height) || r.width < 1 || r.height < 1) {
    throw new SpecmapError('SHAPE', `cannot draw a ${r.width}×${r.height} map`);
  }
  if (m < 1) throw new SpecmapError('SHAPE', 'cannot draw a result with no energies');
  if (r.weights.length !== r.width * r.height * r.k) {
    throw new SpecmapError('SHAPE', `weights have ${r.weights.length} values, ${r.width}×${r.height}×${r.k} expected`);
  }
  if (r.components.length !== r.k * m) throw new SpecmapError('SHAPE', `components have ${r.components.length} values, ${r.k}×${m} expected`);
  return m;
}

/** Default map scale: see RenderOptions.scale. */
export function defaultMapScale(width: number, height: number): number {
  const longest = Math.max(width, height);
  return longest <= 250 ? Math.max(1, Math.floor(250 / longest)) : 250 / longest;
}

/** A rectangle in figure pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where things were drawn (for tests and for image maps). */
export interface FigureLayout {
  /** The weight map of each component (inside its frame). */
  maps: Box[];
  /** The colour bar of each component. */
  colorbars: Box[];
  /** The spectra plot area (inside its frame). */
  plot: Box;
  /** Map pixels per data pixel. */
  mapScale: number;
}

/** Draw the figure into a Raster (renderResultPng encodes it). */
export function renderResultRaster(r: AnalysisResult, options: RenderOptions = {}): Raster {
  return renderFigure(r, options).raster;
}

/** Draw the figure; returns the raster and the layout of its parts. */
export function renderFigure(r: AnalysisResult, options: RenderOptions = {}): { raster: Raster; layout: FigureLayout } {
  const m = checkResult(r);
  const { k, width: w, height: h } = r;
  const fs = Math.max(1, Math.round(options.fontScale ?? 2));
  const scale = options.scale ?? defaultMapScale(w, h);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new SpecmapError('ARG', `invalid map scale ${options.scale}`);
  const perRow = Math.max(1, Math.floor(options.mapsPerRow ?? 4));
  const lineH = 7 * fs;
  const pad = 8 * fs;
  const mapW = Math.max(1, Math.round(w * scale));
  const mapH = Math.max(1, Math.round(h * scale));

  // ---- per-component map scalings and labels
  const scalings: MapScaling[] = [];
  for (let c = 0; c < k; c++) scalings.push(componentScaling(r.method, r.weights, c, k, w * h));
  const refs = r.references?.spectra ?? [];
  const nRefs = refs.length;
  const subtitles: string[] = [];
  for (let c = 0; c < k; c++) {
    const parts: string[] = [];
    const evr = r.explainedVarianceRatio?.[c];
    if (evr !== undefined && Number.isFinite(evr)) parts.push(`${(evr * 100).toFixed(1)}% var`);
    if (nRefs > 0 && r.references && r.references.pearson.length === k * nRefs) {
      let best = 0;
      for (let j = 1; j < nRefs; j++) if (r.references.pearson[c * nRefs + j] > r.references.pearson[c * nRefs + best]) best = j;
      parts.push(`r=${r.references.pearson[c * nRefs + best].toFixed(2)} ${refs[best].name}`);
    }
    subtitles.push(ascii(parts.join(', ')));
  }
  const hasSub = subtitles.some((s) => s.length > 0);

  // ---- layout
  const barGap = 4 * fs;
  const barW = 7 * fs;
  const tickLen = 2 * fs;
  const barLabelW = Math.max(...scalings.flatMap((s) => s.labels.map((l) => textWidth(l.text, fs))));
  const panelW = mapW + barGap + barW + tickLen + 2 * fs + barLabelW;
  const panelGap = 10 * fs;
  const cols = Math.min(k, perRow);
  const rows = Math.ceil(k / perRow);
  const titleH = lineH + 4 * fs;
  const panelHeadH = lineH + 3 * fs + (hasSub ? lineH + 3 * fs : 0);
  const panelH = panelHeadH + mapH;
  const rowGap = 8 * fs;

  // spectra plot: y range (components and scaled references) and ticks first, for the left margin
  const plotH = Math.max(140 * fs, Math.min(180 * fs, Math.round(mapH * 0.9)));
  let ylo = Infinity;
  let yhi = -Infinity;
  for (let i = 0; i < k * m; i++) {
    const v = r.components[i];
    if (Number.isFinite(v)) {
      ylo = Math.min(ylo, v);
      yhi = Math.max(yhi, v);
    }
  }
  if (!Number.isFinite(ylo)) {
    ylo = 0;
    yhi = 1;
  }
  // References, each scaled so its maximum equals the components' maximum.
  const target = yhi > 0 ? yhi : Math.max(Math.abs(ylo), Math.abs(yhi)) || 1;
  const refCurves: { name: string; values: Float64Array }[] = [];
  for (const ref of refs) {
    let mx = -Infinity;
    for (let e = 0; e < ref.values.length; e++) if (Number.isFinite(ref.values[e])) mx = Math.max(mx, ref.values[e]);
    const f = mx > 0 ? target / mx : 1;
    const v = new Float64Array(m);
    for (let e = 0; e < m; e++) {
      v[e] = (ref.values[e] ?? NaN) * f;
      if (Number.isFinite(v[e])) {
        ylo = Math.min(ylo, v[e]);
        yhi = Math.max(yhi, v[e]);
      }
    }
    refCurves.push({ name: ref.name, values: v });
  }
  if (!(yhi > ylo)) {
    const d = Math.abs(ylo) > 0 ? Math.abs(ylo) * 0.1 : 1;
    ylo -= d;
    yhi += d;
  }
  const ypad = (yhi - ylo) * 0.06;
  ylo -= ypad;
  yhi += ypad;
  const yt = niceTicks(ylo, yhi, Math.max(3, Math.floor(plotH / (28 * fs))));
  const yLabels = yt.ticks.map((t) => formatTick(t, yt.step));
  const maxYLabel = Math.max(...yLabels.map((l) => textWidth(l, fs)));
  const plotLeft = pad + lineH + 2 * fs /* descenders */ + 5 * fs + maxYLabel + 2 * fs + tickLen;
  const minPlotW = 300 * fs;
  const mapsW = pad * 2 + cols * panelW + (cols - 1) * panelGap;
  const figW = Math.max(mapsW, plotLeft + minPlotW + pad + 3 * 6 * fs);
  const plotTitleH = lineH + 4 * fs;
  const xAxisH = tickLen + 3 * fs + lineH + 5 * fs + lineH;
  const warnings = r.warnings ?? [];
  const footLines = 1 + Math.min(warnings.length, 3);
  const footH = footLines * (lineH + 3 * fs);

  const mapsTop = pad + titleH;
  const plotTop = mapsTop + rows * panelH + (rows - 1) * rowGap + 10 * fs + plotTitleH;
  const figH = plotTop + plotH + xAxisH + 6 * fs + footH + pad;
  const img = new Raster(figW, figH, [255, 255, 255, 255]);

  // ---- title
  const e0 = Math.min(r.energies[0], r.energies[m - 1]);
  const e1 = Math.max(r.energies[0], r.energies[m - 1]);
  const title = `${r.method.toUpperCase()}  k=${k}  ${w}x${h} px  ${m} energies (${formatTick(e0, 0.1)}-${formatTick(e1, 0.1)} eV)`;
  img.text(pad, pad, truncate(title, figW - 2 * pad, fs), BLACK, { scale: fs });

  // ---- weight maps
  const layout: FigureLayout = { maps: [], colorbars: [], plot: { x: 0, y: 0, width: 0, height: 0 }, mapScale: scale };
  for (let c = 0; c < k; c++) {
    const s = scalings[c];
    const px0 = pad + (c % perRow) * (panelW + panelGap);
    const py0 = mapsTop + Math.floor(c / perRow) * (panelH + rowGap);
    img.text(px0, py0, `c${c}`, componentColor(c), { scale: fs });
    if (hasSub) img.text(px0, py0 + lineH + 3 * fs, truncate(subtitles[c], panelW, fs), MUTED, { scale: fs });
    const my = py0 + panelHeadH;
    drawMap(img, r.weights, k, c, w, h, s, px0, my, mapW, mapH);
    layout.maps.push({ x: px0, y: my, width: mapW, height: mapH });
    layout.colorbars.push({ x: px0 + mapW + barGap, y: my, width: barW, height: mapH });
    img.strokeRect(px0 - 1, my - 1, mapW + 2, mapH + 2, AXIS);
    // colour bar: top = hi
    const bx = px0 + mapW + barGap;
    for (let j = 0; j < mapH; j++) {
      const t = mapH > 1 ? 1 - j / (mapH - 1) : 0.5;
      const rgb = colormap(s.cmap, t)!;
      img.fillRect(bx, my + j, barW, 1, rgb);
    }
    img.strokeRect(bx - 1, my - 1, barW + 2, mapH + 2, AXIS);
    for (const l of s.labels) {
      const ly = my + Math.round((1 - l.t) * (mapH - 1));
      img.fillRect(bx + barW + 1, ly, tickLen, 1, AXIS);
      const baseline = l.t === 1 ? 'top' : l.t === 0 ? 'bottom' : 'middle';
      img.text(bx + barW + 1 + tickLen + 2 * fs, l.t === 1 ? ly - 1 : l.t === 0 ? ly + 2 : ly, l.text, TEXT, { scale: fs, baseline });
    }
  }

  // ---- spectra plot
  const plotRight = figW - pad - 3 * 6 * fs; // room for half of the last x tick label
  const plotW = plotRight - plotLeft;
  layout.plot = { x: plotLeft, y: plotTop, width: plotW, height: plotH };
  img.text(plotLeft, plotTop - plotTitleH, 'Component spectra', BLACK, { scale: fs });
  let xlo = e0;
  let xhi = e1;
  if (!(xhi > xlo)) {
    xlo -= 0.5;
    xhi += 0.5;
  }
  const X = (e: number) => plotLeft + ((e - xlo) / (xhi - xlo)) * plotW;
  const Y = (v: number) => plotTop + plotH - ((v - ylo) / (yhi - ylo)) * plotH;

  const xLabelW = Math.max(textWidth(formatTick(xlo, 1), fs), textWidth(formatTick(xhi, 1), fs));
  const xt = niceTicks(xlo, xhi, Math.max(3, Math.floor(plotW / (xLabelW + 12 * fs))), [1, 2, 5]);
  for (const t of xt.ticks) img.fillRect(Math.round(X(t)), plotTop, 1, plotH, GRID);
  for (const t of yt.ticks) img.fillRect(plotLeft, Math.round(Y(t)), plotW, 1, GRID);
  if (ylo < 0 && yhi > 0) img.fillRect(plotLeft, Math.round(Y(0)), plotW, 1, [170, 170, 170]);
  img.strokeRect(plotLeft, plotTop, plotW + 1, plotH + 1, AXIS);
  for (const t of xt.ticks) {
    const x = Math.round(X(t));
    img.fillRect(x, plotTop + plotH + 1, 1, tickLen, AXIS);
    img.text(x, plotTop + plotH + 1 + tickLen + 3 * fs, formatTick(t, xt.step), TEXT, { scale: fs, align: 'center' });
  }
  yt.ticks.forEach((t, i) => {
    const y = Math.round(Y(t));
    img.fillRect(plotLeft - tickLen, y, tickLen, 1, AXIS);
    img.text(plotLeft - tickLen - 2 * fs, y, yLabels[i], TEXT, { scale: fs, align: 'right', baseline: 'middle' });
  });
  img.text(plotLeft + plotW / 2, plotTop + plotH + xAxisH, 'Energy (eV)', TEXT, { scale: fs, align: 'center', baseline: 'bottom' });
  const yLabelX = pad;
  img.text(yLabelX, plotTop + plotH / 2, r.method === 'pca' ? 'Loading' : 'Intensity (a.u.)', TEXT, {
    scale: fs,
    rotate: true,
    align: 'center',
  });

  // curves: references first (underneath), then components
  const pts = new Float64Array(2 * m);
  const curve = (values: ArrayLike<number>, offset: number) => {
    for (let j = 0; j < m; j++) {
      const v = values[offset + j];
      pts[2 * j] = X(r.energies[j]);
      pts[2 * j + 1] = Number.isFinite(v) ? Y(v) : NaN;
    }
    return pts;
  };
  for (const rc of refCurves) img.polyline(curve(rc.values, 0), REF_GRAY, { width: 1.2 * fs, dash: [5 * fs, 3 * fs] });
  for (let c = 0; c < k; c++) img.polyline(curve(r.components, c * m), componentColor(c), { width: fs, dash: undefined });

  // legend, top right inside the plot
  const entries: { label: string; color: Color; dashed: boolean }[] = [];
  for (let c = 0; c < k; c++) entries.push({ label: `c${c}`, color: componentColor(c), dashed: false });
  for (const rc of refCurves) entries.push({ label: truncate(ascii(`${rc.name} (ref, scaled)`), plotW / 2, fs), color: REF_GRAY, dashed: true });
  const swatch = 12 * fs;
  const rowH = lineH + 4 * fs;
  const legW = 3 * fs + swatch + 3 * fs + Math.max(...entries.map((e) => textWidth(e.label, fs))) + 3 * fs;
  const legH = entries.length * rowH + 3 * fs;
  const lx = plotLeft + plotW - legW - 4 * fs;
  const ly = plotTop + 4 * fs;
  img.fillRect(lx, ly, legW, legH, [255, 255, 255, 225]);
  img.strokeRect(lx, ly, legW, legH, [200, 200, 200]);
  entries.forEach((e, i) => {
    const cy = ly + 3 * fs + i * rowH + lineH / 2;
    const x0 = lx + 3 * fs;
    if (e.dashed) img.line(x0, cy, x0 + swatch, cy, e.color, { width: 1.2 * fs, dash: [3 * fs, 2 * fs] });
    else img.line(x0, cy, x0 + swatch, cy, e.color, { width: fs });
    img.text(x0 + swatch + 3 * fs, cy, e.label, TEXT, { scale: fs, baseline: 'middle' });
  });

  // ---- footnote: contrast rule and warnings
  let fy = plotTop + plotH + xAxisH + 6 * fs;
  const rule =
    r.method === 'pca'
      ? 'Maps: (0,0) top left; centred on 0, range +-max(|p1|,|p99|).'
      : 'Maps: (0,0) top left; colour range = p1..p99 of each map.';
  img.text(pad, fy, truncate(rule, figW - 2 * pad, fs), MUTED, { scale: fs });
  fy += lineH + 3 * fs;
  for (let i = 0; i < Math.min(warnings.length, 3); i++) {
    const more = i === 2 && warnings.length > 3 ? ` (+${warnings.length - 3} more)` : '';
    img.text(pad, fy, truncate(ascii(`Warning: ${warnings[i]}`) + more, figW - 2 * pad, fs), WARN, { scale: fs });
    fy += lineH + 3 * fs;
  }
  return { raster: img, layout };
}

/** The figure of a result as PNG bytes (deterministic: same result → same bytes). */
export function renderResultPng(r: AnalysisResult, options: RenderOptions = {}): Uint8Array {
  const img = renderResultRaster(r, options);
  return encodePng(img.width, img.height, img.data, { text: { Software: 'specmap', Title: `${r.method} k=${r.k}` } });
}
