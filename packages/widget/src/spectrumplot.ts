/**
 * A small canvas line chart for the pixel spectrum: redrawn on every hover,
 * so it must take well under one animation frame (Vega took ~25 ms per
 * update at m = 100; this takes ~1 ms). Axes with "nice" ticks, a legend,
 * lines (optionally dashed) and points.
 *
 * Test hooks on the canvas: `data-x-domain="e0,e1"`, `data-y-domain="v0,v1"`
 * and `data-plot="left,top,width,height"` (CSS pixels of the plotting area),
 * so a test can compute where a value is drawn and read the pixel colour.
 */
import { fmt } from './model';

export interface PlotSeries {
  name: string;
  color: string;
  values: ArrayLike<number>;
  /** Line width in CSS px; 0 draws points only. */
  width: number;
  dash?: number[];
}

export interface PlotColors {
  fg: string;
  fg2: string;
  grid: string;
}

/** Ticks at 1, 2 or 5 × 10^k covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

export class SpectrumPlot {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly dpr: number;
  private readonly legendRows: number;

  constructor(
    doc: Document,
    private readonly width: number,
    private readonly height: number,
    private readonly title: string,
    legendCount: number,
  ) {
    this.legendRows = Math.ceil(legendCount / 2);
    this.dpr = Math.max(1, Math.min(3, doc.defaultView?.devicePixelRatio ?? 1));
    const cssW = width + 70;
    const cssH = height + 60 + this.legendRows * 16;
    this.canvas = doc.createElement('canvas');
    this.canvas.width = Math.round(cssW * this.dpr);
    this.canvas.height = Math.round(cssH * this.dpr);
    this.canvas.style.width = `${cssW}px`;
    this.canvas.style.height = `${cssH}px`;
    this.canvas.className = 'specmap-pixel-canvas';
    this.canvas.setAttribute('role', 'img');
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('specmap view: no 2D canvas context');
    this.ctx = ctx;
  }

  draw(energies: ArrayLike<number>, series: PlotSeries[], colors: PlotColors, subtitle: string): void {
    const ctx = this.ctx;
    const { width: W, height: H, dpr } = this;
    const left = 56;
    const top = 24;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width / dpr, this.canvas.height / dpr);
    let e0 = Infinity;
    let e1 = -Infinity;
    for (let i = 0; i < energies.length; i++) {
      const e = energies[i];
      if (e < e0) e0 = e;
      if (e > e1) e1 = e;
    }
    let v0 = 0;
    let v1 = 0;
    for (const s of series) {
      for (let i = 0; i < s.values.length; i++) {
        const v = s.values[i];
        if (v - v !== 0) continue;
        if (v < v0) v0 = v;
        if (v > v1) v1 = v;
      }
    }
    if (!(v1 > v0)) v1 = v0 + 1;
    const yt = niceTicks(v0, v1, 5);
    const step = yt.length > 1 ? yt[1] - yt[0] : 1;
    v0 = Math.min(v0, yt[0]);
    v1 = Math.max(v1, yt[yt.length - 1] < v1 ? yt[yt.length - 1] + step : yt[yt.length - 1]);
    if (!(e1 > e0)) e1 = e0 + 1;
    const X = (e: number) => left + ((e - e0) / (e1 - e0)) * W;
    const Y = (v: number) => top + H - ((v - v0) / (v1 - v0)) * H;
    this.canvas.setAttribute('data-x-domain', `${e0},${e1}`);
    this.canvas.setAttribute('data-y-domain', `${v0},${v1}`);
    this.canvas.setAttribute('data-plot', `${left},${top},${W},${H}`);

    // Title, grid, axes.
    ctx.font = 'bold 12px system-ui, sans-serif';
    ctx.fillStyle = colors.fg;
    ctx.textBaseline = 'alphabetic';
    ctx.textAlign = 'left';
    ctx.fillText(this.title, 4, 14);
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = colors.fg2;
    ctx.fillText(subtitle, 4 + ctx.measureText(this.title).width + 60, 14);
    ctx.lineWidth = 1;
    ctx.strokeStyle = colors.grid;
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillStyle = colors.fg;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const v of yt) {
      const y = Math.round(Y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + W, y);
      ctx.stroke();
      ctx.fillText(fmt(v), left - 5, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const e of niceTicks(e0, e1, 8)) {
      const x = Math.round(X(e)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + H);
      ctx.stroke();
      ctx.fillText(fmt(e, 4), x, top + H + 4);
    }
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText('Energy (eV)', left + W / 2, top + H + 18);
    ctx.save();
    ctx.translate(12, top + H / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText('Intensity', 0, 0);
    ctx.restore();
    ctx.strokeStyle = colors.fg2;
    ctx.strokeRect(left + 0.5, top + 0.5, W, H);

    // Data, clipped to the plotting area.
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, W, H);
    ctx.clip();
    for (const s of series) {
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      if (s.width <= 0) {
        ctx.globalAlpha = 0.75;
        for (let i = 0; i < energies.length; i++) {
          const v = s.values[i];
          if (v - v !== 0) continue;
          ctx.beginPath();
          ctx.arc(X(energies[i]), Y(v), 2, 0, 2 * Math.PI);
          ctx.fill();
        }
        ctx.globalAlpha = 1;
        continue;
      }
      ctx.lineWidth = s.width;
      ctx.lineJoin = 'round';
      ctx.setLineDash(s.dash ?? []);
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < energies.length; i++) {
        const v = s.values[i];
        if (v - v !== 0) {
          pen = false;
          continue;
        }
        if (pen) ctx.lineTo(X(energies[i]), Y(v));
        else ctx.moveTo(X(energies[i]), Y(v));
        pen = true;
      }
      ctx.stroke();
    }
    ctx.restore();
    ctx.setLineDash([]);

    // Legend, two columns.
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    series.forEach((s, i) => {
      const x = left + (i % 2) * (W / 2);
      const y = top + H + 40 + Math.floor(i / 2) * 16;
      ctx.strokeStyle = s.color;
      ctx.fillStyle = s.color;
      if (s.width <= 0) {
        ctx.beginPath();
        ctx.arc(x + 9, y, 2.5, 0, 2 * Math.PI);
        ctx.fill();
      } else {
        ctx.lineWidth = Math.min(2.4, s.width);
        ctx.setLineDash(s.dash ?? []);
        ctx.beginPath();
        ctx.moveTo(x, y);
        ctx.lineTo(x + 18, y);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      ctx.fillStyle = colors.fg;
      ctx.fillText(s.name, x + 24, y);
    });
  }
}
