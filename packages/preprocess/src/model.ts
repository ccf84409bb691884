/**
 * Custom background or peak models written as mathjs expressions, e.g.
 * `a + b*E + h*(1/2 + atan((E - e0)/w)/pi)`, fitted per spectrum by
 * Levenberg–Marquardt with a numeric Jacobian; and unit-aware energies
 * (eV, keV, … through mathjs units).
 *
 * The expression is parsed by mathjs. When it uses only numbers, the energy
 * variable, parameters, + − * / ^, unary minus and the elementary functions
 * (exp, log, sqrt, sin, cos, tan, atan, atan2, abs, sinh, cosh, tanh, pow,
 * min, max), it is translated into a plain JavaScript function over typed
 * arrays (fast path); otherwise mathjs evaluates it point by point.
 */
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { levenbergMarquardt } from './lm';
import { channelsIn, checkShape, recordStep } from './util';

// mathjs is loaded lazily and typed locally so that this package's .d.ts does
// not depend on mathjs's types.
interface MathNode {
  type: string;
  name?: string;
  op?: string;
  fn?: MathNode | string;
  args?: MathNode[];
  value?: unknown;
  content?: MathNode;
  filter(cb: (n: MathNode) => boolean): MathNode[];
  compile(): { evaluate(scope: Record<string, unknown>): unknown };
  toString(): string;
}
interface MathJs {
  parse(expr: string): MathNode;
  unit(value: number, unit: string): { toNumber(unit: string): number };
  unit(text: string): { toNumber(unit: string): number };
}
let mathjs: MathJs | undefined;
function math(): MathJs {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  if (!mathjs) mathjs = require('mathjs') as MathJs;
  return mathjs;
}

/** Convert energies between units (eV, keV, meV, J, …), via mathjs units. */
export function convertEnergies(values: ArrayLike<number>, from: string, to: string): Float64Array {
  let f: number;
  try {
    f = math().unit(1, from).toNumber(to);
  } catch {
    throw new SpecmapError('UNIT', `cannot convert energies from '${from}' to '${to}'`);
  }
  return Float64Array.from(values as ArrayLike<number>, (v) => v * f);
}

/** Parse an energy with an optional unit ('709', '709 eV', '7.112keV') into eV. */
export function parseEnergy(text: string, defaultUnit = 'eV'): number {
  const t = text.trim();
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return convertEnergies([Number(t)], defaultUnit, 'eV')[0];
  let v: number;
  try {
    v = math().unit(t).toNumber('eV');
  } catch {
    throw new SpecmapError('UNIT', `"${text}" is not an energy (e.g. 709, 709eV, 7.112keV)`);
  }
  if (!Number.isFinite(v)) throw new SpecmapError('UNIT', `"${text}" is not an energy`);
  // Unit factors are inexact in binary (0.701 keV → 700.9999999999999 eV): keep 12 significant digits.
  return Number(v.toPrecision(12));
}

const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E, PI: Math.PI, E_: Math.E, Infinity };
const JS_FUNCS = new Set(['exp', 'log', 'sqrt', 'sin', 'cos', 'tan', 'atan', 'atan2', 'abs', 'sinh', 'cosh', 'tanh', 'pow', 'min', 'max', 'asin', 'acos', 'log10']);

export interface Model {
  expression: string;
  /** The energy variable's name. __Default:__ 'E'. */
  variable: string;
  /** The unit of E in the expression. __Default:__ 'eV'. */
  energyUnit: string;
  /** Parameter names, in order of first appearance. */
  parameters: string[];
  /** true when the fast JavaScript path is used. */
  compiled: boolean;
  /** Evaluate at energies (eV) with parameter values in `parameters` order. */
  evaluate(energiesEv: ArrayLike<number>, params: ArrayLike<number>): Float64Array;
}

function toJs(node: MathNode, names: Map<string, string>): string | undefined {
  switch (node.type) {
    case 'ConstantNode':
      return typeof node.value === 'number' ? `(${node.value})` : undefined;
    case 'SymbolNode': {
      const v = names.get(node.name!);
      if (v) return v;
      if (node.name! in CONSTANTS) return `(${CONSTANTS[node.name!]})`;
      return undefined;
    }
    case 'ParenthesisNode':
      return node.content ? toJs(node.content, names) : undefined;
    case 'OperatorNode': {
      const args = (node.args ?? []).map((a) => toJs(a, names));
      if (args.some((a) => a === undefined)) return undefined;
      if (args.length === 1 && (node.op === '-' || node.op === '+')) return `(${node.op}${args[0]})`;
      if (args.length !== 2) return undefined;
      if (node.op === '^') return `Math.pow(${args[0]},${args[1]})`;
      if (['+', '-', '*', '/'].includes(node.op!)) return `(${args[0]}${node.op}${args[1]})`;
      return undefined;
    }
    case 'FunctionNode': {
      const fname = typeof node.fn === 'string' ? node.fn : node.fn?.name;
      if (!fname || !JS_FUNCS.has(fname)) return undefined;
      const args = (node.args ?? []).map((a) => toJs(a, names));
      if (args.some((a) => a === undefined)) return undefined;
      return `Math.${fname}(${args.join(',')})`;
    }
    default:
      return undefined;
  }
}

/**
 * Parse a model expression. Every symbol that is not the energy variable, a
 * function name or a constant (pi, e) is a parameter.
 *
 * @throws SpecmapError 'MODEL' for a syntax error or an expression without the energy variable.
 */
export function compileModel(expression: string, options: { variable?: string; energyUnit?: string } = {}): Model {
  const variable = options.variable ?? 'E';
  const energyUnit = options.energyUnit ?? 'eV';
  let node: MathNode;
  try {
    node = math().parse(expression);
  } catch (err) {
    throw new SpecmapError('MODEL', `model "${expression}": ${(err as Error).message}`);
  }
  const fnNames = new Set<string>();
  for (const f of node.filter((x) => x.type === 'FunctionNode')) {
    const nm = typeof f.fn === 'string' ? f.fn : f.fn?.name;
    if (nm) fnNames.add(nm);
  }
  const parameters: string[] = [];
  let usesE = false;
  for (const s of node.filter((x) => x.type === 'SymbolNode')) {
    const nm = s.name!;
    if (nm === variable) usesE = true;
    else if (!fnNames.has(nm) && !(nm in CONSTANTS) && !parameters.includes(nm)) parameters.push(nm);
  }
  if (!usesE) throw new SpecmapError('MODEL', `model "${expression}" does not use the energy variable ${variable}`);
  const scale = convertEnergies([1], 'eV', energyUnit)[0];
  const names = new Map<string, string>([[variable, 'x'], ...parameters.map((p, i) => [p, `p[${i}]`] as [string, string])]);
  const js = toJs(node, names);
  let evaluate: Model['evaluate'];
  if (js) {
    // Only whitelisted node types reach here: numbers, x, p[i], Math.* calls and arithmetic.
    const f = new Function('E', 'p', 's', 'out', `for (let i = 0; i < E.length; i++) { const x = E[i] * s; out[i] = ${js}; } return out;`) as (E: ArrayLike<number>, p: ArrayLike<number>, s: number, out: Float64Array) => Float64Array;
    evaluate = (E, p) => f(E, p, scale, new Float64Array(E.length));
  } else {
    const code = node.compile();
    evaluate = (E, p) => {
      const scope: Record<string, unknown> = {};
      parameters.forEach((nm, i) => (scope[nm] = p[i]));
      const out = new Float64Array(E.length);
      for (let i = 0; i < E.length; i++) {
        scope[variable] = E[i] * scale;
        const v = code.evaluate(scope);
        out[i] = typeof v === 'number' ? v : NaN;
      }
      return out;
    };
  }
  return { expression, variable, energyUnit, parameters, compiled: !!js, evaluate };
}

export interface ModelFitOptions {
  /** Initial value of every parameter (required for each). */
  initial: Record<string, number>;
  lower?: Record<string, number>;
  upper?: Record<string, number>;
  /** Fit only channels inside these windows (eV). __Default:__ all. */
  windows?: [number, number][];
  maxIter?: number;
}

export interface ModelFit {
  params: Record<string, number>;
  /** The model evaluated on all channels. */
  curve: Float64Array;
  cost: number;
  iterations: number;
  converged: boolean;
}

function vec(model: Model, rec: Record<string, number> | undefined, fill: number, what: string, required: boolean): Float64Array {
  return Float64Array.from(model.parameters, (p) => {
    const v = rec?.[p];
    if (v === undefined) {
      if (required) throw new SpecmapError('MODEL', `model "${model.expression}": no ${what} for parameter ${p} (parameters: ${model.parameters.join(', ')})`);
      return fill;
    }
    return v;
  });
}

/** Fit a model to one spectrum by Levenberg–Marquardt (numeric Jacobian). */
export function fitModel(energies: ArrayLike<number>, values: ArrayLike<number>, model: Model | string, options: ModelFitOptions): ModelFit {
  const mdl = typeof model === 'string' ? compileModel(model) : model;
  const p0 = vec(mdl, options.initial, 0, 'initial value', true);
  const lower = options.lower ? vec(mdl, options.lower, -Infinity, 'lower bound', false) : undefined;
  const upper = options.upper ? vec(mdl, options.upper, Infinity, 'upper bound', false) : undefined;
  let idx: number[] = Array.from({ length: energies.length }, (_, i) => i);
  if (options.windows) {
    const set = new Set<number>();
    for (const [a, b] of options.windows) for (const c of channelsIn(energies, a, b)) set.add(c);
    idx = [...set].sort((a, b) => a - b);
  }
  if (idx.length < mdl.parameters.length) throw new SpecmapError('MODEL', `model fit: ${idx.length} channels for ${mdl.parameters.length} parameters`);
  const Ef = Float64Array.from(idx, (i) => energies[i]);
  const yf = Float64Array.from(idx, (i) => values[i]);
  const res = levenbergMarquardt(
    (p) => {
      const c = mdl.evaluate(Ef, p);
      for (let i = 0; i < c.length; i++) c[i] -= yf[i];
      return c;
    },
    p0,
    { lower, upper, maxIter: options.maxIter ?? 200 },
  );
  const params: Record<string, number> = {};
  mdl.parameters.forEach((p, i) => (params[p] = res.params[i]));
  return { params, curve: mdl.evaluate(energies, res.params), cost: res.cost, iterations: res.iterations, converged: res.converged };
}

/**
 * Fit a model to every spectrum and subtract it, **in place**. The mean
 * spectrum is fitted first from `initial`; each pixel then starts from that
 * solution. Per-parameter maps go to `metadata.modelParameters`
 * ({name: Float32Array}). Records `{ name: 'background', parameters: { model: 'custom', expression, … } }`.
 */
export function subtractModel(stack: SpectralStack, model: Model | string, options: ModelFitOptions): SpectralStack {
  checkShape(stack, 'model background');
  const mdl = typeof model === 'string' ? compileModel(model) : model;
  const { energies, data } = stack;
  const m = energies.length;
  const n = stack.width * stack.height;
  const mean = new Float64Array(m);
  for (let p = 0; p < n; p++) for (let e = 0; e < m; e++) mean[e] += data[p * m + e] / n;
  const start = fitModel(energies, mean, mdl, options);
  const maps: Record<string, Float32Array> = {};
  for (const p of mdl.parameters) maps[p] = new Float32Array(n);
  const y = new Float64Array(m);
  let notConverged = 0;
  for (let p = 0; p < n; p++) {
    if (stack.mask && !stack.mask[p]) continue;
    const base = p * m;
    for (let e = 0; e < m; e++) y[e] = data[base + e];
    const f = fitModel(energies, y, mdl, { ...options, initial: start.params });
    if (!f.converged) notConverged++;
    for (let e = 0; e < m; e++) data[base + e] = y[e] - f.curve[e];
    for (const q of mdl.parameters) maps[q][p] = f.params[q];
  }
  stack.metadata = { ...stack.metadata, modelParameters: maps };
  recordStep(stack, 'background', { model: 'custom', expression: mdl.expression, energyUnit: mdl.energyUnit, parameters: mdl.parameters, initial: options.initial, meanSpectrumFit: start.params, windows: options.windows ?? null, fastPath: mdl.compiled, notConverged });
  return stack;
}
