import { SpecmapError } from './errors';
import type { ActiveRows } from './decomposition';
import type { NmfBetaLoss, NmfRegularisation } from './nmf';

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
): { iterations: number; converged: boolean; loss: Float64Array; stopValue: number } {
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
