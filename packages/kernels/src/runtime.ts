/**
 * The WebAssembly runtime: one shared `WebAssembly.Memory` holding the cube,
 * factors, per-thread scratch and per-chunk partials; a first-fit allocator
 * over it; a pool of worker threads that run chunks of a job synchronously
 * (the calling thread works too and blocks with `Atomics.wait` until every
 * chunk is done, so the public API stays synchronous).
 *
 * Job protocol (Int32 control words at CTRL, f64 arguments at JOB, both in
 * the shared memory): chunks are claimed with `Atomics.add(NEXT)`, whoever
 * claims a chunk runs it and counts it in DONE. Every chunk writes its own
 * partial slot, and the caller sums the slots in chunk order: the result does
 * not depend on which thread ran which chunk nor on the number of threads.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';

/** Byte offsets of the control words and job arguments (must match assembly/index.ts). */
export const CTRL = 1024;
export const JOB = 2048;
const HEAP_START = 65536;
const PAGE = 65536;
const MAX_PAGES = 65536;

// Control word indices (Int32 at CTRL).
const GEN = 0;
const NEXT = 1;
const DONE = 2;
const NCH = 3;
const ACTIVE = 4;
const MAXTID = 5;
const BIG = 0x3fffffff;

/** The few WebAssembly shapes used here (lib ES2020 has no WebAssembly types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export interface Runtime {
  memory: WasmMemory;
  module: object;
  runChunk: (c: number, tid: number) => void;
}

let runtime: Runtime | null | undefined;
let loadError = '';
const knownBuffers = new WeakSet<object>();

/** Find dist/kernels.wasm from src/ (tsx) or dist/ (compiled). */
function wasmPath(): string {
  return path.join(__dirname, '..', 'dist', 'kernels.wasm');
}

/** The runtime, instantiated synchronously on first use; null when WASM SIMD/threads are unavailable or disabled (SPECMAP_KERNELS=0). */
export function getRuntime(): Runtime | null {
  if (runtime !== undefined) return runtime;
  runtime = null;
  try {
    if (process.env.SPECMAP_KERNELS === '0') {
      loadError = 'disabled by SPECMAP_KERNELS=0';
      return null;
    }
    if (typeof SharedArrayBuffer === 'undefined' || WA === undefined) {
      loadError = 'SharedArrayBuffer or WebAssembly missing';
      return null;
    }
    const bytes = fs.readFileSync(wasmPath());
    const module = compileOptimized(bytes);
    const memory = new WA!.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
    const inst = new WA!.Instance(module, { env: { memory } });
    const runChunk = inst.exports.run_chunk as (c: number, tid: number) => void;
    runtime = { memory, module, runChunk };
    buffer();
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e);
    runtime = null;
  }
  return runtime;
}

/**
 * Compile the kernels with V8's optimizing compiler, all functions at once. By default
 * Node 20's V8 compiles each WebAssembly function lazily on its first call, with its
 * baseline compiler (Liftoff), and optimizes it only after it has run a while; there is no
 * on-stack replacement for WebAssembly, so the first long call of a kernel on each thread
 * (a whole Gram chunk, a whole first pass) runs baseline code: the first 65,536×256 Gram
 * took ~150 ms instead of ~110 ms. The module is small (~11 kB): compiling all of it
 * optimized costs a few milliseconds. The two flags are set around this one synchronous,
 * eager compilation and restored at once, so other WebAssembly in the process (the HDF5
 * reader's large module) keeps V8's defaults.
 */
function compileOptimized(bytes: Uint8Array): object {
  let v8: typeof import('v8') | null = null;
  try {
    v8 = require('v8') as typeof import('v8');
    v8.setFlagsFromString('--no-liftoff');
    v8.setFlagsFromString('--no-wasm-lazy-compilation');
  } catch {
    v8 = null; // not Node: the engine's default tiering
  }
  try {
    return new WA!.Module(bytes);
  } finally {
    if (v8) {
      v8.setFlagsFromString('--wasm-lazy-compilation');
      v8.setFlagsFromString('--liftoff');
    }
  }
}

/** Why the WASM kernels are unavailable ('' when they are available or not tried yet). */
export function unavailableReason(): string {
  return loadError;
}

/** The current buffer of the shared memory (recorded as a kernel buffer). */
export function buffer(): SharedArrayBuffer {
  const b = runtime!.memory.buffer as unknown as SharedArrayBuffer;
  knownBuffers.add(b);
  return b;
}

/** True when `a` is a view of the kernels' shared memory (its byteOffset is then its address). */
export function inKernelMemory(a: ArrayBufferView): boolean {
  return runtime != null && knownBuffers.has(a.buffer);
}

// ---- allocator -------------------------------------------------------------

/** Free blocks [start, end), sorted by start; `top` = end of the used heap. */
const freeList: Array<[number, number]> = [];
let top = HEAP_START;
/** End of the highest block ever allocated: memory above it has never been written. */
let highWater = HEAP_START;
const sizes = new Map<number, number>();

/** Allocate `bytes` (rounded up to 64) in the shared memory; returns the address. Throws RangeError when 4 GiB would be exceeded. */
export function alloc(bytes: number): number {
  const rt = getRuntime();
  if (!rt) throw new Error('kernels unavailable');
  const size = Math.max(64, Math.ceil(bytes / 64) * 64);
  for (let i = 0; i < freeList.length; i++) {
    const [s, e] = freeList[i];
    if (e - s >= size) {
      if (e - s === size) freeList.splice(i, 1);
      else freeList[i] = [s + size, e];
      sizes.set(s, size);
      return s;
    }
  }
  const addr = top;
  const end = addr + size;
  const have = rt.memory.buffer.byteLength;
  if (end > have) {
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) throw new RangeError(`kernels: ${bytes} bytes do not fit in the 4 GiB shared memory`);
    rt.memory.grow(pages);
  }
  top = end;
  if (end > highWater) highWater = end;
  sizes.set(addr, size);
  buffer();
  return addr;
}

/**
 * alloc, zero-filled. Memory above every block ever handed out is still as
 * WebAssembly.Memory.grow made it, zero: only the part below that mark is
 * cleared (a fresh cube is then not written twice, once here and once by the reader).
 */
export function allocZeroed(bytes: number): number {
  const mark = highWater;
  const addr = alloc(bytes);
  if (addr < mark) new Uint8Array(buffer(), addr, Math.min(addr + bytes, mark) - addr).fill(0);
  return addr;
}

/** Release an address returned by alloc (no-op for unknown addresses). */
export function release(addr: number): void {
  const size = sizes.get(addr);
  if (size === undefined) return;
  sizes.delete(addr);
  let s = addr;
  let e = addr + size;
  // merge with neighbours
  for (let i = freeList.length - 1; i >= 0; i--) {
    const [fs0, fe] = freeList[i];
    if (fe === s || fs0 === e) {
      s = Math.min(s, fs0);
      e = Math.max(e, fe);
      freeList.splice(i, 1);
    }
  }
  if (e === top) {
    top = s;
    return;
  }
  let i = 0;
  while (i < freeList.length && freeList[i][0] < s) i++;
  freeList.splice(i, 0, [s, e]);
}

export function f32(addr: number, length: number): Float32Array {
  return new Float32Array(buffer(), addr, length);
}
export function f64(addr: number, length: number): Float64Array {
  return new Float64Array(buffer(), addr, length);
}
export function i32(addr: number, length: number): Int32Array {
  return new Int32Array(buffer(), addr, length);
}

// ---- threads -----------------------------------------------------------------

let threadSetting = 0;
const workers: Worker[] = [];

/** Number of threads used by the kernels (the calling thread included). Default: SPECMAP_THREADS or the number of CPUs. */
export function threads(): number {
  if (threadSetting > 0) return threadSetting;
  const env = Number(process.env.SPECMAP_THREADS);
  if (Number.isInteger(env) && env >= 1) return Math.min(env, 64);
  const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(cpus, 64));
}

/** Set the number of threads (≥ 1; 0 restores the default). Results do not depend on it. */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`threads must be a non-negative integer, got ${n}`);
  threadSetting = n;
}

const WORKER_SOURCE = `
'use strict';
const { workerData } = require('worker_threads');
const fs = require('fs');
const { memory, module: mod, tid } = workerData;
const run = new WebAssembly.Instance(mod, { env: { memory } }).exports.run_chunk;
const I = new Int32Array(memory.buffer, ${CTRL}, 16);
let seen = 0;
for (;;) {
  Atomics.wait(I, ${GEN}, seen);
  seen = Atomics.load(I, ${GEN});
  if (seen < 0) break;
  Atomics.add(I, ${ACTIVE}, 1);
  if (tid < Atomics.load(I, ${MAXTID})) {
    for (;;) {
      const c = Atomics.add(I, ${NEXT}, 1);
      const nch = Atomics.load(I, ${NCH});
      if (c >= nch) break;
      const A = new Float64Array(memory.buffer, ${JOB}, 32);
      if (A[6] === 2) {
        const n = A[1], chunk = A[2], m = A[9];
        const r0 = c * chunk, r1 = Math.min(n, r0 + chunk);
        const bytes = (r1 - r0) * m * 4;
        const u8 = new Uint8Array(memory.buffer, A[7] + tid * A[8], bytes);
        let got = 0;
        while (got < bytes) {
          const k = fs.readSync(A[25], u8, got, bytes - got, A[26] + r0 * m * 4 + got);
          if (k <= 0) throw new Error('specmap kernels: unexpected end of file');
          got += k;
        }
      }
      run(c, tid);
      if (Atomics.add(I, ${DONE}, 1) + 1 >= nch) Atomics.notify(I, ${DONE});
    }
  }
  Atomics.sub(I, ${ACTIVE}, 1);
  Atomics.notify(I, ${ACTIVE});
}
`;

function ensureWorkers(n: number): void {
  const rt = runtime!;
  while (workers.length < n - 1) {
    const tid = workers.length + 1;
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { memory: rt.memory, module: rt.module, tid } });
    w.unref();
    w.on('error', (e) => {
      // A failed worker only loses speed: the calling thread runs every chunk it does not claim.
      process.emitWarning(`specmap kernels: worker ${tid} failed: ${e instanceof Error ? e.message : String(e)}`);
    });
    workers.push(w);
  }
}

/**
 * Start the worker threads now (they boot in the background, ~30–50 ms each), e.g. when a
 * cube is allocated: by the time the file is read they are ready for the first job.
 */
export function prestartWorkers(): void {
  if (!getRuntime()) return;
  const n = threads();
  if (n > 1) ensureWorkers(n);
}

/** How a job gets its rows. 0: in shared memory; 1: staged by the calling thread (`stage` callback); 2: read from a file descriptor by each thread. */
export interface JobSource {
  type: 0 | 1 | 2;
  stage?: (c: number, stageAddr: number) => void;
}

/**
 * Run `nChunks` chunks of the job whose arguments are `args` (f64, written at
 * JOB). Blocks until all are done. Type-1 sources run on the calling thread
 * only (the rows live in a non-shared array); the others on all threads.
 */
export function runJob(args: Float64Array, nChunks: number, source: JobSource): void {
  const rt = getRuntime()!;
  const nThreads = source.type === 1 ? 1 : threads();
  if (nThreads > 1) ensureWorkers(nThreads);
  const I = i32(CTRL, 16);
  // Close the door for stragglers of the previous job, then wait until none is inside.
  Atomics.store(I, NEXT, BIG);
  for (;;) {
    const a = Atomics.load(I, ACTIVE);
    if (a === 0) break;
    Atomics.wait(I, ACTIVE, a, 50);
  }
  f64(JOB, args.length).set(args);
  Atomics.store(I, MAXTID, nThreads);
  Atomics.store(I, NCH, nChunks);
  Atomics.store(I, DONE, 0);
  Atomics.store(I, NEXT, 0);
  if (nThreads > 1) {
    Atomics.add(I, GEN, 1);
    Atomics.notify(I, GEN);
  }
  const stageAddr = args[7];
  for (;;) {
    const c = Atomics.add(I, NEXT, 1);
    if (c >= nChunks) break;
    if (source.type === 1) source.stage!(c, stageAddr);
    else if (source.type === 2) readChunk(args, c, 0);
    rt.runChunk(c, 0);
    Atomics.add(I, DONE, 1);
  }
  for (;;) {
    const d = Atomics.load(I, DONE);
    if (d >= nChunks) break;
    Atomics.wait(I, DONE, d, 50);
  }
}

function readChunk(args: Float64Array, c: number, tid: number): void {
  const n = args[1];
  const chunk = args[2];
  const m = args[9];
  const r0 = c * chunk;
  const r1 = Math.min(n, r0 + chunk);
  const bytes = (r1 - r0) * m * 4;
  const u8 = new Uint8Array(buffer(), args[7] + tid * args[8], bytes);
  let got = 0;
  while (got < bytes) {
    const k = fs.readSync(args[25], u8, got, bytes - got, args[26] + r0 * m * 4 + got);
    if (k <= 0) throw new Error('specmap kernels: unexpected end of file');
    got += k;
  }
}

/** Number of thread slots to reserve scratch for in a job (the calling thread is slot 0). */
export function threadSlots(): number {
  return Math.max(threads(), workers.length + 1);
}
