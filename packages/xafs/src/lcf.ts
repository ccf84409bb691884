/**
 * Linear-combination fitting (LCF) of spectra with standards: per-pixel
 * composition maps, single-spectrum fits and larch's all-subsets search
 * (`lincombo_fitall`, docs/algorithms.md §5), re-stated (not copied).
 *
 * Model: y(E) ≈ Σ_j w_j s_j(E) [+ c], with w_j ≥ 0 (non-negative least
 * squares, Lawson–Hanson), optionally Σ w_j = 1 (sum-to-one) and an optional
 * free constant c. The standards are interpolated linearly onto the data's
 * energies (each optionally shifted by a fixed energy offset first).
 * R-factor = Σ(y − ŷ)² / Σ y², as larch.
 */
import { SpecmapError, interpolate, type SpectralStack } from '@specmap/core';
import { solveBoundedLs, type BoundedLsProblem } from './nnls';
import { indexOf } from './util';

/** A standard (reference) spectrum on its own energy grid. */
export interface LcfStandard {
  name: string;
  energies: ArrayLike<number>;
  values: ArrayLike<number>;
}

export interface LcfOptions {
  /** Force the weights to sum to 1. __Default:__ false for maps, true for {@link lincomboFitAll} (as larch). */
  sumToOne?: boolean;
  /** Fit a free constant offset as well. __Default:__ false. */
  constant?: boolean;
  /** Energy shift (eV) added to each standard's energies before interpolation: one number for all, or one per standard. __Default:__ 0. */
  energyShift?: number | ArrayLike<number>;
  /** Non-negative weights. __Default:__ true. */
  nonNegative?: boolean;
  /** Fit range (eV), as larch: from the channel at or below emin to the channel at or below emax (increasing energies). */
  emin?: number;
  emax?: number;
}

/** The standards on the data grid and the fixed parts of the problem. */
export interface LcfDesign {
  names: string[];
  /** Energies of the data (length m). */
  energies: Float64Array;
  /** k×m standards on the grid (constant extension outside a standard's range, for display). */
  standards: Float64Array;
  /** Channels used in the fit (1) or left out (0), length m. */
  used: Uint8Array;
  /** Number of unknowns p = k (+1 for the constant, last). */
  p: number;
  /** m_used×p design matrix, row-major, over the used channels only. */
  a: Float64Array;
  /** Indices of the used channels. */
  channels: Int32Array;
  problem: BoundedLsProblem;
  options: Required<Pick<LcfOptions, 'sumToOne' | 'constant' | 'nonNegative'>> & { energyShift: number[] };
  warnings: string[];
}

function shiftsFor(shift: LcfOptions['energyShift'], k: number): number[] {
  if (shift === undefined) return new Array(k).fill(0);
  if (typeof shift === 'number') return new Array(k).fill(shift);
  if (shift.length === 1) return new Array(k).fill(shift[0]);
  if (shift.length !== k) {
    throw new SpecmapError('USAGE', `energy shift: ${shift.length} values given for ${k} standards (give one, or one per standard)`);
  }
  return Array.from(shift);
}

/**
 * Put the standards on the data's energy grid and precompute the Gram matrix
 * (once for a whole map). Channels outside a standard's range (or outside
 * [emin, emax]) are left out of the fit, with a warning.
 */
export function lcfDesign(energies: ArrayLike<number>, standards: LcfStandard[], options: LcfOptions = {}, defaultSumToOne = false): LcfDesign {
  const k = standards.length;
  if (k < 1) throw new SpecmapError('USAGE', 'LCF needs at least one standard (--references FILE…)');
  const m = energies.length;
  const e = Float64Array.from(energies);
  const sumToOne = options.sumToOne ?? defaultSumToOne;
  const constant = options.constant ?? false;
  const nonNegative = options.nonNegative ?? true;
  const energyShift = shiftsFor(options.energyShift, k);
  const used = new Uint8Array(m).fill(1);
  const emin = options.emin ?? -Infinity;
  const emax = options.emax ?? Infinity;
  let increasing = true;
  for (let i = 1; i < m; i++) if (!(e[i] > e[i - 1])) increasing = false;
  if (increasing && (options.emin !== undefined || options.emax !== undefined)) {
    // larch's groups2matrix: from the point at or below emin to the point at or below emax.
    const i0 = options.emin === undefined ? 0 : indexOf(e, emin);
    const i1 = options.emax === undefined ? m : indexOf(e, emax) + 1;
    for (let i = 0; i < m; i++) if (i < i0 || i >= i1) used[i] = 0;
  } else {
    for (let i = 0; i < m; i++) if (!(e[i] >= emin && e[i] <= emax)) used[i] = 0;
  }
  const grid = new Float64Array(k * m);
  const warnings: string[] = [];
  for (let j = 0; j < k; j++) {
    const s = standards[j];
    if (s.energies.length !== s.values.length || s.energies.length < 2) {
      throw new SpecmapError('SHAPE', `standard ${s.name}: ${s.energies.length} energies and ${s.values.length} values (need ≥ 2 of each)`);
    }
    const se = Float64Array.from(s.energies, (v) => v + energyShift[j]);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of se) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const inside = Float64Array.from(e, (v) => Math.min(hi, Math.max(lo, v)));
    let row: Float64Array;
    try {
      row = interpolate(se, s.values, inside);
    } catch (err) {
      if (err instanceof SpecmapError) throw new SpecmapError(err.code, `standard ${s.name}: ${err.message}`);
      throw err;
    }
    let out = 0;
    for (let i = 0; i < m; i++) {
      if (e[i] < lo || e[i] > hi) {
        out++;
        used[i] = 0;
      }
    }
    if (out > 0) warnings.push(`standard ${s.name} covers [${lo}, ${hi}] eV: ${out} channel(s) outside it are left out of the fit`);
    grid.set(row, j * m);
  }
  const channels: number[] = [];
  for (let i = 0; i < m; i++) if (used[i]) channels.push(i);
  const p = k + (constant ? 1 : 0);
  if (channels.length < p) {
    throw new SpecmapError('ENERGY_RANGE', `LCF: only ${channels.length} channel(s) lie inside every standard's range and the fit range; ${p} unknowns need at least as many`);
  }
  const mu = channels.length;
  const a = new Float64Array(mu * p);
  for (let r = 0; r < mu; r++) {
    const i = channels[r];
    for (let j = 0; j < k; j++) a[r * p + j] = grid[j * m + i];
    if (constant) a[r * p + k] = 1;
  }
  const gram = new Float64Array(p * p);
  for (let r = 0; r < mu; r++) {
    for (let s = 0; s < p; s++) {
      const v = a[r * p + s];
      if (v === 0) continue;
      for (let t = 0; t < p; t++) gram[s * p + t] += v * a[r * p + t];
    }
  }
  const nonneg = new Uint8Array(p);
  for (let j = 0; j < k; j++) nonneg[j] = nonNegative ? 1 : 0;
  const problem: BoundedLsProblem = { p, gram, nonneg };
  if (sumToOne) {
    const sm = new Uint8Array(p);
    for (let j = 0; j < k; j++) sm[j] = 1;
    problem.sumMask = sm;
  }
  return {
    names: standards.map((s) => s.name),
    energies: e,
    standards: grid,
    used,
    p,
    a,
    channels: Int32Array.from(channels),
    problem,
    options: { sumToOne, constant, nonNegative, energyShift },
    warnings,
  };
}

/** One fitted spectrum. */
export interface LcfFit {
  names: string[];
  /** Weights of the standards (length k). */
  weights: Float64Array;
  /** Weights divided by their sum (NaN when the sum is 0). */
  fractions: Float64Array;
  /** Constant offset (0 without `constant`). */
  constant: number;
  /** Σ(y − ŷ)² / Σ y² over the fitted channels. */
  rfactor: number;
  /** Σ(y − ŷ)². */
  chisqr: number;
  /** chisqr / (points − varying parameters). */
  redchi: number;
  /** The fit on every channel of the grid. */
  fit: Float64Array;
}

/** Fit one spectrum y (on design.energies) with a precomputed design. */
export function lcfFitWithDesign(design: LcfDesign, y: ArrayLike<number>): LcfFit {
  const { p, a, channels, names, standards, energies } = design;
  const k = names.length;
  const m = energies.length;
  if (y.length !== m) throw new SpecmapError('SHAPE', `LCF: spectrum has ${y.length} values, the grid ${m}`);
  const c = new Float64Array(p);
  let yy = 0;
  for (let r = 0; r < channels.length; r++) {
    const v = y[channels[r]];
    yy += v * v;
    for (let s = 0; s < p; s++) c[s] += a[r * p + s] * v;
  }
  const { x } = solveBoundedLs(design.problem, c);
  let chisqr = 0;
  for (let r = 0; r < channels.length; r++) {
    let f = 0;
    for (let s = 0; s < p; s++) f += a[r * p + s] * x[s];
    const d = y[channels[r]] - f;
    chisqr += d * d;
  }
  const weights = x.slice(0, k);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += weights[j];
  const fractions = weights.map((w) => (sum !== 0 ? w / sum : NaN));
  const constant = design.options.constant ? x[k] : 0;
  const fit = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let f = constant;
    for (let j = 0; j < k; j++) f += weights[j] * standards[j * m + i];
    fit[i] = f;
  }
  const nvary = p - (design.options.sumToOne ? 1 : 0);
  const dof = Math.max(1, channels.length - nvary);
  return { names, weights, fractions, constant, rfactor: yy > 0 ? chisqr / yy : NaN, chisqr, redchi: chisqr / dof, fit };
}

/** Fit one spectrum (energies, y) with standards. */
export function lcfSpectrum(energies: ArrayLike<number>, y: ArrayLike<number>, standards: LcfStandard[], options: LcfOptions = {}): LcfFit & { warnings: string[] } {
  const design = lcfDesign(energies, standards, options);
  return { ...lcfFitWithDesign(design, y), warnings: design.warnings };
}

/** Per-pixel LCF of a whole stack. */
export interface LcfMapResult {
  names: string[];
  width: number;
  height: number;
  /** n×k weights, row-major (0 for masked-out pixels). */
  weights: Float32Array;
  /** n×k weights divided by their per-pixel sum (0 where the sum is 0 or the pixel is masked out). */
  fractions: Float32Array;
  /** Constant offset per pixel (only with `constant`). */
  constant?: Float32Array;
  /** R-factor per pixel (NaN for masked-out pixels). */
  rfactor: Float32Array;
  /** The standards on the stack's grid, k×m. */
  standards: Float64Array;
  design: LcfDesign;
  warnings: string[];
}

/**
 * LCF composition maps: one non-negative (optionally sum-to-one, optionally
 * with a constant) least-squares fit per pixel, in one pass over the cube with
 * the standards' Gram matrix computed once. Masked-out pixels are skipped.
 */
export function lcfMap(stack: SpectralStack, standards: LcfStandard[], options: LcfOptions = {}): LcfMapResult {
  const design = lcfDesign(stack.energies, standards, options);
  const { p, a, channels, names } = design;
  const k = names.length;
  const m = stack.energies.length;
  const n = stack.width * stack.height;
  if (stack.data.length !== n * m) {
    throw new SpecmapError('SHAPE', `stack data has ${stack.data.length} values but ${stack.height}×${stack.width}×${m} are expected`);
  }
  const weights = new Float32Array(n * k);
  const fractions = new Float32Array(n * k);
  const constant = design.options.constant ? new Float32Array(n) : undefined;
  const rfactor = new Float32Array(n).fill(NaN);
  const c = new Float64Array(p);
  const mu = channels.length;
  const data = stack.data;
  for (let px = 0; px < n; px++) {
    if (stack.mask && !stack.mask[px]) continue;
    const base = px * m;
    c.fill(0);
    let yy = 0;
    for (let r = 0; r < mu; r++) {
      const v = data[base + channels[r]];
      yy += v * v;
      const row = r * p;
      for (let s = 0; s < p; s++) c[s] += a[row + s] * v;
    }
    const { x } = solveBoundedLs(design.problem, c);
    let chisqr = 0;
    for (let r = 0; r < mu; r++) {
      const row = r * p;
      let f = 0;
      for (let s = 0; s < p; s++) f += a[row + s] * x[s];
      const d = data[base + channels[r]] - f;
      chisqr += d * d;
    }
    rfactor[px] = yy > 0 ? chisqr / yy : NaN;
    let sum = 0;
    for (let j = 0; j < k; j++) {
      weights[px * k + j] = x[j];
      sum += x[j];
    }
    if (sum !== 0) for (let j = 0; j < k; j++) fractions[px * k + j] = x[j] / sum;
    if (constant) constant[px] = x[k];
  }
  return { names, width: stack.width, height: stack.height, weights, fractions, constant, rfactor, standards: design.standards, design, warnings: [...design.warnings] };
}

/** Histogram of each standard's fraction over the pixels (finite values only), bins on [lo, hi]. */
export function fractionHistograms(
  fractions: ArrayLike<number>,
  k: number,
  options: { bins?: number; lo?: number; hi?: number; mask?: Uint8Array } = {},
): { edges: number[]; counts: number[][] } {
  const bins = options.bins ?? 20;
  const lo = options.lo ?? 0;
  const hi = options.hi ?? 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  const counts = Array.from({ length: k }, () => new Array(bins).fill(0));
  const n = Math.floor(fractions.length / k);
  for (let px = 0; px < n; px++) {
    if (options.mask && !options.mask[px]) continue;
    for (let j = 0; j < k; j++) {
      const v = fractions[px * k + j];
      if (!Number.isFinite(v)) continue;
      let b = Math.floor(((v - lo) / (hi - lo)) * bins);
      b = Math.max(0, Math.min(bins - 1, b));
      counts[j][b]++;
    }
  }
  return { edges, counts };
}

export interface LincomboFitAllOptions extends LcfOptions {
  /** Largest number of standards in a combination. __Default:__ all. */
  maxComponents?: number;
  /** Smallest number of standards in a combination. __Default:__ 2 (as larch). */
  minComponents?: number;
  /** A standard counts as used when its weight exceeds this. __Default:__ 5e-4. */
  minWeight?: number;
  /** Number of fits returned, best (lowest reduced χ²) first. __Default:__ 16. */
  maxOutput?: number;
}

/**
 * All-subsets LCF of one spectrum, as larch's `lincombo_fitall`: every
 * combination of 2…maxComponents standards is fitted; a fit whose set of
 * significant standards (weight > minWeight) repeats an earlier one is
 * dropped; the rest are ranked by reduced χ² (best first). Sum-to-one is on
 * by default (as larch); weights are non-negative unless `nonNegative: false`.
 */
export function lincomboFitAll(energies: ArrayLike<number>, y: ArrayLike<number>, standards: LcfStandard[], options: LincomboFitAllOptions = {}): LcfFit[] {
  const k = standards.length;
  const maxC = Math.min(options.maxComponents ?? k, k);
  const minC = Math.max(1, options.minComponents ?? 2);
  const minWeight = options.minWeight ?? 5e-4;
  const shifts = shiftsFor(options.energyShift, k);
  const out: LcfFit[] = [];
  const seen = new Set<string>();
  const combo: number[] = [];
  const visit = (start: number, size: number): void => {
    if (combo.length === size) {
      const sel = combo.map((j) => standards[j]);
      const design = lcfDesign(energies, sel, { ...options, energyShift: combo.map((j) => shifts[j]) }, true);
      const fit = lcfFitWithDesign(design, y);
      const sig = fit.names.filter((_, j) => fit.weights[j] > minWeight).sort().join('\u0000');
      if (!seen.has(sig)) {
        seen.add(sig);
        out.push(fit);
      }
      return;
    }
    for (let j = start; j < k; j++) {
      combo.push(j);
      visit(j + 1, size);
      combo.pop();
    }
  };
  for (let size = minC; size <= maxC; size++) visit(0, size);
  out.sort((a, b) => a.redchi - b.redchi);
  return out.slice(0, options.maxOutput ?? 16);
}
