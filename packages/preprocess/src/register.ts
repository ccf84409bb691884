/**
 * Frame registration: sub-pixel phase correlation (Guizar-Sicairos, Thurman &
 * Fienup, Opt. Lett. 33, 156 (2008); the algorithm of scikit-image's
 * `phase_cross_correlation`) of each energy frame against a reference frame,
 * and the shift applied by a Fourier phase ramp or bilinear interpolation.
 */
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { fft2, fftfreq } from '@specmap/core';
import { checkShape, nearestChannel, recordStep } from './util';

export interface PhaseCorrelationOptions {
  /** Upsampling factor of the refinement: the precision is 1/upsample px. __Default:__ 20. */
  upsample?: number;
  /**
   * 'none' (plain cross-correlation, as in Guizar-Sicairos et al.; the
   * default) or 'phase' (normalised cross-power spectrum, scikit-image's
   * default). 'phase' weights every frequency equally, which is exact for
   * pure translations but biased when the frames were resampled (e.g. by an
   * earlier bilinear alignment), whose high frequencies carry wrong phases.
   */
  normalization?: 'phase' | 'none';
}

/** A shift in pixels: apply it to the moving frame (out(y, x) = in(y − dy, x − dx)) to register it onto the reference. */
export interface Shift {
  dy: number;
  dx: number;
}

/** Forward 2-D FFT of a real h×w frame: [re, im]. With `centre`, the frame's mean is subtracted first. */
function spectrum(frame: ArrayLike<number>, h: number, w: number, centre = false): [Float64Array, Float64Array] {
  const re = Float64Array.from(frame as ArrayLike<number>);
  if (centre) {
    let mean = 0;
    for (let i = 0; i < re.length; i++) mean += re[i];
    mean /= re.length;
    for (let i = 0; i < re.length; i++) re[i] -= mean;
  }
  const im = new Float64Array(h * w);
  fft2(re, im, h, w);
  return [re, im];
}

function crossPower(F: [Float64Array, Float64Array], G: [Float64Array, Float64Array], normalization: 'phase' | 'none'): [Float64Array, Float64Array] {
  const N = F[0].length;
  const rr = new Float64Array(N);
  const ri = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    // F · conj(G)
    let a = F[0][i] * G[0][i] + F[1][i] * G[1][i];
    let b = F[1][i] * G[0][i] - F[0][i] * G[1][i];
    if (normalization === 'phase') {
      const mag = Math.hypot(a, b);
      const d = mag > 1e-300 ? mag : 1e-300;
      a /= d;
      b /= d;
    }
    rr[i] = a;
    ri[i] = b;
  }
  return [rr, ri];
}

function shiftFromSpectra(F: [Float64Array, Float64Array], G: [Float64Array, Float64Array], h: number, w: number, upsample: number, normalization: 'phase' | 'none'): Shift {
  const [Rr, Ri] = crossPower(F, G, normalization);
  // Coarse peak: inverse FFT of the cross-power spectrum.
  const cr = Rr.slice();
  const ci = Ri.slice();
  fft2(cr, ci, h, w, true);
  let best = -1;
  let arg = 0;
  for (let i = 0; i < h * w; i++) {
    const v = cr[i] * cr[i] + ci[i] * ci[i];
    if (v > best) {
      best = v;
      arg = i;
    }
  }
  let sy = Math.floor(arg / w);
  let sx = arg % w;
  if (sy > Math.floor(h / 2)) sy -= h;
  if (sx > Math.floor(w / 2)) sx -= w;
  if (upsample <= 1) return { dy: sy, dx: sx };
  // Refinement: the DFT of the cross-power spectrum evaluated on a 1.5-pixel
  // region around the coarse peak, sampled at 1/upsample px (matrix-multiply DFT).
  sy = Math.round(sy * upsample) / upsample;
  sx = Math.round(sx * upsample) / upsample;
  const region = Math.ceil(upsample * 1.5);
  const dftshift = Math.trunc(region / 2);
  const fy = fftfreq(h);
  const fx = fftfreq(w);
  // T[k, j] = Σ_l R[k, l] e^{2πi X_j fx_l}, X_j = sx + (j − dftshift)/upsample
  const kxr = new Float64Array(region * w);
  const kxi = new Float64Array(region * w);
  for (let j = 0; j < region; j++) {
    const X = sx + (j - dftshift) / upsample;
    for (let l = 0; l < w; l++) {
      const a = 2 * Math.PI * X * fx[l];
      kxr[j * w + l] = Math.cos(a);
      kxi[j * w + l] = Math.sin(a);
    }
  }
  const Tr = new Float64Array(h * region);
  const Ti = new Float64Array(h * region);
  for (let k = 0; k < h; k++) {
    const o = k * w;
    for (let j = 0; j < region; j++) {
      let sr = 0;
      let si = 0;
      const q = j * w;
      for (let l = 0; l < w; l++) {
        const ar = Rr[o + l];
        const ai = Ri[o + l];
        const br = kxr[q + l];
        const bi = kxi[q + l];
        sr += ar * br - ai * bi;
        si += ar * bi + ai * br;
      }
      Tr[k * region + j] = sr;
      Ti[k * region + j] = si;
    }
  }
  let bestU = -1;
  let bi = 0;
  let bj = 0;
  const kyr = new Float64Array(h);
  const kyi = new Float64Array(h);
  for (let i = 0; i < region; i++) {
    const Y = sy + (i - dftshift) / upsample;
    for (let k = 0; k < h; k++) {
      const a = 2 * Math.PI * Y * fy[k];
      kyr[k] = Math.cos(a);
      kyi[k] = Math.sin(a);
    }
    for (let j = 0; j < region; j++) {
      let sr = 0;
      let si = 0;
      for (let k = 0; k < h; k++) {
        const ar = Tr[k * region + j];
        const ai = Ti[k * region + j];
        sr += ar * kyr[k] - ai * kyi[k];
        si += ar * kyi[k] + ai * kyr[k];
      }
      const v = sr * sr + si * si;
      if (v > bestU) {
        bestU = v;
        bi = i;
        bj = j;
      }
    }
  }
  return { dy: sy + (bi - dftshift) / upsample, dx: sx + (bj - dftshift) / upsample };
}

/**
 * Sub-pixel shift that registers `moving` onto `reference` (both h×w,
 * row-major; each frame's mean is subtracted first): applying {@link shiftFrame}(moving, shift) reproduces the
 * reference. Precision 1/upsample px.
 */
export function phaseCorrelate(reference: ArrayLike<number>, moving: ArrayLike<number>, h: number, w: number, options: PhaseCorrelationOptions = {}): Shift {
  if (reference.length !== h * w || moving.length !== h * w) throw new SpecmapError('SHAPE', `phase correlation: frames must hold ${h}×${w} values`);
  const up = options.upsample ?? 20;
  if (!(up >= 1)) throw new SpecmapError('ARGUMENT', `upsample must be ≥ 1, got ${up}`);
  return shiftFromSpectra(spectrum(reference, h, w, true), spectrum(moving, h, w, true), h, w, up, options.normalization ?? 'none');
}

/**
 * Shift an h×w frame by (dy, dx): out(y, x) = in(y − dy, x − dx).
 * 'fourier' multiplies the spectrum by a phase ramp (exact for band-limited
 * periodic images; content wraps around the edges); 'bilinear' interpolates,
 * taking the nearest edge pixel outside the frame.
 */
export function shiftFrame(frame: ArrayLike<number>, h: number, w: number, shift: Shift, method: 'fourier' | 'bilinear' = 'bilinear'): Float64Array {
  const { dy, dx } = shift;
  if (method === 'fourier') {
    const [re, im] = spectrum(frame, h, w);
    const fy = fftfreq(h);
    const fx = fftfreq(w);
    for (let k = 0; k < h; k++) {
      for (let l = 0; l < w; l++) {
        const a = -2 * Math.PI * (fy[k] * dy + fx[l] * dx);
        const c = Math.cos(a);
        const s = Math.sin(a);
        const i = k * w + l;
        const r = re[i] * c - im[i] * s;
        im[i] = re[i] * s + im[i] * c;
        re[i] = r;
      }
    }
    fft2(re, im, h, w, true);
    return re;
  }
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    let sy = y - dy;
    sy = sy < 0 ? 0 : sy > h - 1 ? h - 1 : sy;
    const y0 = Math.min(Math.floor(sy), h - 1);
    const y1 = Math.min(y0 + 1, h - 1);
    const ty = sy - y0;
    for (let x = 0; x < w; x++) {
      let sx = x - dx;
      sx = sx < 0 ? 0 : sx > w - 1 ? w - 1 : sx;
      const x0 = Math.min(Math.floor(sx), w - 1);
      const x1 = Math.min(x0 + 1, w - 1);
      const tx = sx - x0;
      const a = frame[y0 * w + x0] * (1 - tx) + frame[y0 * w + x1] * tx;
      const b = frame[y1 * w + x0] * (1 - tx) + frame[y1 * w + x1] * tx;
      out[y * w + x] = a * (1 - ty) + b * ty;
    }
  }
  return out;
}

export interface RegisterOptions extends PhaseCorrelationOptions {
  /** Reference channel (index). __Default:__ the middle channel, ⌊m/2⌋. */
  reference?: number;
  /** Or the reference as an energy (eV): the nearest channel is used. */
  referenceEnergy?: number;
  /** How the shifts are applied. __Default:__ 'bilinear'. */
  apply?: 'fourier' | 'bilinear';
  /** Only estimate the shifts, leave the cube unchanged. __Default:__ false. */
  estimateOnly?: boolean;
}

export interface RegisterResult {
  stack: SpectralStack;
  /** Shift applied to each channel's frame, (dy, dx) in pixels. */
  shifts: Shift[];
  referenceChannel: number;
}

/**
 * Register every energy frame of the stack onto a reference frame, **in
 * place** (each frame is rewritten into the same cube). The shifts are stored
 * in `metadata.frameShifts` ([[dy, dx], …] per channel) and in the step's
 * parameters.
 *
 * @throws SpecmapError 'ARGUMENT' for a reference channel outside the stack.
 */
export function registerFrames(stack: SpectralStack, options: RegisterOptions = {}): RegisterResult {
  checkShape(stack, 'registration');
  const { width: w, height: h, energies, data } = stack;
  const m = energies.length;
  const n = w * h;
  let ref = options.reference ?? Math.floor(m / 2);
  if (options.referenceEnergy !== undefined) ref = nearestChannel(energies, options.referenceEnergy);
  if (!Number.isInteger(ref) || ref < 0 || ref >= m) throw new SpecmapError('ARGUMENT', `registration: reference channel ${ref} is outside 0…${m - 1}`);
  const up = options.upsample ?? 20;
  const norm = options.normalization ?? 'none';
  const apply = options.apply ?? 'bilinear';
  const frame = new Float64Array(n);
  const getFrame = (e: number) => {
    for (let p = 0; p < n; p++) frame[p] = data[p * m + e];
    return frame;
  };
  const F = spectrum(getFrame(ref), h, w, true);
  const shifts: Shift[] = [];
  for (let e = 0; e < m; e++) {
    if (e === ref) {
      shifts.push({ dy: 0, dx: 0 });
      continue;
    }
    const s = shiftFromSpectra(F, spectrum(getFrame(e), h, w, true), h, w, up, norm);
    shifts.push(s);
    if (!options.estimateOnly && (s.dy !== 0 || s.dx !== 0)) {
      const out = shiftFrame(frame, h, w, s, apply);
      for (let p = 0; p < n; p++) data[p * m + e] = out[p];
    }
  }
  const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
  const list = shifts.map((s) => [r4(s.dy), r4(s.dx)]);
  let maxAbs = 0;
  for (const s of shifts) maxAbs = Math.max(maxAbs, Math.abs(s.dy), Math.abs(s.dx));
  recordStep(
    stack,
    'register-frames',
    { method: 'phase correlation (Guizar-Sicairos)', referenceChannel: ref, referenceEnergy: energies[ref], upsample: up, normalization: norm, apply: options.estimateOnly ? 'none (estimated only)' : apply, maxAbsShiftPx: r4(maxAbs), shifts: list },
    { frameShifts: list },
  );
  return { stack, shifts, referenceChannel: ref };
}
