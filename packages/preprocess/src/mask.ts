/**
 * Pixel masks: reading boolean images (aXis2000 `.msk`, NumPy `.npy`, text
 * 0/1), threshold rules, applying a mask to a stack, and the NaN/Inf policy.
 * Masks only ever touch `stack.mask` (1 = analyse, 0 = leave out), never the
 * cube, except `nanPolicy(…, 'mask')`, which also replaces the non-finite
 * values (see there).
 */
import * as fs from 'fs';
import * as path from 'path';
import { SpecmapError, validateStack, type SpectralStack } from '@specmap/core';
import { checkShape, channelsIn, energyRange, nearestChannel, recordStep } from './util';

/** A boolean image, row-major (row = y), 1 = in. */
export interface MaskImage {
  mask: Uint8Array;
  width: number;
  height: number;
  /** The format read: 'axis2000-msk' | 'text-01' | 'npy'. */
  format: string;
}

/**
 * Parse a text mask. Two forms:
 * - aXis2000 `.msk` (characters, one line per row y): `O` = in, anything
 *   else (space, `.`) = out; lines shorter than the longest are padded with out.
 * - 0/1 text: one row per line, values 0 or 1 separated by whitespace or
 *   commas (or written without separators, `0110`).
 * Empty lines at the end are ignored (a .msk row of spaces is a row); `#` starts a comment in the 0/1 form.
 *
 * @throws SpecmapError 'MASK_FORMAT' naming the line of the first bad token.
 */
export function parseMaskText(text: string, name = 'mask'): MaskImage {
  const lines = text.replace(/\r/g, '').split('\n');
  // Drop only empty trailing lines: a .msk row of spaces is a real row (all out).
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0 || lines.every((l) => l.trim() === '')) throw new SpecmapError('MASK_FORMAT', `${name}: the mask file is empty`);
  const isMsk = lines.some((l) => /O/.test(l)) && lines.every((l) => /^[O .]*$/.test(l));
  if (isMsk) {
    const height = lines.length;
    const width = Math.max(...lines.map((l) => l.length));
    const mask = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < lines[y].length; x++) mask[y * width + x] = lines[y][x] === 'O' ? 1 : 0;
    return { mask, width, height, format: 'axis2000-msk' };
  }
  const rows: number[][] = [];
  lines.forEach((raw, i) => {
    const h = raw.indexOf('#');
    const line = (h >= 0 ? raw.slice(0, h) : raw).trim();
    if (line === '') return;
    const toks = /[\s,;]/.test(line) ? line.split(/[\s,;]+/) : line.split('');
    const row = toks.map((t) => {
      const v = Number(t);
      if (v !== 0 && v !== 1) throw new SpecmapError('MASK_FORMAT', `${name}: line ${i + 1}: "${t}" is not 0 or 1 (nor an aXis2000 .msk, whose lines hold only 'O' and spaces)`);
      return v;
    });
    rows.push(row);
  });
  if (rows.length === 0) throw new SpecmapError('MASK_FORMAT', `${name}: the mask file holds no rows`);
  const width = rows[0].length;
  rows.forEach((r, y) => {
    if (r.length !== width) throw new SpecmapError('MASK_FORMAT', `${name}: row ${y} has ${r.length} values but row 0 has ${width}`);
  });
  const mask = new Uint8Array(width * rows.length);
  rows.forEach((r, y) => r.forEach((v, x) => (mask[y * width + x] = v)));
  return { mask, width, height: rows.length, format: 'text-01' };
}

/**
 * Parse a 2-D NumPy `.npy` boolean image (dtype bool, uint8, int32/64 or
 * float32/64, C order): non-zero = in.
 *
 * @throws SpecmapError 'MASK_FORMAT' (not a .npy, not 2-D, Fortran order, other dtype).
 */
export function parseMaskNpy(buf: Buffer, name = 'mask.npy'): MaskImage {
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new SpecmapError('MASK_FORMAT', `${name}: not a NumPy .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeTxt = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeTxt === undefined) throw new SpecmapError('MASK_FORMAT', `${name}: unreadable .npy header`);
  const shape = shapeTxt.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.length !== 2) throw new SpecmapError('MASK_FORMAT', `${name}: a mask must be a 2-D array (H×W), got shape (${shape.join(', ')})`);
  if (fortran) throw new SpecmapError('MASK_FORMAT', `${name}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray`);
  const [height, width] = shape;
  const n = width * height;
  const off = start + hlen;
  const sizes: Record<string, number> = { '|b1': 1, '|u1': 1, '<u1': 1, '|i1': 1, '<i4': 4, '<i8': 8, '<f4': 4, '<f8': 8 };
  const sz = sizes[descr];
  if (!sz) throw new SpecmapError('MASK_FORMAT', `${name}: unsupported mask dtype '${descr}' (use bool, uint8, int32/64 or float32/64, little-endian)`);
  if (buf.length - off < n * sz) throw new SpecmapError('MASK_FORMAT', `${name}: truncated data for shape (${height}, ${width})`);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = off + i * sz;
    let v: number;
    if (sz === 1) v = buf[o];
    else if (descr === '<i4') v = buf.readInt32LE(o);
    else if (descr === '<i8') v = Number(buf.readBigInt64LE(o));
    else if (descr === '<f4') v = buf.readFloatLE(o);
    else v = buf.readDoubleLE(o);
    mask[i] = v !== 0 && !Number.isNaN(v) ? 1 : 0;
  }
  return { mask, width, height, format: 'npy' };
}

/**
 * Read a mask file: `.npy` → {@link parseMaskNpy}; anything else (`.msk`,
 * `.txt`, …) → {@link parseMaskText}.
 *
 * @throws SpecmapError 'ENOENT' for a missing file, 'MASK_FORMAT'.
 */
export function readMaskFile(file: string): MaskImage {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    throw new SpecmapError('ENOENT', `mask file not found or unreadable: ${file}`);
  }
  const name = path.basename(file);
  if (file.toLowerCase().endsWith('.npy')) return parseMaskNpy(buf, name);
  return parseMaskText(buf.toString('latin1'), name);
}

/**
 * Apply a boolean image as the stack's pixel mask, **in place** (only
 * `stack.mask` changes): it is intersected with any mask already there.
 *
 * @throws SpecmapError 'MASK_SHAPE' when the image's H×W differs from the stack's.
 */
export function applyMask(stack: SpectralStack, image: MaskImage, name = 'mask'): SpectralStack {
  checkShape(stack, 'mask');
  if (image.width !== stack.width || image.height !== stack.height) {
    throw new SpecmapError('MASK_SHAPE', `mask ${name} is ${image.height}×${image.width} (H×W) but the stack is ${stack.height}×${stack.width}`);
  }
  const n = stack.width * stack.height;
  const mask = new Uint8Array(n);
  let kept = 0;
  for (let p = 0; p < n; p++) {
    mask[p] = image.mask[p] && (!stack.mask || stack.mask[p]) ? 1 : 0;
    kept += mask[p];
  }
  stack.mask = mask;
  recordStep(stack, 'mask', { source: name, format: image.format, pixelsIn: kept, pixels: n });
  return stack;
}

/** One parsed threshold rule. */
export interface MaskRule {
  quantity: 'od' | 'value' | 'mean' | 'jump';
  op: '>' | '>=' | '<' | '<=';
  threshold: number;
  /** Energies: one (channel), two (window for mean, or E1,E2 for jump). */
  energies: number[];
  text: string;
}

/**
 * Parse a threshold mask rule. Grammar (rules joined by `&` must all hold):
 *
 *   od>0.2@709          OD at the channel nearest 709 eV above 0.2 (needs an OD stack)
 *   value>=100@700      the stack's value (any quantity) at the channel nearest 700 eV
 *   mean>0.05           mean over all channels; `mean>0.05@700:705` over a window
 *   jump>0.1@705,712    value(712 eV) − value(705 eV) (an edge jump)
 *
 * Operators: > >= < <=.
 *
 * @throws SpecmapError 'MASK_RULE' for anything else.
 */
export function parseMaskRule(text: string): MaskRule[] {
  return text.split('&').map((part) => {
    const t = part.replace(/\s+/g, '');
    const m = /^(od|value|mean|jump)(>=|<=|>|<)([-+0-9.eE]+)(?:@([-+0-9.eE]+)(?:([:,])([-+0-9.eE]+))?)?$/.exec(t);
    if (!m) {
      throw new SpecmapError('MASK_RULE', `mask rule "${part.trim()}" is not of the form od>0.2@709, value>100@700, mean>0.05[@700:705] or jump>0.1@705,712`);
    }
    const quantity = m[1] as MaskRule['quantity'];
    const threshold = Number(m[3]);
    const energies = [m[4], m[6]].filter((s) => s !== undefined).map(Number);
    if (!Number.isFinite(threshold) || energies.some((e) => !Number.isFinite(e))) throw new SpecmapError('MASK_RULE', `mask rule "${part.trim()}": bad number`);
    if ((quantity === 'od' || quantity === 'value') && energies.length !== 1) throw new SpecmapError('MASK_RULE', `mask rule "${part.trim()}": ${quantity} needs one energy, e.g. ${quantity}>0.2@709`);
    if (quantity === 'jump' && (energies.length !== 2 || m[5] !== ',')) throw new SpecmapError('MASK_RULE', `mask rule "${part.trim()}": jump needs two energies, e.g. jump>0.1@705,712`);
    if (quantity === 'mean' && energies.length === 1) throw new SpecmapError('MASK_RULE', `mask rule "${part.trim()}": mean takes no energy or a window, e.g. mean>0.05@700:705`);
    return { quantity, op: m[2] as MaskRule['op'], threshold, energies, text: t };
  });
}

/**
 * Build (and apply, in place, intersected with any existing mask) a mask from
 * threshold rules (see {@link parseMaskRule}). Energies outside the stack's
 * range are an error ('ENERGY_RANGE'); `od` on a stack whose quantity is not
 * optical density is an error ('MASK_RULE').
 */
export function thresholdMask(stack: SpectralStack, rule: string | MaskRule[]): SpectralStack {
  checkShape(stack, 'mask rule');
  const rules = typeof rule === 'string' ? parseMaskRule(rule) : rule;
  const { energies, data } = stack;
  const m = energies.length;
  const n = stack.width * stack.height;
  const [lo, hi] = energyRange(energies);
  const tol = Math.max(1e-9 * Math.max(Math.abs(lo), Math.abs(hi), 1), 0.5 * (hi - lo) / Math.max(m - 1, 1));
  const mask = new Uint8Array(n);
  for (let p = 0; p < n; p++) mask[p] = !stack.mask || stack.mask[p] ? 1 : 0;
  const resolved: Record<string, unknown>[] = [];
  for (const r of rules) {
    for (const E of r.energies) {
      if (E < lo - tol || E > hi + tol) throw new SpecmapError('ENERGY_RANGE', `mask rule ${r.text}: ${E} eV is outside the stack's range [${lo}, ${hi}] eV`);
    }
    if (r.quantity === 'od' && stack.metadata.quantity !== 'optical density') {
      throw new SpecmapError('MASK_RULE', `mask rule ${r.text}: the stack holds "${stack.metadata.quantity ?? 'unknown quantity'}", not optical density (give --i0, or use value>…)`);
    }
    let chans: number[];
    if (r.quantity === 'mean') chans = r.energies.length === 2 ? channelsIn(energies, r.energies[0], r.energies[1]) : Array.from({ length: m }, (_, e) => e);
    else chans = r.energies.map((E) => nearestChannel(energies, E));
    if (chans.length === 0) throw new SpecmapError('ENERGY_RANGE', `mask rule ${r.text}: the window holds no channel`);
    for (let p = 0; p < n; p++) {
      const b = p * m;
      let v: number;
      if (r.quantity === 'mean') {
        v = 0;
        for (const c of chans) v += data[b + c];
        v /= chans.length;
      } else if (r.quantity === 'jump') v = data[b + chans[1]] - data[b + chans[0]];
      else v = data[b + chans[0]];
      const ok = r.op === '>' ? v > r.threshold : r.op === '>=' ? v >= r.threshold : r.op === '<' ? v < r.threshold : v <= r.threshold;
      if (!ok) mask[p] = 0;
    }
    resolved.push({ rule: r.text, channels: chans.length > 2 ? [chans[0], chans[chans.length - 1]] : chans, energies: chans.length > 2 ? [energies[chans[0]], energies[chans[chans.length - 1]]] : chans.map((c) => energies[c]) });
  }
  let kept = 0;
  for (let p = 0; p < n; p++) kept += mask[p];
  stack.mask = mask;
  recordStep(stack, 'mask-threshold', { rule: rules.map((r) => r.text).join('&'), resolved, pixelsIn: kept, pixels: n });
  return stack;
}

/**
 * NaN/Inf policy. 'error' (the default everywhere in specmap): core's
 * `validateStack`, which throws SpecmapError 'NAN' naming the first bad
 * value. 'mask': every pixel holding a non-finite value is left out of the
 * mask, and its non-finite values are replaced, **in place**, by the mean of
 * that channel over the pixels that are finite there (so later steps such as
 * optical density stay defined; the pixel is excluded anyway). A channel
 * finite nowhere is an error. Records `{ policy, maskedPixels, replacedValues }`.
 */
export function nanPolicy(stack: SpectralStack, policy: 'error' | 'mask' = 'error'): SpectralStack {
  checkShape(stack, 'NaN policy');
  if (policy === 'error') {
    validateStack(stack);
    return stack;
  }
  if (policy !== 'mask') throw new SpecmapError('ARGUMENT', `NaN policy must be 'error' or 'mask', got '${policy}'`);
  const { data, energies } = stack;
  const m = energies.length;
  const n = stack.width * stack.height;
  const sum = new Float64Array(m);
  const cnt = new Float64Array(m);
  const bad = new Uint8Array(n);
  let replaced = 0;
  for (let p = 0; p < n; p++) {
    const b = p * m;
    for (let e = 0; e < m; e++) {
      const v = data[b + e];
      if (Number.isFinite(v)) {
        sum[e] += v;
        cnt[e]++;
      } else {
        bad[p] = 1;
        replaced++;
      }
    }
  }
  if (replaced > 0) {
    for (let e = 0; e < m; e++) if (cnt[e] === 0) throw new SpecmapError('NAN', `channel ${e} (${energies[e]} eV) holds no finite value in any pixel`);
    for (let p = 0; p < n; p++) {
      if (!bad[p]) continue;
      const b = p * m;
      for (let e = 0; e < m; e++) if (!Number.isFinite(data[b + e])) data[b + e] = sum[e] / cnt[e];
    }
  }
  const mask = new Uint8Array(n);
  let masked = 0;
  for (let p = 0; p < n; p++) {
    mask[p] = bad[p] ? 0 : !stack.mask || stack.mask[p] ? 1 : 0;
    masked += bad[p];
  }
  if (masked > 0 || stack.mask) stack.mask = mask;
  recordStep(stack, 'nan-policy', { policy, maskedPixels: masked, replacedValues: replaced, replacement: 'channel mean of finite pixels' });
  return stack;
}
