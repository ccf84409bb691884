import { Rng } from '@specmap/core';

/**
 * Spectra along a piecewise-linear reaction path through `standards`
 * (S spectra of m channels): progress 0 is the first standard, 1 the last,
 * and the j-th standard sits at j/(S−1); between two neighbouring standards
 * the spectrum is their linear mixture. Gaussian noise of standard deviation
 * `noise` (seeded) is added. Returns n×m Float32 (a cube for a stack) and the
 * mixing fractions (n×S).
 */
export function mixAlongPath(standards: ArrayLike<number>[], progress: ArrayLike<number>, options: { noise?: number; seed?: number } = {}): { data: Float32Array; fractions: Float64Array } {
  const S = standards.length;
  const m = standards[0].length;
  const n = progress.length;
  const rng = new Rng(options.seed ?? 0);
  const noise = options.noise ?? 0;
  const data = new Float32Array(n * m);
  const fractions = new Float64Array(n * S);
  for (let i = 0; i < n; i++) {
    const p = Math.min(1, Math.max(0, progress[i])) * (S - 1);
    const a = Math.min(S - 2, Math.floor(p));
    const f = p - a;
    fractions[i * S + a] = 1 - f;
    fractions[i * S + a + 1] += f;
    for (let e = 0; e < m; e++) {
      data[i * m + e] = (1 - f) * standards[a][e] + f * standards[a + 1][e] + (noise > 0 ? noise * rng.normal() : 0);
    }
  }
  return { data, fractions };
}
