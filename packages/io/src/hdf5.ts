/**
 * HDF5 / NeXus stacks and spectra, through h5wasm (the HDF5 C library compiled
 * to WebAssembly; reads the file from disk through Node's file system, so a
 * cube is read in blocks without loading the file).
 *
 * readHdf5Stack / readHdf5Spectra run in a worker thread with a time limit
 * and a memory cap (./hdf5-host: HDF5_TIMEOUT / HDF5_MEMORY instead of a hang
 * on a corrupt file) and need nothing started. The in-thread readers
 * (readHdf5StackDirect, readHdf5SpectraDirect) and writeHdf5Stack need h5wasm
 * here: it is an ES module whose WebAssembly starts asynchronously, so call
 * `await loadHdf5()` once, after which they are synchronous.
 */
import * as fs from 'fs';
import { SpecmapError, SPECMAP_VERSION, type SpectralStack } from '@specmap/core';
import { allocFloat32, oneLineErrors } from './binary';
import { resolveEnergies, type EnergyOptions } from './tiff';
import { sha256File } from './hash';
import type { Spectrum } from './spectrum';
import { hdf5InWorker, readInWorker, type Hdf5Limits } from './hdf5-host';

/* eslint-disable @typescript-eslint/no-explicit-any */
type H5Module = any;
let h5: H5Module | undefined;
let loading: Promise<void> | undefined;

// TypeScript compiles `import()` to `require()` under CommonJS; h5wasm is ESM-only, so keep a real dynamic import.
const dynamicImport = new Function('s', 'return import(s)') as (s: string) => Promise<any>;

/** Start h5wasm (once; about 0.2 s). Needed before any synchronous HDF5 call. */
export function loadHdf5(): Promise<void> {
  if (h5) return Promise.resolve();
  if (!loading) {
    loading = dynamicImport('h5wasm/node').then(async (mod: any) => {
      await mod.ready;
      h5 = mod;
    });
  }
  return loading;
}

/**
 * Called at every step of a read (each object visited, each block of the
 * cube): the worker of ./hdf5-host counts these to tell a slow read from a hang.
 */
let progressHook: (() => void) | undefined;
/** @internal Set the progress callback (the HDF5 worker). */
export function setHdf5Progress(fn: (() => void) | undefined): void {
  progressHook = fn;
}
function progress(): void {
  if (progressHook) progressHook();
}

/** Whether {@link loadHdf5} has completed. */
export function hdf5Loaded(): boolean {
  return h5 !== undefined;
}

function lib(file: string): H5Module {
  if (!h5) {
    throw new SpecmapError('HDF5_NOT_LOADED', `${file}: HDF5 support is not started: call \`await loadHdf5()\` first, or use readStackAsync`);
  }
  return h5;
}

/** HDF5 file signature (at offset 0, 512, 1024, ...). */
export function isHdf5File(file: string): boolean {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(8);
      for (let off = 0; off <= 8192; off = off === 0 ? 512 : off * 2) {
        if (fs.readSync(fd, buf, 0, 8, off) < 8) return false;
        if (buf.equals(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]))) return true;
      }
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
  return false;
}

function openH5(file: string): any {
  const H = lib(file);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new SpecmapError('ENOENT', `input file not found: ${file}`);
  }
  if (st.isDirectory()) throw new SpecmapError('EISDIR', `input is a directory, not a file: ${file}`);
  if (!isHdf5File(file)) throw new SpecmapError('HDF5_FORMAT', `${file}: not an HDF5 file (no HDF5 signature)`);
  progress();
  try {
    const f = new H.File(file, 'r');
    if (!f || f.file_id === undefined || f.file_id < 0n) throw new Error('cannot open');
    return f;
  } catch (err) {
    throw new SpecmapError('HDF5_FORMAT', `${file}: cannot open as HDF5 (${oneLine(err)})`);
  }
}

function oneLine(err: unknown): string {
  const diag = lastDiagnostic();
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 200);
  return diag ? `${diag}; ${msg}` : msg;
}

// The HDF5 library prints its error stack ("HDF5-DIAG: …") straight to file
// descriptor 2 through fs.writeSync. While specmap calls into it, those writes
// are captured instead, and the innermost message goes into the SpecmapError.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const realFs: typeof fs = require('fs');
let diagnostics = '';
let quietDepth = 0;

function lastDiagnostic(): string {
  const lines = diagnostics.split('\n').filter((l) => /^\s*#\d+:/.test(l));
  const last = lines[lines.length - 1];
  if (!last) return '';
  const m = /\(\):\s*(.*)$/.exec(last);
  return (m ? m[1] : last.trim()).slice(0, 200);
}

/** Run `fn` with HDF5's diagnostics on stderr captured (see above). */
function quiet<T>(fn: () => T): T {
  if (quietDepth === 0) diagnostics = '';
  const orig = realFs.writeSync;
  if (quietDepth++ === 0) {
    (realFs as any).writeSync = function (fd: number, buf: any, ...rest: any[]): number {
      if (fd === 2) {
        if (typeof buf === 'string') {
          if (diagnostics.length < 65536) diagnostics += buf;
          return Buffer.byteLength(buf);
        }
        const off = typeof rest[0] === 'number' ? rest[0] : 0;
        const len = typeof rest[1] === 'number' ? rest[1] : buf.byteLength - off;
        if (diagnostics.length < 65536) diagnostics += Buffer.from(buf.buffer, buf.byteOffset + off, len).toString('utf8');
        return len;
      }
      return (orig as any).call(realFs, fd, buf, ...rest);
    };
  }
  try {
    return fn();
  } finally {
    if (--quietDepth === 0) realFs.writeSync = orig;
  }
}

/** Run `fn`, turning h5wasm/HDF5 exceptions (corrupt files) into SpecmapError('HDF5_FORMAT'). */
function guarded<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SpecmapError) throw err;
    throw new SpecmapError('HDF5_FORMAT', `${file}: corrupt or unreadable HDF5 (${oneLine(err)})`);
  }
}

function attr(obj: any, name: string): unknown {
  try {
    const a = obj?.attrs?.[name];
    if (!a) return undefined;
    let v = a.value;
    if (v instanceof Uint8Array && !(v instanceof Buffer)) v = Buffer.from(v).toString('utf8');
    if (ArrayBuffer.isView(v)) v = Array.from(v as any, (x: any) => (typeof x === 'bigint' ? Number(x) : x));
    return v;
  } catch {
    return undefined;
  }
}

function attrString(obj: any, name: string): string | undefined {
  const v = attr(obj, name);
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  return undefined;
}

function attrStrings(obj: any, name: string): string[] | undefined {
  const v = attr(obj, name);
  if (typeof v === 'string') return v.includes(':') ? v.split(':') : [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  return undefined;
}

function isGroup(H: H5Module, o: any): boolean {
  return o instanceof H.Group;
}
function isDataset(H: H5Module, o: any): boolean {
  return o instanceof H.Dataset;
}

/** Every object path of the file, breadth first (bounded: 100000 objects). */
function walk(H: H5Module, root: any, visit: (path: string, obj: any) => boolean | void): void {
  const queue: [string, any][] = [['', root]];
  const seen = new Set<string>();
  let count = 0;
  while (queue.length > 0) {
    const [p, g] = queue.shift()!;
    let keys: string[] = [];
    try {
      keys = g.keys();
    } catch {
      continue;
    }
    for (const k of keys) {
      if (++count > 100000) return;
      progress();
      const full = `${p}/${k}`;
      if (seen.has(full)) continue;
      seen.add(full);
      let o: any;
      try {
        o = g.get(k);
      } catch {
        continue;
      }
      if (!o) continue;
      if (visit(full, o) === true) return;
      if (isGroup(H, o) && full.split('/').length < 32) queue.push([full, o]);
    }
  }
}

function shapeOf(ds: any): number[] {
  const s = ds.shape;
  return Array.isArray(s) ? s : [];
}

function isNumeric(ds: any): boolean {
  try {
    const t = ds.metadata.type;
    return t === 0 || t === 1;
  } catch {
    return false;
  }
}

/** Read a 1-D (or any) numeric dataset as float64 values. */
function readVector(ds: any, file: string, what: string): Float64Array {
  if (!isNumeric(ds)) throw new SpecmapError('HDF5_TYPE', `${file}: ${what} (${ds.path}) is not numeric`);
  const n = shapeOf(ds).reduce((a, b) => a * b, 1);
  if (n > 1e8) throw new SpecmapError('TOO_LARGE', `${file}: ${what} (${ds.path}) has ${n} values`);
  progress();
  const v = ds.value;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(v[i]);
  return out;
}

export interface Hdf5StackOptions extends EnergyOptions, Hdf5Limits {
  /** Path of the cube dataset (default: found from NeXus attributes). */
  dataset?: string;
  /** Path of the energy-axis dataset (default: the NXdata axis named like an energy). */
  energyDataset?: string;
}

interface Located {
  ds: any;
  group: any;
  how: string;
}

/** Find the cube: explicit path, the @default chain, an NXdata @signal, an old-style @signal=1 dataset, or the only 3-D dataset. */
function locateCube(H: H5Module, f: any, file: string, explicit?: string): Located {
  if (explicit) {
    const ds = f.get(explicit);
    if (!ds || !isDataset(H, ds)) throw new SpecmapError('DATASET', `${file}: no dataset at ${explicit}`);
    return { ds, group: ds.parent, how: `dataset ${explicit}` };
  }
  // @default chain from the root.
  let g = f;
  for (let depth = 0; depth < 8; depth++) {
    const d = attrString(g, 'default');
    if (!d) break;
    const next = g.get(d);
    if (!next || !isGroup(H, next)) break;
    g = next;
  }
  const fromSignal = (grp: any): any => {
    const s = attrString(grp, 'signal');
    if (!s) return undefined;
    const ds = grp.get(s);
    return ds && isDataset(H, ds) && shapeOf(ds).length === 3 ? ds : undefined;
  };
  const byDefault = g !== f ? fromSignal(g) : undefined;
  if (byDefault) return { ds: byDefault, group: g, how: `NeXus @default → ${g.path}/@signal` };
  let found: Located | undefined;
  const threeD: any[] = [];
  walk(H, f, (p, o) => {
    if (isGroup(H, o) && attrString(o, 'NX_class') === 'NXdata') {
      const ds = fromSignal(o);
      if (ds && !found) found = { ds, group: o, how: `NXdata ${p} @signal` };
    } else if (isDataset(H, o) && shapeOf(o).length === 3 && isNumeric(o)) {
      threeD.push(o);
      const sig = attr(o, 'signal');
      if (!found && (sig === 1 || sig === '1' || (Array.isArray(sig) && sig[0] === 1))) found = { ds: o, group: o.parent, how: `dataset ${p} @signal=1` };
    }
    return found !== undefined && threeD.length > 1 ? true : undefined;
  });
  if (found) return found;
  if (threeD.length === 1) return { ds: threeD[0], group: threeD[0].parent, how: `the only 3-D dataset ${threeD[0].path}` };
  throw new SpecmapError(
    'DATASET',
    `${file}: ${threeD.length === 0 ? 'no 3-D numeric dataset' : `${threeD.length} 3-D datasets and no NeXus @signal`}; name the cube with --dataset PATH`,
  );
}

const ENERGY_NAME = /energy|photon|^e$|^ev$|^en$|mono/i;

/** Which dimension is energy, and the dataset of its axis if any. */
function locateEnergy(
  H: H5Module,
  f: any,
  loc: Located,
  shape: number[],
  file: string,
  explicit?: string,
): { dim: number; axis?: any; axisNames: (string | undefined)[] } {
  const axisNames: (string | undefined)[] = [undefined, undefined, undefined];
  const names = attrStrings(loc.group, 'axes') ?? attrStrings(loc.ds, 'axes');
  if (names && names.length === 3) names.forEach((n, i) => (axisNames[i] = n === '.' ? undefined : n));
  // <axis>_indices attributes override positions
  if (loc.group) {
    for (const key of Object.keys(loc.group.attrs ?? {})) {
      const mm = /^(.*)_indices$/.exec(key);
      if (!mm) continue;
      const v = attr(loc.group, key);
      const idx = Array.isArray(v) ? v[0] : v;
      if (typeof idx === 'number' && idx >= 0 && idx < 3) axisNames[idx] = mm[1];
    }
  }
  const getAxis = (name: string | undefined): any => {
    if (!name || !loc.group) return undefined;
    const ds = loc.group.get(name);
    return ds && isDataset(H, ds) && shapeOf(ds).length === 1 ? ds : undefined;
  };
  if (explicit) {
    const ds = f.get(explicit);
    if (!ds || !isDataset(H, ds)) throw new SpecmapError('DATASET', `${file}: no energy dataset at ${explicit}`);
    const n = shapeOf(ds).reduce((a, b) => a * b, 1);
    const dims = shape.map((s, i) => (s === n ? i : -1)).filter((i) => i >= 0);
    if (dims.length === 0) throw new SpecmapError('ENERGY_MISMATCH', `${file}: energy dataset ${explicit} has ${n} values but the cube's shape is (${shape.join(', ')})`);
    const named = dims.find((i) => axisNames[i] && ENERGY_NAME.test(axisNames[i]!));
    return { dim: named ?? (dims.includes(2) ? 2 : dims[0]), axis: ds, axisNames };
  }
  for (let i = 0; i < 3; i++) {
    if (axisNames[i] && ENERGY_NAME.test(axisNames[i]!)) {
      const ax = getAxis(axisNames[i]);
      if (ax && shapeOf(ax)[0] !== shape[i]) {
        throw new SpecmapError('ENERGY_MISMATCH', `${file}: axis ${ax.path} has ${shapeOf(ax)[0]} values but dimension ${i} of the cube has ${shape[i]}`);
      }
      return { dim: i, axis: ax, axisNames };
    }
  }
  // A 1-D dataset named like an energy beside the cube whose length matches exactly one dimension.
  if (loc.group) {
    for (const k of loc.group.keys() as string[]) {
      if (!ENERGY_NAME.test(k)) continue;
      const ds = getAxis(k);
      if (!ds) continue;
      const dims = shape.map((s, i) => (s === shapeOf(ds)[0] ? i : -1)).filter((i) => i >= 0);
      if (dims.length === 1) return { dim: dims[0], axis: ds, axisNames };
    }
  }
  return { dim: 2, axisNames };
}

function umAxis(ds: any, file: string): Float64Array | undefined {
  if (!ds) return undefined;
  const unit = (attrString(ds, 'units') ?? attrString(ds, 'unit') ?? '').trim();
  const scale: Record<string, number> = { um: 1, 'µm': 1, 'μm': 1, micron: 1, microns: 1, micrometer: 1, mm: 1000, nm: 1e-3, m: 1e6 };
  const s = scale[unit];
  if (s === undefined) return undefined;
  try {
    const v = readVector(ds, file, 'a spatial axis');
    return v.map((x) => x * s);
  } catch {
    return undefined;
  }
}

/**
 * Read a spectral stack from an HDF5 / NeXus file (NXdata, NXstxm): the cube
 * from `dataset` or the NeXus attributes (`@default`, `@signal`, `@axes`,
 * `@<axis>_indices`, `@NX_class`), the energy axis from `energyDataset` or the
 * NXdata axis named like an energy; the other two dimensions are y (rows) then
 * x. Integers and floats of any size are converted to float32. The cube is
 * read in blocks of about 16 MB. I0 (NXmonitor data, datasets named i0 /
 * monitor) and storage-ring current datasets whose length equals the number
 * of energies are returned in `metadata.i0` / `metadata.ringCurrent`.
 */
export function readHdf5Stack(file: string, options: Hdf5StackOptions = {}): SpectralStack {
  checkInput(file);
  const viaWorker = hdf5InWorker(options) ? readInWorker('stack', file, options, options) : undefined;
  if (viaWorker) return viaWorker as SpectralStack;
  return readHdf5StackDirect(file, options);
}

/**
 * {@link readHdf5Stack} in this thread, without the worker's time and memory
 * limits (needs {@link loadHdf5}). For trusted files, and the worker itself.
 */
export function readHdf5StackDirect(file: string, options: Hdf5StackOptions = {}): SpectralStack {
  return oneLineErrors(() => quiet(() => readHdf5StackInner(file, options)));
}

/** The cheap checks before any worker starts: exists, a file, HDF5 signature. */
function checkInput(file: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new SpecmapError('ENOENT', `input file not found: ${file}`);
  }
  if (st.isDirectory()) throw new SpecmapError('EISDIR', `input is a directory, not a file: ${file}`);
  if (!isHdf5File(file)) throw new SpecmapError('HDF5_FORMAT', `${file}: not an HDF5 file (no HDF5 signature)`);
}

function readHdf5StackInner(file: string, options: Hdf5StackOptions): SpectralStack {
  const H = lib(file);
  const f = openH5(file);
  try {
    return guarded(file, () => {
      const loc = locateCube(H, f, file, options.dataset);
      const shape = shapeOf(loc.ds);
      if (shape.length !== 3) throw new SpecmapError('SHAPE', `${file}: ${loc.ds.path} has shape (${shape.join(', ')}), a 3-D cube is needed`);
      if (!isNumeric(loc.ds)) throw new SpecmapError('HDF5_TYPE', `${file}: ${loc.ds.path} is not numeric`);
      const total = shape[0] * shape[1] * shape[2];
      if (total < 1) throw new SpecmapError('SHAPE', `${file}: ${loc.ds.path} is empty (shape ${shape.join('×')})`);
      const itemSize = loc.ds.metadata.size as number;
      const fileSize = fs.statSync(file).size;
      if (total * itemSize > fileSize * 1000 + 2 ** 20) {
        throw new SpecmapError('TOO_LARGE', `${file}: ${loc.ds.path} claims shape (${shape.join(', ')}) = ${total * itemSize} bytes, far more than the ${fileSize}-byte file can hold`);
      }
      const en = locateEnergy(H, f, loc, shape, file, options.energyDataset);
      const spatial = [0, 1, 2].filter((i) => i !== en.dim);
      const [ydim, xdim] = spatial;
      const height = shape[ydim];
      const width = shape[xdim];
      const m = shape[en.dim];
      const data = allocFloat32(width * height * m, file, `a ${height}×${width}×${m} cube`);
      // strides of each source dimension in the destination
      const dstStride = [0, 0, 0];
      dstStride[ydim] = width * m;
      dstStride[xdim] = m;
      dstStride[en.dim] = 1;
      const rowValues = shape[1] * shape[2];
      const block = Math.max(1, Math.floor((16 * 2 ** 20) / Math.max(1, rowValues * itemSize)));
      let nonFinite = 0;
      for (let a = 0; a < shape[0]; a += block) {
        const b = Math.min(shape[0], a + block);
        progress();
        const v = loc.ds.slice([[a, b], [0, shape[1]], [0, shape[2]]]);
        if (!v || typeof v.length !== 'number' || v.length < (b - a) * rowValues) {
          throw new SpecmapError('HDF5_FORMAT', `${file}: could not read rows ${a}–${b} of ${loc.ds.path}`);
        }
        const big = typeof v[0] === 'bigint';
        let k = 0;
        for (let i0 = a; i0 < b; i0++) {
          const o0 = i0 * dstStride[0];
          for (let i1 = 0; i1 < shape[1]; i1++) {
            const o1 = o0 + i1 * dstStride[1];
            for (let i2 = 0; i2 < shape[2]; i2++) {
              const val = big ? Number(v[k++]) : v[k++];
              if (!Number.isFinite(val)) nonFinite++;
              data[o1 + i2 * dstStride[2]] = val;
            }
          }
        }
      }
      const own = en.axis
        ? { energies: readVector(en.axis, file, 'the energy axis'), unit: attrString(en.axis, 'units') ?? 'eV', from: `dataset ${en.axis.path}` }
        : undefined;
      const { energies, unit, warnings } = resolveEnergies(m, file, options, own);
      if (!en.axis && !options.energies && !options.energyRange) {
        warnings.push(`no energy axis found for ${loc.ds.path}: the last dimension is taken as energy (name one with --energy-dataset)`);
      }
      if (nonFinite > 0) warnings.push(`${nonFinite} values are NaN or infinite`);
      const metadata: SpectralStack['metadata'] = {
        quantity: `values of ${loc.ds.path}`,
        source: file,
        sha256: sha256File(file),
        format: `HDF5/NeXus (${loc.how}, shape ${shape.join('×')}, energy dimension ${en.dim})`,
        dataset: loc.ds.path,
        energyDataset: en.axis?.path,
        dtype: loc.ds.dtype,
        energyUnit: unit,
        steps: [],
        warnings,
      };
      const xs = umAxis(loc.group?.get?.(en.axisNames[xdim] ?? ''), file);
      const ys = umAxis(loc.group?.get?.(en.axisNames[ydim] ?? ''), file);
      if (xs && xs.length === width) metadata.xUm = xs;
      if (ys && ys.length === height) metadata.yUm = ys;
      // I0 and ring current
      walk(H, f, (p, o) => {
        if (!isDataset(H, o) || !isNumeric(o)) return;
        const sh = shapeOf(o);
        if (sh.length !== 1) return;
        const leaf = p.split('/').pop() ?? '';
        const parentClass = attrString(o.parent, 'NX_class');
        if (!metadata.i0 && sh[0] === m && (/^(i0|izero|i_0|monitor|mcs_i0)$/i.test(leaf) || (parentClass === 'NXmonitor' && leaf === 'data'))) {
          metadata.i0 = readVector(o, file, 'I0');
          metadata.i0Dataset = p;
        } else if (!metadata.ringCurrent && /ring.?current|beam.?current|sr.?current|storage.?ring/i.test(leaf) && sh[0] >= 1 && sh[0] <= m) {
          metadata.ringCurrent = readVector(o, file, 'ring current');
          metadata.ringCurrentDataset = p;
        }
      });
      return { data, energies, width, height, metadata };
    });
  } finally {
    try {
      f.close();
    } catch {
      /* ignore */
    }
  }
}

/**
 * Read every 1-D spectrum of an HDF5 file: groups holding 1-D datasets `x`
 * and `y` of equal length (the FlexPES NEXAFS library layout; name from the
 * `label` attribute, with `energyShift` not applied here), and NXdata groups
 * whose @signal is 1-D with an axis in @axes.
 */
export function readHdf5Spectra(file: string, limits: Hdf5Limits = {}): (Spectrum & { attributes: Record<string, unknown> })[] {
  checkInput(file);
  const viaWorker = hdf5InWorker(limits) ? readInWorker('spectra', file, {}, limits) : undefined;
  if (viaWorker) return viaWorker as (Spectrum & { attributes: Record<string, unknown> })[];
  return readHdf5SpectraDirect(file);
}

/** {@link readHdf5Spectra} in this thread, without the worker's limits (needs {@link loadHdf5}). */
export function readHdf5SpectraDirect(file: string): (Spectrum & { attributes: Record<string, unknown> })[] {
  return oneLineErrors(() => quiet(() => readHdf5SpectraInner(file)));
}

function readHdf5SpectraInner(file: string): (Spectrum & { attributes: Record<string, unknown> })[] {
  const H = lib(file);
  const f = openH5(file);
  try {
    return guarded(file, () => {
      const out: (Spectrum & { attributes: Record<string, unknown> })[] = [];
      walk(H, f, (p, o) => {
        if (!isGroup(H, o)) return;
        let xd: any;
        let yd: any;
        const sig = attrString(o, 'signal');
        if (sig) {
          yd = o.get(sig);
          const ax = attrStrings(o, 'axes');
          xd = ax && ax.length === 1 ? o.get(ax[0]) : undefined;
        } else {
          xd = o.get('x');
          yd = o.get('y');
        }
        if (!xd || !yd || !isDataset(H, xd) || !isDataset(H, yd)) return;
        if (shapeOf(xd).length !== 1 || shapeOf(yd).length !== 1 || shapeOf(xd)[0] !== shapeOf(yd)[0] || shapeOf(xd)[0] < 2) return;
        const attributes: Record<string, unknown> = {};
        for (const k of Object.keys(o.attrs ?? {})) attributes[k] = attr(o, k);
        const parts = ['element', 'edge', 'compound'].map((k) => attributes[k]).filter((v) => typeof v === 'string' && v !== '');
        const det = typeof attributes.detector === 'string' ? ` (${attributes.detector})` : '';
        const label = typeof attributes.label === 'string' ? attributes.label : parts.length > 0 ? `${parts.join(' ')}${det}` : p;
        out.push({ name: label, energies: readVector(xd, file, `${p}/x`), values: readVector(yd, file, `${p}/y`), attributes });
      });
      if (out.length === 0) throw new SpecmapError('DATASET', `${file}: no 1-D spectra (groups with x and y datasets, or 1-D NXdata) found`);
      return out;
    });
  } finally {
    try {
      f.close();
    } catch {
      /* ignore */
    }
  }
}

/**
 * Write a stack as NeXus NXdata: `/entry/data/data` float32 H×W×E (rows = y,
 * chunked one image row per chunk), `/entry/data/energy` float64 (units eV),
 * `x` / `y` in µm when known, `@signal`, `@axes = [y, x, energy]`,
 * `@*_indices`, `/@default` and `/entry/@default`; provenance (source file,
 * its sha256, format, specmap version, date, preprocessing steps as JSON) in
 * `/entry/provenance`. The cube is written a block of rows at a time.
 */
export function writeHdf5Stack(file: string, stack: SpectralStack): void {
  quiet(() => writeHdf5StackInner(file, stack));
}

function writeHdf5StackInner(file: string, stack: SpectralStack): void {
  const H = lib(file);
  const { width, height, energies, data, metadata } = stack;
  const m = energies.length;
  let f: any;
  try {
    f = new H.File(file, 'w');
  } catch (err) {
    throw new SpecmapError('EWRITE', `cannot write ${file}: ${oneLine(err)}`);
  }
  try {
    f.create_attribute('default', 'entry');
    const entry = f.create_group('entry');
    entry.create_attribute('NX_class', 'NXentry');
    entry.create_attribute('default', 'data');
    const g = entry.create_group('data');
    g.create_attribute('NX_class', 'NXdata');
    g.create_attribute('signal', 'data');
    g.create_attribute('axes', ['y', 'x', 'energy']);
    g.create_attribute('y_indices', 0, null, '<i');
    g.create_attribute('x_indices', 1, null, '<i');
    g.create_attribute('energy_indices', 2, null, '<i');
    const rowValues = width * m;
    const ds = g.create_dataset({
      name: 'data',
      data: data.subarray(0, rowValues),
      shape: [1, width, m],
      dtype: '<f',
      maxshape: [height, width, m],
      chunks: [1, width, m],
    });
    ds.resize([height, width, m]);
    const block = Math.max(1, Math.floor((16 * 2 ** 20) / (rowValues * 4)));
    for (let a = 1; a < height; a += block) {
      const b = Math.min(height, a + block);
      ds.write_slice([[a, b], [0, width], [0, m]], data.subarray(a * rowValues, b * rowValues));
    }
    if (typeof metadata.quantity === 'string') ds.create_attribute('long_name', metadata.quantity);
    const eds = g.create_dataset({ name: 'energy', data: Float64Array.from(energies), shape: [m], dtype: '<d' });
    eds.create_attribute('units', typeof metadata.energyUnit === 'string' && metadata.energyUnit !== 'channel index' ? metadata.energyUnit : metadata.energyUnit === 'channel index' ? 'channel' : 'eV');
    const axis = (name: string, values: Float64Array | undefined, n: number): void => {
      const v = values && values.length === n ? values : undefined;
      const d = g.create_dataset({ name, data: v ? Float64Array.from(v) : Float64Array.from({ length: n }, (_, i) => i), shape: [n], dtype: '<d' });
      d.create_attribute('units', v ? 'um' : 'pixel');
    };
    axis('x', metadata.xUm, width);
    axis('y', metadata.yUm, height);
    const prov = entry.create_group('provenance');
    prov.create_attribute('NX_class', 'NXnote');
    const put = (k: string, v: unknown): void => {
      if (v === undefined || v === null) return;
      prov.create_dataset({ name: k, data: typeof v === 'string' ? v : JSON.stringify(v) });
    };
    put('source', metadata.source);
    put('source_sha256', metadata.sha256);
    put('source_format', metadata.format);
    put('quantity', metadata.quantity);
    put('steps', metadata.steps ?? []);
    put('program', `specmap ${SPECMAP_VERSION}`);
    put('date', new Date().toISOString());
  } catch (err) {
    if (err instanceof SpecmapError) throw err;
    throw new SpecmapError('EWRITE', `cannot write ${file}: ${oneLine(err)}`);
  } finally {
    try {
      f.close();
    } catch {
      /* ignore */
    }
  }
}
