import type { ReferenceInput } from '@specmap/core';
import { readSpectrum } from '@specmap/io';
import type { FlagSpec, ParsedArgs } from '../args';

export const REFERENCE_FLAGS: FlagSpec[] = [
  { name: 'references', kind: 'list', valueName: 'FILE', help: 'reference spectra (energy, value) compared with the components by Pearson r' },
];

/** The reference spectra the flags name, read in the order given. */
export function readReferences(args: ParsedArgs): ReferenceInput[] {
  const files = (args.flags.get('references') as string[] | undefined) ?? [];
  return files.map((f) => readSpectrum(f));
}
