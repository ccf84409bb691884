/**
 * The interactive specmap view: weight maps (one canvas per component) linked
 * to a spectrum panel (Vega-Lite via vega-embed, SVG renderer).
 *
 * Stable hooks for tests and host pages:
 *  - the root element has class `specmap-view`;
 *  - its first <canvas> is the 2D-context weight map of component 0; every
 *    map canvas carries `data-scale` (CSS pixels per map pixel) and
 *    `data-component`;
 *  - after a pixel is selected (click, drag or arrow keys) the root carries
 *    `data-selected="x,y"`; once the spectrum panel shows that pixel it also
 *    carries `data-spectrum="x,y"`.
 */
import type { AnalysisResult } from '@specmap/core';
import embed, { type EmbedOptions, type Result as EmbedResult, type VisualizationSpec } from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import { componentColor, cssGradient } from './colormap';
import {
  componentWeights,
  displayRange,
  fmt,
  mapRgba,
  mapScale,
  pixelModel,
  validateResult,
  type DisplayRange,
  type PixelModel,
} from './model';
import {
  componentsSpec,
  DARK_THEME,
  LIGHT_THEME,
  PIXEL_DATA,
  pixelRows,
  pixelSpec,
  type ChartTheme,
} from './specs';
import { ensureStyle } from './style';

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
}

export interface SpecmapView {
  /** The root element (class `specmap-view`), a child of the host. */
  readonly element: HTMLElement;
  readonly result: AnalysisResult;
  /** Resolves when both charts are drawn (rejects if vega-embed fails). */
  readonly ready: Promise<void>;
  /** The selected pixel, or null. */
  readonly selected: [number, number] | null;
  /** Selects pixel (x, y) (clamped to the map), as a click would. Resolves when the spectrum panel shows it. */
  select(x: number, y: number): Promise<void>;
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

interface MapPanel {
  canvas: HTMLCanvasElement;
  ctx: CanvasRenderingContext2D;
  image: HTMLCanvasElement;
  range: DisplayRange;
}

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
  /** The pixel chart, embedded at the first selection (with that pixel's data). */
  private pixelChart: Promise<EmbedResult | null> | null = null;
  private readonly pixelDiv: HTMLElement;
  private readonly chartSize: { width: number; height: number };
  private readonly theme: ChartTheme;
  private readonly embedOpts: EmbedOptions;
  private sel: [number, number] | null = null;
  private disposed = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly cleanups: (() => void)[] = [];

  constructor(host: HTMLElement, result: AnalysisResult, options: ViewOptions) {
    validateResult(result);
    this.doc = host.ownerDocument;
    this.result = result;
    ensureStyle(this.doc);
    const r = result;
    this.scale = mapScale(r.width, r.height, options.mapSize ?? 256);
    const baseTheme = options.theme === 'dark' ? DARK_THEME : options.theme === 'light' ? LIGHT_THEME : detectTheme(host);
    const theme: ChartTheme = { ...baseTheme, font: 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif' };
    const doc = this.doc;

    this.element = el(doc, 'div', {
      class: 'specmap-view',
      'data-method': r.method,
      'data-k': r.k,
      'data-width': r.width,
      'data-height': r.height,
    });

    // Header: method, k, size, iterations / convergence, warnings.
    const m = r.energies.length;
    const e0 = Math.min(...Array.from(r.energies));
    const e1 = Math.max(...Array.from(r.energies));
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
    if (r.method === 'pca' && r.explainedVarianceRatio) {
      let total = 0;
      for (const v of r.explainedVarianceRatio) total += Number.isFinite(v) ? v : 0;
      header.appendChild(el(doc, 'span', { class: 'specmap-fact' }, [`explained variance ${(total * 100).toFixed(1)} %`]));
    }
    this.element.appendChild(header);
    this.element.appendChild(this.metaLine());
    if (r.warnings.length) {
      this.element.appendChild(
        el(doc, 'ul', { class: 'specmap-warnings', role: 'alert' }, r.warnings.map((w) => el(doc, 'li', {}, [w]))),
      );
    }

    // Body: maps on the left, spectra on the right (wrapping on narrow screens).
    const mapsGrid = el(doc, 'div', { class: 'specmap-maps' });
    this.status = el(doc, 'div', { class: 'specmap-status', 'aria-live': 'polite' });
    const mapsPanel = el(doc, 'div', { class: 'specmap-maps-panel' }, [mapsGrid, this.status]);
    for (let j = 0; j < r.k; j++) mapsGrid.appendChild(this.buildMap(j));

    this.pixelInfo = el(doc, 'div', { class: 'specmap-pixel-info' });
    const componentsDiv = el(doc, 'div', { class: 'specmap-chart specmap-chart-components' });
    const pixelDiv = el(doc, 'div', { class: 'specmap-chart specmap-chart-pixel' });
    const spectraPanel = el(doc, 'div', { class: 'specmap-spectra-panel' }, [componentsDiv, this.pixelInfo, pixelDiv]);
    this.element.appendChild(el(doc, 'div', { class: 'specmap-body' }, [mapsPanel, spectraPanel]));
    host.appendChild(this.element);
    this.renderPixelInfo(null);
    this.setStatus(null);

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
    const initial = options.selected ? this.select(options.selected[0], options.selected[1]) : Promise.resolve();
    if (!options.selected) this.drawMaps();
    this.ready = Promise.all([components, initial]).then(() => undefined);
  }

  get selected(): [number, number] | null {
    return this.sel ? [this.sel[0], this.sel[1]] : null;
  }

  private adopt(res: EmbedResult): boolean {
    if (this.disposed) {
      res.finalize();
      return false;
    }
    this.charts.push(res);
    return true;
  }

  private metaLine(): HTMLElement {
    const p = this.result.provenance;
    const doc = this.doc;
    const parts: (Node | string)[] = [];
    const add = (label: string, value: Node | string) => {
      if (parts.length) parts.push(' · ');
      parts.push(`${label} `, value);
    };
    if (p?.input) add('input', el(doc, 'code', {}, [p.input]));
    if (p?.inputSha256) add('sha256', el(doc, 'code', { title: p.inputSha256 }, [p.inputSha256.slice(0, 12) + '…']));
    if (p?.steps?.length) add('preprocessing', p.steps.map((s) => s.name).join(' → '));
    if (p && p.seed !== null && p.seed !== undefined) add('seed', String(p.seed));
    if (p?.specmapVersion) add('specmap', p.specmapVersion);
    if (p?.date) add('run', p.date);
    return el(doc, 'div', { class: 'specmap-meta' }, parts);
  }

  private buildMap(j: number): HTMLElement {
    const r = this.result;
    const doc = this.doc;
    const s = this.scale;
    const values = componentWeights(r, j);
    const range = displayRange(values, r.method);
    const canvas = el(doc, 'canvas', {
      class: 'specmap-map-canvas',
      width: r.width * s,
      height: r.height * s,
      tabindex: 0,
      role: 'img',
      'data-scale': s,
      'data-component': j,
      'aria-label': `Weight map of component ${j}, ${r.width} by ${r.height} pixels. Click a pixel, or use the arrow keys, to show its spectrum.`,
      style: `width: ${r.width * s}px; height: ${r.height * s}px;`,
    });
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('specmap view: no 2D canvas context');
    // The map at native resolution, upscaled with nearest neighbour when drawn.
    const image = doc.createElement('canvas');
    image.width = r.width;
    image.height = r.height;
    const ictx = image.getContext('2d');
    if (!ictx) throw new Error('specmap view: no 2D canvas context');
    const data = ictx.createImageData(r.width, r.height);
    data.data.set(mapRgba(values, range));
    ictx.putImageData(data, 0, 0);
    this.maps.push({ canvas, ctx, image, range });

    this.listen(canvas, 'click', (ev) => {
      const p = this.eventPixel(canvas, ev as MouseEvent);
      if (p) void this.select(p[0], p[1]);
    });
    this.listen(canvas, 'pointermove', (ev) => {
      const pe = ev as PointerEvent;
      const p = this.eventPixel(canvas, pe);
      this.setStatus(p);
      if (p && pe.buttons === 1 && (!this.sel || p[0] !== this.sel[0] || p[1] !== this.sel[1])) void this.select(p[0], p[1]);
    });
    this.listen(canvas, 'pointerleave', () => this.setStatus(null));
    this.listen(canvas, 'keydown', (ev) => this.onKey(ev as KeyboardEvent));

    const mid = r.method === 'pca' ? el(doc, 'span', {}, ['0']) : null;
    const bar = el(doc, 'div', { class: 'specmap-colorbar', style: `width: ${r.width * s}px` }, [
      el(doc, 'div', { class: 'specmap-colorbar-bar', style: `background: ${cssGradient(range.colormap)}` }),
      el(doc, 'div', { class: 'specmap-colorbar-labels' }, [
        el(doc, 'span', { class: 'specmap-colorbar-min', title: `colour scale from ${fmt(range.lo, 6)} (${r.method === 'pca' ? '−max(|p1|, |p99|)' : '1st percentile'}); data minimum ${fmt(range.min, 6)}` }, [
          (range.min < range.lo ? '≤ ' : '') + fmt(range.lo),
        ]),
        mid,
        el(doc, 'span', { class: 'specmap-colorbar-max', title: `colour scale to ${fmt(range.hi, 6)} (${r.method === 'pca' ? 'max(|p1|, |p99|)' : '99th percentile'}); data maximum ${fmt(range.max, 6)}` }, [
          (range.max > range.hi ? '≥ ' : '') + fmt(range.hi),
        ]),
      ]),
    ]);
    const evr = r.explainedVarianceRatio;
    const caption = el(doc, 'figcaption', {}, [
      el(doc, 'span', { class: 'specmap-swatch', style: `background: ${componentColor(j)}` }),
      `Component ${j}`,
      r.method === 'pca' && evr && Number.isFinite(evr[j])
        ? el(doc, 'span', { class: 'specmap-evr' }, [`${(evr[j] * 100).toFixed(1)} % of variance`])
        : null,
    ]);
    return el(doc, 'figure', { class: 'specmap-map', 'data-component': j }, [caption, canvas, bar]);
  }

  private listen(target: EventTarget, type: string, fn: (ev: Event) => void): void {
    target.addEventListener(type, fn);
    this.cleanups.push(() => target.removeEventListener(type, fn));
  }

  /** Map pixel under a mouse event, robust to CSS resizing of the canvas. */
  private eventPixel(canvas: HTMLCanvasElement, ev: MouseEvent): [number, number] | null {
    const rect = canvas.getBoundingClientRect();
    if (rect.width <= 0 || rect.height <= 0) return null;
    const x = Math.floor(((ev.clientX - rect.left) / rect.width) * this.result.width);
    const y = Math.floor(((ev.clientY - rect.top) / rect.height) * this.result.height);
    if (x < 0 || y < 0 || x >= this.result.width || y >= this.result.height) return null;
    return [x, y];
  }

  private onKey(ev: KeyboardEvent): void {
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
    const r = this.result;
    const n = ev.shiftKey ? 10 : 1;
    const [x, y] = this.sel ?? [Math.floor(r.width / 2) - step[0] * n, Math.floor(r.height / 2) - step[1] * n];
    void this.select(x + step[0] * n, y + step[1] * n);
  }

  private setStatus(p: [number, number] | null): void {
    const r = this.result;
    const target = p ?? this.sel;
    if (!target) {
      this.status.textContent = 'Hover a map to read weights; click a pixel to show its spectrum.';
      return;
    }
    const [x, y] = target;
    const base = (y * r.width + x) * r.k;
    const ws = Array.from({ length: r.k }, (_, j) => `w${j} = ${fmt(r.weights[base + j])}`).join('  ');
    this.status.textContent = `${p ? 'cursor' : 'selected'} (${x}, ${y})  ${ws}`;
  }

  private drawMaps(): void {
    const r = this.result;
    const s = this.scale;
    for (const map of this.maps) {
      const { ctx, canvas, image } = map;
      ctx.imageSmoothingEnabled = false;
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(image, 0, 0, r.width * s, r.height * s);
      if (this.sel) drawCrosshair(ctx, this.sel[0], this.sel[1], s, canvas.width, canvas.height);
    }
  }

  private renderPixelInfo(p: PixelModel | null): void {
    const doc = this.doc;
    const box = this.pixelInfo;
    box.textContent = '';
    if (!p) {
      box.appendChild(
        el(doc, 'span', { class: 'specmap-hint' }, [
          'Click a pixel on a map (or focus a map and use the arrow keys) to show its spectrum: measured, reconstruction and per-component contributions.',
        ]),
      );
      return;
    }
    box.appendChild(el(doc, 'span', { class: 'specmap-pixel-title' }, [`Pixel (${p.x}, ${p.y})`]));
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
    if (this.result.method === 'pca' && this.result.mean) extra.push('reconstruction = mean + Σ wⱼ·cⱼ');
    else extra.push('reconstruction = Σ wⱼ·cⱼ');
    if (p.measured) {
      if (p.measured.binning > 1) {
        extra.push(`measured: binned pixel (${p.measured.bx}, ${p.measured.by}), ${p.measured.binning}×${p.measured.binning} bin`);
      } else if (p.rmsResidual !== null) {
        extra.push(`RMS residual (measured − reconstruction) = ${fmt(p.rmsResidual)}`);
      }
    } else {
      extra.push('no measured spectra in this result');
    }
    box.appendChild(el(doc, 'div', { class: 'specmap-pixel-extra' }, [extra.join(' · ')]));
  }

  select(x: number, y: number): Promise<void> {
    if (this.disposed) return Promise.resolve();
    const r = this.result;
    const cx = Math.min(r.width - 1, Math.max(0, Math.round(x)));
    const cy = Math.min(r.height - 1, Math.max(0, Math.round(y)));
    this.sel = [cx, cy];
    this.element.setAttribute('data-selected', `${cx},${cy}`);
    const model = pixelModel(r, cx, cy);
    this.drawMaps();
    this.renderPixelInfo(model);
    this.setStatus(null);
    const rows = pixelRows(r, model);
    this.chain = this.chain
      .then(async () => {
        if (this.disposed || !this.sel || this.sel[0] !== cx || this.sel[1] !== cy) return; // superseded
        if (!this.pixelChart) {
          const spec = pixelSpec(r, this.theme, this.chartSize, rows) as unknown as VisualizationSpec;
          this.pixelChart = embed(this.pixelDiv, spec, { ...this.embedOpts, downloadFileName: 'specmap-pixel' }).then((res) =>
            this.adopt(res) ? res : null,
          );
          await this.pixelChart;
        } else {
          const chart = await this.pixelChart;
          if (!chart || this.disposed) return;
          await chart.view.data(PIXEL_DATA, rows).runAsync();
        }
        if (!this.disposed && this.sel && this.sel[0] === cx && this.sel[1] === cy) {
          this.element.setAttribute('data-spectrum', `${cx},${cy}`);
        }
      })
      .catch((err: unknown) => {
        this.showError(err);
      });
    return this.chain;
  }

  private showError(err: unknown): void {
    if (this.disposed) return;
    const msg = err instanceof Error ? err.message : String(err);
    this.pixelInfo.appendChild(el(this.doc, 'div', { class: 'specmap-error' }, [`Could not draw the spectrum: ${msg}`]));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.cleanups) c();
    for (const c of this.charts) c.finalize();
    this.charts.length = 0;
    this.pixelChart = null;
    this.element.remove();
  }
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
    // Arms from the edges towards the pixel, leaving it visible.
    const py = Math.round(cy) + 0.5;
    const px = Math.round(cx) + 0.5;
    if (cx - half > 0) seg(0, py, cx - half, py);
    if (cx + half < W) seg(cx + half, py, W, py);
    if (cy - half > 0) seg(px, 0, px, cy - half);
    if (cy + half < H) seg(px, cy + half, px, H);
    ctx.stroke();
    ctx.beginPath();
    const b = Math.max(s, 3);
    ctx.rect(cx - b / 2 - 1.5, cy - b / 2 - 1.5, b + 3, b + 3);
    ctx.stroke();
  }
  ctx.restore();
}

/** Renders the interactive view of `result` into `host` (appends a `.specmap-view` element). */
export function renderView(host: HTMLElement, result: AnalysisResult, options: ViewOptions = {}): SpecmapView {
  return new View(host, result, options);
}
