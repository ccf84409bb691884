/**
 * Poisson noise scaling before a decomposition (Keenan & Kotula, Surf.
 * Interface Anal. 36, 203 (2004); HyperSpy `normalize_poissonian_noise`):
 * X̃_ij = X_ij / √(g_i h_j) with g_i = Σ_j X_ij (per pixel) and h_j = Σ_i X_ij
 * (per channel, over masked-in pixels). A decomposition X̃ ≈ W̃ C̃ maps back to
 * X ≈ (√g ∘ W̃)(C̃ ∘ √h).
 */
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { checkShape, recordStep } from './util';

export interface PoissonScaling {
  /** √g_i per pixel (1 for masked-out pixels). */
  rootPixel: Float64Array;
  /** √h_j per channel. */
  rootChannel: Float64Array;
}

export interface PoissonScaled extends PoissonScaling {
  /** The scaled stack (a new cube unless `inPlace`). */
  stack: SpectralStack;
  /** Map weights (n×k, pixel-major) and components (k×m) of the scaled data back to the data's units: new arrays. */
  unscale(weights: ArrayLike<number>, components: ArrayLike<number>, k: number): { weights: Float32Array; components: Float32Array };
}

/** Undo Poisson scaling on a decomposition's weights (n×k) and components (k×m). */
export function poissonUnscale(scaling: PoissonScaling, weights: ArrayLike<number>, components: ArrayLike<number>, k: number): { weights: Float32Array; components: Float32Array } {
  const n = scaling.rootPixel.length;
  const m = scaling.rootChannel.length;
  if (weights.length !== n * k || components.length !== k * m) throw new SpecmapError('SHAPE', `Poisson unscale: expected weights ${n}×${k} and components ${k}×${m}`);
  const W = new Float32Array(n * k);
  const C = new Float32Array(k * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) W[i * k + j] = weights[i * k + j] * scaling.rootPixel[i];
  for (let j = 0; j < k; j++) for (let e = 0; e < m; e++) C[j * m + e] = components[j * m + e] * scaling.rootChannel[e];
  return { weights: W, components: C };
}

/**
 * Scale a stack for Poisson noise. Returns a new stack (one new cube) unless
 * `inPlace` is true, with the step `poisson-scaling` recorded and the scaling
 * kept in `metadata.poissonScaling`. A pixel or channel whose sum is ≤ 0 is
 * an error ('POISSON'); negative values are allowed but counted in the step
 * (the model assumes counts).
 */
export function poissonScale(stack: SpectralStack, options: { inPlace?: boolean } = {}): PoissonScaled {
  checkShape(stack, 'Poisson scaling');
  const { data, energies } = stack;
  const m = energies.length;
  const n = stack.width * stack.height;
  const g = new Float64Array(n);
  const h = new Float64Array(m);
  let negatives = 0;
  for (let p = 0; p < n; p++) {
    const base = p * m;
    const use = !stack.mask || stack.mask[p];
    let s = 0;
    for (let e = 0; e < m; e++) {
      const v = data[base + e];
      s += v;
      if (use) h[e] += v;
      if (v < 0) negatives++;
    }
    g[p] = s;
  }
  const rootPixel = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    if (stack.mask && !stack.mask[p]) {
      rootPixel[p] = 1;
      continue;
    }
    if (!(g[p] > 0)) throw new SpecmapError('POISSON', `Poisson scaling: pixel (x=${p % stack.width}, y=${Math.floor(p / stack.width)}) sums to ${g[p]} (≤ 0); the scaling needs positive counts (mask the pixel or skip --poisson)`);
    rootPixel[p] = Math.sqrt(g[p]);
  }
  const rootChannel = new Float64Array(m);
  for (let e = 0; e < m; e++) {
    if (!(h[e] > 0)) throw new SpecmapError('POISSON', `Poisson scaling: channel ${e} (${energies[e]} eV) sums to ${h[e]} (≤ 0) over the pixels`);
    rootChannel[e] = Math.sqrt(h[e]);
  }
  const out = options.inPlace ? data : new Float32Array(data.length);
  for (let p = 0; p < n; p++) {
    const base = p * m;
    const rp = rootPixel[p];
    for (let e = 0; e < m; e++) out[base + e] = data[base + e] / (rp * rootChannel[e]);
  }
  const res: SpectralStack = options.inPlace ? stack : { ...stack, data: out, mask: stack.mask?.slice(), metadata: { ...stack.metadata } };
  const scaling: PoissonScaling = { rootPixel, rootChannel };
  recordStep(res, 'poisson-scaling', { method: 'Keenan–Kotula', formula: 'X / sqrt(rowsum ⊗ colsum)', negativeValues: negatives, inverse: 'weights·sqrt(rowsum), components·sqrt(colsum)' }, { poissonScaling: scaling });
  return { stack: res, rootPixel, rootChannel, unscale: (w, c, k) => poissonUnscale(scaling, w, c, k) };
}
