/**
 * The HDF5 worker thread (see ./hdf5-host): starts h5wasm with its
 * WebAssembly memory capped, then answers read requests on its port, bumping
 * the shared progress counter at every step of a read.
 */
import { workerData, type MessagePort } from 'worker_threads';
import { SpecmapError } from '@specmap/core';
import { loadHdf5, readHdf5SpectraDirect, readHdf5StackDirect, setHdf5Progress } from './hdf5';

const { state, port } = workerData as { state: Int32Array; port: MessagePort };
const DONE = 0;
const PROGRESS = 1;
const READY = 2;

// Cap the WebAssembly heap: Emscripten grows it through Memory.prototype.grow
// and, when that throws, lets malloc return NULL, which HDF5 reports as an error.
let capBytes = 512 * 2 ** 20;
let refused = false;
// (the lib settings of this repository leave out the WebAssembly types)
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(delta: number): number;
}
const Memory = (globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemory } } }).WebAssembly.Memory;
const grow = Memory.prototype.grow;
Memory.prototype.grow = function (this: WasmMemory, delta: number): number {
  if (this.buffer.byteLength + delta * 65536 > capBytes) {
    refused = true;
    throw new RangeError('specmap: HDF5 memory cap reached');
  }
  return grow.call(this, delta);
};

// HDF5's own prints on corrupt files ("HDF5-DIAG", "Cannot enlarge memory") are not ours to show.
for (const k of ['log', 'info', 'warn', 'error', 'debug'] as const) console[k] = () => undefined;
process.stdout.write = (() => true) as typeof process.stdout.write;
process.stderr.write = (() => true) as typeof process.stderr.write;

setHdf5Progress(() => Atomics.add(state, PROGRESS, 1));

interface Request {
  id: number;
  kind: 'stack' | 'spectra';
  file: string;
  options: Record<string, unknown>;
  memoryMb: number;
}

function answer(msg: object, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
  Atomics.add(state, DONE, 1);
  Atomics.notify(state, DONE);
}

function handle(req: Request): void {
  capBytes = Math.max(16, req.memoryMb) * 2 ** 20;
  refused = false;
  Atomics.add(state, PROGRESS, 1);
  try {
    if (req.kind === 'stack') {
      const s = readHdf5StackDirect(req.file, req.options);
      const transfer = s.data.byteOffset === 0 && s.data.byteLength === s.data.buffer.byteLength ? [s.data.buffer as ArrayBuffer] : [];
      answer({ id: req.id, result: s }, transfer);
    } else {
      answer({ id: req.id, result: readHdf5SpectraDirect(req.file) });
    }
  } catch (err) {
    if (refused) {
      answer({ id: req.id, restart: true, error: { code: 'HDF5_MEMORY', message: `${req.file}: reading the HDF5 file needs more than ${req.memoryMb} MB (corrupt file? raise the cap with SPECMAP_HDF5_MEMORY_MB)` } });
    } else if (err instanceof SpecmapError) {
      // HDF5 called abort() (some corrupt files do; also after a refused allocation): the
      // WebAssembly instance is dead, so the host starts a fresh worker for the next read.
      answer({ id: req.id, restart: /Aborted\(/.test(err.message), error: { code: err.code, message: err.message } });
    } else {
      answer({ id: req.id, bug: `${(err as Error)?.name ?? 'Error'}: ${String((err as Error)?.message ?? err).split('\n')[0]}` });
    }
  }
}

loadHdf5().then(
  () => {
    Atomics.store(state, READY, 1);
    Atomics.notify(state, DONE);
    port.on('message', handle);
  },
  () => {
    Atomics.store(state, READY, 2);
    Atomics.notify(state, DONE);
  },
);
