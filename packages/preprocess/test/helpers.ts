import { spawnSync } from 'child_process';
import type { SpectralStack } from '@specmap/core';

export function makeStack(width: number, height: number, energies: number[], f: (x: number, y: number, E: number, e: number) => number): SpectralStack {
  const m = energies.length;
  const data = new Float32Array(width * height * m);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let e = 0; e < m; e++) data[(y * width + x) * m + e] = f(x, y, energies[e], e);
  return { data, energies: Float64Array.from(energies), width, height, metadata: { quantity: 'optical density', steps: [] } };
}

export function linspace(a: number, b: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
}

/** Run python3 (system numpy/scipy) on a script that prints JSON. */
export function py(script: string, input?: string): any {
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
