/**
 * `analyze()` for a stack that stays on disk: an H×W×E float32 C-order .npy
 * streamed in row blocks (see stream.ts). For the methods that can stream —
 * nmf (solver 'cd'), kmeans, pca — the AnalysisResult equals the one
 * `analyze()` gives for the cube read into memory (weights, components,
 * labels, loss history, measured spectra, references, provenance hash), apart
 * from `parameters.outOfCore` and the provenance date.
 *
 * One pass before the fit hashes the file (sha256, as the .npy reader does),
 * checks every value is finite (validateStack's message) and forms the
 * measured spectra for the payload (measuredForPayload's binning, the same
 * sums in the same order); then the method streams the file itself.
 */
import * as fs from 'fs';
import { createHash } from 'crypto';
import { SpecmapError } from './errors';
import type { AnalysisResult } from './result';
import type { SpectralStack, StackMetadata } from './stack';
import { packageResult, type AnalyzeOptions } from './analyze';
import { getMethod } from './methods';
import { DEFAULT_SPECTRA_BUDGET_BYTES } from './measured';
import { KERNELS_MIN_VALUES, loadKernels } from './linalg';
import { blockRowsFor, npyStreamInfo, readRows, stackStreamOf, streamedStack, type StreamInfo } from './stream';

/** Methods `analyzeStream` can run out of core. */
export const STREAM_METHODS: readonly string[] = ['nmf', 'kmeans', 'pca'];

/**
 * Why `method` with these options cannot run out of core, or null when it
 * can (nmf needs solver 'cd' and the Frobenius loss).
 */
export function streamRefusal(method: string, options: Record<string, unknown>): string | null {
  const name = String(method).toLowerCase();
  if (!STREAM_METHODS.includes(name)) return `method ${name} needs the whole cube in memory (out of core: ${STREAM_METHODS.join(', ')})`;
  if (name === 'nmf') {
    const solver = options.solver ?? 'cd';
    if (solver !== 'cd') return `NMF solver '${String(solver)}' needs the cube in memory (out of core: solver 'cd')`;
    const beta = options.betaLoss ?? 'frobenius';
    if (beta !== 'frobenius' && beta !== 2) return `NMF beta loss ${String(beta)} needs solver 'mu' and the cube in memory (out of core: Frobenius loss, solver 'cd')`;
  }
  return null;
}

/** Shape of a stack file that can be streamed: H×W×E float32 C-order .npy (checked). */
export function stackFileShape(path: string): { height: number; width: number; channels: number; dataOffset: number } {
  const info = npyStreamInfo(path);
  if (info.shape.length !== 3) {
    throw new SpecmapError('SHAPE', `${path}: expected a 3-D array (height, width, energies) but found shape (${info.shape.join(', ')})`);
  }
  const [height, width, channels] = info.shape;
  return { height, width, channels, dataOffset: info.offset };
}

/**
 * Open an H×W×E float32 C-order .npy as a SpectralStack whose cube stays in
 * the file (its `data` throws on any read). `energies` (length E) and
 * `metadata` are the reader's (the CLI resolves --energies/--energy-range);
 * `metadata.sha256` is filled by analyzeStream's first pass. `blockBytes`:
 * largest block the TypeScript passes read at once (default 16 MiB).
 */
export function openStackStream(path: string, options: { energies: Float64Array; metadata: StackMetadata; blockBytes?: number }): SpectralStack {
  const { height, width, channels, dataOffset } = stackFileShape(path);
  const info: StreamInfo = {
    path,
    offset: dataOffset,
    rows: height * width,
    cols: channels,
    blockBytes: options.blockBytes ?? npyStreamInfo(path).blockBytes,
  };
  blockRowsFor(info.blockBytes, channels);
  return streamedStack(info, { energies: options.energies, width, height, metadata: options.metadata });
}

/** True for a stack from openStackStream. */
export function isStackStream(stack: SpectralStack): boolean {
  return stackStreamOf(stack) !== undefined;
}

/**
 * True when a cube of `values` values can stream here: it has fewer than
 * 2^18 values (read whole, TypeScript path) or the WebAssembly kernels load.
 */
export function streamKernelsReady(values: number): boolean {
  return values < KERNELS_MIN_VALUES || loadKernels() !== null;
}

/**
 * `analyze()` (same options, same result) for a stack from openStackStream.
 * Throws SpecmapError('OPTION') for a method or option that cannot stream
 * (streamRefusal), 'NAN' for a non-finite value, 'KERNELS' when the
 * WebAssembly kernels are unavailable for a cube of ≥ 2^18 values.
 */
export function analyzeStream(stack: SpectralStack, options: AnalyzeOptions): AnalysisResult {
  const info = stackStreamOf(stack);
  if (!info) throw new SpecmapError('INTERNAL', 'analyzeStream needs a stack from openStackStream');
  const spec = getMethod(options.method);
  const refusal = streamRefusal(spec.name, options);
  if (refusal) throw new SpecmapError('OPTION', `out of core: ${refusal}`);
  const m = stack.energies.length;
  for (let e = 0; e < m; e++) {
    if (!Number.isFinite(stack.energies[e])) throw new SpecmapError('NAN', `energy axis has a non-finite value at channel ${e}`);
  }
  const first = firstPass(info, stack, options.spectraBudgetBytes ?? DEFAULT_SPECTRA_BUDGET_BYTES);
  stack.metadata.sha256 = first.sha256;
  // nmf, kmeans and pca given a streamed stack stream its file (stackStreamOf) and record `outOfCore`.
  const decomposition = spec.run(stack, { ...options, seed: options.seed ?? 0 });
  return packageResult(stack, options, decomposition, first.measured);
}

/**
 * One pass over the file: sha256 of the whole file, the finiteness check of
 * validateStack (same message), and measuredForPayload's spectra — the full
 * cube when it fits `budgetBytes`, else b×b block means accumulated in the
 * same order (per block: rows y, then x), so the same bits.
 */
function firstPass(info: StreamInfo, stack: SpectralStack, budgetBytes: number): { sha256: string; measured: AnalysisResult['measured'] | undefined } {
  const { width, height, energies } = stack;
  const m = energies.length;
  // measuredForPayload's choice of the binning factor b (0: no measured spectra)
  let b = 0;
  if (budgetBytes > 0) {
    b = 1;
    while (Math.ceil(width / b) * Math.ceil(height / b) * m * 4 > budgetBytes) {
      b++;
      if (b > Math.max(width, height)) {
        if (m * 4 > budgetBytes) b = 0;
        break;
      }
    }
  }
  const full = b === 1 ? new Float32Array(width * height * m) : null;
  const bw = b > 1 ? Math.ceil(width / b) : 0;
  const bh = b > 1 ? Math.ceil(height / b) : 0;
  const binned = b > 1 ? new Float32Array(bw * bh * m) : null;
  const acc = b > 1 ? new Float64Array(bw * m) : null;

  const hash = createHash('sha256');
  const fd = fs.openSync(info.path, 'r');
  try {
    const head = Buffer.alloc(info.offset);
    if (fs.readSync(fd, head, 0, info.offset, 0) !== info.offset) throw new SpecmapError('TRUNCATED', `${info.path}: truncated header`);
    hash.update(head);
    const rowsPerRead = Math.max(1, Math.floor(blockRowsFor(info.blockBytes, m) / width));
    const buf = new Float32Array(Math.min(rowsPerRead, height) * width * m);
    const bytes = new Uint8Array(buf.buffer);
    for (let y0 = 0; y0 < height; y0 += rowsPerRead) {
      const y1 = Math.min(height, y0 + rowsPerRead);
      readRows(fd, info.offset, m, y0 * width, y1 * width, buf, info.path);
      const len = (y1 - y0) * width * m;
      hash.update(bytes.subarray(0, len * 4));
      for (let i = 0; i < len; i++) {
        const v = buf[i];
        if (v - v !== 0) {
          const p = y0 * width + Math.floor(i / m);
          const e = i % m;
          throw new SpecmapError('NAN', `stack contains ${Number.isNaN(v) ? 'NaN' : 'Inf'} at pixel (x=${p % width}, y=${Math.floor(p / width)}), channel ${e} (${energies[e]} eV)`);
        }
      }
      if (full) full.set(buf.subarray(0, len), y0 * width * m);
      if (binned && acc) {
        for (let y = y0; y < y1; y++) {
          const by = Math.floor(y / b);
          if (y === by * b) acc.fill(0);
          const o = (y - y0) * width * m;
          for (let x = 0; x < width; x++) {
            const ob = Math.floor(x / b) * m;
            const base = o + x * m;
            for (let e = 0; e < m; e++) acc[ob + e] += buf[base + e];
          }
          if (y === Math.min(height, (by + 1) * b) - 1) {
            const rows = y - by * b + 1;
            for (let bx = 0; bx < bw; bx++) {
              const count = rows * (Math.min(width, (bx + 1) * b) - bx * b);
              const out = (by * bw + bx) * m;
              for (let e = 0; e < m; e++) binned[out + e] = acc[bx * m + e] / count;
            }
          }
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  const sha256 = hash.digest('hex');
  if (full) return { sha256, measured: { data: full, width, height, binning: 1 } };
  if (binned) return { sha256, measured: { data: binned, width: bw, height: bh, binning: b } };
  return { sha256, measured: undefined };
}
