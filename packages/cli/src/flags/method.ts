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
    spec: {
      name: 'init',
      kind: 'value',
      valueName: 'nndsvda|nndsvd|nndsvdar|random|rows',
      help: "NMF-family initialisation ('rows' = malspy's, nmf-so only)",
      default: 'nndsvda (nmf), rows (nmf-so)',
    },
    option: 'init',
    parse: (a) => {
      const v = stringFlag(a, 'init');
      if (v !== undefined && !['nndsvda', 'nndsvd', 'nndsvdar', 'random', 'rows'].includes(v)) {
        throw new SpecmapError('USAGE', `--init must be nndsvda, nndsvd, nndsvdar, random or rows, got "${v}"`);
      }
      return v;
    },
  },
  {
    spec: { name: 'solver', kind: 'value', valueName: 'cd|mu', help: 'NMF solver: coordinate descent (Frobenius) or multiplicative updates (any beta loss)', default: 'cd' },
    option: 'solver',
    parse: (a) => choiceFlag(a, 'solver', ['cd', 'mu']),
  },
  {
    spec: {
      name: 'beta-loss',
      kind: 'value',
      valueName: 'frobenius|kullback-leibler|itakura-saito|NUMBER',
      help: 'NMF loss (beta-divergence; anything but frobenius needs --solver mu)',
      default: 'frobenius',
    },
    option: 'betaLoss',
    parse: (a) => {
      const v = stringFlag(a, 'beta-loss');
      if (v === undefined || ['frobenius', 'kullback-leibler', 'itakura-saito'].includes(v)) return v;
      const x = Number(v);
      if (v.trim() === '' || !Number.isFinite(x)) {
        throw new SpecmapError('USAGE', `--beta-loss must be frobenius, kullback-leibler, itakura-saito or a number, got "${v}"`);
      }
      return x;
    },
  },
  {
    spec: { name: 'alpha-w', kind: 'value', valueName: 'A', help: 'NMF regularisation of the maps W (scaled by the number of channels, as scikit-learn 1.2)', default: '0' },
    option: 'alphaW',
    parse: (a) => numberFlag(a, 'alpha-w', { min: 0 }),
  },
  {
    spec: { name: 'alpha-h', kind: 'value', valueName: 'A|same', help: 'NMF regularisation of the spectra H (scaled by the number of pixels)', default: 'same' },
    option: 'alphaH',
    parse: (a) => (stringFlag(a, 'alpha-h') === 'same' ? 'same' : numberFlag(a, 'alpha-h', { min: 0 })),
  },
  {
    spec: { name: 'l1-ratio', kind: 'value', valueName: 'R', help: 'NMF share of L1 in the regularisation (0 = L2, 1 = L1)', default: '0' },
    option: 'l1Ratio',
    parse: (a) => numberFlag(a, 'l1-ratio', { min: 0, max: 1 }),
  },
  {
    spec: { name: 'omega', kind: 'value', valueName: 'W', help: 'nmf-so / nmf-ard-so: weight of the soft orthogonality of the maps, 0…1', default: '0.1' },
    option: 'omega',
    parse: (a) => numberFlag(a, 'omega', { min: 0, max: 1 }),
  },
  {
    spec: { name: 'reps', kind: 'value', valueName: 'N', help: 'nmf-so / nmf-ard-so: number of initialisations, the best objective wins', default: '1 (3 with --malspy-compat)' },
    option: 'reps',
    parse: (a) => numberFlag(a, 'reps', { integer: true, min: 1 }),
  },
  {
    spec: { name: 'malspy-compat', kind: 'boolean', help: "nmf-so / nmf-ard-so: replay malspy 0.4 exactly (its absolute stopping rule, defaults and raw factors)" },
    option: 'malspyCompat',
    parse: (a) => (a.flags.get('malspy-compat') === true ? true : undefined),
  },
  {
    spec: { name: 'pca-solver', kind: 'value', valueName: 'full|randomized', help: 'PCA solver: exact covariance eigensolver or seeded randomized SVD', default: 'full' },
    option: 'pcaSolver',
    parse: (a) => choiceFlag(a, 'pca-solver', ['full', 'randomized']),
  },
  {
    spec: { name: 'ica-algorithm', kind: 'value', valueName: 'parallel|deflation', help: 'FastICA: all sources at once or one at a time', default: 'parallel' },
    option: 'icaAlgorithm',
    parse: (a) => choiceFlag(a, 'ica-algorithm', ['parallel', 'deflation']),
  },
  {
    spec: { name: 'ica-fun', kind: 'value', valueName: 'logcosh|exp|cube', help: 'FastICA contrast function', default: 'logcosh' },
    option: 'icaFun',
    parse: (a) => choiceFlag(a, 'ica-fun', ['logcosh', 'exp', 'cube']),
  },
  {
    spec: { name: 'ica-whiten', kind: 'value', valueName: 'unit-variance|arbitrary-variance', help: 'FastICA whitening (scale of the sources)', default: 'unit-variance' },
    option: 'icaWhiten',
    parse: (a) => choiceFlag(a, 'ica-whiten', ['unit-variance', 'arbitrary-variance']),
  },
  {
    spec: { name: 'n-init', kind: 'value', valueName: 'N', help: 'k-means: number of k-means++ starts (the lowest inertia wins)', default: '10' },
    option: 'nInit',
    parse: (a) => numberFlag(a, 'n-init', { integer: true, min: 1 }),
  },
  // @specmap/xafs: lcf
  {
    spec: { name: 'sum-to-one', kind: 'boolean', help: 'lcf: force the weights of the standards to sum to 1' },
    option: 'sumToOne',
    parse: (a) => (a.flags.get('sum-to-one') === true ? true : undefined),
  },
  {
    spec: { name: 'constant', kind: 'boolean', help: 'lcf: fit a free constant offset as well' },
    option: 'constant',
    parse: (a) => (a.flags.get('constant') === true ? true : undefined),
  },
  {
    spec: { name: 'energy-shift', kind: 'value', valueName: 'EV[,EV…]', help: 'lcf: energy shift (eV) added to the standards: one value, or one per --references file', default: '0' },
    option: 'energyShift',
    parse: (a) => {
      const v = stringFlag(a, 'energy-shift');
      if (v === undefined) return undefined;
      const xs = v.split(',').map((t) => Number(t.trim()));
      if (xs.some((x) => !Number.isFinite(x))) throw new SpecmapError('USAGE', `--energy-shift must be numbers separated by commas, got "${v}"`);
      return xs.length === 1 ? xs[0] : xs;
    },
  },
  {
    spec: { name: 'neighbors', kind: 'value', valueName: 'K', help: 'lle / mlle / mw-nmf: nearest neighbours per spectrum (self excluded)', default: '10' },
    option: 'neighbors',
    parse: (a) => numberFlag(a, 'neighbors', { integer: true, min: 1 }),
  },
  {
    spec: { name: 'reg', kind: 'value', valueName: 'R', help: 'lle / mlle / mw-nmf: regularisation of the barycenter weights (scikit-learn reg)', default: '1e-3' },
    option: 'reg',
    parse: (a) => numberFlag(a, 'reg', { min: 0 }),
  },
  {
    spec: { name: 'embedding', kind: 'value', valueName: 'mlle|pca', help: 'mw-nmf: path coordinate (first modified-LLE coordinate or first PCA score)', default: 'mlle up to 5000 spectra, else pca' },
    option: 'embedding',
    parse: (a) => choiceFlag(a, 'embedding', ['mlle', 'pca']),
  },
  {
    spec: { name: 'density-alpha', kind: 'value', valueName: 'A', help: 'mw-nmf: density exponent, 0 = plain NMF, 1 = every stretch of the path counts equally', default: '1' },
    option: 'alpha',
    parse: (a) => numberFlag(a, 'density-alpha', { min: 0, max: 1 }),
  },
];

/** A string flag restricted to `choices` (undefined when absent). */
function choiceFlag(args: ParsedArgs, name: string, choices: string[]): string | undefined {
  const v = stringFlag(args, name);
  if (v !== undefined && !choices.includes(v)) {
    throw new SpecmapError('USAGE', `--${name} must be ${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}, got "${v}"`);
  }
  return v;
}

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
