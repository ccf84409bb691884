import * as fs from 'fs';
import * as path from 'path';
import { SpecmapError, SPECMAP_VERSION, type SpectralStack } from '@specmap/core';
import { readStack, readEnergies, sha256File, writeNpy } from '@specmap/io';
import { Raster, encodePng, niceTicks, formatTick } from '@specmap/png';
import { readXasSpectrum, rsfFromChi, rsfRegion, rsfSpectrum, rsfMaps, FT_WINDOWS, type RsfOptions, type RsfResult, type RegionSelector } from '@specmap/xafs';
import { formatFlags, numberFlag, parseArgs, stringFlag, type FlagSpec, type ParsedArgs } from '../args';

export const RSF_FLAGS: FlagSpec[] = [
  { name: 'out', kind: 'value', valueName: 'DIR', help: 'output folder (created if missing)' },
  { name: 'energies', kind: 'value', valueName: 'FILE', help: 'energy axis for a .npy stack, one value (eV) per line' },
  { name: 'mask', kind: 'value', valueName: 'FILE', help: 'pixels to average: aXis2000 .msk (O = in) or a text grid of 0/1, one line per image row' },
  { name: 'region', kind: 'value', valueName: 'x0:x1,y0:y1', help: 'pixels to average: a rectangle, x0 ≤ x < x1, y0 ≤ y < y1 (0-based)' },
  { name: 'kweight', kind: 'value', valueName: 'W', help: 'k-weight of the Fourier transform', default: '2' },
  { name: 'rbkg', kind: 'value', valueName: 'R', help: 'autobk background: R (Å) below which χ(R) is minimised', default: '1' },
  { name: 'kmin', kind: 'value', valueName: 'K', help: 'FT window start (Å⁻¹)', default: '2' },
  { name: 'kmax', kind: 'value', valueName: 'K', help: 'FT window end (Å⁻¹; clipped to the data)', default: '12' },
  { name: 'dk', kind: 'value', valueName: 'DK', help: 'FT window taper (Å⁻¹)', default: '1' },
  { name: 'window', kind: 'value', valueName: FT_WINDOWS.join('|'), help: 'FT window', default: 'hanning' },
  { name: 'e0', kind: 'value', valueName: 'EV', help: 'edge energy (default: found as larch find_e0)' },
  { name: 'r', kind: 'list', valueName: 'R', help: 'stack input: also write maps of |χ(R)| at these distances (Å) to rsf-maps.npy' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

export const RSF_USAGE = `usage: specmap rsf <input> --out DIR [--mask FILE | --region x0:x1,y0:y1] [options]

Radial structure function |χ(R)| (no phase correction): μ(E) → larch-style
pre_edge and autobk χ(k) → Fourier transform (larch xftf conventions:
kstep 0.05, nfft 2048). <input> is a stack (.hdr, .npy: the mean spectrum of
the --mask/--region pixels, or of every pixel) or one spectrum (XDI, two
columns energy/μ, or a χ(k) file such as larch's .chi). Writes:
  rsf.csv        R, |χ(R)|, Re χ(R), Im χ(R)
  chi.csv        k, χ(k), k^w χ(k)
  rsf.png        χ(k)·k^w and |χ(R)| plots
  rsf-maps.npy   with --r: float32 maps H×W×len(R) of |χ(R)|
  summary.json   parameters, e0, edge step, first-shell peak, provenance

options:
${formatFlags(RSF_FLAGS)}`;

function parseRegion(v: string): RegionSelector {
  const m = /^(\d+):(\d+),(\d+):(\d+)$/.exec(v.trim());
  if (!m) throw new SpecmapError('USAGE', `--region must look like x0:x1,y0:y1 (e.g. 10:20,5:15), got "${v}"`);
  return { x0: Number(m[1]), x1: Number(m[2]), y0: Number(m[3]), y1: Number(m[4]) };
}

/** Read a mask: aXis2000 .msk ('O'/non-space = in) or whitespace-separated 0/1 per row. */
export function readMaskFile(file: string, width: number, height: number): Uint8Array {
  const text = fs.readFileSync(file, 'latin1');
  const lines = text.split(/\r?\n/);
  while (lines.length > height && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length !== height) throw new SpecmapError('SHAPE', `mask ${file}: ${lines.length} rows, the image has ${height}`);
  const mask = new Uint8Array(width * height);
  const numeric = lines.every((l) => /^[\s01.,]*$/.test(l) && /[01]/.test(l) && /\s|,/.test(l.trim()));
  lines.forEach((line, y) => {
    if (numeric) {
      const t = line.trim().split(/[\s,]+/);
      if (t.length !== width) throw new SpecmapError('SHAPE', `mask ${file}: row ${y} has ${t.length} values, the image is ${width} wide`);
      t.forEach((v, x) => (mask[y * width + x] = Number(v) ? 1 : 0));
    } else {
      const row = line.padEnd(width, ' ');
      if (row.length !== width) throw new SpecmapError('SHAPE', `mask ${file}: row ${y} has ${line.length} characters, the image is ${width} wide`);
      for (let x = 0; x < width; x++) mask[y * width + x] = row[x] !== ' ' && row[x] !== '0' ? 1 : 0;
    }
  });
  return mask;
}

function isStackFile(file: string): boolean {
  return /\.(hdr|npy|npz|tif|tiff|h5|hdf5|nxs)$/i.test(file);
}

/** χ(k)·k^w and |χ(R)| as a two-panel PNG. */
export function rsfPlot(res: RsfResult, title: string): Uint8Array {
  const W = 900;
  const H = 380;
  const img = new Raster(W, H);
  const black: [number, number, number] = [0, 0, 0];
  img.text(W / 2, 8, title.slice(0, 140), black, { align: 'center', baseline: 'top' });
  const panel = (x0: number, xs: ArrayLike<number>, ys: ArrayLike<number>[], colors: [number, number, number][], xlabel: string, ylabel: string, xmax: number): void => {
    const px = x0 + 55;
    const py = 40;
    const pw = W / 2 - 80;
    const ph = H - 100;
    let lo = Infinity;
    let hi = -Infinity;
    for (const y of ys) for (let i = 0; i < xs.length; i++) if (xs[i] <= xmax && Number.isFinite(y[i])) { lo = Math.min(lo, y[i]); hi = Math.max(hi, y[i]); }
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    const pad = 0.05 * (hi - lo);
    lo -= pad;
    hi += pad;
    img.strokeRect(px, py, pw, ph, black);
    const sx = (v: number): number => px + (v / xmax) * pw;
    const sy = (v: number): number => py + ph - ((v - lo) / (hi - lo)) * ph;
    const xt = niceTicks(0, xmax, 6);
    for (const t of xt.ticks) {
      img.line(sx(t), py + ph, sx(t), py + ph + 4, black);
      img.text(sx(t), py + ph + 7, formatTick(t, xt.step), black, { align: 'center', baseline: 'top' });
    }
    const yt = niceTicks(lo, hi, 5);
    for (const t of yt.ticks) {
      img.line(px - 4, sy(t), px, sy(t), black);
      img.text(px - 6, sy(t), formatTick(t, yt.step), black, { align: 'right', baseline: 'middle' });
    }
    img.text(px + pw / 2, py + ph + 24, xlabel, black, { align: 'center', baseline: 'top' });
    img.text(x0 + 8, py + ph / 2, ylabel, black, { rotate: true, align: 'center', baseline: 'middle' });
    ys.forEach((y, c) => {
      const pts: number[] = [];
      for (let i = 0; i < xs.length && xs[i] <= xmax; i++) pts.push(sx(xs[i]), sy(y[i]));
      img.polyline(pts, colors[c], { width: 1.5 });
    });
  };
  const ft = res.ft;
  const w = ft.parameters.kweight;
  const win = Float64Array.from(ft.kwin);
  let amax = 0;
  for (const v of ft.chiWeighted) amax = Math.max(amax, Math.abs(v));
  const winScaled = win.map((v) => v * amax);
  panel(0, ft.k, [ft.chiWeighted, winScaled], [[31, 119, 180], [160, 160, 160]], 'k (1/A)', `k^${w} chi(k)`, ft.k[ft.k.length - 1]);
  panel(W / 2, ft.r, [ft.mag, ft.re], [[214, 39, 40], [170, 170, 170]], 'R (A), no phase correction', '|chi(R)|', Math.min(6, ft.r[ft.r.length - 1]));
  return encodePng(img.width, img.height, img.data);
}

function rsfOptions(args: ParsedArgs): RsfOptions {
  const window = stringFlag(args, 'window') ?? 'hanning';
  if (!FT_WINDOWS.includes(window.toLowerCase() as never)) {
    throw new SpecmapError('USAGE', `--window must be one of ${FT_WINDOWS.join(', ')}, got "${window}"`);
  }
  return {
    kweight: numberFlag(args, 'kweight', { integer: true, min: 0, max: 5 }) ?? 2,
    rbkg: numberFlag(args, 'rbkg', { min: 0 }) ?? 1,
    kmin: numberFlag(args, 'kmin', { min: 0 }) ?? 2,
    kmax: numberFlag(args, 'kmax', { min: 0 }) ?? 12,
    dk: numberFlag(args, 'dk', { min: 0 }) ?? 1,
    window: window.toLowerCase(),
    e0: numberFlag(args, 'e0'),
  };
}

export interface RsfRun {
  result: RsfResult;
  summary: Record<string, unknown>;
  outDir: string;
}

export function runRsf(argv: string[]): RsfRun {
  const args = parseArgs(argv, RSF_FLAGS);
  if (args.positionals.length !== 1) {
    throw new SpecmapError('USAGE', args.positionals.length === 0 ? 'missing input file (try: specmap rsf --help)' : `expected one input file, got ${args.positionals.length}`);
  }
  const input = args.positionals[0];
  const outDir = stringFlag(args, 'out');
  if (!outDir) throw new SpecmapError('USAGE', '--out DIR is required');
  const options = rsfOptions(args);
  const maskFile = stringFlag(args, 'mask');
  const regionText = stringFlag(args, 'region');
  if (maskFile && regionText) throw new SpecmapError('USAGE', 'give --mask or --region, not both');
  const rList = ((args.flags.get('r') as string[] | undefined) ?? []).flatMap((v) => v.split(',')).map((v) => {
    const x = Number(v);
    if (!Number.isFinite(x) || x <= 0) throw new SpecmapError('USAGE', `--r values must be positive distances in Å, got "${v}"`);
    return x;
  });
  let result: RsfResult;
  let source: Record<string, unknown>;
  let stack: SpectralStack | undefined;
  const warnings: string[] = [];
  if (isStackFile(input)) {
    const ef = stringFlag(args, 'energies');
    stack = readStack(input, { energies: ef ? readEnergies(ef) : undefined });
    const region: RegionSelector = maskFile
      ? { mask: readMaskFile(maskFile, stack.width, stack.height) }
      : regionText
        ? parseRegion(regionText)
        : { x0: 0, x1: stack.width, y0: 0, y1: stack.height };
    const r = rsfRegion(stack, region, options);
    result = r;
    source = { kind: 'stack', width: stack.width, height: stack.height, channels: stack.energies.length, pixelsAveraged: r.pixels, mask: maskFile ?? null, region: regionText ?? (maskFile ? null : 'all pixels') };
  } else {
    if (maskFile || regionText || rList.length > 0) throw new SpecmapError('USAGE', '--mask, --region and --r need a stack input (.hdr or .npy)');
    const s = readXasSpectrum(input);
    if (s.kind === 'chi') {
      result = rsfFromChi(s.x, s.y, options);
      source = { kind: 'chi(k) spectrum', points: s.x.length };
    } else {
      if (s.kind === 'norm') warnings.push('the input looks normalised (norm/flat column); autobk works on it with edge step ≈ 1');
      result = rsfSpectrum(s.x, s.y, options);
      source = { kind: 'mu(E) spectrum', points: s.x.length };
    }
  }
  warnings.push(...result.warnings);
  fs.mkdirSync(outDir, { recursive: true });
  const ft = result.ft;
  const rows = ['R_angstrom,chir_mag,chir_re,chir_im'];
  for (let j = 0; j < ft.r.length; j++) rows.push(`${ft.r[j]},${ft.mag[j]},${ft.re[j]},${ft.im[j]}`);
  fs.writeFileSync(path.join(outDir, 'rsf.csv'), rows.join('\n') + '\n');
  const w = ft.parameters.kweight;
  const crow = [`k_inv_angstrom,chi,k${w}chi`];
  for (let i = 0; i < ft.k.length; i++) crow.push(`${ft.k[i]},${ft.chi[i]},${ft.chiWeighted[i]}`);
  fs.writeFileSync(path.join(outDir, 'chi.csv'), crow.join('\n') + '\n');
  fs.writeFileSync(path.join(outDir, 'rsf.png'), rsfPlot(result, `specmap rsf: ${path.basename(input)}`));
  const outputs = ['rsf.csv', 'chi.csv', 'rsf.png', 'summary.json'];
  let maps: Record<string, unknown> | null = null;
  if (rList.length > 0 && stack) {
    const mres = rsfMaps(stack, rList, options);
    writeNpy(path.join(outDir, 'rsf-maps.npy'), mres.maps, [stack.height, stack.width, rList.length]);
    outputs.splice(3, 0, 'rsf-maps.npy');
    warnings.push(...mres.warnings);
    maps = { file: 'rsf-maps.npy', shape: [stack.height, stack.width, rList.length], rRequested: rList, rGrid: mres.r, e0: mres.e0 };
  }
  // Peaks of |χ(R)| (no phase correction): the first-shell peak is the first local maximum above
  // rbkg whose height is at least half the largest |χ(R)| in (rbkg, 6 Å]; the largest peak too.
  const rbkg = Number((result.parameters as Record<string, unknown>).rbkg ?? 1);
  let largest = -1;
  for (let j = 1; j < ft.r.length - 1; j++) if (ft.r[j] > rbkg && ft.r[j] <= 6 && (largest < 0 || ft.mag[j] > ft.mag[largest])) largest = j;
  let peak = -1;
  for (let j = 1; j < ft.r.length - 1 && largest >= 0; j++) {
    if (ft.r[j] <= rbkg || ft.r[j] > 6) continue;
    if (ft.mag[j] >= ft.mag[j - 1] && ft.mag[j] >= ft.mag[j + 1] && ft.mag[j] >= 0.5 * ft.mag[largest]) {
      peak = j;
      break;
    }
  }
  const summary: Record<string, unknown> = {
    specmap: SPECMAP_VERSION,
    command: ['specmap', 'rsf', ...argv],
    input: path.resolve(input),
    source,
    parameters: result.parameters,
    e0: result.autobk?.e0 ?? null,
    edgeStep: result.autobk?.edgeStep ?? null,
    firstShellPeak:
      peak >= 0
        ? { rAngstrom: ft.r[peak], magnitude: ft.mag[peak], note: 'first local maximum of |chi(R)| above rbkg with at least half the largest |chi(R)| in (rbkg, 6 Å]; no phase correction' }
        : null,
    largestPeak: largest >= 0 ? { rAngstrom: ft.r[largest], magnitude: ft.mag[largest] } : null,
    maps,
    warnings,
    provenance: {
      inputSha256: sha256File(input),
      specmapVersion: SPECMAP_VERSION,
      date: new Date().toISOString(),
      versions: { node: process.versions.node },
      algorithms: 'xraylarch pre_edge/find_e0, autobk (rbkg spline, clamps), xftf (kstep 0.05, nfft 2048, kstep/sqrt(pi) normalisation), restated in @specmap/xafs',
    },
    outputs,
  };
  fs.writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return { result, summary, outDir };
}
