/** Format dispatch: read any supported spectral-stack file. */
import * as fs from 'fs';
import * as path from 'path';
import { SpecmapError, type SpectralStack } from '@specmap/core';
import { oneLineErrors } from './binary';
import { readDmStack } from './dm';
import { hdf5Loaded, isHdf5File, loadHdf5, readHdf5Stack } from './hdf5';
import { toPixelMajor, type AxisOrder } from './layout';
import { releaseCube } from './cube';
import { readNpyStack } from './npy';
import { readNpzStack } from './npz';
import { readStxm } from './stxm';
import { listSeries, readTiffStack, resolveEnergies } from './tiff';

/** Supported stack file extensions and what they are. */
export const STACK_FORMATS: Readonly<Record<string, string>> = {
  '.hdr': 'ALS/aXis2000 STXM header with .xim frames beside it',
  '.npy': 'NumPy H×W×E float32/float64 cube',
  '.npz': 'NumPy archive: the only (or --dataset) 3-D array, energies from a 1-D array',
  '.tif/.tiff': 'TIFF stack: one multi-page file, or a folder / glob of one file per energy',
  '.h5/.hdf5/.nxs': 'HDF5 / NeXus (NXdata, NXstxm) cube',
  '.dm3/.dm4': 'Gatan DigitalMicrograph spectrum image',
};

export interface ReadStackOptions {
  /**
   * Channel energies (eV). Required for a meaningful energy axis with formats
   * that have none (.npy, plain TIFF; length must equal E). With `.hdr` they
   * must agree with the header's StackAxis (within 1e-3 eV); with other
   * formats that carry an axis they replace it (a warning notes a difference).
   */
  energies?: Float64Array;
  /** A regular energy axis, energy(e) = start + e·step (eV), for formats without one. */
  energyRange?: { start: number; step: number };
  /** HDF5 dataset path / .npz array name of the cube. */
  dataset?: string;
  /** HDF5 dataset path / .npz array name of the energy axis. */
  energyDataset?: string;
  /** Axis order (slowest first) of .npy/.npz cubes: 'yxe' (default, H×W×E), 'xye', 'eyx', …. */
  axisOrder?: AxisOrder;
}

/** Largest difference (eV) tolerated between given energies and a header's own axis. */
const ENERGY_AGREEMENT_EV = 1e-3;

const HDF5_EXT = ['.h5', '.hdf5', '.hdf', '.nxs', '.nx5', '.cxi', '.he5'];

type Kind = 'hdr' | 'npy' | 'npz' | 'tiff' | 'tiff-series' | 'hdf5' | 'dm' | 'unknown';

/** Which reader a path goes to: by extension, else by the file's magic bytes. */
function kindOf(file: string): Kind {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file);
  } catch {
    st = undefined;
  }
  if (!st) {
    if (/[*?[]/.test(path.basename(file))) return 'tiff-series';
    throw new SpecmapError('ENOENT', `input file not found: ${file}`);
  }
  if (st.isDirectory()) return 'tiff-series';
  const ext = path.extname(file).toLowerCase();
  if (ext === '.hdr') return 'hdr';
  if (ext === '.npy') return 'npy';
  if (ext === '.npz') return 'npz';
  if (ext === '.tif' || ext === '.tiff') return 'tiff';
  if (HDF5_EXT.includes(ext)) return 'hdf5';
  if (ext === '.dm3' || ext === '.dm4') return 'dm';
  // Sniff.
  try {
    const fd = fs.openSync(file, 'r');
    const b = Buffer.alloc(8);
    const n = fs.readSync(fd, b, 0, 8, 0);
    fs.closeSync(fd);
    if (n >= 4 && (b.toString('latin1', 0, 4) === 'II*\0' || b.toString('latin1', 0, 4) === 'MM\0*' || b.toString('latin1', 0, 4) === 'II+\0')) return 'tiff';
    if (n >= 6 && b[0] === 0x93 && b.toString('latin1', 1, 6) === 'NUMPY') return 'npy';
    if (n >= 4 && b.toString('latin1', 0, 4) === 'PK\x03\x04') return 'npz';
    if (n >= 4 && b.readUInt32BE(0) >= 3 && b.readUInt32BE(0) <= 4) return 'dm';
  } catch {
    /* unreadable: fall through */
  }
  if (isHdf5File(file)) return 'hdf5';
  return 'unknown';
}

/** Whether reading `file` needs HDF5 support ({@link loadHdf5}). */
export function needsHdf5(file: string): boolean {
  try {
    return kindOf(file) === 'hdf5';
  } catch {
    return false;
  }
}

/**
 * Read a spectral stack, choosing the reader by the file extension
 * (case-insensitive) or, for other names, by the file's magic bytes:
 * `.hdr` → {@link readStxm}, `.npy` → {@link readNpyStack}, `.npz` →
 * {@link readNpzStack}, `.tif`/`.tiff`, a folder or a glob → {@link readTiffStack},
 * `.h5`/`.hdf5`/`.nxs` → {@link readHdf5Stack} (call `await loadHdf5()` first,
 * or use {@link readStackAsync}), `.dm3`/`.dm4` → {@link readDmStack}.
 *
 * @throws SpecmapError 'ENOENT' ('input file not found: <path>'), 'FORMAT'
 *   (unknown type; the message lists the supported ones),
 *   'ENERGY_MISMATCH', and the errors of the individual readers.
 */
export function readStack(file: string, options: ReadStackOptions = {}): SpectralStack {
  return oneLineErrors(() => readStackInner(file, options));
}

function readStackInner(file: string, options: ReadStackOptions): SpectralStack {
  const kind = kindOf(file);
  switch (kind) {
    case 'hdr': {
      if (fs.statSync(file).isDirectory()) throw new SpecmapError('EISDIR', `input is a directory, not a file: ${file}`);
      const stack = readStxm(file);
      const given = options.energies;
      if (given) {
        const m = stack.energies.length;
        if (given.length !== m) {
          throw new SpecmapError('ENERGY_MISMATCH', `${file}: header lists ${m} energies but ${given.length} were given`);
        }
        for (let e = 0; e < m; e++) {
          if (!(Math.abs(given[e] - stack.energies[e]) <= ENERGY_AGREEMENT_EV)) {
            throw new SpecmapError(
              'ENERGY_MISMATCH',
              `${file}: given energy ${given[e]} eV at channel ${e} differs from the header's ${stack.energies[e]} eV`,
            );
          }
        }
      }
      return stack;
    }
    case 'npy': {
      const order = options.axisOrder ?? 'yxe';
      if (order === 'yxe' && !options.energyRange) return readNpyStack(file, options.energies);
      const raw = readNpyStack(file);
      const shape = [raw.height, raw.width, raw.energies.length];
      const { data, width, height, m } = toPixelMajor(raw.data, shape, order, file);
      if (data !== raw.data) releaseCube(raw.data);
      const { energies, unit, warnings } = resolveEnergies(m, file, options);
      return {
        data,
        energies,
        width,
        height,
        metadata: { ...raw.metadata, format: `NumPy .npy (${raw.metadata.dtype}, ${order.toUpperCase()})`, energyUnit: unit, warnings },
      };
    }
    case 'npz':
      return readNpzStack(file, options);
    case 'tiff':
      return readTiffStack([file], options);
    case 'tiff-series':
      return readTiffStack(listSeries(file), options);
    case 'hdf5':
      return readHdf5Stack(file, options);
    case 'dm':
      return readDmStack(file, options);
    default: {
      const ext = path.extname(file).toLowerCase();
      const list = Object.entries(STACK_FORMATS)
        .map(([k, v]) => `${k} (${v})`)
        .join(', ');
      throw new SpecmapError('FORMAT', `unsupported input file type '${ext || '(none)'}' for ${file}; supported: ${list}`);
    }
  }
}

/** {@link readStack}, starting HDF5 support first when the input needs it. */
export async function readStackAsync(file: string, options: ReadStackOptions = {}): Promise<SpectralStack> {
  if (!hdf5Loaded() && needsHdf5(file)) await loadHdf5();
  return readStack(file, options);
}
