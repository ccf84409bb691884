import type { AnalysisResult, SpectralStack } from '@specmap/core';
import type { PoissonScaling } from '@specmap/preprocess';

/**
 * Undo Poisson (Keenan–Kotula) scaling on a result computed from a scaled
 * stack (`--poisson`): weights·√rowsum, components·√colsum, then components
 * rescaled to a maximum of 1 again for the NMF family (the scale moves to the
 * weights). Measured spectra are unscaled too (a copy when they share the
 * stack's data). Methods that subtract a mean (PCA) keep scaled units, since
 * the unscaled mean would differ per pixel; a warning says so.
 */
export function undoPoissonScaling(result: AnalysisResult, stack: SpectralStack): void {
  const scaling = stack.metadata.poissonScaling as PoissonScaling | undefined;
  if (!scaling) return;
  if (result.mean) {
    result.warnings.push('--poisson: results stay in Poisson-scaled units (a centred method cannot be unscaled exactly)');
    return;
  }
  const { k, energies } = result;
  const m = energies.length;
  const n = result.width * result.height;
  // Loaded here, for --poisson runs only.
  const { poissonUnscale } = require('@specmap/preprocess') as typeof import('@specmap/preprocess');
  const un = poissonUnscale(scaling, result.weights, result.components, k);
  const components = Float64Array.from(un.components);
  const weights = un.weights;
  if (result.method.startsWith('nmf') || result.method === 'mw-nmf') {
    for (let j = 0; j < k; j++) {
      let max = 0;
      for (let e = 0; e < m; e++) max = Math.max(max, components[j * m + e]);
      if (max > 0) {
        for (let e = 0; e < m; e++) components[j * m + e] /= max;
        for (let i = 0; i < n; i++) weights[i * k + j] *= max;
      }
    }
  }
  result.weights = weights;
  result.components = components;
  if (result.measured) {
    const meas = result.measured;
    if (meas.binning === 1) {
      const data = new Float32Array(meas.data.length);
      for (let i = 0; i < n; i++) {
        const g = scaling.rootPixel[i];
        for (let e = 0; e < m; e++) data[i * m + e] = meas.data[i * m + e] * g * scaling.rootChannel[e];
      }
      result.measured = { ...meas, data };
    } else {
      result.measured = undefined;
      result.warnings.push('--poisson: binned measured spectra are not embedded (they were scaled per pixel)');
    }
  }
  result.parameters = { ...result.parameters, poissonUnscaled: true };
}
