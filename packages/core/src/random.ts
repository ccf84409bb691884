import { SpecmapError } from './errors';

/**
 * Small, seeded pseudo-random number generators.
 *
 * specmap only needs randomness where an algorithm asks for it (NMF
 * `init: 'random'`, synthetic test data). The generator is mulberry32
 * (Tommy Ettinger, public domain): 32-bit state, period 2³², fast and
 * good enough for initial guesses. It is **not** numpy's MT19937, so
 * random initialisations do not replay scikit-learn's numbers; the
 * deterministic NNDSVD(a) initialisations do.
 */

/** Check a seed: an integer in [0, 2³²). Throws SpecmapError('SEED'). */
export function checkSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new SpecmapError('SEED', `seed must be an integer between 0 and 4294967295, got ${seed}`);
  }
  return seed >>> 0;
}

/** mulberry32: returns a function giving uniform numbers in [0, 1) (32 random bits each). */
export function mulberry32(seed: number): () => number {
  let a = checkSeed(seed);
  return function next(): number {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded generator of uniform and standard normal numbers. */
export class Rng {
  private readonly u: () => number;
  private spare: number | null = null;
  constructor(seed = 0) {
    this.u = mulberry32(seed);
  }
  /** Uniform in [0, 1). */
  uniform(): number {
    return this.u();
  }
  /** Standard normal N(0, 1) by the Box–Muller transform (pairs; the second value is cached). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u1 = this.u();
    while (u1 === 0) u1 = this.u();
    const u2 = this.u();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }
}
