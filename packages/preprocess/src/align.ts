/**
 * Energy alignment of spectra to a reference: the shift δ with
 * spectrum(E) ≈ reference(E − δ), found on a fine grid of trial shifts by
 * cross-correlation (maximum Pearson r) or least squares (minimum residual of
 * reference ≈ a + c·spectrum(E + δ)), refined by a parabola through the best
 * grid point and its neighbours.
 */
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { checkShape, energyRange, recordStep } from './util';
import { pearsonR } from './similarity';

export interface ShiftOptions {
  /** Largest |δ| tried (eV). __Default:__ 2. */
  maxShift?: number;
  /** Grid step of the trial shifts (eV). __Default:__ the finest channel spacing / 10. */
  step?: number;
  /** 'xcorr' (max Pearson r) or 'lsq' (min residual with offset and scale). __Default:__ 'xcorr'. */
  method?: 'xcorr' | 'lsq';
  /** Compare only reference channels inside this window (eV). */
  range?: [number, number];
}

export interface ShiftEstimate {
  /** δ (eV): the spectrum is the reference displaced by +δ; aligned energies are E − δ. */
  shift: number;
  /** Pearson r (xcorr) or RMS residual (lsq) at the best shift. */
  score: number;
}

/** Linear interpolation on an increasing axis; NaN outside. */
function interpAt(x: ArrayLike<number>, y: ArrayLike<number>, t: number): number {
  const n = x.length;
  if (t < x[0] || t > x[n - 1]) return NaN;
  let a = 0;
  let b = n - 1;
  while (b - a > 1) {
    const mid = (a + b) >> 1;
    if (x[mid] <= t) a = mid;
    else b = mid;
  }
  if (x[b] === x[a]) return y[a];
  const f = (t - x[a]) / (x[b] - x[a]);
  return y[a] + f * (y[b] - y[a]);
}

function increasing(x: ArrayLike<number>, what: string): void {
  for (let i = 1; i < x.length; i++) if (!(x[i] > x[i - 1])) throw new SpecmapError('ENERGY_ORDER', `${what}: the energy axis must be strictly increasing`);
}

/** Estimate the energy shift of one spectrum against a reference (see {@link ShiftOptions}). */
export function estimateEnergyShift(energies: ArrayLike<number>, values: ArrayLike<number>, refEnergies: ArrayLike<number>, refValues: ArrayLike<number>, options: ShiftOptions = {}): ShiftEstimate {
  increasing(energies, 'energy alignment');
  increasing(refEnergies, 'energy alignment (reference)');
  const maxShift = options.maxShift ?? 2;
  let minStep = Infinity;
  for (let i = 1; i < energies.length; i++) minStep = Math.min(minStep, energies[i] - energies[i - 1]);
  const step = options.step ?? minStep / 10;
  if (!(maxShift > 0) || !(step > 0)) throw new SpecmapError('ARGUMENT', 'energy alignment: maxShift and step must be > 0');
  const method = options.method ?? 'xcorr';
  const idx: number[] = [];
  for (let i = 0; i < refEnergies.length; i++) {
    const E = refEnergies[i];
    if (options.range && (E < options.range[0] || E > options.range[1])) continue;
    idx.push(i);
  }
  const nTrial = Math.round(maxShift / step);
  const scores = new Float64Array(2 * nTrial + 1);
  const a: number[] = [];
  const b: number[] = [];
  for (let t = -nTrial; t <= nTrial; t++) {
    const d = t * step;
    a.length = 0;
    b.length = 0;
    for (const i of idx) {
      const v = interpAt(energies, values, refEnergies[i] + d);
      if (Number.isNaN(v)) continue;
      a.push(refValues[i]);
      b.push(v);
    }
    let s: number;
    if (a.length < Math.max(5, 0.5 * idx.length)) s = -Infinity;
    else if (method === 'xcorr') s = pearsonR(a, b);
    else {
      // min over (α, c) of Σ (a − α − c b)²  =  Saa·(1 − r²); score = −RMS
      const r = pearsonR(a, b);
      let ma = 0;
      for (const v of a) ma += v / a.length;
      let saa = 0;
      for (const v of a) saa += (v - ma) ** 2;
      s = -Math.sqrt((saa * (1 - r * r)) / a.length);
    }
    scores[t + nTrial] = Number.isFinite(s) ? s : -Infinity;
  }
  let best = 0;
  for (let t = 1; t < scores.length; t++) if (scores[t] > scores[best]) best = t;
  if (!Number.isFinite(scores[best])) throw new SpecmapError('ENERGY_RANGE', 'energy alignment: the spectrum and the reference do not overlap enough');
  let frac = 0;
  if (best > 0 && best < scores.length - 1 && Number.isFinite(scores[best - 1]) && Number.isFinite(scores[best + 1])) {
    const den = scores[best - 1] - 2 * scores[best] + scores[best + 1];
    if (den < 0) frac = (0.5 * (scores[best - 1] - scores[best + 1])) / den;
  }
  const shift = (best - nTrial + frac) * step;
  return { shift, score: method === 'xcorr' ? scores[best] : -scores[best] };
}

export interface AlignEnergyOptions extends ShiftOptions {
  /** One shift per pixel (each spectrum resampled onto the common grid) instead of one for the whole stack. __Default:__ false. */
  perPixel?: boolean;
}

/**
 * Align a stack's energies to a reference spectrum, **in place**.
 * Global (default): δ from the mean spectrum of the masked-in pixels; the
 * energy axis becomes E − δ (no resampling). Per pixel: δ_p per spectrum,
 * each spectrum resampled linearly at E + δ_p onto the unchanged axis (ends
 * held constant); the shifts go to `metadata.energyShifts` (Float32Array).
 */
export function alignEnergy(stack: SpectralStack, reference: { energies: ArrayLike<number>; values: ArrayLike<number>; name?: string }, options: AlignEnergyOptions = {}): SpectralStack {
  checkShape(stack, 'energy alignment');
  const { energies, data } = stack;
  const m = energies.length;
  const n = stack.width * stack.height;
  const name = reference.name ?? 'reference';
  if (!options.perPixel) {
    const mean = new Float64Array(m);
    let cnt = 0;
    for (let p = 0; p < n; p++) {
      if (stack.mask && !stack.mask[p]) continue;
      cnt++;
      for (let e = 0; e < m; e++) mean[e] += data[p * m + e];
    }
    for (let e = 0; e < m; e++) mean[e] /= Math.max(cnt, 1);
    const est = estimateEnergyShift(energies, mean, reference.energies, reference.values, options);
    stack.energies = Float64Array.from(energies, (E) => E - est.shift);
    recordStep(stack, 'align-energy', { reference: name, mode: 'global (mean spectrum)', method: options.method ?? 'xcorr', shift: est.shift, score: est.score, maxShift: options.maxShift ?? 2 });
    return stack;
  }
  const shifts = new Float32Array(n);
  const y = new Float64Array(m);
  const [lo, hi] = energyRange(energies);
  let sum = 0;
  let maxAbs = 0;
  for (let p = 0; p < n; p++) {
    if (stack.mask && !stack.mask[p]) continue;
    const base = p * m;
    for (let e = 0; e < m; e++) y[e] = data[base + e];
    const est = estimateEnergyShift(energies, y, reference.energies, reference.values, options);
    shifts[p] = est.shift;
    sum += est.shift;
    maxAbs = Math.max(maxAbs, Math.abs(est.shift));
    for (let e = 0; e < m; e++) {
      const t = Math.min(hi, Math.max(lo, energies[e] + est.shift));
      data[base + e] = interpAt(energies, y, t);
    }
  }
  stack.metadata = { ...stack.metadata, energyShifts: shifts };
  recordStep(stack, 'align-energy', { reference: name, mode: 'per pixel (resampled, ends held)', method: options.method ?? 'xcorr', meanShift: sum / n, maxAbsShift: maxAbs, maxShift: options.maxShift ?? 2 });
  return stack;
}
