/**
 * saveResult / exportFigure: the outputs of `specmap analyze` from a notebook.
 *
 * saveResult(result, dir) writes what the CLI writes — result.arrow,
 * components.csv, weights.npy, figure.png, report.html, summary.json — and
 * the summary's `replay` section holds what `specmap replay DIR/summary.json`
 * needs to redo the run: the input (path and sha256), the recorded
 * preprocessing steps (re-applied by name), the files those steps name (with
 * their sha256), the analyze() options, and the machine it ran on. A stack
 * with no input file (synthetic, built in memory) is written beside the
 * summary as input.npy (with its sha256) and replay reads that instead.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { getMethod, SpecmapError, SPECMAP_VERSION, type AnalysisResult, type SpectralStack } from '@specmap/core';
import { encodeResult } from '@specmap/arrow';
import { renderResultPng, renderResultPngDpi, renderResultSvg } from '@specmap/png';
import { sha256File, writeComponentsCsv, writeNpy } from '@specmap/io';

/** Where the run happened; replay is bit for bit only on the same machine and thread count. */
export interface MachineInfo {
  platform: string;
  arch: string;
  cpuModel: string;
  cpus: number;
  node: string;
  /** SPECMAP_THREADS as set for the run (null = default: the number of CPUs). */
  threads: string | null;
}

/** This machine, as recorded by saveResult and compared by `specmap replay`. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    node: process.versions.node,
    threads: process.env.SPECMAP_THREADS ?? null,
  };
}

/** A file a preprocessing step names, as recorded for replay. */
export interface ReplayFile {
  /** The name the step records (e.g. the I0's base name 'i0.xsp'). */
  name: string;
  /** The step parameter it belongs to (e.g. 'i0'). */
  role: string;
  /** Absolute path at save time (null when it could not be found). */
  path: string | null;
  sha256: string | null;
}

export interface SaveOptions {
  /** The (preprocessed) stack the result came from: its source, sha256 and steps fill gaps in the result's provenance. */
  stack?: SpectralStack;
  /**
   * The options given to analyze() (method, components, seed, method options,
   * references). __Default:__ derived from the result (method, k, seed, and
   * the method's options found in result.parameters).
   */
  options?: Record<string, unknown>;
  /** Options given to readStack (e.g. {energies} for a .npy cube), recorded for replay. */
  readOptions?: Record<string, unknown>;
  /**
   * Paths of the files the steps name, by recorded name (e.g. {'i0.xsp':
   * '../data/i0.xsp'}). __Default:__ a file of that name beside the input.
   */
  files?: Record<string, string>;
  /** Title of report.html. */
  title?: string;
  /**
   * For a stack that has no input file (synthetic, built in memory): the stack
   * as it was before the recorded steps. It is written beside summary.json as
   * input.npy (its energies, mask and metadata in the summary) so that
   * `specmap replay` can read it and re-apply the steps. __Default:__ `stack`
   * itself when no steps are recorded.
   */
  input?: SpectralStack;
}

/** The in-memory input written as input.npy, as recorded for replay. */
export interface ReplayInputCopy {
  /** File name beside summary.json. */
  file: string;
  sha256: string;
  energies: number[];
  /** The pixel mask (base64 of one byte per pixel), or null. */
  mask: string | null;
  /** The stack's metadata that analyze() reads (source, sha256, quantity, warnings, ...). */
  metadata: Record<string, unknown>;
}

export interface SavedRun {
  dir: string;
  outputs: string[];
  summary: Record<string, unknown>;
}

/** Step parameters that name a file, by step name. */
const FILE_PARAMETERS: Record<string, string[]> = {
  'optical-density': ['i0'],
  mask: ['source'],
  'align-energy': ['reference'],
};

/** The metadata entries of an in-memory stack worth keeping for replay: scalars and the warnings. */
function keptMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(metadata)) {
    if (key === 'steps') continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = v;
    else if (key === 'warnings' && Array.isArray(v)) out[key] = v.map(String);
  }
  return out;
}

function plain(v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** analyze() options of a result when the caller did not give them. */
function derivedOptions(result: AnalysisResult): Record<string, unknown> {
  const o: Record<string, unknown> = { method: result.method, components: result.k };
  if (result.provenance.seed !== null && result.provenance.seed !== undefined) o.seed = result.provenance.seed;
  let names: string[] = [];
  try {
    names = getMethod(result.method).options;
  } catch {
    names = [];
  }
  // The references as the result holds them (on its energies: re-interpolation onto the same grid is an exact copy).
  if (result.references && result.references.spectra.length > 0) {
    o.references = result.references.spectra.map((s) => ({ name: s.name, energies: result.energies, values: s.values }));
  }
  for (const key of names) {
    if (key === 'components' || key === 'seed' || key === 'references') continue;
    const v = result.parameters[key];
    if (v !== null && v !== undefined && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')) o[key] = v;
  }
  return o;
}

/**
 * Write the outputs of `specmap analyze` for a result computed in a notebook
 * into `dir` (created if missing): result.arrow, components.csv,
 * weights.npy, figure.png, report.html (when @specmap/widget is built) and
 * summary.json, whose `replay` section lets `specmap replay
 * DIR/summary.json` rerun it and check it is identical.
 */
export function saveResult(result: AnalysisResult, dir: string, options: SaveOptions = {}): SavedRun {
  const stack = options.stack;
  const inputRaw = result.provenance.input ?? (typeof stack?.metadata.source === 'string' ? stack.metadata.source : undefined);
  const sha = result.provenance.inputSha256 || (typeof stack?.metadata.sha256 === 'string' ? stack.metadata.sha256 : '');
  let input = inputRaw ? path.resolve(inputRaw) : null;
  const steps = result.provenance.steps.length > 0 || !stack ? result.provenance.steps : (stack.metadata.steps ?? []);
  // No input file (synthetic or built in memory): the stack before its steps goes beside the summary.
  const inMemory = !input || !fs.existsSync(input) || !fs.statSync(input).isFile() ? (options.input ?? (stack && steps.length === 0 ? stack : undefined)) : undefined;
  if (inMemory) input = null;

  const files: ReplayFile[] = [];
  for (const step of steps) {
    for (const role of FILE_PARAMETERS[step.name] ?? []) {
      const name = step.parameters[role];
      if (typeof name !== 'string' || files.some((f) => f.name === name && f.role === role)) continue;
      const given = options.files?.[name];
      const candidate = given ? path.resolve(given) : input ? path.join(path.dirname(input), name) : null;
      if (given && !fs.existsSync(candidate!)) throw new SpecmapError('ENOENT', `saveResult: file not found: ${given} (given for step ${step.name}, ${role} = ${name})`);
      const found = candidate && fs.existsSync(candidate) ? candidate : null;
      files.push({ name, role, path: found, sha256: found ? sha256File(found) : null });
    }
  }
  const analyzeOptions = plain(options.options ? { method: result.method, ...options.options } : derivedOptions(result)) as Record<string, unknown>;
  delete analyzeOptions.input;
  delete analyzeOptions.versions;

  fs.mkdirSync(dir, { recursive: true });
  const payload = encodeResult(result);
  fs.writeFileSync(path.join(dir, 'result.arrow'), payload);
  writeComponentsCsv(path.join(dir, 'components.csv'), result.energies, result.components, result.k);
  writeNpy(path.join(dir, 'weights.npy'), result.weights, [result.height, result.width, result.k]);
  fs.writeFileSync(path.join(dir, 'figure.png'), renderResultPng(result));
  const outputs = ['result.arrow', 'components.csv', 'weights.npy', 'figure.png'];
  let inputCopy: ReplayInputCopy | null = null;
  if (inMemory) {
    const file = path.join(dir, 'input.npy');
    writeNpy(file, inMemory.data, [inMemory.height, inMemory.width, inMemory.energies.length]);
    inputCopy = {
      file: 'input.npy',
      sha256: sha256File(file),
      energies: Array.from(inMemory.energies),
      mask: inMemory.mask ? Buffer.from(inMemory.mask.buffer, inMemory.mask.byteOffset, inMemory.mask.byteLength).toString('base64') : null,
      metadata: keptMetadata(inMemory.metadata as Record<string, unknown>),
    };
    outputs.push('input.npy');
  }

  const summary: Record<string, unknown> = {
    specmap: SPECMAP_VERSION,
    command: null,
    savedBy: 'saveResult (@specmap/notebook)',
    input,
    method: result.method,
    parameters: result.parameters,
    shape: { width: result.width, height: result.height, channels: result.energies.length, components: result.k },
    energyRange: [result.energies[0], result.energies[result.energies.length - 1]],
    iterations: result.iterations,
    converged: result.converged,
    warnings: result.warnings,
    references: result.references
      ? result.references.spectra.map((ref, r) => ({
          name: ref.name,
          pearson: Array.from({ length: result.k }, (_, j) => result.references!.pearson[j * result.references!.spectra.length + r]),
        }))
      : [],
    measuredSpectra: result.measured ? { width: result.measured.width, height: result.measured.height, binning: result.measured.binning } : null,
    provenance: { ...result.provenance, inputSha256: sha, steps },
    replay: {
      kind: 'notebook',
      input,
      inputSha256: sha,
      inputCopy,
      readOptions: plain(options.readOptions ?? {}),
      steps,
      files,
      analyzeOptions,
      machine: machineInfo(),
    },
    outputs: [] as string[],
  };
  // report.html needs the built widget bundle (an optional runtime dependency here).
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const report = require('@specmap/widget/dist/report') as { buildReportHtml(p: Uint8Array, o: { title: string }): string };
    const title = options.title ?? `specmap ${result.method.toUpperCase()} k=${result.k}${input ? `: ${path.basename(input)}` : ''}`;
    fs.writeFileSync(path.join(dir, 'report.html'), report.buildReportHtml(payload, { title }));
    outputs.push('report.html');
  } catch {
    // widget not built: no report.html
  }
  outputs.push('summary.json');
  summary.outputs = outputs;
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return { dir, outputs, summary };
}

export interface ExportFigureOptions {
  /** 'svg' or 'png'. __Default:__ from the file's extension. */
  format?: 'svg' | 'png';
  /** PNG resolution (dots per inch, recorded in the pHYs chunk). __Default:__ 300. */
  dpi?: number;
}

export interface ExportedFigure {
  file: string;
  format: 'svg' | 'png';
  bytes: number;
  dpi: number | null;
}

/** The figure of a result as SVG text or PNG bytes (see renderResultSvg, renderResultPngDpi). */
export function figureBytes(result: AnalysisResult, format: 'svg' | 'png', dpi = 300): Uint8Array {
  if (format === 'svg') return new TextEncoder().encode(renderResultSvg(result));
  if (format === 'png') return renderResultPngDpi(result, dpi);
  throw new SpecmapError('ARG', `figure format must be svg or png, got "${String(format)}"`);
}

/**
 * Write the static figure of a result for a paper: SVG (maps as embedded
 * images, spectra as vector paths, text as text) or PNG at `dpi`.
 */
export function exportFigure(result: AnalysisResult, file: string, options: ExportFigureOptions = {}): ExportedFigure {
  const ext = path.extname(file).toLowerCase().slice(1);
  const format = options.format ?? (ext === 'svg' || ext === 'png' ? ext : undefined);
  if (format !== 'svg' && format !== 'png') {
    throw new SpecmapError('ARG', `exportFigure: give format 'svg' or 'png' (or a file ending in .svg/.png), got ${options.format ? `"${options.format}"` : `"${file}"`}`);
  }
  const dpi = format === 'png' ? options.dpi ?? 300 : null;
  const bytes = figureBytes(result, format, dpi ?? undefined);
  const parent = path.dirname(file);
  if (parent) fs.mkdirSync(parent, { recursive: true });
  fs.writeFileSync(file, bytes);
  return { file, format, bytes: bytes.length, dpi };
}
