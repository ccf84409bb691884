/**
 * HDF5 reads of untrusted files run in a worker thread with a time limit and
 * a memory cap (src/hdf5-host.ts): a file that hangs h5wasm ends in
 * HDF5_TIMEOUT, one that makes it allocate beyond the cap in HDF5_MEMORY, and
 * normal reads through the worker equal the in-thread reader bit for bit.
 * (Needs `npx tsc -b packages/io`: the worker runs dist/hdf5-worker.js.)
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hdf5InWorker, loadHdf5, readHdf5Spectra, readHdf5SpectraDirect, readHdf5Stack, readHdf5StackDirect, readStack } from '../src/index';
import { assertSpecmapError, python, REPO, tempDir } from './helpers';

const FIX = path.join(REPO, 'tests', 'fixtures', 'io', 'h5');

before(async () => {
  await loadHdf5(); // for the in-thread comparison only
});

test('HDF5 reads go through the worker and equal the in-thread reader', () => {
  assert.ok(hdf5InWorker(), 'worker script dist/hdf5-worker.js is built');
  for (const f of ['nxstxm.h5', 'plain.h5', 'nxdata_yxe.h5']) {
    const file = path.join(FIX, f);
    const a = readStack(file);
    const b = readHdf5StackDirect(file);
    assert.deepEqual([a.height, a.width], [b.height, b.width]);
    assert.deepEqual(Array.from(a.energies), Array.from(b.energies));
    assert.deepEqual(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength), Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));
    assert.equal(a.metadata.sha256, b.metadata.sha256);
    assert.equal(a.metadata.format, b.metadata.format);
  }
});

test('an HDF5 file that hangs h5wasm ends in HDF5_TIMEOUT naming the file, and the next read works', (t) => {
  // The fuzz run's NXstxm case 4435 (seed 12345): two bytes of an object header set to 0xff.
  const dir = tempDir(t);
  const bytes = Buffer.from(fs.readFileSync(path.join(FIX, 'nxstxm.h5')));
  bytes[2143] = 0xff;
  bytes[2144] = 0xff;
  const bad = path.join(dir, 'hangs.h5');
  fs.writeFileSync(bad, bytes);
  const t0 = Date.now();
  assertSpecmapError(() => readHdf5Stack(bad, { timeLimitMs: 300 }), 'HDF5_TIMEOUT', ['hangs.h5', '0.3 s']);
  assert.ok(Date.now() - t0 < 5000, `stopped after ${Date.now() - t0} ms`);
  assert.equal(readStack(path.join(FIX, 'plain.h5')).metadata.dataset !== undefined, true);
});

test('an HDF5 read beyond the memory cap ends in HDF5_MEMORY naming the file; the next read works', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'long.h5');
  // a 1-D spectrum of 2^24 float32 values (64 MB in HDF5's memory, 130 kB on disk)
  python(
    `import sys, numpy as np, h5py
with h5py.File(sys.argv[1], 'w') as f:
    g = f.create_group('s1')
    for k in ('x', 'y'):
        g.create_dataset(k, data=np.zeros(2**24, 'f4'), chunks=(2**20,), compression='gzip', compression_opts=1)`,
    file,
  );
  assertSpecmapError(() => readHdf5Spectra(file, { memoryMb: 32 }), 'HDF5_MEMORY', ['long.h5', '32 MB']);
  assert.equal(readStack(path.join(FIX, 'plain.h5')).data.length > 0, true);
});

test('HDF5 spectra are read through the worker too', () => {
  const lib = path.join(REPO, '..', 'shared', 'data', 'flexpes-nexafs', 'v1.9.8', 'library.h5');
  if (!fs.existsSync(lib)) return;
  const a = readHdf5Spectra(lib);
  const b = readHdf5SpectraDirect(lib);
  assert.equal(a.length, b.length);
  assert.deepEqual(a.map((s) => s.name), b.map((s) => s.name));
  assert.deepEqual(Array.from(a[0].values), Array.from(b[0].values));
});
