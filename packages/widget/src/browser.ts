/**
 * Entry of the standalone IIFE bundle (bundle/specmap-widget.js): exposes
 * the view as the global `specmapWidget`.
 */
export { renderView, renderPayload, decodePayload, renderOutput, renderError } from './index';
export { encodeResult, encodeResultBase64 } from '@specmap/arrow';
export { SPECMAP_MIME } from '@specmap/arrow';
