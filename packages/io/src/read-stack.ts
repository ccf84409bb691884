/** Format dispatch: read any supported spectral-stack file. */
import * as fs from 'fs';
import * as path from 'path';
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { readNpyStack } from './npy';
import { readStxm } from './stxm';

/** Supported stack file extensions and what they are. */
export const STACK_FORMATS: Readonly<Record<string, string>> = {
  '.hdr': 'ALS/aXis2000 STXM header with .xim frames beside it',
  '.npy': 'NumPy H×W×E float32/float64 cube',
};

export interface ReadStackOptions {
  /**
   * Channel energies (eV). Required for a meaningful energy axis with `.npy`
   * (which has none; length must equal E). With `.hdr` they must agree with
   * the header's StackAxis (within 1e-3 eV), which is then used.
   */
  energies?: Float64Array;
}

/** Largest difference (eV) tolerated between given energies and a header's own axis. */
const ENERGY_AGREEMENT_EV = 1e-3;

/**
 * Read a spectral stack, choosing the reader by the file extension
 * (case-insensitive): `.hdr` → {@link readStxm}, `.npy` → {@link readNpyStack}.
 *
 * @throws SpecmapError 'ENOENT' ('input file not found: <path>'), 'FORMAT'
 *   (unknown extension; the message lists the supported ones),
 *   'ENERGY_MISMATCH', and the errors of the individual readers.
 */
export function readStack(file: string, options: ReadStackOptions = {}): SpectralStack {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new SpecmapError('ENOENT', `input file not found: ${file}`);
  }
  if (stat.isDirectory()) throw new SpecmapError('EISDIR', `input is a directory, not a file: ${file}`);
  const ext = path.extname(file).toLowerCase();
  if (ext === '.hdr') {
    const stack = readStxm(file);
    const given = options.energies;
    if (given) {
      const m = stack.energies.length;
      if (given.length !== m) {
        throw new SpecmapError('ENERGY_MISMATCH', `${file}: header lists ${m} energies but ${given.length} were given`);
      }
      for (let e = 0; e < m; e++) {
        if (!(Math.abs(given[e] - stack.energies[e]) <= ENERGY_AGREEMENT_EV)) {
          throw new SpecmapError(
            'ENERGY_MISMATCH',
            `${file}: given energy ${given[e]} eV at channel ${e} differs from the header's ${stack.energies[e]} eV`,
          );
        }
      }
    }
    return stack;
  }
  if (ext === '.npy') return readNpyStack(file, options.energies);
  const list = Object.entries(STACK_FORMATS)
    .map(([k, v]) => `${k} (${v})`)
    .join(', ');
  throw new SpecmapError('FORMAT', `unsupported input file type '${ext || '(none)'}' for ${file}; supported: ${list}`);
}
