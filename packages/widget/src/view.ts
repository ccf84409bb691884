/**
 * The interactive specmap view: weight maps (one canvas per component, plus an
 * optional multivariate composite and the segmentation label map) linked to a
 * spectrum panel (Vega-Lite via vega-embed, SVG renderer), regions of interest
 * with their mean spectra, and an embedding scatter linked both ways with the
 * maps.
 *
 * Stable hooks for tests and host pages:
 *  - the root element has class `specmap-view`;
 *  - its first <canvas> is the 2D-context weight map of component 0; every
 *    map canvas carries `data-scale` (CSS pixels per map pixel at zoom 1),
 *    `data-zoom` and `data-component` (`composite` / `labels` for those maps);
 *  - after a pixel is selected (click, drag or arrow keys) the root carries
 *    `data-selected="x,y"`; once the spectrum panel shows a pixel (selected or
 *    hovered) the root carries `data-spectrum="x,y"` and
 *    `data-spectrum-source="selected|hover"`;
 *  - `data-regions` (number of regions), `data-selection` (number of pixels in
 *    the current selection mask) and `data-selection-source` on the root;
 *  - the embedding canvas `.specmap-embedding canvas` carries `data-highlighted`
 *    (points lit by the selection).
 */
import type { AnalysisResult } from '@specmap/core';
import embed, { type EmbedOptions, type Result as EmbedResult, type VisualizationSpec } from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import { COLORMAP_NAMES, colormap, componentColor, cssGradient, type ColormapName } from './colormap';
import { compositeRgba, COMPOSITE_MAX, labelColor, labelRgba } from './images';
import {
  componentSpectrum,
  componentWeights,
  displayRange,
  fmt,
  isSignedMethod,
  mapRgba,
  mapScale,
  percentilesOfSorted,
  pixelModel,
  sortedFinite,
  CONTRAST_SAMPLE,
  referenceMatches,
  validateResult,
  type DisplayRange,
  type PixelModel,
} from './model';
import { maskCount, npyBytes, regionColor, regionMask, regionMean, spectraCsv, type Region, type RegionMean } from './regions';
import {
  componentLabel,
  componentsSpec,
  DARK_THEME,
  LIGHT_THEME,
  measuredLabel,
  pixelSeries,
  regionLabel,
  regionsSpec,
  type ChartTheme,
  type RegionSeries,
} from './specs';
import { ensureStyle } from './style';
import { SpectrumPlot } from './spectrumplot';

export interface ViewOptions {
  /** Target size in CSS pixels of the longer side of each map; the scale is an integer ≥ 1. Default 256. */
  mapSize?: number;
  /** Width in CSS pixels of the plotting area of each chart. Default 420. */
  chartWidth?: number;
  /** Height in CSS pixels of the plotting area of each chart. Default 190. */
  chartHeight?: number;
  /** Pixel selected at start (no selection by default). */
  selected?: [number, number] | null;
  /** Colours of the charts; by default chosen from the JupyterLab theme (light or dark). */
  theme?: 'light' | 'dark' | 'auto';
  /** Regions shown at start (e.g. saved in the payload or the notebook output's metadata). */
  regions?: Region[];
  /** Called after the user adds or removes a region (hosts persist them). */
  onRegionsChange?: (regions: Region[]) => void;
}

export interface SpecmapView {
  /** The root element (class `specmap-view`), a child of the host. */
  readonly element: HTMLElement;
  readonly result: AnalysisResult;
  /** Resolves when the maps and charts are drawn (rejects if vega-embed fails). */
  readonly ready: Promise<void>;
  /** The selected pixel, or null. */
  readonly selected: [number, number] | null;
  /** The regions of interest (copies). */
  readonly regions: Region[];
  /** Selects pixel (x, y) (clamped to the map), as a click would. Resolves when the spectrum panel shows it. */
  select(x: number, y: number): Promise<void>;
  /** Adds a region (as drawing one would); resolves when the regions chart shows it. */
  addRegion(region: Region): Promise<void>;
  /** Replaces all regions. */
  setRegions(regions: Region[]): Promise<void>;
  /** The current selection mask (1 = selected), row-major height×width, or null. */
  selectionMask(): Uint8Array | null;
  /** Removes the view from the host and releases the charts. */
  dispose(): void;
}

type Attrs = Record<string, string | number | undefined>;

function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  attrs: Attrs = {},
  children: (Node | string | null | undefined)[] = [],
): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    if (k === 'class') e.className = String(v);
    else if (k === 'style') e.style.cssText = String(v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.appendChild(typeof c === 'string' ? doc.createTextNode(c) : c);
  }
  return e;
}

/** Light or dark, from JupyterLab's body attribute, else from the host's computed background. */
function detectTheme(host: HTMLElement): ChartTheme {
  const doc = host.ownerDocument;
  const light = doc.body?.getAttribute('data-jp-theme-light');
  if (light === 'false') return DARK_THEME;
  if (light === 'true') return LIGHT_THEME;
  const view = doc.defaultView;
  if (view && host.isConnected) {
    const bg = view.getComputedStyle(host).getPropertyValue('--jp-layout-color1').trim();
    const m = /^#([0-9a-f]{6})$/i.exec(bg);
    if (m) {
      const v = parseInt(m[1], 16);
      const lum = 0.2126 * ((v >> 16) & 255) + 0.7152 * ((v >> 8) & 255) + 0.0722 * (v & 255);
      if (lum < 100) return DARK_THEME;
    }
  }
  return LIGHT_THEME;
}

/** Offers a file to the user (a[download] on a blob: URL; no network). */
function download(doc: Document, name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = el(doc, 'a', { href: url, download: name, style: 'display:none' });
  doc.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

interface MapPanel {
  /** Component index, or -1 composite, -2 labels. */
  component: number;
  figure: HTMLElement;
  canvas: HTMLCanvasElement;
  ctx: CanvasRenderingContext2D;
  image: HTMLCanvasElement;
  range: DisplayRange | null;
  bar: HTMLElement | null;
}

interface RegionState {
  region: Region;
  mask: Uint8Array;
  mean: RegionMean;
  color: string;
}

type Tool = 'pixel' | 'pan' | 'rect' | 'lasso';

const ZOOMS = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];

class View implements SpecmapView {
  readonly element: HTMLElement;
  readonly result: AnalysisResult;
  readonly ready: Promise<void>;
  private readonly doc: Document;
  private readonly scale: number;
  private readonly maps: MapPanel[] = [];
  private readonly status: HTMLElement;
  private readonly pixelInfo: HTMLElement;
  private readonly charts: EmbedResult[] = [];
  private pixelPlot: SpectrumPlot | null = null;
  private readonly pixelDiv: HTMLElement;
  private readonly regionsDiv: HTMLElement;
  private readonly regionList: HTMLElement;
  private regionsChart: EmbedResult | null = null;
  private readonly chartSize: { width: number; height: number };
  private readonly theme: ChartTheme;
  private readonly embedOpts: EmbedOptions;
  private readonly options: ViewOptions;
  private sel: [number, number] | null = null;
  private hover: [number, number] | null = null;
  private shown: [number, number] | null = null;
  private shownModel: PixelModel | null = null;
  private hoverFrame = 0;
  private disposed = false;
  private readonly cleanups: (() => void)[] = [];
  // Map display state.
  private cmap: ColormapName | 'auto' = 'auto';
  private pLow = 1;
  private pHigh = 99;
  private zoom = 1;
  private ox = 0;
  private oy = 0;
  private tool: Tool = 'pixel';
  private compositeComps: number[];
  private readonly weightsByComp: Float32Array[] = [];
  private readonly sortedByComp: (Float64Array | null)[] = [];
  // Regions and the selection mask.
  private readonly regionStates: RegionState[] = [];
  private selection: Uint8Array | null = null;
  private selectionImage: HTMLCanvasElement | null = null;
  private drawing: { kind: 'rect' | 'lasso' | 'pan'; points: [number, number][]; start: [number, number]; o: [number, number]; client: [number, number] } | null = null;
  // Embedding panel.
  private emb: Embedding | null = null;
  private regionCounter = 0;

  constructor(host: HTMLElement, result: AnalysisResult, options: ViewOptions) {
    validateResult(result);
    this.doc = host.ownerDocument;
    this.result = result;
    this.options = options;
    ensureStyle(this.doc);
    const r = result;
    this.scale = mapScale(r.width, r.height, options.mapSize ?? 256);
    const baseTheme = options.theme === 'dark' ? DARK_THEME : options.theme === 'light' ? LIGHT_THEME : detectTheme(host);
    const theme: ChartTheme = { ...baseTheme, font: 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif' };
    const doc = this.doc;
    this.compositeComps = Array.from({ length: Math.min(r.k, COMPOSITE_MAX) }, (_, j) => j);

    this.element = el(doc, 'div', {
      class: 'specmap-view',
      'data-method': r.method,
      'data-k': r.k,
      'data-width': r.width,
      'data-height': r.height,
      'data-regions': 0,
      'data-selection': 0,
      'data-theme': baseTheme === DARK_THEME ? 'dark' : 'light',
    });

    this.element.appendChild(this.headerLine());
    this.element.appendChild(this.metaLine());
    if (r.warnings.length) {
      this.element.appendChild(
        el(doc, 'ul', { class: 'specmap-warnings', role: 'alert' }, r.warnings.map((w) => el(doc, 'li', {}, [String(w)]))),
      );
    }

    // Toolbar, then maps on the left, spectra and embedding on the right.
    this.element.appendChild(this.toolbar());
    const mapsGrid = el(doc, 'div', { class: 'specmap-maps' });
    this.status = el(doc, 'div', { class: 'specmap-status', 'aria-live': 'polite' });
    const mapsPanel = el(doc, 'div', { class: 'specmap-maps-panel' }, [mapsGrid, this.status]);
    for (let j = 0; j < r.k; j++) this.weightsByComp.push(componentWeights(r, j));
    for (let j = 0; j < r.k; j++) mapsGrid.appendChild(this.buildMap(j));
    if (r.k >= 2) mapsGrid.appendChild(this.buildMap(-1));
    if (r.labels) mapsGrid.appendChild(this.buildMap(-2));

    this.pixelInfo = el(doc, 'div', { class: 'specmap-pixel-info' });
    const componentsDiv = el(doc, 'div', { class: 'specmap-chart specmap-chart-components' });
    const pixelDiv = el(doc, 'div', { class: 'specmap-chart specmap-chart-pixel' });
    this.regionList = el(doc, 'ul', { class: 'specmap-region-list', 'aria-label': 'Regions' });
    this.regionsDiv = el(doc, 'div', { class: 'specmap-chart specmap-chart-regions' });
    const regionsPanel = el(doc, 'div', { class: 'specmap-regions-panel' }, [this.regionList, this.regionsDiv]);
    const spectraPanel = el(doc, 'div', { class: 'specmap-spectra-panel' }, [componentsDiv, this.pixelInfo, pixelDiv, regionsPanel]);
    const body = el(doc, 'div', { class: 'specmap-body' }, [mapsPanel, spectraPanel]);
    this.element.appendChild(body);
    const embPanel = this.buildEmbedding();
    if (embPanel) body.appendChild(embPanel);
    host.appendChild(this.element);
    this.renderPixelInfo(null, 'selected');
    this.setStatus(null);
    this.renderRegionList();

    this.chartSize = { width: options.chartWidth ?? 420, height: options.chartHeight ?? 190 };
    this.theme = theme;
    this.embedOpts = {
      mode: 'vega-lite',
      renderer: 'svg',
      // Offline-safe: export to SVG/PNG (data URLs) only; no "open in editor", no remote loads.
      actions: { export: { svg: true, png: true }, source: false, compiled: false, editor: false },
      // CSP-safe expression evaluation (no eval / new Function).
      ast: true,
      expr: expressionInterpreter,
      tooltip: { theme: baseTheme === DARK_THEME ? 'dark' : 'light' },
    };
    const components = embed(componentsDiv, componentsSpec(r, theme, this.chartSize) as unknown as VisualizationSpec, {
      ...this.embedOpts,
      downloadFileName: 'specmap-components',
    }).then((res) => {
      this.adopt(res);
    });
    this.pixelDiv = pixelDiv;
    this.drawMaps();
    for (const g of (options.regions ?? []).filter(isRegion).slice(0, 64)) this.addRegionState(g);
    const regionsReady = this.regionStates.length ? this.refreshRegions(false) : Promise.resolve();
    const initial = options.selected ? this.select(options.selected[0], options.selected[1]) : Promise.resolve();
    this.ready = Promise.all([components, initial, regionsReady]).then(() => undefined);
  }

  get selected(): [number, number] | null {
    return this.sel ? [this.sel[0], this.sel[1]] : null;
  }

  get regions(): Region[] {
    return this.regionStates.map((s) => ({ name: s.region.name, kind: s.region.kind, points: s.region.points.map((p) => [p[0], p[1]] as [number, number]) }));
  }

  selectionMask(): Uint8Array | null {
    return this.selection ? this.selection.slice() : null;
  }

  private adopt(res: EmbedResult): boolean {
    if (this.disposed) {
      res.finalize();
      return false;
    }
    this.charts.push(res);
    return true;
  }

  private unit(): string {
    const steps = this.result.provenance?.steps ?? [];
    const od = steps.some((s) => /optical[ _-]?density|^od$/i.test(String(s.name)));
    const what = isSignedMethod(this.result.method) ? 'score' : 'weight';
    return od ? `${what} (OD)` : `${what} (data units)`;
  }

  private headerLine(): HTMLElement {
    const r = this.result;
    const doc = this.doc;
    const m = r.energies.length;
    let e0 = Infinity;
    let e1 = -Infinity;
    for (const e of r.energies) {
      if (e < e0) e0 = e;
      if (e > e1) e1 = e;
    }
    const conv = r.converged
      ? el(doc, 'span', { class: 'specmap-ok' }, ['converged'])
      : el(doc, 'span', { class: 'specmap-bad' }, ['not converged']);
    const header = el(doc, 'div', { class: 'specmap-header' }, [
      el(doc, 'span', { class: 'specmap-method' }, [r.method.toUpperCase()]),
      el(doc, 'span', { class: 'specmap-fact' }, [el(doc, 'b', {}, [`k = ${r.k}`]), r.k === 1 ? ' component' : ' components']),
      el(doc, 'span', { class: 'specmap-fact' }, [`${r.width} × ${r.height} pixels`]),
      el(doc, 'span', { class: 'specmap-fact' }, [`${m} energies, ${e0.toFixed(1)}–${e1.toFixed(1)} eV`]),
      el(doc, 'span', { class: 'specmap-fact' }, [`${r.iterations} iteration${r.iterations === 1 ? '' : 's'}, `, conv]),
    ]);
    if (r.explainedVarianceRatio) {
      let total = 0;
      for (const v of r.explainedVarianceRatio) total += Number.isFinite(v) ? v : 0;
      header.appendChild(el(doc, 'span', { class: 'specmap-fact' }, [`explained variance ${(total * 100).toFixed(1)} %`]));
    }
    if (r.measured && r.measured.binning > 1) {
      const b = r.measured.binning;
      header.appendChild(
        el(doc, 'span', { class: 'specmap-fact specmap-binned', title: 'The measured spectra exceeded the payload budget and were averaged over b×b blocks; maps and reconstructions are at full resolution.' }, [
          `measured spectra binned ${b}×${b} (${r.measured.width} × ${r.measured.height})`,
        ]),
      );
    } else if (!r.measured) {
      header.appendChild(el(doc, 'span', { class: 'specmap-fact specmap-binned' }, ['no measured spectra in the payload']));
    }
    return header;
  }

  private metaLine(): HTMLElement {
    const p = this.result.provenance;
    const doc = this.doc;
    const parts: (Node | string)[] = [];
    const add = (label: string, value: Node | string) => {
      if (parts.length) parts.push(' · ');
      parts.push(`${label} `, value);
    };
    if (p?.input) add('input', el(doc, 'code', {}, [String(p.input)]));
    if (p?.inputSha256) add('sha256', el(doc, 'code', { title: String(p.inputSha256) }, [String(p.inputSha256).slice(0, 12) + '…']));
    if (p?.steps?.length) add('preprocessing', p.steps.map((s) => String(s.name)).join(' → '));
    if (p && p.seed !== null && p.seed !== undefined) add('seed', String(p.seed));
    if (p?.specmapVersion) add('specmap', String(p.specmapVersion));
    if (p?.date) add('run', String(p.date));
    return el(doc, 'div', { class: 'specmap-meta' }, parts);
  }

  // ---------------------------------------------------------------- toolbar

  private toolbar(): HTMLElement {
    const doc = this.doc;
    const r = this.result;
    const bar = el(doc, 'div', { class: 'specmap-toolbar', role: 'toolbar', 'aria-label': 'Map controls' });
    const group = (label: string, ...kids: Node[]) => el(doc, 'span', { class: 'specmap-group' }, [el(doc, 'span', { class: 'specmap-group-label' }, [label]), ...kids]);

    // Colour map.
    const cmap = el(doc, 'select', { class: 'specmap-cmap', 'aria-label': 'Colour map' });
    cmap.appendChild(el(doc, 'option', { value: 'auto' }, [isSignedMethod(r.method) ? 'auto (diverging)' : 'auto (viridis)']));
    for (const name of COLORMAP_NAMES) cmap.appendChild(el(doc, 'option', { value: name }, [name === 'viridis' ? 'viridis (sequential)' : name]));
    this.listen(cmap, 'change', () => {
      this.cmap = cmap.value as ColormapName | 'auto';
      this.rebuildImages();
    });
    // Contrast percentiles.
    const lo = el(doc, 'input', { type: 'number', class: 'specmap-plow', min: 0, max: 50, step: 0.5, value: this.pLow, 'aria-label': 'Low percentile' });
    const hi = el(doc, 'input', { type: 'number', class: 'specmap-phigh', min: 50, max: 100, step: 0.5, value: this.pHigh, 'aria-label': 'High percentile' });
    const onPct = () => {
      const a = Number(lo.value);
      const b = Number(hi.value);
      if (!(a >= 0 && b <= 100 && a < b)) return;
      this.pLow = a;
      this.pHigh = b;
      this.rebuildImages();
    };
    this.listen(lo, 'change', onPct);
    this.listen(hi, 'change', onPct);
    bar.appendChild(group('Colours', cmap));
    bar.appendChild(group('Contrast (percentiles)', lo, doc.createTextNode('–'), hi));

    // Zoom.
    const zin = el(doc, 'button', { type: 'button', class: 'specmap-zoom-in', title: 'Zoom in (+)', 'aria-label': 'Zoom in' }, ['+']);
    const zout = el(doc, 'button', { type: 'button', class: 'specmap-zoom-out', title: 'Zoom out (−)', 'aria-label': 'Zoom out' }, ['−']);
    const zreset = el(doc, 'button', { type: 'button', class: 'specmap-zoom-reset', title: 'Whole map (0)' }, ['1:1']);
    this.listen(zin, 'click', () => this.zoomBy(1));
    this.listen(zout, 'click', () => this.zoomBy(-1));
    this.listen(zreset, 'click', () => this.setZoom(1, r.width / 2, r.height / 2));
    bar.appendChild(group('Zoom', zout, zin, zreset));

    // Tools.
    const tools: [Tool, string, string][] = [
      ['pixel', 'Pixel', 'Click a pixel to show its spectrum; hover to preview'],
      ['pan', 'Pan', 'Drag to move the zoomed map'],
      ['rect', 'Rectangle', 'Drag a rectangle: a region whose mean spectrum is shown'],
      ['lasso', 'Free-hand', 'Draw a closed outline: a region whose mean spectrum is shown'],
    ];
    const toolButtons = tools.map(([t, label, title]) => {
      const b = el(doc, 'button', { type: 'button', class: `specmap-tool specmap-tool-${t}`, 'data-tool': t, title, 'aria-pressed': t === this.tool ? 'true' : 'false' }, [label]);
      this.listen(b, 'click', () => {
        this.tool = t;
        for (const o of toolButtons) o.setAttribute('aria-pressed', o.getAttribute('data-tool') === t ? 'true' : 'false');
        this.element.setAttribute('data-tool', t);
      });
      return b;
    });
    this.element.setAttribute('data-tool', this.tool);
    bar.appendChild(group('Tool', ...toolButtons));

    // Export.
    const png = el(doc, 'button', { type: 'button', class: 'specmap-export-png', title: 'PNG of the maps and charts' }, ['PNG']);
    const csv = el(doc, 'button', { type: 'button', class: 'specmap-export-csv', title: 'CSV of the spectra shown' }, ['CSV']);
    const npy = el(doc, 'button', { type: 'button', class: 'specmap-export-mask', title: 'The selection (last region or brushed points) as a height×width uint8 .npy mask' }, ['Mask .npy']);
    const json = el(doc, 'button', { type: 'button', class: 'specmap-export-regions', title: 'The regions as JSON (map-pixel coordinates)' }, ['Regions JSON']);
    this.listen(png, 'click', () => void this.exportPng());
    this.listen(csv, 'click', () => download(doc, 'specmap-spectra.csv', this.spectraCsv(), 'text/csv'));
    this.listen(npy, 'click', () => {
      const mask = this.selection ?? new Uint8Array(r.width * r.height);
      download(doc, 'specmap-mask.npy', npyBytes(mask, [r.height, r.width]), 'application/octet-stream');
    });
    this.listen(json, 'click', () => download(doc, 'specmap-regions.json', JSON.stringify({ width: r.width, height: r.height, regions: this.regions }, null, 1), 'application/json'));
    bar.appendChild(group('Export', png, csv, npy, json));
    return bar;
  }

  // ---------------------------------------------------------------- maps

  private rangeFor(j: number): DisplayRange {
    const values = this.weightsByComp[j];
    // One sort per component, reused when the percentiles change.
    let sorted = this.sortedByComp[j];
    if (!sorted) {
      sorted = sortedFinite(values, CONTRAST_SAMPLE);
      this.sortedByComp[j] = sorted;
    }
    return displayRange(sorted, this.result.method, this.pLow, this.pHigh, this.cmap === 'auto' ? undefined : this.cmap, true);
  }

  private buildMap(j: number): HTMLElement {
    const r = this.result;
    const doc = this.doc;
    const s = this.scale;
    const kind = j >= 0 ? String(j) : j === -1 ? 'composite' : 'labels';
    const label =
      j >= 0
        ? `Weight map of component ${j}, ${r.width} by ${r.height} pixels. Click a pixel, or use the arrow keys, to show its spectrum; + and − zoom.`
        : j === -1
          ? `Composite of components ${this.compositeComps.join(', ')}: each in its colour, brightness = largest weight`
          : 'Segmentation labels';
    const canvas = el(doc, 'canvas', {
      class: 'specmap-map-canvas',
      width: r.width * s,
      height: r.height * s,
      tabindex: 0,
      role: 'img',
      'data-scale': s,
      'data-zoom': 1,
      'data-component': kind,
      'aria-label': label,
      style: `width: ${r.width * s}px; height: ${r.height * s}px;`,
    });
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('specmap view: no 2D canvas context');
    const image = doc.createElement('canvas');
    image.width = r.width;
    image.height = r.height;
    const panel: MapPanel = { component: j, figure: null as unknown as HTMLElement, canvas, ctx, image, range: null, bar: null };
    this.attachMapEvents(canvas);

    let caption: HTMLElement;
    let below: HTMLElement;
    if (j >= 0) {
      const evr = r.explainedVarianceRatio;
      caption = el(doc, 'figcaption', {}, [
        el(doc, 'span', { class: 'specmap-swatch', style: `background: ${componentColor(j)}` }),
        `Component ${j}`,
        evr && Number.isFinite(evr[j]) ? el(doc, 'span', { class: 'specmap-evr' }, [`${(evr[j] * 100).toFixed(1)} % of variance`]) : null,
      ]);
      below = el(doc, 'div', { class: 'specmap-colorbar', style: `width: ${r.width * s}px` });
      panel.bar = below;
    } else if (j === -1) {
      caption = el(doc, 'figcaption', {}, ['Composite']);
      below = el(doc, 'div', { class: 'specmap-legend specmap-composite-legend', style: `max-width: ${Math.max(200, r.width * s)}px` });
      const picks = el(doc, 'span', { class: 'specmap-composite-picks' });
      for (let c = 0; c < r.k; c++) {
        const cb = el(doc, 'input', { type: 'checkbox', 'data-component': c, 'aria-label': `Component ${c} in the composite` });
        cb.checked = this.compositeComps.includes(c);
        this.listen(cb, 'change', () => {
          const on = cb.checked;
          let next = this.compositeComps.filter((x) => x !== c);
          if (on) next = [...next, c].sort((a, b) => a - b);
          if (next.length > COMPOSITE_MAX) {
            cb.checked = false;
            return;
          }
          this.compositeComps = next;
          this.paintImage(panel);
          this.drawMaps();
        });
        picks.appendChild(
          el(doc, 'label', { class: 'specmap-legend-item' }, [cb, el(doc, 'span', { class: 'specmap-swatch', style: `background: ${componentColor(c)}` }), `c${c}`]),
        );
      }
      below.appendChild(picks);
      below.appendChild(
        el(doc, 'div', { class: 'specmap-legend-note' }, [
          `Up to ${COMPOSITE_MAX} components; colour = weight-averaged component colour, brightness = largest scaled weight (black = none)${isSignedMethod(r.method) ? '; positive scores only' : ''}.`,
        ]),
      );
    } else {
      caption = el(doc, 'figcaption', {}, ['Segmentation labels']);
      below = el(doc, 'div', { class: 'specmap-legend specmap-labels-legend', style: `max-width: ${Math.max(200, r.width * s)}px` });
    }
    panel.figure = el(doc, 'figure', { class: 'specmap-map', 'data-component': kind }, [caption, canvas, below]);
    this.maps.push(panel);
    this.paintImage(panel);
    return panel.figure;
  }

  /** Recomputes the native-resolution image (and colour bar) of one map. */
  private paintImage(panel: MapPanel): void {
    const r = this.result;
    const doc = this.doc;
    const ictx = panel.image.getContext('2d');
    if (!ictx) throw new Error('specmap view: no 2D canvas context');
    const data = ictx.createImageData(r.width, r.height);
    const j = panel.component;
    if (j >= 0) {
      const range = this.rangeFor(j);
      panel.range = range;
      data.data.set(mapRgba(this.weightsByComp[j], range));
      if (panel.bar) this.paintColorbar(panel.bar, range);
    } else if (j === -1) {
      const ranges = Array.from({ length: r.k }, (_, c) => this.rangeFor(c));
      data.data.set(compositeRgba(r, this.compositeComps, ranges));
    } else if (r.labels) {
      const { rgba, counts } = labelRgba(r.labels);
      data.data.set(rgba);
      const legend = panel.figure?.querySelector('.specmap-labels-legend') ?? null;
      if (legend && !legend.childElementCount) {
        for (const [l, cnt] of counts) {
          legend.appendChild(
            el(doc, 'span', { class: 'specmap-legend-item', 'data-label': l }, [
              el(doc, 'span', { class: 'specmap-swatch', style: l < 0 ? 'background: transparent; outline: 1px dashed currentColor' : `background: ${labelColor(l)}` }),
              `${l < 0 ? 'unlabelled' : `label ${l}`} (${cnt} px)`,
            ]),
          );
        }
      }
    }
    ictx.putImageData(data, 0, 0);
  }

  private paintColorbar(bar: HTMLElement, range: DisplayRange): void {
    const doc = this.doc;
    bar.textContent = '';
    const signedScale = range.colormap === 'diverging';
    bar.appendChild(el(doc, 'div', { class: 'specmap-colorbar-bar', style: `background: ${cssGradient(range.colormap)}` }));
    bar.appendChild(
      el(doc, 'div', { class: 'specmap-colorbar-labels' }, [
        el(doc, 'span', { class: 'specmap-colorbar-min', title: `colour scale from ${fmt(range.lo, 6)} (${signedScale ? `−max(|p${this.pLow}|, |p${this.pHigh}|)` : `${this.pLow}th percentile`}); data minimum ${fmt(range.min, 6)}` }, [
          (range.min < range.lo ? '≤ ' : '') + fmt(range.lo),
        ]),
        el(doc, 'span', { class: 'specmap-colorbar-unit' }, [signedScale ? `0 · ${this.unit()}` : this.unit()]),
        el(doc, 'span', { class: 'specmap-colorbar-max', title: `colour scale to ${fmt(range.hi, 6)} (${signedScale ? 'symmetric' : `${this.pHigh}th percentile`}); data maximum ${fmt(range.max, 6)}` }, [
          (range.max > range.hi ? '≥ ' : '') + fmt(range.hi),
        ]),
      ]),
    );
  }

  private rebuildImages(): void {
    for (const p of this.maps) this.paintImage(p);
    this.drawMaps();
  }

  /** CSS px per map pixel at the current zoom. */
  private pixelSize(): number {
    return this.scale * this.zoom;
  }

  private clampOrigin(): void {
    const r = this.result;
    const vw = r.width / this.zoom;
    const vh = r.height / this.zoom;
    this.ox = Math.min(Math.max(0, this.ox), r.width - vw);
    this.oy = Math.min(Math.max(0, this.oy), r.height - vh);
    // Whole canvas pixels per step: map pixels stay uniform blocks.
    const ps = this.pixelSize();
    this.ox = Math.round(this.ox * ps) / ps;
    this.oy = Math.round(this.oy * ps) / ps;
  }

  private setZoom(z: number, cx: number, cy: number): void {
    const r = this.result;
    const zoom = Math.max(1, Math.min(64, z));
    this.zoom = zoom;
    this.ox = Math.round(cx - r.width / zoom / 2);
    this.oy = Math.round(cy - r.height / zoom / 2);
    this.clampOrigin();
    for (const p of this.maps) p.canvas.setAttribute('data-zoom', String(zoom));
    this.element.setAttribute('data-zoom', String(zoom));
    this.drawMaps();
  }

  private zoomBy(dir: number, at?: [number, number]): void {
    const r = this.result;
    const i = ZOOMS.indexOf(this.zoom);
    const next = ZOOMS[Math.max(0, Math.min(ZOOMS.length - 1, (i < 0 ? 0 : i) + dir))];
    const c = at ?? this.sel ?? [this.ox + r.width / this.zoom / 2, this.oy + r.height / this.zoom / 2];
    if (at) {
      // Keep the map point under the cursor fixed.
      const fx = (at[0] - this.ox) / (r.width / this.zoom);
      const fy = (at[1] - this.oy) / (r.height / this.zoom);
      this.zoom = next;
      this.ox = at[0] - fx * (r.width / next);
      this.oy = at[1] - fy * (r.height / next);
      this.clampOrigin();
      for (const p of this.maps) p.canvas.setAttribute('data-zoom', String(next));
      this.element.setAttribute('data-zoom', String(next));
      this.drawMaps();
    } else {
      this.setZoom(next, c[0] + 0.5, c[1] + 0.5);
    }
  }

  /** Map coordinates (fractional) under a mouse event, robust to CSS resizing of the canvas. */
  private eventPoint(canvas: HTMLCanvasElement, ev: MouseEvent): [number, number] | null {
    const rect = canvas.getBoundingClientRect();
    if (rect.width <= 0 || rect.height <= 0) return null;
    const u = ((ev.clientX - rect.left) / rect.width) * canvas.width;
    const v = ((ev.clientY - rect.top) / rect.height) * canvas.height;
    const ps = this.pixelSize();
    return [this.ox + u / ps, this.oy + v / ps];
  }

  private eventPixel(canvas: HTMLCanvasElement, ev: MouseEvent): [number, number] | null {
    const p = this.eventPoint(canvas, ev);
    if (!p) return null;
    const x = Math.floor(p[0]);
    const y = Math.floor(p[1]);
    if (x < 0 || y < 0 || x >= this.result.width || y >= this.result.height) return null;
    return [x, y];
  }

  private attachMapEvents(canvas: HTMLCanvasElement): void {
    this.listen(canvas, 'pointerdown', (ev) => {
      const pe = ev as PointerEvent;
      if (pe.button !== 0) return;
      const pt = this.eventPoint(canvas, pe);
      if (!pt) return;
      if (this.tool === 'rect' || this.tool === 'lasso' || this.tool === 'pan') {
        pe.preventDefault();
        try {
          canvas.setPointerCapture(pe.pointerId);
        } catch {
          /* synthetic events have no capturable pointer */
        }
        const kind = this.tool;
        this.drawing = { kind, points: [pt], start: pt, o: [this.ox, this.oy], client: [pe.clientX, pe.clientY] };
      }
    });
    this.listen(canvas, 'pointermove', (ev) => {
      const pe = ev as PointerEvent;
      const d = this.drawing;
      if (d) {
        const pt = this.eventPoint(canvas, pe);
        if (!pt) return;
        if (d.kind === 'pan') {
          const rect = canvas.getBoundingClientRect();
          const k = canvas.width / (rect.width || 1) / this.pixelSize();
          this.ox = d.o[0] - (pe.clientX - d.client[0]) * k;
          this.oy = d.o[1] - (pe.clientY - d.client[1]) * k;
          this.clampOrigin();
          this.drawMaps();
          return;
        }
        if (d.kind === 'rect') d.points = [d.start, pt];
        else d.points.push(pt);
        this.drawMaps();
        return;
      }
      const p = this.eventPixel(canvas, pe);
      this.setStatus(p);
      if (this.tool !== 'pixel') return;
      if (p && pe.buttons === 1 && (!this.sel || p[0] !== this.sel[0] || p[1] !== this.sel[1])) {
        void this.select(p[0], p[1]);
        return;
      }
      if (p) this.scheduleHover(p);
    });
    const finish = (ev: Event) => {
      const d = this.drawing;
      if (!d) return;
      this.drawing = null;
      const pe = ev as PointerEvent;
      const pt = this.eventPoint(canvas, pe);
      if (d.kind === 'pan') return;
      if (d.kind === 'rect' && pt) d.points = [d.start, pt];
      const name = `R${this.nextRegionNumber()}`;
      const round = (p: [number, number]): [number, number] => [Math.round(p[0] * 100) / 100, Math.round(p[1] * 100) / 100];
      let region: Region | null = null;
      if (d.kind === 'rect' && d.points.length === 2) {
        const [a, b] = d.points;
        // Snap to pixel edges so the rectangle holds whole pixels.
        const x0 = Math.floor(Math.min(a[0], b[0]));
        const y0 = Math.floor(Math.min(a[1], b[1]));
        const x1 = Math.ceil(Math.max(a[0], b[0]));
        const y1 = Math.ceil(Math.max(a[1], b[1]));
        region = { name, kind: 'rect', points: [[x0, y0], [Math.max(x1, x0 + 1), Math.max(y1, y0 + 1)]] };
      } else if (d.kind === 'lasso' && d.points.length >= 3) {
        region = { name, kind: 'polygon', points: simplify(d.points).map(round) };
      }
      if (region && maskCount(regionMask(region, this.result.width, this.result.height)) > 0) void this.addRegion(region);
      else this.drawMaps();
    };
    this.listen(canvas, 'pointerup', finish);
    this.listen(canvas, 'pointercancel', () => {
      this.drawing = null;
      this.drawMaps();
    });
    this.listen(canvas, 'click', (ev) => {
      if (this.tool !== 'pixel') return;
      const p = this.eventPixel(canvas, ev as MouseEvent);
      if (p) void this.select(p[0], p[1]);
    });
    this.listen(canvas, 'pointerleave', () => {
      this.setStatus(null);
      this.hover = null;
      if (this.sel && (!this.shown || this.shown[0] !== this.sel[0] || this.shown[1] !== this.sel[1])) this.scheduleHover(null);
    });
    this.listen(canvas, 'wheel', (ev) => {
      const we = ev as WheelEvent;
      if (!(we.ctrlKey || we.metaKey)) return; // plain wheel scrolls the notebook
      we.preventDefault();
      const pt = this.eventPoint(canvas, we);
      this.zoomBy(we.deltaY < 0 ? 1 : -1, pt ?? undefined);
    });
    this.listen(canvas, 'keydown', (ev) => this.onKey(ev as KeyboardEvent));
  }

  private nextRegionNumber(): number {
    return ++this.regionCounter;
  }

  private listen(target: EventTarget, type: string, fn: (ev: Event) => void): void {
    target.addEventListener(type, fn);
    this.cleanups.push(() => target.removeEventListener(type, fn));
  }

  private onKey(ev: KeyboardEvent): void {
    const r = this.result;
    if (ev.key === '+' || ev.key === '=') {
      ev.preventDefault();
      this.zoomBy(1);
      return;
    }
    if (ev.key === '-' || ev.key === '_') {
      ev.preventDefault();
      this.zoomBy(-1);
      return;
    }
    if (ev.key === '0') {
      ev.preventDefault();
      this.setZoom(1, r.width / 2, r.height / 2);
      return;
    }
    const d: Record<string, [number, number]> = {
      ArrowLeft: [-1, 0],
      ArrowRight: [1, 0],
      ArrowUp: [0, -1],
      ArrowDown: [0, 1],
    };
    const step = d[ev.key];
    if (!step) return;
    ev.preventDefault();
    ev.stopPropagation();
    const n = ev.shiftKey ? 10 : 1;
    const [x, y] = this.sel ?? [Math.floor(r.width / 2) - step[0] * n, Math.floor(r.height / 2) - step[1] * n];
    void this.select(x + step[0] * n, y + step[1] * n);
  }

  private setStatus(p: [number, number] | null): void {
    const r = this.result;
    const target = p ?? this.sel;
    if (!target) {
      this.status.textContent = 'Hover a map to preview a pixel\u2019s spectrum; click to select it. Tools: rectangle / free-hand regions, pan; Ctrl+wheel or +/− zoom.';
      return;
    }
    const [x, y] = target;
    const base = (y * r.width + x) * r.k;
    const ws = Array.from({ length: r.k }, (_, j) => `w${j} = ${fmt(r.weights[base + j])}`).join('  ');
    const lab = r.labels ? `  label ${r.labels[y * r.width + x]}` : '';
    this.status.textContent = `${p ? 'cursor' : 'selected'} (${x}, ${y})  ${ws}${lab}`;
  }

  private drawMaps(): void {
    const r = this.result;
    const ps = this.pixelSize();
    const vw = r.width / this.zoom;
    const vh = r.height / this.zoom;
    for (const map of this.maps) {
      const { ctx, canvas, image } = map;
      ctx.imageSmoothingEnabled = false;
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(image, this.ox, this.oy, vw, vh, 0, 0, canvas.width, canvas.height);
      if (this.selectionImage) ctx.drawImage(this.selectionImage, this.ox, this.oy, vw, vh, 0, 0, canvas.width, canvas.height);
      const toC = (p: [number, number]): [number, number] => [(p[0] - this.ox) * ps, (p[1] - this.oy) * ps];
      this.regionStates.forEach((g) => drawRegion(ctx, g.region, g.color, toC, g.region.name));
      if (this.drawing && this.drawing.kind !== 'pan') {
        const d = this.drawing;
        const g: Region = d.kind === 'rect' ? { name: '', kind: 'rect', points: d.points.length === 2 ? d.points : [d.start, d.start] } : { name: '', kind: 'polygon', points: d.points };
        drawRegion(ctx, g, '#ffffff', toC, '', true);
      }
      if (this.sel) drawCrosshair(ctx, (this.sel[0] - this.ox), (this.sel[1] - this.oy), ps, canvas.width, canvas.height);
    }
  }

  // ---------------------------------------------------------------- pixel spectrum

  private renderPixelInfo(p: PixelModel | null, source: 'selected' | 'hover'): void {
    const doc = this.doc;
    const box = this.pixelInfo;
    box.textContent = '';
    if (!p) {
      box.appendChild(
        el(doc, 'span', { class: 'specmap-hint' }, [
          'Hover or click a pixel on a map (or focus a map and use the arrow keys) to show its spectrum: measured, reconstruction and per-component contributions.',
        ]),
      );
      return;
    }
    box.appendChild(el(doc, 'span', { class: 'specmap-pixel-title' }, [`Pixel (${p.x}, ${p.y})`, source === 'hover' ? ' · hover' : '']));
    const weights = el(doc, 'span', { class: 'specmap-weights' });
    p.weights.forEach((w, j) => {
      weights.appendChild(
        el(doc, 'span', { class: 'specmap-weight', 'data-component': j }, [
          el(doc, 'span', { class: 'specmap-swatch', style: `background: ${componentColor(j)}` }),
          `w${j} = ${fmt(w, 4)}`,
        ]),
      );
    });
    box.appendChild(weights);
    const extra: string[] = [];
    if (this.result.mean) extra.push('reconstruction = mean + Σ wⱼ·cⱼ');
    else extra.push('reconstruction = Σ wⱼ·cⱼ');
    if (p.measured) {
      if (p.measured.binning > 1) {
        extra.push(`measured: binned pixel (${p.measured.bx}, ${p.measured.by}), mean of a ${p.measured.binning}×${p.measured.binning} block`);
      } else if (p.rmsResidual !== null) {
        extra.push(`RMS residual (measured − reconstruction) = ${fmt(p.rmsResidual)}`);
      }
    } else {
      extra.push('no measured spectra in this result');
    }
    box.appendChild(el(doc, 'div', { class: 'specmap-pixel-extra' }, [extra.join(' · ')]));
  }

  /** Hover preview, at most once per animation frame; null = back to the selected pixel. */
  private scheduleHover(p: [number, number] | null): void {
    this.hover = p;
    if (this.hoverFrame) return;
    const win = this.doc.defaultView;
    const run = () => {
      this.hoverFrame = 0;
      if (this.disposed) return;
      const target = this.hover ?? this.sel;
      if (!target) return;
      if (this.shown && this.shown[0] === target[0] && this.shown[1] === target[1]) return;
      void this.showPixel(target[0], target[1], this.hover ? 'hover' : 'selected');
    };
    this.hoverFrame = win ? win.requestAnimationFrame(run) : (setTimeout(run, 16) as unknown as number);
  }

  /** Draws pixel (x, y) in the spectrum panel (a canvas chart: well within one frame). */
  private async showPixel(x: number, y: number, source: 'selected' | 'hover'): Promise<void> {
    const r = this.result;
    const t0 = now();
    const model = pixelModel(r, x, y);
    this.shown = [x, y];
    this.shownModel = model;
    this.renderPixelInfo(model, source);
    const specs = pixelSeries(r, this.theme);
    const values: ArrayLike<number>[] = [];
    if (model.measured) values.push(model.measured.values);
    values.push(model.reconstruction);
    if (r.mean) values.push(r.mean);
    for (const c of model.contributions) values.push(c);
    if (!this.pixelPlot) {
      this.pixelPlot = new SpectrumPlot(this.doc, this.chartSize.width, this.chartSize.height, 'Pixel spectrum', specs.length);
      this.pixelDiv.appendChild(this.pixelPlot.canvas);
    }
    const cs = this.doc.defaultView?.getComputedStyle(this.element);
    const colors = {
      fg: cs?.getPropertyValue('--specmap-fg').trim() || this.theme.ink,
      fg2: cs?.getPropertyValue('--specmap-fg2').trim() || this.theme.measured,
      grid: cs?.getPropertyValue('--specmap-border').trim() || '#e0e0e0',
    };
    this.pixelPlot.draw(
      r.energies,
      specs.map((sp, i) => ({ name: sp.name, color: sp.color, width: sp.width, dash: sp.dash[1] ? sp.dash : undefined, values: values[i] })),
      colors,
      `(${x}, ${y})${source === 'hover' ? ' · hover' : ''}`,
    );
    this.pixelPlot.canvas.setAttribute('aria-label', `Spectrum of pixel (${x}, ${y}): ${specs.map((sp) => sp.name).join(', ')}`);
    if (this.disposed) return;
    // Time spent drawing this spectrum (model + chart), for benchmarks.
    this.element.setAttribute('data-spectrum-ms', (now() - t0).toFixed(1));
    this.element.setAttribute('data-spectrum', `${x},${y}`);
    this.element.setAttribute('data-spectrum-source', source);
  }

  select(x: number, y: number): Promise<void> {
    if (this.disposed) return Promise.resolve();
    const r = this.result;
    const cx = Math.min(r.width - 1, Math.max(0, Math.round(x)));
    const cy = Math.min(r.height - 1, Math.max(0, Math.round(y)));
    this.sel = [cx, cy];
    this.element.setAttribute('data-selected', `${cx},${cy}`);
    // Keep the selection inside the zoomed viewport.
    const vw = r.width / this.zoom;
    const vh = r.height / this.zoom;
    if (cx < this.ox || cx + 1 > this.ox + vw || cy < this.oy || cy + 1 > this.oy + vh) {
      this.ox = cx + 0.5 - vw / 2;
      this.oy = cy + 0.5 - vh / 2;
      this.clampOrigin();
    }
    this.drawMaps();
    this.setStatus(null);
    this.hover = null;
    this.emb?.draw();
    return this.showPixel(cx, cy, 'selected').catch((err: unknown) => this.showError(err));
  }

  private showError(err: unknown): void {
    if (this.disposed) return;
    const msg = err instanceof Error ? err.message : String(err);
    this.pixelInfo.appendChild(el(this.doc, 'div', { class: 'specmap-error' }, [`Could not draw the spectrum: ${msg}`]));
  }

  // ---------------------------------------------------------------- regions and selection

  private addRegionState(g: Region): RegionState {
    const r = this.result;
    const mask = regionMask(g, r.width, r.height);
    const st: RegionState = { region: g, mask, mean: regionMean(r, mask), color: regionColor(this.regionStates.length) };
    this.regionStates.push(st);
    const num = /^R(\d+)$/.exec(g.name);
    if (num) this.regionCounter = Math.max(this.regionCounter, Number(num[1]));
    return st;
  }

  addRegion(region: Region): Promise<void> {
    if (!isRegion(region)) return Promise.reject(new Error('specmap view: invalid region'));
    const st = this.addRegionState({ name: String(region.name), kind: region.kind, points: region.points.map((p) => [p[0], p[1]] as [number, number]) });
    this.setSelection(st.mask, `region ${st.region.name}`);
    return this.refreshRegions(true);
  }

  setRegions(regions: Region[]): Promise<void> {
    this.regionStates.length = 0;
    for (const g of regions.filter(isRegion).slice(0, 64)) this.addRegionState(g);
    return this.refreshRegions(false);
  }

  private removeRegion(i: number): void {
    this.regionStates.splice(i, 1);
    this.regionStates.forEach((s, k) => (s.color = regionColor(k)));
    this.setSelection(null, '');
    void this.refreshRegions(true);
  }

  private setSelection(mask: Uint8Array | null, source: string): void {
    const r = this.result;
    this.selection = mask;
    const count = mask ? maskCount(mask) : 0;
    this.element.setAttribute('data-selection', String(count));
    this.element.setAttribute('data-selection-source', source);
    if (mask && count) {
      // Tint outside the selection so the selected pixels stand out on any colour map.
      const img = this.selectionImage ?? this.doc.createElement('canvas');
      img.width = r.width;
      img.height = r.height;
      const ctx = img.getContext('2d');
      if (ctx) {
        const data = ctx.createImageData(r.width, r.height);
        const d = data.data;
        for (let i = 0; i < mask.length; i++) if (!mask[i]) d[i * 4 + 3] = 150;
        ctx.putImageData(data, 0, 0);
      }
      this.selectionImage = img;
    } else {
      this.selectionImage = null;
    }
    this.drawMaps();
    this.emb?.draw();
  }

  private renderRegionList(): void {
    const doc = this.doc;
    const list = this.regionList;
    list.textContent = '';
    this.element.setAttribute('data-regions', String(this.regionStates.length));
    if (!this.regionStates.length) {
      list.appendChild(el(doc, 'li', { class: 'specmap-hint' }, ['No regions. Choose the Rectangle or Free-hand tool and drag on a map: the mean spectrum of the region appears here.']));
      return;
    }
    this.regionStates.forEach((s, i) => {
      const show = el(doc, 'button', { type: 'button', class: 'specmap-region-select', title: 'Select this region (highlights its pixels and their points in the embedding)' }, [
        el(doc, 'span', { class: 'specmap-swatch', style: `background: ${s.color}` }),
        `${s.region.name}: ${s.region.kind === 'rect' ? 'rectangle' : 'free-hand'}, ${s.mean.count} px`,
      ]);
      const del = el(doc, 'button', { type: 'button', class: 'specmap-region-delete', 'aria-label': `Delete region ${s.region.name}` }, ['×']);
      this.listen(show, 'click', () => this.setSelection(s.mask, `region ${s.region.name}`));
      this.listen(del, 'click', () => this.removeRegion(i));
      list.appendChild(el(doc, 'li', { 'data-region': s.region.name }, [show, del]));
    });
  }

  private regionSeries(): RegionSeries[] {
    return this.regionStates.map((s) => ({ name: s.region.name, color: s.color, measured: s.mean.measured, reconstruction: s.mean.reconstruction, count: s.mean.count }));
  }

  private async refreshRegions(notify: boolean): Promise<void> {
    this.renderRegionList();
    this.drawMaps();
    if (notify) this.options.onRegionsChange?.(this.regions);
    const old = this.regionsChart;
    this.regionsChart = null;
    if (old) {
      old.finalize();
      const i = this.charts.indexOf(old);
      if (i >= 0) this.charts.splice(i, 1);
    }
    this.regionsDiv.textContent = '';
    if (!this.regionStates.length) return;
    const spec = regionsSpec(this.result, this.theme, this.chartSize, this.regionSeries()) as unknown as VisualizationSpec;
    const res = await embed(this.regionsDiv, spec, { ...this.embedOpts, downloadFileName: 'specmap-regions' });
    if (this.adopt(res)) this.regionsChart = res;
  }

  // ---------------------------------------------------------------- embedding

  private buildEmbedding(): HTMLElement | null {
    const r = this.result;
    let coords: ArrayLike<number>;
    let d: number;
    let title: string;
    if (r.embedding) {
      coords = r.embedding.coords;
      d = r.embedding.d;
      title = `Embedding (${r.embedding.method}, ${d}-D)`;
    } else if (r.method === 'pca' && r.k >= 2) {
      coords = r.weights; // for PCA the weights are the scores
      d = r.k;
      title = 'PCA scores';
    } else {
      return null;
    }
    this.emb = new Embedding(this, coords, d, title);
    return this.emb.panel;
  }

  /** For the embedding: the pixels selected by a brush. */
  brushSelect(mask: Uint8Array | null): void {
    this.setSelection(mask, mask ? 'embedding' : '');
  }

  /** Internal accessors for the embedding panel. */
  get internals(): { doc: Document; selection: Uint8Array | null; sel: [number, number] | null; listen: (t: EventTarget, type: string, fn: (ev: Event) => void) => void } {
    return { doc: this.doc, selection: this.selection, sel: this.sel, listen: (t, type, fn) => this.listen(t, type, fn) };
  }

  // ---------------------------------------------------------------- export

  private spectraCsv(): string {
    const r = this.result;
    const series: { name: string; values: ArrayLike<number> }[] = [];
    for (let j = 0; j < r.k; j++) series.push({ name: `component ${j}`, values: componentSpectrum(r, j) });
    if (r.mean) series.push({ name: 'mean spectrum', values: r.mean });
    for (const ref of referenceMatches(r)) series.push({ name: `reference ${ref.name} (r = ${Number.isFinite(ref.r) ? ref.r.toFixed(3) : 'n/a'} vs c${ref.component})`, values: ref.values });
    const p = this.shownModel;
    if (p && this.shown) {
      const at = `pixel (${p.x}, ${p.y})`;
      if (p.measured) series.push({ name: `${at} ${measuredLabel(r)}`, values: p.measured.values });
      series.push({ name: `${at} reconstruction`, values: p.reconstruction });
      p.contributions.forEach((c, j) => series.push({ name: `${at} w${j}·c${j}`, values: c }));
    }
    for (const g of this.regionSeries()) {
      if (g.measured) series.push({ name: regionLabel(g, 'measured'), values: g.measured });
      series.push({ name: regionLabel(g, 'reconstruction'), values: g.reconstruction });
    }
    return spectraCsv(r.energies, series);
  }

  private async exportPng(): Promise<void> {
    const doc = this.doc;
    const pad = 12;
    const items: { canvas: HTMLCanvasElement; title: string }[] = [];
    for (const m of this.maps) {
      if (m.figure.offsetParent === null && m.figure.isConnected && getComputedStyle(m.figure).display === 'none') continue;
      const cap = m.figure.querySelector('figcaption')?.textContent ?? '';
      items.push({ canvas: m.canvas, title: cap });
    }
    if (this.emb) items.push({ canvas: this.emb.canvas, title: this.emb.title });
    if (this.pixelPlot) items.push({ canvas: this.pixelPlot.canvas, title: '' });
    const charts: HTMLCanvasElement[] = [];
    for (const c of this.charts) {
      try {
        charts.push(await c.view.toCanvas(1));
      } catch {
        /* a chart that cannot be rasterised is left out */
      }
    }
    const rowW = items.reduce((a, it) => a + it.canvas.width + pad, pad);
    const rowH = Math.max(0, ...items.map((it) => it.canvas.height)) + 22 + pad;
    const chartW = charts.reduce((a, c) => a + c.width + pad, pad);
    const chartH = Math.max(0, ...charts.map((c) => c.height)) + pad;
    const out = doc.createElement('canvas');
    out.width = Math.min(16384, Math.max(rowW, chartW));
    out.height = Math.min(16384, rowH + chartH + pad);
    const ctx = out.getContext('2d');
    if (!ctx) return;
    const dark = this.theme === DARK_THEME || this.element.getAttribute('data-theme') === 'dark';
    ctx.fillStyle = dark ? '#111111' : '#ffffff';
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = dark ? '#eeeeee' : '#111111';
    ctx.font = '13px sans-serif';
    ctx.imageSmoothingEnabled = false;
    let x = pad;
    for (const it of items) {
      ctx.fillText(it.title, x, pad + 12);
      ctx.drawImage(it.canvas, x, pad + 20);
      x += it.canvas.width + pad;
    }
    x = pad;
    for (const c of charts) {
      ctx.drawImage(c, x, rowH + pad);
      x += c.width + pad;
    }
    const blob = await new Promise<Blob | null>((res) => out.toBlob(res, 'image/png'));
    if (blob) download(doc, 'specmap-view.png', blob, 'image/png');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const win = this.doc.defaultView;
    if (this.hoverFrame && win) win.cancelAnimationFrame(this.hoverFrame);
    for (const c of this.cleanups) c();
    for (const c of this.charts) c.finalize();
    this.charts.length = 0;
    this.element.remove();
  }
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** A well-formed region (saved regions come from untrusted places: payloads, metadata, storage). */
function isRegion(g: unknown): g is Region {
  const o = g as Region;
  if (!o || typeof o !== 'object' || typeof o.name !== 'string' || (o.kind !== 'rect' && o.kind !== 'polygon') || !Array.isArray(o.points)) return false;
  if (o.kind === 'rect' ? o.points.length !== 2 : o.points.length < 3 || o.points.length > 20000) return false;
  return o.points.every((p) => Array.isArray(p) && p.length === 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]));
}

/** Drops free-hand vertices closer than 0.5 map pixel to the previous one (and caps the count). */
function simplify(points: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const p of points) {
    const q = out[out.length - 1];
    if (!q || Math.hypot(p[0] - q[0], p[1] - q[1]) >= 0.5) out.push(p);
  }
  const step = Math.ceil(out.length / 2000);
  return step > 1 ? out.filter((_, i) => i % step === 0) : out;
}

/** Outline of a region, dark under its colour so it shows on any map. */
function drawRegion(
  ctx: CanvasRenderingContext2D,
  g: Region,
  color: string,
  toC: (p: [number, number]) => [number, number],
  label: string,
  dashed = false,
): void {
  ctx.save();
  const path = () => {
    ctx.beginPath();
    if (g.kind === 'rect') {
      const [a, b] = g.points.map(toC);
      ctx.rect(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1]));
    } else {
      g.points.forEach((p, i) => {
        const c = toC(p);
        if (i === 0) ctx.moveTo(c[0], c[1]);
        else ctx.lineTo(c[0], c[1]);
      });
      ctx.closePath();
    }
  };
  if (dashed) ctx.setLineDash([4, 3]);
  ctx.lineWidth = 3;
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.7)';
  path();
  ctx.stroke();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = color;
  path();
  ctx.stroke();
  if (label) {
    const [x, y] = toC(g.points[0]);
    ctx.font = 'bold 11px sans-serif';
    ctx.lineWidth = 3;
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.8)';
    ctx.strokeText(label, x + 2, y + 12);
    ctx.fillStyle = color;
    ctx.fillText(label, x + 2, y + 12);
  }
  ctx.restore();
}

/** Outline of the selected pixel plus crosshair arms, dark under light so it shows on any colour. */
function drawCrosshair(ctx: CanvasRenderingContext2D, x: number, y: number, s: number, W: number, H: number): void {
  const cx = (x + 0.5) * s;
  const cy = (y + 0.5) * s;
  const half = Math.max(2, s / 2) + 2; // gap around the pixel
  const seg = (x0: number, y0: number, x1: number, y1: number) => {
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
  };
  ctx.save();
  for (const [color, width] of [
    ['rgba(0, 0, 0, 0.75)', 3],
    ['rgba(255, 255, 255, 0.95)', 1],
  ] as const) {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    const py = Math.round(cy) + 0.5;
    const px = Math.round(cx) + 0.5;
    if (cx - half > 0) seg(0, py, Math.min(W, cx - half), py);
    if (cx + half < W) seg(Math.max(0, cx + half), py, W, py);
    if (cy - half > 0) seg(px, 0, px, Math.min(H, cy - half));
    if (cy + half < H) seg(px, Math.max(0, cy + half), px, H);
    ctx.stroke();
    ctx.beginPath();
    const b = Math.max(s, 3);
    ctx.rect(cx - b / 2 - 1.5, cy - b / 2 - 1.5, b + 3, b + 3);
    ctx.stroke();
  }
  ctx.restore();
}

/**
 * The embedding scatter (canvas): every pixel one point, coloured by progress,
 * label or density; a drag draws a brush whose points' pixels become the
 * selection; the selection's pixels light up here.
 */
class Embedding {
  readonly panel: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly title: string;
  private readonly ctx: CanvasRenderingContext2D;
  private dx = 0;
  private dy = 1;
  private colorBy: 'progress' | 'label' | 'density';
  private base: HTMLCanvasElement;
  private px = new Float32Array(0);
  private py = new Float32Array(0);
  private brush: { a: [number, number]; b: [number, number] } | null = null;
  private readonly size = 300;
  private readonly m = 28;

  constructor(
    private readonly view: View,
    private readonly coords: ArrayLike<number>,
    private readonly d: number,
    title: string,
  ) {
    const { doc, listen } = view.internals;
    const r = view.result;
    this.title = title;
    this.colorBy = r.embedding?.progress ? 'progress' : r.labels ? 'label' : 'density';
    this.canvas = el(doc, 'canvas', {
      width: this.size + this.m,
      height: this.size + this.m,
      class: 'specmap-embedding-canvas',
      tabindex: 0,
      role: 'img',
      'aria-label': `${title}: one point per pixel. Drag a rectangle to select those pixels on the maps; Escape clears.`,
      'data-highlighted': 0,
    });
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('specmap view: no 2D canvas context');
    this.ctx = ctx;
    this.base = doc.createElement('canvas');
    const controls = el(doc, 'div', { class: 'specmap-embedding-controls' });
    if (d > 2) {
      const dimSel = (value: number, label: string, set: (v: number) => void) => {
        const s = el(doc, 'select', { 'aria-label': label });
        for (let i = 0; i < Math.min(d, 16); i++) s.appendChild(el(doc, 'option', { value: i }, [`dim ${i}`]));
        s.value = String(value);
        listen(s, 'change', () => {
          set(Number(s.value));
          this.rebuild();
        });
        return s;
      };
      controls.appendChild(el(doc, 'span', {}, ['x ', dimSel(0, 'x axis', (v) => (this.dx = v)), ' y ', dimSel(1, 'y axis', (v) => (this.dy = v))]));
    }
    const cb = el(doc, 'select', { 'aria-label': 'Colour points by', class: 'specmap-embedding-colorby' });
    if (r.embedding?.progress) cb.appendChild(el(doc, 'option', { value: 'progress' }, ['colour: progress']));
    if (r.labels) cb.appendChild(el(doc, 'option', { value: 'label' }, ['colour: cluster label']));
    cb.appendChild(el(doc, 'option', { value: 'density' }, ['colour: density']));
    cb.value = this.colorBy;
    listen(cb, 'change', () => {
      this.colorBy = cb.value as Embedding['colorBy'];
      this.rebuild();
    });
    controls.appendChild(cb);
    this.panel = el(doc, 'div', { class: 'specmap-embedding' }, [el(doc, 'div', { class: 'specmap-embedding-title' }, [title]), controls, this.canvas]);

    const point = (ev: MouseEvent): [number, number] => {
      const rect = this.canvas.getBoundingClientRect();
      return [((ev.clientX - rect.left) / rect.width) * this.canvas.width, ((ev.clientY - rect.top) / rect.height) * this.canvas.height];
    };
    listen(this.canvas, 'pointerdown', (ev) => {
      const pe = ev as PointerEvent;
      if (pe.button !== 0) return;
      const p = point(pe);
      this.brush = { a: p, b: p };
      try {
        this.canvas.setPointerCapture(pe.pointerId);
      } catch {
        /* synthetic */
      }
    });
    listen(this.canvas, 'pointermove', (ev) => {
      if (!this.brush) return;
      this.brush.b = point(ev as PointerEvent);
      this.draw();
    });
    listen(this.canvas, 'pointerup', (ev) => {
      if (!this.brush) return;
      this.brush.b = point(ev as PointerEvent);
      const { a, b } = this.brush;
      this.brush = null;
      if (Math.abs(a[0] - b[0]) < 2 && Math.abs(a[1] - b[1]) < 2) {
        this.view.brushSelect(null);
        return;
      }
      this.view.brushSelect(this.brushMask(a, b));
    });
    listen(this.canvas, 'keydown', (ev) => {
      if ((ev as KeyboardEvent).key === 'Escape') this.view.brushSelect(null);
    });
    this.rebuild();
  }

  private brushMask(a: [number, number], b: [number, number]): Uint8Array {
    const x0 = Math.min(a[0], b[0]);
    const x1 = Math.max(a[0], b[0]);
    const y0 = Math.min(a[1], b[1]);
    const y1 = Math.max(a[1], b[1]);
    const n = this.px.length;
    const mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const x = this.px[i];
      const y = this.py[i];
      if (x >= x0 && x <= x1 && y >= y0 && y <= y1) mask[i] = 1;
    }
    return mask;
  }

  /** Projects the points and paints the base layer. */
  rebuild(): void {
    const r = this.view.result;
    const n = r.width * r.height;
    const { d, dx, dy } = this;
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      xs[i] = this.coords[i * d + dx];
      ys[i] = this.coords[i * d + dy];
    }
    const [xlo, xhi] = percentilesOfSorted(sortedFinite(xs, CONTRAST_SAMPLE), [0.1, 99.9]);
    const [ylo, yhi] = percentilesOfSorted(sortedFinite(ys, CONTRAST_SAMPLE), [0.1, 99.9]);
    const S = this.size;
    const M = this.m;
    const sx = (v: number) => M + ((v - xlo) / (xhi - xlo || 1)) * (S - 8);
    const sy = (v: number) => S - 4 - ((v - ylo) / (yhi - ylo || 1)) * (S - 8);
    this.px = new Float32Array(n);
    this.py = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      this.px[i] = Number.isFinite(xs[i]) ? sx(xs[i]) : NaN;
      this.py[i] = Number.isFinite(ys[i]) ? sy(ys[i]) : NaN;
    }
    const W = this.canvas.width;
    const H = this.canvas.height;
    this.base.width = W;
    this.base.height = H;
    const bctx = this.base.getContext('2d');
    if (!bctx) return;
    const img = bctx.createImageData(W, H);
    const data = img.data;
    const lut = colormap('viridis');
    const counts = this.colorBy === 'density' ? new Uint32Array(W * H) : null;
    const prog = r.embedding?.progress;
    for (let i = 0; i < n; i++) {
      const x = Math.round(this.px[i]);
      const y = Math.round(this.py[i]);
      if (!(x >= 0 && x < W && y >= 0 && y < H)) continue;
      const o = (y * W + x) * 4;
      if (counts) {
        counts[y * W + x]++;
        continue;
      }
      let c: [number, number, number] = [120, 120, 120];
      if (this.colorBy === 'progress' && prog) {
        const t = prog[i];
        if (Number.isFinite(t)) {
          const li = Math.round(Math.min(1, Math.max(0, t)) * 255) * 3;
          c = [lut[li], lut[li + 1], lut[li + 2]];
        }
      } else if (this.colorBy === 'label' && r.labels) {
        const l = r.labels[i];
        if (l >= 0) {
          const v = parseInt(labelColor(l).slice(1), 16);
          c = [(v >> 16) & 255, (v >> 8) & 255, v & 255];
        }
      }
      data[o] = c[0];
      data[o + 1] = c[1];
      data[o + 2] = c[2];
      data[o + 3] = 255;
    }
    if (counts) {
      let max = 1;
      for (const c of counts) if (c > max) max = c;
      const lmax = Math.log1p(max);
      for (let p = 0; p < counts.length; p++) {
        if (!counts[p]) continue;
        const li = Math.round((0.15 + 0.85 * (Math.log1p(counts[p]) / lmax)) * 255) * 3;
        data[p * 4] = lut[li];
        data[p * 4 + 1] = lut[li + 1];
        data[p * 4 + 2] = lut[li + 2];
        data[p * 4 + 3] = 255;
      }
    }
    bctx.putImageData(img, 0, 0);
    // Axes labels.
    bctx.fillStyle = 'rgba(128,128,128,0.9)';
    bctx.font = '11px sans-serif';
    bctx.fillText(`dim ${dx} →`, M, H - 4 + 0);
    bctx.save();
    bctx.translate(11, S - 4);
    bctx.rotate(-Math.PI / 2);
    bctx.fillText(`dim ${dy} →`, 0, 0);
    bctx.restore();
    // Projected standards.
    for (const st of r.embedding?.standards ?? []) {
      const x = sx(st.coords[dx]);
      const y = sy(st.coords[dy]);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      bctx.strokeStyle = '#000';
      bctx.fillStyle = '#fff';
      bctx.lineWidth = 1.5;
      bctx.beginPath();
      bctx.rect(x - 4, y - 4, 8, 8);
      bctx.fill();
      bctx.stroke();
      bctx.fillStyle = 'rgba(128,128,128,1)';
      bctx.fillText(st.name.slice(0, 40), x + 6, y - 4);
    }
    this.draw();
  }

  draw(): void {
    const ctx = this.ctx;
    const { selection, sel } = this.view.internals;
    const r = this.view.result;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.drawImage(this.base, 0, 0);
    let lit = 0;
    if (selection) {
      ctx.fillStyle = '#ff2d95';
      for (let i = 0; i < selection.length; i++) {
        if (!selection[i]) continue;
        const x = this.px[i];
        const y = this.py[i];
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        ctx.fillRect(x - 1, y - 1, 2, 2);
        lit++;
      }
    }
    if (sel) {
      const i = sel[1] * r.width + sel[0];
      const x = this.px[i];
      const y = this.py[i];
      if (Number.isFinite(x) && Number.isFinite(y)) {
        ctx.strokeStyle = '#000';
        ctx.lineWidth = 3;
        ctx.beginPath();
        ctx.arc(x, y, 5, 0, 2 * Math.PI);
        ctx.stroke();
        ctx.strokeStyle = '#fff';
        ctx.lineWidth = 1.5;
        ctx.stroke();
      }
    }
    if (this.brush) {
      const { a, b } = this.brush;
      ctx.setLineDash([4, 3]);
      ctx.strokeStyle = '#ff2d95';
      ctx.lineWidth = 1.5;
      ctx.strokeRect(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]));
      ctx.setLineDash([]);
    }
    this.canvas.setAttribute('data-highlighted', String(lit));
  }
}

/** Renders the interactive view of `result` into `host` (appends a `.specmap-view` element). */
export function renderView(host: HTMLElement, result: AnalysisResult, options: ViewOptions = {}): SpecmapView {
  return new View(host, result, options);
}

export { componentLabel };
