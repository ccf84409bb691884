#!/usr/bin/env node
// specmap's modified LLE on one benchmark file, in its own process (bench/mlle.mjs).
// Threads: SPECMAP_THREADS (set by the caller); SPECMAP_KERNELS=0 for the pure-TypeScript path.
//
// usage: node bench/mlle_task.mjs X.npy K D OUT.npy [JSON-OPTIONS]
// Prints one JSON line (fit seconds, load seconds, reconstruction error, peak RSS = VmHWM in MB,
// the fit's parameters and warnings) and saves the float64 n×d embedding to OUT.npy.
import { createRequire } from 'module';
import { readFileSync, writeFileSync } from 'fs';
import { npyBytes, readNpy } from './mlle_data.mjs';
import { vmhwmMb } from './lib.mjs';

const require = createRequire(import.meta.url);
const manifold = require('@specmap/manifold');
const kernels = require('@specmap/kernels');

const now = () => performance.now() / 1000;

const [path, K, d, out, extra] = process.argv.slice(2);
const options = extra ? JSON.parse(extra) : {};
const t0 = now();
const { data, shape } = readNpy(path);
const loadS = now() - t0;
const [n, m] = shape;
const c1 = process.cpuUsage();
const t1 = now();
const fit = manifold.lle({ data, rows: n, cols: m }, { components: Number(d), neighbors: Number(K), method: 'modified', ...options });
const fitS = now() - t1;
const cpu = process.cpuUsage(c1); // the whole process (getrusage): main thread and the kernels' workers
const cpuS = (cpu.user + cpu.system) / 1e6;
writeFileSync(out, npyBytes(fit.embedding, [n, Number(d)]));
console.log(
  JSON.stringify({
    side: 'specmap',
    n,
    m,
    K: Number(K),
    d: Number(d),
    fit_s: fitS,
    cpu_s: cpuS,
    load_s: loadS,
    reconstruction_error: fit.reconstructionError,
    peak_mb: vmhwmMb(),
    kernels: kernels.info(),
    options,
    parameters: fit.parameters,
    warnings: fit.warnings,
  }),
);
