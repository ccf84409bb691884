/**
 * @specmap/png — static PNG figures of specmap results, drawn in Node with no
 * native canvas: a small RGBA raster, a 5×7 bitmap font, colormaps and a
 * PNG codec (zlib from node:zlib).
 */
export { Raster } from './raster';
export type { Color, LineStyle, TextStyle } from './raster';
export { encodePng, decodePng, crc32, PNG_SIGNATURE } from './png';
export type { DecodedPng, EncodePngOptions, PngFilter } from './png';
export { colormap, colormapInto, VIRIDIS } from './colormap';
export type { ColormapName, RGB } from './colormap';
export { textWidth, textHeight, glyph, glyphPixel } from './font';
export {
  renderResultPng,
  renderResultRaster,
  renderFigure,
  defaultMapScale,
  mapScaling,
  weightColor,
  componentColor,
  COMPONENT_COLORS,
  percentile,
  niceTicks,
  formatTick,
  formatValue,
} from './figure';
export type { RenderOptions, FigureLayout, Box } from './figure';
export { renderResultSvg, renderResultPngDpi, dpiScales, BASE_DPI } from './svg';
export type { SvgOptions } from './svg';
export { dpiToPixelsPerMetre } from './png';
