/**
 * Preprocessing of spectral stacks: linear interpolation of spectra onto the
 * stack's energy grid, and conversion of transmitted intensity to optical
 * density.
 */
import { SpecmapError } from './errors';
import type { SpectralStack } from './stack';

/**
 * Relative tolerance used when deciding whether a target energy lies inside
 * the range of a spectrum: a target at most `RANGE_RTOL · max(|lo|, |hi|, 1)`
 * outside the range is clamped onto the nearest end (this only absorbs
 * decimal-rounding noise, about 7e-7 eV at the Fe L-edge). Anything further
 * out is an error: specmap never extrapolates.
 */
export const RANGE_RTOL = 1e-9;

/**
 * Linear interpolation of the samples (xs, ys) at the points xNew.
 *
 * - `xs` may be in any order (increasing, decreasing or unsorted); the samples
 *   are sorted by x first. Repeated x values are an error.
 * - Where a point of `xNew` equals a sample x exactly, the sample's y is
 *   returned unchanged (so identical grids give an exact copy).
 * - A point of `xNew` outside [min(xs), max(xs)] (beyond a tolerance of
 *   {@link RANGE_RTOL}, relative) throws `SpecmapError('ENERGY_RANGE')` naming
 *   both ranges: specmap never extrapolates.
 *
 * @throws SpecmapError 'SHAPE' when xs and ys differ in length or hold fewer
 *   than 2 samples (1 sample is allowed when every xNew equals it), 'NAN' for a
 *   non-finite value, 'ENERGY_DUPLICATE' for a repeated x, 'ENERGY_RANGE'.
 */
export function interpolate(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  xNew: ArrayLike<number>,
): Float64Array {
  const n = xs.length;
  if (ys.length !== n) {
    throw new SpecmapError('SHAPE', `interpolate: ${n} energies but ${ys.length} values`);
  }
  if (n < 1) throw new SpecmapError('SHAPE', 'interpolate: the spectrum has no samples');
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(xs[i])) throw new SpecmapError('NAN', `interpolate: energy ${i} is not finite (${xs[i]})`);
    if (!Number.isFinite(ys[i])) {
      throw new SpecmapError('NAN', `interpolate: value at energy ${xs[i]} (sample ${i}) is not finite (${ys[i]})`);
    }
  }
  for (let j = 0; j < xNew.length; j++) {
    if (!Number.isFinite(xNew[j])) {
      throw new SpecmapError('NAN', `interpolate: target energy ${j} is not finite (${xNew[j]})`);
    }
  }

  // Sort the samples by x (fast paths for increasing and decreasing input).
  let sx: Float64Array;
  let sy: Float64Array;
  let increasing = true;
  let decreasing = true;
  for (let i = 1; i < n; i++) {
    if (!(xs[i] > xs[i - 1])) increasing = false;
    if (!(xs[i] < xs[i - 1])) decreasing = false;
  }
  if (increasing) {
    sx = Float64Array.from(xs);
    sy = Float64Array.from(ys);
  } else if (decreasing) {
    sx = new Float64Array(n);
    sy = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sx[i] = xs[n - 1 - i];
      sy[i] = ys[n - 1 - i];
    }
  } else {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => xs[a] - xs[b]);
    sx = Float64Array.from(order, (i) => xs[i]);
    sy = Float64Array.from(order, (i) => ys[i]);
    for (let i = 1; i < n; i++) {
      if (sx[i] === sx[i - 1]) {
        throw new SpecmapError('ENERGY_DUPLICATE', `interpolate: energy ${sx[i]} appears more than once in the spectrum`);
      }
    }
  }

  const lo = sx[0];
  const hi = sx[n - 1];
  let tLo = Infinity;
  let tHi = -Infinity;
  for (let j = 0; j < xNew.length; j++) {
    if (xNew[j] < tLo) tLo = xNew[j];
    if (xNew[j] > tHi) tHi = xNew[j];
  }
  const tol = RANGE_RTOL * Math.max(Math.abs(lo), Math.abs(hi), 1);
  if (xNew.length > 0 && (tLo < lo - tol || tHi > hi + tol)) {
    const bad = tLo < lo - tol ? tLo : tHi;
    throw new SpecmapError(
      'ENERGY_RANGE',
      `energy ${bad} eV is outside the spectrum's range [${lo}, ${hi}] eV (target grid spans [${tLo}, ${tHi}] eV); specmap does not extrapolate`,
    );
  }
  if (n === 1) {
    // A single sample can only serve targets that coincide with it.
    const out = new Float64Array(xNew.length);
    out.fill(sy[0]);
    return out;
  }

  const out = new Float64Array(xNew.length);
  for (let j = 0; j < xNew.length; j++) {
    const x = xNew[j];
    if (x <= lo) {
      out[j] = sy[0];
      continue;
    }
    if (x >= hi) {
      out[j] = sy[n - 1];
      continue;
    }
    // Largest i with sx[i] <= x (binary search); then sx[i] <= x < sx[i+1].
    let a = 0;
    let b = n - 1;
    while (b - a > 1) {
      const mid = (a + b) >> 1;
      if (sx[mid] <= x) a = mid;
      else b = mid;
    }
    if (sx[a] === x) {
      out[j] = sy[a];
    } else {
      const t = (x - sx[a]) / (sx[a + 1] - sx[a]);
      out[j] = sy[a] + t * (sy[a + 1] - sy[a]);
    }
  }
  return out;
}

/** An incident-flux spectrum I0(E), e.g. as returned by `readSpectrum` of @specmap/io. */
export interface I0Spectrum {
  energies: ArrayLike<number>;
  values: ArrayLike<number>;
  /** Name recorded in the preprocessing step (e.g. the file's base name). __Default:__ 'I0'. */
  name?: string;
}

/**
 * Convert a transmitted-intensity stack to optical density,
 * OD(x, y, E) = −ln(I(x, y, E) / I0(E)), **in place**.
 *
 * The cube `stack.data` is overwritten (no copy of the cube is made, so a
 * 125×125×123 stack costs no extra memory): the input stack object is
 * consumed, and the returned stack *is* the input object, with
 * `metadata.quantity = 'optical density'` and a step
 * `{ name: 'optical-density', parameters: { i0, i0Interpolated, i0Min, i0Max } }`
 * appended to `metadata.steps`. Copy the stack first (`data.slice()`) if the
 * intensities are still needed.
 *
 * I0 is interpolated linearly onto the stack's energies (values are taken
 * exactly where the grids agree); an I0 that does not cover the stack's
 * energy range is an error ('ENERGY_RANGE'). The logarithm is computed in
 * double precision and stored as float32.
 *
 * Every value is checked before anything is written, so on error the stack is
 * left unchanged.
 *
 * @throws SpecmapError 'SHAPE' (cube size ≠ width·height·m), 'ENERGY_RANGE',
 *   'I0_NONPOSITIVE' (I0 ≤ 0 at a channel, named with its energy),
 *   'I_NONPOSITIVE' (I ≤ 0, naming pixel (x, y) and channel), 'NAN' (a
 *   non-finite I).
 */
export function opticalDensity(stack: SpectralStack, i0: I0Spectrum): SpectralStack {
  const { width, height, energies, data } = stack;
  const m = energies.length;
  const n = width * height;
  if (data.length !== n * m) {
    throw new SpecmapError(
      'SHAPE',
      `optical density: stack data has ${data.length} values but ${height}×${width}×${m} = ${n * m} are expected`,
    );
  }
  const name = i0.name ?? 'I0';
  let i0Grid: Float64Array;
  try {
    i0Grid = interpolate(i0.energies, i0.values, energies);
  } catch (err) {
    if (err instanceof SpecmapError) throw new SpecmapError(err.code, `I0 spectrum ${name}: ${err.message}`);
    throw err;
  }
  let sameGrid = i0.energies.length === m;
  for (let e = 0; sameGrid && e < m; e++) if (i0.energies[e] !== energies[e]) sameGrid = false;

  let i0Min = Infinity;
  let i0Max = -Infinity;
  for (let e = 0; e < m; e++) {
    const v = i0Grid[e];
    if (!(v > 0)) {
      throw new SpecmapError(
        'I0_NONPOSITIVE',
        `I0 spectrum ${name} is ${v} (≤ 0) at channel ${e} (${energies[e]} eV); optical density needs I0 > 0`,
      );
    }
    if (v < i0Min) i0Min = v;
    if (v > i0Max) i0Max = v;
  }

  // Check pass: nothing is written until every value is known to be valid.
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v > 0)) {
      const p = Math.floor(i / m);
      const e = i % m;
      const where = `pixel (x=${p % width}, y=${Math.floor(p / width)}), channel ${e} (${energies[e]} eV)`;
      if (Number.isNaN(v) || !Number.isFinite(v)) {
        throw new SpecmapError('NAN', `optical density: intensity is ${v} at ${where}`);
      }
      throw new SpecmapError(
        'I_NONPOSITIVE',
        `optical density: intensity I = ${v} (≤ 0) at ${where}; −ln(I/I0) is undefined`,
      );
    }
    if (v === Infinity) {
      const p = Math.floor(i / m);
      throw new SpecmapError(
        'NAN',
        `optical density: intensity is Infinity at pixel (x=${p % width}, y=${Math.floor(p / width)}), channel ${i % m}`,
      );
    }
  }

  // Convert in place: OD = −ln(I/I0) = ln(I0/I).
  for (let p = 0; p < n; p++) {
    const base = p * m;
    for (let e = 0; e < m; e++) {
      data[base + e] = -Math.log(data[base + e] / i0Grid[e]);
    }
  }

  const steps = [...(stack.metadata.steps ?? [])];
  steps.push({
    name: 'optical-density',
    parameters: {
      i0: name,
      formula: 'OD = -ln(I / I0)',
      i0Interpolated: !sameGrid,
      i0Min,
      i0Max,
    },
  });
  stack.metadata = { ...stack.metadata, quantity: 'optical density', steps };
  return stack;
}
