import { SpecmapError } from '@specmap/core';
import { numberFlag, stringFlag, type FlagSpec, type ParsedArgs } from '../args';

/**
 * A method-specific flag: its FlagSpec, the AnalyzeOptions key it sets and
 * how its value is parsed and checked. Every method accepts every such flag;
 * flags whose option the chosen MethodSpec does not list are ignored and
 * reported under `ignoredFlags` in summary.json.
 *
 * To add a flag for a new method, add one entry here.
 */
export interface MethodFlag {
  spec: FlagSpec;
  option: string;
  parse(args: ParsedArgs): unknown;
}

export const METHOD_FLAGS: MethodFlag[] = [
  {
    spec: { name: 'seed', kind: 'value', valueName: 'N', help: 'random seed (seeded methods)', default: '0' },
    option: 'seed',
    parse: (a) => numberFlag(a, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 }),
  },
  {
    spec: { name: 'max-iter', kind: 'value', valueName: 'N', help: 'maximum iterations (iterative methods)', default: '200' },
    option: 'maxIter',
    parse: (a) => numberFlag(a, 'max-iter', { integer: true, min: 1 }),
  },
  {
    spec: { name: 'tol', kind: 'value', valueName: 'T', help: 'stopping tolerance; 0 runs exactly --max-iter iterations', default: '1e-4' },
    option: 'tol',
    parse: (a) => numberFlag(a, 'tol', { min: 0 }),
  },
  {
    spec: { name: 'init', kind: 'value', valueName: 'nndsvda|nndsvd|random', help: 'NMF initialisation', default: 'nndsvda' },
    option: 'init',
    parse: (a) => {
      const v = stringFlag(a, 'init');
      if (v !== undefined && !['nndsvda', 'nndsvd', 'random'].includes(v)) {
        throw new SpecmapError('USAGE', `--init must be nndsvda, nndsvd or random, got "${v}"`);
      }
      return v;
    },
  },
];

/**
 * The AnalyzeOptions set by method flags, and the flags given that the
 * method does not use.
 */
export function methodOptions(args: ParsedArgs, usedOptions: string[]): { options: Record<string, unknown>; ignored: string[] } {
  const options: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const f of METHOD_FLAGS) {
    const value = f.parse(args);
    if (value === undefined) continue;
    if (usedOptions.includes(f.option)) options[f.option] = value;
    else ignored.push(`--${f.spec.name}`);
  }
  return { options, ignored };
}
