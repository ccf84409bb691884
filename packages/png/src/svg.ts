/**
 * Publication-quality exports of the static figure:
 *
 * - renderResultSvg: the same figure as renderResultPng as SVG — each weight
 *   map an embedded PNG image at its native resolution (drawn with
 *   pixelated scaling), colour bars as gradients, spectra, axes and ticks as
 *   vector paths, and all text as SVG <text> (selectable, editable).
 * - renderResultPngDpi: the raster figure scaled for a resolution (fonts,
 *   lines and maps scaled together; 96 dpi is the default figure) with a
 *   pHYs chunk recording the dpi, so the printed size stays the same.
 */
import { SpecmapError, type AnalysisResult } from '@specmap/core';
import { colormap, type RGB } from './colormap';
import { encodePng } from './png';
import { textWidth } from './font';
import {
  componentColor,
  defaultMapScale,
  formatTick,
  mapScaling,
  niceTicks,
  renderResultRaster,
  weightColor,
  type RenderOptions,
} from './figure';

/** The resolution the default figure (font scale 2) is drawn for. */
export const BASE_DPI = 96;

/** Font scale and map scale of the raster figure at a resolution (see renderResultPngDpi). */
export function dpiScales(r: Pick<AnalysisResult, 'width' | 'height'>, dpi: number): { fontScale: number; scale: number } {
  if (!(dpi > 0) || !Number.isFinite(dpi) || dpi > 2400) throw new SpecmapError('ARG', `dpi must be between 1 and 2400, got ${dpi}`);
  const fontScale = Math.max(1, Math.round((2 * dpi) / BASE_DPI));
  return { fontScale, scale: (defaultMapScale(r.width, r.height) * fontScale) / 2 };
}

/**
 * The static figure as PNG for printing at `dpi` dots per inch: drawn with
 * font scale round(2·dpi/96) (96 dpi gives the default figure) and maps
 * scaled alike, so the size in pixels grows linearly with the dpi; the
 * file's pHYs chunk records the dpi. Deterministic.
 */
export function renderResultPngDpi(r: AnalysisResult, dpi: number, options: Omit<RenderOptions, 'fontScale' | 'scale'> = {}): Uint8Array {
  const s = dpiScales(r, dpi);
  const img = renderResultRaster(r, { ...options, ...s });
  return encodePng(img.width, img.height, img.data, { text: { Software: 'specmap', Title: `${r.method} k=${r.k}` }, dpi });
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function rgb(c: readonly number[]): string {
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function n(x: number): string {
  return String(Math.round(x * 100) / 100);
}

export interface SvgOptions {
  /** Maximum number of maps per row (default 4). */
  mapsPerRow?: number;
  /** Font family of the text. __Default:__ 'DejaVu Sans, Helvetica, Arial, sans-serif'. */
  fontFamily?: string;
}

/**
 * The static figure of a result as a standalone SVG document (UTF-8 text).
 * Layout as renderResultPng at its default size (user units = pixels at 96
 * dpi): title, one weight map per component with its colour bar, the
 * component spectra (references dashed, scaled to the components' maximum),
 * legend and footnote. Deterministic: the same result gives the same text.
 */
export function renderResultSvg(r: AnalysisResult, options: SvgOptions = {}): string {
  const m = r.energies?.length ?? 0;
  if (!Number.isInteger(r.k) || r.k < 1) throw new SpecmapError('K_RANGE', `cannot draw a result with k = ${r.k}`);
  if (m < 1) throw new SpecmapError('SHAPE', 'cannot draw a result with no energies');
  if (r.weights.length !== r.width * r.height * r.k) throw new SpecmapError('SHAPE', `weights have ${r.weights.length} values, ${r.width}×${r.height}×${r.k} expected`);
  if (r.components.length !== r.k * m) throw new SpecmapError('SHAPE', `components have ${r.components.length} values, ${r.k}×${m} expected`);
  const { k, width: w, height: h } = r;
  const fs = 2;
  const font = options.fontFamily ?? 'DejaVu Sans, Helvetica, Arial, sans-serif';
  const fontSize = 7 * fs * 1.15;
  const perRow = Math.max(1, Math.floor(options.mapsPerRow ?? 4));
  const scale = defaultMapScale(w, h);
  const lineH = 7 * fs;
  const pad = 8 * fs;
  const mapW = Math.max(1, Math.round(w * scale));
  const mapH = Math.max(1, Math.round(h * scale));
  const out: string[] = [];
  const text = (x: number, y: number, s: string, opts: { color?: readonly number[]; anchor?: 'start' | 'middle' | 'end'; baseline?: 'top' | 'middle' | 'bottom'; rotate?: boolean; size?: number } = {}) => {
    const anchor = opts.anchor ?? 'start';
    const base = opts.baseline ?? 'top';
    const size = opts.size ?? fontSize;
    const dy = base === 'top' ? size * 0.8 : base === 'middle' ? size * 0.35 : 0;
    const tr = opts.rotate ? ` transform="rotate(-90 ${n(x)} ${n(y)})"` : '';
    out.push(`<text x="${n(x)}" y="${n(y + dy)}"${anchor !== 'start' ? ` text-anchor="${anchor}"` : ''} fill="${rgb(opts.color ?? [34, 34, 34])}"${size !== fontSize ? ` font-size="${n(size)}"` : ''}${tr}>${esc(s)}</text>`);
  };

  // per-component scalings and subtitles (as in figure.ts)
  const scalings = [];
  const col = new Float64Array(w * h);
  for (let c = 0; c < k; c++) {
    for (let p = 0; p < w * h; p++) col[p] = r.weights[p * k + c];
    scalings.push(mapScaling(r.method, col));
  }
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
    subtitles.push(parts.join(', '));
  }
  const hasSub = subtitles.some((s) => s.length > 0);
  const barGap = 4 * fs;
  const barW = 7 * fs;
  const tickLen = 2 * fs;
  const barLabelW = Math.max(...scalings.flatMap((s) => s.labels.map((l) => textWidth(l.text, fs))));
  const panelW = Math.max(mapW + barGap + barW + tickLen + 2 * fs + barLabelW, ...subtitles.map((s) => Math.min(textWidth(s, fs), mapW * 1.6)));
  const panelGap = 10 * fs;
  const cols = Math.min(k, perRow);
  const rows = Math.ceil(k / perRow);
  const titleH = lineH + 4 * fs;
  const panelHeadH = lineH + 3 * fs + (hasSub ? lineH + 3 * fs : 0);
  const panelH = panelHeadH + mapH;
  const rowGap = 8 * fs;

  // spectra y range, references scaled to the components' maximum
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
  const plotLeft = pad + lineH + 2 * fs + 5 * fs + maxYLabel + 2 * fs + tickLen;
  const mapsW = pad * 2 + cols * panelW + (cols - 1) * panelGap;
  const figW = Math.max(mapsW, plotLeft + 300 * fs + pad + 3 * 6 * fs);
  const plotTitleH = lineH + 4 * fs;
  const xAxisH = tickLen + 3 * fs + lineH + 5 * fs + lineH;
  const warnings = r.warnings ?? [];
  const footLines = 1 + Math.min(warnings.length, 3);
  const footH = footLines * (lineH + 3 * fs);
  const mapsTop = pad + titleH;
  const plotTop = mapsTop + rows * panelH + (rows - 1) * rowGap + 10 * fs + plotTitleH;
  const figH = plotTop + plotH + xAxisH + 6 * fs + footH + pad;

  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" width="${n(figW)}" height="${n(figH)}" viewBox="0 0 ${n(figW)} ${n(figH)}" font-family="${esc(font)}" font-size="${n(fontSize)}">`,
  );
  out.push(`<title>${esc(`specmap ${r.method} k=${k}`)}</title>`);
  out.push(`<rect x="0" y="0" width="${n(figW)}" height="${n(figH)}" fill="#ffffff"/>`);

  // title
  const e0 = Math.min(r.energies[0], r.energies[m - 1]);
  const e1 = Math.max(r.energies[0], r.energies[m - 1]);
  text(pad, pad, `${r.method.toUpperCase()}  k=${k}  ${w}×${h} px  ${m} energies (${formatTick(e0, 0.1)}–${formatTick(e1, 0.1)} eV)`, { color: [0, 0, 0] });

  // colour-bar gradients (one per colormap used)
  const gradients = new Set(scalings.map((s) => s.cmap));
  out.push('<defs>');
  for (const cm of gradients) {
    const stops: string[] = [];
    for (let i = 0; i <= 16; i++) {
      const t = i / 16;
      stops.push(`<stop offset="${n(t)}" stop-color="${rgb(colormap(cm, 1 - t) as RGB)}"/>`);
    }
    out.push(`<linearGradient id="cbar-${cm}" x1="0" y1="0" x2="0" y2="1">${stops.join('')}</linearGradient>`);
  }
  out.push('</defs>');

  // weight maps: an embedded PNG each, native resolution, pixelated scaling
  const rgba = new Uint8Array(w * h * 4);
  for (let c = 0; c < k; c++) {
    const s = scalings[c];
    const px0 = pad + (c % perRow) * (panelW + panelGap);
    const py0 = mapsTop + Math.floor(c / perRow) * (panelH + rowGap);
    text(px0, py0, `c${c}`, { color: componentColor(c) });
    if (hasSub) text(px0, py0 + lineH + 3 * fs, subtitles[c], { color: [100, 100, 100] });
    for (let p = 0; p < w * h; p++) {
      const c3 = weightColor(s, r.weights[p * k + c]);
      rgba.set([c3[0], c3[1], c3[2], 255], p * 4);
    }
    const png = encodePng(w, h, rgba);
    const b64 = Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64');
    const my = py0 + panelHeadH;
    out.push(
      `<image x="${n(px0)}" y="${n(my)}" width="${n(mapW)}" height="${n(mapH)}" preserveAspectRatio="none" image-rendering="pixelated" style="image-rendering:pixelated;image-rendering:crisp-edges" xlink:href="data:image/png;base64,${b64}"><title>c${c} weight map (${w}×${h} px)</title></image>`,
    );
    out.push(`<rect x="${n(px0 - 0.5)}" y="${n(my - 0.5)}" width="${n(mapW + 1)}" height="${n(mapH + 1)}" fill="none" stroke="rgb(60,60,60)" stroke-width="1"/>`);
    const bx = px0 + mapW + barGap;
    out.push(`<rect x="${n(bx)}" y="${n(my)}" width="${n(barW)}" height="${n(mapH)}" fill="url(#cbar-${s.cmap})" stroke="rgb(60,60,60)" stroke-width="1"/>`);
    for (const l of s.labels) {
      const ly = my + (1 - l.t) * mapH;
      out.push(`<path d="M${n(bx + barW)} ${n(ly)}h${n(tickLen)}" stroke="rgb(60,60,60)" stroke-width="1"/>`);
      text(bx + barW + tickLen + 2 * fs, ly, l.text, { baseline: l.t === 1 ? 'top' : l.t === 0 ? 'bottom' : 'middle' });
    }
  }

  // spectra plot
  const plotRight = figW - pad - 3 * 6 * fs;
  const plotW = plotRight - plotLeft;
  text(plotLeft, plotTop - plotTitleH, 'Component spectra', { color: [0, 0, 0] });
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
  const grid = [...xt.ticks.map((t) => `M${n(X(t))} ${n(plotTop)}v${n(plotH)}`), ...yt.ticks.map((t) => `M${n(plotLeft)} ${n(Y(t))}h${n(plotW)}`)];
  out.push(`<path d="${grid.join('')}" stroke="rgb(228,228,228)" stroke-width="1" fill="none"/>`);
  if (ylo < 0 && yhi > 0) out.push(`<path d="M${n(plotLeft)} ${n(Y(0))}h${n(plotW)}" stroke="rgb(170,170,170)" stroke-width="1"/>`);
  const ticks = [...xt.ticks.map((t) => `M${n(X(t))} ${n(plotTop + plotH)}v${n(tickLen)}`), ...yt.ticks.map((t) => `M${n(plotLeft)} ${n(Y(t))}h${n(-tickLen)}`)];
  out.push(`<path d="${ticks.join('')}" stroke="rgb(60,60,60)" stroke-width="1" fill="none"/>`);
  for (const t of xt.ticks) text(X(t), plotTop + plotH + tickLen + 3 * fs, formatTick(t, xt.step), { anchor: 'middle' });
  yt.ticks.forEach((t, i) => text(plotLeft - tickLen - 2 * fs, Y(t), yLabels[i], { anchor: 'end', baseline: 'middle' }));
  text(plotLeft + plotW / 2, plotTop + plotH + xAxisH, 'Energy (eV)', { anchor: 'middle', baseline: 'bottom' });
  text(pad + lineH, plotTop + plotH / 2, r.method === 'pca' ? 'Loading' : 'Intensity (a.u.)', { anchor: 'middle', baseline: 'bottom', rotate: true });

  const pathOf = (values: ArrayLike<number>, offset: number) => {
    let d = '';
    let pen = false;
    for (let j = 0; j < m; j++) {
      const v = values[offset + j];
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${n(X(r.energies[j]))} ${n(Y(v))}`;
      pen = true;
    }
    return d;
  };
  out.push(`<g clip-path="url(#plot-clip)" fill="none" stroke-linejoin="round" stroke-linecap="round">`);
  for (const rc of refCurves) {
    out.push(`<path d="${pathOf(rc.values, 0)}" stroke="rgb(128,128,128)" stroke-width="${n(1.2 * fs)}" stroke-dasharray="${5 * fs} ${3 * fs}"><title>${esc(rc.name)} (reference, scaled)</title></path>`);
  }
  for (let c = 0; c < k; c++) out.push(`<path d="${pathOf(r.components, c * m)}" stroke="${rgb(componentColor(c))}" stroke-width="${n(fs)}"><title>c${c}</title></path>`);
  out.push('</g>');
  out.push(`<clipPath id="plot-clip"><rect x="${n(plotLeft)}" y="${n(plotTop)}" width="${n(plotW)}" height="${n(plotH)}"/></clipPath>`);
  out.push(`<rect x="${n(plotLeft)}" y="${n(plotTop)}" width="${n(plotW)}" height="${n(plotH)}" fill="none" stroke="rgb(60,60,60)" stroke-width="1"/>`);

  // legend
  const entries: { label: string; color: readonly number[]; dashed: boolean }[] = [];
  for (let c = 0; c < k; c++) entries.push({ label: `c${c}`, color: componentColor(c), dashed: false });
  for (const rc of refCurves) entries.push({ label: `${rc.name} (ref, scaled)`, color: [128, 128, 128], dashed: true });
  const swatch = 12 * fs;
  const rowH = lineH + 4 * fs;
  const legW = 3 * fs + swatch + 3 * fs + Math.max(...entries.map((e) => textWidth(e.label, fs))) + 3 * fs;
  const legH = entries.length * rowH + 3 * fs;
  const lx = plotLeft + plotW - legW - 4 * fs;
  const ly = plotTop + 4 * fs;
  out.push(`<rect x="${n(lx)}" y="${n(ly)}" width="${n(legW)}" height="${n(legH)}" fill="#ffffff" fill-opacity="0.88" stroke="rgb(200,200,200)" stroke-width="1"/>`);
  entries.forEach((e, i) => {
    const cy = ly + 3 * fs + i * rowH + lineH / 2;
    const x0 = lx + 3 * fs;
    out.push(`<path d="M${n(x0)} ${n(cy)}h${n(swatch)}" stroke="${rgb(e.color)}" stroke-width="${n(e.dashed ? 1.2 * fs : fs)}"${e.dashed ? ` stroke-dasharray="${3 * fs} ${2 * fs}"` : ''}/>`);
    text(x0 + swatch + 3 * fs, cy, e.label, { baseline: 'middle' });
  });

  // footnote (long lines cut with an ellipsis; ~0.56 em per character)
  const fit = (t: string, maxW: number) => {
    const max = Math.max(4, Math.floor(maxW / (0.56 * fontSize)));
    return t.length <= max ? t : t.slice(0, max - 1) + '…';
  };
  let fy = plotTop + plotH + xAxisH + 6 * fs;
  text(pad, fy, r.method === 'pca' ? 'Maps: (0,0) top left; centred on 0, range ±max(|p1|,|p99|).' : 'Maps: (0,0) top left; colour range = p1…p99 of each map.', { color: [100, 100, 100] });
  fy += lineH + 3 * fs;
  for (let i = 0; i < Math.min(warnings.length, 3); i++) {
    const more = i === 2 && warnings.length > 3 ? ` (+${warnings.length - 3} more)` : '';
    text(pad, fy, fit(`Warning: ${warnings[i]}`, figW - 2 * pad - more.length * 0.56 * fontSize) + more, { color: [176, 84, 0] });
    fy += lineH + 3 * fs;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
