/**
 * HDF5 reads of untrusted files in a worker thread, called synchronously.
 *
 * The HDF5 C library (h5wasm) hangs or allocates gigabytes on some corrupt
 * files, inside a single call that JavaScript cannot interrupt. So
 * readHdf5Stack / readHdf5Spectra hand the read to one long-lived worker
 * thread (./hdf5-worker) and block on a shared counter (Atomics.wait) until it
 * answers:
 *
 *  - time: the worker bumps a progress counter at every step of a read (each
 *    HDF5 object visited, each ≤ 16 MB block of the cube). When it stops
 *    moving for `timeLimitMs` (default 2000 ms, env SPECMAP_HDF5_TIMEOUT_MS),
 *    or the whole read exceeds 60 s + 1 s per 10 MB of file, the worker is
 *    terminated and SpecmapError('HDF5_TIMEOUT') names the file;
 *  - memory: the worker's WebAssembly heap may not grow beyond `memoryMb`
 *    (default 512 MB, env SPECMAP_HDF5_MEMORY_MB): HDF5's allocation fails,
 *    the read fails, and SpecmapError('HDF5_MEMORY') names the file. Its
 *    JavaScript heap is capped by `resourceLimits` (a worker that dies of it
 *    is reported as HDF5_TIMEOUT);
 *  - the cube comes back as a transferred ArrayBuffer (no copy).
 *
 * The worker starts on the first read (h5wasm loads in about 0.3 s) and is
 * reused; it does not keep the process alive. Set SPECMAP_HDF5_WORKER=0 (or
 * `inProcess: true`) to read in this thread (then `await loadHdf5()` first).
 */
import * as fs from 'fs';
import * as path from 'path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'worker_threads';
import { SpecmapError } from '@specmap/core';

/** Limits of one HDF5 read in the worker. */
export interface Hdf5Limits {
  /** The read fails with HDF5_TIMEOUT when it makes no progress for this long (ms). __Default:__ 2000 (env SPECMAP_HDF5_TIMEOUT_MS). */
  timeLimitMs?: number;
  /** Cap of HDF5's (WebAssembly) memory, MB; beyond it the read fails with HDF5_MEMORY. __Default:__ 512 (env SPECMAP_HDF5_MEMORY_MB). */
  memoryMb?: number;
  /** Read in this thread, without the worker and its limits (needs `await loadHdf5()`). __Default:__ false (env SPECMAP_HDF5_WORKER=0). */
  inProcess?: boolean;
}

/** Slots of the shared state. */
const DONE = 0; // answers posted
const PROGRESS = 1; // steps of the current read
const READY = 2; // 1 = h5wasm started, 2 = failed to start
const STARTUP_MS = 60000;

interface Host {
  worker: Worker;
  port: MessagePort;
  state: Int32Array;
}

let host: Host | undefined;
let unavailable = false;

function envNumber(name: string, def: number): number {
  const v = Number(process.env[name]);
  return process.env[name] !== undefined && Number.isFinite(v) && v > 0 ? v : def;
}

/** Whether HDF5 reads go through the worker. */
export function hdf5InWorker(limits: Hdf5Limits = {}): boolean {
  if (limits.inProcess || process.env.SPECMAP_HDF5_WORKER === '0' || unavailable) return false;
  return workerScript() !== undefined;
}

function workerScript(): string | undefined {
  // dist/hdf5-worker.js; under tsx (src/*.ts) the built copy in ../dist.
  for (const f of [path.join(__dirname, 'hdf5-worker.js'), path.join(__dirname, '..', 'dist', 'hdf5-worker.js')]) {
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

function start(): Host | undefined {
  const script = workerScript();
  if (!script) return undefined;
  const state = new Int32Array(new SharedArrayBuffer(16));
  const { port1, port2 } = new MessageChannel();
  let worker: Worker;
  try {
    worker = new Worker(script, {
      workerData: { state, port: port2 },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
  } catch {
    unavailable = true;
    return undefined;
  }
  // (the worker silences HDF5's own prints; a worker that dies is handled by the watchdog)
  worker.on('error', () => undefined);
  worker.unref();
  port1.unref();
  return { worker, port: port1, state };
}

/** Start the worker now (it loads h5wasm in the background), so that the first read does not wait for it. */
export function startHdf5Worker(): void {
  if (!host && hdf5InWorker()) host = start();
}

function kill(h: Host): void {
  if (host === h) host = undefined;
  h.port.close();
  void h.worker.terminate();
  // a fresh worker loads in the background for the next read
  startHdf5Worker();
}

let seq = 0;

/**
 * Run one read in the worker and wait for it. Returns undefined when no
 * worker can be started (the caller reads in this thread).
 */
export function readInWorker(kind: 'stack' | 'spectra', file: string, options: object, limits: Hdf5Limits): unknown {
  if (!host) host = start();
  const h = host;
  if (!h) return undefined;
  const stallMs = limits.timeLimitMs ?? envNumber('SPECMAP_HDF5_TIMEOUT_MS', 2000);
  const memoryMb = limits.memoryMb ?? envNumber('SPECMAP_HDF5_MEMORY_MB', 512);
  let size = 0;
  try {
    size = fs.statSync(file).size;
  } catch {
    /* the reader reports it */
  }
  const totalMs = 60000 + (size / 1e7) * 1000;
  const id = ++seq;
  const done0 = Atomics.load(h.state, DONE);
  const opts = { ...options } as Record<string, unknown>;
  delete opts.timeLimitMs;
  delete opts.memoryMb;
  delete opts.inProcess;
  h.port.postMessage({ id, kind, file, options: opts, memoryMb });
  const t0 = Date.now();
  let startDeadline = t0 + STARTUP_MS;
  let readStart = 0;
  let lastProgress = -1;
  let lastTime = t0;
  for (;;) {
    Atomics.wait(h.state, DONE, done0, 20);
    if (Atomics.load(h.state, DONE) !== done0) break;
    const now = Date.now();
    const ready = Atomics.load(h.state, READY);
    if (ready === 2) {
      host = undefined;
      unavailable = true;
      void h.worker.terminate();
      return undefined;
    }
    if (ready === 0) {
      if (now > startDeadline) {
        kill(h);
        throw new SpecmapError('HDF5_TIMEOUT', `${file}: the HDF5 reader did not start within ${STARTUP_MS / 1000} s`);
      }
      lastTime = now;
      continue;
    }
    startDeadline = Infinity;
    if (readStart === 0) readStart = now;
    const p = Atomics.load(h.state, PROGRESS);
    if (p !== lastProgress) {
      lastProgress = p;
      lastTime = now;
    } else if (now - lastTime > stallMs || now - readStart > totalMs) {
      kill(h);
      const why = now - readStart > totalMs ? `did not finish within ${(totalMs / 1000).toFixed(0)} s` : `made no progress for ${(stallMs / 1000).toFixed(1)} s`;
      throw new SpecmapError('HDF5_TIMEOUT', `${file}: reading the HDF5 file ${why} and was stopped (corrupt file? raise the limit with SPECMAP_HDF5_TIMEOUT_MS)`);
    }
  }
  const got = receiveMessageOnPort(h.port);
  h.port.unref();
  const msg = got?.message as { id: number; result?: unknown; error?: { code: string; message: string }; bug?: string; restart?: boolean } | undefined;
  if (!msg || msg.id !== id) {
    kill(h);
    throw new SpecmapError('HDF5_FORMAT', `${file}: the HDF5 reader gave no answer`);
  }
  if (msg.restart) kill(h); // its WebAssembly heap is at the cap: start afresh
  if (msg.error) throw new SpecmapError(msg.error.code, msg.error.message);
  if (msg.bug !== undefined) throw new Error(msg.bug);
  return msg.result;
}
