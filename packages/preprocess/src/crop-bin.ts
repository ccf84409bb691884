/**
 * Energy crop, spectral binning and spatial binning. Each returns a **new
 * stack** (one new cube; the input is left unchanged) and records its step.
 */
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { checkShape, energyRange, recordStep } from './util';

/**
 * Keep the channels with lo ≤ E ≤ hi (inclusive, 1e-9 relative tolerance).
 * Returns a new stack; `parameters` = { range, channelsBefore, channelsAfter, firstChannel }.
 *
 * @throws SpecmapError 'ENERGY_RANGE' when the range is empty, inverted, or
 *   holds no channel of the stack (naming the stack's range).
 */
export function cropEnergy(stack: SpectralStack, lo: number, hi: number): SpectralStack {
  checkShape(stack, 'crop');
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) {
    throw new SpecmapError('ENERGY_RANGE', `crop: the range ${lo}:${hi} eV must be two finite energies with low < high`);
  }
  const { energies, data } = stack;
  const m = energies.length;
  const [eMin, eMax] = energyRange(energies);
  const tol = 1e-9 * Math.max(Math.abs(lo), Math.abs(hi), 1);
  const keep: number[] = [];
  for (let e = 0; e < m; e++) if (energies[e] >= lo - tol && energies[e] <= hi + tol) keep.push(e);
  if (keep.length === 0) {
    throw new SpecmapError('ENERGY_RANGE', `crop: the range ${lo}:${hi} eV holds no channel of the stack, whose energies span [${eMin}, ${eMax}] eV`);
  }
  // Channels kept are contiguous for a monotonic axis; copy them pixel by pixel.
  const first = keep[0];
  const mk = keep.length;
  const n = stack.width * stack.height;
  const out = new Float32Array(n * mk);
  const contiguous = keep[mk - 1] - first + 1 === mk;
  for (let p = 0; p < n; p++) {
    if (contiguous) out.set(data.subarray(p * m + first, p * m + first + mk), p * mk);
    else for (let j = 0; j < mk; j++) out[p * mk + j] = data[p * m + keep[j]];
  }
  const res: SpectralStack = {
    ...stack,
    data: out,
    energies: Float64Array.from(keep, (e) => energies[e]),
    mask: stack.mask ? stack.mask.slice() : undefined,
    metadata: { ...stack.metadata },
  };
  recordStep(res, 'crop', { range: [lo, hi], channelsBefore: m, channelsAfter: mk, firstChannel: first, energyRange: [res.energies[0], res.energies[mk - 1]] });
  return res;
}

/** Mean of consecutive groups of `factor` samples (a trailing partial group is dropped). Single-spectrum form of {@link binEnergy}. */
export function binSpectrum(values: ArrayLike<number>, factor: number): Float64Array {
  checkFactor(factor, values.length, 'spectral binning', 'channels');
  const mo = Math.floor(values.length / factor);
  const out = new Float64Array(mo);
  for (let j = 0; j < mo; j++) {
    let s = 0;
    for (let t = 0; t < factor; t++) s += values[j * factor + t];
    out[j] = s / factor;
  }
  return out;
}

function checkFactor(factor: number, size: number, what: string, unit: string): void {
  if (!Number.isInteger(factor) || factor < 1) throw new SpecmapError('ARGUMENT', `${what}: the factor must be an integer ≥ 1, got ${factor}`);
  if (factor > size) throw new SpecmapError('BIN_FACTOR', `${what}: factor ${factor} is larger than the ${size} ${unit}`);
}

/**
 * Spectral binning: each output channel is the mean of `factor` consecutive
 * channels (values and energies alike); trailing channels that do not fill a
 * group are dropped (and counted in the step). Returns a new stack.
 *
 * @throws SpecmapError 'BIN_FACTOR' when the factor exceeds the number of channels.
 */
export function binEnergy(stack: SpectralStack, factor: number): SpectralStack {
  checkShape(stack, 'spectral binning');
  const m = stack.energies.length;
  checkFactor(factor, m, 'spectral binning', 'channels');
  const mo = Math.floor(m / factor);
  const n = stack.width * stack.height;
  const out = new Float32Array(n * mo);
  const src = stack.data;
  const inv = 1 / factor;
  for (let p = 0; p < n; p++) {
    const b = p * m;
    for (let j = 0; j < mo; j++) {
      let s = 0;
      for (let t = 0; t < factor; t++) s += src[b + j * factor + t];
      out[p * mo + j] = s * inv;
    }
  }
  const res: SpectralStack = {
    ...stack,
    data: out,
    energies: binSpectrum(stack.energies, factor),
    mask: stack.mask ? stack.mask.slice() : undefined,
    metadata: { ...stack.metadata },
  };
  recordStep(res, 'bin-energy', { factor, channelsBefore: m, channelsAfter: mo, droppedChannels: m - mo * factor, statistic: 'mean' });
  return res;
}

/**
 * Spatial binning by fx × fy blocks: each output pixel is the mean spectrum
 * of its block; rows/columns that do not fill a block (at the right and
 * bottom edges) are dropped. A mask is binned too: a binned pixel is in the
 * mask only when every pixel of its block is. Pixel axes (xUm/yUm) are
 * averaged the same way. Returns a new stack.
 *
 * @throws SpecmapError 'BIN_FACTOR' when a factor exceeds the image's width or height.
 */
export function binSpatial(stack: SpectralStack, fx: number, fy: number = fx): SpectralStack {
  checkShape(stack, 'spatial binning');
  const { width, height, energies, data } = stack;
  checkFactor(fx, width, 'spatial binning', 'pixels of the image width');
  checkFactor(fy, height, 'spatial binning', 'pixels of the image height');
  const m = energies.length;
  const wo = Math.floor(width / fx);
  const ho = Math.floor(height / fy);
  const out = new Float32Array(wo * ho * m);
  const acc = new Float64Array(m);
  const inv = 1 / (fx * fy);
  let mask: Uint8Array | undefined;
  if (stack.mask) mask = new Uint8Array(wo * ho);
  for (let yo = 0; yo < ho; yo++) {
    for (let xo = 0; xo < wo; xo++) {
      acc.fill(0);
      let allIn = 1;
      for (let dy = 0; dy < fy; dy++) {
        for (let dx = 0; dx < fx; dx++) {
          const p = (yo * fy + dy) * width + xo * fx + dx;
          const b = p * m;
          for (let e = 0; e < m; e++) acc[e] += data[b + e];
          if (stack.mask && !stack.mask[p]) allIn = 0;
        }
      }
      const q = (yo * wo + xo) * m;
      for (let e = 0; e < m; e++) out[q + e] = acc[e] * inv;
      if (mask) mask[yo * wo + xo] = allIn;
    }
  }
  const md = { ...stack.metadata };
  if (md.xUm instanceof Float64Array && md.xUm.length === width) md.xUm = binSpectrum(md.xUm, fx).subarray(0, wo);
  if (md.yUm instanceof Float64Array && md.yUm.length === height) md.yUm = binSpectrum(md.yUm, fy).subarray(0, ho);
  const res: SpectralStack = { ...stack, data: out, width: wo, height: ho, mask, metadata: md };
  recordStep(res, 'bin-spatial', {
    factorX: fx,
    factorY: fy,
    shapeBefore: [height, width],
    shapeAfter: [ho, wo],
    droppedColumns: width - wo * fx,
    droppedRows: height - ho * fy,
    statistic: 'mean',
  });
  return res;
}
