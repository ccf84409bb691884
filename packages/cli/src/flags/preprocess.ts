import * as path from 'path';
import { opticalDensity, type SpectralStack } from '@specmap/core';
import { readSpectrum } from '@specmap/io';
import { stringFlag, type FlagSpec, type ParsedArgs } from '../args';

/**
 * Preprocessing flags. Nothing is preprocessed unless one of these asks for
 * it; every step applied is recorded in the stack's metadata.steps and so in
 * the result's provenance. Add steps here, in the order they apply.
 */
export const PREPROCESS_FLAGS: FlagSpec[] = [
  { name: 'i0', kind: 'value', valueName: 'FILE', help: 'I0 spectrum (energy, I0); converts the stack to optical density −ln(I/I0)' },
];

/**
 * Read every file the preprocessing flags name (so bad files fail before any
 * work) and return the function that applies the steps to the stack in place.
 */
export function preparePreprocessing(args: ParsedArgs): (stack: SpectralStack) => void {
  const i0File = stringFlag(args, 'i0');
  const i0 = i0File ? { ...readSpectrum(i0File), name: path.basename(i0File) } : undefined;
  return (stack) => {
    if (i0) opticalDensity(stack, i0);
  };
}
