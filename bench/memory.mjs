#!/usr/bin/env node
// Peak memory of whole `specmap analyze` runs (issue 3: VmHWM ≤ 1.5 × the cube's bytes + 150 MB).
// Each run is its own process under /usr/bin/time -v ("Maximum resident set size" = VmHWM, with the
// interpreter, the wasm kernels and their worker threads). Writes bench/out/memory.json and bench/out/memory.md.
//
//   node bench/memory.mjs                                   # pca,nmf,nmf-so,kmeans,ica × 256x256,600x500, 2 threads (+ 1 thread for nmf)
//   node bench/memory.mjs --sizes 256x256 --methods pca,nmf --threads 1,2 --single none
//
// MB = 10^6 bytes throughout (the cube's bytes are H·W·channels·4). Rows of the same method, size and thread count
// replace the earlier ones in memory.json (so partial runs update the table), unless --fresh.
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, writeFileSync, readFileSync, rmSync, openSync, readSync, closeSync } from 'fs';
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';
import os from 'os';
import { timeV } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const PY = '/usr/bin/python3';
const DATA = join(HERE, 'data');
const OUT = join(HERE, 'out');
const CLI = join(ROOT, 'packages', 'cli', 'bin', 'specmap.js');

const opt = { sizes: '256x256,600x500', methods: 'pca,nmf,nmf-so,kmeans,ica', threads: '2', single: 'nmf@1', components: '4' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
  const name = a.slice(2);
  if (name === 'fresh') opt.fresh = true;
  else if (i + 1 < process.argv.length) opt[name] = process.argv[++i];
  else throw new Error(`--${name} needs a value`);
}
for (const key of Object.keys(opt)) {
  if (!['sizes', 'methods', 'threads', 'single', 'components', 'fresh'].includes(key)) throw new Error(`unknown option --${key}`);
}

/** Iteration counts of the iterative methods (the brief of issue 3's memory measurement). */
const METHOD_ARGS = {
  pca: [],
  nmf: ['--max-iter', '50'],
  'nmf-so': ['--max-iter', '20'],
  kmeans: [],
  ica: [],
};

const sizes = opt.sizes.split(',').filter(Boolean);
const methods = opt.methods.split(',').filter(Boolean);
const threads = opt.threads.split(',').filter(Boolean).map(Number);
// Extra single cases METHOD@THREADS run at every size (default: nmf with 1 thread), 'none' for none.
const singles = opt.single === 'none' ? [] : opt.single.split(',').filter(Boolean).map((s) => {
  const [m, t] = s.split('@');
  if (!m || !Number.isInteger(Number(t)) || Number(t) < 1) throw new Error(`--single wants METHOD@THREADS, got "${s}"`);
  return { method: m, threads: Number(t) };
});
for (const t of threads) if (!Number.isInteger(t) || t < 1) throw new Error(`--threads wants positive integers, got "${opt.threads}"`);
for (const m of [...methods, ...singles.map((s) => s.method)]) if (!(m in METHOD_ARGS)) throw new Error(`unknown method ${m} (one of ${Object.keys(METHOD_ARGS).join(', ')})`);
if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time (GNU time) is needed for the peak memory');
mkdirSync(OUT, { recursive: true });

{
  const g = spawnSync(PY, [join(HERE, 'generate.py'), DATA, ...sizes], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (g.status !== 0) throw new Error('bench/generate.py failed');
}

/** Bytes of the cube in a float32 .npy file (from its header's shape). */
function cubeBytes(file) {
  const fd = openSync(file, 'r');
  const head = Buffer.alloc(4096);
  readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const major = head[6];
  const hlen = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const header = head.subarray(major === 1 ? 10 : 12, (major === 1 ? 10 : 12) + hlen).toString('latin1');
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!/'descr':\s*'<f4'/.test(header) || !shape) throw new Error(`${file}: not a float32 .npy (${header})`);
  return shape[1].split(',').filter((s) => s.trim()).reduce((p, s) => p * Number(s), 4);
}

function measure(file, method, t) {
  const out = join(os.tmpdir(), `specmap-memory-${process.pid}-${method}`);
  const args = [process.execPath, CLI, 'analyze', file, '--method', method, '--components', opt.components, ...METHOD_ARGS[method], '--out', out];
  try {
    const { peakBytes, seconds } = timeV(args[0], args.slice(1), { cwd: ROOT, env: { SPECMAP_THREADS: String(t) }, what: `specmap analyze ${method}` });
    return { peakBytes, seconds };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const MB = 1e6;
const rows = [];
for (const size of sizes) {
  const [h, w] = size.split('x').map(Number);
  const file = join(DATA, `stack-${h}x${w}x256.npy`);
  const cube = cubeBytes(file);
  const target = 1.5 * cube + 150 * MB;
  const cases = [];
  for (const t of threads) for (const m of methods) cases.push({ method: m, threads: t });
  for (const s of singles) if (!cases.some((c) => c.method === s.method && c.threads === s.threads)) cases.push(s);
  for (const c of cases) {
    const r = measure(file, c.method, c.threads);
    const row = {
      method: c.method,
      size,
      threads: c.threads,
      args: METHOD_ARGS[c.method].join(' '),
      cube_mb: cube / MB,
      target_mb: target / MB,
      peak_mb: r.peakBytes / MB,
      ratio: r.peakBytes / target,
      wall_s: r.seconds,
    };
    rows.push(row);
    process.stderr.write(`${size} ${c.method} t=${c.threads}: peak ${row.peak_mb.toFixed(1)} MB, target ${row.target_mb.toFixed(1)} MB (${row.ratio.toFixed(3)}), ${row.wall_s.toFixed(2)} s\n`);
  }
}

const result = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg(), date: new Date().toISOString() }, rows };
const jsonPath = join(OUT, 'memory.json');
if (!opt.fresh && existsSync(jsonPath)) {
  const prev = JSON.parse(readFileSync(jsonPath, 'utf8'));
  const same = (a, b) => a.method === b.method && a.size === b.size && a.threads === b.threads;
  result.rows = [...(prev.rows ?? []).filter((p) => !rows.some((r) => same(p, r))), ...rows];
  result.machine.previous = [...(prev.machine?.previous ?? []), { date: prev.machine?.date, loadavg: prev.machine?.loadavg }];
}
const order = (r) => [Number(r.size.split('x')[0]) * Number(r.size.split('x')[1]), Object.keys(METHOD_ARGS).indexOf(r.method), r.threads];
result.rows.sort((a, b) => {
  const x = order(a);
  const y = order(b);
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
});
writeFileSync(jsonPath, JSON.stringify(result, null, 2) + '\n');

const L = [
  '# Peak memory of `specmap analyze` (issue 3)',
  '',
  `Generated by \`node bench/memory.mjs\` on ${result.machine.date} (${result.machine.cpus} CPUs, ${result.machine.model}, Node ${result.machine.node}). ` +
    'Each row is one `specmap analyze STACK --method M --components ' + opt.components + ' --out DIR` process under `/usr/bin/time -v`; ' +
    'peak = its "Maximum resident set size" (VmHWM: interpreter, wasm kernels and their worker threads included). ' +
    'Target = 1.5 × the cube\'s bytes + 150 MB; MB = 10⁶ bytes. Stacks from bench/generate.py (float32, 256 channels).',
  '',
  '| method | extra flags | size | threads | cube MB | target MB | peak MB | peak / target | wall s |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const r of result.rows) {
  const flag = r.ratio <= 1 ? '' : ' **over**';
  L.push(`| ${r.method} | ${r.args || '–'} | ${r.size.replace('x', '×')}×256 | ${r.threads} | ${r.cube_mb.toFixed(1)} | ${r.target_mb.toFixed(1)} | ${r.peak_mb.toFixed(1)} | ${r.ratio.toFixed(3)}${flag} | ${r.wall_s.toFixed(2)} |`);
}
L.push('');
writeFileSync(join(OUT, 'memory.md'), L.join('\n'));
process.stderr.write(`wrote ${jsonPath} and ${join(OUT, 'memory.md')}\n`);
