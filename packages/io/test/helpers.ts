/** Shared helpers of the @specmap/io tests (not a test file itself). */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpecmapError } from '@specmap/core';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const STXM_DIR = path.join(REPO, 'examples', 'data', 'stxm-fe');
export const STXM_HDR = path.join(STXM_DIR, '71214078.hdr');
export const SHARED_ALIGNED = path.join(
  REPO,
  '..',
  'shared',
  'data',
  'nano-XANES-microscopy-of-Fe',
  'ALS_Toner',
  '71214078_FigS4',
  'Aligned',
);
/** Python with numpy (the first python3 on PATH has no numpy). */
export const PYTHON = '/usr/bin/python3';

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-io-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function python(script: string, ...args: string[]): string {
  return execFileSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8' });
}

/**
 * Assert that fn throws a SpecmapError with `code` whose one-line message
 * contains every string of `mentions` (file names, numbers).
 */
export function assertSpecmapError(fn: () => unknown, code: string, mentions: string[]): SpecmapError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected SpecmapError ${code}, nothing was thrown`);
  assert.ok(caught instanceof SpecmapError, `expected SpecmapError ${code}, got ${String(caught)}`);
  const e = caught as SpecmapError;
  assert.equal(e.code, code, `wrong code for message: ${e.message}`);
  assert.ok(!e.message.includes('\n'), `message must be one line: ${e.message}`);
  for (const s of mentions) assert.ok(e.message.includes(s), `message ${JSON.stringify(e.message)} should mention ${JSON.stringify(s)}`);
  if (process.env.SPECMAP_SHOW_ERRORS) console.log(`[${e.code}] ${e.message}`);
  return e;
}

/** sha256 of the concatenation of files, by the system's sha256sum (independent of node:crypto). */
export function sha256sumOf(files: string[]): string {
  const out = execFileSync('bash', ['-c', 'cat "$@" | sha256sum', 'sha', ...files], { encoding: 'utf8' });
  return out.split(/\s+/)[0];
}

/** Build a small synthetic aXis2000 stack: header + frames with value(y,x,e) = 1000 + 100 y + 10 x + e + 0.25. */
export function writeSyntheticStxm(
  dir: string,
  opts: { width?: number; height?: number; energies?: number[]; stem?: string } = {},
): { hdr: string; width: number; height: number; energies: number[]; value: (y: number, x: number, e: number) => number } {
  const width = opts.width ?? 4;
  const height = opts.height ?? 3;
  const energies = opts.energies ?? [700, 700.5, 701.25, 702, 705.5];
  const stem = opts.stem ?? 'synth';
  const xs = Array.from({ length: width }, (_, i) => (-10 + 0.1 * i).toFixed(3));
  const ys = Array.from({ length: height }, (_, i) => (5 + 0.1 * i).toFixed(3));
  const hdrText =
    `ScanDefinition = { Label = "${stem}.hdr"; Type = "NEXAFS Image Scan"; Flags = "Image Stack"; Dwell = 1.5;\n` +
    `\tRegions = (1,\n{\n\t\t\tPAxis = { Name = "Sample X"; Unit = "um"; Min = 0; Max = 1; Dir = 1;\n` +
    `\t\t\t\tPoints = (${width}, ${xs.join(', ')});\n};\n\n` +
    `\t\t\tQAxis = { Name = "Sample Y"; Unit = "um"; Min = 0; Max = 1; Dir = 1;\n` +
    `\t\t\t\tPoints = (${height}, ${ys.join(', ')});\n};\n});\n\n` +
    `\tStackAxis = { Name = "Energy"; Unit = "eV"; Min = 700; Max = 730; Dir = 1;\n` +
    `\t\tPoints = (${energies.length}, ${energies.map((e) => e.toFixed(3)).join(', ')});\n};\n\n` +
    `\tChannels = (1,\n{ Name = "counter1"; Unit = "counts";});\n};\n` +
    ` Time = "2007 December 14 18:52:00"; BeamFeedback = true;\n StorageRingCurrent = 300.5;\n` +
    energies
      .slice(1)
      .map((_, i) => `Image${i + 2} = {StorageRingCurrent = ${(300 - i).toFixed(2)}; Time = "t";};\n`)
      .join('');
  const hdr = path.join(dir, `${stem}.hdr`);
  fs.writeFileSync(hdr, hdrText);
  const value = (y: number, x: number, e: number): number => 1000 + 100 * y + 10 * x + e + 0.25;
  energies.forEach((_, e) => {
    const lines: string[] = [];
    for (let y = 0; y < height; y++) {
      const row: string[] = [];
      for (let x = 0; x < width; x++) row.push(value(y, x, e).toFixed(6));
      lines.push(row.join('\t'));
    }
    fs.writeFileSync(path.join(dir, `${stem}_a${String(e).padStart(3, '0')}.xim`), lines.join('\n') + '\n');
  });
  return { hdr, width, height, energies, value };
}
