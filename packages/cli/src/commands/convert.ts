import * as path from 'path';
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { writeFileChecked, writeHdf5Stack, writeNpy, writeTiffStack } from '@specmap/io';
import { formatFlags, parseArgs, stringFlag, type FlagSpec } from '../args';
import { INPUT_FLAGS, readInput } from '../flags/input';

export const CONVERT_FORMATS = ['npy', 'h5', 'tiff'] as const;

export const CONVERT_FLAGS: FlagSpec[] = [
  { name: 'to', kind: 'value', valueName: 'FORMAT', help: `output format: ${CONVERT_FORMATS.join(', ')} (default: from the --out extension)` },
  { name: 'out', kind: 'value', valueName: 'FILE', help: 'output file' },
  ...INPUT_FLAGS,
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

export const CONVERT_USAGE = `usage: specmap convert <input> --to npy|h5|tiff --out FILE [options]

Write the raw cube of a stack (any readable format) as H×W×E (rows = y),
without any preprocessing:
  npy    float32 .npy of shape (H, W, E); the energy axis goes to FILE.energies.txt
  h5     NeXus NXdata: /entry/data/data (float32 H×W×E), energy (eV), x/y (µm when
         known), provenance (source file, sha256, format, specmap version)
  tiff   float32 multi-page TIFF, page = energy; the first page's ImageDescription
         holds the energy axis as JSON (read back by specmap)

options:
${formatFlags(CONVERT_FLAGS)}`;

export interface ConvertRun {
  stack: SpectralStack;
  out: string;
  format: (typeof CONVERT_FORMATS)[number];
  written: string[];
}

export function runConvert(argv: string[]): ConvertRun {
  const args = parseArgs(argv, CONVERT_FLAGS);
  if (args.positionals.length !== 1) {
    throw new SpecmapError(
      'USAGE',
      args.positionals.length === 0 ? 'missing input file (try: specmap convert --help)' : `expected one input, got ${args.positionals.length}: ${args.positionals.join(' ')}`,
    );
  }
  const out = stringFlag(args, 'out');
  if (!out) throw new SpecmapError('USAGE', '--out FILE is required');
  let to = stringFlag(args, 'to');
  if (!to) {
    const ext = path.extname(out).toLowerCase();
    to = ext === '.npy' ? 'npy' : ['.h5', '.hdf5', '.nxs'].includes(ext) ? 'h5' : ['.tif', '.tiff'].includes(ext) ? 'tiff' : undefined;
    if (!to) throw new SpecmapError('USAGE', `--to is required (npy, h5 or tiff): cannot tell the format from ${out}`);
  }
  if (!(CONVERT_FORMATS as readonly string[]).includes(to)) throw new SpecmapError('USAGE', `--to must be one of ${CONVERT_FORMATS.join(', ')}, got "${to}"`);
  const input = args.positionals[0];
  if (path.resolve(input) === path.resolve(out)) throw new SpecmapError('USAGE', `--out ${out} is the input file; it would be overwritten`);
  const stack = readInput(input, args);
  const written: string[] = [out];
  const format = to as ConvertRun['format'];
  if (format === 'npy') {
    writeNpy(out, stack.data, [stack.height, stack.width, stack.energies.length]);
    if (stack.metadata.energyUnit !== 'channel index') {
      const ef = `${out}.energies.txt`;
      writeFileChecked(ef, Array.from(stack.energies, String).join('\n') + '\n');
      written.push(ef);
    }
  } else if (format === 'h5') {
    writeHdf5Stack(out, stack);
  } else {
    writeTiffStack(out, stack);
  }
  return { stack, out, format, written };
}
