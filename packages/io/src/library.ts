/**
 * Reference-spectrum libraries: every spectrum of a folder or a list of files
 * (any supported spectrum format), with per-reference energy shifts, and
 * their interpolation onto a stack's energy grid.
 */
import * as fs from 'fs';
import * as path from 'path';
import { interpolate, SpecmapError } from '@specmap/core';
import { naturalCompare, oneLineErrors } from './binary';
import { readDmSpectrum } from './dm';
import { readHdf5Spectra } from './hdf5';
import { readSpectrum, type Spectrum } from './spectrum';
import { readAlsE, readAthenaProject, readColumns, readColumnSpectra, readEmsa, readXdi } from './spectra-text';

/** A reference spectrum with where it came from and the shift applied. */
export interface LibrarySpectrum extends Spectrum {
  /** The file it was read from. */
  source: string;
  /** Energy shift (eV) added to the file's energies. */
  energyShift: number;
}

export interface ReferenceLibrary {
  spectra: LibrarySpectrum[];
  /** Files of a folder that were not read, with the reason. */
  skipped: { file: string; reason: string }[];
}

export interface LibraryOptions {
  /**
   * Energy shift (eV) added to every reference, or per reference: keys are a
   * file's base name or a spectrum's name (e.g. `{ 'Goethite FeXANES.e': 1.25 }`
   * to bring the ALS 10.3.2 scale, Fe metal = 7110.75 eV, to 7112 eV).
   */
  energyShift?: number | Record<string, number>;
}

/** Spectrum file extensions read by {@link readSpectraFile}. */
export const SPECTRUM_EXTENSIONS = ['.prj', '.xdi', '.msa', '.emsa', '.e', '.h5', '.hdf5', '.nxs', '.dm3', '.dm4', '.nor', '.csv', '.xmu', '.dat', '.txt', '.r', '.t', '.xsp', '.xas', '.mu'];

/**
 * Read every spectrum of one file, by extension: `.prj` (Athena, every
 * record, energies + bkg_eshift), `.xdi` (μ), `.msa`/`.emsa`, `.e` (ALS),
 * `.h5`/`.hdf5`/`.nxs` (every 1-D spectrum; needs loadHdf5), `.dm3`/`.dm4`
 * (1-D), `.nor`/`.csv` (each column after the first, when there are more than
 * two), anything else two-column text.
 */
export function readSpectraFile(file: string): Spectrum[] {
  return oneLineErrors(() => readSpectraFileInner(file));
}

function readSpectraFileInner(file: string): Spectrum[] {
  const ext = path.extname(file).toLowerCase();
  switch (ext) {
    case '.prj':
      return readAthenaProject(file);
    case '.xdi':
      return [readXdi(file)];
    case '.msa':
    case '.emsa':
      return [readEmsa(file)];
    case '.e':
      return [readAlsE(file)];
    case '.h5':
    case '.hdf5':
    case '.nxs':
      return readHdf5Spectra(file);
    case '.dm3':
    case '.dm4':
      return [readDmSpectrum(file)];
    case '.nor':
    case '.csv': {
      const t = readColumns(file);
      if (t.names.length > 2) return readColumnSpectra(file);
      if (t.names.length < 2) throw new SpecmapError('SHAPE', `${file}: one column only; a spectrum needs energy and value columns`);
      return [{ name: path.basename(file), energies: t.columns[0], values: t.columns[1] }];
    }
    default:
      return [readSpectrum(file)];
  }
}

function shiftFor(opt: LibraryOptions['energyShift'], file: string, name: string): number {
  if (opt === undefined) return 0;
  if (typeof opt === 'number') return opt;
  return opt[name] ?? opt[path.basename(file)] ?? 0;
}

/**
 * Read a reference library from a folder (its files with a spectrum
 * extension, natural order; files that hold no numeric data, like a
 * Readme.txt, are listed in `skipped`) or from a list of files / folders.
 * Names are made unique by appending ` (file)` when two references share one.
 */
export function readReferenceLibrary(input: string | string[], options: LibraryOptions = {}): ReferenceLibrary {
  const items = Array.isArray(input) ? input : [input];
  const spectra: LibrarySpectrum[] = [];
  const skipped: { file: string; reason: string }[] = [];
  for (const item of items) {
    let st: fs.Stats;
    try {
      st = fs.statSync(item);
    } catch {
      throw new SpecmapError('ENOENT', `reference file not found: ${item}`);
    }
    let files: { file: string; fromDir: boolean }[];
    if (st.isDirectory()) {
      files = fs
        .readdirSync(item)
        .filter((n) => !n.startsWith('.'))
        .sort(naturalCompare)
        .map((n) => path.join(item, n))
        .filter((f) => {
          if (fs.statSync(f).isDirectory()) return false;
          if (!SPECTRUM_EXTENSIONS.includes(path.extname(f).toLowerCase())) {
            skipped.push({ file: f, reason: 'not a spectrum file extension' });
            return false;
          }
          return true;
        })
        .map((file) => ({ file, fromDir: true }));
    } else files = [{ file: item, fromDir: false }];
    for (const { file, fromDir } of files) {
      let got: Spectrum[];
      try {
        got = readSpectraFile(file);
      } catch (err) {
        if (fromDir && err instanceof SpecmapError && ['FORMAT', 'SHAPE'].includes(err.code)) {
          skipped.push({ file, reason: err.message });
          continue;
        }
        throw err;
      }
      for (const s of got) {
        const shift = shiftFor(options.energyShift, file, s.name);
        spectra.push({ ...s, energies: shift === 0 ? s.energies : s.energies.map((e) => e + shift), source: file, energyShift: shift });
      }
    }
  }
  const count = new Map<string, number>();
  for (const s of spectra) count.set(s.name, (count.get(s.name) ?? 0) + 1);
  for (const s of spectra) if ((count.get(s.name) ?? 0) > 1) s.name = `${s.name} (${path.basename(s.source)})`;
  if (spectra.length === 0) throw new SpecmapError('FORMAT', `no reference spectra found in ${items.join(', ')}`);
  return { spectra, skipped };
}

/**
 * Interpolate every reference of a library linearly onto `energies` (a
 * stack's grid). A reference that does not cover the grid is an error naming
 * it, its range and the grid's range (no extrapolation).
 */
export function onGrid(library: ReferenceLibrary | Spectrum[], energies: ArrayLike<number>): { name: string; energies: Float64Array; values: Float64Array }[] {
  const list = Array.isArray(library) ? library : library.spectra;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < energies.length; i++) {
    lo = Math.min(lo, energies[i]);
    hi = Math.max(hi, energies[i]);
  }
  return list.map((s) => {
    let a = Infinity;
    let b = -Infinity;
    for (const e of s.energies) {
      a = Math.min(a, e);
      b = Math.max(b, e);
    }
    try {
      return { name: s.name, energies: Float64Array.from(energies), values: interpolate(s.energies, s.values, energies) };
    } catch (err) {
      if (err instanceof SpecmapError && err.code === 'ENERGY_RANGE') {
        const src = 'source' in s ? ` (${(s as LibrarySpectrum).source})` : '';
        throw new SpecmapError(
          'ENERGY_RANGE',
          `reference '${s.name}'${src} covers ${a}–${b} eV but the stack's energies span ${lo}–${hi} eV: the ranges do not overlap enough (no extrapolation; shift it or cut the stack)`,
        );
      }
      throw err;
    }
  });
}
