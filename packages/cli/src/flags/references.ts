import type { ReferenceInput } from '@specmap/core';
import { readReferenceLibrary } from '@specmap/io';
import type { FlagSpec, ParsedArgs } from '../args';

export const REFERENCE_FLAGS: FlagSpec[] = [
  {
    name: 'references',
    kind: 'list',
    valueName: 'FILE|DIR',
    help: 'reference spectra (two-column text, .xdi, .prj, .msa, .e, .nor, .h5, …; a folder reads every spectrum in it) compared with the components by Pearson r',
  },
];

/** The reference spectra the flags name, read in the order given (a folder in natural file order). */
export function readReferences(args: ParsedArgs): ReferenceInput[] {
  const files = (args.flags.get('references') as string[] | undefined) ?? [];
  if (files.length === 0) return [];
  return readReferenceLibrary(files).spectra.map((s) => ({ name: s.name, energies: s.energies, values: s.values }));
}
