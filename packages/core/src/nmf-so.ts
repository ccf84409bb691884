import { SpecmapError } from './errors';
import type { SpectralStack } from './stack';
import { ActiveRows, checkComponents, Decomposition, MatrixView, prepareInput } from './decomposition';
import { checkSeed } from './random';
import { MT19937 } from './mt19937';
import { scanNonNegative } from './nmf-input';
import { checkInit, initialFactors, nmfOutput, type NmfInit } from './nmf';
import { CrossTerm, ctx, kernelProducts, roundF32, xs } from './nmf-products';

/** float64 eps (numpy `finfo(float64).eps`), malspy's `eps`. */
export const EPS = 2.220446049250313e-16;

/** Initialisation of NMF-SO: 'rows' is malspy's (C = 1/√n, S = K rows of X drawn with numpy's legacy `choice`). */
export type NmfSoInit = 'rows' | NmfInit;

export interface NmfSoOptions {
  /** Number of components K, 1 ≤ K ≤ min(n, m). */
  components: number;
  /** Weight ω of the soft orthogonality of the maps, 0 ≤ ω ≤ 1 (malspy `wo`); default 0.1. ω = 0 is plain HALS NMF. */
  omega?: number;
  /** Seed of numpy's legacy MT19937 (malspy `random_seed`), default 0. */
  seed?: number;
  /** Maximum iterations per repetition; default 200 (malspy-compatible mode: 100, malspy's `max_itr`). */
  maxIter?: number;
  /** No stop before this 0-based iteration index (malspy `min_itr`), default 10. */
  minIter?: number;
  /**
   * Stopping tolerance. Default mode: relative change of the objective,
   * |obj_{t−1} − obj_t| < tol·obj_{t−1}, default 1e-6 (scale-free).
   * malspy-compatible mode: malspy's absolute rule |obj_{t−1} − obj_t| < tol, default 1e-10.
   * 0 runs exactly maxIter iterations.
   */
  tol?: number;
  /** Number of initialisations, the best final objective kept (malspy `reps`); default 1 (compatible mode: 3). */
  reps?: number;
  /** Initialisation, default 'rows' (malspy's). */
  init?: NmfSoInit;
  /**
   * Replay malspy 0.4 exactly: its stopping rule (absolute tolerance, objective history truncated as
   * malspy truncates it), its defaults (reps 3, maxIter 100) and its raw factors as output
   * (weights = C with unit-norm columns, components = Sᵀ carrying the intensity, malspy's order).
   */
  malspyCompat?: boolean;
}

export { ctx, xs } from './nmf-products';

/** Σ ‖x_i − C_i·S‖² over the active rows (direct, one pass). */
export function residualSq(src: ActiveRows, C: Float64Array, S: Float64Array, k: number, clip: boolean): number {
  const { data, cols: m, index, count: n } = src;
  let total = 0;
  for (let r = 0; r < n; r++) {
    const base = index[r] * m;
    let row = 0;
    for (let e = 0; e < m; e++) {
      let v = data[base + e];
      if (clip && v < 0) v = 0;
      for (let j = 0; j < k; j++) v -= C[r * k + j] * S[j * m + e];
      row += v * v;
    }
    total += row;
  }
  return total;
}

/** out (k×k) = AᵀA for A n×k row-major (columns' Gram matrix). */
export function colGram(A: Float64Array, n: number, k: number, out: Float64Array): void {
  out.fill(0);
  for (let r = 0; r < n; r++) {
    const o = r * k;
    for (let a = 0; a < k; a++) {
      const v = A[o + a];
      if (v === 0) continue;
      for (let b = a; b < k; b++) out[a * k + b] += v * A[o + b];
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) out[a * k + b] = out[b * k + a];
}

/** out (k×k) = S·Sᵀ for S k×m row-major (spectra's Gram matrix). */
export function rowGram(S: Float64Array, k: number, m: number, out: Float64Array): void {
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let v = 0;
      for (let e = 0; e < m; e++) v += S[a * m + e] * S[b * m + e];
      out[a * k + b] = v;
      out[b * k + a] = v;
    }
  }
}

/**
 * HALS update of the spectra as malspy does it (S first in every iteration):
 * A = CᵀX (k×m), B = CᵀC; for j in order s_j ← [A_j − Σ_l B_lj s_l + B_jj s_j]_+
 * (uses the already updated s_l; no division by B_jj, exact when ‖c_j‖ = 1);
 * `after(j)` runs right after column j is updated (NMF-ARD-SO normalises it there).
 */
export function updateSpectra(S: Float64Array, A: Float64Array, B: Float64Array, k: number, m: number, after?: (j: number) => void): void {
  for (let j = 0; j < k; j++) {
    const o = j * m;
    const bjj = B[j * k + j];
    for (let e = 0; e < m; e++) {
      let sb = 0;
      for (let l = 0; l < k; l++) sb += S[l * m + e] * B[l * k + j];
      const v = A[o + e] - sb + bjj * S[o + e];
      S[o + e] = v > 0 ? v : 0;
    }
    if (after) after(j);
  }
}

/** Sums that updateMaps forms on the way (its last pass), so that no other pass over the n×K factors is needed. */
export interface MapSums {
  /** ⟨C_new, P⟩, summed in row-major order (r, then j). */
  crossNew: number;
  /** ⟨C_old, P⟩ (the C before the update; column by column). */
  crossOld: number;
  /** Σ_r cbar[r] after the update (row order). */
  total: number;
}

/**
 * The map (C) half of an NMF-SO / NMF-ARD-SO iteration, as malspy computes it:
 * P = X·S (n×k), Q = SᵀS (k×k), cbar = Σ_j c_j (kept up to date). For j in order:
 * h = P_j − C·Q_j + Q_jj·c_j (− shrink_j, NMF-ARD-SO's σ²/λ_j);
 * h ← h − ω·(c̄_jᵀh / c̄_jᵀc̄_j)·c̄_j with c̄_j = Σ_{i≠j} c_i (skipped when ω = 0
 * or c̄_j = 0); c_j ← [h]_+, then divided by its norm ('unit': ‖·‖, a zero
 * column stays 0; 'unit-eps': malspy's √(‖·‖² + eps); 'none': NMF-ARD-SO).
 * `f32`: the new columns are rounded to float32 values (the kernel path,
 * where C must hold what the kernels read). Only n×k work: no pass over X.
 *
 * Two passes over the rows per column: (A) write column j−1 (its norm is
 * known only after its pass B) and form h_j, c̄_j, c̄_jᵀc̄_j, c̄_jᵀh_j;
 * (B) the SO step and the clamp, with ‖h_j⁺‖². The last pass writes
 * column K−1 and forms, in the same sweep, `B` = CᵀC and `colSum` (when
 * given) and the MapSums. Every value and every sum is formed in the same
 * order as the column-by-column statement above (bit-identical to it).
 */
export function updateMaps(
  C: Float64Array,
  P: Float64Array,
  Q: Float64Array,
  cbar: Float64Array,
  h: Float64Array,
  n: number,
  k: number,
  omega: number,
  shrink: Float64Array | null,
  normalise: 'unit' | 'unit-eps' | 'none',
  f32: boolean,
  B: Float64Array | null = null,
  colSum: Float64Array | null = null,
): MapSums {
  const qj = new Float64Array(k);
  let crossOld = 0;
  let nrm = 1; // norm of column j − 1 (pass A of column j writes it)
  for (let j = 0; j < k; j++) {
    for (let l = 0; l < k; l++) qj[l] = Q[l * k + j];
    const qjj = qj[j];
    // C_r·Q_j written out for K ≤ 4 (V8 does not unroll the loop over l; same sum order, so the same bits)
    const q0 = qj[0];
    const q1 = k > 1 ? qj[1] : 0;
    const q2 = k > 2 ? qj[2] : 0;
    const q3 = k > 3 ? qj[3] : 0;
    const sh = shrink ? shrink[j] : 0;
    const prev = j - 1;
    let cc = 0;
    let ch = 0;
    let co = 0;
    for (let r = 0, o = 0; r < n; r++, o += k) {
      let cb = cbar[r];
      if (prev >= 0) {
        let v = normalise === 'none' ? h[r] : nrm > 0 ? h[r] / nrm : 0;
        if (f32) v = Math.fround(v);
        C[o + prev] = v;
        cb += v;
      }
      const cj = C[o + j];
      co += cj * P[o + j];
      cb -= cj;
      cbar[r] = cb;
      let cq: number;
      if (k === 4) cq = C[o] * q0 + C[o + 1] * q1 + C[o + 2] * q2 + C[o + 3] * q3;
      else if (k === 3) cq = C[o] * q0 + C[o + 1] * q1 + C[o + 2] * q2;
      else if (k === 2) cq = C[o] * q0 + C[o + 1] * q1;
      else {
        cq = 0;
        for (let l = 0; l < k; l++) cq += C[o + l] * qj[l];
      }
      const v = P[o + j] - cq + qjj * cj - sh;
      h[r] = v;
      cc += cb * cb;
      ch += cb * v;
    }
    crossOld += co;
    let q = 0;
    if (omega > 0 && cc > 0) {
      const f = (omega * ch) / cc;
      for (let r = 0; r < n; r++) {
        let v = h[r] - f * cbar[r];
        v = v > 0 ? v : 0;
        h[r] = v;
        q += v * v;
      }
    } else {
      for (let r = 0; r < n; r++) {
        const v = h[r] > 0 ? h[r] : 0;
        h[r] = v;
        q += v * v;
      }
    }
    nrm = normalise === 'unit-eps' ? Math.sqrt(q + EPS) : Math.sqrt(q);
  }
  // Last pass: write column K−1; CᵀC, column sums, ⟨C, P⟩ and Σ cbar of the new C.
  const last = k - 1;
  if (B) B.fill(0);
  if (colSum) colSum.fill(0);
  let crossNew = 0;
  let total = 0;
  if (k === 4 && B) {
    // The same sums with locals (K = 4): each accumulates over the rows in the same order.
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let b00 = 0, b01 = 0, b02 = 0, b03 = 0, b11 = 0, b12 = 0, b13 = 0, b22 = 0, b23 = 0, b33 = 0;
    for (let r = 0, o = 0; r < n; r++, o += 4) {
      let v = normalise === 'none' ? h[r] : nrm > 0 ? h[r] / nrm : 0;
      if (f32) v = Math.fround(v);
      C[o + 3] = v;
      const cb = cbar[r] + v;
      cbar[r] = cb;
      total += cb;
      const c0 = C[o];
      const c1 = C[o + 1];
      const c2 = C[o + 2];
      const c3 = v;
      crossNew += c0 * P[o];
      crossNew += c1 * P[o + 1];
      crossNew += c2 * P[o + 2];
      crossNew += c3 * P[o + 3];
      s0 += c0;
      s1 += c1;
      s2 += c2;
      s3 += c3;
      // Unconditionally (the general loop below skips c_a = 0): every c ≥ 0 is finite, so a
      // zero adds +0 to a sum that is +0 or positive — the same bits, without a branch per
      // entry that mispredicts as the maps fill with zeros.
      b00 += c0 * c0;
      b01 += c0 * c1;
      b02 += c0 * c2;
      b03 += c0 * c3;
      b11 += c1 * c1;
      b12 += c1 * c2;
      b13 += c1 * c3;
      b22 += c2 * c2;
      b23 += c2 * c3;
      b33 += c3 * c3;
    }
    if (colSum) colSum.set([s0, s1, s2, s3]);
    B.set([b00, b01, b02, b03, b01, b11, b12, b13, b02, b12, b22, b23, b03, b13, b23, b33]);
    return { crossNew, crossOld, total };
  }
  for (let r = 0, o = 0; r < n; r++, o += k) {
    let v = normalise === 'none' ? h[r] : nrm > 0 ? h[r] / nrm : 0;
    if (f32) v = Math.fround(v);
    C[o + last] = v;
    const cb = cbar[r] + v;
    cbar[r] = cb;
    total += cb;
    for (let a = 0; a < k; a++) {
      const ca = C[o + a];
      crossNew += ca * P[o + a];
      if (colSum) colSum[a] += ca;
      if (B && ca !== 0) for (let b = a; b < k; b++) B[a * k + b] += ca * C[o + b];
    }
  }
  if (B) for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) B[a * k + b] = B[b * k + a];
  return { crossNew, crossOld, total };
}

/**
 * NMF-SO: non-negative matrix factorisation with a soft orthogonality
 * penalty on the maps (Shiga et al., Ultramicroscopy 170, 43–59, 2016),
 * computed exactly as malspy 0.4 `NMF_SO.fit` computes it (algorithms.md §1.2):
 *
 * - X (n×m, negative values read as 0) ≈ C·Sᵀ, C (maps) with unit-norm
 *   columns, S (spectra) carrying the intensity;
 * - init 'rows' (malspy's): C = 1/(√n + eps) everywhere; S = the rows
 *   `choice(n, K)` of X (numpy's legacy generator seeded once with `seed`
 *   and continued over the repetitions). Other inits take scikit-learn's W, H
 *   (nmf.ts) and move the column norms of W into S;
 * - each iteration: S update (updateSpectra), then for j in order with
 *   c̄_j = Σ_{i≠j} c_i: h = (X S)_j − C (SᵀS)_j + (SᵀS)_jj c_j;
 *   c_j ← h − ω·(c̄_jᵀh / c̄_jᵀc̄_j)·c̄_j (skipped when c̄_j = 0, i.e. K = 1,
 *   where malspy divides 0 by 0); c_j ← [c_j]_+ / √(‖c_j‖² + eps) (malspy's
 *   eps inside the root; default mode divides by ‖c_j‖ and leaves a zero
 *   column at zero, so the update is exactly scale-equivariant);
 * - obj_t = ‖X − CSᵀ‖²_F/(n·m) (the MSE), from ‖X‖² − 2⟨C, XS⟩ + ⟨CᵀC, SᵀS⟩.
 *
 * Stopping rule — the one deliberate difference from malspy: malspy stops
 * when t > minIter and |obj_{t−1} − obj_t| < 1e-10, an absolute tolerance
 * on the MSE, so the number of iterations depends on the units of X (on
 * malspy's own demo data, MSE ≈ 1e-11, every run stops at the first
 * allowed iteration; after X/mean(X) it never stops early). specmap's
 * default is relative, |obj_{t−1} − obj_t| < tol·obj_{t−1} (tol 1e-6), so
 * multiplying X by any factor leaves the iterations unchanged. With
 * `malspyCompat: true` malspy's absolute rule (tol 1e-10), defaults
 * (reps 3, maxIter 100) and truncation of the objective history are used.
 *
 * Speed: on a large Float32 input (≥ KERNELS_MIN_VALUES values) the two
 * products with X of every iteration — A = CᵀX and P = X·S — run on
 * @specmap/kernels (one multi-threaded SIMD pass each; nmf-products.ts);
 * everything else is n×K or K×m work. The kernels read C and S in f32, so
 * on that path both are kept on float32 values (rounded after each update),
 * and the cross term of the objective is carried by differences (CrossTerm)
 * so that its changes — what the stopping rule looks at — are not drowned
 * by the f32 rounding of the products. The factors equal those of the
 * Float64 TypeScript path (Float64 or small input) to ~1e-6 relative, the
 * objective to ~1e-6 of its value; results are bit-identical for any thread count.
 *
 * Output: default mode — specmap's NMF convention (spectra scaled to max 1,
 * maps carry the intensity, ordered by decreasing contribution);
 * malspyCompat — malspy's raw factors: weights = C (unit columns),
 * components = Sᵀ, malspy's component order. `lossHistory` = obj of the
 * best repetition (malspy's `obj_fun_`). `iterations` = updates run in the
 * best repetition (malspy prints this minus one).
 */
export function nmfSo(x: SpectralStack | MatrixView, options: NmfSoOptions): Decomposition {
  const label = 'NMF-SO';
  const src = prepareInput(x);
  const { cols: m, rows: nTotal, count: n, index } = src;
  const k = checkComponents(options.components, n, m);
  const compat = options.malspyCompat === true;
  const omega = options.omega ?? 0.1;
  if (typeof omega !== 'number' || !(omega >= 0 && omega <= 1)) {
    throw new SpecmapError('OPTION', `${label} omega must be between 0 and 1, got ${omega}`);
  }
  const common = checkCommon(label, options, compat);
  const { seed, maxIter, minIter, tol, init } = common;
  const warnings: string[] = [];
  const stats = scanNonNegative(src, label, warnings);
  const clip = stats.negatives > 0;
  const reps = init === 'nndsvd' || init === 'nndsvda' ? 1 : common.reps;

  const rng = new MT19937(seed);
  let best: { C: Float64Array; S: Float64Array; obj: Float64Array; iterations: number; rep: number } | null = null;
  const finals: number[] = [];
  const initRows: number[][] = [];
  const A = new Float64Array(k * m);
  const B = new Float64Array(k * k);
  let P = new Float64Array(n * k);
  const Q = new Float64Array(k * k);
  const xr = new Float64Array(m);
  const cbar = new Float64Array(n);
  const h = new Float64Array(n);
  const nm = n * m;
  // Large Float32 input: the two products with X per iteration on @specmap/kernels (nmf-products.ts).
  const fast = kernelProducts(src, k, clip);
  const cross = new CrossTerm(k * m);

  for (let rep = 0; rep < reps; rep++) {
    let C: Float64Array;
    let S: Float64Array;
    if (init === 'rows') {
      C = new Float64Array(n * k).fill(1 / (Math.sqrt(n) + EPS));
      const idx = rng.choice(n, k);
      initRows.push(idx);
      S = new Float64Array(k * m);
      idx.forEach((row, j) => {
        const base = index[row] * m;
        for (let e = 0; e < m; e++) {
          const v = src.data[base + e];
          S[j * m + e] = clip && v < 0 ? 0 : v;
        }
      });
    } else {
      const f = initialFactors(src, k, init, seed + rep, stats, rep === 0 ? warnings : [], label);
      C = f.W;
      S = f.H;
      for (let j = 0; j < k; j++) {
        let q = 0;
        for (let r = 0; r < n; r++) q += C[r * k + j] ** 2;
        const nrm = Math.sqrt(q);
        if (nrm > 0) {
          for (let r = 0; r < n; r++) C[r * k + j] /= nrm;
          for (let e = 0; e < m; e++) S[j * m + e] *= nrm;
        }
      }
    }
    if (fast) {
      roundF32(C); // the kernels read C and S in f32: on their path both hold float32 values (CrossTerm)
      roundF32(S);
      cross.reset();
    }
    cbar.fill(0);
    for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) cbar[r] += C[r * k + j];
    colGram(C, n, k, B);

    const obj = new Float64Array(maxIter);
    let itr = 0;
    let stopped = false;
    for (; itr < maxIter; itr++) {
      if (fast) cross.begin(S);
      // A = CᵀX (pass 1 over X); B = CᵀC of the current C (kept from the previous objective).
      const wtx = fast?.ctx(C) ?? null;
      if (wtx) A.set(wtx.WtX);
      else ctx(src, C, k, clip, A, xr);
      updateSpectra(S, A, B, k, m);
      if (fast) roundF32(S);
      // P = X·S (pass 2 over X).
      const p = fast?.xs(S, P) ?? null;
      if (p) P = p;
      else xs(src, S, k, clip, P);
      rowGram(S, k, m, Q);
      // C update; B = CᵀC and ⟨C, P⟩ of the new C formed in its last pass.
      const sums = updateMaps(C, P, Q, cbar, h, n, k, omega, null, compat ? 'unit-eps' : 'unit', fast !== null, B);
      // MSE by the Gram trick (P = X·S of the final S; C final); on the kernels ⟨C, X·S⟩ by differences (CrossTerm).
      let cp = sums.crossNew;
      if (fast) cp = cross.next(sums.crossNew, sums.crossOld, A, S);
      let quad = 0;
      for (let i = 0; i < k * k; i++) quad += B[i] * Q[i];
      obj[itr] = Math.max(0, stats.sumSq - 2 * cp + quad) / nm;
      if (tol > 0 && itr > minIter) {
        const d = Math.abs(obj[itr - 1] - obj[itr]);
        if (compat ? d < tol : d < tol * obj[itr - 1] || obj[itr] === 0) {
          stopped = true;
          break;
        }
      }
    }
    // malspy keeps obj[0:itr] on an early stop (the last value is dropped); a full run keeps all.
    const history = stopped ? (compat ? obj.slice(0, itr) : obj.slice(0, itr + 1)) : obj;
    const iterations = stopped ? itr + 1 : maxIter;
    const final = history[history.length - 1];
    finals.push(final);
    if (best === null || best.obj[best.obj.length - 1] > final) best = { C, S, obj: history, iterations, rep };
    if (!stopped && tol > 0 && !compat) {
      warnings.push(`${label} did not converge in ${maxIter} iterations (repetition ${rep + 1}); increase maxIter or tol`);
    }
  }
  const { C, S, obj, iterations, rep: bestRep } = best!;
  const overlap = mapOverlap(C, n, k);

  let weights: Float32Array;
  let components: Float64Array;
  if (compat) {
    weights = new Float32Array(nTotal * k);
    for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) weights[index[r] * k + j] = C[r * k + j];
    components = Float64Array.from(S);
    for (let j = 0; j < k; j++) {
      let mx = 0;
      for (let e = 0; e < m; e++) mx = Math.max(mx, S[j * m + e]);
      if (mx === 0) warnings.push(`${label}: component ${j} is identically zero (K=${k} may be more than the data support)`);
    }
  } else {
    ({ weights, components } = nmfOutput(C, S, n, nTotal, k, m, index, warnings, label));
  }
  const mse = obj[obj.length - 1];
  return {
    weights,
    components,
    k,
    iterations,
    converged: tol > 0 && iterations < maxIter,
    warnings,
    lossHistory: obj,
    reconstructionError: Math.sqrt(mse * nm),
    parameters: {
      components: k,
      omega,
      seed,
      maxIter,
      minIter,
      tol,
      reps,
      init,
      malspyCompat: compat,
      stoppingRule: compat
        ? 'malspy: stop when iteration index > minIter and |obj[t-1] - obj[t]| < tol (absolute, obj = MSE)'
        : 'stop when iteration index > minIter and |obj[t-1] - obj[t]| < tol·obj[t-1] (relative, scale-free; obj = MSE)',
      objective: 'MSE = ‖X − C·Sᵀ‖²_F / (n·m)',
      initRows: init === 'rows' ? initRows : null,
      bestRepetition: bestRep,
      finalObjectivePerRepetition: finals,
      mse,
      mapOverlap: overlap,
      kernels: fast !== null, // products with X on @specmap/kernels (f32 products, f64 sums) rather than the Float64 TypeScript loops
      clippedNegatives: stats.negatives,
      negativeShare: stats.negativeShare,
      fittedRows: n,
      componentScaling: compat ? 'malspy raw factors: unit-norm maps C, spectra S carry the intensity' : 'max of each component spectrum = 1',
      componentOrder: compat ? "malspy's order" : 'decreasing sum(weights)·max(spectrum)',
    },
  };
}

/** The options shared by NMF-SO and NMF-ARD-SO, checked and defaulted. */
export function checkCommon(
  label: string,
  o: { seed?: number; maxIter?: number; minIter?: number; tol?: number; reps?: number; init?: NmfSoInit },
  compat: boolean,
  defaultTol = compat ? 1e-10 : 1e-6,
): { seed: number; maxIter: number; minIter: number; tol: number; reps: number; init: NmfSoInit } {
  const seed = checkSeed(o.seed ?? 0);
  const maxIter = o.maxIter ?? (compat ? 100 : 200);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new SpecmapError('OPTION', `${label} maxIter must be a positive integer, got ${maxIter}`);
  const minIter = o.minIter ?? 10;
  if (!Number.isInteger(minIter) || minIter < 0) throw new SpecmapError('OPTION', `${label} minIter must be an integer ≥ 0, got ${minIter}`);
  const tol = o.tol ?? defaultTol;
  if (typeof tol !== 'number' || !(tol >= 0) || !Number.isFinite(tol)) throw new SpecmapError('OPTION', `${label} tol must be a finite number ≥ 0, got ${tol}`);
  const reps = o.reps ?? (compat ? 3 : 1);
  if (!Number.isInteger(reps) || reps < 1) throw new SpecmapError('OPTION', `${label} reps must be a positive integer, got ${reps}`);
  const init = o.init ?? 'rows';
  if (init !== 'rows') checkInit(init);
  return { seed, maxIter, minIter, tol, reps, init };
}

/**
 * Mean pairwise overlap of the maps, O = (2/(K(K−1))) Σ_{i<j} ĉ_iᵀĉ_j with
 * ĉ unit-norm columns (0 = disjoint maps, 1 = identical); 0 for K = 1.
 */
export function mapOverlap(C: Float64Array, n: number, k: number): number {
  if (k < 2) return 0;
  const G = new Float64Array(k * k);
  colGram(C, n, k, G);
  let s = 0;
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const d = Math.sqrt(G[a * k + a] * G[b * k + b]);
      s += d > 0 ? G[a * k + b] / d : 0;
    }
  }
  return (2 * s) / (k * (k - 1));
}
