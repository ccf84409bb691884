/**
 * Fuzzing of every reader: each seed file (fixtures and real files) is
 * mutated SPECMAP_FUZZ_CASES times (default 200 per format in CI; bit flips,
 * truncations, inserted/removed bytes, size fields set huge, random words)
 * with a seeded PRNG, and every mutant must end in a one-line SpecmapError or
 * a well-formed read, within a second, without crashing the reader or
 * growing memory without bound. Readers run in a worker thread that the test
 * terminates when a case hangs (reported with its index and seed).
 *
 *   SPECMAP_FUZZ_CASES=5000 node --import tsx --test packages/io/test/fuzz.test.ts
 *
 * (needs `npx tsc -b packages/io`: the worker loads dist/.)
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { REPO } from './helpers';

const CASES = Number(process.env.SPECMAP_FUZZ_CASES ?? 200);
const SEED = Number(process.env.SPECMAP_FUZZ_SEED ?? 12345);
/** A case slower than this fails (the brief's bound is a second; the machine is shared, so the hang watchdog is looser). */
const CASE_LIMIT_MS = Number(process.env.SPECMAP_FUZZ_CASE_MS ?? 1000);
const HANG_MS = 10000;
const FIX = path.join(REPO, 'tests', 'fixtures', 'io');
const DATA = path.join(REPO, '..', 'shared', 'data');

const SEEDS: [string, string, string][] = [
  ['tiff f32 LE', path.join(FIX, 'tiff', 'float32_le_none.tif'), 'stack'],
  ['tiff u16 deflate+predictor', path.join(FIX, 'tiff', 'uint16_le_deflate_pred.tif'), 'stack'],
  ['tiff i16 LZW+predictor', path.join(FIX, 'tiff', 'int16_le_lzw_pred.tif'), 'stack'],
  ['tiff f64 BE LZW', path.join(FIX, 'tiff', 'float64_be_lzw.tif'), 'stack'],
  ['tiff u8 PackBits', path.join(FIX, 'tiff', 'uint8_le_packbits.tif'), 'stack'],
  ['BigTIFF', path.join(FIX, 'tiff', 'float32_le_lzw_bigtiff.tif'), 'stack'],
  ['npy', path.join(FIX, 'expected_yxE_f32.npy'), 'stack'],
  ['npz stored', path.join(FIX, 'npz', 'stored.npz'), 'stack'],
  ['npz deflated', path.join(FIX, 'npz', 'deflated.npz'), 'stack'],
  ['hdf5 NXstxm gzip', path.join(FIX, 'h5', 'nxstxm.h5'), 'stack'],
  ['hdf5 plain', path.join(FIX, 'h5', 'plain.h5'), 'stack'],
  ['hdf5 FlexPES library (real)', path.join(DATA, 'flexpes-nexafs', 'v1.9.8', 'library.h5'), 'h5spectra'],
  ['DM3 EELS SI (real)', path.join(DATA, 'MultimodalEELS-XAS', 'Data', 'Exp_data', 'EELS', 'TM', 'TM+O EELS Spectrum Image.dm3'), 'stack'],
  ['Athena prj gz (real)', path.join(DATA, 'xraylarch', 'AthenaProjectFiles', 'FeO.prj'), 'prj'],
  ['XDI (real)', path.join(DATA, 'XASDataLibrary', 'Fe', 'Fe2O3_rt_01.xdi'), 'xdi'],
  ['EMSA (real)', path.join(DATA, 'MultimodalEELS-XAS', 'Data', 'Exp_data', 'EELS', 'TM', 'Mn_edge.msa'), 'msa'],
  ['ALS .e (real)', path.join(DATA, 'nano-XANES-microscopy-of-Fe', 'References', 'Biotite_ETH_oa.e'), 'e'],
  ['multi-column .nor (real)', path.join(DATA, 'nano-XANES-microscopy-of-Fe', 'HXN_XANES', 'FeLibNov2021.nor'), 'columns'],
];

interface Tally {
  ok: number;
  error: number;
  crash: string[];
  slow: string[];
  maxMs: number;
  maxRss: number;
  codes: Map<string, number>;
}

function runWorker(seedFile: string, reader: string, seed: number, tmpDir: string, tally: Tally, start: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const w = new Worker(path.join(__dirname, 'fuzz', 'worker.js'), {
      workerData: { seedFile, reader, cases: CASES, seed, tmpDir, start },
      resourceLimits: { maxOldGenerationSizeMb: 512 },
      stderr: true,
    });
    w.stderr.resume(); // HDF5's own diagnostics on corrupt files are not ours to print
    let current = start;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        tally.crash.push(`case ${current} (seed ${seed}) did not finish within ${HANG_MS} ms: hang`);
        void w.terminate();
        resolve(current + 1);
      }, HANG_MS);
    };
    arm();
    w.on('message', (msg: { i: number; kind: string; outcome: string; code?: string; message?: string; ms?: number; rss?: number; done?: boolean; fatal?: string }) => {
      if (msg.fatal) {
        clearTimeout(timer);
        reject(new Error(msg.fatal));
        return;
      }
      if (msg.done) {
        clearTimeout(timer);
        void w.terminate();
        resolve(null);
        return;
      }
      current = msg.i;
      arm();
      if (msg.outcome === 'start') return;
      if (msg.outcome === 'ok') tally.ok++;
      else if (msg.outcome === 'error') {
        tally.error++;
        tally.codes.set(msg.code!, (tally.codes.get(msg.code!) ?? 0) + 1);
      } else tally.crash.push(`case ${msg.i} (${msg.kind}): ${msg.message}`);
      if ((msg.ms ?? 0) > CASE_LIMIT_MS) tally.slow.push(`case ${msg.i} (${msg.kind}) took ${Math.round(msg.ms!)} ms`);
      tally.maxMs = Math.max(tally.maxMs, msg.ms ?? 0);
      tally.maxRss = Math.max(tally.maxRss, msg.rss ?? 0);
    });
    w.on('error', (err) => {
      clearTimeout(timer);
      tally.crash.push(`case ${current}: worker died: ${String(err).split('\n')[0]}`);
      resolve(current + 1);
    });
  });
}

for (const [label, seedFile, reader] of SEEDS) {
  test(`fuzz ${label}: ${CASES} mutants end in a SpecmapError or a well-formed read`, { skip: !fs.existsSync(seedFile) && `missing ${seedFile}` }, async (t) => {
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-fuzz-'));
    const tally: Tally = { ok: 0, error: 0, crash: [], slow: [], maxMs: 0, maxRss: 0, codes: new Map() };
    const seed = SEED ^ [...label].reduce((h, c) => Math.imul(h, 31) + c.charCodeAt(0), 7);
    let start: number | null = 0;
    while (start !== null && start < CASES) start = await runWorker(seedFile, reader, seed, tmpDir, tally, start);
    const codes = [...tally.codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}:${n}`).join(' ');
    t.diagnostic(`${label}: ${tally.ok} read, ${tally.error} SpecmapError (${codes}), ${tally.crash.length} crashes, slowest ${tally.maxMs.toFixed(1)} ms, peak RSS ${(tally.maxRss / 2 ** 20).toFixed(0)} MB`);
    if (process.env.SPECMAP_FUZZ_REPORT) fs.appendFileSync(process.env.SPECMAP_FUZZ_REPORT, `${label}\t${CASES}\t${tally.ok}\t${tally.error}\t${tally.crash.length}\t${tally.maxMs.toFixed(1)}\t${(tally.maxRss / 2 ** 20).toFixed(0)}\t${codes}\n`);
    if (tally.crash.length === 0) fs.rmSync(tmpDir, { recursive: true, force: true });
    assert.deepEqual(tally.crash.slice(0, 5), [], `crashes (mutants kept in ${tmpDir})`);
    assert.deepEqual(tally.slow.slice(0, 5), []);
    assert.ok(tally.maxRss < 1.5 * 2 ** 30, `peak RSS ${tally.maxRss} bytes`);
  });
}
