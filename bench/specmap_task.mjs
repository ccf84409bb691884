#!/usr/bin/env node
// One specmap benchmark task in its own process (threads: SPECMAP_THREADS; SPECMAP_KERNELS=0 for
// the pure-TypeScript path). Prints one JSON line: seconds, iterations, error, peak memory (VmHWM).
//
// usage: node bench/specmap_task.mjs NPY TASK [ITERS] [TARGET_ERROR]
// TASK: nmf-cd | nmf-to-error | pca-full | pca-randomized | ica | kmeans | read-pass | load
import { createRequire } from 'module';
import { readFileSync } from 'fs';
import { vmhwmMb } from './lib.mjs';
const require = createRequire(import.meta.url);
const core = require('@specmap/core');
const kernels = require('@specmap/kernels');

const now = () => performance.now() / 1000;

const [path, task, itersArg, targetArg] = process.argv.slice(2);
const iters = Number(itersArg ?? 200);
const t0 = now();
const cube = kernels.readIntoCube(path);
const loadS = now() - t0;
const m = cube.shape[cube.shape.length - 1];
const n = cube.data.length / m;
const X = { data: cube.data, rows: n, cols: m };
const out = { task, n, m, load_s: loadS, kernels: kernels.info() };

function nmfRun(maxIter, tol, init = 'nndsvda') {
  const t = now();
  const r = core.nmf(X, { components: 4, maxIter, tol, init, solver: 'cd' });
  return { s: now() - t, r };
}

if (task === 'nmf-cd') {
  // init 'random' (cheap) so that T(N) − T(1) is the iterations only, not the noise of an SVD
  nmfRun(2, 0, 'random'); // warm-up (workers, JIT)
  const a = nmfRun(1, 0, 'random');
  const b = nmfRun(iters, 0, 'random');
  Object.assign(out, { seconds: b.s, iterations: iters, per_iter_ms: ((b.s - a.s) / (iters - 1)) * 1e3, error: b.r.reconstructionError });
} else if (task === 'nmf-to-error') {
  // iterations needed to reach scikit-learn's final error, then the time of a run of exactly that many
  const target = Number(targetArg);
  const probe = nmfRun(iters, 0).r;
  let need = iters;
  for (let t = 0; t < probe.lossHistory.length; t++) {
    if (Math.sqrt(2 * probe.lossHistory[t]) <= target) {
      need = t + 1;
      break;
    }
  }
  const run = nmfRun(need, 0);
  Object.assign(out, { seconds: run.s, iterations: need, error: run.r.reconstructionError, reached: run.r.reconstructionError <= target * (1 + 1e-6) });
} else if (task === 'pca-full' || task === 'pca-randomized') {
  const t = now();
  const r = core.pca(X, { components: 4, solver: task.slice(4), seed: 0 });
  Object.assign(out, { seconds: now() - t, error: r.explainedVariance[0] });
} else if (task === 'ica') {
  const t = now();
  const r = core.fastIca(X, { components: 4, whiten: 'unit-variance', maxIter: 200, tol: 1e-4, seed: 0 });
  Object.assign(out, { seconds: now() - t, iterations: r.iterations });
} else if (task === 'kmeans') {
  const t = now();
  const r = core.kmeans(X, { clusters: 4, nInit: 10, seed: 0 });
  Object.assign(out, { seconds: now() - t, iterations: r.iterations, error: r.inertia });
} else if (task === 'read-pass') {
  // the bandwidth floor: one pass over X (column sums, the lightest kernel), median of 9 after a warm-up
  const src = { data: cube.data, cols: m, count: n };
  kernels.moments(src);
  const ts = [];
  for (let i = 0; i < 9; i++) {
    const t = now();
    kernels.moments(src);
    ts.push(now() - t);
  }
  ts.sort((a, b) => a - b);
  Object.assign(out, { seconds: ts[4], per_iter_ms: ts[4] * 1e3 });
} else if (task === 'load') {
  out.seconds = loadS;
} else {
  throw new Error(`unknown task ${task}`);
}
out.vmhwm_mb = vmhwmMb();
console.log(JSON.stringify(out));
