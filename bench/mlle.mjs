#!/usr/bin/env node
// Modified LLE, specmap vs scikit-learn, side by side (issue 3):
//   node bench/mlle.mjs                      # 64×64 (4,096) and 256×256 (65,536) spectra, 1 and 2 threads
//   node bench/mlle.mjs --sizes 64 --threads 2 --reps 3
//   node bench/mlle.mjs --sizes 256 --approximate-too   # also specmap with approximate kNN (compared with its exact-kNN default)
//
// Data: bench/mlle_data.mjs (seeded synthetic reaction-path maps, 201 channels, created on demand in
// bench/data/). Each fit runs in its own process (bench/mlle_task.mjs, bench/mlle_sklearn.py with
// /usr/bin/python3) with SPECMAP_THREADS / OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS
// = the thread count, alternately, `--reps` times (medians). Same data, K = 10 neighbours, 2
// components. scikit-learn runs `LocallyLinearEmbedding(method='modified')` with eigen_solver
// 'auto' (its default: ARPACK shift-invert, since n > 200) and 'dense' (LAPACK eigh) on 4,096
// spectra; at 65,536 its dense M would need n²·8 B = 34 GB (> this machine's 24 GiB), so it is not
// run. specmap runs its defaults: exact kNN (blocks pruned by PCA lower bounds, SIMD distances;
// above 6,000 spectra only within a pair budget, else an approximate forest, said in the warnings)
// and sparse M with a sparse Cholesky shift-invert eigensolver.
//
// Quality: |Spearman| of coordinate 0 against the true path parameter; agreement with
// scikit-learn's embedding (|Pearson r| per coordinate, sign-free); with --approximate-too, the
// approximate-kNN embedding is compared with specmap's default one.
// Output: bench/out/mlle.json and bench/out/mlle.md (table as bench/RESULTS.md).
import { spawnSync } from 'child_process';
import { mkdirSync, writeFileSync, existsSync } from 'fs';
import { cpus, loadavg } from 'os';
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';
import { ensureDataset, readNpy, CHANNELS, NOISE } from './mlle_data.mjs';
import { median } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'out');
const PY = '/usr/bin/python3';

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const flag = (name) => process.argv.includes(`--${name}`);
const sizes = arg('sizes', '64,256').split(',').map(Number);
const threadList = arg('threads', '1,2').split(',').map(Number);
const reps = Number(arg('reps', '1'));
const K = Number(arg('neighbors', '10'));
const D = 2;
const skSolvers = arg('sklearn-solvers', 'auto,dense').split(',');
const SKLEARN_MAX_N = 8192; // dense n×n M: 8192² × 8 B = 0.5 GB; 65,536 would need 34 GB

mkdirSync(OUT, { recursive: true });


function threadEnv(t) {
  const env = { ...process.env, SPECMAP_THREADS: String(t), OMP_NUM_THREADS: String(t), OPENBLAS_NUM_THREADS: String(t), MKL_NUM_THREADS: String(t) };
  return env;
}

function run(cmd, args, env) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop();
  return { ...JSON.parse(line), process_s: wall };
}

function rank(v) {
  const idx = Array.from({ length: v.length }, (_, i) => i).sort((p, q) => v[p] - v[q] || p - q);
  const r = new Float64Array(v.length);
  idx.forEach((i, k) => (r[i] = k));
  return r;
}
function pearson(a, b) {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let s = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    s += (a[i] - ma) * (b[i] - mb);
    sa += (a[i] - ma) ** 2;
    sb += (b[i] - mb) ** 2;
  }
  return s / Math.sqrt(sa * sb);
}
const spearman = (a, b) => pearson(rank(a), rank(b));
const column = (flat, d, c) => Float64Array.from({ length: flat.length / d }, (_, i) => flat[i * d + c]);

function quality(embPath, t, ref) {
  const Y = readNpy(embPath).data;
  const q = { spearman_t: Math.abs(spearman(column(Y, D, 0), t)) };
  if (ref) q.agreement = Array.from({ length: D }, (_, c) => Math.abs(pearson(column(Y, D, c), column(ref, D, c))));
  return q;
}

const results = {
  generated: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavg_start: loadavg() },
  data: { generator: 'bench/mlle_data.mjs', channels: CHANNELS, noise: NOISE },
  K,
  d: D,
  rows: [],
};

for (const W of sizes) {
  const ds = ensureDataset(W);
  const t = readNpy(ds.t).data;
  const n = ds.n;
  for (const threads of threadList) {
    const env = threadEnv(threads);
    const runs = { specmap: [] };
    for (const s of skSolvers) runs[`sklearn-${s}`] = [];
    for (let r = 0; r < reps; r++) {
      if (n <= SKLEARN_MAX_N) {
        for (const s of skSolvers) {
          const out = join(OUT, `mlle-emb-sklearn-${s}-${n}-${threads}.npy`);
          const res = run(PY, [join(HERE, 'mlle_sklearn.py'), ds.x, String(K), String(D), s, out], env);
          runs[`sklearn-${s}`].push({ ...res, emb: out });
          console.error(`n=${n} threads=${threads} sklearn ${s}: fit ${res.fit_s.toFixed(2)} s, process ${res.process_s.toFixed(2)} s, ${res.peak_mb.toFixed(0)} MB`);
        }
      }
      const out = join(OUT, `mlle-emb-specmap-${n}-${threads}.npy`);
      const res = run('node', [join(HERE, 'mlle_task.mjs'), ds.x, String(K), String(D), out], env);
      runs.specmap.push({ ...res, emb: out });
      console.error(`n=${n} threads=${threads} specmap: fit ${res.fit_s.toFixed(2)} s, process ${res.process_s.toFixed(2)} s, ${res.peak_mb.toFixed(0)} MB`);
    }
    let ref = null;
    let refName = null;
    if (n <= SKLEARN_MAX_N && runs['sklearn-dense']?.length) {
      ref = readNpy(runs['sklearn-dense'][0].emb).data;
      refName = 'scikit-learn dense';
    } else if (n <= SKLEARN_MAX_N && skSolvers.length) {
      ref = readNpy(runs[`sklearn-${skSolvers[0]}`][0].emb).data;
      refName = `scikit-learn ${skSolvers[0]}`;
    }
    if (flag('approximate-too') && n > SKLEARN_MAX_N && threads === Math.max(...threadList)) {
      const out = join(OUT, `mlle-emb-specmap-approx-${n}.npy`);
      const res = run('node', [join(HERE, 'mlle_task.mjs'), ds.x, String(K), String(D), out, JSON.stringify({ knn: 'approximate' })], env);
      console.error(`n=${n} threads=${threads} specmap approximate kNN: fit ${res.fit_s.toFixed(2)} s`);
      const own = readNpy(runs.specmap[runs.specmap.length - 1].emb).data;
      results.rows.push({ n, threads, side: 'specmap-approximate-knn', reps: 1, fit_s: res.fit_s, process_s: res.process_s, cpu_s: res.cpu_s, peak_mb: res.peak_mb, reconstruction_error: res.reconstruction_error, quality: { ...quality(out, t, own), reference: 'specmap default (exact kNN)' }, parameters: res.parameters, warnings: res.warnings });
    }
    for (const [side, list] of Object.entries(runs)) {
      if (!list.length) continue;
      const last = list[list.length - 1];
      results.rows.push({
        n,
        threads,
        side,
        reps: list.length,
        fit_s: median(list.map((x) => x.fit_s)),
        cpu_s: median(list.map((x) => x.cpu_s)),
        process_s: median(list.map((x) => x.process_s)),
        peak_mb: Math.max(...list.map((x) => x.peak_mb)),
        reconstruction_error: last.reconstruction_error,
        quality: { ...quality(last.emb, t, ref), reference: ref ? refName : undefined },
        parameters: last.parameters,
        warnings: last.warnings,
      });
    }
  }
}

results.machine.loadavg_end = loadavg();

// Markdown table
const f2 = (x) => (x === undefined ? '—' : `${x.toFixed(2)} s`);
const lines = [];
lines.push('# Modified LLE: specmap vs scikit-learn');
lines.push('');
lines.push(
  `Generated by \`node bench/mlle.mjs\` on ${results.generated}: ${results.machine.cpus} CPUs (${results.machine.model}), Node ${results.machine.node}; load average ${results.machine.loadavg_start.map((x) => x.toFixed(1)).join(' / ')} at the start, ${results.machine.loadavg_end.map((x) => x.toFixed(1)).join(' / ')} at the end (a shared machine: timings are noisy). Data: bench/mlle_data.mjs, a seeded synthetic reaction-path map (${CHANNELS} channels, noise σ = ${NOISE}), K = ${K} neighbours, ${D} components, method 'modified'. Each fit in its own process, medians of ${reps} run(s); "fit" = the fit call only, "process" = the whole process (interpreter start, imports, loading the .npy, the fit, saving the embedding). Ratio = specmap / scikit-learn (< 1: specmap faster). Peak = VmHWM. CPU = process CPU time of the fit (all threads). Quality: |Spearman| of coordinate 0 with the true path parameter t; |Pearson r| per coordinate with the reference embedding (sign-free).`,
);
lines.push('');
lines.push('| task | threads | scikit-learn | specmap | ratio (fit) | ratio (process) | peak MB sklearn | peak MB specmap | CPU time of the fit, quality |');
lines.push('|---|---|---|---|---|---|---|---|---|');
for (const W of sizes) {
  const n = W * W;
  for (const threads of threadList) {
    const sp = results.rows.find((r) => r.n === n && r.threads === threads && r.side === 'specmap');
    if (!sp) continue;
    const sks = results.rows.filter((r) => r.n === n && r.threads === threads && r.side.startsWith('sklearn-'));
    const q = (r) =>
      `CPU ${r.cpu_s.toFixed(2)} s; ` + `|ρ(Y₀, t)| ${r.quality.spearman_t.toFixed(6)}` + (r.quality.agreement ? `; vs ${r.quality.reference}: |r| ${r.quality.agreement.map((a) => a.toFixed(6)).join(', ')}` : '');
    if (sks.length === 0) {
      lines.push(
        `| mLLE ${n} spectra (${sp.parameters.knn} kNN, ${sp.parameters.eigenSolver}) | ${threads} | not run (dense M: ${((n * n * 8) / 1e9).toFixed(0)} GB) | ${f2(sp.fit_s)} fit, ${f2(sp.process_s)} process | — | — | — | ${sp.peak_mb.toFixed(0)} | ${q(sp)} |`,
      );
    }
    for (const sk of sks) {
      lines.push(
        `| mLLE ${n} spectra (sklearn eigen_solver='${sk.side.slice(8)}'; specmap ${sp.parameters.knn} kNN, ${sp.parameters.eigenSolver}) | ${threads} | ${f2(sk.fit_s)} fit, ${f2(sk.process_s)} process | ${f2(sp.fit_s)} fit, ${f2(sp.process_s)} process | ${(sp.fit_s / sk.fit_s).toFixed(2)} | ${(sp.process_s / sk.process_s).toFixed(2)} | ${sk.peak_mb.toFixed(0)} | ${sp.peak_mb.toFixed(0)} | sklearn ${q(sk)}; specmap ${q(sp)} |`,
      );
    }
    const ap = results.rows.find((r) => r.n === n && r.side === 'specmap-approximate-knn' && r.threads === threads);
    if (ap) lines.push(`| mLLE ${n} spectra, specmap with approximate kNN (knn: 'approximate') | ${threads} | — | ${f2(ap.fit_s)} fit, ${f2(ap.process_s)} process | — | — | — | ${ap.peak_mb.toFixed(0)} | ${q(ap)} |`);
  }
}
lines.push('');
lines.push('Targets (issue 3): 4,096 spectra ≤ scikit-learn\'s time; 65,536 spectra under a minute (approximate neighbours allowed, said in the warnings).');
lines.push('');
for (const W of sizes) {
  const n = W * W;
  const files = threadList.map((t) => join(OUT, `mlle-emb-specmap-${n}-${t}.npy`)).filter((f) => existsSync(f));
  if (files.length < 2) continue;
  const [a, ...others] = files.map((f) => readNpy(f).data);
  let diff = 0;
  for (const b of others) for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  results.threadDifference = { ...(results.threadDifference ?? {}), [n]: diff };
  lines.push(`- specmap n=${n}: largest difference between the embeddings with ${threadList.join(' and ')} threads: ${diff}${diff === 0 ? ' (bit-identical)' : ''}.`);
}
for (const r of results.rows.filter((x) => x.side === 'specmap')) {
  lines.push(`- specmap n=${r.n}, ${r.threads} thread(s): ${r.warnings.length ? 'warnings: ' + r.warnings.join(' | ') : 'no warnings'}; eigensolver ${r.parameters.eigenSolver}${r.parameters.factor ? ` (factor ${r.parameters.factor.entries} entries, ${r.parameters.eigenIterations} steps)` : ''}.`);
}
writeFileSync(join(OUT, 'mlle.md'), lines.join('\n') + '\n');
writeFileSync(join(OUT, 'mlle.json'), JSON.stringify(results, null, 1) + '\n');
console.log(lines.join('\n'));
