/**
 * Readers and writers of the "read every stack" issue: TIFF, HDF5/NeXus, .npz,
 * DM3, XDI, EMSA, Athena .prj, ALS .e, reference libraries, and the writers,
 * on the fixtures of tools/make_io_fixtures.py and the real files in
 * shared/data (checked against their converted copies).
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  loadHdf5,
  onGrid,
  readAthenaProject,
  readColumns,
  readEmsa,
  readHdf5Spectra,
  readNpy,
  readReferenceLibrary,
  readSpectraFile,
  readStack,
  readStackAsync,
  readXdi,
  readAlsE,
  writeHdf5Stack,
  writeMapsCsv,
  writeNpy,
  writeTiffMap,
  writeTiffStack,
} from '../src/index';
import { assertSpecmapError, python, REPO, STXM_HDR, tempDir } from './helpers';

const FIX = path.join(REPO, 'tests', 'fixtures', 'io');
const DATA = path.join(REPO, '..', 'shared', 'data');
const EXPECTED = readNpy(path.join(FIX, 'expected_yxE_f32.npy')).data;
const ENERGIES = [700, 700.5, 701, 702.25, 705, 710.125];

before(async () => {
  await loadHdf5();
});

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, round = false): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - (round ? Math.round(b[i]) : b[i])));
  return d;
}

test('TIFF: every fixture (8/16/32-bit ints, f32/f64, LE/BE, none/Deflate/LZW/PackBits, predictor, BigTIFF) reads the expected cube', () => {
  const files = fs.readdirSync(path.join(FIX, 'tiff'));
  assert.ok(files.length >= 13);
  for (const f of files) {
    const s = readStack(path.join(FIX, 'tiff', f));
    assert.deepEqual([s.height, s.width, s.energies.length], [4, 5, 6], f);
    assert.equal(maxDiff(s.data, EXPECTED, !f.startsWith('float')), 0, f);
    assert.equal(s.metadata.energyUnit, 'channel index');
  }
  const withE = readStack(path.join(FIX, 'tiff', 'float32_le_none.tif'), { energies: Float64Array.from(ENERGIES) });
  assert.deepEqual(Array.from(withE.energies), ENERGIES);
  const ranged = readStack(path.join(FIX, 'tiff', 'float32_le_none.tif'), { energyRange: { start: 700, step: 0.5 } });
  assert.deepEqual(Array.from(ranged.energies), [700, 700.5, 701, 701.5, 702, 702.5]);
  assertSpecmapError(() => readStack(path.join(FIX, 'tiff', 'float32_le_none.tif'), { energies: Float64Array.from([1, 2]) }), 'ENERGY_MISMATCH', ['6 energy channels', '2 energies']);
});

test('TIFF series: a folder or a glob, in natural order (e_2 before e_10)', () => {
  const s = readStack(path.join(FIX, 'series'));
  assert.equal(s.energies.length, 12);
  assert.deepEqual(s.metadata.files, Array.from({ length: 12 }, (_, k) => `e_${k + 1}.tif`));
  // value(y, x, k) = 10y + x + k
  for (let k = 0; k < 12; k++) assert.equal(s.data[(3 * 5 + 4) * 12 + k], 34 + k);
  const g = readStack(path.join(FIX, 'series', 'e_1*.tif'));
  assert.deepEqual(g.metadata.files, ['e_1.tif', 'e_10.tif', 'e_11.tif', 'e_12.tif']);
  assertSpecmapError(() => readStack(path.join(FIX, 'series', 'nothing*.tif')), 'ENOENT', ['nothing*.tif']);
});

test('HDF5/NeXus: NXstxm (E, y, x) int16 gzip with I0 and ring current, NXdata (y, x, E), plain file', () => {
  const stxm = readStack(path.join(FIX, 'h5', 'nxstxm.h5'));
  assert.deepEqual([stxm.height, stxm.width], [4, 5]);
  assert.deepEqual(Array.from(stxm.energies), ENERGIES);
  assert.equal(maxDiff(stxm.data, EXPECTED, true), 0);
  assert.deepEqual(Array.from(stxm.metadata.i0 as Float64Array), [1000, 1020, 1040, 1060, 1080, 1100]);
  assert.equal((stxm.metadata.ringCurrent as Float64Array).length, 6);
  assert.deepEqual(Array.from(stxm.metadata.xUm!), [10, 10.5, 11, 11.5, 12]);
  assert.deepEqual(Array.from(stxm.metadata.yUm!), [0, 0.5, 1, 1.5]);
  for (const f of ['nxdata_yxe.h5', 'plain.h5']) {
    const s = readStack(path.join(FIX, 'h5', f));
    assert.deepEqual(Array.from(s.energies), ENERGIES, f);
    assert.equal(maxDiff(s.data, EXPECTED), 0, f);
  }
  const explicit = readStack(path.join(FIX, 'h5', 'nxstxm.h5'), { dataset: '/entry1/counts/data', energyDataset: '/entry1/counts/energy' });
  assert.equal(maxDiff(explicit.data, stxm.data), 0);
  assertSpecmapError(() => readStack(path.join(FIX, 'h5', 'plain.h5'), { dataset: '/nope' }), 'DATASET', ['plain.h5', '/nope']);
});

test('.npz: stored and deflated members; the real malspy SI_data.npz (x, y, E) against its raw copy', () => {
  for (const f of ['stored.npz', 'deflated.npz']) {
    const s = readStack(path.join(FIX, 'npz', f));
    assert.deepEqual(Array.from(s.energies), ENERGIES, f);
    assert.equal(maxDiff(s.data, EXPECTED), 0, f);
  }
  const dir = path.join(DATA, 'malspy', 'example');
  const s = readStack(path.join(dir, 'SI_data.npz'), { axisOrder: 'xye' });
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'SI_data_X_xyE_float64le.json'), 'utf8'));
  const raw = fs.readFileSync(path.join(dir, 'SI_data_X_xyE_float64le.raw'));
  const [nx, ny, ne] = meta.shape as number[];
  assert.deepEqual([s.width, s.height, s.energies.length], [nx, ny, ne]);
  let d = 0;
  for (let x = 0; x < nx; x++) for (let y = 0; y < ny; y++) for (let e = 0; e < ne; e++) {
    const v = raw.readDoubleLE(((x * ny + y) * ne + e) * 8);
    d = Math.max(d, Math.abs(s.data[(y * nx + x) * ne + e] - Math.fround(v)));
  }
  assert.equal(d, 0);
  assert.equal(s.energies[0], 10);
  assert.equal(s.energies[ne - 1], 200);
});

test('DM3: the real EELS spectrum image equals its raw copy, energy = 440 + 0.3·i eV', () => {
  const dir = path.join(DATA, 'MultimodalEELS-XAS', 'Data', 'Exp_data', 'EELS', 'TM');
  const s = readStack(path.join(dir, 'TM+O EELS Spectrum Image.dm3'));
  assert.deepEqual([s.height, s.width, s.energies.length], [2, 21, 2048]);
  const raw = fs.readFileSync(path.join(dir, 'TM+O_EELS_SI_yxE_float32le.raw'));
  const ref = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
  assert.equal(maxDiff(s.data, ref), 0);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'TM+O_EELS_SI_yxE_float32le.json'), 'utf8'));
  for (const i of [0, 1, 1000, 2047]) assert.ok(Math.abs(s.energies[i] - (meta.energy_loss_eV.offset + i * meta.energy_loss_eV.scale)) < 1e-9);
  assert.ok(Math.abs(s.metadata.xUm![1] - meta.pixel_size_um) < 1e-12);
});

test('EMSA: the real .msa spectra (XY rows, NPOINTS checked)', () => {
  const dir = path.join(DATA, 'MultimodalEELS-XAS', 'Data', 'Exp_data', 'EELS', 'TM');
  const mn = readEmsa(path.join(dir, 'Mn_edge.msa'));
  assert.equal(mn.energies.length, 2021);
  assert.equal(mn.energies[0], 446);
  assert.equal(mn.values[mn.values.length - 1], 2378.106);
  assert.equal(mn.fields.XUNITS, 'eV');
});

test('Athena .prj: every record of the real projects equals its converted CSV (energies + bkg_eshift, μ)', () => {
  const sets: [string, string][] = [
    ['xraylarch/AthenaProjectFiles/Fe.prj', 'xraylarch/AthenaProjectFiles/Fe_prj_csv'],
    ['xraylarch/AthenaProjectFiles/FeO.prj', 'xraylarch/AthenaProjectFiles/FeO_prj_csv'],
    ['xraylarch/AthenaProjectFiles/Mn.prj', 'xraylarch/AthenaProjectFiles/Mn_prj_csv'],
    ['xraylarch/AthenaProjectFiles/CuHERFD_standards.prj', 'xraylarch/AthenaProjectFiles/CuHERFD_standards_prj_csv'],
    ['xraylarch/pca/cyanobacteria.prj', 'xraylarch/pca/cyanobacteria_prj_csv'],
  ];
  let records = 0;
  for (const [prj, csvDir] of sets) {
    const recs = readAthenaProject(path.join(DATA, prj));
    const index = JSON.parse(fs.readFileSync(path.join(DATA, csvDir, 'index.json'), 'utf8'));
    assert.equal(recs.length, index.records.length, prj);
    recs.forEach((r, i) => {
      const rec = index.records[i];
      assert.equal(r.name, rec.label);
      assert.ok(Math.abs(r.eshift - Number(rec.bkg_eshift)) < 1e-9, `${prj} ${rec.label} eshift`);
      const t = readColumns(path.join(DATA, csvDir, rec.csv));
      assert.equal(t.columns[0].length, r.energies.length);
      assert.ok(maxDiff(r.energiesAsStored, t.columns[0]) < 1e-5);
      assert.ok(maxDiff(r.energies, t.columns[1]) < 1e-5);
      assert.ok(maxDiff(r.values, t.columns[2]) < 1e-5 * Math.max(1, ...Array.from(t.columns[2], Math.abs)));
      records++;
    });
  }
  assert.equal(records, 5 + 1 + 14 + 39 + 17);
});

test('XDI: column order differs between files; μ = ln(i0/itrans) or mutrans', () => {
  const a = readXdi(path.join(DATA, 'XASDataLibrary', 'Fe', 'Fe2O3_rt_01.xdi')); // energy i0 itrans
  assert.equal(a.mu, 'ln(i0/itrans)');
  assert.ok(Math.abs(a.values[0] - Math.log(272002 / 121091.203452)) < 1e-12);
  const b = readXdi(path.join(DATA, 'XASDataLibrary', 'Fe', 'Fe_Foil_rt_2016Foils.xdi')); // energy itrans i0
  assert.deepEqual(b.table.names.slice(0, 3), ['energy', 'itrans', 'i0']);
  assert.ok(Math.abs(b.values[0] - Math.log(b.table.columns[2][0] / b.table.columns[1][0])) < 1e-12);
  const c = readXdi(path.join(DATA, 'xraylarch', 'xafsdata', 'fe3c_rt.xdi'));
  assert.equal(c.mu, 'mutrans');
  for (const el of ['Fe', 'Mn', 'Cu']) {
    for (const f of fs.readdirSync(path.join(DATA, 'XASDataLibrary', el))) {
      const x = readXdi(path.join(DATA, 'XASDataLibrary', el, f));
      assert.ok(x.energies.length > 50 && x.values.every(Number.isFinite), f);
    }
  }
});

test('ALS .e references: #% headers, latin-1; library with energyShift; onGrid and its range error', () => {
  const dir = path.join(DATA, 'nano-XANES-microscopy-of-Fe', 'References');
  const e = readAlsE(path.join(dir, 'Biotite_ETH_oa.e'));
  assert.equal(e.fields.Name, 'biotite');
  const lib = readReferenceLibrary(dir, { energyShift: 1.25 });
  assert.equal(lib.spectra.length, 65);
  const raw = readReferenceLibrary([path.join(dir, 'Hematite FeXANES.e')]);
  const shifted = lib.spectra.find((s) => s.source.endsWith('Hematite FeXANES.e'))!;
  assert.equal(shifted.energyShift, 1.25);
  assert.ok(Math.abs(shifted.energies[0] - raw.spectra[0].energies[0] - 1.25) < 1e-9);
  const per = readReferenceLibrary([path.join(dir, 'Hematite FeXANES.e')], { energyShift: { 'Hematite FeXANES.e': -2 } });
  assert.ok(Math.abs(per.spectra[0].energies[0] - raw.spectra[0].energies[0] + 2) < 1e-9);
  // multi-column .nor → 11 references; the README and the 1-column energy list are skipped
  const hxn = readReferenceLibrary(path.join(DATA, 'nano-XANES-microscopy-of-Fe', 'HXN_XANES'));
  assert.ok(hxn.spectra.some((s) => s.name === 'Magnetite'));
  assert.equal(hxn.skipped.length, 2);
  const grid = Float64Array.from({ length: 50 }, (_, i) => 7100 + i);
  const g = onGrid(readReferenceLibrary(path.join(DATA, 'nano-XANES-microscopy-of-Fe', 'HXN_XANES', 'FeLibNov2021.nor')), grid);
  assert.equal(g.length, 11);
  assert.equal(g[0].values.length, 50);
  const err = assertSpecmapError(() => onGrid(lib, Float64Array.from([700, 710])), 'ENERGY_RANGE', ['700', '710', 'eV']);
  assert.ok(/reference '.*' \(/.test(err.message));
});

test('HDF5 spectra: the FlexPES libraries equal their converted CSVs', () => {
  for (const v of ['v1.9.8', 'v2.2.0']) {
    const dir = path.join(DATA, 'flexpes-nexafs', v);
    const sp = readHdf5Spectra(path.join(dir, 'library.h5'));
    const csvs = fs.readdirSync(dir).filter((f) => f.endsWith('.csv')).sort();
    assert.equal(sp.length, csvs.length);
    sp.forEach((s, i) => {
      const t = readColumns(path.join(dir, csvs[i]));
      assert.ok(maxDiff(s.energies, t.columns[0]) < 1e-5);
      for (let k = 0; k < s.values.length; k++) assert.ok(Math.abs(s.values[k] - t.columns[1][k]) <= 1e-7 * Math.abs(t.columns[1][k]) + 1e-15);
    });
  }
  // and through the generic spectrum reader
  assert.equal(readSpectraFile(path.join(DATA, 'flexpes-nexafs', 'v2.2.0', 'library.h5')).length, 4);
});

test('writers: real STXM stack → npy / h5 / tiff → read back bit-identically; numpy and h5py agree', async (t) => {
  const dir = tempDir(t);
  const stack = await readStackAsync(STXM_HDR);
  const npy = path.join(dir, 'c.npy');
  const h5 = path.join(dir, 'c.h5');
  const tif = path.join(dir, 'c.tif');
  writeNpy(npy, stack.data, [stack.height, stack.width, stack.energies.length]);
  writeHdf5Stack(h5, stack);
  writeTiffStack(tif, stack);
  for (const f of [h5, tif]) {
    const back = readStack(f);
    assert.deepEqual([back.height, back.width], [stack.height, stack.width]);
    assert.deepEqual(back.energies, stack.energies, f);
    assert.ok(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength).equals(Buffer.from(stack.data.buffer, stack.data.byteOffset, stack.data.byteLength)), `${f} is not bit-identical`);
    assert.deepEqual(back.metadata.xUm, stack.metadata.xUm);
  }
  const out = python(
    `import sys, struct, json, numpy as np, h5py
a = np.load(sys.argv[1])
f = h5py.File(sys.argv[2], 'r')
d = f['entry/data/data'][()]
e = f['entry/data/energy'][()]
b = open(sys.argv[3], 'rb').read()
# walk our TIFF: little-endian classic, one strip per page
pages = []; off = struct.unpack('<I', b[4:8])[0]; desc = None
while off:
    n = struct.unpack('<H', b[off:off+2])[0]; tags = {}
    for i in range(n):
        tag, typ, cnt, val = struct.unpack('<HHII', b[off+2+12*i:off+14+12*i]); tags[tag] = (typ, cnt, val)
    so = tags[273][2]; w = tags[256][2]; h = tags[257][2]
    pages.append(np.frombuffer(b[so:so+4*w*h], '<f4').reshape(h, w))
    if 270 in tags and desc is None: desc = json.loads(b[tags[270][2]:tags[270][2]+tags[270][1]-1])
    off = struct.unpack('<I', b[off+2+12*n:off+6+12*n])[0]
t = np.stack(pages, axis=2)
print(a.shape, d.dtype, np.array_equal(a, d), np.array_equal(a, t), np.array_equal(e, np.array(desc['specmap']['energies'])), f['entry/data'].attrs['signal'], f['entry/provenance/source_sha256'][()].decode())`,
    npy,
    h5,
    tif,
  ).trim();
  assert.equal(out, `(125, 125, 123) float32 True True True data ${stack.metadata.sha256}`);
});

test('writers: single-map TIFF and calibrated CSV maps', (t) => {
  const dir = tempDir(t);
  const map = Float32Array.from({ length: 6 }, (_, i) => i * 1.5);
  writeTiffMap(path.join(dir, 'm.tif'), map, 3, 2);
  const back = readStack(path.join(dir, 'm.tif'));
  assert.deepEqual([back.width, back.height, back.energies.length], [3, 2, 1]);
  assert.deepEqual(Array.from(back.data), Array.from(map));
  writeMapsCsv(path.join(dir, 'm.csv'), Float32Array.from([...map, ...map]), 3, 2, { names: ['a', 'b'], xUm: [0, 0.1, 0.2], yUm: [5, 5.1] });
  const lines = fs.readFileSync(path.join(dir, 'm.csv'), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'y,x,y_um,x_um,a,b');
  assert.equal(lines[6], '1,2,5.1,0.2,7.5,7.5');
});

test('bad inputs: one-line SpecmapErrors naming the file', (t) => {
  const dir = tempDir(t);
  const junk = path.join(dir, 'junk.tif');
  fs.writeFileSync(junk, 'not a tiff at all');
  assertSpecmapError(() => readStack(junk), 'TIFF_FORMAT', ['junk.tif']);
  const h5 = path.join(dir, 'junk.h5');
  fs.writeFileSync(h5, 'not hdf5');
  assertSpecmapError(() => readStack(h5), 'HDF5_FORMAT', ['junk.h5']);
  const npz = path.join(dir, 'junk.npz');
  fs.writeFileSync(npz, Buffer.alloc(100));
  assertSpecmapError(() => readStack(npz), 'NPZ_FORMAT', ['junk.npz']);
  const dm = path.join(dir, 'junk.dm3');
  fs.writeFileSync(dm, Buffer.from([0, 0, 0, 3, 0, 0, 0, 9, 0, 0, 0, 1, 1, 0, 255, 255, 255, 255]));
  assertSpecmapError(() => readStack(dm), 'DM_FORMAT', ['junk.dm3']);
  const trunc = path.join(dir, 'trunc.tif');
  const full = fs.readFileSync(path.join(FIX, 'tiff', 'float32_le_none.tif'));
  fs.writeFileSync(trunc, full.subarray(0, 200));
  assert.throws(() => readStack(trunc), (e: Error) => e.name === 'SpecmapError' && e.message.includes('trunc.tif'));
});
