/**
 * Per-spectrum normalisation: 'area' (divide by |∫ y dE|, trapezoid), 'max'
 * (divide by the maximum) and 'edge-step' (xraylarch `pre_edge` via
 * @specmap/xafs: (μ − pre-edge line)/edge step). In place; spectra that
 * cannot be normalised (area or maximum ≤ 0, failing pre_edge) are left
 * unchanged and counted in a warning.
 */
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { addWarnings, checkShape, recordStep, trapz } from './util';

export type NormalizeMode = 'none' | 'area' | 'max' | 'edge-step';

/** Options passed to xraylarch-style `preEdge` (see @specmap/xafs). */
export interface PreEdgeOptions {
  e0?: number;
  pre1?: number;
  pre2?: number;
  norm1?: number;
  norm2?: number;
  nnorm?: number;
  nvict?: number;
}

type PreEdgeFn = (energies: Float64Array, mu: ArrayLike<number>, options?: PreEdgeOptions) => { e0: number; edgeStep: number; norm: Float64Array };

/** The `preEdge` of @specmap/xafs when that package is installed and built, else undefined. */
export function loadPreEdge(): PreEdgeFn | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require('@specmap/xafs') as { preEdge?: PreEdgeFn };
    return typeof mod.preEdge === 'function' ? mod.preEdge : undefined;
  } catch {
    return undefined;
  }
}

/** Area-normalise one spectrum: y / |∫ y dE|. */
export function normalizeArea(energies: ArrayLike<number>, values: ArrayLike<number>): Float64Array {
  const a = Math.abs(trapz(energies, values));
  if (!(a > 0)) throw new SpecmapError('NORMALIZE', 'area normalisation: the spectrum has zero area');
  return Float64Array.from(values as ArrayLike<number>, (v) => v / a);
}

/** Max-normalise one spectrum: y / max(y). */
export function normalizeMax(values: ArrayLike<number>): Float64Array {
  let mx = -Infinity;
  for (let i = 0; i < values.length; i++) mx = Math.max(mx, values[i]);
  if (!(mx > 0)) throw new SpecmapError('NORMALIZE', `max normalisation: the spectrum's maximum is ${mx} (≤ 0)`);
  return Float64Array.from(values as ArrayLike<number>, (v) => v / mx);
}

/**
 * Normalise every spectrum of the stack, **in place**. Records
 * `{ name: 'normalize', parameters: { mode, skipped, … } }`; for edge-step the
 * per-pixel edge steps go to `metadata.edgeStep` and e0 to `metadata.e0`.
 *
 * @throws SpecmapError 'XAFS_MISSING' for 'edge-step' when @specmap/xafs is not available.
 */
export function normalizeStack(stack: SpectralStack, mode: NormalizeMode, options: PreEdgeOptions = {}): SpectralStack {
  checkShape(stack, 'normalisation');
  if (mode === 'none') return stack;
  const { data, energies } = stack;
  const m = energies.length;
  const n = stack.width * stack.height;
  const y = new Float64Array(m);
  let skipped = 0;
  if (mode === 'area' || mode === 'max') {
    for (let p = 0; p < n; p++) {
      const base = p * m;
      let d: number;
      if (mode === 'area') {
        for (let e = 0; e < m; e++) y[e] = data[base + e];
        d = Math.abs(trapz(energies, y));
      } else {
        d = -Infinity;
        for (let e = 0; e < m; e++) d = Math.max(d, data[base + e]);
      }
      if (!(d > 0) || !Number.isFinite(d)) {
        skipped++;
        continue;
      }
      const inv = 1 / d;
      for (let e = 0; e < m; e++) data[base + e] *= inv;
    }
    if (skipped) addWarnings(stack, [`${mode} normalisation: ${skipped} of ${n} spectra have ${mode === 'area' ? 'zero area' : 'a maximum ≤ 0'} and were left unchanged`]);
    recordStep(stack, 'normalize', { mode, formula: mode === 'area' ? 'y / |∫ y dE| (trapezoid)' : 'y / max(y)', skipped });
    return stack;
  }
  if (mode !== 'edge-step') throw new SpecmapError('ARGUMENT', `normalisation must be none, edge-step, area or max; got '${mode as string}'`);
  const preEdge = loadPreEdge();
  if (!preEdge) throw new SpecmapError('XAFS_MISSING', 'edge-step normalisation needs @specmap/xafs (xraylarch pre_edge), which is not installed or not built');
  const E = Float64Array.from(energies);
  const steps = new Float32Array(n);
  const e0s = new Float32Array(n);
  let e0Sum = 0;
  let done = 0;
  for (let p = 0; p < n; p++) {
    if (stack.mask && !stack.mask[p]) continue;
    const base = p * m;
    for (let e = 0; e < m; e++) y[e] = data[base + e];
    try {
      const r = preEdge(E, y, options);
      if (!(r.edgeStep > 0) || !Number.isFinite(r.edgeStep)) throw new Error('edge step ≤ 0');
      for (let e = 0; e < m; e++) data[base + e] = r.norm[e];
      steps[p] = r.edgeStep;
      e0s[p] = r.e0;
      e0Sum += r.e0;
      done++;
    } catch {
      skipped++;
    }
  }
  if (skipped) addWarnings(stack, [`edge-step normalisation: pre_edge failed or gave an edge step ≤ 0 for ${skipped} of ${n} spectra (left unchanged)`]);
  stack.metadata = { ...stack.metadata, edgeStep: steps, e0: e0s };
  recordStep(stack, 'normalize', { mode, method: 'xraylarch pre_edge (@specmap/xafs)', options, meanE0: done ? e0Sum / done : null, normalised: done, skipped });
  return stack;
}
