/**
 * Synthetic AnalysisResults for tests (shared by the arrow, png and notebook
 * tests). Deterministic: a tiny LCG, no Math.random.
 */
import type { AnalysisResult, Provenance } from '@specmap/core';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function energyGrid(m: number, from = 700, to = 730): Float64Array {
  const e = new Float64Array(m);
  for (let i = 0; i < m; i++) e[i] = from + ((to - from) * i) / (m - 1);
  return e;
}

function gauss(e: number, c: number, w: number): number {
  return Math.exp(-0.5 * ((e - c) / w) ** 2);
}

export function provenance(): Provenance {
  return {
    inputSha256: 'a'.repeat(64),
    input: 'synthetic.hdr',
    specmapVersion: '0.1.0',
    seed: 42,
    date: '2026-11-23T12:00:00.000Z',
    steps: [{ name: 'opticalDensity', parameters: { i0: 'i0.xsp' } }],
    versions: { node: 'v20.0.0', 'apache-arrow': '21.2.0' },
  };
}

/** PCA-like: signed weights, mean, explained variance; 2 components; odd sizes. */
export function pcaResult(width = 13, height = 9, m = 37): AnalysisResult {
  const rnd = lcg(7);
  const k = 2;
  const energies = energyGrid(m);
  const components = new Float64Array(k * m);
  for (let e = 0; e < m; e++) {
    components[e] = gauss(energies[e], 708, 1.5) - 0.4;
    components[m + e] = Math.sin((e / m) * Math.PI * 2) * 0.3;
  }
  const weights = new Float32Array(width * height * k);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      weights[p * k] = (x - width / 2) / width + (rnd() - 0.5) * 0.05;
      weights[p * k + 1] = (y - height / 2) / height;
    }
  }
  // Values whose bits a sloppy round trip would lose.
  weights[0] = -0;
  weights[1] = 1.401298464324817e-45; // smallest float32 denormal
  components[2] = Number.MIN_VALUE;
  components[3] = 0.1 + 0.2;
  const mean = new Float64Array(m);
  for (let e = 0; e < m; e++) mean[e] = 0.5 + gauss(energies[e], 710, 2);
  return {
    method: 'pca',
    k,
    width,
    height,
    energies,
    weights,
    components,
    mean,
    explainedVariance: new Float64Array([3.25, 0.75]),
    explainedVarianceRatio: new Float64Array([0.8125, 0.1875]),
    parameters: { k: 2, center: true, scale: 'none' },
    iterations: 0,
    converged: true,
    warnings: [],
    provenance: { ...provenance(), seed: null },
  };
}

/** NMF-like: non-negative weights, loss history, measured spectra (binned) and 2 references. */
export function nmfResult(width = 16, height = 12, m = 41): AnalysisResult {
  const rnd = lcg(11);
  const k = 2;
  const energies = energyGrid(m, 700, 725);
  const comps = [
    (e: number) => 0.1 + gauss(e, 707.8, 1.0) + 0.4 * gauss(e, 720.5, 1.5),
    (e: number) => 0.1 + gauss(e, 709.6, 1.0) + 0.4 * gauss(e, 722.0, 1.5),
  ];
  const components = new Float64Array(k * m);
  for (let c = 0; c < k; c++) for (let e = 0; e < m; e++) components[c * m + e] = comps[c](energies[e]);
  const weights = new Float32Array(width * height * k);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const a = x / (width - 1);
      weights[p * k] = a + rnd() * 0.02;
      weights[p * k + 1] = (1 - a) * (y / (height - 1)) + rnd() * 0.02;
    }
  }
  const binning = 2;
  const mw = Math.floor(width / binning);
  const mh = Math.floor(height / binning);
  const measured = new Float32Array(mw * mh * m);
  for (let y = 0; y < mh; y++) {
    for (let x = 0; x < mw; x++) {
      const p = y * binning * width + x * binning;
      for (let e = 0; e < m; e++) {
        measured[(y * mw + x) * m + e] = weights[p * k] * components[e] + weights[p * k + 1] * components[m + e];
      }
    }
  }
  const refA = new Float64Array(m);
  const refB = new Float64Array(m);
  for (let e = 0; e < m; e++) {
    refA[e] = 2 * comps[0](energies[e]);
    refB[e] = 3 * comps[1](energies[e]) + 0.01 * e;
  }
  const lossHistory = new Float64Array(25);
  for (let i = 0; i < lossHistory.length; i++) lossHistory[i] = 100 / (i + 1);
  return {
    method: 'nmf',
    k,
    width,
    height,
    energies,
    weights,
    components,
    parameters: { k: 2, seed: 42, maxIter: 500, tol: 1e-6, init: 'nndsvda' },
    iterations: 25,
    converged: false,
    lossHistory,
    warnings: ['NMF did not converge in 25 iterations (tol 1e-6)'],
    provenance: provenance(),
    measured: { data: measured, width: mw, height: mh, binning },
    references: {
      spectra: [
        { name: 'oxidized', values: refA },
        { name: 'reduced', values: refB },
      ],
      pearson: new Float64Array([0.99, 0.21, 0.18, 0.97]),
    },
  };
}
