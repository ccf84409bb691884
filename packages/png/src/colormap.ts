/**
 * Colormaps: value in [0, 1] → RGB.
 *
 * - viridis: matplotlib's perceptually uniform map (by Stéfan van der Walt and
 *   Nathaniel J. Smith, released under CC0), the full 256-entry table.
 * - diverging: ColorBrewer RdBu (Cynthia Brewer, Apache-2.0 style licence),
 *   11 classes, reversed so that 0 → blue, 0.5 → near white, 1 → red;
 *   linear interpolation in sRGB between classes. Used for signed PCA
 *   weights with 0.5 mapped to zero.
 * - gray: black → white.
 */
export type RGB = [number, number, number];
export type ColormapName = 'viridis' | 'diverging' | 'gray';

function hexTable(hex: string): RGB[] {
  const out: RGB[] = [];
  for (let i = 0; i + 6 <= hex.length; i += 6) {
    out.push([parseInt(hex.slice(i, i + 2), 16), parseInt(hex.slice(i + 2, i + 4), 16), parseInt(hex.slice(i + 4, i + 6), 16)]);
  }
  return out;
}

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

/** The 256 viridis colours, index 0 (dark purple) to 255 (yellow). */
export const VIRIDIS: readonly RGB[] = hexTable(VIRIDIS_HEX);

/** ColorBrewer RdBu, 11 classes, ordered blue (negative) → white → red (positive). */
const RDBU_R: readonly RGB[] = hexTable(
  '053061' + '2166ac' + '4393c3' + '92c5de' + 'd1e5f0' + 'f7f7f7' + 'fddbc7' + 'f4a582' + 'd6604d' + 'b2182b' + '67001f',
);

/** Write the colour of `x` ∈ [0, 1] in `table` (linear interpolation, rounded) to out[o..o+2]. */
function lerpTableInto(table: readonly RGB[], t: number, out: Uint8Array | number[], o: number): void {
  const x = Math.min(1, Math.max(0, t)) * (table.length - 1);
  const i = Math.min(table.length - 2, Math.floor(x));
  const f = x - i;
  const a = table[i];
  const b = table[i + 1];
  out[o] = Math.round(a[0] + (b[0] - a[0]) * f);
  out[o + 1] = Math.round(a[1] + (b[1] - a[1]) * f);
  out[o + 2] = Math.round(a[2] + (b[2] - a[2]) * f);
}

/**
 * As {@link colormap}, without allocating: writes the colour of `t` to
 * out[o], out[o+1], out[o+2] and returns true, or returns false (out
 * untouched) for a non-finite `t`. For per-pixel loops over large maps.
 */
export function colormapInto(name: ColormapName, t: number, out: Uint8Array | number[], o = 0): boolean {
  if (!Number.isFinite(t)) return false;
  const c = Math.min(1, Math.max(0, t));
  switch (name) {
    case 'viridis': {
      const v = VIRIDIS[Math.min(255, Math.floor(c * 256))];
      out[o] = v[0];
      out[o + 1] = v[1];
      out[o + 2] = v[2];
      return true;
    }
    case 'diverging':
      lerpTableInto(RDBU_R, c, out, o);
      return true;
    case 'gray': {
      const g = Math.round(c * 255);
      out[o] = out[o + 1] = out[o + 2] = g;
      return true;
    }
    default:
      throw new RangeError(`unknown colormap ${String(name)}`);
  }
}

/**
 * Colour of `t` ∈ [0, 1] (clamped; NaN → null) in the named map. viridis
 * takes the nearest of its 256 entries (as matplotlib does); the diverging
 * map interpolates between its 11 classes.
 */
export function colormap(name: ColormapName, t: number): RGB | null {
  const out: RGB = [0, 0, 0];
  return colormapInto(name, t, out) ? out : null;
}
