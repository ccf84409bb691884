import { SpecmapError } from './errors';
import { kernelsFor } from './linalg';

/**
 * A spectral image: one spectrum per pixel.
 *
 * The cube is pixel-major: `data[(y * width + x) * m + e]` is the value of
 * pixel (x, y) at channel e, with `m = energies.length`. Rows of the n×m
 * matrix X (n = width·height) are pixels in raster order (row y, then x).
 */
export interface SpectralStack {
  /** n·m values, pixel-major (H×W×E in C order). */
  data: Float32Array;
  /** Channel energies in eV, length m, strictly increasing or decreasing. */
  energies: Float64Array;
  width: number;
  height: number;
  /** Optional pixel mask, length n: 1 = analyse, 0 = leave out. */
  mask?: Uint8Array;
  /** What the values are ("I (counts)", "OD"), where they came from, etc. */
  metadata: StackMetadata;
}

export interface StackMetadata {
  /** Quantity held in the cube, e.g. "transmitted intensity (counts)" or "optical density". */
  quantity?: string;
  /** The file the stack was read from. */
  source?: string;
  /** sha256 (hex) of the input file(s) as read from disk. */
  sha256?: string;
  /** Pixel size and axes when the file gives them. */
  xUm?: Float64Array;
  yUm?: Float64Array;
  /** Preprocessing steps applied so far, in order, with their parameters. */
  steps?: PreprocessStep[];
  [key: string]: unknown;
}

export interface PreprocessStep {
  name: string;
  parameters: Record<string, unknown>;
}

/** Number of channels of a stack. */
export function channels(stack: SpectralStack): number {
  return stack.energies.length;
}

/** Number of pixels (spectra) of a stack. */
export function pixels(stack: SpectralStack): number {
  return stack.width * stack.height;
}

/**
 * Check that a stack is well-formed: sizes agree, no NaN/Inf, energies finite.
 * Throws a SpecmapError naming the first problem found.
 */
export function validateStack(stack: SpectralStack): void {
  const { width, height, energies, data } = stack;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new SpecmapError('SHAPE', `invalid stack shape: width ${width}, height ${height}`);
  }
  const m = energies.length;
  if (m < 1) throw new SpecmapError('SHAPE', 'stack has no energy channels');
  if (data.length !== width * height * m) {
    throw new SpecmapError(
      'SHAPE',
      `stack data has ${data.length} values but ${height}×${width}×${m} = ${height * width * m} are expected`,
    );
  }
  for (let e = 0; e < m; e++) {
    if (!Number.isFinite(energies[e])) throw new SpecmapError('NAN', `energy axis has a non-finite value at channel ${e}`);
  }
  if (stack.mask && stack.mask.length !== width * height) {
    throw new SpecmapError('SHAPE', `mask has ${stack.mask.length} pixels but the stack has ${width * height}`);
  }
  // One multi-threaded SIMD pass: a NaN or ±Inf anywhere makes a column sum or sum of
  // squares non-finite (so can a finite value above ~1.8e19, whose square overflows in f32:
  // then the exact scan below runs and finds nothing). Only then scan value by value.
  const kernels = kernelsFor({ data, rows: width * height, cols: m, count: width * height, index: new Int32Array(0) });
  if (kernels) {
    const mo = kernels.moments({ data, cols: m, count: width * height });
    if (mo && allFinite(mo.sums) && allFinite(mo.sumsSq)) return;
  }
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      const p = Math.floor(i / m);
      const x = p % width;
      const y = Math.floor(p / width);
      throw new SpecmapError(
        'NAN',
        `stack contains ${Number.isNaN(v) ? 'NaN' : 'Inf'} at pixel (x=${x}, y=${y}), channel ${i % m} (${energies[i % m]} eV)`,
      );
    }
  }
}

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
