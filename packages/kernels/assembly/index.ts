// specmap kernels: SIMD (v128) block kernels over a Float32 cube in shared linear memory.
//
// Compiled by AssemblyScript (`asc --enable simd,threads --importMemory --sharedMemory`)
// to dist/kernels.wasm. The module has no static data and never allocates: every
// buffer (the cube, the factors, per-thread scratch, per-chunk partials) is placed
// in the imported shared memory by the TypeScript side (src/memory.ts), which
// describes a job as an array of f64 arguments at JOB (see src/pool.ts) and calls
// `run_chunk(c, tid)` once per chunk of rows, from any thread.
//
// Numerical contract: products are formed in f32 (the cube's precision, as
// scikit-learn does for float32 input) with 4-lane f32 accumulators over short
// runs (≤ one channel row, or ≤ 128 rows), every run is then added in f64.
// Per-chunk results go to their own partial slot; the caller sums the slots in
// chunk order, so results do not depend on the number of threads.

const JOB: usize = 2048;

// Job arguments (f64 slots at JOB).
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
const A_L2 = 27;
const EPS32: f64 = 1.1920928955078125e-7; // float32 machine epsilon (scikit-learn's EPSILON for float32 X)

const R: i32 = 128; // rows per sub-block (staged, f32 runs)

@inline function arg(i: i32): f64 {
  return load<f64>(JOB + (<usize>i << 3));
}
@inline function argp(i: i32): usize {
  return <usize>load<f64>(JOB + (<usize>i << 3));
}
@inline function argi(i: i32): i32 {
  return <i32>load<f64>(JOB + (<usize>i << 3));
}

@inline function hsum(v: v128): f64 {
  return (
    <f64>f32x4.extract_lane(v, 0) +
    <f64>f32x4.extract_lane(v, 1) +
    <f64>f32x4.extract_lane(v, 2) +
    <f64>f32x4.extract_lane(v, 3)
  );
}

/** Add the 4 lanes of v to 4 consecutive f64 at p. */
@inline function flush4(p: usize, v: v128): void {
  store<f64>(p, load<f64>(p) + <f64>f32x4.extract_lane(v, 0));
  store<f64>(p + 8, load<f64>(p + 8) + <f64>f32x4.extract_lane(v, 1));
  store<f64>(p + 16, load<f64>(p + 16) + <f64>f32x4.extract_lane(v, 2));
  store<f64>(p + 24, load<f64>(p + 24) + <f64>f32x4.extract_lane(v, 3));
}

function zero(p: usize, bytes: usize): void {
  memory.fill(p, 0, bytes);
}

// Per-instance (per-thread) globals set by run_chunk.
let gStaged = false;
let gStage: usize = 0;

/** Address of active row r. */
@inline function rowAddr(r: i32, r0: i32, m: i32): usize {
  if (gStaged) return gStage + <usize>(r - r0) * <usize>m * 4; // rows staged by the caller for this chunk
  const x = argp(A_X);
  if (argi(A_USEIDX) != 0) {
    const row = load<i32>(argp(A_IDX) + (<usize>r << 2));
    return x + <usize>row * <usize>m * 4;
  }
  return x + <usize>r * <usize>m * 4;
}

/**
 * Copy rows sb..sb+nb−1 into S (row stride mp, zero padded), clipped and centred.
 * The clip uses pmax(v, 0) (one instruction; NaN stays NaN, −0 stays −0, like `v < 0 ? 0 : v`).
 * The four variants are separate loops so that no test runs per vector.
 */
function stageRows(S: usize, sb: i32, nb: i32, r0: i32, m: i32, mp: i32, mu: usize, clip: bool): void {
  const z = f32x4.splat(0);
  const m4 = m & ~3;
  const b4 = <usize>m4 << 2;
  if (mu == 0 && !clip && m == mp && !gStaged && argi(A_USEIDX) == 0) {
    memory.copy(S, rowAddr(sb, r0, m), <usize>nb * <usize>m * 4); // contiguous rows, nothing to change
    return;
  }
  if (mu == 0 && clip && m == mp && !gStaged && argi(A_USEIDX) == 0) {
    // contiguous rows, clipped: one flat loop, 64 bytes per step (the per-row loop of 16 bytes
    // per step made staging ~40 % of a HALS pass on data with negatives)
    const src = rowAddr(sb, r0, m);
    const bytes = <usize>nb * <usize>m * 4;
    let o: usize = 0;
    for (; o + 64 <= bytes; o += 64) {
      const a = src + o;
      const b = S + o;
      v128.store(b, f32x4.pmax(v128.load(a), z));
      v128.store(b, f32x4.pmax(v128.load(a, 16), z), 16);
      v128.store(b, f32x4.pmax(v128.load(a, 32), z), 32);
      v128.store(b, f32x4.pmax(v128.load(a, 48), z), 48);
    }
    for (; o < bytes; o += 16) v128.store(S + o, f32x4.pmax(v128.load(src + o), z));
    return;
  }
  for (let i = 0; i < nb; i++) {
    const src = rowAddr(sb + i, r0, m);
    const dst = S + <usize>i * <usize>mp * 4;
    let o: usize = 0;
    if (mu == 0) {
      if (clip) for (; o < b4; o += 16) v128.store(dst + o, f32x4.pmax(v128.load(src + o), z));
      else for (; o < b4; o += 16) v128.store(dst + o, v128.load(src + o));
    } else {
      if (clip) for (; o < b4; o += 16) v128.store(dst + o, f32x4.sub(f32x4.pmax(v128.load(src + o), z), v128.load(mu + o)));
      else for (; o < b4; o += 16) v128.store(dst + o, f32x4.sub(v128.load(src + o), v128.load(mu + o)));
    }
    for (let j = m4; j < m; j++) {
      let v = load<f32>(src + (<usize>j << 2));
      if (clip && v < 0) v = 0;
      if (mu != 0) v -= load<f32>(mu + (<usize>j << 2));
      store<f32>(dst + (<usize>j << 2), v);
    }
    for (let j = m; j < mp; j++) store<f32>(dst + (<usize>j << 2), 0);
  }
}

/**
 * Two rows a, b against 4 rows of Y, given interleaved (see interleave4): yi holds, per
 * 4 channels, the 4 components' values one after the other (64 bytes), so every load
 * has a constant offset. out[a|b][t0..t0+3] (f64). One f32 accumulator per
 * (row, component) over all channels, channels in order, as in `project`.
 * (Unrolling this loop twice was measured 8 % slower: V8 hoists all loads and spills.)
 */
function projectPair4(a: usize, b: usize, yi: usize, mp: i32, oa: usize, ob: usize): void {
  const z = f32x4.splat(0);
  let a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
  const d = b - a;
  const e = a + (<usize>mp << 2);
  let y = yi;
  for (let p = a; p < e; p += 16, y += 64) {
    const u = v128.load(p);
    const v = v128.load(p + d);
    let h = v128.load(y);
    a0 = f32x4.add(a0, f32x4.mul(u, h));
    b0 = f32x4.add(b0, f32x4.mul(v, h));
    h = v128.load(y, 16);
    a1 = f32x4.add(a1, f32x4.mul(u, h));
    b1 = f32x4.add(b1, f32x4.mul(v, h));
    h = v128.load(y, 32);
    a2 = f32x4.add(a2, f32x4.mul(u, h));
    b2 = f32x4.add(b2, f32x4.mul(v, h));
    h = v128.load(y, 48);
    a3 = f32x4.add(a3, f32x4.mul(u, h));
    b3 = f32x4.add(b3, f32x4.mul(v, h));
  }
  store<f64>(oa, hsum(a0));
  store<f64>(oa + 8, hsum(a1));
  store<f64>(oa + 16, hsum(a2));
  store<f64>(oa + 24, hsum(a3));
  store<f64>(ob, hsum(b0));
  store<f64>(ob + 8, hsum(b1));
  store<f64>(ob + 16, hsum(b2));
  store<f64>(ob + 24, hsum(b3));
}

/**
 * YI = Y (k×mp f32, row stride mp) regrouped for projectPair4: for each group of 4
 * components (t = 4g … 4g+3) and each 4 channels j, the 4 components' j…j+3 one after
 * the other. Groups follow each other (g·4·mp floats); components beyond the last
 * full group are not copied (projectPair1 reads them from Y).
 */
function interleave4(Y: usize, k: i32, mp: i32, YI: usize): void {
  const ys = <usize>mp << 2;
  for (let t = 0; t + 4 <= k; t += 4) {
    const dst = YI + <usize>t * ys;
    const src = Y + <usize>t * ys;
    for (let j = 0; j < mp; j += 4) {
      const o = <usize>j << 2;
      const q = dst + (o << 2);
      v128.store(q, v128.load(src + o));
      v128.store(q, v128.load(src + ys + o), 16);
      v128.store(q, v128.load(src + 2 * ys + o), 32);
      v128.store(q, v128.load(src + 3 * ys + o), 48);
    }
  }
}

/** Two rows against one row y of Y: out at oa, ob (f64). */
function projectPair1(a: usize, b: usize, y: usize, mp: i32, oa: usize, ob: usize): void {
  let a0 = f32x4.splat(0);
  let b0 = f32x4.splat(0);
  const e = a + (<usize>mp << 2);
  const d = b - a;
  for (let p = a; p < e; p += 16, y += 16) {
    const h = v128.load(y);
    a0 = f32x4.add(a0, f32x4.mul(v128.load(p), h));
    b0 = f32x4.add(b0, f32x4.mul(v128.load(p + d), h));
  }
  store<f64>(oa, hsum(a0));
  store<f64>(ob, hsum(b0));
}

/** XH[i, t] (f64, nb×k) = S_i·Y_t for the nb staged rows (pairs of rows, groups of 4 components). */
function projectBlock(S: usize, nb: i32, Y: usize, YI: usize, k: i32, mp: i32, XH: usize): void {
  const rs = <usize>mp << 2;
  const ks = <usize>k << 3;
  let i = 0;
  for (; i + 2 <= nb; i += 2) {
    const a = S + <usize>i * rs;
    const oa = XH + <usize>i * ks;
    let t = 0;
    for (; t + 4 <= k; t += 4) projectPair4(a, a + rs, YI + <usize>t * rs, mp, oa + (<usize>t << 3), oa + ks + (<usize>t << 3));
    for (; t < k; t++) projectPair1(a, a + rs, Y + <usize>t * rs, mp, oa + (<usize>t << 3), oa + ks + (<usize>t << 3));
  }
  if (i < nb) {
    // last odd row: pair it with itself (same arithmetic as a pair; the second result is dropped)
    // (XH has R rows and nb < R here, so row nb is free scratch for the dropped half)
    const a = S + <usize>i * rs;
    const oa = XH + <usize>i * ks;
    let t = 0;
    for (; t + 4 <= k; t += 4) projectPair4(a, a, YI + <usize>t * rs, mp, oa + (<usize>t << 3), oa + ks);
    for (; t < k; t++) projectPair1(a, a, Y + <usize>t * rs, mp, oa + (<usize>t << 3), oa + ks);
  }
}

/** out[t] (f64) = Σ_j row[j]·Y[t, j] for t < k (Y: k×mp f32, padded with zeros). */
function project(row: usize, Y: usize, k: i32, mp: i32, out: usize): void {
  const ys = <usize>mp << 2;
  let t = 0;
  for (; t + 4 <= k; t += 4) {
    const y0 = Y + <usize>t * ys;
    const y1 = y0 + ys;
    const y2 = y1 + ys;
    const y3 = y2 + ys;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (let j = 0; j < mp; j += 4) {
      const o = <usize>j << 2;
      const x = v128.load(row + o);
      a0 = f32x4.add(a0, f32x4.mul(x, v128.load(y0 + o)));
      a1 = f32x4.add(a1, f32x4.mul(x, v128.load(y1 + o)));
      a2 = f32x4.add(a2, f32x4.mul(x, v128.load(y2 + o)));
      a3 = f32x4.add(a3, f32x4.mul(x, v128.load(y3 + o)));
    }
    store<f64>(out + (<usize>t << 3), hsum(a0));
    store<f64>(out + (<usize>(t + 1) << 3), hsum(a1));
    store<f64>(out + (<usize>(t + 2) << 3), hsum(a2));
    store<f64>(out + (<usize>(t + 3) << 3), hsum(a3));
  }
  for (; t < k; t++) {
    const y0 = Y + <usize>t * ys;
    let a0 = f32x4.splat(0);
    for (let j = 0; j < mp; j += 4) {
      const o = <usize>j << 2;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(row + o), v128.load(y0 + o)));
    }
    store<f64>(out + (<usize>t << 3), hsum(a0));
  }
}

/**
 * One register tile: out[t0 + a, j0 … j0+7] (f64 rows at o0, stride os) += Σ_{i<nb} w_i[a]·x_i[0 … 7]
 * for a < 4, with x_i = 8 f32 at p + i·ps and w_i = 4 f32 at q + i·qs: rows in order, one f32
 * run per call, added in f64.
 */
@inline function tile4x8(p: usize, ps: usize, q: usize, qs: usize, nb: i32, o0: usize, os: usize): void {
  const z = f32x4.splat(0);
  let a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z;
  const e = q + <usize>nb * qs;
  for (; q < e; q += qs, p += ps) {
    const x0 = v128.load(p);
    const x1 = v128.load(p, 16);
    let w = v128.load32_splat(q);
    a0 = f32x4.add(a0, f32x4.mul(w, x0));
    b0 = f32x4.add(b0, f32x4.mul(w, x1));
    w = v128.load32_splat(q, 4);
    a1 = f32x4.add(a1, f32x4.mul(w, x0));
    b1 = f32x4.add(b1, f32x4.mul(w, x1));
    w = v128.load32_splat(q, 8);
    a2 = f32x4.add(a2, f32x4.mul(w, x0));
    b2 = f32x4.add(b2, f32x4.mul(w, x1));
    w = v128.load32_splat(q, 12);
    a3 = f32x4.add(a3, f32x4.mul(w, x0));
    b3 = f32x4.add(b3, f32x4.mul(w, x1));
  }
  flush4(o0, a0);
  flush4(o0 + 32, b0);
  flush4(o0 + os, a1);
  flush4(o0 + os + 32, b1);
  flush4(o0 + 2 * os, a2);
  flush4(o0 + 2 * os + 32, b2);
  flush4(o0 + 3 * os, a3);
  flush4(o0 + 3 * os + 32, b3);
}

/**
 * out[t, j] (f64, k×mp) += Σ_{i<nb} WS[i, t]·S[i, j]  (S: nb×mp f32, WS: nb×k f32).
 * Register tiles of 4 components × 8 channels (then 2 × 16, 1 × 16), f32 runs of nb ≤ 128 rows.
 */
function accumulate(S: usize, WS: usize, nb: i32, k: i32, mp: i32, out: usize): void {
  const ss = <usize>mp << 2;
  const ws = <usize>k << 2;
  let t = 0;
  for (; t + 4 <= k; t += 4) {
    for (let j = 0; j < mp; j += 8) tile4x8(S + (<usize>j << 2), ss, WS + (<usize>t << 2), ws, nb, out + ((<usize>t * <usize>mp + <usize>j) << 3), <usize>mp << 3);
  }
  for (; t + 2 <= k; t += 2) {
    for (let j = 0; j < mp; j += 16) {
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      let b0 = f32x4.splat(0);
      let b1 = f32x4.splat(0);
      let b2 = f32x4.splat(0);
      let b3 = f32x4.splat(0);
      let p = S + (<usize>j << 2);
      let q = WS + (<usize>t << 2);
      for (let i = 0; i < nb; i++) {
        const x0 = v128.load(p);
        const x1 = v128.load(p + 16);
        const x2 = v128.load(p + 32);
        const x3 = v128.load(p + 48);
        const w0 = v128.load32_splat(q);
        const w1 = v128.load32_splat(q + 4);
        a0 = f32x4.add(a0, f32x4.mul(w0, x0));
        a1 = f32x4.add(a1, f32x4.mul(w0, x1));
        a2 = f32x4.add(a2, f32x4.mul(w0, x2));
        a3 = f32x4.add(a3, f32x4.mul(w0, x3));
        b0 = f32x4.add(b0, f32x4.mul(w1, x0));
        b1 = f32x4.add(b1, f32x4.mul(w1, x1));
        b2 = f32x4.add(b2, f32x4.mul(w1, x2));
        b3 = f32x4.add(b3, f32x4.mul(w1, x3));
        p += ss;
        q += ws;
      }
      const o0 = out + ((<usize>t * <usize>mp + <usize>j) << 3);
      flush4(o0, a0);
      flush4(o0 + 32, a1);
      flush4(o0 + 64, a2);
      flush4(o0 + 96, a3);
      const o1 = o0 + (<usize>mp << 3);
      flush4(o1, b0);
      flush4(o1 + 32, b1);
      flush4(o1 + 64, b2);
      flush4(o1 + 96, b3);
    }
  }
  for (; t < k; t++) {
    for (let j = 0; j < mp; j += 16) {
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      let p = S + (<usize>j << 2);
      let q = WS + (<usize>t << 2);
      for (let i = 0; i < nb; i++) {
        const w0 = v128.load32_splat(q);
        a0 = f32x4.add(a0, f32x4.mul(w0, v128.load(p)));
        a1 = f32x4.add(a1, f32x4.mul(w0, v128.load(p + 16)));
        a2 = f32x4.add(a2, f32x4.mul(w0, v128.load(p + 32)));
        a3 = f32x4.add(a3, f32x4.mul(w0, v128.load(p + 48)));
        p += ss;
        q += ws;
      }
      const o0 = out + ((<usize>t * <usize>mp + <usize>j) << 3);
      flush4(o0, a0);
      flush4(o0 + 32, a1);
      flush4(o0 + 64, a2);
      flush4(o0 + 96, a3);
    }
  }
}

/** Row g (4 f64) of WᵀW += w·(w0, w1, w2, w3). */
@inline function wtwRow4(g: usize, w: f64, w0: f64, w1: f64, w2: f64, w3: f64): void {
  store<f64>(g, load<f64>(g) + w * w0);
  store<f64>(g, load<f64>(g, 8) + w * w1, 8);
  store<f64>(g, load<f64>(g, 16) + w * w2, 16);
  store<f64>(g, load<f64>(g, 24) + w * w3, 24);
}

/**
 * op 0: project   P[r, t] = x_r·Y_t (f64, at A_W, count×k)
 * op 1: normal    partial Z (k×mp f64) += Σ_r (x_r·Y_t) x_r, then ss (f64)
 * op 2: HALS      per row: xh = x_r·H_t, coordinate descent on W[r, :] with hh (k×k f64) and l1,
 *                 partial WtX (k×mp f64) += W[r,t] x_r, WtW (k×k f64), violation (f64)
 * op 8: MU        as op 2 with scikit-learn's multiplicative W update (G = HHᵀ at A_HH, l1, l2)
 * op 6: WᵀX       partial WtX (k×mp f64) += W[r,t] x_r for the given W (f64 at A_W), WtW (k×k f64)
 *
 * Per block of ≤ R rows: stage (one sequential read of X), project the block (pairs of rows ×
 * groups of 4 components, from L1/L2), the per-row scalar work, then accumulate the block
 * (register tiles over the block's rows, one f32 run, added in f64).
 */
function passChunk(op: i32, r0: i32, r1: i32, tid: i32, c: i32): void {
  const m = argi(A_M);
  const mp = argi(A_MP);
  const k = argi(A_K);
  const mu = argp(A_MU);
  const clip = argi(A_CLIP) != 0;
  const Y = argp(A_Y);
  const scratch = argp(A_SCRATCH) + <usize>tid * argp(A_SCRATCH_STRIDE);
  const S = scratch; // R×mp f32
  const WS = S + <usize>R * <usize>mp * 4; // R×k f32
  const XH = (WS + <usize>R * <usize>k * 4 + 15) & ~(<usize>15); // R×k f64
  const XS = XH + <usize>R * <usize>k * 8; // k f64
  const YI = (XS + <usize>k * 8 + 15) & ~(<usize>15); // k×mp f32: Y regrouped by interleave4
  if (op != 6 && k >= 4) interleave4(Y, k, mp, YI);
  const part = argp(A_PARTIAL) + <usize>c * argp(A_PARTIAL_STRIDE);
  const W = argp(A_W);
  const ksz = <usize>k;
  const rs = <usize>mp << 2;
  let extra: f64 = 0;
  let wtw: usize = 0;
  if (op != 0) {
    zero(part, (ksz * <usize>mp + ksz * ksz + 1) << 3);
    wtw = part + ((ksz * <usize>mp) << 3);
  }
  const hh = argp(A_HH);
  const l1 = arg(A_L1);
  // K = 4 HALS: the 16 entries of hh in locals
  let h00: f64 = 0, h01: f64 = 0, h02: f64 = 0, h03: f64 = 0, h10: f64 = 0, h11: f64 = 0, h12: f64 = 0, h13: f64 = 0;
  let h20: f64 = 0, h21: f64 = 0, h22: f64 = 0, h23: f64 = 0, h30: f64 = 0, h31: f64 = 0, h32: f64 = 0, h33: f64 = 0;
  if (op == 2 && k == 4) {
    h00 = load<f64>(hh); h01 = load<f64>(hh, 8); h02 = load<f64>(hh, 16); h03 = load<f64>(hh, 24);
    h10 = load<f64>(hh, 32); h11 = load<f64>(hh, 40); h12 = load<f64>(hh, 48); h13 = load<f64>(hh, 56);
    h20 = load<f64>(hh, 64); h21 = load<f64>(hh, 72); h22 = load<f64>(hh, 80); h23 = load<f64>(hh, 88);
    h30 = load<f64>(hh, 96); h31 = load<f64>(hh, 104); h32 = load<f64>(hh, 112); h33 = load<f64>(hh, 120);
  }
  // Rows are always staged (stageRows: one sequential read of X per block): reading X in
  // place through the projection was measured slower (16.7 vs 13.6 ms per 65,536-row pass;
  // the loads then wait on memory instead of streaming).
  for (let sb = r0; sb < r1; sb += R) {
    const nb = min(R, r1 - sb);
    const X = S;
    stageRows(S, sb, nb, r0, m, mp, mu, clip);
    if (op == 0) {
      projectBlock(X, nb, Y, YI, k, mp, W + <usize>sb * ksz * 8);
      continue;
    }
    if (op != 6) projectBlock(X, nb, Y, YI, k, mp, XH);
    for (let i = 0; i < nb; i++) {
      const ws = WS + <usize>i * ksz * 4;
      const xh = XH + <usize>i * ksz * 8;
      if (op == 1) {
        const row = X + <usize>i * rs;
        for (let t = 0; t < k; t++) store<f32>(ws + (<usize>t << 2), <f32>load<f64>(xh + (<usize>t << 3)));
        let a = f32x4.splat(0);
        for (let o: usize = 0; o < rs; o += 16) {
          const x = v128.load(row + o);
          a = f32x4.add(a, f32x4.mul(x, x));
        }
        extra += hsum(a);
        continue;
      }
      const wo = W + <usize>(sb + i) * ksz * 8;
      if (op == 8) {
        // multiplicative update of row r of W (scikit-learn 'mu', β = 2): d_t = Σ_s W[r,s]·G[s,t]
        // (+ l1, + l2·W[r,t]); W[r,t] ← fround(W[r,t]·(xh_t / d_t)) (d_t = 0 → float32 eps);
        // extra += (W_new − W_old)·xh_t. Every d_t from the old row (XS holds it).
        const l2 = arg(A_L2);
        for (let t = 0; t < k; t++) {
          let d: f64 = 0;
          for (let s = 0; s < k; s++) d += load<f64>(wo + (<usize>s << 3)) * load<f64>(hh + ((<usize>s * ksz + <usize>t) << 3));
          store<f64>(XS + (<usize>t << 3), d);
        }
        for (let t = 0; t < k; t++) {
          let d = load<f64>(XS + (<usize>t << 3));
          if (l1 > 0) d += l1;
          const old = load<f64>(wo + (<usize>t << 3));
          if (l2 > 0) d += l2 * old;
          const x = load<f64>(xh + (<usize>t << 3));
          const w = <f64><f32>(old * (x / (d == 0 ? EPS32 : d)));
          store<f64>(wo + (<usize>t << 3), w);
          extra += (w - old) * x;
        }
      }
      if (op == 2 && k == 4) {
        // The same coordinate descent written out for K = 4 (same operations, same order),
        // with selects instead of data-dependent branches: as W fills with zeros they mispredict.
        let w0 = load<f64>(wo);
        let w1 = load<f64>(wo, 8);
        let w2 = load<f64>(wo, 16);
        let w3 = load<f64>(wo, 24);
        let grad: f64 = 0;
        grad = -(load<f64>(xh, 0) - l1);
        grad += h00 * w0;
        grad += h01 * w1;
        grad += h02 * w2;
        grad += h03 * w3;
        extra += Math.abs(select<f64>(Math.min(0, grad), grad, w0 == 0));
        if (h00 != 0) {
          const nw = w0 - grad / h00;
          w0 = select<f64>(nw, 0, nw > 0);
        }
        grad = -(load<f64>(xh, 8) - l1);
        grad += h10 * w0;
        grad += h11 * w1;
        grad += h12 * w2;
        grad += h13 * w3;
        extra += Math.abs(select<f64>(Math.min(0, grad), grad, w1 == 0));
        if (h11 != 0) {
          const nw = w1 - grad / h11;
          w1 = select<f64>(nw, 0, nw > 0);
        }
        grad = -(load<f64>(xh, 16) - l1);
        grad += h20 * w0;
        grad += h21 * w1;
        grad += h22 * w2;
        grad += h23 * w3;
        extra += Math.abs(select<f64>(Math.min(0, grad), grad, w2 == 0));
        if (h22 != 0) {
          const nw = w2 - grad / h22;
          w2 = select<f64>(nw, 0, nw > 0);
        }
        grad = -(load<f64>(xh, 24) - l1);
        grad += h30 * w0;
        grad += h31 * w1;
        grad += h32 * w2;
        grad += h33 * w3;
        extra += Math.abs(select<f64>(Math.min(0, grad), grad, w3 == 0));
        if (h33 != 0) {
          const nw = w3 - grad / h33;
          w3 = select<f64>(nw, 0, nw > 0);
        }
        store<f64>(wo, w0);
        store<f64>(wo, w1, 8);
        store<f64>(wo, w2, 16);
        store<f64>(wo, w3, 24);
        store<f32>(ws, <f32>w0);
        store<f32>(ws, <f32>w1, 4);
        store<f32>(ws, <f32>w2, 8);
        store<f32>(ws, <f32>w3, 12);
        // unconditionally (w ≥ 0, so a zero w adds +0 to a sum that is +0 or positive:
        // the same bits as skipping it, without a data-dependent branch per row)
        wtwRow4(wtw, w0, w0, w1, w2, w3);
        wtwRow4(wtw + 32, w1, w0, w1, w2, w3);
        wtwRow4(wtw + 64, w2, w0, w1, w2, w3);
        wtwRow4(wtw + 96, w3, w0, w1, w2, w3);
        continue;
      }
      if (op == 2) {
        // HALS coordinate descent on row r of W (in place, components in order).
        for (let t = 0; t < k; t++) {
          let grad = -(load<f64>(xh + (<usize>t << 3)) - l1);
          const ht = hh + <usize>t * ksz * 8;
          for (let s = 0; s < k; s++) grad += load<f64>(ht + (<usize>s << 3)) * load<f64>(wo + (<usize>s << 3));
          const w = load<f64>(wo + (<usize>t << 3));
          extra += Math.abs(w == 0 ? Math.min(0, grad) : grad);
          const hess = load<f64>(ht + (<usize>t << 3));
          if (hess != 0) {
            const nw = w - grad / hess;
            store<f64>(wo + (<usize>t << 3), nw > 0 ? nw : 0);
          }
        }
      }
      for (let t = 0; t < k; t++) {
        const w = load<f64>(wo + (<usize>t << 3));
        store<f32>(ws + (<usize>t << 2), <f32>w);
        if (w != 0) {
          const g = wtw + <usize>t * ksz * 8;
          for (let s = 0; s < k; s++) store<f64>(g + (<usize>s << 3), load<f64>(g + (<usize>s << 3)) + w * load<f64>(wo + (<usize>s << 3)));
        }
      }
    }
    accumulate(X, WS, nb, k, mp, part);
  }
  if (op != 0) store<f64>(wtw + ((ksz * ksz) << 3), extra);
}

/**
 * op 3: partial G (mp×mp f64, upper triangle valid: every (t, j) with j ≥ t) += X_cᵀX_c over
 * rows r0..r1. Per block of ≤ R staged rows (clipped and centred by stageRows), register tiles
 * of 4 rows t of G × 8 columns j (j from the tile holding t): tile4x8 with the block as its own
 * weights: G[t, j] += Σ_i S[i, t]·S[i, j], one f32 run per block, added in f64.
 */
function gramChunk(r0: i32, r1: i32, tid: i32, c: i32): void {
  const m = argi(A_M);
  const mp = argi(A_MP);
  const mu = argp(A_MU);
  const clip = argi(A_CLIP) != 0;
  const S = argp(A_SCRATCH) + <usize>tid * argp(A_SCRATCH_STRIDE); // R×mp f32
  const G = argp(A_PARTIAL) + <usize>c * argp(A_PARTIAL_STRIDE);
  zero(G, (<usize>mp * <usize>mp) << 3);
  const ss = <usize>mp << 2;
  const os = <usize>mp << 3;
  for (let sb = r0; sb < r1; sb += R) {
    const nb = min(R, r1 - sb);
    stageRows(S, sb, nb, r0, m, mp, mu, clip);
    for (let t = 0; t < mp; t += 4) {
      for (let j = t & ~7; j < mp; j += 8) tile4x8(S + (<usize>j << 2), ss, S + (<usize>t << 2), ss, nb, G + ((<usize>t * <usize>mp + <usize>j) << 3), os);
    }
  }
}

/**
 * op 4: k-means assign (+ accumulate). Centres C (k×mp f32, centred, zero padded) at A_Y.
 * labels (i32) and dist (f64, squared distance) per active row; with A_ACCUM the partial
 * holds sums (k×mp f64) and counts (k f64).
 */
function kmeansChunk(r0: i32, r1: i32, tid: i32, c: i32): void {
  const m = argi(A_M);
  const mp = argi(A_MP);
  const k = argi(A_K);
  const mu = argp(A_MU);
  const C = argp(A_Y);
  const labels = argp(A_LABELS);
  const dist = argp(A_DIST);
  const mode = argi(A_ACCUM);
  const accum = mode == 1; // 1: sums and counts per cluster; 2: every distance (dist is count×k)
  const allD = mode == 2;
  const scratch = argp(A_SCRATCH) + <usize>tid * argp(A_SCRATCH_STRIDE);
  const S = scratch; // R×mp f32
  const ACC = S + <usize>R * <usize>mp * 4; // k×mp f32
  const ksz = <usize>k;
  const cs = <usize>mp << 2;
  const part = argp(A_PARTIAL) + <usize>c * argp(A_PARTIAL_STRIDE);
  const counts = part + ((ksz * <usize>mp) << 3);
  if (accum) zero(part, (ksz * <usize>mp + ksz) << 3);
  for (let sb = r0; sb < r1; sb += R) {
    const nb = min(R, r1 - sb);
    stageRows(S, sb, nb, r0, m, mp, mu, false);
    if (accum) zero(ACC, ksz * cs);
    for (let i = 0; i < nb; i++) {
      const row = S + <usize>i * cs;
      let best = 0;
      let bestD = Infinity;
      let t = 0;
      for (; t + 4 <= k; t += 4) {
        const c0 = C + <usize>t * cs;
        const c1 = c0 + cs;
        const c2 = c1 + cs;
        const c3 = c2 + cs;
        let a0 = f32x4.splat(0);
        let a1 = f32x4.splat(0);
        let a2 = f32x4.splat(0);
        let a3 = f32x4.splat(0);
        for (let j = 0; j < mp; j += 4) {
          const o = <usize>j << 2;
          const x = v128.load(row + o);
          const d0 = f32x4.sub(x, v128.load(c0 + o));
          a0 = f32x4.add(a0, f32x4.mul(d0, d0));
          const d1 = f32x4.sub(x, v128.load(c1 + o));
          a1 = f32x4.add(a1, f32x4.mul(d1, d1));
          const d2 = f32x4.sub(x, v128.load(c2 + o));
          a2 = f32x4.add(a2, f32x4.mul(d2, d2));
          const d3 = f32x4.sub(x, v128.load(c3 + o));
          a3 = f32x4.add(a3, f32x4.mul(d3, d3));
        }
        const e0 = hsum(a0);
        if (e0 < bestD) { bestD = e0; best = t; }
        const e1 = hsum(a1);
        if (e1 < bestD) { bestD = e1; best = t + 1; }
        const e2 = hsum(a2);
        if (e2 < bestD) { bestD = e2; best = t + 2; }
        const e3 = hsum(a3);
        if (e3 < bestD) { bestD = e3; best = t + 3; }
        if (allD) {
          const p = dist + ((<usize>(sb + i) * ksz + <usize>t) << 3);
          store<f64>(p, e0);
          store<f64>(p + 8, e1);
          store<f64>(p + 16, e2);
          store<f64>(p + 24, e3);
        }
      }
      for (; t < k; t++) {
        const c0 = C + <usize>t * cs;
        let a0 = f32x4.splat(0);
        for (let j = 0; j < mp; j += 4) {
          const o = <usize>j << 2;
          const d0 = f32x4.sub(v128.load(row + o), v128.load(c0 + o));
          a0 = f32x4.add(a0, f32x4.mul(d0, d0));
        }
        const e0 = hsum(a0);
        if (e0 < bestD) { bestD = e0; best = t; }
        if (allD) store<f64>(dist + ((<usize>(sb + i) * ksz + <usize>t) << 3), e0);
      }
      const r = sb + i;
      store<i32>(labels + (<usize>r << 2), best);
      if (!allD) store<f64>(dist + (<usize>r << 3), bestD);
      if (accum) {
        const p = counts + (<usize>best << 3);
        store<f64>(p, load<f64>(p) + 1);
        const a = ACC + <usize>best * cs;
        for (let j = 0; j < mp; j += 4) {
          const o = <usize>j << 2;
          v128.store(a + o, f32x4.add(v128.load(a + o), v128.load(row + o)));
        }
      }
    }
    if (accum) {
      for (let t = 0; t < k; t++) {
        const a = ACC + <usize>t * cs;
        const o = part + ((<usize>t * <usize>mp) << 3);
        for (let j = 0; j < mp; j += 4) flush4(o + (<usize>j << 3), v128.load(a + (<usize>j << 2)));
      }
    }
  }
}

/** op 5: partial = [column sums of x_c (mp f64), column sums of x_c² (mp f64)]. */
function momentsChunk(r0: i32, r1: i32, tid: i32, c: i32): void {
  const m = argi(A_M);
  const mp = argi(A_MP);
  const mu = argp(A_MU);
  const clip = argi(A_CLIP) != 0;
  const S = argp(A_SCRATCH) + <usize>tid * argp(A_SCRATCH_STRIDE);
  const ACC = S + <usize>R * <usize>mp * 4; // 2×mp f32
  const part = argp(A_PARTIAL) + <usize>c * argp(A_PARTIAL_STRIDE);
  const cs = <usize>mp << 2;
  zero(part, (<usize>mp * 2) << 3);
  for (let sb = r0; sb < r1; sb += R) {
    const nb = min(R, r1 - sb);
    stageRows(S, sb, nb, r0, m, mp, mu, clip);
    zero(ACC, 2 * cs);
    for (let i = 0; i < nb; i++) {
      const row = S + <usize>i * cs;
      for (let j = 0; j < mp; j += 4) {
        const o = <usize>j << 2;
        const x = v128.load(row + o);
        v128.store(ACC + o, f32x4.add(v128.load(ACC + o), x));
        v128.store(ACC + cs + o, f32x4.add(v128.load(ACC + cs + o), f32x4.mul(x, x)));
      }
    }
    for (let j = 0; j < mp; j += 4) {
      flush4(part + (<usize>j << 3), v128.load(ACC + (<usize>j << 2)));
      flush4(part + ((<usize>mp + <usize>j) << 3), v128.load(ACC + cs + (<usize>j << 2)));
    }
  }
}

/**
 * op 7: partial[0] (f64) = Σ_r ‖x_r − Σ_t W[r,t]·Y_t‖² (x clipped and centred as staged; W f64
 * count×k at A_W rounded to f32, Y k×mp f32 zero padded). Per row: the residual in f32,
 * its squares summed in 4 f32 lanes, the row's sum added in f64.
 */
function residualChunk(r0: i32, r1: i32, tid: i32, c: i32): void {
  const m = argi(A_M);
  const mp = argi(A_MP);
  const k = argi(A_K);
  const mu = argp(A_MU);
  const clip = argi(A_CLIP) != 0;
  const Y = argp(A_Y);
  const W = argp(A_W);
  const S = argp(A_SCRATCH) + <usize>tid * argp(A_SCRATCH_STRIDE); // R×mp f32
  const part = argp(A_PARTIAL) + <usize>c * argp(A_PARTIAL_STRIDE);
  const rs = <usize>mp << 2;
  const ksz = <usize>k;
  let total: f64 = 0;
  for (let sb = r0; sb < r1; sb += R) {
    const nb = min(R, r1 - sb);
    stageRows(S, sb, nb, r0, m, mp, mu, clip);
    for (let i = 0; i < nb; i++) {
      const row = S + <usize>i * rs;
      const wr = W + <usize>(sb + i) * ksz * 8;
      let acc = f32x4.splat(0);
      if (k == 4) {
        const w0 = f32x4.splat(<f32>load<f64>(wr));
        const w1 = f32x4.splat(<f32>load<f64>(wr, 8));
        const w2 = f32x4.splat(<f32>load<f64>(wr, 16));
        const w3 = f32x4.splat(<f32>load<f64>(wr, 24));
        for (let o: usize = 0; o < rs; o += 16) {
          let v = v128.load(row + o);
          v = f32x4.sub(v, f32x4.mul(w0, v128.load(Y + o)));
          v = f32x4.sub(v, f32x4.mul(w1, v128.load(Y + rs + o)));
          v = f32x4.sub(v, f32x4.mul(w2, v128.load(Y + 2 * rs + o)));
          v = f32x4.sub(v, f32x4.mul(w3, v128.load(Y + 3 * rs + o)));
          acc = f32x4.add(acc, f32x4.mul(v, v));
        }
      } else {
        for (let o: usize = 0; o < rs; o += 16) {
          let v = v128.load(row + o);
          for (let t = 0; t < k; t++) {
            v = f32x4.sub(v, f32x4.mul(f32x4.splat(<f32>load<f64>(wr + (<usize>t << 3))), v128.load(Y + <usize>t * rs + o)));
          }
          acc = f32x4.add(acc, f32x4.mul(v, v));
        }
      }
      total += hsum(acc);
    }
  }
  store<f64>(part, total);
}

/** Run chunk c of the job described at JOB, on thread tid (its scratch slot). */
export function run_chunk(c: i32, tid: i32): void {
  const op = argi(A_OP);
  const n = argi(A_N);
  const chunk = argi(A_CHUNK);
  const r0 = c * chunk;
  const r1 = min(n, r0 + chunk);
  if (r0 >= r1) return;
  gStaged = argi(A_SRC) != 0; // 1: staged by the main thread, 2: read from a file by this thread
  gStage = argp(A_STAGE) + <usize>tid * argp(A_STAGE_STRIDE);
  if (op <= 2 || op == 6 || op == 8) passChunk(op, r0, r1, tid, c);
  else if (op == 3) gramChunk(r0, r1, tid, c);
  else if (op == 4) kmeansChunk(r0, r1, tid, c);
  else if (op == 5) momentsChunk(r0, r1, tid, c);
  else if (op == 7) residualChunk(r0, r1, tid, c);
}
