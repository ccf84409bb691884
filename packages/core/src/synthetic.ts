import { SpecmapError } from './errors';
import { interpolate } from './preprocess';
import { checkSeed, Rng } from './random';
import type { SpectralStack } from './stack';

/**
 * Synthetic spectral images with a known truth, for teaching, tests and the
 * ground-truth table (docs/ground-truth.md): K pure spectra (e.g. measured
 * reference spectra) mixed by smooth abundance maps, optionally on a sloping
 * background, with Poisson noise of a chosen level.
 *
 *   OD(pixel, E) = Σ_j a_j(pixel) · s_j(E)  [+ g(pixel) · (offset + slope · (E − E_0))]
 *
 * Noise (optional), `model: 'transmission'` (STXM-like, the default): the
 * detector counts I = Poisson(I0 · exp(−OD)) with I0 = `counts` photons per
 * pixel and energy, and the stack holds OD = −ln(max(I, ½)/I0); so fewer
 * counts mean more noise, most of it where the sample absorbs. `model:
 * 'direct'` draws the values themselves as counts: Poisson(counts · OD)/counts
 * (counts per unit of OD; e.g. fluorescence or electron yield).
 */

/** One pure spectrum of the truth. */
export interface SyntheticSpectrum {
  name: string;
  /** The spectrum's own energies (then interpolated linearly onto `energies`); omit when `values` is on `energies` already. */
  energies?: ArrayLike<number>;
  values: ArrayLike<number>;
}

export interface SyntheticNoise {
  /** Photons: I0 per pixel and channel ('transmission'), or counts per unit value ('direct'). */
  counts: number;
  /** __Default:__ 'transmission'. */
  model?: 'transmission' | 'direct';
}

export interface SyntheticOptions {
  /** The K pure spectra (K ≥ 1). Negative values (a baseline below 0) are set to 0, with a warning. */
  spectra: SyntheticSpectrum[];
  /** Energy grid of the stack (eV), length m ≥ 2. __Default:__ the first spectrum's energies. */
  energies?: ArrayLike<number>;
  /** __Default:__ 48. */
  width?: number;
  /** __Default:__ 48. */
  height?: number;
  /** Seed of the maps and the noise. __Default:__ 0. */
  seed?: number;
  /** Blobs per abundance map. __Default:__ 2. */
  blobs?: number;
  /** Blob radius as a share of the image's smaller side. __Default:__ 0.3. */
  blobWidth?: number;
  /** Largest value of each abundance map. __Default:__ 1. */
  scale?: number;
  /** Poisson noise; absent or null = noise-free. */
  noise?: SyntheticNoise | null;
  /** A sloping background: g(pixel)·(offset + slope·(E − E_0)), g rising linearly from 0.5 (left edge) to 1.5 (right edge). */
  background?: { offset: number; slope: number };
}

export interface SyntheticTruth {
  names: string[];
  /** K×m, row-major: the pure spectra on the stack's energies (negatives set to 0). */
  spectra: Float64Array;
  /** n×K, row-major (row = pixel y·width + x): the abundance maps. */
  maps: Float64Array;
  /** n×m noise-free values (mixture + background). */
  clean: Float64Array;
  /** The background spectrum (length m) and its map (length n), when a background was added. */
  background?: { spectrum: Float64Array; map: Float64Array };
}

export interface SyntheticStack {
  stack: SpectralStack;
  truth: SyntheticTruth;
  warnings: string[];
}

/**
 * Build a synthetic stack. Deterministic for a given seed. The abundance map
 * of component j is a sum of `blobs` Gaussian blobs, the first centred on
 * component j's own spot (evenly spaced on a circle around the image centre,
 * so every component has pixels where it dominates), the others at seeded
 * random places with seeded amplitudes in [0.3, 1]; each map is scaled to a
 * maximum of `scale`. A blob of radius R is the smooth bump (1 − r²/R²)² for
 * r < R and 0 beyond, so the maps are smooth, have pure regions (where only
 * one component is present) and leave empty background.
 */
export function syntheticStack(options: SyntheticOptions): SyntheticStack {
  const spectraIn = options.spectra;
  if (!Array.isArray(spectraIn) || spectraIn.length < 1) throw new SpecmapError('OPTION', 'syntheticStack: give at least one spectrum');
  const width = options.width ?? 48;
  const height = options.height ?? 48;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new SpecmapError('SHAPE', `syntheticStack: invalid image size ${width}×${height}`);
  }
  const seed = checkSeed(options.seed ?? 0);
  const blobs = options.blobs ?? 2;
  if (!Number.isInteger(blobs) || blobs < 1) throw new SpecmapError('OPTION', `syntheticStack: blobs must be an integer ≥ 1, got ${blobs}`);
  const blobWidth = options.blobWidth ?? 0.3;
  const scale = options.scale ?? 1;
  if (!(blobWidth > 0) || !(scale > 0)) throw new SpecmapError('OPTION', 'syntheticStack: blobWidth and scale must be > 0');
  const noise = options.noise ?? null;
  if (noise && !(noise.counts > 0 && Number.isFinite(noise.counts))) {
    throw new SpecmapError('OPTION', `syntheticStack: noise.counts must be a positive number, got ${noise.counts}`);
  }
  const energiesIn = options.energies ?? spectraIn[0].energies;
  if (!energiesIn) throw new SpecmapError('OPTION', 'syntheticStack: give energies (or spectra with their energies)');
  const energies = Float64Array.from(energiesIn);
  const m = energies.length;
  if (m < 2) throw new SpecmapError('SHAPE', 'syntheticStack: the energy grid needs at least 2 channels');

  const k = spectraIn.length;
  const n = width * height;
  const warnings: string[] = [];
  const spectra = new Float64Array(k * m);
  spectraIn.forEach((s, j) => {
    let v: Float64Array;
    if (s.energies) v = interpolate(Float64Array.from(s.energies), Float64Array.from(s.values), energies);
    else {
      if (s.values.length !== m) throw new SpecmapError('SHAPE', `syntheticStack: spectrum ${s.name} has ${s.values.length} values but the grid has ${m}`);
      v = Float64Array.from(s.values);
    }
    let neg = 0;
    for (let e = 0; e < m; e++) {
      if (!Number.isFinite(v[e])) throw new SpecmapError('NAN', `syntheticStack: spectrum ${s.name} has a non-finite value at channel ${e}`);
      if (v[e] < 0) {
        neg++;
        v[e] = 0;
      }
    }
    if (neg > 0) warnings.push(`spectrum ${s.name}: ${neg} negative values set to 0`);
    spectra.set(v, j * m);
  });

  // Abundance maps.
  const rng = new Rng(seed);
  const maps = new Float64Array(n * k);
  const side = Math.min(width, height);
  const radiusPx = Math.max(blobWidth * side, 1);
  for (let j = 0; j < k; j++) {
    const centres: [number, number, number][] = [];
    const angle = (2 * Math.PI * j) / k + 0.3 * (rng.uniform() - 0.5);
    const radius = k > 1 ? 0.3 : 0;
    centres.push([(0.5 + radius * Math.cos(angle)) * (width - 1), (0.5 + radius * Math.sin(angle)) * (height - 1), 1]);
    for (let b = 1; b < blobs; b++) centres.push([rng.uniform() * (width - 1), rng.uniform() * (height - 1), 0.3 + 0.7 * rng.uniform()]);
    let max = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let a = 0;
        for (const [cx, cy, amp] of centres) {
          const q = ((x - cx) ** 2 + (y - cy) ** 2) / (radiusPx * radiusPx);
          if (q < 1) a += amp * (1 - q) * (1 - q);
        }
        maps[(y * width + x) * k + j] = a;
        if (a > max) max = a;
      }
    }
    for (let p = 0; p < n; p++) maps[p * k + j] *= scale / max;
  }

  // Noise-free cube.
  const clean = new Float64Array(n * m);
  for (let p = 0; p < n; p++) {
    for (let j = 0; j < k; j++) {
      const a = maps[p * k + j];
      if (a === 0) continue;
      const off = j * m;
      for (let e = 0; e < m; e++) clean[p * m + e] += a * spectra[off + e];
    }
  }
  let background: SyntheticTruth['background'];
  if (options.background) {
    const { offset, slope } = options.background;
    if (!Number.isFinite(offset) || !Number.isFinite(slope)) throw new SpecmapError('OPTION', 'syntheticStack: background offset and slope must be finite');
    const spectrum = new Float64Array(m);
    for (let e = 0; e < m; e++) spectrum[e] = offset + slope * (energies[e] - energies[0]);
    const map = new Float64Array(n);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) map[y * width + x] = 0.5 + (width > 1 ? x / (width - 1) : 0.5);
    for (let p = 0; p < n; p++) for (let e = 0; e < m; e++) clean[p * m + e] += map[p] * spectrum[e];
    background = { spectrum, map };
  }

  // Noise.
  const data = new Float32Array(n * m);
  if (!noise) {
    for (let i = 0; i < n * m; i++) data[i] = clean[i];
  } else {
    const noiseRng = new Rng((seed + 0x9e3779b9) >>> 0);
    const c = noise.counts;
    const model = noise.model ?? 'transmission';
    if (model !== 'transmission' && model !== 'direct') throw new SpecmapError('OPTION', `syntheticStack: noise.model must be 'transmission' or 'direct', got '${String(model)}'`);
    let negative = 0;
    for (let i = 0; i < n * m; i++) {
      if (model === 'transmission') {
        const counts = poisson(noiseRng, c * Math.exp(-clean[i]));
        data[i] = -Math.log(Math.max(counts, 0.5) / c);
      } else {
        const v = clean[i];
        if (v < 0) negative++;
        data[i] = poisson(noiseRng, c * Math.max(v, 0)) / c;
      }
    }
    if (negative > 0) warnings.push(`direct noise: ${negative} negative clean values drawn as 0 counts`);
  }

  const stack: SpectralStack = {
    data,
    energies,
    width,
    height,
    metadata: {
      quantity: 'optical density (synthetic)',
      source: 'synthetic',
      synthetic: {
        seed,
        components: spectraIn.map((s) => s.name),
        blobs,
        blobWidth,
        scale,
        noise: noise ? { counts: noise.counts, model: noise.model ?? 'transmission' } : null,
        background: options.background ?? null,
      },
      steps: [],
    },
  };
  return { stack, truth: { names: spectraIn.map((s) => s.name), spectra, maps, clean, background }, warnings };
}

/**
 * A Poisson(λ) draw from the seeded generator: Knuth's product method for
 * λ < 30, Hörmann's PTRS transformed rejection (exact) above.
 */
export function poisson(rng: Rng, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 30) {
    const L = Math.exp(-lambda);
    let k = 0;
    let p = rng.uniform();
    while (p > L) {
      k++;
      p *= rng.uniform();
    }
    return k;
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const U = rng.uniform() - 0.5;
    const V = rng.uniform();
    const us = 0.5 - Math.abs(U);
    const k = Math.floor(((2 * a) / us + b) * U + lambda + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
  }
}

function logFactorial(k: number): number {
  if (k < 10) {
    let f = 1;
    for (let i = 2; i <= k; i++) f *= i;
    return Math.log(f);
  }
  // Stirling series (error < 1e-10 for k ≥ 10).
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3) + 1 / (1260 * x ** 5);
}
