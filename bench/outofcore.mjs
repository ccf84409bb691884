#!/usr/bin/env node
// Out-of-core `specmap analyze` against the in-memory run on the same stack (issue 3): wall time, peak memory, and
// whether the outputs are identical. Each run is its own process under /usr/bin/time -v ("Maximum resident set
// size" = VmHWM, with the interpreter, the wasm kernels and their worker threads); in-memory and streamed runs
// alternate (the order flips every repetition), since the machine may be shared. Writes bench/out/outofcore.json
// and bench/out/outofcore.md.
//
//   node bench/outofcore.mjs                                # nmf (--max-iter 50 --tol 0) and kmeans on 600x500x256, 1 rep
//   node bench/outofcore.mjs --reps 3 --threads 2 --size 256x256 --methods kmeans --memory-limit 128MB
//
// "identical": the streamed run's weights.npy (and components.csv) equal the in-memory run's byte for byte.
// MB = 10^6 bytes.
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';
import os from 'os';
import { median, timeV } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const PY = '/usr/bin/python3';
const DATA = join(HERE, 'data');
const OUT = join(HERE, 'out');
const CLI = join(ROOT, 'packages', 'cli', 'bin', 'specmap.js');

const opt = { size: '600x500', methods: 'nmf,kmeans', reps: '1', threads: '2', components: '4', 'memory-limit': '256MB' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
  const name = a.slice(2);
  if (!(name in opt)) throw new Error(`unknown option --${name} (one of ${Object.keys(opt).map((k) => '--' + k).join(', ')})`);
  if (i + 1 >= process.argv.length) throw new Error(`--${name} needs a value`);
  opt[name] = process.argv[++i];
}

/** Flags of each method (the brief: NMF 50 fixed iterations; k-means with its defaults). */
const METHOD_ARGS = {
  nmf: ['--max-iter', '50', '--tol', '0'],
  kmeans: [],
  pca: [],
};
const methods = opt.methods.split(',').filter(Boolean);
for (const m of methods) if (!(m in METHOD_ARGS)) throw new Error(`unknown method ${m} (one of ${Object.keys(METHOD_ARGS).join(', ')})`);
const reps = Number(opt.reps);
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps wants a positive integer, got ${opt.reps}`);
if (!/^\d+$/.test(opt.threads) || Number(opt.threads) < 1) throw new Error(`--threads wants a positive integer, got ${opt.threads}`);
if (!/^\d+x\d+$/.test(opt.size)) throw new Error(`--size wants HxW, got ${opt.size}`);
if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time (GNU time) is needed for the peak memory');
mkdirSync(OUT, { recursive: true });

const file = join(DATA, `stack-${opt.size}x256.npy`);
{
  const g = spawnSync(PY, [join(HERE, 'generate.py'), DATA, opt.size], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (g.status !== 0) throw new Error('bench/generate.py failed');
}
const cubeMb = (() => {
  const [h, w] = opt.size.split('x').map(Number);
  return (h * w * 256 * 4) / 1e6;
})();

const MODES = {
  'in memory': [],
  streamed: ['--out-of-core', '--memory-limit', opt['memory-limit']],
};

function run(method, mode, dir) {
  rmSync(dir, { recursive: true, force: true });
  const args = [process.execPath, CLI, 'analyze', file, '--method', method, '--components', opt.components, ...METHOD_ARGS[method], ...MODES[mode], '--out', dir];
  const t = timeV(args[0], args.slice(1), { cwd: ROOT, env: { SPECMAP_THREADS: opt.threads }, what: `specmap analyze --method ${method} (${mode})` });
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  const ooc = summary.parameters?.outOfCore;
  if ((mode === 'streamed') !== (ooc !== undefined && ooc.mode === 'streamed')) throw new Error(`${method} ${mode}: summary.json says outOfCore = ${JSON.stringify(ooc)}`);
  return {
    wall_s: t.seconds,
    fit_s: summary.timings.decomposeSeconds,
    peak_mb: t.peakBytes / 1e6,
    iterations: summary.iterations,
  };
}

const rows = [];
const tmp = join(os.tmpdir(), `specmap-outofcore-${process.pid}`);
try {
  for (let rep = 0; rep < reps; rep++) {
    for (const method of methods) {
      const order = rep % 2 === 0 ? ['in memory', 'streamed'] : ['streamed', 'in memory'];
      const got = {};
      for (const mode of order) got[mode] = run(method, mode, join(tmp, `${method}-${mode.replace(' ', '-')}`));
      const same = (f) => readFileSync(join(tmp, `${method}-in-memory`, f)).equals(readFileSync(join(tmp, `${method}-streamed`, f)));
      const identical = same('weights.npy') && same('components.csv');
      for (const mode of ['in memory', 'streamed']) {
        const row = { method, mode, rep: rep + 1, size: opt.size, threads: Number(opt.threads), args: METHOD_ARGS[method].join(' '), ...got[mode], identical };
        rows.push(row);
        process.stderr.write(`${method} ${mode} rep ${rep + 1}: ${row.wall_s.toFixed(2)} s wall, fit ${row.fit_s} s, peak ${row.peak_mb.toFixed(1)} MB, identical ${identical ? 'yes' : 'NO'}\n`);
      }
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const ratios = methods.map((method) => {
  const perRep = (key) =>
    Array.from({ length: reps }, (_, r) => {
      const a = rows.find((x) => x.method === method && x.rep === r + 1 && x.mode === 'in memory');
      const b = rows.find((x) => x.method === method && x.rep === r + 1 && x.mode === 'streamed');
      return b[key] / a[key];
    });
  return { method, wall: median(perRep('wall_s')), fit: median(perRep('fit_s')), peak: median(perRep('peak_mb')) };
});

const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg(), date: new Date().toISOString() };
const result = { machine, options: opt, cube_mb: cubeMb, rows, ratios };
writeFileSync(join(OUT, 'outofcore.json'), JSON.stringify(result, null, 2) + '\n');

const L = [
  '# Out-of-core `specmap analyze` vs in memory (issue 3)',
  '',
  `Generated by \`node bench/outofcore.mjs${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}\` on ${machine.date} ` +
    `(${machine.cpus} CPUs, ${machine.model}, Node ${machine.node}, load ${machine.loadavg.map((x) => x.toFixed(1)).join(' ')}). ` +
    `Stack: bench/data/stack-${opt.size}x256.npy (${cubeMb.toFixed(1)} MB float32), K = ${opt.components}, SPECMAP_THREADS=${opt.threads}. ` +
    `Each row is one \`specmap analyze\` process under \`/usr/bin/time -v\`; streamed = \`--out-of-core --memory-limit ${opt['memory-limit']}\`. ` +
    'Wall = the whole process; fit = summary.json\'s decomposeSeconds; peak = "Maximum resident set size" (MB = 10⁶ bytes). ' +
    'Identical = weights.npy and components.csv of the two runs equal byte for byte. The modes alternate (order flipped every repetition); ' +
    'the file is in the page cache, so the streamed passes copy from the cache instead of reading a disk.',
  '',
  '| method | flags | mode | rep | wall s | fit s | peak MB | iterations | identical outputs |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const r of rows) {
  L.push(`| ${r.method} | ${r.args || '–'} | ${r.mode} | ${r.rep} | ${r.wall_s.toFixed(2)} | ${r.fit_s.toFixed(2)} | ${r.peak_mb.toFixed(1)} | ${r.iterations} | ${r.identical ? 'yes' : '**no**'} |`);
}
L.push('', `Streamed / in memory (median over ${reps} repetition${reps === 1 ? '' : 's'}):`, '', '| method | wall | fit | peak |', '|---|---|---|---|');
for (const q of ratios) L.push(`| ${q.method} | ×${q.wall.toFixed(2)} | ×${q.fit.toFixed(2)} | ×${q.peak.toFixed(2)} |`);
L.push('');
writeFileSync(join(OUT, 'outofcore.md'), L.join('\n'));
process.stderr.write(`wrote ${join(OUT, 'outofcore.json')} and ${join(OUT, 'outofcore.md')}\n`);
