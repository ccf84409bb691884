/**
 * Cube allocation for the stack readers: inside the @specmap/kernels shared
 * WebAssembly memory when the kernels are available (every worker thread then
 * reads the cube in place, no copy), else a plain Float32Array
 * (SPECMAP_KERNELS=0, no WebAssembly threads/SIMD).
 */
import { allocateCube, available, freeCube } from '@specmap/kernels';
import { SpecmapError } from '@specmap/core';
import { allocFloat32, MAX_VALUES } from './binary';

/**
 * A zero-filled cube of `n` float32 values (same size checks and errors as
 * {@link allocFloat32}): in the kernels' shared memory when they run here,
 * else a plain Float32Array.
 */
export function allocCube(n: number, file: string, what: string): Float32Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_VALUES || n === 0 || !kernelsAvailable()) return allocFloat32(n, file, what);
  try {
    return allocateCube(n);
  } catch (err) {
    if (err instanceof RangeError) return allocFloat32(n, file, what);
    throw new SpecmapError('TOO_LARGE', `${file}: cannot allocate ${what} of ${n} values (${(n * 4) / 2 ** 30} GiB): out of memory`);
  }
}

/** Give a cube from {@link allocCube} back (a reader that fails after allocating it). */
export function releaseCube(cube: Float32Array): void {
  try {
    freeCube(cube);
  } catch {
    /* not a kernel cube */
  }
}

function kernelsAvailable(): boolean {
  try {
    return available();
  } catch {
    return false;
  }
}
