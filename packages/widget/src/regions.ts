/**
 * Regions of interest (rectangles and free-hand polygons in map-pixel
 * coordinates), their pixel masks and mean spectra; the selection mask as
 * NumPy .npy; CSV of spectra. Pure functions, unit-tested in Node.
 */
import type { AnalysisResult } from '@specmap/core';

export interface Region {
  name: string;
  kind: 'rect' | 'polygon';
  /** rect: two corners; polygon: ≥ 3 vertices (closed implicitly). Map-pixel coordinates, pixel (x, y) = [x, x+1)×[y, y+1). */
  points: [number, number][];
}

/** Colours of regions (distinct from the component colours' first entries, readable on viridis and white). */
export const REGION_COLORS = ['#ff2d95', '#00c8ff', '#ffb000', '#7cff4f', '#b388ff', '#ff6e40', '#ffffff', '#00e5a0'];

export function regionColor(i: number): string {
  return REGION_COLORS[i % REGION_COLORS.length];
}

/** 1 where the pixel's centre is inside the region (even–odd rule for polygons), else 0. */
export function regionMask(g: Region, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  if (g.kind === 'rect') {
    const [[ax, ay], [bx, by]] = g.points;
    const x0 = Math.max(0, Math.ceil(Math.min(ax, bx) - 0.5));
    const x1 = Math.min(width - 1, Math.floor(Math.max(ax, bx) - 0.5));
    const y0 = Math.max(0, Math.ceil(Math.min(ay, by) - 0.5));
    const y1 = Math.min(height - 1, Math.floor(Math.max(ay, by) - 0.5));
    for (let y = y0; y <= y1; y++) mask.fill(1, y * width + x0, x1 >= x0 ? y * width + x1 + 1 : y * width + x0);
    return mask;
  }
  const P = g.points;
  const n = P.length;
  // Scanline fill at pixel centres.
  const xs: number[] = [];
  for (let y = 0; y < height; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const [xi, yi] = P[i];
      const [xj, yj] = P[j];
      if (yi > cy !== yj > cy) xs.push(xi + ((cy - yi) / (yj - yi)) * (xj - xi));
    }
    if (xs.length < 2) continue;
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const x0 = Math.max(0, Math.ceil(xs[k] - 0.5));
      const x1 = Math.min(width - 1, Math.ceil(xs[k + 1] - 0.5) - 1); // half-open: a centre on the right edge is outside
      if (x1 >= x0) mask.fill(1, y * width + x0, y * width + x1 + 1);
    }
  }
  return mask;
}

export function maskCount(mask: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < mask.length; i++) c += mask[i] ? 1 : 0;
  return c;
}

export interface RegionMean {
  count: number;
  /** Mean over the region's pixels of their measured spectra (a binned pixel's value counts once per map pixel in it); null without measured spectra. */
  measured: Float64Array | null;
  /** Mean of the reconstructions, = (mean weights)·components (+ mean). */
  reconstruction: Float64Array;
  /** Mean weight of each component. */
  weights: Float64Array;
}

/** Mean (not sum) spectra of the pixels in `mask`. */
export function regionMean(r: AnalysisResult, mask: Uint8Array): RegionMean {
  const m = r.energies.length;
  const { k, width } = r;
  const wsum = new Float64Array(k);
  const wcnt = new Float64Array(k);
  const meas = r.measured ? new Float64Array(m) : null;
  const mcnt = r.measured ? new Float64Array(m) : null;
  let count = 0;
  const b = r.measured ? Math.max(1, Math.round(r.measured.binning)) : 1;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    count++;
    for (let j = 0; j < k; j++) {
      const w = r.weights[i * k + j];
      if (Number.isFinite(w)) {
        wsum[j] += w;
        wcnt[j]++;
      }
    }
    if (meas && mcnt && r.measured) {
      const x = i % width;
      const y = (i - x) / width;
      const bx = Math.min(r.measured.width - 1, Math.floor(x / b));
      const by = Math.min(r.measured.height - 1, Math.floor(y / b));
      const off = (by * r.measured.width + bx) * m;
      for (let e = 0; e < m; e++) {
        const v = r.measured.data[off + e];
        if (Number.isFinite(v)) {
          meas[e] += v;
          mcnt[e]++;
        }
      }
    }
  }
  const weights = new Float64Array(k);
  for (let j = 0; j < k; j++) weights[j] = wcnt[j] ? wsum[j] / wcnt[j] : NaN;
  const reconstruction = new Float64Array(m);
  if (r.mean) reconstruction.set(r.mean);
  for (let j = 0; j < k; j++) for (let e = 0; e < m; e++) reconstruction[e] += weights[j] * r.components[j * m + e];
  if (meas && mcnt) for (let e = 0; e < m; e++) meas[e] = mcnt[e] ? meas[e] / mcnt[e] : NaN;
  if (count === 0) reconstruction.fill(NaN);
  return { count, measured: meas, reconstruction, weights };
}

/** A NumPy .npy (format 1.0) of a uint8 array with the given C-order shape. */
export function npyBytes(data: Uint8Array, shape: number[]): Uint8Array {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pre = 10;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = header + ' '.repeat(total - pre - header.length - 1) + '\n';
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 255;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  out.set(data, total);
  return out;
}

/** CSV quoting of one field (RFC 4180); formula-leading characters get a quote prefix so spreadsheets do not evaluate them. */
export function csvField(s: string): string {
  let v = s;
  if (/^[=+\-@\t\r]/.test(v) && !/^-?\d/.test(v)) v = `'${v}`;
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV with an energy column and one column per series. */
export function spectraCsv(energies: ArrayLike<number>, series: { name: string; values: ArrayLike<number> }[]): string {
  const lines = [['energy_eV', ...series.map((s) => s.name)].map(csvField).join(',')];
  for (let e = 0; e < energies.length; e++) {
    const row = [String(energies[e])];
    for (const s of series) row.push(Number.isFinite(s.values[e]) ? String(s.values[e]) : '');
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}
