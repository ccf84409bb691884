import { allocZeroed, f32, getRuntime, inKernelMemory, prestartWorkers, release, threads, unavailableReason } from './runtime';

/** True when the WASM SIMD kernels can run (WebAssembly, SharedArrayBuffer, SIMD; not disabled by SPECMAP_KERNELS=0). */
export function available(): boolean {
  return getRuntime() !== null;
}

/** State of the kernels for provenance and diagnostics. */
export function info(): { available: boolean; threads: number; reason: string } {
  const ok = available();
  return { available: ok, threads: ok ? threads() : 1, reason: ok ? '' : unavailableReason() };
}

/**
 * A zero-filled Float32Array of `length` values for a cube: inside the
 * kernels' shared WebAssembly memory when available (so every thread reads it
 * in place, no copy ever), else on a SharedArrayBuffer, else a plain array.
 * Readers should allocate the cube with this and read the file straight into
 * it. Release with `freeCube` when done (long-running processes).
 */
export function allocateCube(length: number): Float32Array {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`allocateCube: bad length ${length}`);
  if (available() && length > 0) {
    try {
      const cube = f32(allocZeroed(length * 4), length);
      if (length >= 1 << 20) prestartWorkers(); // a cube worth threads: let them boot while it is read
      return cube;
    } catch {
      // beyond the 4 GiB of a wasm32 memory: fall through
    }
  }
  if (typeof SharedArrayBuffer !== 'undefined') return new Float32Array(new SharedArrayBuffer(length * 4));
  return new Float32Array(length);
}

/** Give a cube from allocateCube back to the kernels' memory (no-op for other arrays). The array must not be used afterwards. */
export function freeCube(cube: Float32Array): void {
  if (inKernelMemory(cube)) release(cube.byteOffset);
}
