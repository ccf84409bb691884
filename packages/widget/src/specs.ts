/**
 * Vega-Lite v5 specifications (plain objects) of the two spectrum charts and
 * the rows they are fed with. Pure functions, unit-tested in Node.
 */
import type { AnalysisResult } from '@specmap/core';
import { componentColor } from './colormap';
import { componentSpectrum, fmt, isSignedMethod, referenceMatches, scaleToMax1, type PixelModel } from './model';

/** Name of the Vega dataset of each chart (used with view.data(name, rows)). */
export const COMPONENTS_DATA = 'components';
export const PIXEL_DATA = 'pixel';
export const REGIONS_DATA = 'regions';

export interface ChartTheme {
  /** Colour of the reconstruction line and other "ink" (follows the light/dark theme). */
  ink: string;
  /** Colour of the measured points. */
  measured: string;
  /** Colour of the PCA mean spectrum. */
  mean: string;
  font: string;
}

export const LIGHT_THEME: ChartTheme = { ink: '#1a1a1a', measured: '#7a7a7a', mean: '#9a9a9a', font: 'sans-serif' };
export const DARK_THEME: ChartTheme = { ink: '#f0f0f0', measured: '#a8a8a8', mean: '#8a8a8a', font: 'sans-serif' };

export interface SpectrumRow {
  energy: number;
  value: number;
  series: string;
  kind: string;
}

/** Legend label of component j. */
export function componentLabel(r: AnalysisResult, j: number): string {
  const evr = r.explainedVarianceRatio;
  const pct = r.method === 'pca' && evr && Number.isFinite(evr[j]) ? ` (${(evr[j] * 100).toFixed(1)} %)` : '';
  return `component ${j}${pct}`;
}

/** Legend label of a reference spectrum: its name and Pearson r against the best-matching component. */
export function referenceLabel(name: string, r: number, component: number): string {
  return `ref ${name}: r = ${Number.isFinite(r) ? r.toFixed(3) : 'n/a'} vs c${component}`;
}

/** Rows of the components chart: each component and each reference, scaled to max |value| = 1. */
export function componentRows(r: AnalysisResult): SpectrumRow[] {
  const rows: SpectrumRow[] = [];
  const E = r.energies;
  for (let j = 0; j < r.k; j++) {
    const s = scaleToMax1(componentSpectrum(r, j));
    const series = componentLabel(r, j);
    for (let e = 0; e < E.length; e++) if (Number.isFinite(s[e])) rows.push({ energy: E[e], value: s[e], series, kind: 'component' });
  }
  for (const ref of referenceMatches(r)) {
    const s = scaleToMax1(ref.values);
    const series = referenceLabel(ref.name, ref.r, ref.component);
    for (let e = 0; e < E.length; e++) if (Number.isFinite(s[e])) rows.push({ energy: E[e], value: s[e], series, kind: 'reference' });
  }
  return rows;
}

function baseConfig(theme: ChartTheme): Record<string, unknown> {
  return {
    font: theme.font,
    background: null,
    view: { stroke: null },
    axis: { titleFontWeight: 'normal', titleFontSize: 11, labelFontSize: 10, gridOpacity: 0.6 },
    legend: { labelFontSize: 11, labelLimit: 320, symbolStrokeWidth: 2, titleFontWeight: 'normal' },
    title: { fontSize: 12, fontWeight: 'bold', anchor: 'start', offset: 6 },
    line: { strokeCap: 'round', strokeJoin: 'round' },
  };
}

const ENERGY_X = (r: AnalysisResult) => {
  let lo = Infinity;
  let hi = -Infinity;
  for (const e of r.energies) {
    if (e < lo) lo = e;
    if (e > hi) hi = e;
  }
  return {
    field: 'energy',
    type: 'quantitative',
    title: 'Energy (eV)',
    scale: { domain: [lo, hi], nice: false, zero: false },
    axis: { tickCount: 8 },
  };
};

export interface ChartSize {
  width: number;
  height: number;
}

const LEGEND = { title: null, orient: 'bottom', direction: 'vertical', symbolType: 'stroke', symbolSize: 300 };

/** Dash patterns of reference lines: the n-th reference matched to one component gets the n-th. */
export const REFERENCE_DASHES: number[][] = [[6, 3], [2, 2], [9, 3, 2, 3], [1, 4], [12, 4]];

/** Vega-Lite spec of the component spectra (and references, dashed). */
export function componentsSpec(r: AnalysisResult, theme: ChartTheme, size: ChartSize): Record<string, unknown> {
  const matches = referenceMatches(r);
  const domain: string[] = [];
  const range: string[] = [];
  for (let j = 0; j < r.k; j++) {
    domain.push(componentLabel(r, j));
    range.push(componentColor(j));
  }
  const dashes: number[][] = [];
  for (let j = 0; j < r.k; j++) dashes.push([1, 0]);
  const perComponent = new Map<number, number>();
  for (const ref of matches) {
    domain.push(referenceLabel(ref.name, ref.r, ref.component));
    range.push(componentColor(ref.component));
    // Several references matching one component: each its own dash pattern.
    const i = perComponent.get(ref.component) ?? 0;
    perComponent.set(ref.component, i + 1);
    dashes.push(REFERENCE_DASHES[i % REFERENCE_DASHES.length]);
  }
  const title = matches.length
    ? 'Component spectra and references (each scaled to max |value| = 1)'
    : 'Component spectra (each scaled to max |value| = 1)';
  return {
    width: size.width,
    height: size.height,
    title,
    datasets: { [COMPONENTS_DATA]: componentRows(r) },
    data: { name: COMPONENTS_DATA },
    mark: { type: 'line', strokeWidth: 1.8, clip: true },
    encoding: {
      x: ENERGY_X(r),
      y: { field: 'value', type: 'quantitative', title: 'Scaled intensity', scale: { zero: isSignedMethod(r.method) } },
      // Colour and dash share the field and the legend: one legend showing both.
      color: { field: 'series', type: 'nominal', scale: { domain, range }, legend: LEGEND, sort: domain },
      strokeDash: { field: 'series', type: 'nominal', scale: { domain, range: dashes }, legend: LEGEND, sort: domain },
      detail: { field: 'series', type: 'nominal' },
      tooltip: [
        { field: 'series', type: 'nominal', title: 'series' },
        { field: 'energy', type: 'quantitative', title: 'energy (eV)', format: '.2f' },
        { field: 'value', type: 'quantitative', title: 'scaled value', format: '.3f' },
      ],
    },
    config: baseConfig(theme),
  };
}

/** Series names of the pixel chart, in legend order, with their colours, widths and dashes. */
export function pixelSeries(r: AnalysisResult, theme: ChartTheme): { name: string; color: string; width: number; dash: number[] }[] {
  const out: { name: string; color: string; width: number; dash: number[] }[] = [];
  if (r.measured) out.push({ name: measuredLabel(r), color: theme.measured, width: 0, dash: [1, 0] });
  out.push({ name: 'reconstruction', color: theme.ink, width: 2.4, dash: [1, 0] });
  if (r.mean) out.push({ name: 'mean spectrum', color: theme.mean, width: 1.2, dash: [2, 2] });
  for (let j = 0; j < r.k; j++) out.push({ name: `w${j}·c${j}`, color: componentColor(j), width: 1.4, dash: [5, 2] });
  return out;
}

export function measuredLabel(r: AnalysisResult): string {
  const b = r.measured ? r.measured.binning : 1;
  return b > 1 ? `measured (${b}×${b} binned)` : 'measured';
}

/** Rows of the pixel chart for one pixel. */
export function pixelRows(r: AnalysisResult, p: PixelModel): SpectrumRow[] {
  const rows: SpectrumRow[] = [];
  const E = r.energies;
  if (p.measured) {
    const name = measuredLabel(r);
    for (let e = 0; e < E.length; e++) {
      const v = p.measured.values[e];
      if (Number.isFinite(v)) rows.push({ energy: E[e], value: v, series: name, kind: 'measured' });
    }
  }
  const push = (values: ArrayLike<number>, series: string, kind: string) => {
    for (let e = 0; e < E.length; e++) if (Number.isFinite(values[e])) rows.push({ energy: E[e], value: values[e], series, kind });
  };
  push(p.reconstruction, 'reconstruction', 'reconstruction');
  if (r.mean) push(r.mean, 'mean spectrum', 'mean');
  for (let j = 0; j < r.k; j++) push(p.contributions[j], `w${j}·c${j}`, 'contribution');
  return rows;
}

/** Vega-Lite spec of the selected pixel: measured (points), reconstruction and contributions (lines). */
export function pixelSpec(r: AnalysisResult, theme: ChartTheme, size: ChartSize, rows: SpectrumRow[]): Record<string, unknown> {
  const series = pixelSeries(r, theme);
  const domain = series.map((s) => s.name);
  const color = {
    field: 'series',
    type: 'nominal',
    scale: { domain, range: series.map((s) => s.color) },
    legend: { title: null, orient: 'bottom', direction: 'vertical', columns: 2, symbolType: 'stroke' },
    sort: domain,
  };
  const tooltip = [
    { field: 'series', type: 'nominal', title: 'series' },
    { field: 'energy', type: 'quantitative', title: 'energy (eV)', format: '.2f' },
    { field: 'value', type: 'quantitative', title: 'value', format: '.4g' },
  ];
  const lineLayer = (kind: string, mark: Record<string, unknown>) => ({
    transform: [{ filter: { field: 'kind', equal: kind } }],
    mark: { type: 'line', clip: true, ...mark },
    encoding: { color, detail: { field: 'series', type: 'nominal' }, tooltip },
  });
  const layers: Record<string, unknown>[] = [];
  if (r.measured) {
    layers.push({
      transform: [{ filter: { field: 'kind', equal: 'measured' } }],
      mark: { type: 'point', filled: true, size: 16, opacity: 0.7, clip: true },
      encoding: { color, tooltip },
    });
  }
  layers.push(lineLayer('contribution', { strokeWidth: 1.4, strokeDash: [5, 2] }));
  if (r.mean) layers.push(lineLayer('mean', { strokeWidth: 1.2, strokeDash: [2, 2] }));
  layers.push(lineLayer('reconstruction', { strokeWidth: 2.4 }));
  return {
    width: size.width,
    height: size.height,
    title: 'Selected pixel',
    datasets: { [PIXEL_DATA]: rows },
    data: { name: PIXEL_DATA },
    encoding: {
      x: ENERGY_X(r),
      y: { field: 'value', type: 'quantitative', title: 'Intensity', scale: { zero: true } },
    },
    layer: layers,
    resolve: { scale: { color: 'shared' } },
    config: baseConfig(theme),
  };
}

/** One line of text describing the pixel's weights, e.g. "w0 = 0.12 · w1 = 0.8". */
export function weightsText(weights: number[]): string {
  return weights.map((w, j) => `w${j} = ${fmt(w)}`).join(' · ');
}

export interface RegionSeries {
  name: string;
  color: string;
  /** Mean measured spectrum of the region's pixels (null without measured spectra). */
  measured: ArrayLike<number> | null;
  /** Mean reconstruction over the region's pixels. */
  reconstruction: ArrayLike<number>;
  count: number;
}

/** Legend label of a region's mean spectrum. */
export function regionLabel(s: RegionSeries, what: 'measured' | 'reconstruction'): string {
  return `${s.name} (${s.count} px) ${what === 'measured' ? 'mean measured' : 'mean reconstruction'}`;
}

/** Rows of the regions chart: per region, the mean measured spectrum (solid) and mean reconstruction (dashed). */
export function regionRows(r: AnalysisResult, regions: RegionSeries[]): SpectrumRow[] {
  const rows: SpectrumRow[] = [];
  const E = r.energies;
  for (const g of regions) {
    if (g.measured) {
      const name = regionLabel(g, 'measured');
      for (let e = 0; e < E.length; e++) if (Number.isFinite(g.measured[e])) rows.push({ energy: E[e], value: g.measured[e], series: name, kind: 'measured' });
    }
    const name = regionLabel(g, 'reconstruction');
    for (let e = 0; e < E.length; e++) if (Number.isFinite(g.reconstruction[e])) rows.push({ energy: E[e], value: g.reconstruction[e], series: name, kind: 'reconstruction' });
  }
  return rows;
}

/** Vega-Lite spec comparing the regions' mean spectra. */
export function regionsSpec(r: AnalysisResult, theme: ChartTheme, size: ChartSize, regions: RegionSeries[]): Record<string, unknown> {
  const domain: string[] = [];
  const range: string[] = [];
  const dash: number[][] = [];
  for (const g of regions) {
    if (g.measured) {
      domain.push(regionLabel(g, 'measured'));
      range.push(g.color);
      dash.push([1, 0]);
    }
    domain.push(regionLabel(g, 'reconstruction'));
    range.push(g.color);
    dash.push([4, 3]);
  }
  return {
    width: size.width,
    height: size.height,
    title: 'Regions: mean spectra (mean over the pixels of each region)',
    datasets: { [REGIONS_DATA]: regionRows(r, regions) },
    data: { name: REGIONS_DATA },
    mark: { type: 'line', strokeWidth: 1.8, clip: true },
    encoding: {
      x: ENERGY_X(r),
      y: { field: 'value', type: 'quantitative', title: 'Mean intensity', scale: { zero: false } },
      color: { field: 'series', type: 'nominal', scale: { domain, range }, sort: domain, legend: LEGEND },
      strokeDash: { field: 'series', type: 'nominal', scale: { domain, range: dash }, sort: domain, legend: LEGEND },
      detail: { field: 'series', type: 'nominal' },
      tooltip: [
        { field: 'series', type: 'nominal', title: 'series' },
        { field: 'energy', type: 'quantitative', title: 'energy (eV)', format: '.2f' },
        { field: 'value', type: 'quantitative', title: 'value', format: '.4g' },
      ],
    },
    config: theme ? baseConfig(theme) : {},
  };
}
