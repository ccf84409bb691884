/**
 * The kernel operations on a row source (a Float32 cube in memory — ideally
 * allocated with `allocateCube` so no row is ever copied — or raw float32 rows
 * in a file). Every function returns `null` when it cannot run the WASM path
 * (kernels unavailable, Float64 data, empty input); callers then use their
 * own TypeScript code (see reference.ts for the same arithmetic in Float64).
 *
 * Numerical contract: the cube's values are multiplied in f32 (as
 * scikit-learn does with float32 input), in runs of at most one row (dot
 * products over channels) or 128 rows (sums over rows) accumulated in 4
 * f32 lanes, and every run is added in f64. Centring subtracts the shift
 * rounded to f32. Against the all-Float64 TypeScript path the relative
 * differences are ≲ 1e-6 (tests use 1e-5 of the scale of each quantity).
 * Chunks of rows are fixed by the row count only and their partial results
 * are summed in chunk order, so results are bit-identical for any number of
 * threads and for in-memory vs file sources.
 */
import { alloc, f32, f64, getRuntime, i32, inKernelMemory, JobSource, release, runJob, threadSlots } from './runtime';

/** Rows of an n×m float32 matrix: in memory (`data`) or raw little-endian float32 in a file (`file`). */
export interface RowSource {
  /** Row-major n×m values; only Float32Array is accelerated. */
  data?: Float32Array | Float64Array;
  /** Raw float32 rows (C order) in an open file: descriptor and byte offset of row 0. */
  file?: { fd: number; offset: number };
  /** Columns (channels) m. */
  cols: number;
  /** Number of active rows. */
  count: number;
  /** Total rows n (default: data.length / cols, or count for files). */
  rows?: number;
  /** Active row numbers, increasing (omitted or identity when count = rows). */
  index?: Int32Array | null;
}

const R = 128; // rows per sub-block (assembly/index.ts)

const A_OP = 0;
const A_N = 1;
const A_CHUNK = 2;
const A_X = 3;
const A_USEIDX = 4;
const A_IDX = 5;
const A_SRC = 6;
const A_STAGE = 7;
const A_STAGE_STRIDE = 8;
const A_M = 9;
const A_MP = 10;
const A_K = 11;
const A_MU = 12;
const A_CLIP = 13;
const A_SCRATCH = 14;
const A_SCRATCH_STRIDE = 15;
const A_PARTIAL = 16;
const A_PARTIAL_STRIDE = 17;
const A_Y = 18;
const A_HH = 19;
const A_L1 = 20;
const A_W = 21;
const A_LABELS = 22;
const A_DIST = 23;
const A_ACCUM = 24;
const A_FD = 25;
const A_FOFF = 26;
const A_L2 = 27;

export function paddedCols(m: number): number {
  return Math.ceil(m / 16) * 16;
}

/** A job on a row source: its arguments, its allocations (freed by `free`). */
class Job {
  readonly args = new Float64Array(32);
  readonly m: number;
  readonly mp: number;
  readonly n: number;
  readonly nChunks: number;
  readonly slots: number;
  private readonly allocs: number[] = [];
  private readonly source: JobSource;

  constructor(src: RowSource, op: number, chunkRows: number) {
    const m = src.cols;
    this.m = m;
    this.mp = paddedCols(m);
    this.n = src.count;
    this.nChunks = Math.ceil(src.count / chunkRows);
    this.slots = threadSlots();
    const a = this.args;
    a[A_OP] = op;
    a[A_N] = src.count;
    a[A_CHUNK] = chunkRows;
    a[A_M] = m;
    a[A_MP] = this.mp;
    const stageBytes = chunkRows * m * 4;
    if (src.file) {
      a[A_SRC] = 2;
      a[A_FD] = src.file.fd;
      a[A_FOFF] = src.file.offset;
      a[A_STAGE] = this.alloc(stageBytes * this.slots);
      a[A_STAGE_STRIDE] = Math.ceil(stageBytes / 64) * 64;
      this.source = { type: 2 };
      return;
    }
    const data = src.data as Float32Array;
    const rows = src.rows ?? data.length / m;
    const identity = !src.index || src.count === rows;
    if (inKernelMemory(data)) {
      a[A_SRC] = 0;
      a[A_X] = data.byteOffset;
      if (!identity) {
        a[A_USEIDX] = 1;
        a[A_IDX] = this.alloc(src.count * 4);
        i32(a[A_IDX], src.count).set(src.index!.subarray(0, src.count));
      }
      this.source = { type: 0 };
      return;
    }
    // Not in shared memory: the calling thread copies each chunk's rows into its stage slot.
    a[A_SRC] = 1;
    a[A_STAGE] = this.alloc(stageBytes);
    a[A_STAGE_STRIDE] = 0;
    const index = src.index;
    const n = src.count;
    this.source = {
      type: 1,
      stage: (c: number, addr: number) => {
        const r0 = c * chunkRows;
        const r1 = Math.min(n, r0 + chunkRows);
        const dst = f32(addr, (r1 - r0) * m);
        if (identity) dst.set(data.subarray(r0 * m, r1 * m));
        else for (let r = r0; r < r1; r++) dst.set(data.subarray(index![r] * m, index![r] * m + m), (r - r0) * m);
      },
    };
  }

  alloc(bytes: number): number {
    const addr = alloc(bytes);
    this.allocs.push(addr);
    return addr;
  }

  /** Per-thread scratch of `bytes` each. */
  scratch(bytes: number): void {
    const stride = Math.ceil(bytes / 64) * 64;
    this.args[A_SCRATCH] = this.alloc(stride * this.slots);
    this.args[A_SCRATCH_STRIDE] = stride;
  }

  /** Per-chunk partials of `doubles` f64 each; returns the address. */
  partials(doubles: number): number {
    const stride = Math.ceil((doubles * 8) / 64) * 64;
    const addr = this.alloc(stride * this.nChunks);
    this.args[A_PARTIAL] = addr;
    this.args[A_PARTIAL_STRIDE] = stride;
    return addr;
  }

  /** The shift as zero-padded f32 (A_MU), or none. */
  shift(shift: Float64Array | null): void {
    if (!shift) return;
    const addr = this.alloc(this.mp * 4);
    const v = f32(addr, this.mp);
    v.fill(0);
    for (let j = 0; j < this.m; j++) v[j] = shift[j];
    this.args[A_MU] = addr;
  }

  /** Rows of a k×m Float64 matrix as zero-padded k×mp f32 at a new address. */
  rowsF32(M: ArrayLike<number>, k: number): number {
    const addr = this.alloc(k * this.mp * 4);
    this.writeRowsF32(addr, M, k);
    return addr;
  }

  writeRowsF32(addr: number, M: ArrayLike<number>, k: number): void {
    const v = f32(addr, k * this.mp);
    v.fill(0);
    for (let t = 0; t < k; t++) for (let j = 0; j < this.m; j++) v[t * this.mp + j] = M[t * this.m + j];
  }

  run(): void {
    runJob(this.args, this.nChunks, this.source);
  }

  /** Sum the first `doubles` values of every chunk's partial, in chunk order. */
  reduce(doubles: number): Float64Array {
    const out = new Float64Array(doubles);
    const base = this.args[A_PARTIAL];
    const stride = this.args[A_PARTIAL_STRIDE];
    for (let c = 0; c < this.nChunks; c++) {
      const p = f64(base + c * stride, doubles);
      for (let i = 0; i < doubles; i++) out[i] += p[i];
    }
    return out;
  }

  free(): void {
    for (let i = this.allocs.length - 1; i >= 0; i--) release(this.allocs[i]);
    this.allocs.length = 0;
  }
}

function usable(src: RowSource): boolean {
  if (!getRuntime() || src.count < 1 || src.cols < 1) return false;
  if (src.file) return !src.index || src.count === (src.rows ?? src.count);
  return src.data instanceof Float32Array;
}

/** A Job, or null when its buffers do not fit in the 4 GiB shared memory (the caller then uses its TypeScript path). */
function newJob(src: RowSource, op: number, chunkRows: number): Job | null {
  try {
    return new Job(src, op, chunkRows);
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

function withJob<T>(src: RowSource, op: number, chunkRows: number, body: (job: Job) => T): T | null {
  if (!usable(src)) return null;
  const job = newJob(src, op, chunkRows);
  if (!job) return null;
  try {
    return body(job);
  } catch (e) {
    if (e instanceof RangeError) return null; // a buffer did not fit (before the kernels ran): TypeScript path
    throw e;
  } finally {
    job.free();
  }
}

/** Column sums of the (clipped, shifted) active rows and of their squares (each length m). */
export function moments(src: RowSource, shift: Float64Array | null = null, clip = false): { sums: Float64Array; sumsSq: Float64Array } | null {
  return withJob(src, 5, 4096, (job) => {
    const { m, mp } = job;
    job.args[A_CLIP] = clip ? 1 : 0;
    job.shift(shift);
    job.scratch((R * mp + 2 * mp) * 4);
    job.partials(2 * mp);
    job.run();
    const all = job.reduce(2 * mp);
    return { sums: all.slice(0, m), sumsSq: all.slice(mp, mp + m) };
  });
}

/**
 * G = (X − 1·shiftᵀ)ᵀ(X − 1·shiftᵀ) over the active rows (m×m, full, row-major), as `gram` in
 * @specmap/core's linalg.ts; `clip` reads negative values as 0 (before the shift).
 */
export function gram(src: RowSource, shift: Float64Array | null = null, clip = false): Float64Array | null {
  const chunk = Math.max(16 * R, Math.ceil(Math.ceil(src.count / 8) / R) * R); // ≤ 8 partials of m×m (WASM memory never shrinks)
  return withJob(src, 3, chunk, (job) => {
    const { m, mp } = job;
    job.args[A_CLIP] = clip ? 1 : 0;
    job.shift(shift);
    job.scratch(R * mp * 4);
    job.partials(mp * mp);
    job.run();
    const P = job.reduce(mp * mp);
    const G = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let j = i; j < m; j++) {
        const v = P[i * mp + j];
        G[i * m + j] = v;
        G[j * m + i] = v;
      }
    }
    return G;
  });
}

function passScratch(job: Job, k: number): void {
  // S (R×mp f32), WS (R×k f32), XH (R×k f64), XS (k f64), YI (k×mp f32), with alignment slack
  job.scratch(R * job.mp * 4 + R * k * 4 + 16 + R * k * 8 + k * 8 + 16 + k * job.mp * 4);
}

/** P (count×k, Float64) = (X − shift)·Vᵀ for V k×m (row-major): scores / projections (`clip`: negatives read as 0, before the shift). */
export function project(src: RowSource, shift: Float64Array | null, V: ArrayLike<number>, k: number, clip = false, out?: Float64Array): Float64Array | null {
  if (out && out.length < src.count * k) throw new RangeError(`project: out has ${out.length} values, need ${src.count}×${k}`);
  return withJob(src, 0, 2048, (job) => {
    job.args[A_K] = k;
    job.args[A_CLIP] = clip ? 1 : 0;
    job.shift(shift);
    job.args[A_Y] = job.rowsF32(V, k);
    const addr = job.alloc(job.n * k * 8);
    job.args[A_W] = addr;
    passScratch(job, k);
    job.run();
    const P = f64(addr, job.n * k);
    if (!out) return P.slice();
    out.set(P); // into the caller's array (iterative methods reuse theirs: no new n×k array per call)
    return out;
  });
}

/**
 * Z = X_cᵀ(X_c Yᵀ) for Y l×m (rows), X_c = X − shift: returned as l×m rows
 * (Z[t] = Σ_r (x_r·y_t) x_r), and ss = Σ‖x_c‖² (randomized PCA's power step).
 */
export function normalProduct(src: RowSource, shift: Float64Array | null, Y: ArrayLike<number>, l: number): { Z: Float64Array; ss: number } | null {
  return withJob(src, 1, 2048, (job) => {
    const { m, mp } = job;
    job.args[A_K] = l;
    job.shift(shift);
    job.args[A_Y] = job.rowsF32(Y, l);
    passScratch(job, l);
    job.partials(l * mp + l * l + 1);
    job.run();
    const P = job.reduce(l * mp + l * l + 1);
    const Z = new Float64Array(l * m);
    for (let t = 0; t < l; t++) for (let j = 0; j < m; j++) Z[t * m + j] = P[t * mp + j];
    return { Z, ss: P[l * mp + l * l] };
  });
}

/**
 * k-means assignment of every active row to its nearest centre (K×m,
 * row-major, in the shifted coordinates): labels (first centre on ties),
 * squared distances, and — when `sums`/`counts` are given — the sums of the
 * shifted rows per cluster (K×m) and the cluster sizes.
 */
export function kmeansAssign(
  src: RowSource,
  shift: Float64Array | null,
  centres: ArrayLike<number>,
  k: number,
  labels: Int32Array,
  dist: Float64Array,
  sums: Float64Array | null = null,
  counts: Float64Array | null = null,
): boolean {
  const r = withJob(src, 4, 2048, (job) => {
    const { m, mp, n } = job;
    const accum = sums !== null && counts !== null;
    job.args[A_K] = k;
    job.args[A_ACCUM] = accum ? 1 : 0;
    job.shift(shift);
    job.args[A_Y] = job.rowsF32(centres, k);
    const lab = job.alloc(n * 4);
    const dst = job.alloc(n * 8);
    job.args[A_LABELS] = lab;
    job.args[A_DIST] = dst;
    job.scratch(R * mp * 4 + k * mp * 4);
    job.partials(k * mp + k);
    job.run();
    labels.set(i32(lab, n));
    dist.set(f64(dst, n));
    if (accum) {
      const P = job.reduce(k * mp + k);
      for (let t = 0; t < k; t++) for (let j = 0; j < m; j++) sums![t * m + j] = P[t * mp + j];
      for (let t = 0; t < k; t++) counts![t] = P[k * mp + t];
    }
    return true;
  });
  return r === true;
}

/** Squared distances of every active row to each of k centres (K×m, shifted coordinates): out is count×k. */
export function distances(src: RowSource, shift: Float64Array | null, centres: ArrayLike<number>, k: number, out: Float64Array): boolean {
  const r = withJob(src, 4, 2048, (job) => {
    const { mp, n } = job;
    job.args[A_K] = k;
    job.args[A_ACCUM] = 2;
    job.shift(shift);
    job.args[A_Y] = job.rowsF32(centres, k);
    const lab = job.alloc(n * 4);
    const dst = job.alloc(n * k * 8);
    job.args[A_LABELS] = lab;
    job.args[A_DIST] = dst;
    job.scratch(R * mp * 4 + k * mp * 4);
    job.partials(1);
    job.run();
    out.set(f64(dst, n * k));
    return true;
  });
  return r === true;
}

/**
 * WᵀX (k×m, Float64) and WᵀW (k×k) for a given W (count×k, row-major, Float64) in one
 * pass over the rows (`clip`: negatives of X read as 0) — the H-side product of
 * multiplicative / NMF-SO updates. W is rounded to f32 for the products (as in the HALS
 * pass); WᵀW is accumulated in f64 from the f64 W.
 */
export function rowWeightedSum(src: RowSource, W: ArrayLike<number>, k: number, clip = false): { WtX: Float64Array; WtW: Float64Array } | null {
  if (W.length < src.count * k) throw new RangeError(`rowWeightedSum: W has ${W.length} values, need ${src.count}×${k}`);
  return withJob(src, 6, 2048, (job) => {
    const { m, mp } = job;
    job.args[A_K] = k;
    job.args[A_CLIP] = clip ? 1 : 0;
    const w = job.alloc(job.n * k * 8);
    const wv = f64(w, job.n * k);
    if (W instanceof Float64Array) wv.set(W.subarray(0, job.n * k)); // a block copy, not a loop
    else for (let i = 0; i < job.n * k; i++) wv[i] = W[i];
    job.args[A_W] = w;
    passScratch(job, k);
    job.partials(k * mp + k * k + 1);
    job.run();
    const P = job.reduce(k * mp + k * k);
    const WtX = new Float64Array(k * m);
    for (let t = 0; t < k; t++) for (let j = 0; j < m; j++) WtX[t * m + j] = P[t * mp + j];
    return { WtX, WtW: P.slice(k * mp, k * mp + k * k) };
  });
}

/**
 * ‖X − W·H‖²_F over the active rows (W count×k, H k×m, both Float64 row-major; `clip`:
 * negatives of X read as 0), in one pass: each row's residual in f32 (W and H rounded
 * to f32), its squares summed in f64 per row.
 */
export function residualSumSq(src: RowSource, W: ArrayLike<number>, H: ArrayLike<number>, k: number, clip = false): number | null {
  if (W.length < src.count * k) throw new RangeError(`residualSumSq: W has ${W.length} values, need ${src.count}×${k}`);
  const r = withJob(src, 7, 2048, (job) => {
    job.args[A_K] = k;
    job.args[A_CLIP] = clip ? 1 : 0;
    job.args[A_Y] = job.rowsF32(H, k);
    const w = job.alloc(job.n * k * 8);
    const wv = f64(w, job.n * k);
    for (let i = 0; i < job.n * k; i++) wv[i] = W[i];
    job.args[A_W] = w;
    job.scratch(R * job.mp * 4);
    job.partials(1);
    job.run();
    return job.reduce(1)[0];
  });
  return r;
}

/** What one HALS pass returns (k×m WᵀX, k×k WᵀW of the updated W, and the W half of the projected-gradient violation). */
export interface HalsPass {
  WtX: Float64Array;
  WtW: Float64Array;
  violation: number;
}

/**
 * A fused HALS (scikit-learn 'cd') row pass kept across iterations: W lives
 * in shared memory while the session is open. Each `pass(H, hh, l1W)` reads X
 * once: for every row i, xh = X_i·Hᵀ; then for t = 0…k−1 in order
 * grad = hh[t,:]·W_i − (xh_t − l1W), violation += |projected grad|,
 * W_it ← max(W_it − grad/hh[t,t], 0) (skipped when hh[t,t] = 0); and the
 * updated row's contributions to WᵀX and WᵀW — exactly the update order of
 * @specmap/core's fitCd. `hh` = HHᵀ (+ L2 on the diagonal).
 */
export class HalsSession {
  private job: Job;
  private readonly k: number;
  private readonly wAddr: number;
  private readonly hAddr: number;
  private readonly hhAddr: number;
  private disposed = false;

  constructor(src: RowSource, W: Float64Array, k: number, clip: boolean) {
    this.job = new Job(src, 2, 2048);
    this.k = k;
    const job = this.job;
    try {
      this.wAddr = job.alloc(job.n * k * 8);
      this.hAddr = job.alloc(k * job.mp * 4);
      this.hhAddr = job.alloc(k * k * 8);
    } catch (e) {
      job.free();
      throw e;
    }
    job.args[A_K] = k;
    job.args[A_CLIP] = clip ? 1 : 0;
    f64(this.wAddr, job.n * k).set(W.subarray(0, job.n * k));
    job.args[A_W] = this.wAddr;
    job.args[A_Y] = this.hAddr;
    job.args[A_HH] = this.hhAddr;
    try {
      passScratch(job, k);
      job.partials(k * job.mp + k * k + 1);
    } catch (e) {
      job.free();
      throw e;
    }
  }

  pass(H: ArrayLike<number>, hh: ArrayLike<number>, l1W = 0): HalsPass {
    if (this.disposed) throw new Error('HalsSession: disposed');
    const { job, k } = this;
    const { m, mp } = job;
    job.writeRowsF32(this.hAddr, H, k);
    const hhv = f64(this.hhAddr, k * k);
    for (let i = 0; i < k * k; i++) hhv[i] = hh[i];
    job.args[A_L1] = l1W;
    job.run();
    const P = job.reduce(k * mp + k * k + 1);
    const WtX = new Float64Array(k * m);
    for (let t = 0; t < k; t++) for (let j = 0; j < m; j++) WtX[t * m + j] = P[t * mp + j];
    const WtW = P.slice(k * mp, k * mp + k * k);
    return { WtX, WtW, violation: P[k * mp + k * k] };
  }

  /** Copy the current W (count×k) into `out`. */
  readW(out: Float64Array): void {
    out.set(f64(this.wAddr, this.job.n * this.k));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.job.free();
  }
}

/** What one multiplicative-update pass returns: WᵀX (k×m) and WᵀW (k×k) of the updated W, and ⟨W_new − W_old, XHᵀ⟩. */
export interface MuPass {
  WtX: Float64Array;
  WtW: Float64Array;
  crossChange: number;
}

/**
 * A fused multiplicative-update (scikit-learn 'mu', Frobenius loss) row pass kept across
 * iterations, like HalsSession: each `pass(H, G, l1, l2)` reads X once; for every row,
 * xh = X_i·Hᵀ, then W_it ← fround(W_it·xh_t/d_t) with d_t = (W_i·G)_t + l1 + l2·W_it of the
 * old row (d_t = 0 → float32 eps), and the updated row's contributions to WᵀX and WᵀW.
 * `G` = HHᵀ. The same arithmetic as @specmap/core's two-pass kernel path (updateRowsF32).
 */
export class MuSession {
  private job: Job;
  private readonly k: number;
  private readonly wAddr: number;
  private readonly hAddr: number;
  private readonly gAddr: number;
  private disposed = false;

  constructor(src: RowSource, W: Float64Array, k: number, clip: boolean) {
    this.job = new Job(src, 8, 2048);
    this.k = k;
    const job = this.job;
    try {
      this.wAddr = job.alloc(job.n * k * 8);
      this.hAddr = job.alloc(k * job.mp * 4);
      this.gAddr = job.alloc(k * k * 8);
      job.args[A_K] = k;
      job.args[A_CLIP] = clip ? 1 : 0;
      f64(this.wAddr, job.n * k).set(W.subarray(0, job.n * k));
      job.args[A_W] = this.wAddr;
      job.args[A_Y] = this.hAddr;
      job.args[A_HH] = this.gAddr;
      passScratch(job, k);
      job.partials(k * job.mp + k * k + 1);
    } catch (e) {
      job.free();
      throw e;
    }
  }

  pass(H: ArrayLike<number>, G: ArrayLike<number>, l1 = 0, l2 = 0): MuPass {
    if (this.disposed) throw new Error('MuSession: disposed');
    const { job, k } = this;
    const { m, mp } = job;
    job.writeRowsF32(this.hAddr, H, k);
    const g = f64(this.gAddr, k * k);
    for (let i = 0; i < k * k; i++) g[i] = G[i];
    job.args[A_L1] = l1;
    job.args[A_L2] = l2;
    job.run();
    const P = job.reduce(k * mp + k * k + 1);
    const WtX = new Float64Array(k * m);
    for (let t = 0; t < k; t++) for (let j = 0; j < m; j++) WtX[t * m + j] = P[t * mp + j];
    return { WtX, WtW: P.slice(k * mp, k * mp + k * k), crossChange: P[k * mp + k * k] };
  }

  /** Copy the current W (count×k) into `out`. */
  readW(out: Float64Array): void {
    out.set(f64(this.wAddr, this.job.n * this.k));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.job.free();
  }
}

/** Open a multiplicative-update session (see MuSession), or null when the WASM path cannot run on this source. */
export function muSession(src: RowSource, W: Float64Array, k: number, clip: boolean): MuSession | null {
  if (!usable(src)) return null;
  try {
    return new MuSession(src, W, k, clip);
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

/** Open a HALS session (see HalsSession), or null when the WASM path cannot run on this source. */
export function halsSession(src: RowSource, W: Float64Array, k: number, clip: boolean): HalsSession | null {
  if (!usable(src)) return null;
  try {
    return new HalsSession(src, W, k, clip);
  } catch (e) {
    if (e instanceof RangeError) return null; // W and the partials do not fit next to the cube: TypeScript path
    throw e;
  }
}
