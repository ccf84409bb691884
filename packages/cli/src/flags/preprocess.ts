import * as fs from 'fs';
import * as path from 'path';
import { opticalDensity, SpecmapError, type SpectralStack } from '@specmap/core';
import { readSpectrum } from '@specmap/io';
import {
  applyMask,
  binEnergy,
  binSpatial,
  cropEnergy,
  nanPolicy,
  normalizeStack,
  parseEnergy,
  parseMaskRule,
  poissonScale,
  readMaskFile,
  registerFrames,
  subtractBackground,
  thresholdMask,
  type BackgroundOptions,
  type MaskImage,
  type MaskRule,
  type NormalizeMode,
  type Window,
} from '@specmap/preprocess';
import { numberFlag, stringFlag, type FlagSpec, type ParsedArgs } from '../args';

/**
 * Preprocessing flags. Nothing is preprocessed unless one of these asks for
 * it; every step applied is recorded in the stack's metadata.steps and so in
 * the result's provenance. They apply in this order (docs/cli.md):
 *
 *   1 --nan   2 --mask FILE   3 --crop   4 --bin, --ebin   5 --align
 *   6 --i0    7 --mask RULE   8 --background   9 --normalize   10 --poisson
 */
export const PREPROCESS_FLAGS: FlagSpec[] = [
  { name: 'i0', kind: 'value', valueName: 'FILE', help: 'I0 spectrum (energy, I0); converts the stack to optical density −ln(I/I0)' },
  { name: 'nan', kind: 'value', valueName: 'error|mask', help: 'NaN/Inf in the stack: stop with an error, or leave those pixels out (mask)', default: 'error' },
  { name: 'mask', kind: 'value', valueName: 'FILE|RULE', help: 'pixel mask: a boolean image (.msk with O = in, .npy, text 0/1) or a rule such as "od>0.2@709", "mean>0.05@700:705", "jump>0.1@705,712" (rules joined by &)' },
  { name: 'crop', kind: 'value', valueName: 'LO:HI', help: 'keep channels with LO ≤ E ≤ HI (eV, or with a unit: 0.7keV:0.73keV)' },
  { name: 'bin', kind: 'value', valueName: 'N|NXxNY', help: 'spatial binning: mean of N×N (or NX×NY) pixel blocks' },
  { name: 'ebin', kind: 'value', valueName: 'N', help: 'spectral binning: mean of N consecutive channels' },
  { name: 'align', kind: 'value', valueName: 'REF', help: 'register every energy frame onto a reference frame by sub-pixel phase correlation; REF = mid, a channel index, or an energy with unit (709eV)' },
  { name: 'background', kind: 'value', valueName: 'MODEL', help: 'background subtracted from every spectrum: none, linear, shirley, arctan, l3l2', default: 'none' },
  { name: 'background-range', kind: 'value', valueName: 'LO:HI[,LO:HI]', help: 'linear: fit window(s) (default: endpoint line); shirley: endpoints; arctan/l3l2: fit windows (default: pre-edge and post-edge)' },
  { name: 'edge', kind: 'value', valueName: 'E[,E2]', help: 'arctan: edge energy (default: steepest rise of the mean spectrum); l3l2: E_L3,E_L2 (required)' },
  { name: 'edge-width', kind: 'value', valueName: 'G', help: 'arctan/l3l2: width Γ of the arctan step(s), eV', default: '0.5' },
  { name: 'normalize', kind: 'value', valueName: 'MODE', help: 'per-spectrum normalisation: none, edge-step (xraylarch pre_edge), area, max', default: 'none' },
  { name: 'poisson', kind: 'boolean', help: 'Poisson noise scaling (Keenan–Kotula) before the decomposition' },
];

function parseRange(text: string, flag: string): Window {
  const parts = text.split(':');
  if (parts.length !== 2) throw new SpecmapError('USAGE', `--${flag} needs LO:HI, got "${text}"`);
  let lo: number;
  let hi: number;
  try {
    lo = parseEnergy(parts[0]);
    hi = parseEnergy(parts[1]);
  } catch (err) {
    throw new SpecmapError('USAGE', `--${flag}: ${(err as Error).message}`);
  }
  if (!(hi > lo)) throw new SpecmapError('USAGE', `--${flag}: LO must be below HI, got "${text}"`);
  return [lo, hi];
}

function parseChoice<T extends string>(args: ParsedArgs, name: string, choices: readonly T[], def: T): T {
  const v = stringFlag(args, name) ?? def;
  if (!choices.includes(v as T)) throw new SpecmapError('USAGE', `--${name} must be one of ${choices.join(', ')}; got "${v}"`);
  return v as T;
}

/**
 * Read every file the preprocessing flags name and check every value (so bad
 * input fails before any work), and return the function that applies the
 * steps to the stack in place (steps that make a new cube replace the
 * stack's data, shape and energies).
 */
export function preparePreprocessing(args: ParsedArgs): (stack: SpectralStack) => void {
  const i0File = stringFlag(args, 'i0');
  const i0 = i0File ? { ...readSpectrum(i0File), name: path.basename(i0File) } : undefined;
  const nan = parseChoice(args, 'nan', ['error', 'mask'] as const, 'error');

  const maskText = stringFlag(args, 'mask');
  let maskFile: { image: MaskImage; name: string } | undefined;
  let maskRules: MaskRule[] | undefined;
  if (maskText !== undefined) {
    if (/^\s*(od|value|mean|jump)\s*(>|<)/.test(maskText) && !fs.existsSync(maskText)) maskRules = parseMaskRule(maskText);
    else maskFile = { image: readMaskFile(maskText), name: path.basename(maskText) };
  }
  const cropText = stringFlag(args, 'crop');
  const crop = cropText !== undefined ? parseRange(cropText, 'crop') : undefined;
  const binText = stringFlag(args, 'bin');
  let bin: [number, number] | undefined;
  if (binText !== undefined) {
    const m = /^(\d+)(?:x(\d+))?$/i.exec(binText.trim());
    if (!m) throw new SpecmapError('USAGE', `--bin must be N or NXxNY (e.g. 2 or 2x2), got "${binText}"`);
    bin = [Number(m[1]), Number(m[2] ?? m[1])];
    if (bin[0] < 1 || bin[1] < 1) throw new SpecmapError('USAGE', `--bin factors must be ≥ 1, got "${binText}"`);
  }
  const ebin = numberFlag(args, 'ebin', { integer: true, min: 1 });

  const alignText = stringFlag(args, 'align');
  let align: { reference?: number; referenceEnergy?: number } | undefined;
  if (alignText !== undefined) {
    if (alignText === 'mid') align = {};
    else if (/^\d+$/.test(alignText)) align = { reference: Number(alignText) };
    else {
      try {
        align = { referenceEnergy: parseEnergy(alignText) };
      } catch {
        throw new SpecmapError('USAGE', `--align must be mid, a channel index or an energy with a unit (709eV), got "${alignText}"`);
      }
      if (!/[a-z]/i.test(alignText)) throw new SpecmapError('USAGE', `--align: give an energy with its unit (709eV) or an integer channel index, got "${alignText}"`);
    }
  }

  const bgModel = parseChoice(args, 'background', ['none', 'linear', 'shirley', 'arctan', 'l3l2'] as const, 'none');
  const rangeText = stringFlag(args, 'background-range');
  const windows = rangeText !== undefined ? rangeText.split(',').map((r) => parseRange(r, 'background-range')) : undefined;
  const edgeText = stringFlag(args, 'edge');
  let edges: number[] | undefined;
  if (edgeText !== undefined) {
    try {
      edges = edgeText.split(',').map((t) => parseEnergy(t));
    } catch {
      throw new SpecmapError('USAGE', `--edge must be E or E_L3,E_L2 in eV, got "${edgeText}"`);
    }
  }
  const width = numberFlag(args, 'edge-width', { min: 1e-6 }) ?? 0.5;
  let background: BackgroundOptions | undefined;
  if (bgModel === 'linear') background = { model: 'linear', windows };
  else if (bgModel === 'shirley') {
    if (windows && windows.length !== 1) throw new SpecmapError('USAGE', '--background-range for shirley is one LO:HI (the endpoints)');
    background = { model: 'shirley', range: windows?.[0] };
  } else if (bgModel === 'arctan' || bgModel === 'l3l2') {
    if (bgModel === 'l3l2' && (!edges || edges.length !== 2)) throw new SpecmapError('USAGE', '--background l3l2 needs --edge E_L3,E_L2 (e.g. --edge 708.7,721.3)');
    if (bgModel === 'arctan' && edges && edges.length !== 1) throw new SpecmapError('USAGE', '--background arctan takes one --edge energy');
    background = { model: bgModel, edges, widths: [width], windows };
  } else if (windows || edges) {
    throw new SpecmapError('USAGE', '--background-range and --edge need --background linear|shirley|arctan|l3l2');
  }
  const normalize = parseChoice(args, 'normalize', ['none', 'edge-step', 'area', 'max'] as const, 'none') as NormalizeMode;
  const poisson = args.flags.get('poisson') === true;

  const replace = (stack: SpectralStack, next: SpectralStack) => {
    stack.data = next.data;
    stack.energies = next.energies;
    stack.width = next.width;
    stack.height = next.height;
    stack.mask = next.mask;
    stack.metadata = next.metadata;
  };
  return (stack) => {
    nanPolicy(stack, nan); // 1 ('error' checks only and records nothing)
    if (maskFile) applyMask(stack, maskFile.image, maskFile.name); // 2
    if (crop) replace(stack, cropEnergy(stack, crop[0], crop[1])); // 3
    if (bin && (bin[0] > 1 || bin[1] > 1)) replace(stack, binSpatial(stack, bin[0], bin[1])); // 4
    if (ebin !== undefined && ebin > 1) replace(stack, binEnergy(stack, ebin));
    if (align) registerFrames(stack, align); // 5
    if (i0) opticalDensity(stack, i0); // 6
    if (maskRules) thresholdMask(stack, maskRules); // 7
    if (background) subtractBackground(stack, background); // 8
    if (normalize !== 'none') normalizeStack(stack, normalize); // 9
    if (poisson) poissonScale(stack, { inPlace: true }); // 10
  };
}
