/**
 * Backgrounds per spectrum, vectorised over the stack: straight line (window
 * fit or endpoint line), Shirley (iterative), arctangent edge step (single
 * step or the two-step L3/L2 model with 2:1 heights). Per-spectrum functions
 * return the background; {@link subtractBackground} subtracts it from every
 * pixel **in place** (the cube is overwritten) and records the step.
 */
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { levenbergMarquardt } from './lm';
import { channelsIn, checkShape, energyRange, leastSquaresProjector, recordStep } from './util';

export type Window = [number, number];

/** ½ + arctan((E − E0)/Γ)/π: 0 → 1, ½ at E0, ¾ at E0 + Γ (lmfit `step(form='arctan')` with A = 1). */
export function arctanStep(E: number, e0: number, gamma: number): number {
  return 0.5 + Math.atan((E - e0) / gamma) / Math.PI;
}

/** L3:L2 step heights of the two-step model: 2/3 and 1/3 (2p3/2 : 2p1/2 degeneracy). */
export const L3L2_RATIO: readonly [number, number] = [2 / 3, 1 / 3];

/**
 * The edge-step shape S(E) = Σ_i r_i (½ + arctan((E − E_i)/Γ_i)/π): one edge
 * (r = [1]) or the L3/L2 pair (r = [2/3, 1/3]); S → 0 below, 1 above.
 */
export function stepShape(energies: ArrayLike<number>, edges: ArrayLike<number>, widths: ArrayLike<number>, ratios?: ArrayLike<number>): Float64Array {
  const r = ratios ?? (edges.length === 2 ? L3L2_RATIO : Array.from({ length: edges.length }, () => 1 / edges.length));
  const out = new Float64Array(energies.length);
  for (let e = 0; e < energies.length; e++) {
    let s = 0;
    for (let i = 0; i < edges.length; i++) s += r[i] * arctanStep(energies[e], edges[i], widths[i]);
    out[e] = s;
  }
  return out;
}

// ---------------------------------------------------------------- straight line

export interface LinearOptions {
  /** Fit a + bE by least squares to these windows (eV). */
  windows?: Window[];
  /** Without windows: the line through the means of the first and last `endpoints` points. __Default:__ 3. */
  endpoints?: number;
}

interface LinearPlan {
  /** Coefficients a = Σ ca_k y[idx_k], b = Σ cb_k y[idx_k]. */
  idx: number[];
  ca: Float64Array;
  cb: Float64Array;
  desc: Record<string, unknown>;
}

function linearPlan(energies: ArrayLike<number>, opts: LinearOptions): LinearPlan {
  const m = energies.length;
  if (opts.windows && opts.windows.length) {
    const set = new Set<number>();
    for (const [lo, hi] of opts.windows) for (const c of channelsIn(energies, lo, hi)) set.add(c);
    const idx = [...set].sort((a, b) => a - b);
    if (idx.length < 2) throw new SpecmapError('BACKGROUND_RANGE', `linear background: the window(s) ${fmtWindows(opts.windows)} hold ${idx.length} channel(s); a line needs 2`);
    const A = new Float64Array(idx.length * 2);
    idx.forEach((c, k) => {
      A[k * 2] = 1;
      A[k * 2 + 1] = energies[c];
    });
    const P = leastSquaresProjector(A, idx.length, 2, 'linear background');
    return { idx, ca: P.subarray(0, idx.length), cb: P.subarray(idx.length), desc: { mode: 'window fit', windows: opts.windows, channels: idx.length } };
  }
  const p = opts.endpoints ?? 3;
  if (!Number.isInteger(p) || p < 1 || 2 * p > m) throw new SpecmapError('BACKGROUND_RANGE', `linear background: ${p} endpoint points at each end need at least ${2 * p} channels (the stack has ${m})`);
  let e1 = 0;
  let e2 = 0;
  for (let k = 0; k < p; k++) {
    e1 += energies[k] / p;
    e2 += energies[m - 1 - k] / p;
  }
  // y1 = mean first p, y2 = mean last p; b = (y2 − y1)/(e2 − e1); a = y1 − b e1.
  const idx: number[] = [];
  const ca: number[] = [];
  const cb: number[] = [];
  const d = e2 - e1;
  for (let k = 0; k < p; k++) {
    idx.push(k);
    cb.push(-1 / p / d);
    ca.push(1 / p + (e1 / p) / d);
  }
  for (let k = 0; k < p; k++) {
    idx.push(m - 1 - k);
    cb.push(1 / p / d);
    ca.push(-(e1 / p) / d);
  }
  return { idx, ca: Float64Array.from(ca), cb: Float64Array.from(cb), desc: { mode: 'endpoint line', endpoints: p } };
}

/** Straight-line background of one spectrum (see {@link LinearOptions}). */
export function linearBackground(energies: ArrayLike<number>, values: ArrayLike<number>, opts: LinearOptions = {}): Float64Array {
  const plan = linearPlan(energies, opts);
  let a = 0;
  let b = 0;
  plan.idx.forEach((c, k) => {
    a += plan.ca[k] * values[c];
    b += plan.cb[k] * values[c];
  });
  return Float64Array.from(energies as ArrayLike<number>, (E) => a + b * E);
}

// ---------------------------------------------------------------- Shirley

export interface ShirleyOptions {
  /** Endpoints [E_lo, E_hi] (eV). __Default:__ the whole axis. Outside, the background is constant (I_lo below, I_hi above). */
  range?: Window;
  /** Points averaged at each endpoint to give I_lo and I_hi. __Default:__ 1. */
  average?: number;
  /** Stop when mean((B_{t+1} − B_t)²) < tol · (I_hi − I_lo)². __Default:__ 1e-12. */
  tol?: number;
  /** __Default:__ 100. */
  maxIter?: number;
}

export interface ShirleyResult {
  background: Float64Array;
  iterations: number;
  converged: boolean;
  iLo: number;
  iHi: number;
}

interface ShirleyPlan {
  ilo: number;
  ihi: number;
  avg: number;
  tol: number;
  maxIter: number;
}

function shirleyPlan(energies: ArrayLike<number>, opts: ShirleyOptions): ShirleyPlan {
  const m = energies.length;
  for (let e = 1; e < m; e++) if (!(energies[e] > energies[e - 1])) throw new SpecmapError('ENERGY_ORDER', 'Shirley background: the energy axis must be strictly increasing');
  let ilo = 0;
  let ihi = m - 1;
  if (opts.range) {
    const idx = channelsIn(energies, opts.range[0], opts.range[1]);
    if (idx.length < 3) throw new SpecmapError('BACKGROUND_RANGE', `Shirley background: the range ${fmtWindows([opts.range])} holds ${idx.length} channel(s); at least 3 are needed`);
    ilo = idx[0];
    ihi = idx[idx.length - 1];
  }
  const avg = opts.average ?? 1;
  if (!Number.isInteger(avg) || avg < 1 || 2 * avg > ihi - ilo + 1) throw new SpecmapError('BACKGROUND_RANGE', `Shirley background: averaging ${avg} points at each end needs ${2 * avg} channels in the range (it has ${ihi - ilo + 1})`);
  return { ilo, ihi, avg, tol: opts.tol ?? 1e-12, maxIter: opts.maxIter ?? 100 };
}

/** Shirley iteration on y (double), writing the background into `out`. Scratch arrays of length m. */
function shirleyInto(E: ArrayLike<number>, y: ArrayLike<number>, plan: ShirleyPlan, out: Float64Array, B: Float64Array, C: Float64Array): { iterations: number; converged: boolean; iLo: number; iHi: number } {
  const { ilo, ihi, avg, tol, maxIter } = plan;
  const m = E.length;
  let iLo = 0;
  let iHi = 0;
  for (let k = 0; k < avg; k++) {
    iLo += y[ilo + k];
    iHi += y[ihi - k];
  }
  iLo /= avg;
  iHi /= avg;
  const step = iHi - iLo;
  const scale = step * step;
  for (let e = ilo; e <= ihi; e++) B[e] = 0;
  let it = 0;
  let converged = false;
  for (; it < maxIter; ) {
    it++;
    // C = cumulative trapezoid of (y − I_lo − B) from E_lo.
    C[ilo] = 0;
    let prev = y[ilo] - iLo - B[ilo];
    for (let e = ilo + 1; e <= ihi; e++) {
      const cur = y[e] - iLo - B[e];
      C[e] = C[e - 1] + 0.5 * (cur + prev) * (E[e] - E[e - 1]);
      prev = cur;
    }
    const total = C[ihi];
    const k = total !== 0 ? step / total : 0;
    let d2 = 0;
    for (let e = ilo; e <= ihi; e++) {
      const nb = k * C[e];
      const d = nb - B[e];
      d2 += d * d;
      B[e] = nb;
    }
    d2 /= ihi - ilo + 1;
    if (d2 <= tol * scale) {
      converged = true;
      break;
    }
  }
  for (let e = 0; e < m; e++) out[e] = e < ilo ? iLo : e > ihi ? iLo + B[ihi] : iLo + B[e];
  return { iterations: it, converged, iLo, iHi };
}

/**
 * Shirley background of one spectrum, for XAS (the step rises with E):
 * B₀ = 0, B_{t+1}(E) = k_t ∫_{E_lo}^{E} [I − I_lo − B_t] dE′ with k_t chosen
 * so that B reaches I_hi − I_lo at E_hi; background = I_lo + B (cumulative
 * trapezoid integrals). The axis must increase.
 */
export function shirleyBackground(energies: ArrayLike<number>, values: ArrayLike<number>, opts: ShirleyOptions = {}): ShirleyResult {
  const plan = shirleyPlan(energies, opts);
  const m = energies.length;
  const out = new Float64Array(m);
  const r = shirleyInto(energies, values, plan, out, new Float64Array(m), new Float64Array(m));
  return { background: out, ...r };
}

// ---------------------------------------------------------------- arctan edge steps

export interface EdgeStepOptions {
  /** Edge energies: one (single step) or two (E_L3, E_L2; heights 2:1). */
  edges: number[];
  /** Widths Γ (eV), one per edge or one for all. __Default:__ 0.5 eV. */
  widths?: number[];
  /** Step height ratios. __Default:__ [1] or [2/3, 1/3]. */
  ratios?: number[];
  /** Windows (eV) where a + bE + h·S(E) is fitted. __Default:__ pre-edge [E_min, E_first − 3] and post-edge [E_last + 5, E_max]. */
  windows?: Window[];
  /** Fit the edge energies and widths (LM on the mean spectrum over the windows, or all channels when none are given), then the per-pixel linear parameters. __Default:__ false. */
  fit?: boolean;
  /** Without a sloped line (a + h·S only). __Default:__ false. */
  noSlope?: boolean;
}

export interface EdgeStepResult {
  background: Float64Array;
  /** Offset a, slope b, step height h. */
  a: number;
  b: number;
  h: number;
  edges: number[];
  widths: number[];
}

function defaultEdgeWindows(energies: ArrayLike<number>, edges: number[]): Window[] {
  const [lo, hi] = energyRange(energies);
  const first = Math.min(...edges);
  const last = Math.max(...edges);
  return [
    [lo, first - 3],
    [last + 5, hi],
  ];
}

function normaliseEdgeOptions(energies: ArrayLike<number>, opts: EdgeStepOptions) {
  const edges = opts.edges;
  if (!edges || edges.length < 1 || edges.length > 2 || edges.some((e) => !Number.isFinite(e))) {
    throw new SpecmapError('ARGUMENT', 'edge-step background: give one edge energy (arctan) or two (E_L3, E_L2)');
  }
  const widths = (opts.widths && opts.widths.length ? (opts.widths.length === 1 ? edges.map(() => opts.widths![0]) : opts.widths) : edges.map(() => 0.5)).slice();
  if (widths.length !== edges.length || widths.some((w) => !(w > 0))) throw new SpecmapError('ARGUMENT', `edge-step background: widths must be > 0, one per edge (got ${widths.join(', ')})`);
  const ratios = opts.ratios ?? (edges.length === 2 ? [...L3L2_RATIO] : [1]);
  const [lo, hi] = energyRange(energies);
  for (const e of edges) if (e < lo || e > hi) throw new SpecmapError('ENERGY_RANGE', `edge-step background: edge ${e} eV is outside the stack's range [${lo}, ${hi}] eV`);
  return { edges: edges.slice(), widths, ratios };
}

function windowChannels(energies: ArrayLike<number>, windows: Window[], what: string): number[] {
  const set = new Set<number>();
  for (const [a, b] of windows) if (b >= a) for (const c of channelsIn(energies, a, b)) set.add(c);
  const idx = [...set].sort((a, b) => a - b);
  if (idx.length < 4) throw new SpecmapError('BACKGROUND_RANGE', `${what}: the fit windows ${fmtWindows(windows)} hold ${idx.length} channel(s); give wider ones (--background-range LO:HI,LO:HI)`);
  return idx;
}

function edgeProjector(energies: ArrayLike<number>, idx: number[], S: Float64Array, noSlope: boolean) {
  const p = noSlope ? 2 : 3;
  const A = new Float64Array(idx.length * p);
  idx.forEach((c, k) => {
    A[k * p] = 1;
    if (!noSlope) A[k * p + 1] = energies[c];
    A[k * p + p - 1] = S[c];
  });
  return { P: leastSquaresProjector(A, idx.length, p, 'edge-step background'), p };
}

/** Fit edge energies and widths to one spectrum (variable projection: linear a, b, h solved inside). */
function fitEdges(energies: ArrayLike<number>, y: ArrayLike<number>, idx: number[], edges: number[], widths: number[], ratios: number[], noSlope: boolean) {
  const ne = edges.length;
  const [lo, hi] = energyRange(energies);
  const p0 = [...edges, ...widths];
  const lower = [...edges.map(() => lo), ...widths.map(() => 1e-3)];
  const upper = [...edges.map(() => hi), ...widths.map(() => hi - lo)];
  const res = levenbergMarquardt(
    (q) => {
      const S = stepShape(energies, q.subarray(0, ne), q.subarray(ne), ratios);
      const { P, p } = edgeProjector(energies, idx, S, noSlope);
      const coef = new Float64Array(p);
      for (let i = 0; i < p; i++) for (let k = 0; k < idx.length; k++) coef[i] += P[i * idx.length + k] * y[idx[k]];
      const r = new Float64Array(idx.length);
      idx.forEach((c, k) => {
        r[k] = coef[0] + (noSlope ? 0 : coef[1] * energies[c]) + coef[p - 1] * S[c] - y[c];
      });
      return r;
    },
    p0,
    { lower, upper },
  );
  return { edges: Array.from(res.params.subarray(0, ne)), widths: Array.from(res.params.subarray(ne)), iterations: res.iterations, converged: res.converged };
}

/**
 * Edge-step background of one spectrum: a + bE + h·S(E) with S the single
 * arctan step or the two-step L3/L2 shape, the linear parameters (a, b, h)
 * fitted by least squares on the windows.
 */
export function edgeStepBackground(energies: ArrayLike<number>, values: ArrayLike<number>, opts: EdgeStepOptions): EdgeStepResult {
  let { edges, widths, ratios } = normaliseEdgeOptions(energies, opts);
  const noSlope = !!opts.noSlope;
  if (opts.fit) {
    const fidx = windowChannels(energies, opts.windows ?? [energyRange(energies)], 'edge-step fit');
    ({ edges, widths } = fitEdges(energies, values, fidx, edges, widths, ratios, noSlope));
  }
  const idx = windowChannels(energies, opts.windows ?? defaultEdgeWindows(energies, edges), 'edge-step background');
  const S = stepShape(energies, edges, widths, ratios);
  const { P, p } = edgeProjector(energies, idx, S, noSlope);
  const coef = new Float64Array(p);
  for (let i = 0; i < p; i++) for (let k = 0; k < idx.length; k++) coef[i] += P[i * idx.length + k] * values[idx[k]];
  const a = coef[0];
  const b = noSlope ? 0 : coef[1];
  const h = coef[p - 1];
  const bg = Float64Array.from(energies as ArrayLike<number>, (E, e) => a + b * E + h * S[e]);
  return { background: bg, a, b, h, edges, widths };
}

// ---------------------------------------------------------------- the stack step

export type BackgroundOptions =
  | ({ model: 'linear' } & LinearOptions)
  | ({ model: 'shirley' } & ShirleyOptions)
  | ({ model: 'arctan' | 'l3l2' } & Omit<EdgeStepOptions, 'edges'> & { edges?: number[] });

/**
 * Subtract a background from every spectrum of the stack, **in place** (the
 * cube is overwritten; sums in double precision, stored as float32).
 *
 * - linear: one projector for all pixels, O(m) per pixel.
 * - shirley: the iteration per pixel, O(m·iterations); iterations and
 *   non-converged pixels are counted in the step.
 * - arctan / l3l2: edge energies and widths global (given, or fitted once on
 *   the mean spectrum of the masked-in pixels with `fit: true`); a, b, h per
 *   pixel by one precomputed least-squares projector. For `arctan` without
 *   `edges`, E0 is the energy of the steepest rise of the mean spectrum. The
 *   step heights are kept in `metadata.edgeJump` (Float32Array, one per pixel).
 *
 * Records `{ name: 'background', parameters: { model, … } }`.
 */
export function subtractBackground(stack: SpectralStack, options: BackgroundOptions): SpectralStack {
  checkShape(stack, 'background');
  const { energies, data } = stack;
  const m = energies.length;
  const n = stack.width * stack.height;
  const y = new Float64Array(m);
  if (options.model === 'linear') {
    const plan = linearPlan(energies, options);
    for (let p = 0; p < n; p++) {
      const base = p * m;
      let a = 0;
      let b = 0;
      for (let k = 0; k < plan.idx.length; k++) {
        const v = data[base + plan.idx[k]];
        a += plan.ca[k] * v;
        b += plan.cb[k] * v;
      }
      for (let e = 0; e < m; e++) data[base + e] -= a + b * energies[e];
    }
    recordStep(stack, 'background', { model: 'linear', ...plan.desc });
    return stack;
  }
  if (options.model === 'shirley') {
    const plan = shirleyPlan(energies, options);
    const out = new Float64Array(m);
    const B = new Float64Array(m);
    const C = new Float64Array(m);
    let itSum = 0;
    let itMax = 0;
    let notConverged = 0;
    for (let p = 0; p < n; p++) {
      const base = p * m;
      for (let e = 0; e < m; e++) y[e] = data[base + e];
      const r = shirleyInto(energies, y, plan, out, B, C);
      itSum += r.iterations;
      itMax = Math.max(itMax, r.iterations);
      if (!r.converged) notConverged++;
      for (let e = 0; e < m; e++) data[base + e] = y[e] - out[e];
    }
    if (notConverged) {
      const prev = Array.isArray(stack.metadata.warnings) ? (stack.metadata.warnings as string[]) : [];
      stack.metadata = { ...stack.metadata, warnings: [...prev, `Shirley background: ${notConverged} of ${n} spectra did not converge in ${plan.maxIter} iterations`] };
    }
    recordStep(stack, 'background', {
      model: 'shirley',
      range: [energies[plan.ilo], energies[plan.ihi]],
      average: plan.avg,
      tol: plan.tol,
      tolRule: 'mean(ΔB²) < tol·(I_hi − I_lo)²',
      maxIter: plan.maxIter,
      meanIterations: Math.round((itSum / n) * 100) / 100,
      maxIterations: itMax,
      notConverged,
    });
    return stack;
  }
  if (options.model !== 'arctan' && options.model !== 'l3l2') throw new SpecmapError('ARGUMENT', `unknown background model '${(options as { model: string }).model}'`);
  // Mean spectrum of the masked-in pixels (for fitting / the default E0).
  const mean = new Float64Array(m);
  let cnt = 0;
  for (let p = 0; p < n; p++) {
    if (stack.mask && !stack.mask[p]) continue;
    cnt++;
    const base = p * m;
    for (let e = 0; e < m; e++) mean[e] += data[base + e];
  }
  for (let e = 0; e < m; e++) mean[e] /= Math.max(cnt, 1);
  let edges = options.edges;
  if (options.model === 'l3l2' && (!edges || edges.length !== 2)) throw new SpecmapError('ARGUMENT', 'l3l2 background: give the two edge energies E_L3,E_L2 (e.g. --edge 708.7,721.3)');
  if (options.model === 'arctan' && edges && edges.length !== 1) throw new SpecmapError('ARGUMENT', `arctan background: give one edge energy, got ${edges.length}`);
  let e0Source = 'given';
  if (!edges) {
    let best = -Infinity;
    let at = 0;
    for (let e = 1; e < m; e++) {
      const d = (mean[e] - mean[e - 1]) / (energies[e] - energies[e - 1]);
      if (d > best) {
        best = d;
        at = e;
      }
    }
    edges = [0.5 * (energies[at] + energies[at - 1])];
    e0Source = 'steepest rise of the mean spectrum';
  }
  let { widths, ratios } = normaliseEdgeOptions(energies, { ...options, edges });
  const noSlope = !!options.noSlope;
  let fitInfo: Record<string, unknown> | undefined;
  if (options.fit) {
    const fidx = windowChannels(energies, options.windows ?? [energyRange(energies)], 'edge-step fit');
    const f = fitEdges(energies, mean, fidx, edges, widths, ratios, noSlope);
    fitInfo = { initialEdges: edges, initialWidths: widths, iterations: f.iterations, converged: f.converged };
    edges = f.edges;
    widths = f.widths;
  }
  const windows = options.windows ?? defaultEdgeWindows(energies, edges);
  const idx = windowChannels(energies, windows, `${options.model} background`);
  const S = stepShape(energies, edges, widths, ratios);
  const { P, p: np } = edgeProjector(energies, idx, S, noSlope);
  const r = idx.length;
  const jump = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const base = p * m;
    let a = 0;
    let b = 0;
    let h = 0;
    for (let k = 0; k < r; k++) {
      const v = data[base + idx[k]];
      a += P[k] * v;
      if (!noSlope) b += P[r + k] * v;
      h += P[(np - 1) * r + k] * v;
    }
    jump[p] = h;
    for (let e = 0; e < m; e++) data[base + e] -= a + b * energies[e] + h * S[e];
  }
  stack.metadata = { ...stack.metadata, edgeJump: jump };
  recordStep(stack, 'background', {
    model: options.model,
    formula: options.model === 'l3l2' ? 'a + bE + h[(2/3)(1/2 + atan((E−E_L3)/Γ3)/π) + (1/3)(1/2 + atan((E−E_L2)/Γ2)/π)]' : 'a + bE + h(1/2 + atan((E−E0)/Γ)/π)',
    edges,
    widths,
    ratios,
    edgeSource: options.fit ? 'fitted on the mean spectrum' : e0Source,
    windows,
    windowChannels: r,
    slope: !noSlope,
    ...(fitInfo ? { fit: fitInfo } : {}),
  });
  return stack;
}

function fmtWindows(w: Window[]): string {
  return w.map(([a, b]) => `${a}:${b}`).join(',');
}
