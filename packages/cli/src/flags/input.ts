import { SpecmapError, type SpectralStack } from '@specmap/core';
import { AXIS_ORDERS, hdf5InWorker, hdf5Loaded, loadHdf5, needsHdf5, startHdf5Worker, readEnergies, readStack, type AxisOrder, type ReadStackOptions } from '@specmap/io';
import { stringFlag, type FlagSpec, type ParsedArgs } from '../args';

/** Flags that say how to read the input file. Add reader options here. */
export const INPUT_FLAGS: FlagSpec[] = [
  { name: 'energies', kind: 'value', valueName: 'FILE', help: 'energy axis, one value (eV) per line (for .npy, plain TIFF; replaces a file\'s own axis of the same length)' },
  { name: 'energy-range', kind: 'value', valueName: 'START:STEP', help: 'a regular energy axis instead of --energies: energy(e) = START + e·STEP (eV)' },
  { name: 'dataset', kind: 'value', valueName: 'PATH', help: 'HDF5 dataset path / .npz array name of the cube (default: from NeXus attributes / the only 3-D array)' },
  { name: 'energy-dataset', kind: 'value', valueName: 'PATH', help: 'HDF5 dataset path / .npz array name of the energy axis' },
  { name: 'axis-order', kind: 'value', valueName: 'ORDER', help: `axis order of a .npy/.npz cube, slowest first: ${AXIS_ORDERS.join(', ')} (default yxe = H×W×E)` },
];

/** The reader options the flags give. */
export function inputOptions(args: ParsedArgs): ReadStackOptions {
  const energiesFile = stringFlag(args, 'energies');
  const range = stringFlag(args, 'energy-range');
  if (energiesFile && range) throw new SpecmapError('USAGE', 'give either --energies or --energy-range, not both');
  const options: ReadStackOptions = {};
  if (energiesFile) options.energies = readEnergies(energiesFile);
  if (range) {
    const m = /^\s*([^:]+):([^:]+)\s*$/.exec(range);
    const start = m ? Number(m[1]) : NaN;
    const step = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(start) || !Number.isFinite(step) || step === 0) {
      throw new SpecmapError('USAGE', `--energy-range must be START:STEP in eV with a non-zero step (e.g. 700:0.25), got "${range}"`);
    }
    options.energyRange = { start, step };
  }
  const dataset = stringFlag(args, 'dataset');
  if (dataset) options.dataset = dataset;
  const energyDataset = stringFlag(args, 'energy-dataset');
  if (energyDataset) options.energyDataset = energyDataset;
  const order = stringFlag(args, 'axis-order');
  if (order) {
    if (!(AXIS_ORDERS as readonly string[]).includes(order)) throw new SpecmapError('USAGE', `--axis-order must be one of ${AXIS_ORDERS.join(', ')}, got "${order}"`);
    options.axisOrder = order as AxisOrder;
  }
  return options;
}

/**
 * Start what reading the command's inputs needs: HDF5 inputs are read in
 * @specmap/io's worker thread (time limit, memory cap), started here so that
 * it loads while the command parses its flags; h5wasm itself is loaded in this
 * thread only to write HDF5 (convert --to h5) or when the worker is off
 * (SPECMAP_HDF5_WORKER=0). main() awaits this before running a command so
 * that readInput stays synchronous.
 */
export async function prepareInputs(argv: string[]): Promise<void> {
  const readsHdf5 = argv.some((a) => !a.startsWith('-') && needsHdf5(a));
  if (readsHdf5 && hdf5InWorker()) startHdf5Worker();
  if (hdf5Loaded()) return;
  const h5Name = (a: string | undefined) => a !== undefined && /\.(h5|hdf5|nxs)$/i.test(a);
  const writesHdf5 = argv.some(
    (a, i) => a === '--to=h5' || (a === '--to' && argv[i + 1] === 'h5') || (a === '--out' && h5Name(argv[i + 1])) || (a.startsWith('--out=') && h5Name(a)),
  );
  if (writesHdf5 || (readsHdf5 && !hdf5InWorker())) await loadHdf5();
}

/** Read the input stack as the flags say. */
export function readInput(input: string, args: ParsedArgs): SpectralStack {
  return readStack(input, inputOptions(args));
}
