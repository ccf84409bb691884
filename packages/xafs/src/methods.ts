/**
 * The methods this package adds to `analyze()` / `specmap analyze --method`.
 * Register them with core's `registerMethod` (the CLI does so in
 * packages/cli/src/register-methods.ts):
 *
 *   for (const spec of XAFS_METHODS) registerMethod(spec);
 */
import { SpecmapError, type Decomposition, type MethodSpec, type ReferenceInput } from '@specmap/core';
import { fractionHistograms, lcfMap } from './lcf';

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** R-factor above which a pixel's fit is counted as poor in the warnings. */
export const LCF_POOR_RFACTOR = 0.05;

export const LCF_METHOD: MethodSpec = {
  name: 'lcf',
  summary: 'linear-combination fit of every pixel with the --references standards (NNLS; optional sum-to-one, constant, energy shifts)',
  options: ['references', 'sumToOne', 'constant', 'energyShift', 'emin', 'emax'],
  seeded: false,
  componentsFrom: 'references',
  run(stack, o): Decomposition {
    const refs = (o.references ?? []) as ReferenceInput[];
    if (refs.length === 0) throw new SpecmapError('USAGE', 'method lcf needs standards: --references FILE… (one per standard)');
    const sumToOne = Boolean(o.sumToOne ?? false);
    const constant = Boolean(o.constant ?? false);
    const energyShift = o.energyShift as number | number[] | undefined;
    const res = lcfMap(stack, refs, {
      sumToOne,
      constant,
      energyShift,
      emin: typeof o.emin === 'number' ? o.emin : undefined,
      emax: typeof o.emax === 'number' ? o.emax : undefined,
    });
    const k = refs.length;
    const r: number[] = [];
    for (const v of res.rfactor) if (Number.isFinite(v)) r.push(v);
    r.sort((a, b) => a - b);
    const poor = r.filter((v) => v > LCF_POOR_RFACTOR).length;
    const warnings = [...res.warnings];
    if (poor > 0) warnings.push(`${poor} of ${r.length} pixels have an LCF R-factor above ${LCF_POOR_RFACTOR} (the standards do not describe them well)`);
    const hist = fractionHistograms(res.fractions, k, { mask: stack.mask });
    let constStats: Record<string, number> | undefined;
    if (res.constant) {
      let s = 0;
      let c = 0;
      for (let i = 0; i < res.constant.length; i++) {
        if (stack.mask && !stack.mask[i]) continue;
        s += res.constant[i];
        c++;
      }
      constStats = { mean: c ? s / c : NaN };
    }
    const maps: Decomposition['maps'] = [{ name: 'rfactor', unit: 'sum((y - fit)^2) / sum(y^2)', data: res.rfactor }];
    if (res.constant) {
      const c = Float32Array.from(res.constant);
      if (stack.mask) for (let i = 0; i < c.length; i++) if (!stack.mask[i]) c[i] = NaN;
      maps.push({ name: 'constant', unit: 'same as the data', data: c });
    }
    return {
      weights: res.fractions,
      components: res.standards,
      k,
      iterations: 0,
      converged: true,
      warnings,
      maps,
      parameters: {
        k,
        references: res.names,
        weights: 'fractions: each pixel\'s non-negative weights divided by their sum, in the order of --references',
        sumToOne,
        constant,
        energyShift: res.design.options.energyShift,
        fitChannels: res.design.channels.length,
        fitRange: [res.design.energies[res.design.channels[0]], res.design.energies[res.design.channels[res.design.channels.length - 1]]],
        solver: 'active-set NNLS (Lawson–Hanson) on the Gram matrix of the standards',
        rfactor: {
          definition: 'sum((y - fit)^2) / sum(y^2) per pixel',
          mean: r.length ? r.reduce((a, b) => a + b, 0) / r.length : NaN,
          median: quantile(r, 0.5),
          p95: quantile(r, 0.95),
          max: r.length ? r[r.length - 1] : NaN,
          poorThreshold: LCF_POOR_RFACTOR,
          poorPixels: poor,
        },
        histograms: { edges: hist.edges, counts: Object.fromEntries(res.names.map((nm, j) => [nm, hist.counts[j]])) },
        ...(constStats ? { constantOffset: constStats } : {}),
      },
    };
  },
};

/** Every method of @specmap/xafs, for `registerMethod`. */
export const XAFS_METHODS: MethodSpec[] = [LCF_METHOD];
