// Seeded synthetic reaction-path maps for the modified-LLE benchmark (bench/mlle.mjs), written
// once to bench/data/ as float32 .npy (spectra, W·W × 201) plus float64 .npy (true path parameter).
//
// Each pixel's spectrum is a point on a smooth, curved 1-D path of synthetic K-edge spectra
// (201 channels on [0, 1]): an edge step whose position moves with the path parameter t, a white
// line that grows, a pre-edge peak that fades and a post-edge oscillation whose phase follows the
// edge; t varies smoothly over the W×W map (a front from one corner plus a bump); Gaussian noise
// of standard deviation 0.003 (the edge step is 1). No external data needed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DATA_DIR = join(HERE, 'data');
export const CHANNELS = 201;
export const NOISE = 0.003;

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Spectrum of path parameter t ∈ [0, 1] on `m` channels (energy grid e ∈ [0, 1]). */
export function pathSpectrum(t, m = CHANNELS, out = new Float64Array(m)) {
  const e0 = 0.35 + 0.12 * t;
  const wl = 0.25 + 1.1 * t;
  const pre = 0.15 * (1 - t);
  for (let c = 0; c < m; c++) {
    const e = c / (m - 1);
    const step = 1 / (1 + Math.exp(-(e - e0) / 0.012));
    const white = wl * Math.exp(-0.5 * ((e - e0 - 0.03) / 0.02) ** 2);
    const pe = pre * Math.exp(-0.5 * ((e - 0.3) / 0.01) ** 2);
    const osc = 0.08 * Math.sin(40 * (e - e0) + 2 * t) * Math.exp(-(e - e0) / 0.25) * step * step; // smooth in e and t
    out[c] = step + white + pe + osc;
  }
  return out;
}

/** The true path parameter of pixel (x, y) of a W×W map. */
export function progressAt(x, y, W) {
  const u = x / (W - 1);
  const v = y / (W - 1);
  return 0.02 + 0.96 * ((u + 0.6 * v + 0.12 * Math.sin(6 * u) * Math.cos(5 * v) + 0.12) / 1.84);
}

/** n = W·W spectra (Float32, row-major n×m) and their path parameters (Float64). */
export function generate(W, seed = 7) {
  const n = W * W;
  const m = CHANNELS;
  const rnd = mulberry32(seed);
  let spare = null;
  const normal = () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u1 = rnd();
    while (u1 === 0) u1 = rnd();
    const u2 = rnd();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
  const data = new Float32Array(n * m);
  const t = new Float64Array(n);
  const s = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    t[i] = progressAt(i % W, Math.floor(i / W), W);
    pathSpectrum(t[i], m, s);
    for (let c = 0; c < m; c++) data[i * m + c] = s[c] + NOISE * normal();
  }
  return { data, t, n, m };
}

function npyBytes(arr, shape) {
  const descr = arr instanceof Float32Array ? '<f4' : '<f8';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength)]);
}

/** Read a little-endian float32/float64 C-order .npy written by `npyBytes` (or numpy). */
export function readNpy(path) {
  const buf = readFileSync(path);
  const hlen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran-ordered .npy is not supported`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const off = 10 + hlen;
  const bytes = buf.subarray(off);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const data = descr === '<f4' ? new Float32Array(copy.buffer) : descr === '<f8' ? new Float64Array(copy.buffer) : null;
  if (!data) throw new Error(`${path}: unsupported dtype ${descr}`);
  return { data, shape };
}

/** Paths of the W×W dataset, generated if missing. */
export function ensureDataset(W) {
  mkdirSync(DATA_DIR, { recursive: true });
  const x = join(DATA_DIR, `mlle-${W}x${W}.npy`);
  const t = join(DATA_DIR, `mlle-${W}x${W}-t.npy`);
  if (!existsSync(x) || !existsSync(t)) {
    const g = generate(W);
    writeFileSync(x, npyBytes(g.data, [g.n, g.m]));
    writeFileSync(t, npyBytes(g.t, [g.n]));
  }
  return { x, t, n: W * W, m: CHANNELS };
}

export { npyBytes };
