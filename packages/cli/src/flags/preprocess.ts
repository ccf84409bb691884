import * as fs from 'fs';
import * as path from 'path';
import { opticalDensity, SpecmapError, type SpectralStack } from '@specmap/core';
import { readSpectrum } from '@specmap/io';
import type { BackgroundOptions, MaskImage, MaskRule, Model, NormalizeMode, Window } from '@specmap/preprocess';
import { numberFlag, stringFlag, type FlagSpec, type ParsedArgs } from '../args';

// @specmap/preprocess is loaded when a flag or a step needs it: a run without
// preprocessing does not (~4 ms of start-up).
const preprocess = () => require('@specmap/preprocess') as typeof import('@specmap/preprocess');

/**
 * Preprocessing flags. Nothing is preprocessed unless one of these asks for
 * it; every step applied is recorded in the stack's metadata.steps and so in
 * the result's provenance. They apply in this order (docs/cli.md):
 *
 *   1 --nan   2 --mask FILE   3 --crop   4 --bin, --ebin   5 --align
 *   6 --i0    6b --align-energy   7 --mask RULE
 *   8 --background | --background-model   9 --normalize   10 --poisson
 */
export const PREPROCESS_FLAGS: FlagSpec[] = [
  { name: 'i0', kind: 'value', valueName: 'FILE', help: 'I0 spectrum (energy, I0); converts the stack to optical density −ln(I/I0)' },
  { name: 'nan', kind: 'value', valueName: 'error|mask', help: 'NaN/Inf in the stack: stop with an error, or leave those pixels out (mask)', default: 'error' },
  { name: 'mask', kind: 'value', valueName: 'FILE|RULE', help: 'pixel mask: a boolean image (.msk with O = in, .npy, text 0/1) or a rule such as "od>0.2@709", "mean>0.05@700:705", "jump>0.1@705,712" (rules joined by &)' },
  { name: 'crop', kind: 'value', valueName: 'LO:HI', help: 'keep channels with LO ≤ E ≤ HI (eV, or with a unit: 0.7keV:0.73keV)' },
  { name: 'bin', kind: 'value', valueName: 'N|NXxNY', help: 'spatial binning: mean of N×N (or NX×NY) pixel blocks' },
  { name: 'ebin', kind: 'value', valueName: 'N', help: 'spectral binning: mean of N consecutive channels' },
  {
    name: 'align',
    kind: 'optional',
    implied: 'mid',
    accepts: /^(mid|\d+|[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*[a-zA-Z]+)$/,
    valueName: 'REF',
    help: 'register every energy frame onto a reference frame by sub-pixel phase correlation; REF = mid (the middle channel, also when REF is left out), a channel index, or an energy with unit (709eV)',
  },
  { name: 'align-energy', kind: 'value', valueName: 'FILE', help: 'shift the energy axis so that the mean spectrum matches this reference spectrum (energy, value text; cross-correlation, after --i0)' },
  { name: 'align-energy-max-shift', kind: 'value', valueName: 'EV', help: '--align-energy: largest shift tried, eV', default: '2' },
  { name: 'background', kind: 'value', valueName: 'MODEL', help: 'background subtracted from every spectrum: none, linear, shirley, arctan, l3l2', default: 'none' },
  { name: 'background-model', kind: 'value', valueName: 'EXPR', help: 'instead of --background: a mathjs expression in E (eV) fitted to every spectrum (Levenberg–Marquardt) and subtracted, e.g. "a + b*E + h*(1/2 + atan((E - e0)/w)/pi)"' },
  { name: 'background-params', kind: 'value', valueName: 'P=V[,…]', help: '--background-model: initial value of every parameter, optionally with bounds: "a=0,b=0,h=1,e0=709,w=1[0.1:5]"' },
  { name: 'background-range', kind: 'value', valueName: 'LO:HI[,LO:HI]', help: 'linear: fit window(s) (default: endpoint line); shirley: endpoints; arctan/l3l2: fit windows (default: pre-edge and post-edge); --background-model: fit window(s) (default: all channels)' },
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
    lo = preprocess().parseEnergy(parts[0]);
    hi = preprocess().parseEnergy(parts[1]);
  } catch (err) {
    throw new SpecmapError('USAGE', `--${flag}: ${(err as Error).message}`);
  }
  if (!(hi > lo)) throw new SpecmapError('USAGE', `--${flag}: LO must be below HI, got "${text}"`);
  return [lo, hi];
}

/** --background-model EXPR with --background-params: the compiled model and its initial values / bounds (checked now). */
function parseCustomModel(args: ParsedArgs, builtin: string): { model: Model; fit: { initial: Record<string, number>; lower?: Record<string, number>; upper?: Record<string, number> } } | undefined {
  const expr = stringFlag(args, 'background-model');
  const paramsText = stringFlag(args, 'background-params');
  if (expr === undefined) {
    if (paramsText !== undefined) throw new SpecmapError('USAGE', '--background-params needs --background-model EXPR');
    return undefined;
  }
  if (builtin !== 'none') throw new SpecmapError('USAGE', `give either --background ${builtin} or --background-model, not both`);
  let model: Model;
  try {
    model = preprocess().compileModel(expr);
  } catch (err) {
    throw new SpecmapError('USAGE', `--background-model: ${(err as Error).message}`);
  }
  const initial: Record<string, number> = {};
  const lower: Record<string, number> = {};
  const upper: Record<string, number> = {};
  for (const part of (paramsText ?? '').split(',').filter((t) => t.trim() !== '')) {
    const m = /^\s*([A-Za-z_]\w*)\s*=\s*([^[\]]+?)\s*(?:\[\s*([^:\]]*)\s*:\s*([^\]]*)\s*\])?\s*$/.exec(part);
    const num = (t: string | undefined, def: number): number => (t === undefined || t.trim() === '' ? def : Number(t));
    const v = m ? Number(m[2]) : NaN;
    const lo = m ? num(m[3], -Infinity) : NaN;
    const hi = m ? num(m[4], Infinity) : NaN;
    if (!m || !Number.isFinite(v) || Number.isNaN(lo) || Number.isNaN(hi) || !(lo <= v && v <= hi)) {
      throw new SpecmapError('USAGE', `--background-params: "${part.trim()}" is not NAME=VALUE or NAME=VALUE[LO:HI] with LO ≤ VALUE ≤ HI`);
    }
    if (!model.parameters.includes(m[1])) throw new SpecmapError('USAGE', `--background-params: the model has no parameter ${m[1]} (parameters: ${model.parameters.join(', ')})`);
    initial[m[1]] = v;
    if (m[3] !== undefined) {
      lower[m[1]] = lo;
      upper[m[1]] = hi;
    }
  }
  const missing = model.parameters.filter((p) => !(p in initial));
  if (missing.length > 0) throw new SpecmapError('USAGE', `--background-params: give an initial value for ${missing.join(', ')} (e.g. --background-params "${model.parameters.map((p) => `${p}=0`).join(',')}")`);
  const bounded = Object.keys(lower).length > 0;
  return { model, fit: { initial, ...(bounded ? { lower, upper } : {}) } };
}

function parseChoice<T extends string>(args: ParsedArgs, name: string, choices: readonly T[], def: T): T {
  const v = stringFlag(args, name) ?? def;
  if (!choices.includes(v as T)) throw new SpecmapError('USAGE', `--${name} must be one of ${choices.join(', ')}; got "${v}"`);
  return v as T;
}

/** The preprocessing of preparePreprocessing: applies the steps to a stack in place. */
export interface Preprocessing {
  (stack: SpectralStack): void;
  /**
   * True when the steps are the NaN check alone (--nan error and no other
   * step): validateStack, which core's analyze() runs first anyway.
   */
  checkOnly: boolean;
}

/**
 * Read every file the preprocessing flags name and check every value (so bad
 * input fails before any work), and return the function that applies the
 * steps to the stack in place (steps that make a new cube replace the
 * stack's data, shape and energies).
 */
export function preparePreprocessing(args: ParsedArgs): Preprocessing {
  const i0File = stringFlag(args, 'i0');
  const i0 = i0File ? { ...readSpectrum(i0File), name: path.basename(i0File) } : undefined;
  const nan = parseChoice(args, 'nan', ['error', 'mask'] as const, 'error');

  const maskText = stringFlag(args, 'mask');
  let maskFile: { image: MaskImage; name: string } | undefined;
  let maskRules: MaskRule[] | undefined;
  if (maskText !== undefined) {
    if (/^\s*(od|value|mean|jump)\s*(>|<)/.test(maskText) && !fs.existsSync(maskText)) maskRules = preprocess().parseMaskRule(maskText);
    else maskFile = { image: preprocess().readMaskFile(maskText), name: path.basename(maskText) };
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
        align = { referenceEnergy: preprocess().parseEnergy(alignText) };
      } catch {
        throw new SpecmapError('USAGE', `--align must be mid, a channel index or an energy with a unit (709eV), got "${alignText}"`);
      }
      if (!/[a-z]/i.test(alignText)) throw new SpecmapError('USAGE', `--align: give an energy with its unit (709eV) or an integer channel index, got "${alignText}"`);
    }
  }

  const alignEnergyFile = stringFlag(args, 'align-energy');
  const maxShift = numberFlag(args, 'align-energy-max-shift', { min: 1e-6 });
  if (maxShift !== undefined && !alignEnergyFile) throw new SpecmapError('USAGE', '--align-energy-max-shift needs --align-energy FILE');
  const alignRef = alignEnergyFile ? { ...readSpectrum(alignEnergyFile), name: path.basename(alignEnergyFile) } : undefined;

  const bgModel = parseChoice(args, 'background', ['none', 'linear', 'shirley', 'arctan', 'l3l2'] as const, 'none');
  const customModel = parseCustomModel(args, bgModel);
  const rangeText = stringFlag(args, 'background-range');
  const windows = rangeText !== undefined ? rangeText.split(',').map((r) => parseRange(r, 'background-range')) : undefined;
  const edgeText = stringFlag(args, 'edge');
  let edges: number[] | undefined;
  if (edgeText !== undefined) {
    try {
      edges = edgeText.split(',').map((t) => preprocess().parseEnergy(t));
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
  } else if (edges || (windows && !customModel)) {
    throw new SpecmapError('USAGE', '--background-range and --edge need --background linear|shirley|arctan|l3l2 (or --background-model for --background-range)');
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
  const apply = (stack: SpectralStack): void => {
    const { nanPolicy, applyMask, cropEnergy, binSpatial, binEnergy, registerFrames, alignEnergy, thresholdMask, subtractBackground, subtractModel, normalizeStack, poissonScale } =
      preprocess();
    nanPolicy(stack, nan); // 1 ('error' checks only and records nothing)
    if (maskFile) applyMask(stack, maskFile.image, maskFile.name); // 2
    if (crop) replace(stack, cropEnergy(stack, crop[0], crop[1])); // 3
    if (bin && (bin[0] > 1 || bin[1] > 1)) replace(stack, binSpatial(stack, bin[0], bin[1])); // 4
    if (ebin !== undefined && ebin > 1) replace(stack, binEnergy(stack, ebin));
    if (align) registerFrames(stack, align); // 5
    if (i0) opticalDensity(stack, i0); // 6
    if (alignRef) alignEnergy(stack, alignRef, { maxShift: maxShift ?? 2 }); // 6b
    if (maskRules) thresholdMask(stack, maskRules); // 7
    if (background) subtractBackground(stack, background); // 8
    if (customModel) subtractModel(stack, customModel.model, { ...customModel.fit, windows }); // 8 (custom)
    if (normalize !== 'none') normalizeStack(stack, normalize); // 9
    if (poisson) poissonScale(stack, { inPlace: true }); // 10
  };
  const checkOnly =
    nan === 'error' && !maskFile && !crop && !(bin && (bin[0] > 1 || bin[1] > 1)) && !(ebin !== undefined && ebin > 1) &&
    !align && !i0 && !alignRef && !maskRules && !background && !customModel && normalize === 'none' && !poisson;
  return Object.assign(apply, { checkOnly });
}
