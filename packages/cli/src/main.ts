import { SpecmapError, SPECMAP_VERSION } from '@specmap/core';
import { ANALYZE_USAGE, runAnalyze } from './analyze-command';

const USAGE = `specmap ${SPECMAP_VERSION}: spectral images to chemical-state maps

usage: specmap <command> [options]

commands:
  analyze   decompose a stack (PCA or NMF) and write maps, spectra and a report

specmap <command> --help shows a command's options. Reference: docs/cli.md`;

/**
 * Run the CLI; resolves to the process exit code. Errors print one line
 * (`specmap: error: …`) and no stack trace: 2 for usage errors, 1 for bad
 * input or failed analyses.
 */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(USAGE + '\n');
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-V') {
      process.stdout.write(`${SPECMAP_VERSION}\n`);
      return 0;
    }
    if (command === 'analyze') {
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(ANALYZE_USAGE + '\n');
        return 0;
      }
      const run = runAnalyze(rest);
      const s = run.summary as { iterations: number; converged: boolean; warnings: string[]; timings: { totalSeconds: number } };
      process.stdout.write(
        `specmap: ${run.result.method} k=${run.result.k} on ${run.result.width}×${run.result.height}×${run.result.energies.length}: ` +
          `${s.iterations} iterations, ${s.converged ? 'converged' : 'not converged'}, ${s.timings.totalSeconds} s → ${run.outDir}\n`,
      );
      for (const w of s.warnings) process.stderr.write(`specmap: warning: ${w}\n`);
      return 0;
    }
    throw new SpecmapError('USAGE', `unknown command: ${command} (try: specmap --help)`);
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
    const what: Record<string, string> = { ENOENT: 'file not found', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory', ENOSPC: 'no space left on device' };
    return `${what[e.code] ?? e.code}: ${e.path}`;
  }
  const msg = e instanceof Error ? e.message : String(err);
  return `internal error (please report): ${msg.split('\n')[0]}`;
}
