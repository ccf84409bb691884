import type { SpectralStack } from '@specmap/core';
import { readEnergies, readStack } from '@specmap/io';
import { stringFlag, type FlagSpec, type ParsedArgs } from '../args';

/** Flags that say how to read the input file. Add reader options here. */
export const INPUT_FLAGS: FlagSpec[] = [
  { name: 'energies', kind: 'value', valueName: 'FILE', help: 'energy axis, one value (eV) per line (needed for .npy; replaces a header axis of the same length)' },
];

/** Read the input stack as the flags say. */
export function readInput(input: string, args: ParsedArgs): SpectralStack {
  const energiesFile = stringFlag(args, 'energies');
  const energies = energiesFile ? readEnergies(energiesFile) : undefined;
  return readStack(input, { energies });
}
