import * as os from 'os';
import {
  SpecmapError,
  analyzeStream,
  openStackStream,
  stackFileShape,
  streamKernelsReady,
  streamRefusal,
  type AnalysisResult,
  type AnalyzeOptions,
  type SpectralStack,
} from '@specmap/core';
import {
  AXIS_ORDERS,
  checkEnergyAxis,
  hdf5InWorker,
  hdf5Loaded,
  loadHdf5,
  needsHdf5,
  startHdf5Worker,
  readEnergies,
  readStack,
  type AxisOrder,
  type ReadStackOptions,
} from '@specmap/io';
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

// ---- out of core ---------------------------------------------------------------

/** Flags of `specmap analyze` that stream the cube from its file instead of reading it into memory. */
export const OUT_OF_CORE_FLAGS: FlagSpec[] = [
  {
    name: 'out-of-core',
    kind: 'boolean',
    help: 'stream the cube from the file in row blocks instead of reading it into memory (float32 H×W×E .npy; methods nmf --solver cd, kmeans, pca; no preprocessing); same results',
  },
  {
    name: 'memory-limit',
    kind: 'value',
    valueName: 'SIZE',
    help: 'memory budget (bytes, or with a unit: 500MB, 2GB, 1.5GiB): a cube whose in-memory analysis would need more (≈ 1.5 × its size + 150 MB) is streamed when it can be; also sizes the read blocks of --out-of-core',
    default: 'half of the physical memory',
  },
];

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

/** A size such as 2GB (10^9), 512MiB or 512M (2^20), 1e9: bytes. */
export function parseSize(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d*)?(?:e\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  const v = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!(v >= 1) || !Number.isFinite(v)) {
    throw new SpecmapError('USAGE', `--${flag} must be a positive size in bytes or with a unit (KB, MB, GB, TB = powers of 1000; KiB, MiB, GiB or K, M, G = powers of 1024), got "${text}"`);
  }
  return Math.floor(v);
}

/** The default --memory-limit: half of the physical memory. */
export function defaultMemoryLimit(): number {
  return Math.floor(os.totalmem() / 2);
}

/** Memory an in-memory `specmap analyze` of a float32 cube is budgeted (issue 3's target: 1.5 × the cube + 150 MB). */
export function inMemoryEstimate(cubeBytes: number): number {
  return Math.ceil(1.5 * cubeBytes + 150 * 2 ** 20);
}

function formatBytes(b: number): string {
  return b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`;
}

/** The preprocessing flags given (each needs the whole cube in memory). */
function preprocessingGiven(args: ParsedArgs): string[] {
  const given: string[] = [];
  for (const name of ['i0', 'mask', 'crop', 'bin', 'ebin', 'align', 'align-energy', 'background-model', 'poisson']) if (args.flags.has(name)) given.push(`--${name}`);
  const nan = stringFlag(args, 'nan');
  if (nan !== undefined && nan !== 'error') given.push(`--nan ${nan}`);
  const background = stringFlag(args, 'background');
  if (background !== undefined && background !== 'none') given.push(`--background ${background}`);
  const normalize = stringFlag(args, 'normalize');
  if (normalize !== undefined && normalize !== 'none') given.push(`--normalize ${normalize}`);
  return given;
}

/** A streamed input: the stack (cube left in its file) and the analyze() to run on it. */
export interface StreamedInput {
  stack: SpectralStack;
  analyze: (stack: SpectralStack, options: AnalyzeOptions) => AnalysisResult;
  /** Why it streams: '--out-of-core' or the memory estimate above the limit. */
  reason: string;
}

/**
 * Decide whether `specmap analyze` streams its input: always with
 * --out-of-core (refused with an error naming every obstacle: not a float32
 * H×W×E .npy, another --axis-order, a preprocessing flag, a method or solver
 * that needs the cube in memory), and automatically when the in-memory
 * estimate of the cube exceeds --memory-limit and nothing stands in the way
 * (else it is read into memory as before). Null: read it into memory.
 */
export function streamedInput(input: string, args: ParsedArgs, method: string, options: Record<string, unknown>): StreamedInput | null {
  const explicit = args.flags.get('out-of-core') === true;
  const limitText = stringFlag(args, 'memory-limit');
  const limit = limitText !== undefined ? parseSize(limitText, 'memory-limit') : defaultMemoryLimit();
  const obstacles: string[] = [];
  if (!/\.npy$/i.test(input)) obstacles.push(`the input must be a float32 H×W×E .npy file (got ${input})`);
  const order = stringFlag(args, 'axis-order');
  if (order !== undefined && order !== 'yxe') obstacles.push(`--axis-order ${order} needs the cube in memory to reorder it (out of core: yxe)`);
  const pre = preprocessingGiven(args);
  if (pre.length > 0) obstacles.push(`preprocessing needs the whole cube in memory: ${pre.join(', ')} (preprocess first, e.g. save the preprocessed cube as .npy, then analyse it)`);
  const refusal = streamRefusal(method, options);
  if (refusal) obstacles.push(refusal);
  let shape: ReturnType<typeof stackFileShape> | null = null;
  if (obstacles.length === 0 || explicit) {
    try {
      if (/\.npy$/i.test(input)) shape = stackFileShape(input);
    } catch (err) {
      if (explicit) obstacles.push(err instanceof Error ? err.message : String(err));
    }
  }
  let reason: string;
  if (explicit) {
    if (obstacles.length > 0) throw new SpecmapError('USAGE', `--out-of-core: ${obstacles.join('; ')}`);
    reason = '--out-of-core';
  } else {
    if (obstacles.length > 0 || shape === null) return null;
    const cubeBytes = shape.height * shape.width * shape.channels * 4;
    const need = inMemoryEstimate(cubeBytes);
    if (need <= limit) return null;
    // Without the WebAssembly kernels only small cubes could stream: read it into memory as before.
    if (!streamKernelsReady(shape.height * shape.width * shape.channels)) return null;
    reason = `in memory the ${formatBytes(cubeBytes)} cube would need about ${formatBytes(need)}, above the memory limit of ${formatBytes(limit)}`;
  }
  const s = shape!;
  const m = s.channels;
  const { energies, energyUnit, format } = streamedEnergies(input, s, inputOptions(args));
  const blockBytes = Math.min(16 * 2 ** 20, Math.max(m * 4, Math.floor(limit / 64)));
  const stack = openStackStream(input, {
    energies,
    blockBytes,
    metadata: { quantity: 'values as stored in the .npy file', source: input, format, dtype: '<f4', energyUnit, steps: [], warnings: [] },
  });
  return {
    stack,
    reason,
    analyze: (st, o) => {
      const result = analyzeStream(st, o);
      result.parameters = { ...result.parameters, outOfCore: { ...(result.parameters.outOfCore as object), reason, memoryLimitBytes: limit } };
      return result;
    },
  };
}

/** The energy axis readStack gives a .npy cube (readNpyStack / resolveEnergies, same checks and messages). */
function streamedEnergies(
  input: string,
  shape: { height: number; width: number; channels: number },
  options: ReadStackOptions,
): { energies: Float64Array; energyUnit: string; format: string } {
  const m = shape.channels;
  if (options.energyRange) {
    const { start, step } = options.energyRange;
    const energies = new Float64Array(m);
    for (let e = 0; e < m; e++) energies[e] = start + e * step;
    return { energies, energyUnit: 'eV', format: 'NumPy .npy (<f4, YXE)' };
  }
  if (options.energies) {
    if (options.energies.length !== m) {
      throw new SpecmapError('ENERGY_MISMATCH', `${input}: the cube has ${m} energy channels (shape ${shape.height}×${shape.width}×${m}) but ${options.energies.length} energies were given`);
    }
    checkEnergyAxis(options.energies, `energies for ${input}`);
    return { energies: Float64Array.from(options.energies), energyUnit: 'eV', format: 'NumPy .npy (<f4, H×W×E)' };
  }
  const energies = new Float64Array(m);
  for (let e = 0; e < m; e++) energies[e] = e;
  return { energies, energyUnit: 'channel index', format: 'NumPy .npy (<f4, H×W×E)' };
}
