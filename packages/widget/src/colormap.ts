/**
 * Colour maps for weight maps, as 256-entry RGB lookup tables.
 *
 * - viridis (NMF, non-negative weights): perceptually uniform, colour-blind
 *   safe; matplotlib's 256-entry table.
 * - diverging blue–white–red (PCA, signed scores): ColorBrewer RdBu (11
 *   classes, reversed so negative = blue, positive = red), linearly
 *   interpolated; the middle entry (index 127.5, i.e. value 0) is the white.
 */

export type ColormapName = 'viridis' | 'diverging' | 'gray';

/** Colour maps offered in the view, in menu order. */
export const COLORMAP_NAMES: ColormapName[] = ['viridis', 'gray', 'diverging'];

/** 256×3 bytes, r,g,b per entry. */
export type Lut = Uint8ClampedArray;

/**
 * matplotlib's viridis (Stéfan van der Walt and Nathaniel Smith, CC0), the
 * exact 256 entries as rrggbb hex.
 */
const VIRIDIS_HEX =
  '44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668481769' +
  '48186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a' +
  '472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85' +
  '4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b' +
  '3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d' +
  '33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e' +
  '2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e' +
  '26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d' +
  '21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88' +
  '1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81' +
  '28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc74' +
  '3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863' +
  '5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d' +
  '84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32' +
  'addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a' +
  'd8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725';

/** ColorBrewer RdBu (11), from negative (dark blue) to positive (dark red). */
const RDBU_R = [
  '#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7',
  '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f',
];

function hexToRgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function viridisLut(): Lut {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256 * 3; i++) lut[i] = parseInt(VIRIDIS_HEX.slice(i * 2, i * 2 + 2), 16);
  return lut;
}

function divergingLut(): Lut {
  const stops = RDBU_R.map(hexToRgb);
  const lut = new Uint8ClampedArray(256 * 3);
  const segs = stops.length - 1;
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * segs;
    const s = Math.min(segs - 1, Math.floor(t));
    const f = t - s;
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = Math.round(stops[s][c] * (1 - f) + stops[s + 1][c] * f);
  }
  return lut;
}

function grayLut(): Lut {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) lut[i * 3] = lut[i * 3 + 1] = lut[i * 3 + 2] = i;
  return lut;
}

const cache: Partial<Record<ColormapName, Lut>> = {};

/** The 256-entry lookup table of a colour map (cached). */
export function colormap(name: ColormapName): Lut {
  let lut = cache[name];
  if (!lut) {
    lut = name === 'viridis' ? viridisLut() : name === 'gray' ? grayLut() : divergingLut();
    cache[name] = lut;
  }
  return lut;
}

/** CSS `rgb()` of the colour at t ∈ [0, 1]. */
export function colorAt(name: ColormapName, t: number): string {
  const lut = colormap(name);
  const i = Math.round(Math.min(1, Math.max(0, t)) * 255) * 3;
  return `rgb(${lut[i]}, ${lut[i + 1]}, ${lut[i + 2]})`;
}

/** A CSS linear-gradient (left → right) showing the colour map, for colour bars. */
export function cssGradient(name: ColormapName, stops = 17): string {
  const parts: string[] = [];
  for (let s = 0; s < stops; s++) {
    const t = s / (stops - 1);
    parts.push(`${colorAt(name, t)} ${(t * 100).toFixed(1)}%`);
  }
  return `linear-gradient(to right, ${parts.join(', ')})`;
}

/**
 * Categorical colours of the components (Tableau 10, the vega default), used
 * for map titles and spectrum lines so that both views agree.
 */
export const COMPONENT_COLORS = [
  '#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b',
  '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac',
];

export function componentColor(j: number): string {
  return COMPONENT_COLORS[j % COMPONENT_COLORS.length];
}
