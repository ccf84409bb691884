import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  analyze,
  SpecmapError,
  SPECMAP_VERSION,
  DEFAULT_SPECTRA_BUDGET_BYTES,
  getMethod,
  listMethods,
  matchComponents,
  type AnalysisResult,
  type MethodSpec,
  type ReferenceInput,
  type SpectralStack,
} from '@specmap/core';
import { writeComponentsCsv, writeNpy } from '@specmap/io';
import { encodeResultChunks, SPECMAP_MIME } from '@specmap/arrow';
import { renderResultPng } from '@specmap/png';
import { writeReportHtml } from '@specmap/widget/dist/report';
import { formatFlags, numberFlag, parseArgs, stringFlag, type FlagSpec } from '../args';
import { summaryHtml } from '../summary-html';
import { INPUT_FLAGS, OUT_OF_CORE_FLAGS, readInput, streamedInput } from '../flags/input';
import { METHOD_FLAGS, methodOptions } from '../flags/method';
import { PREPROCESS_FLAGS, preparePreprocessing } from '../flags/preprocess';
import { REFERENCE_FLAGS, readReferences } from '../flags/references';
import { undoPoissonScaling } from '../post/poisson';

export const ANALYZE_FLAGS: FlagSpec[] = [
  { name: 'method', kind: 'value', valueName: 'NAME', help: `decomposition method: ${listMethods().map((m) => m.name).join(', ')}`, default: 'nmf' },
  { name: 'components', kind: 'value', valueName: 'K', help: 'number of components, 1 ≤ K ≤ min(pixels, channels)' },
  { name: 'out', kind: 'value', valueName: 'DIR', help: 'output folder (created if missing)' },
  ...INPUT_FLAGS,
  ...OUT_OF_CORE_FLAGS,
  ...PREPROCESS_FLAGS,
  ...REFERENCE_FLAGS,
  ...METHOD_FLAGS.map((f) => f.spec),
  { name: 'spectra-budget', kind: 'value', valueName: 'MB', help: 'size budget of the measured spectra embedded in result.arrow/report.html (above it they are spatially binned; 0 = none)', default: '16' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

export const ANALYZE_USAGE = `usage: specmap analyze <input.hdr|input.npy> --components K --out DIR [options]

Decompose a spectral image into K components and write:
  result.arrow     the full result (Arrow IPC, MIME ${SPECMAP_MIME})
  components.csv   energy,c0,…,c{K-1}
  weights.npy      float32 weight maps, shape H×W×K (rows = y)
  summary.json     parameters, iterations, convergence, warnings, timings, provenance
  figure.png       static figure of the maps and spectra
  report.html      standalone interactive report (opens offline)

options:
${formatFlags(ANALYZE_FLAGS)}`;

/** What one `specmap analyze` run produced, for callers and tests. */
export interface AnalyzeRun {
  result: AnalysisResult;
  summary: Record<string, unknown>;
  outDir: string;
}


export function runAnalyze(argv: string[]): AnalyzeRun {
  const t0 = performance.now();
  const args = parseArgs(argv, ANALYZE_FLAGS);
  if (args.positionals.length !== 1) {
    throw new SpecmapError(
      'USAGE',
      args.positionals.length === 0 ? 'missing input file (try: specmap analyze --help)' : `expected one input file, got ${args.positionals.length}: ${args.positionals.join(' ')}`,
    );
  }
  const input = args.positionals[0];
  const methodName = stringFlag(args, 'method') ?? 'nmf';
  let spec: MethodSpec;
  try {
    spec = getMethod(methodName);
  } catch {
    throw new SpecmapError('USAGE', `--method must be one of ${listMethods().map((m) => m.name).join(', ')}; got "${methodName}"`);
  }
  const method = spec.name;
  const givenComponents = numberFlag(args, 'components', { integer: true });
  const fromReferences = spec.componentsFrom === 'references' && givenComponents === undefined;
  if (givenComponents === undefined && !fromReferences) throw new SpecmapError('USAGE', '--components K is required');
  let components = givenComponents ?? 1;
  if (components < 1) throw new SpecmapError('K_RANGE', `--components must be ≥ 1, got ${components}`);
  const outDir = stringFlag(args, 'out');
  if (!outDir) throw new SpecmapError('USAGE', '--out DIR is required');
  const budgetMb = numberFlag(args, 'spectra-budget', { min: 0 }) ?? DEFAULT_SPECTRA_BUDGET_BYTES / 2 ** 20;
  const { options, ignored } = methodOptions(args, spec.options);

  // Read everything first, so a bad reference or I0 file fails before a long fit.
  // Out of core (--out-of-core, or a cube above --memory-limit): the cube stays in its file (flags/input.ts).
  const streamed = streamedInput(input, args, method, options);
  const stack = streamed ? streamed.stack : readInput(input, args);
  const preprocess = preparePreprocessing(args);
  const references = readReferences(args);
  if (fromReferences) {
    if (references.length === 0) throw new SpecmapError('USAGE', `--method ${spec.name} needs --references (one component per reference spectrum)`);
    components = references.length;
  }
  const tRead = performance.now();

  // A check-only preprocessing is the validateStack that analyze() runs first (same
  // error, nothing written before it): not run twice (a 64 MB cube: ~20 ms each).
  if (!streamed && !preprocess.checkOnly) preprocess(stack);
  const tPre = performance.now();

  return analyzeAndWrite(stack, {
    method,
    components,
    options,
    ignored,
    references,
    input,
    budgetMb,
    outDir,
    command: ['specmap', 'analyze', ...argv],
    times: { t0, tRead, tPre },
    analyze: streamed?.analyze,
  });
}

/** What analyzeAndWrite needs besides the preprocessed stack. */
export interface AnalyzeJob {
  method: string;
  components: number;
  /** Method options from the flags (methodOptions) and the flags the method ignores. */
  options: Record<string, unknown>;
  ignored: string[];
  references: ReferenceInput[];
  input: string;
  budgetMb: number;
  outDir: string;
  /** The command line recorded in summary.json. */
  command: string[];
  /** performance.now() at the start, after reading and after preprocessing (for the timings). */
  times: { t0: number; tRead: number; tPre: number };
  /** Replaces core's analyze() (out of core: analyzeStream on a streamed stack). */
  analyze?: typeof analyze;
}

/**
 * Decompose an already read and preprocessed stack and write every output of
 * `specmap analyze` into job.outDir (runAnalyze and `specmap scan` use it).
 * The stack is not modified.
 */
export function analyzeAndWrite(stack: SpectralStack, job: AnalyzeJob): AnalyzeRun {
  const { method, components, options, ignored, references, input, budgetMb, outDir } = job;
  const { t0, tRead, tPre } = job.times;
  const result = (job.analyze ?? analyze)(stack, {
    ...options,
    method,
    components,
    references,
    input,
    spectraBudgetBytes: budgetMb * 2 ** 20,
  });
  undoPoissonScaling(result, stack);
  const tFit = performance.now();

  fs.mkdirSync(outDir, { recursive: true });
  // The figure first: its scratch memory is garbage before the payload (and the measured spectra in it) is encoded.
  fs.writeFileSync(path.join(outDir, 'figure.png'), renderResultPng(result));
  // The payload once, as encodeResultChunks' views of the result's arrays (no concatenated copy):
  // written to result.arrow here and base64-streamed into report.html below.
  const payload = encodeResultChunks(result);
  writeChunks(path.join(outDir, 'result.arrow'), payload);
  writeComponentsCsv(path.join(outDir, 'components.csv'), result.energies, result.components, result.k);
  writeNpy(path.join(outDir, 'weights.npy'), result.weights, [result.height, result.width, result.k]);
  const mapFiles = writeExtraMaps(outDir, result);
  const title = `specmap ${result.method.toUpperCase()} k=${result.k}: ${path.basename(input)}`;
  const tWrite = performance.now();

  const summary: Record<string, unknown> = {
    specmap: SPECMAP_VERSION,
    command: job.command,
    input: path.resolve(input),
    method: result.method,
    parameters: result.parameters,
    shape: { width: result.width, height: result.height, channels: result.energies.length, components: result.k },
    energyRange: [result.energies[0], result.energies[result.energies.length - 1]],
    iterations: result.iterations,
    converged: result.converged,
    warnings: result.warnings,
    ignoredFlags: ignored,
    ...(result.mean
      ? {
          mean: Array.from(result.mean ?? []),
          explainedVariance: Array.from(result.explainedVariance ?? []),
          explainedVarianceRatio: Array.from(result.explainedVarianceRatio ?? []),
        }
      : {}),
    references: result.references
      ? result.references.spectra.map((ref, r) => ({
          name: ref.name,
          pearson: Array.from({ length: result.k }, (_, j) => result.references!.pearson[j * result.references!.spectra.length + r]),
        }))
      : [],
    matching: matchingTable(result),
    maps: mapFiles,
    ...methodSummary(result),
    measuredSpectra: result.measured
      ? { width: result.measured.width, height: result.measured.height, binning: result.measured.binning }
      : null,
    provenance: result.provenance,
    machine: {
      platform: process.platform,
      arch: process.arch,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      cpus: os.cpus().length,
      node: process.versions.node,
      threads: process.env.SPECMAP_THREADS ?? null,
    },
    outputs: ['result.arrow', 'components.csv', 'weights.npy', ...mapFiles.map((mp) => mp.file), 'figure.png', 'report.html', 'summary.json'],
    timings: {} as Record<string, number>,
  };
  // Streamed: the page (base64 of the payload, ~4/3 of it) is never held in memory as one string.
  // The payload chunks view the result's arrays, which nothing above has changed since they were encoded.
  writeReportHtml(path.join(outDir, 'report.html'), payload, { title, summaryHtml: summaryHtml(summary) });
  const tEnd = performance.now();
  summary.timings = {
    readSeconds: round((tRead - t0) / 1000),
    preprocessSeconds: round((tPre - tRead) / 1000),
    decomposeSeconds: round((tFit - tPre) / 1000),
    writeSeconds: round((tEnd - tWrite + (tWrite - tFit)) / 1000),
    totalSeconds: round((tEnd - t0) / 1000),
  };
  fs.writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return { result, summary, outDir };
}

/** Write `chunks` one after the other into `file` (created or truncated). */
function writeChunks(file: string, chunks: readonly Uint8Array[]): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) off += fs.writeSync(fd, c, off, c.length - off);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Output names an extra map may not take. */
const RESERVED_MAP_NAMES = new Set(['result', 'components', 'weights', 'summary', 'figure', 'report', 'input']);

/** Write each extra map of the result as DIR/<name>.npy (float32, H×W) and describe it for summary.json. */
function writeExtraMaps(outDir: string, result: AnalysisResult): { name: string; file: string; unit: string; min: number | null; max: number | null; mean: number | null; finite: number }[] {
  return (result.extraMaps ?? []).map((mp) => {
    if (RESERVED_MAP_NAMES.has(mp.name)) throw new SpecmapError('INTERNAL', `extra map "${mp.name}" would overwrite an output of the same name`);
    const file = `${mp.name}.npy`;
    writeNpy(path.join(outDir, file), mp.data, [result.height, result.width]);
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let finite = 0;
    for (const v of mp.data) {
      if (!Number.isFinite(v)) continue;
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      finite++;
    }
    return { name: mp.name, file, unit: mp.unit ?? '', min: finite ? min : null, max: finite ? max : null, mean: finite ? sum / finite : null, finite };
  });
}

/**
 * Method-specific blocks of summary.json: `embedding` (lle, mlle, mw-nmf:
 * the references' projected coordinates, the orientation rule, the progress
 * histogram) and `lcf` (references, fraction histograms, R-factor statistics).
 */
function methodSummary(result: AnalysisResult): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const p = result.parameters;
  if (result.embedding) {
    const emb = result.embedding;
    const inner = (p.embeddingParameters ?? {}) as Record<string, unknown>;
    const orientation = p.orientation ?? inner.orientation ?? inner.note ?? null;
    const progressRefs = p.progressStandards ?? inner.progressStandards;
    out.embedding = {
      method: result.method,
      coordinates: emb.method,
      d: emb.d,
      orientationRule: orientation,
      references: (emb.standards ?? []).map((s) => ({ name: s.name, coords: Array.from(s.coords) })),
      ...(emb.progress && p.progressHistogram ? { progressReferences: progressRefs ?? null, progressHistogram: p.progressHistogram } : {}),
    };
  }
  if (result.method === 'lcf') {
    const hist = (p.histograms ?? {}) as { edges?: number[]; counts?: Record<string, number[]> };
    out.lcf = {
      references: p.references,
      weights: 'fractions (w_j / sum w), in the order of --references',
      fractionHistograms: hist,
      rfactor: p.rfactor,
      ...(p.constantOffset ? { constantOffset: p.constantOffset } : {}),
    };
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * The component ↔ reference matching table of summary.json: for each
 * component, every reference ranked by Pearson r (and cosine), and the optimal
 * one-to-one assignment (Hungarian, maximising r; |r| for methods whose sign
 * is arbitrary: PCA, ICA, LLE). Null without references.
 */
function matchingTable(result: AnalysisResult): Record<string, unknown> | null {
  if (!result.references || result.references.spectra.length === 0) return null;
  const absolute = ['pca', 'ica', 'lle', 'mlle'].includes(result.method);
  const table = matchComponents(result.components, result.k, result.references.spectra, result.energies.length, {
    metric: 'pearson',
    absolute,
  });
  return {
    metric: absolute ? '|pearson|' : 'pearson',
    rule: 'optimal one-to-one assignment (Hungarian) maximising the metric; rank 1 = best reference for that component',
    assigned: table.rows
      .filter((row) => row.assigned)
      .map((row) => ({ component: row.component, reference: row.name ?? row.reference, r: row.r, cosine: row.cosine })),
    ranked: table.rows.map((row) => ({
      component: row.component,
      reference: row.name ?? row.reference,
      rank: row.rank,
      r: row.r,
      cosine: row.cosine,
      assigned: row.assigned,
    })),
  };
}
