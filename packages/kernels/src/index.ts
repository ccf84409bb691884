/**
 * @specmap/kernels: SIMD WebAssembly kernels (compiled from AssemblyScript,
 * assembly/index.ts) over a Float32 cube in one shared memory, run by a pool
 * of worker threads with a fixed-order reduction (results do not depend on
 * the thread count), with Float64 TypeScript fallbacks (`reference`).
 *
 *   const cube = allocateCube(h * w * m);   // fill it (e.g. fs.readSync into its bytes)
 *   const G = gram({ data: cube, cols: m, count: h * w }, mean);   // null → use your TS path
 *
 * Out of core: `openRaw` / `openNpy` give a file-backed RowSource streamed
 * through the same kernels in chunks, with bit-identical results.
 */
export { available, allocateCube, freeCube, info } from './cube';
export { threads, setThreads, inKernelMemory } from './runtime';
export type { RowSource, HalsPass, MuPass } from './ops';
export { moments, gram, project, normalProduct, kmeansAssign, distances, halsSession, HalsSession, muSession, MuSession, rowWeightedSum, residualSumSq, paddedCols } from './ops';
export type { FileSource, NpyInfo } from './outofcore';
export { openRaw, openNpy, readNpyHeader, readIntoCube } from './outofcore';
import * as reference from './reference';
export { reference };
