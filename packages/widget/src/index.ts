/**
 * @specmap/widget — the interactive specmap view (browser-safe; no Node APIs).
 *
 * The Node-only report builder lives in `@specmap/widget/dist/report`.
 */
import type { AnalysisResult } from '@specmap/core';
import { decodeResult, decodeResultBase64 } from '@specmap/arrow';
import { renderView, type SpecmapView, type ViewOptions } from './view';
import { ensureStyle } from './style';

export { renderView } from './view';
export type { SpecmapView, ViewOptions } from './view';
export * from './regions';
export * from './images';
export * from './model';
export * from './specs';
export { colormap, colorAt, cssGradient, componentColor, COMPONENT_COLORS, COLORMAP_NAMES } from './colormap';
export type { ColormapName, Lut } from './colormap';
export { VIEW_CSS, ensureStyle } from './style';

/** Decodes an Arrow payload (base64 string as in Jupyter bundles, or raw bytes). */
export function decodePayload(payload: string | Uint8Array): AnalysisResult {
  return typeof payload === 'string' ? decodeResultBase64(payload.trim()) : decodeResult(payload);
}

/** Decodes a specmap Arrow payload with @specmap/arrow and renders the view. */
export function renderPayload(host: HTMLElement, payload: string | Uint8Array, options?: ViewOptions): SpecmapView {
  return renderView(host, decodePayload(payload), options);
}

/** Class of the error panel shown instead of a view when a payload cannot be shown. */
export const ERROR_PANEL_CLASS = 'specmap-error-panel';

/**
 * Shows a readable error inside `host` (text only: the message of an
 * untrusted payload's error is never parsed as HTML).
 */
export function renderError(host: HTMLElement, err: unknown): HTMLElement {
  const doc = host.ownerDocument;
  ensureStyle(doc);
  const code = (err as { code?: unknown })?.code;
  const raw = err instanceof Error ? err.message : String(err);
  const msg = raw.length > 2000 ? raw.slice(0, 2000) + '…' : raw;
  const panel = doc.createElement('div');
  panel.className = ERROR_PANEL_CLASS;
  panel.setAttribute('role', 'alert');
  if (typeof code === 'string') panel.setAttribute('data-error-code', code);
  const title = doc.createElement('div');
  title.className = 'specmap-error-title';
  title.textContent = 'This specmap result cannot be shown';
  const body = doc.createElement('div');
  body.className = 'specmap-error-message';
  body.textContent = msg;
  const hint = doc.createElement('div');
  hint.className = 'specmap-error-hint';
  hint.textContent =
    'The output is damaged or was written by an incompatible version of specmap. Re-run the analysis, or read result.arrow with pyarrow (docs/result-format.md).';
  panel.append(title, body, hint);
  host.appendChild(panel);
  return panel;
}

export interface RenderOutcome {
  view: SpecmapView | null;
  error: unknown;
}

/**
 * Decodes and renders an untrusted payload: never throws; a payload that
 * cannot be shown (bad base64, not Arrow, wrong shapes, too large, …) gives an
 * error panel instead. Regions saved in the payload are shown unless
 * `options.regions` is given.
 */
export function renderOutput(host: HTMLElement, payload: unknown, options: ViewOptions = {}): RenderOutcome {
  let view: SpecmapView | null = null;
  try {
    if (typeof payload !== 'string' && !(payload instanceof Uint8Array)) {
      throw new Error(`expected a base64 string or bytes, got ${payload === null ? 'null' : typeof payload}`);
    }
    const result = decodePayload(payload);
    const regions = options.regions ?? (result as { regions?: ViewOptions['regions'] }).regions;
    view = renderView(host, result, { ...options, regions });
    const v = view;
    v.ready.catch((err: unknown) => {
      if (v.element.isConnected) renderError(v.element, err);
    });
    return { view, error: null };
  } catch (err) {
    view?.dispose();
    renderError(host, err);
    return { view: null, error: err };
  }
}
