/**
 * @specmap/widget — the interactive specmap view (browser-safe; no Node APIs).
 *
 * The Node-only report builder lives in `@specmap/widget/dist/report`.
 */
import type { AnalysisResult } from '@specmap/core';
import { decodeResult, decodeResultBase64 } from '@specmap/arrow';
import { renderView, type SpecmapView, type ViewOptions } from './view';

export { renderView } from './view';
export type { SpecmapView, ViewOptions } from './view';
export * from './model';
export * from './specs';
export { colormap, colorAt, cssGradient, componentColor, COMPONENT_COLORS } from './colormap';
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
