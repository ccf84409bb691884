/**
 * Fuzzing worker (plain CommonJS on the built dist/, so the parent can
 * terminate it if a reader hangs): mutates one seed file many times with a
 * seeded PRNG and runs its reader on each mutant, posting one message per
 * case: { i, kind, outcome: 'ok' | 'error' | 'crash', code, message, ms, rss }.
 */
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const io = require('../../dist/index.js');
const { SpecmapError } = require('@specmap/core');

function mulberry32(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HUGE = [0xff, 0x7f, 0x80];
const KINDS = ['bitflip', 'truncate', 'insert', 'remove', 'huge', 'word'];

/** One mutant of `src`; returns [kind, bytes]. */
function mutate(src, rnd) {
  const int = (n) => Math.floor(rnd() * n);
  const kind = KINDS[int(KINDS.length)];
  // half of the positions fall in the first 512 bytes, where headers and size fields live
  const pos = (len) => (rnd() < 0.5 ? int(Math.min(len, 512)) : int(len));
  let b = Buffer.from(src);
  switch (kind) {
    case 'bitflip': {
      const n = 1 + int(8);
      for (let k = 0; k < n; k++) {
        const p = pos(b.length);
        b[p] ^= 1 << int(8);
      }
      break;
    }
    case 'truncate':
      b = b.subarray(0, int(b.length));
      break;
    case 'insert': {
      const p = pos(b.length);
      const ins = Buffer.alloc(1 + int(16));
      for (let k = 0; k < ins.length; k++) ins[k] = int(256);
      b = Buffer.concat([b.subarray(0, p), ins, b.subarray(p)]);
      break;
    }
    case 'remove': {
      const p = pos(b.length);
      b = Buffer.concat([b.subarray(0, p), b.subarray(Math.min(b.length, p + 1 + int(16)))]);
      break;
    }
    case 'huge': {
      const w = [2, 4, 8][int(3)];
      const p = pos(Math.max(1, b.length - w));
      const fill = HUGE[int(HUGE.length)];
      for (let k = 0; k < w && p + k < b.length; k++) b[p + k] = k === 0 || fill === 0xff ? fill : rnd() < 0.5 ? 0xff : 0;
      break;
    }
    case 'word': {
      const p = pos(Math.max(1, b.length - 4)) & ~3;
      if (p + 4 <= b.length) b.writeUInt32LE(int(2 ** 32) >>> 0, p);
      break;
    }
  }
  return [kind, b];
}

/** A read is correct when its result is well-formed. */
function checkResult(r) {
  const list = Array.isArray(r) ? r : [r];
  for (const s of list) {
    if (s && s.data && s.energies) {
      if (s.data.length !== s.width * s.height * s.energies.length) throw new Error(`malformed stack: ${s.data.length} values for ${s.height}×${s.width}×${s.energies.length}`);
    } else if (s && s.energies && s.values) {
      if (s.energies.length !== s.values.length) throw new Error('malformed spectrum');
    } else throw new Error('reader returned nothing usable');
  }
}

const READERS = {
  stack: (f) => io.readStack(f),
  prj: (f) => io.readAthenaProject(f),
  xdi: (f) => io.readXdi(f),
  msa: (f) => io.readEmsa(f),
  e: (f) => io.readAlsE(f),
  h5spectra: (f) => io.readHdf5Spectra(f),
  columns: (f) => io.readColumnSpectra(f),
};

async function main() {
  const { seedFile, reader, cases, seed, tmpDir, start } = workerData;
  // HDF5 reads run in io's own worker thread (time limit, memory cap); its
  // no-progress limit is set below the one-second bound per case here.
  if (process.env.SPECMAP_HDF5_TIMEOUT_MS === undefined) process.env.SPECMAP_HDF5_TIMEOUT_MS = '600';
  // Likewise its memory cap, 512 MB by default, is lowered to 128 MB (the seeds need a few MB): a
  // mutant that declares a huge dataset then hits the cap in a quarter of the time (growing
  // to 512 MB alone took ~0.4 s, over the one-second bound on a busy 2-core machine).
  if (process.env.SPECMAP_HDF5_MEMORY_MB === undefined) process.env.SPECMAP_HDF5_MEMORY_MB = '128';
  if (reader === 'stack' || reader === 'h5spectra') {
    if (process.env.SPECMAP_HDF5_WORKER === '0') await io.loadHdf5();
    else io.startHdf5Worker();
  }
  // One untimed read of the intact seed first: the one-second bound is for reading a
  // mutant, not for starting the reader (the HDF5 worker compiles its WebAssembly module,
  // ~0.6 s on a busy 2-core machine, which made case 0 of each HDF5 seed flaky).
  try {
    READERS[reader](seedFile);
  } catch {
    // a seed the reader rejects is still fuzzed; its cases are timed as before
  }
  const src = fs.readFileSync(seedFile);
  const ext = path.extname(seedFile);
  const rnd = mulberry32(seed);
  for (let i = 0; i < start; i++) mutate(src, rnd); // resume after a reported case
  const target = path.join(tmpDir, `mutant${ext}`);
  for (let i = start; i < cases; i++) {
    const [kind, bytes] = mutate(src, rnd);
    fs.writeFileSync(target, bytes);
    parentPort.postMessage({ i, kind, outcome: 'start' });
    const t0 = performance.now();
    let outcome = 'ok';
    let code;
    let message;
    try {
      checkResult(READERS[reader](target));
    } catch (err) {
      if (err instanceof SpecmapError || (err && err.name === 'SpecmapError')) {
        outcome = 'error';
        code = err.code;
        message = err.message;
        if (message.includes('\n')) {
          outcome = 'crash';
          message = `multi-line SpecmapError: ${message}`;
        }
      } else {
        outcome = 'crash';
        message = `${err && err.name}: ${err && err.message}`.split('\n')[0];
        fs.writeFileSync(path.join(tmpDir, `crash-${i}${ext}`), bytes);
      }
    }
    parentPort.postMessage({ i, kind, outcome, code, message, ms: performance.now() - t0, rss: process.memoryUsage().rss });
    // These two errors make io replace its HDF5 worker thread; let the new one start
    // (untimed, as at the beginning) so the next case times a read, not a start-up.
    if (code === 'HDF5_MEMORY' || code === 'HDF5_TIMEOUT') {
      try {
        READERS[reader](seedFile);
      } catch {
        // as above
      }
    }
  }
  parentPort.postMessage({ done: true });
}

main().catch((err) => parentPort.postMessage({ fatal: String(err && err.stack) }));
