import { SpecmapError } from './errors';
import type { AnalysisResult, Method, ReferenceSpectrum } from './result';
import { validateStack, type SpectralStack } from './stack';
import { getMethod, listMethods } from './methods';
import { pearsonMatrix } from './pearson';
import { interpolate } from './preprocess';
import { SPECMAP_VERSION } from './version';
import { DEFAULT_SPECTRA_BUDGET_BYTES, measuredForPayload } from './measured';
import type { Decomposition } from './decomposition';

/** A reference spectrum as read from a file (any energy grid). */
export interface ReferenceInput {
  name: string;
  energies: Float64Array;
  values: Float64Array;
}

export interface AnalyzeOptions {
  /** Decomposition method: a name from `listMethods()` (e.g. 'pca', 'nmf'). */
  method: Method;
  /** Number of components K, 1 ≤ K ≤ min(n, m). */
  components: number;
  /** Seed of the random number generator (NMF). __Default:__ 0. */
  seed?: number;
  /** NMF: maximum number of iterations. __Default:__ 200. */
  maxIter?: number;
  /** NMF: tolerance of the stopping rule (0 runs exactly maxIter iterations). __Default:__ 1e-4. */
  tol?: number;
  /** NMF initialisation. __Default:__ 'nndsvda'. */
  init?: 'nndsvda' | 'nndsvd' | 'random';
  /** Reference spectra to compare the components with (interpolated onto the stack's energies). */
  references?: ReferenceInput[];
  /**
   * Size budget (bytes) for the measured spectra attached to the result so the
   * views can show a pixel's data beside its reconstruction; above it they are
   * spatially binned (see measuredForPayload); 0 attaches none.
   * __Default:__ 16 MiB.
   */
  spectraBudgetBytes?: number;
  /** Input path, recorded in the provenance. */
  input?: string;
  /** Extra versions to record (e.g. the reader's library). */
  versions?: Record<string, string>;
  /** Method-specific options (see each method's `options` in methods.ts). */
  [option: string]: unknown;
}

/** Names of the registered methods (including those registered later by other packages). */
export function methodNames(): Method[] {
  return listMethods().map((s) => s.name);
}

/**
 * The one-call pipeline: decompose a stack and package everything a reader of
 * the result needs (weights, components, parameters, warnings, provenance,
 * reference comparison) into an AnalysisResult.
 *
 * The stack is not modified. Within `spectraBudgetBytes` the result's
 * `measured` field shares the stack's data (no copy).
 */
export function analyze(stack: SpectralStack, options: AnalyzeOptions): AnalysisResult {
  const spec = getMethod(options.method);
  validateStack(stack);
  const seed = options.seed ?? 0;
  const decomposition = spec.run(stack, { ...options, seed });
  const measured = measuredForPayload(stack, options.spectraBudgetBytes ?? DEFAULT_SPECTRA_BUDGET_BYTES);
  return packageResult(stack, options, decomposition, measured);
}

/**
 * The AnalysisResult of a decomposition of `stack` run as `options` say
 * (analyze() and analyzeStream() both end here): warnings (the stack's
 * preprocessing warnings first), the references interpolated onto the
 * stack's energies and their Pearson matrix with the components, the
 * provenance (input hash from `stack.metadata.sha256`, seed when the method
 * is seeded, steps, versions) and the checked extra maps. `measured`: the
 * measured spectra for the payload (measuredForPayload or its streamed twin).
 */
export function packageResult(
  stack: SpectralStack,
  options: AnalyzeOptions,
  decomposition: Decomposition,
  measured: AnalysisResult['measured'] | undefined,
): AnalysisResult {
  const spec = getMethod(options.method);
  const method = spec.name as Method;
  const seed = options.seed ?? 0;
  const m = stack.energies.length;
  const k = decomposition.k;
  // Warnings of the preprocessing steps (recorded on the stack) come first.
  const stackWarnings = Array.isArray(stack.metadata.warnings) ? (stack.metadata.warnings as unknown[]).map(String) : [];
  const warnings = [...stackWarnings, ...decomposition.warnings];

  let references: AnalysisResult['references'];
  if (options.references && options.references.length > 0) {
    const spectra: ReferenceSpectrum[] = options.references.map((ref) => {
      try {
        return { name: ref.name, values: interpolate(ref.energies, ref.values, stack.energies) };
      } catch (err) {
        if (err instanceof SpecmapError) {
          throw new SpecmapError(err.code, `reference ${ref.name}: ${err.message}`);
        }
        throw err;
      }
    });
    const pearson = pearsonMatrix(
      decomposition.components,
      k,
      spectra.map((s) => s.values),
      m,
    );
    references = { spectra, pearson };
  }

  const steps = (stack.metadata.steps ?? []).map((s) => ({ name: s.name, parameters: { ...s.parameters } }));
  return {
    method,
    k,
    width: stack.width,
    height: stack.height,
    energies: Float64Array.from(stack.energies),
    weights: decomposition.weights,
    components: decomposition.components,
    mean: decomposition.mean,
    explainedVariance: decomposition.explainedVariance,
    explainedVarianceRatio: decomposition.explainedVarianceRatio,
    parameters: { ...decomposition.parameters },
    iterations: decomposition.iterations,
    converged: decomposition.converged,
    lossHistory: decomposition.lossHistory,
    warnings,
    provenance: {
      inputSha256: typeof stack.metadata.sha256 === 'string' ? stack.metadata.sha256 : '',
      input: options.input ?? (typeof stack.metadata.source === 'string' ? stack.metadata.source : undefined),
      specmapVersion: SPECMAP_VERSION,
      seed: spec.seeded ? seed : null,
      date: new Date().toISOString(),
      steps,
      versions: { ...runtimeVersions(), ...(options.versions ?? {}) },
    },
    references,
    embedding: decomposition.embedding,
    labels: decomposition.labels,
    extraMaps: checkedMaps(decomposition.maps, stack.width * stack.height, method),
    measured,
  };
}

/** The method's extra maps, checked (length n, file-safe distinct names); undefined when there are none. */
function checkedMaps(maps: AnalysisResult['extraMaps'], n: number, method: string): AnalysisResult['extraMaps'] {
  if (!maps || maps.length === 0) return undefined;
  const seen = new Set<string>();
  for (const mp of maps) {
    if (!/^[A-Za-z0-9_-]+$/.test(mp.name) || seen.has(mp.name)) {
      throw new SpecmapError('INTERNAL', `method ${method}: extra map name "${mp.name}" is not a distinct file-safe name`);
    }
    seen.add(mp.name);
    if (mp.data.length !== n) throw new SpecmapError('SHAPE', `method ${method}: extra map ${mp.name} has ${mp.data.length} values for ${n} pixels`);
  }
  return maps;
}

/** Versions of the JavaScript runtime, for the provenance (works in Node and in browsers). */
function runtimeVersions(): Record<string, string> {
  const p = (globalThis as { process?: { versions?: Record<string, string> } }).process;
  return p?.versions?.node ? { node: p.versions.node } : {};
}
