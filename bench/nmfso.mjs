#!/usr/bin/env node
// NMF-SO: specmap (@specmap/core nmfSo on the WASM kernels) against a plain numpy implementation of the
// same algorithm (bench/nmfso_numpy.py, written from ../shared/docs/algorithms.md §1.2), on the same .npy,
// same init (numpy's legacy choice with seed 0, which specmap replays), same ω, same iteration count,
// 1 and 2 threads, each run in its own process (SPECMAP_THREADS; OPENBLAS_NUM_THREADS / OMP_NUM_THREADS).
// specmap runs in malspy-compatible mode (the §1.2 statement exactly: eps inside the norm of c_j), tol 0.
//
// Per-iteration time on both sides: (T(N2) − T(N1)) / (N2 − N1) over two separate fits, after a warm-up.
// Checks that both reach the same objective (MSE) from the same init: relative difference of obj[t] at every
// iteration ≤ 1e-4 (numpy's float32 sgemm accumulates in float32; specmap sums f32 products in f64).
//
// usage: node bench/nmfso.mjs [--sizes 256x256,600x500] [--threads 1,2] [--iters 1,30] [--reps 1] [--omega 0.1]
// writes bench/out/nmfso.json and bench/out/nmfso.md (the data are created with bench/generate.py if missing).
// Needs the built packages (npm run build, or npx tsc -b packages/kernels packages/core).
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { createRequire } from 'module';
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';
import os from 'os';
import { vmhwmMb, median } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const OBJ_TOL = 1e-4;


function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

// ---- worker: one specmap run in this process --------------------------------------------------
if (process.argv[2] === '--task') {
  const [, , , path, itersArg, kArg, omegaArg] = process.argv;
  const require = createRequire(import.meta.url);
  const core = require('@specmap/core');
  const kernels = require('@specmap/kernels');
  const now = () => performance.now();
  const t0 = now();
  const cube = kernels.readIntoCube(path);
  const loadS = (now() - t0) / 1e3;
  const m = cube.shape[cube.shape.length - 1];
  const n = cube.data.length / m;
  const X = { data: cube.data, rows: n, cols: m };
  const k = Number(kArg);
  const omega = Number(omegaArg);
  const [n1, n2] = itersArg.split(',').map(Number);
  const fit = (it) => {
    const t = now();
    const r = core.nmfSo(X, { components: k, omega, maxIter: it, tol: 0, reps: 1, seed: 0, malspyCompat: true });
    return { s: (now() - t) / 1e3, r };
  };
  fit(1); // warm-up (workers, JIT)
  const a = fit(n1);
  const b = fit(n2);
  // one read of X (column sums, the lightest kernel): the bandwidth floor of a pass
  const src = { data: cube.data, cols: m, count: n };
  const ts = [];
  for (let i = 0; i < 5; i++) {
    const t = now();
    kernels.moments(src);
    ts.push(now() - t);
  }
  ts.sort((p, q) => p - q);
  console.log(
    JSON.stringify({
      impl: 'specmap',
      n,
      m,
      k,
      omega,
      iters: [n1, n2],
      load_s: loadS,
      seconds: b.s,
      per_iter_ms: ((b.s - a.s) / (n2 - n1)) * 1e3,
      read_pass_ms: ts[2],
      kernels: b.r.parameters.kernels,
      threads: kernels.threads(),
      init_rows: b.r.parameters.initRows[0],
      obj: Array.from(b.r.lossHistory),
      vmhwm_mb: vmhwmMb(),
    }),
  );
  process.exit(0);
}

// ---- driver ---------------------------------------------------------------------------------------
const sizes = arg('sizes', '256x256,600x500').split(',');
const threadList = arg('threads', '1,2').split(',').map(Number);
const iters = arg('iters', '1,30');
const reps = Number(arg('reps', '1'));
const omega = Number(arg('omega', '0.1'));
const k = 4;
const dataDir = join(HERE, 'data');
const outDir = join(HERE, 'out');
mkdirSync(outDir, { recursive: true });

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop();
  return JSON.parse(line);
}


const rows = [];
for (const size of sizes) {
  const path = join(dataDir, `stack-${size}x256.npy`);
  if (!existsSync(path)) {
    const g = spawnSync(PYTHON, [join(HERE, 'generate.py'), dataDir, size], { stdio: 'inherit' });
    if (g.status !== 0) throw new Error(`generate.py ${size} failed`);
  }
  for (const t of threadList) {
    const env = { SPECMAP_THREADS: String(t), OPENBLAS_NUM_THREADS: String(t), OMP_NUM_THREADS: String(t), MKL_NUM_THREADS: String(t) };
    const np = [];
    const sm = [];
    for (let r = 0; r < reps; r++) {
      // alternate the two sides (the machine is shared: compare ratios from one session)
      np.push(run(PYTHON, [join(HERE, 'nmfso_numpy.py'), path, '--iters', iters, '--components', String(k), '--omega', String(omega)], env));
      sm.push(run(process.execPath, [fileURLToPath(import.meta.url), '--task', path, iters, String(k), String(omega)], env));
    }
    const a = np[np.length - 1];
    const b = sm[sm.length - 1];
    if (JSON.stringify(a.init_rows) !== JSON.stringify(b.init_rows)) throw new Error(`init rows differ: numpy ${a.init_rows}, specmap ${b.init_rows}`);
    let maxRel = 0;
    for (let i = 0; i < a.obj.length; i++) maxRel = Math.max(maxRel, Math.abs(a.obj[i] - b.obj[i]) / Math.abs(a.obj[i]));
    const row = {
      size: `${size}x256`,
      n: a.n,
      m: a.m,
      k,
      omega,
      threads: t,
      iterations: b.iters,
      numpy_ms_per_iter: median(np.map((x) => x.per_iter_ms)),
      specmap_ms_per_iter: median(sm.map((x) => x.per_iter_ms)),
      specmap_read_pass_ms: median(sm.map((x) => x.read_pass_ms)),
      numpy_peak_mb: Math.max(...np.map((x) => x.vmhwm_mb)),
      specmap_peak_mb: Math.max(...sm.map((x) => x.vmhwm_mb)),
      specmap_kernels: b.kernels,
      obj_final_numpy: a.obj[a.obj.length - 1],
      obj_final_specmap: b.obj[b.obj.length - 1],
      obj_max_rel_diff: maxRel,
      obj_agree: maxRel <= OBJ_TOL,
      runs: reps,
    };
    row.ratio = row.specmap_ms_per_iter / row.numpy_ms_per_iter;
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}

const meta = {
  generated: new Date().toISOString(),
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? '',
  node: process.version,
  load: os.loadavg().map((v) => v.toFixed(1)).join(' / '),
  iters,
  omega,
  k,
  objTolerance: OBJ_TOL,
};
writeFileSync(join(outDir, 'nmfso.json'), JSON.stringify({ meta, rows }, null, 2) + '\n');

const fmt = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : String(v));
let md = `## NMF-SO: specmap vs numpy (same algorithm, algorithms.md §1.2)\n\n`;
md += `Generated by \`node bench/nmfso.mjs\` on ${meta.generated}: ${meta.cpus} CPUs (${meta.cpu}), Node ${meta.node}, load average at the end ${meta.load}. `;
md += `K = ${k}, ω = ${omega}, malspy's init (rows chosen by numpy's legacy \`choice\`, seed 0 — identical on both sides), no stopping rule; `;
md += `ms/iteration = (T(${iters.split(',')[1]}) − T(${iters.split(',')[0]}))/(${iters.split(',')[1]} − ${iters.split(',')[0]}) over separate fits in one process per side, `;
md += `median of ${reps} alternated run(s). numpy: bench/nmfso_numpy.py — float32 X as stored, products with X by float32 BLAS (sgemm), factors and the K-sized work in float64. `;
md += `specmap: products with X on the WASM SIMD kernels (f32 products, f64 sums), factors in float64. `;
md += `"objective agrees": max over iterations of |obj_numpy − obj_specmap|/obj_numpy ≤ ${OBJ_TOL}. Peak memory = VmHWM of the process. `;
md += `Target (issue 3): ≤ 30 ms per iteration on 600×500×256 with 2 threads.\n\n`;
md += `| stack | threads | numpy ms/it | specmap ms/it | ratio | one read of X (ms) | peak MB numpy | peak MB specmap | final MSE numpy | final MSE specmap | max rel. diff of obj | objective agrees |\n`;
md += `|---|---|---|---|---|---|---|---|---|---|---|---|\n`;
for (const r of rows) {
  md += `| ${r.size} | ${r.threads} | ${fmt(r.numpy_ms_per_iter)} | ${fmt(r.specmap_ms_per_iter)} | ${fmt(r.ratio, 2)} | ${fmt(r.specmap_read_pass_ms)} | ${fmt(r.numpy_peak_mb, 0)} | ${fmt(r.specmap_peak_mb, 0)} | ${r.obj_final_numpy.toPrecision(7)} | ${r.obj_final_specmap.toPrecision(7)} | ${r.obj_max_rel_diff.toExponential(1)} | ${r.obj_agree ? 'yes' : 'NO'} |\n`;
}
writeFileSync(join(outDir, 'nmfso.md'), md);
console.log(md);
if (rows.some((r) => !r.obj_agree)) {
  console.error(`nmfso: the objectives differ by more than ${OBJ_TOL} (see the table)`);
  process.exitCode = 1;
}
