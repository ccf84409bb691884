import './register-methods';
import { SpecmapError, SPECMAP_VERSION } from '@specmap/core';
import { prepareInputs } from './flags/input';

// Each command's module is loaded when the command runs or shows its usage, so
// one command does not load the others (and what only they import): ~12 ms of
// `specmap analyze`'s start-up.
const analyzeCommand = () => require('./commands/analyze') as typeof import('./commands/analyze');
const convertCommand = () => require('./commands/convert') as typeof import('./commands/convert');
const rsfCommand = () => require('./commands/rsf') as typeof import('./commands/rsf');
const scanCommand = () => require('./commands/scan') as typeof import('./commands/scan');
const replayCommand = () => require('./commands/replay') as typeof import('./commands/replay');
const figureCommand = () => require('./commands/figure') as typeof import('./commands/figure');

/**
 * A CLI command. `run` returns the exit code; errors it throws become one
 * line on stderr. To add a command, add one entry to COMMANDS.
 */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): number | Promise<number>;
}

export const COMMANDS: Command[] = [
  {
    name: 'analyze',
    summary: 'decompose a stack and write maps, spectra, summary and an interactive report',
    get usage() {
      return analyzeCommand().ANALYZE_USAGE;
    },
    run: (argv) => {
      const run = analyzeCommand().runAnalyze(argv);
      const s = run.summary as { iterations: number; converged: boolean; warnings: string[]; timings: { totalSeconds: number } };
      process.stdout.write(
        `specmap: ${run.result.method} k=${run.result.k} on ${run.result.width}×${run.result.height}×${run.result.energies.length}: ` +
          `${s.iterations} iterations, ${s.converged ? 'converged' : 'not converged'}, ${s.timings.totalSeconds} s → ${run.outDir}\n`,
      );
      for (const w of s.warnings) process.stderr.write(`specmap: warning: ${w}\n`);
      return 0;
    },
  },
  {
    name: 'convert',
    summary: 'write a stack (any readable format) as .npy, NeXus HDF5 or a float32 TIFF stack',
    get usage() {
      return convertCommand().CONVERT_USAGE;
    },
    run: (argv) => {
      const run = convertCommand().runConvert(argv);
      const s = run.stack;
      process.stdout.write(`specmap: ${s.height}×${s.width}×${s.energies.length} (${s.metadata.format}) → ${run.written.join(', ')}\n`);
      for (const w of (s.metadata.warnings as string[] | undefined) ?? []) process.stderr.write(`specmap: warning: ${w}\n`);
      return 0;
    },
  },
  {
    name: 'rsf',
    summary: 'radial structure function |chi(R)| of a spectrum or of a region of a stack (autobk + FT)',
    get usage() {
      return rsfCommand().RSF_USAGE;
    },
    run: (argv) => {
      const run = rsfCommand().runRsf(argv);
      const peak = run.summary.firstShellPeak as { rAngstrom: number } | null;
      process.stdout.write(`specmap: rsf${peak ? `, first-shell peak at R = ${peak.rAngstrom.toFixed(4)} Å (no phase correction)` : ''} → ${run.outDir}\n`);
      for (const w of run.summary.warnings as string[]) process.stderr.write(`specmap: warning: ${w}\n`);
      return 0;
    },
  },
  {
    name: 'scan',
    summary: 'run a method for several K (and ω, seeds), compare the runs (MSE, map overlap, coverage, r against references, scree, stability) and pick one',
    get usage() {
      return scanCommand().SCAN_USAGE;
    },
    run: (argv) => {
      const scan = scanCommand().runScan(argv);
      process.stdout.write(`specmap: scan ${scan.method}, ${scan.rows.length} runs → ${scan.outDir}/scan.csv\n`);
      for (const note of scan.notes) process.stdout.write(`specmap: ${note}\n`);
      for (const r of scan.rows.filter((row) => row.chosen)) process.stdout.write(`specmap: chosen ${r.dir}\n`);
      for (const w of scan.warnings) process.stderr.write(`specmap: warning: ${w}\n`);
      return 0;
    },
  },
  {
    name: 'replay',
    summary: 'rerun the analysis a summary.json describes (input sha256 checked first) and report whether the result is identical',
    get usage() {
      return replayCommand().REPLAY_USAGE;
    },
    run: async (argv) => {
      const run = await replayCommand().runReplay(argv);
      process.stdout.write(`specmap: ${run.verdict}\n${run.table}\n`);
      if (run.outDir) process.stdout.write(`specmap: rerun outputs in ${run.outDir}\n`);
      return run.ok ? 0 : 1;
    },
  },
  {
    name: 'figure',
    summary: 'write the static figure of a result.arrow as SVG (vector spectra, text) or PNG at a chosen dpi',
    get usage() {
      return figureCommand().FIGURE_USAGE;
    },
    run: (argv) => {
      const run = figureCommand().runFigure(argv);
      process.stdout.write(`specmap: figure ${run.format}${run.dpi ? ` at ${run.dpi} dpi` : ''}, ${run.bytes} bytes → ${run.file}\n`);
      return 0;
    },
  },
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 3;
  return `specmap ${SPECMAP_VERSION}: spectral images to chemical-state maps

usage: specmap <command> [options]

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

specmap <command> --help shows a command's options. Reference: docs/cli.md`;
}

/**
 * Run the CLI; resolves to the process exit code. Errors print one line
 * (`specmap: error: …`) and no stack trace: 2 for usage errors, 1 for bad
 * input or failed analyses.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(usage() + '\n');
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-V') {
      process.stdout.write(`${SPECMAP_VERSION}\n`);
      return 0;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) throw new SpecmapError('USAGE', `unknown command: ${name} (try: specmap --help)`);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(command.usage + '\n');
      return 0;
    }
    await prepareInputs(rest);
    return await command.run(rest);
  } catch (err) {
    process.stderr.write(`specmap: error: ${describe(err)}\n`);
    return err instanceof SpecmapError && err.code === 'USAGE' ? 2 : 1;
  }
}

/** One line for any error: SpecmapError messages as they are, system errors by code and path. */
function describe(err: unknown): string {
  if (err instanceof SpecmapError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && e.code && e.path) {
    const what: Record<string, string> = {
      ENOENT: 'file not found',
      EACCES: 'permission denied',
      EISDIR: 'is a directory',
      ENOTDIR: 'not a directory',
      ENOSPC: 'no space left on device',
    };
    return `${what[e.code] ?? e.code}: ${e.path}`;
  }
  if (e instanceof RangeError && /Array buffer allocation failed|Invalid typed array length/.test(e.message)) {
    return `out of memory: ${e.message}`;
  }
  const msg = e instanceof Error ? e.message : String(err);
  return `internal error (please report): ${msg.split('\n')[0]}`;
}
