import { SpecmapError, pca, symmetricEigen, type MatrixView, type SpectralStack } from '@specmap/core';
import { asMatrix } from './input';
import { lle, type StandardSpectrum } from './lle';

export interface MwNmfOptions {
  /** Number of components k. */
  components: number;
  /** Density exponent α ∈ [0, 1]: 0 = plain NMF, 1 = every stretch of the path counts equally. __Default:__ 1. */
  alpha?: number;
  /** Quantiles of w that the weights are clipped to. __Default:__ [0.01, 0.99] (§6 proposed [0.05, 0.95], which flattens the weights of any stage holding < 5 % of the spectra). */
  clip?: [number, number];
  /** Path coordinate: 'mlle' (first modified-LLE coordinate) or 'pca' (first PCA score). __Default:__ 'mlle' up to 5,000 spectra, 'pca' above. */
  embedding?: 'mlle' | 'pca';
  /** mLLE neighbours. __Default:__ 10. */
  neighbors?: number;
  /** mLLE / transform regularisation. __Default:__ 1e-3. */
  reg?: number;
  maxIter?: number;
  tol?: number;
  seed?: number;
  standards?: StandardSpectrum[];
}

export interface MwNmfResult {
  /** n×k (Float32), masked-out rows 0. Components scaled to a maximum of 1; the maps carry the intensity. */
  weights: Float32Array;
  /** k×m. */
  components: Float64Array;
  k: number;
  /** Per-spectrum weights w_i (length n, Σ = number of active spectra; 0 where masked). */
  sampleWeights: Float64Array;
  /** The path coordinate τ (length n, NaN where masked), oriented by the LLE rule. */
  coordinate: Float64Array;
  embeddingUsed: 'mlle' | 'pca';
  effectiveSampleSize: number;
  iterations: number;
  converged: boolean;
  lossHistory: Float64Array;
  warnings: string[];
  parameters: Record<string, unknown>;
  standards?: { name: string; coords: Float64Array }[];
  progress?: Float32Array;
}

/** Silverman's bandwidth 0.9·min(sd, IQR/1.34)·n^(−1/5) (sd if the IQR is 0). */
export function silverman(u: Float64Array): number {
  const n = u.length;
  const s = Float64Array.from(u).sort();
  let mean = 0;
  for (const v of s) mean += v;
  mean /= n;
  let v2 = 0;
  for (const v of s) v2 += (v - mean) ** 2;
  const sd = Math.sqrt(v2 / Math.max(1, n - 1));
  const q = (p: number): number => {
    const h = (n - 1) * p;
    const lo = Math.floor(h);
    return s[lo] + (h - lo) * ((s[Math.min(n - 1, lo + 1)] ?? s[lo]) - s[lo]);
  };
  const iqr = q(0.75) - q(0.25);
  const spread = iqr > 0 ? Math.min(sd, iqr / 1.34) : sd;
  return 0.9 * spread * Math.pow(n, -0.2);
}

/**
 * Gaussian kernel density at each u_i with Silverman's bandwidth: exact sum
 * for n ≤ 5,000, linear binning on 512 bins plus a discrete convolution above.
 */
export function kde(u: Float64Array): Float64Array {
  const n = u.length;
  const h = silverman(u) || 1;
  const out = new Float64Array(n);
  const c = 1 / (n * h * Math.sqrt(2 * Math.PI));
  if (n <= 5000) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let l = 0; l < n; l++) s += Math.exp(-0.5 * ((u[i] - u[l]) / h) ** 2);
      out[i] = c * s;
    }
    return out;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of u) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const B = 512;
  const step = (hi - lo) / (B - 1) || 1;
  const grid = new Float64Array(B);
  for (const v of u) {
    const x = (v - lo) / step;
    const a = Math.min(B - 2, Math.floor(x));
    const f = x - a;
    grid[a] += 1 - f;
    grid[a + 1] += f;
  }
  const dens = new Float64Array(B);
  const reach = Math.min(B - 1, Math.ceil((5 * h) / step));
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let o = -reach; o <= reach; o++) {
      const q = b + o;
      if (q >= 0 && q < B) s += grid[q] * Math.exp(-0.5 * ((o * step) / h) ** 2);
    }
    dens[b] = c * s;
  }
  for (let i = 0; i < n; i++) {
    const x = (u[i] - lo) / step;
    const a = Math.min(B - 2, Math.floor(x));
    const f = x - a;
    out[i] = (1 - f) * dens[a] + f * dens[a + 1];
  }
  return out;
}

/** w_i = p̂(u_i)^(−α), clipped to the `clip` quantiles of w (mw-NMF uses [1 %, 99 %]; §6 step 3 proposed [5 %, 95 %]), scaled to Σw = n. */
export function densityWeights(u: Float64Array, alpha: number, clip: [number, number] = [0.05, 0.95]): Float64Array {
  const n = u.length;
  const p = kde(u);
  const w = p.map((v) => Math.pow(Math.max(v, Number.MIN_VALUE), -alpha));
  const s = Float64Array.from(w).sort();
  const q = (f: number): number => s[Math.min(n - 1, Math.max(0, Math.round((n - 1) * f)))];
  const lo = q(clip[0]);
  const hi = q(clip[1]);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    w[i] = Math.min(hi, Math.max(lo, w[i]));
    sum += w[i];
  }
  for (let i = 0; i < n; i++) w[i] *= n / sum;
  return w;
}

/**
 * Manifold-weighted NMF (algorithms.md §6, a specmap design): NMF of
 * Σ_i w_i ‖x_i − c_i S‖² where w_i = p̂(τ_i)^(−α) down-weights spectra from
 * densely populated stretches of the reaction path τ (first mLLE coordinate,
 * or first PCA score) so a sparsely populated stage still pulls a component.
 *
 * HALS: the per-spectrum map update is unchanged (row-wise least squares does
 * not depend on w_i); the spectrum update uses CᵀWC and XᵀWC with the
 * division by (CᵀWC)_jj. Initialisation NNDSVDa of W^½X. Negative values are
 * read as 0. Stops when the relative decrease of the weighted loss over an
 * iteration falls below `tol` (default 1e-6) or at `maxIter` (default 500).
 */
export function mwNmf(x: SpectralStack | MatrixView, options: MwNmfOptions): MwNmfResult {
  const view = asMatrix(x);
  const { rows, cols: m, data, mask } = view;
  const k = options.components;
  const warnings: string[] = [];
  const active: number[] = [];
  for (let i = 0; i < rows; i++) if (!mask || mask[i]) active.push(i);
  const n = active.length;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, m)) {
    throw new SpecmapError('K_RANGE', `components K=${k} must be between 1 and min(n_pixels=${n}, n_channels=${m})=${Math.min(n, m)}`);
  }
  const alpha = options.alpha ?? 1;
  if (!(alpha >= 0 && alpha <= 1)) throw new SpecmapError('OPTION', `alpha must be between 0 and 1, got ${alpha}`);
  const embeddingUsed = options.embedding ?? (n <= 5000 ? 'mlle' : 'pca');
  if (embeddingUsed !== 'mlle' && embeddingUsed !== 'pca') throw new SpecmapError('OPTION', `embedding must be 'mlle' or 'pca', got '${String(embeddingUsed)}'`);
  const maxIter = options.maxIter ?? 500;
  const tol = options.tol ?? 1e-6;
  // 1. the path coordinate
  const coordinate = new Float64Array(rows).fill(NaN);
  let standards: MwNmfResult['standards'];
  let progress: Float32Array | undefined;
  const parameters: Record<string, unknown> = { components: k, alpha, embedding: embeddingUsed, maxIter, tol };
  if (embeddingUsed === 'mlle') {
    const fit = lle(view, { components: 1, neighbors: options.neighbors ?? 10, reg: options.reg, method: 'modified', seed: options.seed, standards: options.standards });
    for (const r of active) coordinate[r] = fit.embedding[r];
    warnings.push(...fit.warnings);
    standards = fit.standards;
    progress = fit.progress;
    parameters.neighbors = fit.K;
    parameters.embeddingParameters = fit.parameters;
  } else {
    const scores = pca(view, { components: 1 }).weights;
    for (const r of active) coordinate[r] = scores[r];
    parameters.embeddingParameters = { note: 'first PCA score (PCA axis signed with its largest entry positive)' };
  }
  const u = Float64Array.from(active, (r) => coordinate[r]);
  const wAct = alpha === 0 ? new Float64Array(n).fill(1) : densityWeights(u, alpha, options.clip ?? [0.01, 0.99]);
  const sampleWeights = new Float64Array(rows);
  active.forEach((r, a) => (sampleWeights[r] = wAct[a]));
  let sw = 0;
  let sw2 = 0;
  for (const v of wAct) {
    sw += v;
    sw2 += v * v;
  }
  const ess = (sw * sw) / sw2;
  parameters.effectiveSampleSize = ess;
  // 2. the data (negative values read as 0)
  const X = new Float64Array(n * m);
  let negatives = 0;
  active.forEach((r, a) => {
    for (let e = 0; e < m; e++) {
      let v = data[r * m + e];
      if (v < 0) {
        v = 0;
        negatives++;
      }
      X[a * m + e] = v;
    }
  });
  if (negatives > 0) warnings.push(`clipped negatives: ${negatives} negative values read as 0 for the NMF`);
  // 3. NNDSVDa init of W^½ X
  const C = new Float64Array(n * k);
  const S = new Float64Array(k * m); // rows = components
  {
    const G = new Float64Array(m * m);
    let mean = 0;
    for (let a = 0; a < n; a++) {
      const w = wAct[a];
      for (let e = 0; e < m; e++) {
        const xe = X[a * m + e];
        mean += Math.sqrt(w) * xe;
        if (xe === 0) continue;
        for (let f = e; f < m; f++) G[e * m + f] += w * xe * X[a * m + f];
      }
    }
    mean /= n * m;
    for (let e = 0; e < m; e++) for (let f = 0; f < e; f++) G[e * m + f] = G[f * m + e];
    const eig = symmetricEigen(G, m);
    for (let j = 0; j < k; j++) {
      const sigma = Math.sqrt(Math.max(eig.values[j], 0));
      const v = eig.vectors.subarray(j * m, j * m + m);
      const uvec = new Float64Array(n);
      for (let a = 0; a < n; a++) {
        let s = 0;
        for (let e = 0; e < m; e++) s += X[a * m + e] * v[e];
        uvec[a] = sigma > 0 ? (Math.sqrt(wAct[a]) * s) / sigma : 0;
      }
      let up = 0, un = 0, vp = 0, vn = 0;
      for (const t of uvec) (t > 0 ? (up += t * t) : (un += t * t));
      for (const t of v) (t > 0 ? (vp += t * t) : (vn += t * t));
      up = Math.sqrt(up); un = Math.sqrt(un); vp = Math.sqrt(vp); vn = Math.sqrt(vn);
      const usePos = j === 0 || up * vp >= un * vn;
      const sg = usePos ? 1 : -1;
      const nu = usePos ? up : un;
      const nv = usePos ? vp : vn;
      const lam = usePos ? up * vp : un * vn;
      const f = Math.sqrt(sigma * lam);
      for (let a = 0; a < n; a++) {
        const t = Math.max(sg * uvec[a], 0);
        C[a * k + j] = nu > 0 ? (f * t) / nu / Math.sqrt(wAct[a]) : 0;
      }
      for (let e = 0; e < m; e++) {
        const t = Math.max(sg * v[e], 0);
        S[j * m + e] = nv > 0 ? (f * t) / nv : 0;
      }
    }
    for (let i = 0; i < C.length; i++) if (C[i] < 1e-6) C[i] = mean;
    for (let i = 0; i < S.length; i++) if (S[i] < 1e-6) S[i] = mean;
  }
  // 4. weighted HALS
  const SS = new Float64Array(k * k);
  const XS = new Float64Array(k);
  const CWC = new Float64Array(k * k);
  const XWC = new Float64Array(k * m);
  const loss: number[] = [];
  let xnorm = 0;
  for (let a = 0; a < n; a++) for (let e = 0; e < m; e++) xnorm += wAct[a] * X[a * m + e] ** 2;
  let converged = false;
  let it = 0;
  for (it = 1; it <= maxIter; it++) {
    // C update (row-wise, unweighted): HALS with SSᵀ and X Sᵀ
    for (let p = 0; p < k; p++) for (let q = 0; q < k; q++) {
      let s = 0;
      for (let e = 0; e < m; e++) s += S[p * m + e] * S[q * m + e];
      SS[p * k + q] = s;
    }
    CWC.fill(0);
    XWC.fill(0);
    for (let a = 0; a < n; a++) {
      for (let p = 0; p < k; p++) {
        let s = 0;
        for (let e = 0; e < m; e++) s += X[a * m + e] * S[p * m + e];
        XS[p] = s;
      }
      for (let p = 0; p < k; p++) {
        if (SS[p * k + p] <= 0) continue;
        let g = -XS[p];
        for (let q = 0; q < k; q++) g += C[a * k + q] * SS[q * k + p];
        C[a * k + p] = Math.max(C[a * k + p] - g / SS[p * k + p], 0);
      }
      const w = wAct[a];
      for (let p = 0; p < k; p++) {
        const cp = w * C[a * k + p];
        if (cp === 0) continue;
        for (let q = 0; q < k; q++) CWC[p * k + q] += cp * C[a * k + q];
        for (let e = 0; e < m; e++) XWC[p * m + e] += cp * X[a * m + e];
      }
    }
    // S update (weighted): s_j ← [s_j + ((XᵀWC)_j − S(CᵀWC)_j)/(CᵀWC)_jj]_+
    for (let p = 0; p < k; p++) {
      const d = CWC[p * k + p];
      if (d <= 0) continue;
      for (let e = 0; e < m; e++) {
        let g = XWC[p * m + e];
        for (let q = 0; q < k; q++) g -= CWC[q * k + p] * S[q * m + e];
        S[p * m + e] = Math.max(S[p * m + e] + g / d, 0);
      }
    }
    // weighted loss ½Σ w‖x − cS‖² = ½(‖X‖²_W − 2⟨XWC, S⟩ + ⟨CWC, SSᵀ⟩) (CWC, XWC from this sweep's C)
    let cross = 0;
    for (let i = 0; i < k * m; i++) cross += XWC[i] * S[i];
    let quad = 0;
    for (let p = 0; p < k; p++) for (let q = 0; q < k; q++) {
      let s = 0;
      for (let e = 0; e < m; e++) s += S[p * m + e] * S[q * m + e];
      quad += CWC[p * k + q] * s;
    }
    const l = Math.max(0, 0.5 * (xnorm - 2 * cross + quad));
    loss.push(l);
    if (it > 1 && tol > 0 && Math.abs(loss[it - 2] - l) <= tol * Math.max(loss[0], Number.MIN_VALUE)) {
      converged = true;
      break;
    }
  }
  const iterations = Math.min(it, maxIter);
  if (!converged && tol > 0) warnings.push(`mw-NMF did not converge in ${maxIter} iterations (tol ${tol})`);
  // 5. output convention: components to max 1, maps carry intensity; order by total contribution
  const scaleOf = new Float64Array(k);
  for (let p = 0; p < k; p++) {
    let mx = 0;
    for (let e = 0; e < m; e++) mx = Math.max(mx, S[p * m + e]);
    scaleOf[p] = mx;
  }
  const total = Array.from({ length: k }, (_, p) => {
    let s = 0;
    for (let a = 0; a < n; a++) s += C[a * k + p];
    return s * scaleOf[p];
  });
  const order = Array.from({ length: k }, (_, p) => p).sort((a, b) => total[b] - total[a] || a - b);
  const weights = new Float32Array(rows * k);
  const components = new Float64Array(k * m);
  order.forEach((p, j) => {
    const sc = scaleOf[p] || 1;
    for (let e = 0; e < m; e++) components[j * m + e] = S[p * m + e] / sc;
    active.forEach((r, a) => (weights[r * k + j] = C[a * k + p] * sc));
  });
  return {
    weights,
    components,
    k,
    sampleWeights,
    coordinate,
    embeddingUsed,
    effectiveSampleSize: ess,
    iterations,
    converged,
    lossHistory: Float64Array.from(loss),
    warnings,
    parameters,
    standards,
    progress,
  };
}
