/**
 * Entry of the standalone IIFE bundle (bundle/specmap-widget.js): exposes
 * the view as the global `specmapWidget`.
 */
export { renderView, renderPayload, decodePayload } from './index';
export { SPECMAP_MIME } from '@specmap/arrow';
