/**
 * Images other than single weight maps: the multivariate composite of up to
 * six components and the segmentation label map. Pure functions (no DOM).
 */
import type { AnalysisResult } from '@specmap/core';
import { COMPONENT_COLORS } from './colormap';
import type { DisplayRange } from './model';

export const COMPOSITE_MAX = 6;

/** Label colours (categorical); label -1 (unlabelled) is transparent. */
export const LABEL_COLORS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666', '#8dd3c7', '#fb8072'];

export function labelColor(l: number): string {
  return LABEL_COLORS[((l % LABEL_COLORS.length) + LABEL_COLORS.length) % LABEL_COLORS.length];
}

function rgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * The composite of components `comps` (≤ 6): each component has its colour
 * (the same as its spectrum line); t_j is its weight scaled to [0, 1] by its
 * display range (signed maps: the positive part, 0 → 0). A pixel's hue is the
 * t-weighted mean of the colours and its brightness max_j t_j, so a pure
 * component shows its own colour, mixtures blend, and empty pixels are black.
 */
export function compositeRgba(r: AnalysisResult, comps: number[], ranges: DisplayRange[]): Uint8ClampedArray {
  const n = r.width * r.height;
  const out = new Uint8ClampedArray(n * 4);
  const cs = comps.slice(0, COMPOSITE_MAX);
  const cols = cs.map((j) => rgb(COMPONENT_COLORS[j % COMPONENT_COLORS.length]));
  const lo = cs.map((j) => (ranges[j].colormap === 'diverging' ? 0 : ranges[j].lo));
  const span = cs.map((j, i) => ranges[j].hi - lo[i] || 1);
  const k = r.k;
  for (let p = 0; p < n; p++) {
    let sr = 0;
    let sg = 0;
    let sb = 0;
    let st = 0;
    let tmax = 0;
    for (let i = 0; i < cs.length; i++) {
      let t = (r.weights[p * k + cs[i]] - lo[i]) / span[i];
      if (!(t > 0)) continue;
      if (t > 1) t = 1;
      sr += t * cols[i][0];
      sg += t * cols[i][1];
      sb += t * cols[i][2];
      st += t;
      if (t > tmax) tmax = t;
    }
    const o = p * 4;
    out[o + 3] = 255;
    if (st > 0) {
      const f = tmax / st;
      out[o] = sr * f;
      out[o + 1] = sg * f;
      out[o + 2] = sb * f;
    }
  }
  return out;
}

/** RGBA of a label map and the number of pixels of each label (sorted by label). */
export function labelRgba(labels: Int32Array): { rgba: Uint8ClampedArray; counts: Map<number, number> } {
  const out = new Uint8ClampedArray(labels.length * 4);
  const counts = new Map<number, number>();
  const cache = new Map<number, [number, number, number]>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    counts.set(l, (counts.get(l) ?? 0) + 1);
    if (l < 0) continue;
    let c = cache.get(l);
    if (!c) cache.set(l, (c = rgb(labelColor(l))));
    const o = i * 4;
    out[o] = c[0];
    out[o + 1] = c[1];
    out[o + 2] = c[2];
    out[o + 3] = 255;
  }
  return { rgba: out, counts: new Map([...counts.entries()].sort((a, b) => a[0] - b[0])) };
}
