import { checkSeed } from './random';

/**
 * numpy's legacy random generator (`np.random.seed(s)` / `RandomState(s)`),
 * re-implemented so that specmap can replay the random initialisations of
 * malspy (`np.random.choice`, `np.random.rand`) and scikit-learn
 * (`standard_normal`) bit for bit:
 *
 * - state: MT19937 (Matsumoto & Nishimura 1998), seeded by `init_genrand`
 *   (what numpy's legacy seeding does for an integer seed < 2³²);
 * - `randomDouble()` = numpy's `random_sample`/`rand`: ((a>>>5)·2²⁶ + (b>>>6)) / 2⁵³
 *   from two 32-bit outputs a, b;
 * - `randint(high)` = `randint(0, high)` / `choice(high)` (with replacement):
 *   32-bit draws masked to the smallest 2^b − 1 ≥ high − 1, rejected while
 *   above high − 1 (numpy's legacy "masked rejection");
 * - `standardNormal()` = numpy's legacy `gauss` (Marsaglia polar method,
 *   second value cached).
 *
 * Checks (algorithms.md §9 item 1): seed(0), choice(528, 2) three times →
 * [192, 359], [9, 277], [70, 472]; rand() → 0.5488135039, 0.7151893664, 0.6027633761.
 */
export class MT19937 {
  private readonly mt = new Uint32Array(624);
  private mti = 625;
  private gauss: number | null = null;

  constructor(seed = 0) {
    this.seed(seed);
  }

  /** init_genrand(seed): numpy's legacy seeding for an integer seed in [0, 2³²). */
  seed(seed: number): void {
    const s = checkSeed(seed);
    const mt = this.mt;
    mt[0] = s;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 · prev + i (mod 2³²), split to stay exact in doubles.
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = 624;
    this.gauss = null;
  }

  /** The next 32-bit output (genrand_int32). */
  nextUint32(): number {
    const mt = this.mt;
    if (this.mti >= 624) {
      let kk = 0;
      let y: number;
      for (; kk < 624 - 397; kk++) {
        y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
        mt[kk] = mt[kk + 397] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      for (; kk < 623; kk++) {
        y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
        mt[kk] = mt[kk + (397 - 624)] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      y = (mt[623] & 0x80000000) | (mt[0] & 0x7fffffff);
      mt[623] = mt[396] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits (numpy `random_sample`, `rand`). */
  randomDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Integer in [0, high) as numpy's legacy `randint(0, high)` (high ≤ 2³²). */
  randint(high: number): number {
    if (!Number.isInteger(high) || high < 1 || high > 0x100000000) throw new RangeError(`randint: high must be in [1, 2^32], got ${high}`);
    const rng = high - 1;
    if (rng === 0) return 0;
    let mask = rng;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    if (rng === 0xffffffff) return this.nextUint32();
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > rng);
    return v;
  }

  /** `choice(high, size)` with replacement: `size` draws of randint(high). */
  choice(high: number, size: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < size; i++) out.push(this.randint(high));
    return out;
  }

  /** Standard normal as numpy's legacy `standard_normal` (polar method, pairs cached). */
  standardNormal(): number {
    if (this.gauss !== null) {
      const g = this.gauss;
      this.gauss = null;
      return g;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomDouble() - 1;
      x2 = 2 * this.randomDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.gauss = f * x1;
    return f * x2;
  }
}
