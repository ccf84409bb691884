import { SpecmapError } from './errors';
import type { AnalyzeOptions } from './analyze';
import type { Decomposition } from './decomposition';
import type { SpectralStack } from './stack';
import { pca } from './pca';
import { nmf } from './nmf';

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
  run(stack: SpectralStack, options: AnalyzeOptions): Decomposition;
}

/**
 * The registry, in the order help texts list them. To add a method, add one
 * entry here (its implementation lives in its own module).
 */
const METHOD_SPECS: MethodSpec[] = [
  {
    name: 'pca',
    summary: 'principal component analysis (centred; covariance + symmetric eigensolver)',
    options: ['components'],
    seeded: false,
    run: (stack, o) => pca(stack, { components: o.components }),
  },
  {
    name: 'nmf',
    summary: 'non-negative matrix factorisation (HALS / coordinate descent, Frobenius)',
    options: ['components', 'seed', 'maxIter', 'tol', 'init'],
    seeded: true,
    run: (stack, o) =>
      nmf(stack, {
        components: o.components,
        seed: o.seed ?? 0,
        maxIter: o.maxIter ?? 200,
        tol: o.tol ?? 1e-4,
        init: o.init ?? 'nndsvda',
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
