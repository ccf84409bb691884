import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  analyze,
  compareResults,
  formatComparison,
  registerReplayStep,
  replaySteps,
  SpecmapError,
  type AnalysisResult,
  type FieldDiff,
  type PreprocessStep,
  type ReplayContext,
  type ReplayMode,
  type ResultComparison,
  type SpectralStack,
} from '@specmap/core';
import { readSpectrum, readStack, sha256File, type ReadStackOptions } from '@specmap/io';
import { decodeResult, encodeResult } from '@specmap/arrow';
import {
  alignEnergy,
  applyMask,
  binEnergy,
  binSpatial,
  cropEnergy,
  nanPolicy,
  normalizeStack,
  poissonScale,
  readMaskFile,
  registerFrames,
  subtractBackground,
  subtractModel,
  thresholdMask,
  type NormalizeMode,
  type Window,
} from '@specmap/preprocess';
import { formatFlags, parseArgs, stringFlag, type FlagSpec } from '../args';
import { ANALYZE_FLAGS, runAnalyze } from './analyze';
import { readInput, prepareInputs } from '../flags/input';

export const REPLAY_FLAGS: FlagSpec[] = [
  { name: 'exact', kind: 'boolean', help: 'require bit-for-bit identity even when the run was recorded on another machine' },
  { name: 'tolerance', kind: 'boolean', help: 'compare within the stated tolerances even on the same machine' },
  { name: 'keep', kind: 'value', valueName: 'DIR', help: 'write the rerun\'s outputs into DIR (default: a temporary folder, removed afterwards)' },
  { name: 'all', kind: 'boolean', help: 'list every compared field, not only those that differ' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

export const REPLAY_USAGE = `usage: specmap replay DIR/summary.json [options]

Rerun the analysis a summary.json describes and report whether the result is
identical. First checks the input's sha256 (a changed input is an error naming
the file and both hashes). CLI runs are rerun from the recorded command (in the
folder they were started from); runs saved from notebooks with saveResult()
are rerun by re-applying the recorded preprocessing steps by name and calling
analyze() with the recorded method and options. A stack built in memory (synthetic,
no input file) is read from the input.npy saveResult wrote beside summary.json
(its sha256 checked first).

Same machine (same platform, CPU, Node version and SPECMAP_THREADS as recorded;
CLI runs record only the Node version): weights, components and every numeric
field of result.arrow must be equal bit for bit (the date is ignored), and
weights.npy and components.csv byte for byte. Another machine: arrays within
relative tolerances (max |diff| / max |recorded|): 1e-4 for float32 fields
(weights, measured spectra, progress), 1e-6 for float64 fields (components,
variances, loss history, Pearson r, embeddings); iterations within max(2, 2 %);
labels on all but 0.1 % of pixels; method, k, shape, seed, parameters, steps
and the input hash exactly.

Prints a one-line verdict and a table of the fields that differ. Exit status:
0 identical or within tolerance, 1 different (or an error).

options:
${formatFlags(REPLAY_FLAGS)}`;

// ---------------------------------------------------------------- step registry
// The preprocessing steps of @specmap/preprocess, re-applied from their
// recorded parameters ('optical-density' is registered by @specmap/core).

const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SpecmapError('REPLAY_STEP', `recorded parameter ${what} is not a number (${JSON.stringify(v)})`);
  return v;
};
const windowsOf = (v: unknown): Window[] | undefined => (Array.isArray(v) ? (v as number[][]).map((w) => [w[0], w[1]] as Window) : undefined);
const fileOf = (ctx: ReplayContext, name: unknown, role: string, step: string): string => {
  if (typeof name !== 'string') throw new SpecmapError('REPLAY_STEP', `step ${step} records no ${role} file name`);
  if (!ctx.resolveFile) throw new SpecmapError('REPLAY_FILE', `step ${step} needs the file "${name}" but no file resolver was given`);
  return ctx.resolveFile(name, role);
};

registerReplayStep('nan-policy', (s, p) => nanPolicy(s, p.policy === 'mask' ? 'mask' : 'error'));
registerReplayStep('mask', (s, p, ctx) => applyMask(s, readMaskFile(fileOf(ctx, p.source, 'source', 'mask')), String(p.source)));
registerReplayStep('crop', (s, p) => {
  const r = p.range as number[];
  return cropEnergy(s, num(r?.[0], 'crop.range[0]'), num(r?.[1], 'crop.range[1]'));
});
registerReplayStep('bin-energy', (s, p) => binEnergy(s, num(p.factor, 'bin-energy.factor')));
registerReplayStep('bin-spatial', (s, p) => binSpatial(s, num(p.factorX, 'bin-spatial.factorX'), num(p.factorY, 'bin-spatial.factorY')));
registerReplayStep('register-frames', (s, p) => {
  const estimateOnly = typeof p.apply === 'string' && p.apply.startsWith('none');
  return registerFrames(s, {
    reference: num(p.referenceChannel, 'register-frames.referenceChannel'),
    upsample: p.upsample as number | undefined,
    normalization: p.normalization as 'none' | 'phase' | undefined,
    apply: estimateOnly ? undefined : (p.apply as 'fourier' | 'bilinear' | undefined),
    estimateOnly,
  }).stack;
});
registerReplayStep('align-energy', (s, p, ctx) => {
  if (!ctx.readSpectrum || typeof p.reference !== 'string') throw new SpecmapError('REPLAY_FILE', 'step align-energy needs its reference spectrum file');
  const ref = ctx.readSpectrum(p.reference, 'reference');
  return alignEnergy(s, { ...ref, name: p.reference }, {
    method: p.method as 'xcorr' | undefined,
    maxShift: p.maxShift as number | undefined,
    perPixel: typeof p.mode === 'string' && p.mode.startsWith('per pixel'),
  });
});
registerReplayStep('mask-threshold', (s, p) => thresholdMask(s, String(p.rule)));
registerReplayStep('background', (s, p) => {
  switch (p.model) {
    case 'linear':
      return subtractBackground(s, p.mode === 'window fit' ? { model: 'linear', windows: windowsOf(p.windows) } : { model: 'linear', endpoints: p.endpoints as number | undefined });
    case 'shirley':
      return subtractBackground(s, { model: 'shirley', range: windowsOf([p.range])?.[0], average: p.average as number | undefined, tol: p.tol as number | undefined, maxIter: p.maxIter as number | undefined });
    case 'arctan':
    case 'l3l2':
      // The recorded edges and widths are the ones used (after any fit), so no refit.
      return subtractBackground(s, {
        model: p.model,
        edges: p.edges as number[],
        widths: p.widths as number[],
        ratios: p.ratios as number[] | undefined,
        windows: windowsOf(p.windows),
        noSlope: p.slope === false,
      });
    case 'custom':
      return subtractModel(s, String(p.expression), { initial: p.initial as Record<string, number>, windows: windowsOf(p.windows ?? undefined) });
    default:
      throw new SpecmapError('REPLAY_STEP', `background model ${JSON.stringify(p.model)} cannot be replayed`);
  }
});
registerReplayStep('normalize', (s, p) => normalizeStack(s, p.mode as NormalizeMode, (p.options as Record<string, unknown> | undefined) ?? {}));
registerReplayStep('poisson-scaling', (s) => poissonScale(s, { inPlace: true }).stack);

// ---------------------------------------------------------------- the command

/** What `specmap replay` found. */
export interface ReplayRun {
  kind: 'cli' | 'notebook';
  mode: ReplayMode;
  /** Why this mode (same machine, another machine, forced by a flag). */
  modeReason: string;
  comparison: ResultComparison;
  ok: boolean;
  verdict: string;
  table: string;
  /** Folder of the rerun's outputs when kept (--keep), else null. */
  outDir: string | null;
}

interface Summary {
  command?: unknown;
  input?: unknown;
  provenance?: { inputSha256?: string; input?: string; versions?: Record<string, string>; steps?: PreprocessStep[] };
  replay?: {
    kind?: string;
    input?: string | null;
    inputSha256?: string;
    /** A stack with no input file, written beside the summary by saveResult (input.npy). */
    inputCopy?: { file: string; sha256: string; energies: number[]; mask: string | null; metadata: Record<string, unknown> } | null;
    readOptions?: Record<string, unknown>;
    steps?: PreprocessStep[];
    files?: { name: string; role: string; path: string | null; sha256: string | null }[];
    analyzeOptions?: Record<string, unknown>;
    machine?: Record<string, unknown>;
  };
  /** The machine a CLI run was made on (platform, arch, CPU, node, SPECMAP_THREADS). */
  machine?: Record<string, unknown>;
}

/** The folder a CLI run was started from: the recorded absolute input minus the relative path given on the command line. */
function runFolder(commandInput: string, absInput: string): string | null {
  if (path.isAbsolute(commandInput)) return process.cwd();
  const rel = path.normalize(commandInput);
  // ../x: the run folder cannot be derived; accept the current folder when it fits.
  if (rel.startsWith('..')) return path.resolve(rel) === absInput ? process.cwd() : null;
  if (!absInput.endsWith(path.sep + rel)) return absInput === path.resolve(rel) ? process.cwd() : null;
  return absInput.slice(0, absInput.length - rel.length - 1) || path.sep;
}

function sameMachine(summary: Summary): { same: boolean; reason: string } {
  const m = summary.replay?.machine ?? summary.machine;
  if (m) {
    const now: Record<string, unknown> = {
      platform: process.platform,
      arch: process.arch,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      cpus: os.cpus().length,
      node: process.versions.node,
      threads: process.env.SPECMAP_THREADS ?? null,
    };
    const diff = Object.keys(now).filter((key) => key in m && m[key] !== now[key]);
    return diff.length === 0
      ? { same: true, reason: 'same machine and thread count' }
      : { same: false, reason: `another machine (${diff.map((key) => `${key} ${JSON.stringify(m[key])} → ${JSON.stringify(now[key])}`).join(', ')})` };
  }
  const node = summary.provenance?.versions?.node;
  if (node === undefined || node === process.versions.node) return { same: true, reason: `same Node ${process.versions.node} (CLI runs record no more about the machine)` };
  return { same: false, reason: `another runtime (node ${node} → ${process.versions.node})` };
}

function readManifest(file: string): { summaryPath: string; dir: string; summary: Summary } {
  let summaryPath = file;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) summaryPath = path.join(file, 'summary.json');
  let text: string;
  try {
    text = fs.readFileSync(summaryPath, 'utf8');
  } catch {
    throw new SpecmapError('ENOENT', `file not found: ${summaryPath}`);
  }
  let summary: Summary;
  try {
    summary = JSON.parse(text) as Summary;
  } catch (err) {
    throw new SpecmapError('REPLAY_MANIFEST', `${summaryPath} is not valid JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!summary || typeof summary !== 'object') throw new SpecmapError('REPLAY_MANIFEST', `${summaryPath} is not a specmap summary`);
  return { summaryPath, dir: path.dirname(summaryPath), summary };
}

function readRecorded(dir: string): AnalysisResult {
  const file = path.join(dir, 'result.arrow');
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    throw new SpecmapError('ENOENT', `file not found: ${file} (the recorded result to compare with)`);
  }
  return decodeResult(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

function checkSha(file: string, now: string, recorded: string, summaryPath: string, what = 'input'): void {
  if (recorded && now !== recorded) {
    throw new SpecmapError('REPLAY_INPUT', `${what} changed: ${file} has sha256 ${now} but ${summaryPath} recorded ${recorded}`);
  }
}

function fileRow(field: string, a: string, b: string, mode: ReplayMode): FieldDiff | null {
  if (!fs.existsSync(a) || !fs.existsSync(b)) return null;
  const x = fs.readFileSync(a);
  const y = fs.readFileSync(b);
  const same = x.equals(y);
  return {
    field,
    size: x.length,
    differing: same ? 0 : 1,
    maxAbsDiff: NaN,
    maxRelDiff: NaN,
    tolerance: null,
    // Another machine may print the last digit differently: the arrays above carry the tolerance check.
    status: same ? 'identical' : mode === 'tolerance' ? 'within tolerance' : 'different',
    ...(same ? {} : { note: `bytes differ (${x.length} recorded, ${y.length} rerun)` }),
  };
}

/** Run `specmap replay`; resolves to what was found (the caller prints it). */
export async function runReplay(argv: string[]): Promise<ReplayRun> {
  const args = parseArgs(argv, REPLAY_FLAGS);
  if (args.positionals.length !== 1) throw new SpecmapError('USAGE', args.positionals.length === 0 ? 'missing DIR/summary.json (try: specmap replay --help)' : `expected one summary.json, got ${args.positionals.length}`);
  if (args.flags.get('exact') === true && args.flags.get('tolerance') === true) throw new SpecmapError('USAGE', 'give either --exact or --tolerance, not both');
  const { summaryPath, dir, summary } = readManifest(args.positionals[0]);
  const recorded = readRecorded(dir);
  const recordedSha = summary.replay?.inputSha256 ?? summary.provenance?.inputSha256 ?? recorded.provenance.inputSha256;

  const machine = sameMachine(summary);
  let mode: ReplayMode = machine.same ? 'exact' : 'tolerance';
  let modeReason = machine.reason;
  if (args.flags.get('exact') === true) [mode, modeReason] = ['exact', `--exact (${machine.reason})`];
  if (args.flags.get('tolerance') === true) [mode, modeReason] = ['tolerance', `--tolerance (${machine.reason})`];

  const keep = stringFlag(args, 'keep');
  const outDir = keep ? path.resolve(keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-replay-'));
  let rerun: AnalysisResult;
  let kind: 'cli' | 'notebook';
  const extra: (FieldDiff | null)[] = [];
  try {
    if (summary.replay?.kind === 'notebook') {
      kind = 'notebook';
      rerun = replayNotebookRun(summary, summaryPath, recordedSha, recorded);
      if (keep) {
        fs.mkdirSync(outDir, { recursive: true });
        fs.writeFileSync(path.join(outDir, 'result.arrow'), encodeResult(rerun));
      }
    } else if (Array.isArray(summary.command) && summary.command[0] === 'specmap' && summary.command[1] === 'analyze') {
      kind = 'cli';
      rerun = await replayCliRun(summary.command.map(String), summary, summaryPath, recordedSha, outDir);
      extra.push(fileRow('weights.npy', path.join(dir, 'weights.npy'), path.join(outDir, 'weights.npy'), mode));
      extra.push(fileRow('components.csv', path.join(dir, 'components.csv'), path.join(outDir, 'components.csv'), mode));
    } else {
      throw new SpecmapError('REPLAY_MANIFEST', `${summaryPath} records neither a specmap analyze command nor a notebook run saved with saveResult()`);
    }
  } finally {
    if (!keep) fs.rmSync(outDir, { recursive: true, force: true });
  }

  const comparison = compareResults(recorded, rerun, mode);
  for (const row of extra) if (row) comparison.fields.push(row);
  comparison.identical = comparison.fields.every((f) => f.status === 'identical');
  comparison.ok = comparison.fields.every((f) => f.status !== 'different');
  const nDiff = comparison.fields.filter((f) => f.status === 'different').length;
  const nTol = comparison.fields.filter((f) => f.status === 'within tolerance').length;
  const what = `${recorded.method} k=${recorded.k} (${kind === 'cli' ? 'CLI run' : 'notebook run'}) from ${summaryPath}`;
  const verdict = comparison.identical
    ? `replay IDENTICAL: ${what}: all ${comparison.fields.length} fields equal bit for bit; ${modeReason}`
    : comparison.ok
      ? `replay WITHIN TOLERANCE: ${what}: ${nTol} of ${comparison.fields.length} fields differ within tolerance; ${modeReason}`
      : `replay DIFFERENT: ${what}: ${nDiff} of ${comparison.fields.length} fields differ (${mode === 'exact' ? 'bit-for-bit comparison' : 'beyond tolerance'}); ${modeReason}`;
  const table = formatComparison(comparison, { all: args.flags.get('all') === true });
  return { kind, mode, modeReason, comparison, ok: comparison.ok, verdict, table, outDir: keep ? outDir : null };
}

async function replayCliRun(command: string[], summary: Summary, summaryPath: string, recordedSha: string, outDir: string): Promise<AnalysisResult> {
  const argv = command.slice(2);
  const parsed = parseArgs(argv, ANALYZE_FLAGS);
  const commandInput = parsed.positionals[0];
  const absInput = typeof summary.input === 'string' ? summary.input : undefined;
  if (!commandInput || !absInput) throw new SpecmapError('REPLAY_MANIFEST', `${summaryPath}: the recorded command names no input file`);
  const cwd = runFolder(commandInput, absInput);
  if (!cwd) throw new SpecmapError('REPLAY_MANIFEST', `${summaryPath}: cannot tell which folder the run was started from (input ${commandInput} → ${absInput}); run specmap replay from that folder`);
  // Replace --out by the rerun folder.
  const rerunArgv: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') {
      i++;
      continue;
    }
    if (argv[i].startsWith('--out=')) continue;
    rerunArgv.push(argv[i]);
  }
  rerunArgv.push('--out', outDir);
  const back = process.cwd();
  process.chdir(cwd);
  try {
    if (!fs.existsSync(commandInput)) throw new SpecmapError('ENOENT', `input file not found: ${absInput} (recorded in ${summaryPath})`);
    await prepareInputs(argv);
    // The input's hash first: a changed input is an error, not a "different" result.
    const stack = readInput(commandInput, parsed);
    checkSha(absInput, String(stack.metadata.sha256 ?? ''), recordedSha, summaryPath);
    runAnalyze(rerunArgv);
  } finally {
    process.chdir(back);
  }
  return readRecorded(outDir);
}

function replayNotebookRun(summary: Summary, summaryPath: string, recordedSha: string, recorded: AnalysisResult): AnalysisResult {
  const r = summary.replay!;
  const copy = r.inputCopy ?? null;
  const input = copy ? path.join(path.dirname(summaryPath), copy.file) : r.input ?? (typeof summary.input === 'string' ? summary.input : null);
  if (!input) throw new SpecmapError('REPLAY_MANIFEST', `${summaryPath}: the saved run records no input file (pass the stack read with readStack, a result whose provenance has the input, or for a stack built in memory with recorded steps saveResult(..., {input: the stack before them}))`);
  if (!fs.existsSync(input)) throw new SpecmapError('ENOENT', `input file not found: ${input} (recorded in ${summaryPath})`);
  const files = r.files ?? [];
  for (const f of files) {
    if (!f.path) continue;
    if (!fs.existsSync(f.path)) throw new SpecmapError('ENOENT', `file not found: ${f.path} (${f.role} = ${f.name}, recorded in ${summaryPath})`);
  }
  let stack: SpectralStack;
  if (copy) {
    // The in-memory input saved beside the summary: its hash, then its energies, mask and metadata as recorded.
    checkSha(input, sha256File(input), copy.sha256, summaryPath, 'saved input');
    stack = readStack(input, { energies: Float64Array.from(copy.energies) });
    stack.metadata = { ...copy.metadata, steps: [] };
    if (copy.mask) stack.mask = new Uint8Array(Buffer.from(copy.mask, 'base64'));
  } else {
    const readOptions = { ...(r.readOptions ?? {}) } as Record<string, unknown>;
    if (Array.isArray(readOptions.energies)) readOptions.energies = Float64Array.from(readOptions.energies as number[]);
    stack = readStack(input, readOptions as ReadStackOptions);
    checkSha(input, String(stack.metadata.sha256 ?? ''), recordedSha, summaryPath);
  }
  for (const f of files) if (f.path && f.sha256) checkSha(f.path, sha256File(f.path), f.sha256, summaryPath, `${f.role} file`);
  const find = (name: string, role: string): string => {
    const f = files.find((x) => x.name === name && x.role === role) ?? files.find((x) => x.name === name);
    if (!f || !f.path) throw new SpecmapError('REPLAY_FILE', `${summaryPath}: the file ${name} (${role}) was not found when the run was saved; pass saveResult(..., {files: {'${name}': PATH}})`);
    return f.path;
  };
  const ctx: ReplayContext = {
    readSpectrum: (name, role) => readSpectrum(find(name, role)),
    resolveFile: find,
  };
  const steps = r.steps ?? summary.provenance?.steps ?? [];
  const prepared = replaySteps(stack, steps, ctx);
  const options = { ...(r.analyzeOptions ?? {}) } as Record<string, unknown>;
  if (typeof options.method !== 'string') options.method = recorded.method;
  if (typeof options.components !== 'number') options.components = recorded.k;
  return analyze(prepared, { ...options, method: options.method as string, components: options.components as number, input: recorded.provenance.input });
}
