/**
 * Replaying a recorded analysis: the registry of preprocessing steps by name
 * and the comparison of a rerun with the recorded result.
 *
 * Every preprocessing function records `{name, parameters}` in
 * `stack.metadata.steps` (→ `result.provenance.steps`). To redo a run, each
 * recorded step is looked up by name here and re-applied from its recorded
 * parameters. The package that owns a step function registers its replayer
 * (core: 'optical-density'; the preprocessing steps of @specmap/preprocess
 * are registered by the replaying program, `specmap replay`). Files a step
 * names (I0 spectrum, mask image) are resolved by the caller's context.
 *
 * Pure TypeScript, no file system: works in Node and in browsers.
 */
import { SpecmapError } from './errors';
import { opticalDensity } from './preprocess';
import type { AnalysisResult } from './result';
import type { PreprocessStep, SpectralStack } from './stack';

/** What a replayer may need from its caller: the files a step names. */
export interface ReplayContext {
  /**
   * A spectrum file a step names (e.g. the I0 of 'optical-density', by the
   * recorded name `parameters.i0`); `role` says which parameter it is.
   */
  readSpectrum?(name: string, role: string): { energies: ArrayLike<number>; values: ArrayLike<number> };
  /** The path of any other file a step names (e.g. a mask image). */
  resolveFile?(name: string, role: string): string;
}

/**
 * Re-apply one recorded step to a stack from its recorded parameters.
 * Returns the stack to continue with (the same object for in-place steps, a
 * new one for steps that change the shape).
 */
export type ReplayStep = (stack: SpectralStack, parameters: Record<string, unknown>, context: ReplayContext) => SpectralStack;

const REPLAY_STEPS = new Map<string, ReplayStep>();

/** Register the replayer of a step name (registering a name twice replaces the earlier one). */
export function registerReplayStep(name: string, step: ReplayStep): void {
  REPLAY_STEPS.set(name, step);
}

/** Names of the steps that can be replayed. */
export function replayStepNames(): string[] {
  return [...REPLAY_STEPS.keys()];
}

/** The replayer of a step, or a SpecmapError 'REPLAY_STEP' listing the known names. */
export function getReplayStep(name: string): ReplayStep {
  const step = REPLAY_STEPS.get(name);
  if (!step) {
    throw new SpecmapError('REPLAY_STEP', `cannot replay preprocessing step "${name}": no replayer registered (known: ${replayStepNames().join(', ') || 'none'})`);
  }
  return step;
}

/**
 * Re-apply recorded steps, in order, to a freshly read stack. Checks that
 * every step is known before applying any. Returns the resulting stack
 * (whose own `metadata.steps` records the steps again).
 */
export function replaySteps(stack: SpectralStack, steps: readonly PreprocessStep[], context: ReplayContext = {}): SpectralStack {
  const fns = steps.map((s) => getReplayStep(s.name));
  let current = stack;
  steps.forEach((s, i) => {
    try {
      current = fns[i](current, s.parameters ?? {}, context);
    } catch (err) {
      if (err instanceof SpecmapError) throw new SpecmapError(err.code, `replaying step ${i + 1} (${s.name}): ${err.message}`);
      throw err;
    }
  });
  return current;
}

registerReplayStep('optical-density', (stack, p, ctx) => {
  const name = typeof p.i0 === 'string' ? p.i0 : 'I0';
  if (!ctx.readSpectrum) throw new SpecmapError('REPLAY_FILE', `step optical-density needs the I0 spectrum "${name}" but no file reader was given`);
  const i0 = ctx.readSpectrum(name, 'i0');
  return opticalDensity(stack, { energies: i0.energies, values: i0.values, name });
});

// ---------------------------------------------------------------- comparison

/** Relative tolerances of a replay on another machine (max |a − b| / max |a| per field). */
export const REPLAY_TOLERANCES = {
  /** Float32 fields (weights, measured spectra, progress). */
  float32: 1e-4,
  /** Float64 fields (components, energies, variances, loss history, Pearson r, embeddings). */
  float64: 1e-6,
  /** Iteration count: |Δ| ≤ max(2, 2 % of the recorded count). */
  iterationsShare: 0.02,
  /** Labels: share of pixels whose label may differ. */
  labelsShare: 0.001,
} as const;

export type ReplayMode = 'exact' | 'tolerance';
export type FieldStatus = 'identical' | 'within tolerance' | 'different';

/** One compared field. */
export interface FieldDiff {
  field: string;
  /** Number of values compared (1 for scalars). */
  size: number;
  /** Values that differ (bitwise). */
  differing: number;
  /** max |a − b| over the values (NaN for non-numeric fields). */
  maxAbsDiff: number;
  /** maxAbsDiff / max |a| (0 when identical). */
  maxRelDiff: number;
  /** The tolerance applied in tolerance mode (relative), or null when the field must match exactly. */
  tolerance: number | null;
  status: FieldStatus;
  /** A short note (shape change, recorded vs rerun value of a scalar). */
  note?: string;
}

export interface ResultComparison {
  mode: ReplayMode;
  /** Every field bit for bit equal. */
  identical: boolean;
  /** identical, or (tolerance mode) every field within its tolerance. */
  ok: boolean;
  fields: FieldDiff[];
}

type Numeric = ArrayLike<number> & { readonly BYTES_PER_ELEMENT?: number };

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function compareArray(field: string, a: Numeric | undefined, b: Numeric | undefined, mode: ReplayMode, tol: number | null): FieldDiff | null {
  if (a === undefined && b === undefined) return null;
  if (a === undefined || b === undefined) {
    return { field, size: (a ?? b)!.length, differing: (a ?? b)!.length, maxAbsDiff: NaN, maxRelDiff: NaN, tolerance: tol, status: 'different', note: a === undefined ? 'absent in the recorded result' : 'absent in the rerun' };
  }
  if (a.length !== b.length) {
    return { field, size: a.length, differing: a.length, maxAbsDiff: NaN, maxRelDiff: NaN, tolerance: tol, status: 'different', note: `length ${a.length} recorded, ${b.length} rerun` };
  }
  const sameType = ArrayBuffer.isView(a) && ArrayBuffer.isView(b) && a.constructor === b.constructor;
  let differing = 0;
  let maxAbs = 0;
  let maxA = 0;
  let nanMismatch = false;
  if (sameType) {
    const size = (a as Numeric).BYTES_PER_ELEMENT ?? 8;
    const ba = bytesOf(a as unknown as ArrayBufferView);
    const bb = bytesOf(b as unknown as ArrayBufferView);
    for (let i = 0; i < a.length; i++) {
      let same = true;
      for (let j = i * size; j < (i + 1) * size; j++) {
        if (ba[j] !== bb[j]) {
          same = false;
          break;
        }
      }
      if (!same) differing++;
    }
  } else {
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) differing++;
  }
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Number.isNaN(x) !== Number.isNaN(y)) nanMismatch = true;
    if (Number.isFinite(x)) maxA = Math.max(maxA, Math.abs(x));
    if (Number.isFinite(x) && Number.isFinite(y)) maxAbs = Math.max(maxAbs, Math.abs(x - y));
    else if (x !== y && !(Number.isNaN(x) && Number.isNaN(y))) nanMismatch = true;
  }
  const rel = differing === 0 ? 0 : maxA > 0 ? maxAbs / maxA : maxAbs > 0 ? Infinity : 0;
  let status: FieldStatus = differing === 0 ? 'identical' : 'different';
  if (status === 'different' && mode === 'tolerance' && tol !== null && !nanMismatch && rel <= tol) status = 'within tolerance';
  return { field, size: a.length, differing, maxAbsDiff: maxAbs, maxRelDiff: rel, tolerance: tol, status, ...(nanMismatch ? { note: 'NaN/Inf at different places' } : {}) };
}

function compareScalar(field: string, a: unknown, b: unknown, mode: ReplayMode, allowed?: (a: number, b: number) => boolean): FieldDiff {
  const same = typeof a === 'number' && typeof b === 'number' ? Object.is(a, b) : stableJson(a) === stableJson(b);
  const numeric = typeof a === 'number' && typeof b === 'number';
  const d = numeric ? Math.abs((a as number) - (b as number)) : NaN;
  let status: FieldStatus = same ? 'identical' : 'different';
  if (!same && mode === 'tolerance' && numeric && allowed && allowed(a as number, b as number)) status = 'within tolerance';
  const show = (v: unknown) => {
    const s = stableJson(v) ?? 'undefined';
    return s.length > 40 ? s.slice(0, 37) + '...' : s;
  };
  return {
    field,
    size: 1,
    differing: same ? 0 : 1,
    maxAbsDiff: same ? 0 : d,
    maxRelDiff: same ? 0 : numeric && a !== 0 ? d / Math.abs(a as number) : NaN,
    tolerance: null,
    status,
    ...(same ? {} : { note: `${show(a)} recorded, ${show(b)} rerun` }),
  };
}

/** JSON with sorted keys and typed arrays as arrays (for comparing parameters and steps). */
export function stableJson(v: unknown): string | undefined {
  return JSON.stringify(v, (_k, x) => {
    if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return Array.from(x as unknown as ArrayLike<number>);
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      const o: Record<string, unknown> = {};
      for (const key of Object.keys(x).sort()) o[key] = (x as Record<string, unknown>)[key];
      return o;
    }
    return x;
  });
}

/**
 * Compare a rerun with the recorded result, field by field. 'exact': every
 * numeric field bit for bit (what a replay on the same machine and thread
 * count must give). 'tolerance': arrays within REPLAY_TOLERANCES (relative
 * to the recorded field's largest value), the iteration count within
 * max(2, 2 %), labels on all but 0.1 % of the pixels; method, k, shape,
 * seed, parameters, steps and the input hash still exactly. The date and the
 * runtime versions are not compared.
 */
export function compareResults(recorded: AnalysisResult, rerun: AnalysisResult, mode: ReplayMode = 'exact'): ResultComparison {
  const T = REPLAY_TOLERANCES;
  const f32 = T.float32;
  const f64 = T.float64;
  const rows: (FieldDiff | null)[] = [];
  const a = recorded;
  const b = rerun;
  rows.push(compareScalar('method', a.method, b.method, mode));
  rows.push(compareScalar('k', a.k, b.k, mode));
  rows.push(compareScalar('width×height', `${a.width}×${a.height}`, `${b.width}×${b.height}`, mode));
  rows.push(compareArray('energies', a.energies, b.energies, mode, f64));
  rows.push(compareArray('weights', a.weights, b.weights, mode, f32));
  rows.push(compareArray('components', a.components, b.components, mode, f64));
  rows.push(compareArray('mean', a.mean, b.mean, mode, f64));
  rows.push(compareArray('explainedVariance', a.explainedVariance, b.explainedVariance, mode, f64));
  rows.push(compareArray('explainedVarianceRatio', a.explainedVarianceRatio, b.explainedVarianceRatio, mode, f64));
  rows.push(compareScalar('iterations', a.iterations, b.iterations, mode, (x, y) => Math.abs(x - y) <= Math.max(2, T.iterationsShare * Math.abs(x))));
  rows.push(compareScalar('converged', a.converged, b.converged, mode));
  rows.push(compareArray('lossHistory', a.lossHistory, b.lossHistory, mode, f64));
  rows.push(compareScalar('parameters', a.parameters, b.parameters, mode));
  rows.push(compareScalar('warnings', a.warnings, b.warnings, mode));
  rows.push(compareScalar('provenance.seed', a.provenance.seed, b.provenance.seed, mode));
  rows.push(compareScalar('provenance.inputSha256', a.provenance.inputSha256, b.provenance.inputSha256, mode));
  rows.push(compareScalar('provenance.steps', a.provenance.steps, b.provenance.steps, mode));
  if (a.references || b.references) {
    rows.push(compareScalar('references.names', a.references?.spectra.map((s) => s.name), b.references?.spectra.map((s) => s.name), mode));
    rows.push(compareArray('references.pearson', a.references?.pearson, b.references?.pearson, mode, f64));
    const na = a.references?.spectra.length ?? 0;
    for (let i = 0; i < na; i++) {
      rows.push(compareArray(`references[${i}].values`, a.references?.spectra[i]?.values, b.references?.spectra[i]?.values, mode, f64));
    }
  }
  if (a.embedding || b.embedding) {
    rows.push(compareScalar('embedding.method', a.embedding?.method, b.embedding?.method, mode));
    rows.push(compareArray('embedding.coords', a.embedding?.coords, b.embedding?.coords, mode, f64));
    rows.push(compareArray('embedding.progress', a.embedding?.progress, b.embedding?.progress, mode, f32));
    const ns = a.embedding?.standards?.length ?? 0;
    for (let i = 0; i < ns; i++) {
      rows.push(compareArray(`embedding.standards[${i}]`, a.embedding?.standards?.[i]?.coords, b.embedding?.standards?.[i]?.coords, mode, f64));
    }
  }
  if (a.labels || b.labels) {
    const d = compareArray('labels', a.labels, b.labels, mode, null);
    if (d && d.status === 'different' && mode === 'tolerance' && !d.note && d.differing <= T.labelsShare * d.size) d.status = 'within tolerance';
    if (d) d.tolerance = T.labelsShare;
    rows.push(d);
  }
  if (a.measured || b.measured) {
    rows.push(compareScalar('measured.shape', a.measured && [a.measured.width, a.measured.height, a.measured.binning], b.measured && [b.measured.width, b.measured.height, b.measured.binning], mode));
    rows.push(compareArray('measured.data', a.measured?.data, b.measured?.data, mode, f32));
  }
  const fields = rows.filter((r): r is FieldDiff => r !== null);
  const identical = fields.every((f) => f.status === 'identical');
  const ok = fields.every((f) => f.status !== 'different');
  return { mode, identical, ok, fields };
}

function fmt(x: number): string {
  if (Number.isNaN(x)) return '-';
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  return x.toExponential(2);
}

/**
 * The comparison as text: a table of the fields that are not identical (all
 * fields when `all`), or a note that every field is.
 */
export function formatComparison(c: ResultComparison, options: { all?: boolean } = {}): string {
  const shown = options.all ? c.fields : c.fields.filter((f) => f.status !== 'identical');
  if (shown.length === 0) return `all ${c.fields.length} fields identical bit for bit: ${c.fields.map((f) => f.field).join(', ')}`;
  const header = ['field', 'values', 'differing', 'max |diff|', 'max rel', 'tolerance', 'status'];
  const body = shown.map((f) => [
    f.field,
    String(f.size),
    String(f.differing),
    fmt(f.maxAbsDiff),
    fmt(f.maxRelDiff),
    c.mode === 'exact' ? 'bitwise' : f.tolerance === null ? 'exact' : fmt(f.tolerance),
    f.status + (f.note ? ` (${f.note})` : ''),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((s, i) => (i === r.length - 1 ? s : s.padEnd(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
