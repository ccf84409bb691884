/**
 * Small shared helpers of the readers: strict number parsing, reading a file
 * with a SpecmapError when it is missing, and energy-axis checks.
 */
import * as fs from 'fs';
import { SpecmapError } from '@specmap/core';

/**
 * A decimal number as written by Fortran, C or Python text output: optional
 * sign, digits with an optional decimal point, optional exponent introduced by
 * `e`, `E`, `d` or `D` (Fortran double precision). Hex, `Infinity`, `NaN`,
 * empty strings and trailing garbage are rejected.
 */
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?$/;

/** Parse one token strictly; returns NaN when it is not a decimal number. */
export function parseNumber(token: string): number {
  if (!NUMBER_RE.test(token)) return NaN;
  // Fast path: no Fortran 'd' exponent.
  if (token.indexOf('d') < 0 && token.indexOf('D') < 0) return Number(token);
  return Number(token.replace(/[dD]/, 'e'));
}

/**
 * Read a whole file, turning "no such file" into
 * `SpecmapError('ENOENT', '<what> not found: <path>')` and a directory into
 * `SpecmapError('EISDIR', ...)`.
 */
export function readFileChecked(path: string, what = 'input file'): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (err) {
    throw fsError(err, path, what);
  }
}

/** Map a Node fs error onto a SpecmapError naming the file. */
export function fsError(err: unknown, path: string, what = 'input file'): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new SpecmapError('ENOENT', `${what} not found: ${path}`);
  if (code === 'EISDIR') return new SpecmapError('EISDIR', `${what} is a directory, not a file: ${path}`);
  if (code === 'EACCES' || code === 'EPERM') return new SpecmapError('EACCES', `${what} cannot be read (permission denied): ${path}`);
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Check an energy axis: finite values, strictly increasing or strictly
 * decreasing (the SpectralStack contract). `where` names the source in the
 * message.
 */
export function checkEnergyAxis(energies: ArrayLike<number>, where: string): void {
  const m = energies.length;
  for (let e = 0; e < m; e++) {
    if (!Number.isFinite(energies[e])) {
      throw new SpecmapError('NAN', `${where}: energy ${e} is not finite (${energies[e]})`);
    }
  }
  if (m < 2) return;
  const up = energies[1] > energies[0];
  for (let e = 1; e < m; e++) {
    const ok = up ? energies[e] > energies[e - 1] : energies[e] < energies[e - 1];
    if (!ok) {
      throw new SpecmapError(
        'ENERGY_ORDER',
        `${where}: energies must be strictly increasing or decreasing, but channel ${e} (${energies[e]}) follows ${energies[e - 1]}`,
      );
    }
  }
}

/** Write a whole file, mapping fs errors onto SpecmapError('EWRITE') naming the file. */
export function writeFileChecked(path: string, data: string | Uint8Array): void {
  try {
    fs.writeFileSync(path, data);
  } catch (err) {
    throw writeError(err, path);
  }
}

/** Map a Node fs error raised while writing onto a SpecmapError naming the file. */
export function writeError(err: unknown, path: string): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new SpecmapError('EWRITE', `cannot write ${path}: its directory does not exist`);
  if (code === 'EISDIR') return new SpecmapError('EWRITE', `cannot write ${path}: it is a directory`);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new SpecmapError('EWRITE', `cannot write ${path}: permission denied`);
  }
  return err instanceof Error ? err : new Error(String(err));
}
