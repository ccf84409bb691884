import { SpecmapError } from './errors';
import type { ActiveRows } from './decomposition';
import type { NmfBetaLoss, NmfRegularisation } from './nmf';
import { ctx, kernelProducts, roundF32, xs, type KernelProducts } from './nmf-products';
import { kernelsFor } from './linalg';

/** numpy's float32 eps, scikit-learn's EPSILON in _nmf.py. */
const EPSILON = 1.1920928955078125e-7;
/** float64 eps. */
const EPS64 = 2.220446049250313e-16;

/** β of a beta loss ('frobenius' 2, 'kullback-leibler' 1, 'itakura-saito' 0, or a finite number). */
export function betaLossValue(loss: NmfBetaLoss): number {
  if (loss === 'frobenius') return 2;
  if (loss === 'kullback-leibler') return 1;
  if (loss === 'itakura-saito') return 0;
  if (typeof loss === 'number' && Number.isFinite(loss)) return loss;
  throw new SpecmapError(
    'OPTION',
    `NMF betaLoss must be 'frobenius', 'kullback-leibler', 'itakura-saito' or a finite number, got '${String(loss)}'`,
  );
}

/**
 * D_β(X ‖ WH) as scikit-learn 1.2 `_beta_divergence` computes it for dense X
 * (negative X read as 0): β = 2 ½‖X − WH‖²; otherwise only entries with
 * X > float32 eps enter the X-dependent sums, WH = 0 there is read as eps;
 * β = 1 Σ x·log(x/wh) + ΣWH − Σx; β = 0 Σ x/wh − n·m − Σ log(x/wh);
 * else (Σx^β − β Σ x·wh^(β−1) + (β−1) Σ_all WH^β) / (β(β−1)).
 */
export function betaDivergence(src: ActiveRows, W: Float64Array, H: Float64Array, k: number, beta: number, clip: boolean): number {
  const { data, cols: m, index, count: n } = src;
  const wh = new Float64Array(m);
  let a = 0; // β=2: Σ r²; β=1: Σ x log(x/wh); β=0: Σ x/wh; else Σ x^β
  let b = 0; // β=1: Σ x; β=0: Σ log(x/wh); else Σ x·wh^(β−1)
  let c = 0; // else: Σ_all wh^β
  for (let r = 0; r < n; r++) {
    rowProduct(W, H, r, k, m, wh);
    const base = index[r] * m;
    for (let j = 0; j < m; j++) {
      let x = data[base + j];
      if (clip && x < 0) x = 0;
      const v = wh[j];
      if (beta === 2) {
        const d = x - v;
        a += d * d;
        continue;
      }
      if (beta !== 1 && beta !== 0) c += Math.pow(v, beta);
      if (!(x > EPSILON)) continue;
      const w = v === 0 ? EPSILON : v;
      if (beta === 1) {
        a += x * Math.log(x / w);
        b += x;
      } else if (beta === 0) {
        const div = x / w;
        a += div;
        b += Math.log(div);
      } else {
        a += Math.pow(x, beta);
        b += x * Math.pow(w, beta - 1);
      }
    }
  }
  if (beta === 2) return a / 2;
  if (beta === 1) {
    let sumWH = 0;
    for (let t = 0; t < k; t++) {
      let sw = 0;
      for (let r = 0; r < n; r++) sw += W[r * k + t];
      let sh = 0;
      for (let j = 0; j < m; j++) sh += H[t * m + j];
      sumWH += sw * sh;
    }
    return a + sumWH - b;
  }
  if (beta === 0) return a - n * m - b;
  return (a - beta * b + (beta - 1) * c) / (beta * (beta - 1));
}

/** wh[j] = Σ_t W[r,t]·H[t,j]. */
function rowProduct(W: Float64Array, H: Float64Array, r: number, k: number, m: number, wh: Float64Array): void {
  wh.fill(0);
  for (let t = 0; t < k; t++) {
    const w = W[r * k + t];
    if (w === 0) continue;
    const o = t * m;
    for (let j = 0; j < m; j++) wh[j] += w * H[o + j];
  }
}

/**
 * scikit-learn 1.2 `_fit_multiplicative_update` on dense X (negative values
 * read as 0), updating W (n×k) and H (k×m) in place:
 *
 * - γ = 1/(2−β) for β < 1, 1/(β−1) for β > 2, else 1 (Févotte & Idier 2011 MM exponent);
 * - W ← W ∘ (num/den)^γ with, for β = 2, num = XHᵀ, den = W·HHᵀ; for β ≠ 2
 *   num = (X ∘ WH^(β−2))·Hᵀ (WH = 0 read as float32 eps when β < 2),
 *   den = row sums of H (β = 1) or WH^(β−1)·Hᵀ (WH = 0 → eps when β < 1);
 *   den += l1_W; den += l2_W·W; den = 0 → eps. Entries of W below float64
 *   eps are zeroed when β < 1;
 * - H alike with W's column sums (0 → 1) for β = 1; entries below float64 eps
 *   zeroed when β ≤ 1;
 * - every 10 iterations (tol > 0): error = √(2·D_β); stop when
 *   (previous − error)/error_at_init < tol.
 *
 * loss[t] = D_β after iteration t (computed directly each iteration).
 * stopValue = (previous − error)/error_at_init at the last check (NaN if none).
 *
 * Frobenius (β = 2) on a large Float32 input runs on @specmap/kernels
 * (fitMuKernels): the same updates with one fused pass over X per iteration;
 * `sumSq` = Σ max(x, 0)² (the input scan's) gives ‖X‖² for its loss.
 */
export function fitMu(
  src: ActiveRows,
  W: Float64Array,
  H: Float64Array,
  k: number,
  maxIter: number,
  tol: number,
  reg: NmfRegularisation,
  beta: number,
  clip: boolean,
  sumSq?: number,
): { iterations: number; converged: boolean; loss: Float64Array; stopValue: number } {
  if (beta === 2 && sumSq !== undefined) {
    const fast = kernelProducts(src, k, clip);
    if (fast) {
      const r = fitMuKernels(fast, src, W, H, k, maxIter, tol, reg, clip, sumSq);
      if (r) return r;
    }
  }
  const { data, cols: m, index, count: n } = src;
  const gamma = beta < 1 ? 1 / (2 - beta) : beta > 2 ? 1 / (beta - 1) : 1;
  const errorAtInit = Math.sqrt(2 * Math.max(0, betaDivergence(src, W, H, k, beta, clip)));
  let previous = errorAtInit;
  const loss = new Float64Array(maxIter);
  const xr = new Float64Array(m);
  const wh = new Float64Array(m);
  const whNum = new Float64Array(m);
  const num = new Float64Array(Math.max(k, k * m));
  const den = new Float64Array(Math.max(k, k * m));
  const G = new Float64Array(k * k);
  let iterations = 0;
  let converged = false;
  let stopValue = NaN;

  const readRow = (r: number): void => {
    const base = index[r] * m;
    for (let j = 0; j < m; j++) {
      const v = data[base + j];
      xr[j] = clip && v < 0 ? 0 : v;
    }
  };
  const applyFactor = (target: Float64Array, pos: number, nu: number, de: number): void => {
    const d = de === 0 ? EPSILON : de;
    let f = nu / d;
    if (gamma !== 1) f = Math.pow(f, gamma);
    target[pos] *= f;
  };
  /** Fills whNum (numerator weights X∘WH^(β−2)) and wh (WH^(β−1) for the denominator) from wh = W_r·H. */
  const betaWeights = (): void => {
    for (let j = 0; j < m; j++) {
      const v = wh[j];
      let safe = v;
      if (beta < 2 && safe === 0) safe = EPSILON;
      const x = xr[j];
      if (beta === 1) whNum[j] = x / safe;
      else if (beta === 0) {
        const inv = 1 / safe;
        whNum[j] = inv * inv * x;
      } else whNum[j] = Math.pow(safe, beta - 2) * x;
      if (beta !== 1) {
        let dv = v;
        if (beta < 1 && dv === 0) dv = EPSILON;
        wh[j] = Math.pow(dv, beta - 1);
      }
    }
  };

  for (let it = 1; it <= maxIter; it++) {
    iterations = it;
    // ---- W update (rows independent: in place, row by row) ----
    if (beta === 2) {
      gramRowsK(H, k, m, G);
    } else if (beta === 1) {
      for (let t = 0; t < k; t++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += H[t * m + j];
        den[t] = s;
      }
    }
    const hSum = beta === 1 ? Float64Array.from(den.subarray(0, k)) : null;
    for (let r = 0; r < n; r++) {
      readRow(r);
      const wo = r * k;
      if (beta === 2) {
        for (let t = 0; t < k; t++) {
          let s = 0;
          const o = t * m;
          for (let j = 0; j < m; j++) s += xr[j] * H[o + j];
          num[t] = s;
        }
        for (let t = 0; t < k; t++) {
          let s = 0;
          for (let q = 0; q < k; q++) s += W[wo + q] * G[q * k + t];
          den[t] = s;
        }
      } else {
        rowProduct(W, H, r, k, m, wh);
        betaWeights();
        for (let t = 0; t < k; t++) {
          const o = t * m;
          let s = 0;
          let d = 0;
          for (let j = 0; j < m; j++) {
            s += whNum[j] * H[o + j];
            if (beta !== 1) d += wh[j] * H[o + j];
          }
          num[t] = s;
          den[t] = beta === 1 ? hSum![t] : d;
        }
      }
      for (let t = 0; t < k; t++) {
        let d = den[t];
        if (reg.l1W > 0) d += reg.l1W;
        if (reg.l2W > 0) d += reg.l2W * W[wo + t];
        applyFactor(W, wo + t, num[t], d);
      }
      if (beta < 1) for (let t = 0; t < k; t++) if (W[wo + t] < EPS64) W[wo + t] = 0;
    }
    // ---- H update (needs all rows: accumulate numerator and denominator) ----
    num.fill(0);
    den.fill(0);
    if (beta === 2) {
      G.fill(0);
      for (let r = 0; r < n; r++) {
        readRow(r);
        const wo = r * k;
        for (let t = 0; t < k; t++) {
          const w = W[wo + t];
          if (w === 0) continue;
          const o = t * m;
          for (let j = 0; j < m; j++) num[o + j] += w * xr[j];
          for (let q = 0; q < k; q++) G[t * k + q] += w * W[wo + q];
        }
      }
      for (let t = 0; t < k; t++) {
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let q = 0; q < k; q++) s += G[t * k + q] * H[q * m + j];
          den[t * m + j] = s;
        }
      }
    } else {
      const wSum = new Float64Array(k);
      for (let r = 0; r < n; r++) {
        readRow(r);
        rowProduct(W, H, r, k, m, wh);
        betaWeights();
        const wo = r * k;
        for (let t = 0; t < k; t++) {
          const w = W[wo + t];
          wSum[t] += w;
          if (w === 0) continue;
          const o = t * m;
          for (let j = 0; j < m; j++) num[o + j] += w * whNum[j];
          if (beta !== 1) for (let j = 0; j < m; j++) den[o + j] += w * wh[j];
        }
      }
      if (beta === 1) {
        for (let t = 0; t < k; t++) {
          const s = wSum[t] === 0 ? 1 : wSum[t];
          for (let j = 0; j < m; j++) den[t * m + j] = s;
        }
      }
    }
    for (let i = 0; i < k * m; i++) {
      let d = den[i];
      if (reg.l1H > 0) d += reg.l1H;
      if (reg.l2H > 0) d += reg.l2H * H[i];
      applyFactor(H, i, num[i], d);
    }
    if (beta <= 1) for (let i = 0; i < k * m; i++) if (H[i] < EPS64) H[i] = 0;

    const div = betaDivergence(src, W, H, k, beta, clip);
    loss[it - 1] = div;
    if (tol > 0 && it % 10 === 0) {
      const error = Math.sqrt(2 * Math.max(0, div));
      stopValue = (previous - error) / errorAtInit;
      if (stopValue < tol) {
        converged = true;
        break;
      }
      previous = error;
    }
  }
  return { iterations, converged, loss, stopValue };
}

/** out (k×k) = A·Aᵀ for A k×m row-major. */
function gramRowsK(A: Float64Array, k: number, m: number, out: Float64Array): void {
  for (let s = 0; s < k; s++) {
    for (let t = s; t < k; t++) {
      let v = 0;
      for (let j = 0; j < m; j++) v += A[s * m + j] * A[t * m + j];
      out[s * k + t] = v;
      out[t * k + s] = v;
    }
  }
}

/**
 * fitMu for the Frobenius loss with the products on @specmap/kernels, two
 * passes over X per iteration: X·Hᵀ (`project`) for the W update, then
 * WᵀX and WᵀW of the new W (`rowWeightedSum`) for the H update:
 * W ← W ∘ XHᵀ / (W·HHᵀ + l1_W + l2_W·W), H ← H ∘ WᵀX / (WᵀW·H + l1_H + l2_H·H)
 * (zero denominators → float32 eps), scikit-learn's order. The loss needs no
 * third pass: ½‖X − WH‖² = ½(‖X‖² − 2⟨W, XHᵀ⟩ + ⟨WᵀW, HHᵀ⟩), the cross term
 * carried by differences, ⟨W′, XH′ᵀ⟩ = ⟨W, XHᵀ⟩ + ⟨W′ − W, XHᵀ⟩ + ⟨W′ᵀX, H′ − H⟩,
 * from the two products the iteration has anyway (so the f32 rounding of the
 * products, ~1e-10·‖X‖² on a fresh cross term, stays a constant offset of
 * the loss instead of noise on its changes; see CrossTerm in nmf-products.ts).
 * The kernels read W and H in f32, so both are kept on float32 values
 * (rounded after each update): the identity is then exact. Returns null
 * (before touching W, H) if the kernels cannot run the first product.
 */
function fitMuKernels(
  fast: KernelProducts,
  src: ActiveRows,
  W: Float64Array,
  H: Float64Array,
  k: number,
  maxIter: number,
  tol: number,
  reg: NmfRegularisation,
  clip: boolean,
  normX: number,
): { iterations: number; converged: boolean; loss: Float64Array; stopValue: number } | null {
  const { cols: m, count: n } = src;
  const Hr = Float64Array.from(H);
  roundF32(Hr);
  let XHt = fast.xs(Hr);
  if (!XHt) return null;
  H.set(Hr);
  roundF32(W);
  const G = new Float64Array(k * k); // HHᵀ
  const WtW = new Float64Array(k * k);
  const WtX = new Float64Array(k * m);
  const den = new Float64Array(k * m);
  const loss = new Float64Array(maxIter);
  const halfLoss = (cross: number, ww: Float64Array, hh: Float64Array): number => {
    let quad = 0;
    for (let i = 0; i < k * k; i++) quad += ww[i] * hh[i];
    return Math.max(0, normX - 2 * cross + quad) / 2;
  };
  // Error at init: ⟨W, XHᵀ⟩ and (WᵀW)·(HHᵀ) of the initial factors.
  gramRowsK(H, k, m, G);
  colGramK(W, n, k, WtW);
  let cross = 0;
  for (let i = 0; i < n * k; i++) cross += W[i] * XHt[i];
  const errorAtInit = Math.sqrt(2 * halfLoss(cross, WtW, G));
  const Hprev = new Float64Array(k * m);
  let previous = errorAtInit;
  let iterations = 0;
  let converged = false;
  let stopValue = NaN;
  const wden = new Float64Array(k);
  // One fused pass per iteration when the kernels can hold W (MuSession: XHᵀ row, W row update,
  // WᵀX and WᵀW of the new row, in one sweep over X); else two passes (xs, then ctx).
  const session = kernelsFor(src)?.muSession(src, W, k, clip) ?? null;

  try {
    for (let it = 1; it <= maxIter; it++) {
      iterations = it;
      if (it > 1) gramRowsK(H, k, m, G);
      Hprev.set(H);
      let dw: number;
      if (session) {
        // ---- W update fused with the H-side products (one pass) ----
        const r = session.pass(H, G, reg.l1W, reg.l2W);
        WtX.set(r.WtX);
        WtW.set(r.WtW);
        dw = r.crossChange;
      } else {
        // ---- W update (pass 1: XHᵀ of the current H, G = HHᵀ) ----
        if (it > 1) {
          // (TypeScript product if the kernels cannot run it: a buffer did not fit their memory)
          let p = fast.xs(H);
          if (!p) xs(src, H, k, clip, (p = new Float64Array(n * k)));
          XHt = p;
        }
        dw = updateRowsF32(W, XHt, G, n, k, reg.l1W, reg.l2W, wden); // ⟨W_new − W_old, XHᵀ⟩
        // ---- H update (pass 2: WᵀX and WᵀW of the new W) ----
        const acc = fast.ctx(W);
        if (acc) {
          WtX.set(acc.WtX);
          WtW.set(acc.WtW);
        } else {
          ctx(src, W, k, clip, WtX, new Float64Array(m));
          colGramK(W, n, k, WtW);
        }
      }
      for (let t = 0; t < k; t++) {
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let q = 0; q < k; q++) s += WtW[t * k + q] * H[q * m + j];
          den[t * m + j] = s;
        }
      }
      for (let i = 0; i < k * m; i++) {
        let d = den[i];
        if (reg.l1H > 0) d += reg.l1H;
        if (reg.l2H > 0) d += reg.l2H * H[i];
        H[i] = Math.fround(H[i] * (WtX[i] / (d === 0 ? EPSILON : d)));
      }
      // ---- loss ½‖X − WH‖² of the new W, H ----
      gramRowsK(H, k, m, G);
      let dh = 0;
      for (let i = 0; i < k * m; i++) dh += WtX[i] * (H[i] - Hprev[i]);
      cross += dw + dh;
      const div = halfLoss(cross, WtW, G);
      loss[it - 1] = div;
      if (tol > 0 && it % 10 === 0) {
        const error = Math.sqrt(2 * div);
        stopValue = (previous - error) / errorAtInit;
        if (stopValue < tol) {
          converged = true;
          break;
        }
        previous = error;
      }
    }
  } finally {
    if (session) {
      session.readW(W);
      session.dispose();
    }
  }
  return { iterations, converged, loss, stopValue };
}

/**
 * The multiplicative W update of every row, W_it ← fround(W_it·XHᵀ_it / d_t) with
 * d_t = (W_i·G)_t + l1 + l2·W_it (0 → float32 eps), scikit-learn's order; returns
 * ⟨W_new − W_old, XHᵀ⟩. K = 4 written out (same operations in the same order).
 */
export function updateRowsF32(W: Float64Array, XHt: Float64Array, G: Float64Array, n: number, k: number, l1: number, l2: number, wden: Float64Array): number {
  let dw = 0;
  if (k === 4 && l1 === 0 && l2 === 0) {
    const [g00, g01, g02, g03, g10, g11, g12, g13, g20, g21, g22, g23, g30, g31, g32, g33] = G;
    for (let wo = 0; wo < 4 * n; wo += 4) {
      const w0 = W[wo];
      const w1 = W[wo + 1];
      const w2 = W[wo + 2];
      const w3 = W[wo + 3];
      const d0 = w0 * g00 + w1 * g10 + w2 * g20 + w3 * g30;
      const d1 = w0 * g01 + w1 * g11 + w2 * g21 + w3 * g31;
      const d2 = w0 * g02 + w1 * g12 + w2 * g22 + w3 * g32;
      const d3 = w0 * g03 + w1 * g13 + w2 * g23 + w3 * g33;
      const x0 = XHt[wo];
      const x1 = XHt[wo + 1];
      const x2 = XHt[wo + 2];
      const x3 = XHt[wo + 3];
      const n0 = Math.fround(w0 * (x0 / (d0 === 0 ? EPSILON : d0)));
      const n1 = Math.fround(w1 * (x1 / (d1 === 0 ? EPSILON : d1)));
      const n2 = Math.fround(w2 * (x2 / (d2 === 0 ? EPSILON : d2)));
      const n3 = Math.fround(w3 * (x3 / (d3 === 0 ? EPSILON : d3)));
      W[wo] = n0;
      W[wo + 1] = n1;
      W[wo + 2] = n2;
      W[wo + 3] = n3;
      dw += (n0 - w0) * x0;
      dw += (n1 - w1) * x1;
      dw += (n2 - w2) * x2;
      dw += (n3 - w3) * x3;
    }
    return dw;
  }
  for (let r = 0, wo = 0; r < n; r++, wo += k) {
    for (let t = 0; t < k; t++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += W[wo + q] * G[q * k + t];
      wden[t] = s;
    }
    for (let t = 0; t < k; t++) {
      let d = wden[t];
      if (l1 > 0) d += l1;
      if (l2 > 0) d += l2 * W[wo + t];
      const old = W[wo + t];
      const w = Math.fround(old * (XHt[wo + t] / (d === 0 ? EPSILON : d)));
      W[wo + t] = w;
      dw += (w - old) * XHt[wo + t];
    }
  }
  return dw;
}

/** out (k×k) = WᵀW for W n×k row-major. */
function colGramK(W: Float64Array, n: number, k: number, out: Float64Array): void {
  out.fill(0);
  for (let r = 0, o = 0; r < n; r++, o += k) {
    for (let a = 0; a < k; a++) {
      const v = W[o + a];
      if (v === 0) continue;
      for (let b = a; b < k; b++) out[a * k + b] += v * W[o + b];
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) out[a * k + b] = out[b * k + a];
}
