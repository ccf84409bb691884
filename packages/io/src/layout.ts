/** Axis orders of cubes stored by other programs, and their conversion to the pixel-major H×W×E layout. */
import { SpecmapError } from '@specmap/core';
import { allocCube } from './cube';

/** Order of the three axes, slowest first: y = rows, x = columns, e = energy. */
export type AxisOrder = 'yxe' | 'xye' | 'eyx' | 'exy' | 'yex' | 'xey';
export const AXIS_ORDERS: readonly AxisOrder[] = ['yxe', 'xye', 'eyx', 'exy', 'yex', 'xey'];

/**
 * Reorder a C-ordered 3-D array whose axes are `order` (slowest first) into
 * the pixel-major layout data[(y*W + x)*E + e]. 'yxe' returns the input
 * unchanged (no copy).
 */
export function toPixelMajor(
  src: Float32Array,
  shape: number[],
  order: AxisOrder,
  file: string,
): { data: Float32Array; width: number; height: number; m: number } {
  if (!AXIS_ORDERS.includes(order)) throw new SpecmapError('USAGE', `axis order '${order}' is not one of ${AXIS_ORDERS.join(', ')}`);
  if (shape.length !== 3) throw new SpecmapError('SHAPE', `${file}: expected a 3-D array, found shape (${shape.join(', ')})`);
  const dim: Record<string, number> = {};
  for (let i = 0; i < 3; i++) dim[order[i]] = shape[i];
  const width = dim.x;
  const height = dim.y;
  const m = dim.e;
  if (width < 1 || height < 1 || m < 1) throw new SpecmapError('SHAPE', `${file}: empty cube of shape (${shape.join(', ')})`);
  if (src.length !== width * height * m) throw new SpecmapError('SHAPE', `${file}: ${src.length} values for shape (${shape.join(', ')})`);
  if (order === 'yxe') return { data: src, width, height, m };
  // strides of y, x, e in the source
  const stride: Record<string, number> = {};
  stride[order[2]] = 1;
  stride[order[1]] = shape[2];
  stride[order[0]] = shape[2] * shape[1];
  const out = allocCube(width * height * m, file, 'the reordered cube');
  const sy = stride.y;
  const sx = stride.x;
  const se = stride.e;
  let o = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const base = y * sy + x * sx;
      for (let e = 0; e < m; e++) out[o++] = src[base + e * se];
    }
  }
  return { data: out, width, height, m };
}
