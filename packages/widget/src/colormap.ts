/**
 * Colour maps for weight maps, as 256-entry RGB lookup tables.
 *
 * - viridis (NMF, non-negative weights): perceptually uniform, colour-blind
 *   safe; matplotlib's 256-entry table.
 * - diverging blue–white–red (PCA, signed scores): ColorBrewer RdBu (11
 *   classes, reversed so negative = blue, positive = red), linearly
 *   interpolated; the middle entry (index 127.5, i.e. value 0) is the white.
 */

export type ColormapName = 'viridis' | 'diverging' | 'gray';

/** Colour maps offered in the view, in menu order. */
export const COLORMAP_NAMES: ColormapName[] = ['viridis', 'gray', 'diverging'];

/** 256×3 bytes, r,g,b per entry. */
export type Lut = Uint8ClampedArray;

// matplotlib's viridis table lives once, in @specmap/png (its leaf module has
// no imports, so it is safe in the browser bundle).
import { VIRIDIS } from '@specmap/png/dist/colormap';

/** ColorBrewer RdBu (11), from negative (dark blue) to positive (dark red). */
const RDBU_R = [
  '#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7',
  '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f',
];

function hexToRgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function viridisLut(): Lut {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) for (let c = 0; c < 3; c++) lut[i * 3 + c] = VIRIDIS[i][c];
  return lut;
}

function divergingLut(): Lut {
  const stops = RDBU_R.map(hexToRgb);
  const lut = new Uint8ClampedArray(256 * 3);
  const segs = stops.length - 1;
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * segs;
    const s = Math.min(segs - 1, Math.floor(t));
    const f = t - s;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(stops[s][c] * (1 - f) + stops[s + 1][c] * f);
  }
  return lut;
}

function grayLut(): Lut {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) lut[i * 3] = lut[i * 3 + 1] = lut[i * 3 + 2] = i;
  return lut;
}

const cache: Partial<Record<ColormapName, Lut>> = {};

/** The 256-entry lookup table of a colour map (cached). */
export function colormap(name: ColormapName): Lut {
  let lut = cache[name];
  if (!lut) {
    lut = name === 'viridis' ? viridisLut() : name === 'gray' ? grayLut() : divergingLut();
    cache[name] = lut;
  }
  return lut;
}

/** CSS `rgb()` of the colour at t ∈ [0, 1]. */
export function colorAt(name: ColormapName, t: number): string {
  const lut = colormap(name);
  const i = Math.round(Math.min(1, Math.max(0, t)) * 255) * 3;
  return `rgb(${lut[i]}, ${lut[i + 1]}, ${lut[i + 2]})`;
}

/** A CSS linear-gradient (left → right) showing the colour map, for colour bars. */
export function cssGradient(name: ColormapName, stops = 17): string {
  const parts: string[] = [];
  for (let s = 0; s < stops; s++) {
    const t = s / (stops - 1);
    parts.push(`${colorAt(name, t)} ${(t * 100).toFixed(1)}%`);
  }
  return `linear-gradient(to right, ${parts.join(', ')})`;
}

/**
 * Categorical colours of the components (Tableau 10, the vega default), used
 * for map titles and spectrum lines so that both views agree.
 */
export const COMPONENT_COLORS = [
  '#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b',
  '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac',
];

export function componentColor(j: number): string {
  return COMPONENT_COLORS[j % COMPONENT_COLORS.length];
}
