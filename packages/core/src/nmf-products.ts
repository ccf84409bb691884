import type { ActiveRows } from './decomposition';
import { kernelsFor } from './linalg';

/**
 * The two products with X that NMF-SO, NMF-ARD-SO and the multiplicative
 * updates need, on @specmap/kernels (WASM SIMD, worker threads, one pass over
 * the cube each):
 *
 * - `xs(S)`  → X·Sᵀ (n×k) for S k×m (rows = spectra): `project`;
 * - `ctx(C)` → CᵀX (k×m) for C n×k (and CᵀC, k×k, in f64): `rowWeightedSum`.
 *
 * Negative X is read as 0 when `clip`. The kernels multiply in f32 (the k×m
 * or n×k factor is rounded to f32 for the product) and add runs in f64:
 * relative differences to the all-Float64 TypeScript products ≲ 1e-6, and
 * results bit-identical for any thread count. `kernelProducts` is null when
 * the kernels do not serve this input (Float64 data, fewer than
 * KERNELS_MIN_VALUES values, SPECMAP_KERNELS=0, no WebAssembly): callers then
 * run their TypeScript loops, which are the reference. A product returns
 * null if the kernels cannot run it (a buffer does not fit their memory);
 * the caller then computes that product in TypeScript.
 */
export interface KernelProducts {
  /** P = X·S (n×k); written into `out` when given (and returned). */
  xs(S: Float64Array, out?: Float64Array): Float64Array | null;
  ctx(C: Float64Array): { WtX: Float64Array; WtW: Float64Array } | null;
}

export function kernelProducts(src: ActiveRows, k: number, clip: boolean): KernelProducts | null {
  const kern = kernelsFor(src);
  if (!kern) return null;
  return {
    xs: (S, out) => kern.project(src, null, S, k, clip, out),
    ctx: (C) => kern.rowWeightedSum(src, C, k, clip),
  };
}

/** One pass over the active rows: out (k×m) = Cᵀ·X (C n×k row-major). Negative X read as 0 when clip. */
export function ctx(src: ActiveRows, C: Float64Array, k: number, clip: boolean, out: Float64Array, xr: Float64Array): void {
  const { data, cols: m, index, count: n } = src;
  out.fill(0);
  for (let r = 0; r < n; r++) {
    const base = index[r] * m;
    for (let e = 0; e < m; e++) {
      const v = data[base + e];
      xr[e] = clip && v < 0 ? 0 : v;
    }
    for (let j = 0; j < k; j++) {
      const c = C[r * k + j];
      if (c === 0) continue;
      const o = j * m;
      for (let e = 0; e < m; e++) out[o + e] += c * xr[e];
    }
  }
}

/** One pass over the active rows: out (n×k) = X·Sᵀ with S stored k×m (row j = spectrum j). */
export function xs(src: ActiveRows, S: Float64Array, k: number, clip: boolean, out: Float64Array): void {
  const { data, cols: m, index, count: n } = src;
  for (let r = 0; r < n; r++) {
    const base = index[r] * m;
    for (let j = 0; j < k; j++) {
      const o = j * m;
      let s = 0;
      if (clip) {
        for (let e = 0; e < m; e++) {
          const v = data[base + e];
          if (v > 0) s += v * S[o + e];
        }
      } else {
        for (let e = 0; e < m; e++) s += data[base + e] * S[o + e];
      }
      out[r * k + j] = s;
    }
  }
}

/** Round every entry to the nearest float32 (what the kernels read of a factor), in place. */
export function roundF32(a: Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] = Math.fround(a[i]);
}

/**
 * ⟨C, X·Sᵀ⟩ (the cross term of ‖X − C·Sᵀ‖² = ‖X‖² − 2⟨C, X·Sᵀ⟩ + ⟨CᵀC, SᵀS⟩)
 * along the iterations of NMF-SO / NMF-ARD-SO on the kernels, by differences:
 *
 *   ⟨C′, X·S′ᵀ⟩ = ⟨C, X·Sᵀ⟩ + (⟨C′, P⟩ − ⟨C, P⟩) + ⟨A, S′ − S⟩,  P = X·S′ᵀ, A = CᵀX,
 *
 * from the two products each iteration computes anyway (A in pass 1, P in
 * pass 2; ⟨C′, P⟩ and ⟨C, P⟩ come out of updateMaps). Why: the kernels'
 * f32 products carry a relative error ~1e-7 per entry, so a cross term
 * formed afresh each iteration is off by ~1e-10·‖X‖², i.e. ~1e-7–1e-6 of a
 * well-fitted objective, differently at every iteration — noise larger than
 * the changes the stopping rules look for (NMF-ARD-SO: |Δobj| < 1e-9·n·m).
 * By differences, the error of a step is proportional to the change of C
 * and S: the level of the objective keeps the (constant) error of the first
 * evaluation, its changes are exact to ~1e-7 of their size. The identity is
 * exact only when C and S hold float32 values (what the kernels read), so
 * callers keep them so on this path.
 */
export class CrossTerm {
  private value = NaN;
  private readonly Sprev: Float64Array;

  constructor(km: number) {
    this.Sprev = new Float64Array(km);
  }

  /** Start from a value formed afresh (⟨C, X·Sᵀ⟩ with the current C, S). */
  set(value: number): number {
    this.value = value;
    return value;
  }

  /** Forget the value (the next `next` starts afresh from ⟨C′, P⟩). */
  reset(): void {
    this.value = NaN;
  }

  /** Remember S before an iteration's updates. */
  begin(S: Float64Array): void {
    this.Sprev.set(S);
  }

  /** After the updates: the new ⟨C′, X·S′ᵀ⟩ from ⟨C′, P⟩, ⟨C, P⟩ (P = X·S′ᵀ), A = CᵀX (k×m) and S′. */
  next(newWithP: number, oldWithP: number, A: Float64Array, S: Float64Array): number {
    if (Number.isNaN(this.value)) return this.set(newWithP);
    const Sprev = this.Sprev;
    let ds = 0;
    for (let i = 0; i < S.length; i++) ds += A[i] * (S[i] - Sprev[i]);
    this.value += newWithP - oldWithP + ds;
    return this.value;
  }
}
