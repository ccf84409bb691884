/**
 * Deterministic synthetic AnalysisResults for the widget's tests and demo
 * report: an Fe L3-edge-like pair of components (Fe2+ peak near 708 eV, Fe3+
 * near 709.8 eV) mixed over a map with two grains, plus noisy measured
 * spectra and two reference spectra.
 */
import type { AnalysisResult } from '@specmap/core';

function gauss(e: number, mu: number, sigma: number): number {
  return Math.exp(-0.5 * ((e - mu) / sigma) ** 2);
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticOptions {
  width?: number;
  height?: number;
  m?: number;
  method?: 'nmf' | 'pca';
  binning?: number;
  measured?: boolean;
  references?: boolean;
  warnings?: string[];
}

export function syntheticResult(o: SyntheticOptions = {}): AnalysisResult {
  const width = o.width ?? 48;
  const height = o.height ?? 36;
  const m = o.m ?? 123;
  const method = o.method ?? 'nmf';
  const k = method === 'pca' ? 3 : 2;
  const energies = new Float64Array(m);
  for (let e = 0; e < m; e++) energies[e] = 700 + (30 * e) / (m - 1);
  const edge = (e: number) => 0.25 / (1 + Math.exp(-(e - 707) / 0.6));
  const fe2 = energies.map((e) => edge(e) + gauss(e, 708.0, 0.55) + 0.35 * gauss(e, 721.0, 0.8));
  const fe3 = energies.map((e) => edge(e) + 0.3 * gauss(e, 708.1, 0.5) + gauss(e, 709.8, 0.6) + 0.3 * gauss(e, 722.6, 0.9));
  const n = width * height;
  // Abundance maps: grain A (Fe2+) top-left, grain B (Fe3+) bottom-right, overlapping.
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      a[i] = Math.exp(-(((x - width * 0.33) / (width * 0.2)) ** 2 + ((y - height * 0.4) / (height * 0.25)) ** 2));
      b[i] = 0.8 * Math.exp(-(((x - width * 0.65) / (width * 0.18)) ** 2 + ((y - height * 0.62) / (height * 0.22)) ** 2));
    }
  }
  const rand = rng(42);
  const noise = () => (rand() + rand() + rand() - 1.5) * 0.02;

  let components: Float64Array;
  let weights: Float32Array;
  let mean: Float64Array | undefined;
  let evr: Float64Array | undefined;
  let ev: Float64Array | undefined;
  if (method === 'nmf') {
    components = new Float64Array(k * m);
    components.set(fe2, 0);
    components.set(fe3, m);
    weights = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      weights[i * k] = a[i];
      weights[i * k + 1] = b[i];
    }
  } else {
    // A PCA-like result: mean spectrum, one contrast component and two small ones.
    mean = new Float64Array(m);
    for (let e = 0; e < m; e++) mean[e] = 0.3 * fe2[e] + 0.3 * fe3[e];
    components = new Float64Array(k * m);
    let norm = 0;
    const d = fe3.map((v, e) => v - fe2[e]);
    for (const v of d) norm += v * v;
    norm = Math.sqrt(norm);
    for (let e = 0; e < m; e++) {
      components[e] = d[e] / norm;
      components[m + e] = gauss(energies[e], 715, 4) / 3;
      components[2 * m + e] = Math.sin((energies[e] - 700) / 3) / 8;
    }
    weights = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      weights[i * k] = (b[i] - a[i]) * norm;
      weights[i * k + 1] = (a[i] + b[i] - 0.5) * 0.5;
      weights[i * k + 2] = noise() * 5;
    }
    ev = Float64Array.from([0.9, 0.06, 0.01]);
    evr = Float64Array.from([0.83, 0.1, 0.02]);
  }

  let measured: AnalysisResult['measured'];
  if (o.measured ?? true) {
    const bin = Math.max(1, o.binning ?? 1);
    const mw = Math.ceil(width / bin);
    const mh = Math.ceil(height / bin);
    const data = new Float32Array(mw * mh * m);
    for (let by = 0; by < mh; by++) {
      for (let bx = 0; bx < mw; bx++) {
        let cnt = 0;
        const acc = new Float64Array(m);
        for (let y = by * bin; y < Math.min(height, (by + 1) * bin); y++) {
          for (let x = bx * bin; x < Math.min(width, (bx + 1) * bin); x++) {
            const i = y * width + x;
            for (let e = 0; e < m; e++) acc[e] += a[i] * fe2[e] + b[i] * fe3[e] + noise();
            cnt++;
          }
        }
        const off = (by * mw + bx) * m;
        for (let e = 0; e < m; e++) data[off + e] = acc[e] / cnt;
      }
    }
    measured = { data, width: mw, height: mh, binning: bin };
  }

  let references: AnalysisResult['references'];
  if (o.references ?? true) {
    const siderite = energies.map((e) => edge(e) + 1.05 * gauss(e, 708.05, 0.6) + 0.3 * gauss(e, 721.1, 0.8));
    const hematite = energies.map((e) => edge(e) + 0.35 * gauss(e, 708.2, 0.5) + 0.95 * gauss(e, 709.7, 0.6) + 0.3 * gauss(e, 722.5, 0.9));
    const spectra = [
      { name: 'siderite (Fe2+)', values: siderite },
      { name: 'hematite (Fe3+)', values: hematite },
    ];
    const pearson = new Float64Array(k * spectra.length);
    for (let j = 0; j < k; j++) {
      for (let r = 0; r < spectra.length; r++) pearson[j * spectra.length + r] = pearsonR(components.subarray(j * m, (j + 1) * m), spectra[r].values);
    }
    references = { spectra, pearson };
  }

  return {
    method,
    k,
    width,
    height,
    energies,
    weights,
    components,
    mean,
    explainedVariance: ev,
    explainedVarianceRatio: evr,
    parameters: method === 'nmf' ? { k, seed: 0, maxIter: 200, tol: 1e-4, init: 'nndsvda' } : { k },
    iterations: method === 'nmf' ? 187 : 1,
    converged: true,
    warnings: o.warnings ?? [],
    provenance: {
      inputSha256: 'c0ffee'.repeat(10) + 'abcd',
      input: 'synthetic/fe-l3.hdr',
      specmapVersion: '0.1.0',
      seed: method === 'nmf' ? 0 : null,
      date: '2026-11-23T12:00:00Z',
      steps: [{ name: 'opticalDensity', parameters: {} }],
      versions: { node: 'v20' },
    },
    measured,
    references,
  };
}

export function pearsonR(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
