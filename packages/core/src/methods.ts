import { SpecmapError } from './errors';
import type { AnalyzeOptions } from './analyze';
import type { Decomposition } from './decomposition';
import type { SpectralStack } from './stack';
import { pca } from './pca';
import { nmf, type NmfInit, type NmfOptions } from './nmf';
import { nmfSo, type NmfSoInit } from './nmf-so';
import { nmfArdSo } from './nmf-ard-so';
import { fastIca, type IcaAlgorithm, type IcaFun, type IcaWhiten } from './ica';
import { kmeans } from './kmeans';

/**
 * One decomposition method as `analyze()` and the CLI see it. Every method
 * maps a stack to weights (n×k) and components (k×m); what those mean is
 * method-specific and documented in `docs/cli.md`.
 */
export interface MethodSpec {
  /** Name used by `analyze({method})` and `specmap analyze --method`. */
  name: string;
  /** One line for help texts. */
  summary: string;
  /** Keys of AnalyzeOptions this method reads (others are ignored and reported as such by the CLI). */
  options: string[];
  /** True when the method uses the random seed (recorded in the provenance). */
  seeded: boolean;
  /**
   * Where K comes from: 'option' (default) — the `components` option, required;
   * 'references' — one component per reference spectrum (e.g. LCF), so
   * `components` may be omitted.
   */
  componentsFrom?: 'option' | 'references';
  run(stack: SpectralStack, options: AnalyzeOptions): Decomposition;
}

/**
 * The registry, in the order help texts list them. To add a method, add one
 * entry here (its implementation lives in its own module).
 */
const METHOD_SPECS: MethodSpec[] = [
  {
    name: 'pca',
    summary: 'principal component analysis (centred; covariance + symmetric eigensolver, or seeded randomized SVD)',
    options: ['components', 'pcaSolver', 'seed'],
    seeded: false,
    run: (stack, o) =>
      pca(stack, { components: o.components, solver: (o.pcaSolver as 'full' | 'randomized' | undefined) ?? 'full', seed: o.seed ?? 0 }),
  },
  {
    name: 'nmf',
    summary: 'non-negative matrix factorisation (scikit-learn 1.2: cd or mu solver, any beta loss, L1/L2 regularisation)',
    options: ['components', 'seed', 'maxIter', 'tol', 'init', 'solver', 'betaLoss', 'alphaW', 'alphaH', 'l1Ratio'],
    seeded: true,
    run: (stack, o) =>
      nmf(stack, {
        components: o.components,
        seed: o.seed ?? 0,
        maxIter: o.maxIter ?? 200,
        tol: o.tol ?? 1e-4,
        init: (o.init as NmfInit | undefined) ?? 'nndsvda',
        solver: (o.solver as NmfOptions['solver']) ?? 'cd',
        betaLoss: (o.betaLoss as NmfOptions['betaLoss']) ?? 'frobenius',
        alphaW: (o.alphaW as number | undefined) ?? 0,
        alphaH: (o.alphaH as number | 'same' | undefined) ?? 'same',
        l1Ratio: (o.l1Ratio as number | undefined) ?? 0,
      }),
  },
  {
    name: 'nmf-so',
    summary: 'NMF with soft-orthogonal maps (malspy NMF-SO, HALS; weight --omega)',
    options: ['components', 'seed', 'maxIter', 'tol', 'init', 'omega', 'reps', 'minIter', 'malspyCompat'],
    seeded: true,
    run: (stack, o) =>
      nmfSo(stack, {
        components: o.components,
        omega: (o.omega as number | undefined) ?? 0.1,
        seed: o.seed ?? 0,
        maxIter: o.maxIter,
        minIter: o.minIter as number | undefined,
        tol: o.tol,
        reps: o.reps as number | undefined,
        init: (o.init as NmfSoInit | undefined) ?? 'rows',
        malspyCompat: o.malspyCompat === true,
      }),
  },
  {
    name: 'nmf-ard-so',
    summary: 'NMF-SO with automatic relevance determination: prunes K to the K′ ≤ K components the data need (malspy NMF-ARD-SO)',
    options: ['components', 'seed', 'maxIter', 'tol', 'omega', 'reps', 'minIter', 'malspyCompat'],
    seeded: true,
    run: (stack, o) =>
      nmfArdSo(stack, {
        components: o.components,
        omega: (o.omega as number | undefined) ?? 0.1,
        seed: o.seed ?? 0,
        maxIter: o.maxIter,
        minIter: o.minIter as number | undefined,
        tol: o.tol,
        reps: o.reps as number | undefined,
        malspyCompat: o.malspyCompat === true,
      }),
  },
  {
    name: 'ica',
    summary: 'FastICA (scikit-learn 1.2 semantics): weights = independent sources as maps, components = their spectra (mixing columns)',
    options: ['components', 'seed', 'maxIter', 'tol', 'icaAlgorithm', 'icaFun', 'icaWhiten'],
    seeded: true,
    run: (stack, o) =>
      fastIca(stack, {
        components: o.components,
        seed: o.seed ?? 0,
        maxIter: o.maxIter ?? 200,
        tol: o.tol ?? 1e-4,
        algorithm: (o.icaAlgorithm as IcaAlgorithm | undefined) ?? 'parallel',
        fun: (o.icaFun as IcaFun | undefined) ?? 'logcosh',
        whiten: (o.icaWhiten as IcaWhiten | undefined) ?? 'unit-variance',
      }),
  },
  {
    name: 'kmeans',
    summary: 'k-means clustering (k-means++, Lloyd): weights = one-hot memberships, components = centroid spectra, labels per pixel',
    options: ['components', 'seed', 'maxIter', 'tol', 'nInit'],
    seeded: true,
    run: (stack, o) =>
      kmeans(stack, {
        clusters: o.components,
        seed: o.seed ?? 0,
        maxIter: o.maxIter ?? 300,
        tol: o.tol ?? 1e-4,
        nInit: (o.nInit as number | undefined) ?? 10,
      }),
  },
];

/**
 * Register a method implemented outside core (e.g. @specmap/manifold,
 * @specmap/xafs): the CLI and notebooks call this once for each spec such a
 * package exports. Registering a name twice replaces the earlier spec.
 */
export function registerMethod(spec: MethodSpec): void {
  const i = METHOD_SPECS.findIndex((s) => s.name === spec.name);
  if (i >= 0) METHOD_SPECS[i] = spec;
  else METHOD_SPECS.push(spec);
}

/** All registered methods. */
export function listMethods(): readonly MethodSpec[] {
  return METHOD_SPECS;
}

/** The method named `name` (case-blind), or a SpecmapError listing the known ones. */
export function getMethod(name: string): MethodSpec {
  const key = String(name).toLowerCase();
  const spec = METHOD_SPECS.find((s) => s.name === key);
  if (!spec) {
    throw new SpecmapError('METHOD', `invalid method: ${name} (expected one of ${METHOD_SPECS.map((s) => s.name).join(', ')})`);
  }
  return spec;
}
