import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, describe, before } from 'node:test';
import type { SpectralStack } from '@specmap/core';
import { readStack, readStxm, readSpectrum, readEnergies, parseHdr } from '../src';
import {
  STXM_DIR,
  STXM_HDR,
  SHARED_ALIGNED,
  assertSpecmapError,
  sha256sumOf,
  tempDir,
  writeSyntheticStxm,
} from './helpers';

/** Independent reading of the StackAxis points: the regex suggested in PROVENANCE.md. */
function headerAxisByRegex(text: string, name: string): number[] {
  const m = new RegExp(`${name}\\s*=\\s*\\{[^}]*Points\\s*=\\s*\\(([^)]*)\\)`).exec(text);
  assert.ok(m, `no ${name} in header`);
  const nums = m[1].split(',').map((s) => Number(s.trim()));
  assert.equal(nums.length - 1, nums[0]);
  return nums.slice(1);
}

describe('readStxm on the bundled ALS Fe L-edge stack', () => {
  let stack: SpectralStack;
  before(() => {
    stack = readStack(STXM_HDR);
  });

  test('shape 125×125×123, energies equal Energy.txt and the header StackAxis', () => {
    assert.equal(stack.width, 125);
    assert.equal(stack.height, 125);
    assert.equal(stack.energies.length, 123);
    assert.equal(stack.data.length, 125 * 125 * 123);
    const energyTxt = fs
      .readFileSync(path.join(STXM_DIR, 'Energy.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number);
    assert.equal(energyTxt.length, 123);
    const hdrText = fs.readFileSync(STXM_HDR, 'latin1');
    const fromHeader = headerAxisByRegex(hdrText, 'StackAxis');
    for (let e = 0; e < 123; e++) {
      assert.equal(stack.energies[e], energyTxt[e], `channel ${e} vs Energy.txt`);
      assert.equal(stack.energies[e], fromHeader[e], `channel ${e} vs header`);
    }
    assert.equal(stack.energies[0], 700);
    assert.equal(stack.energies[122], 730.353);
    // readEnergies agrees too.
    assert.deepEqual(Array.from(readEnergies(path.join(STXM_DIR, 'Energy.txt'))), energyTxt);
  });

  test('every value agrees with the converted float32 cube (y, x, e) within 2e-5', () => {
    const raw = fs.readFileSync(path.join(SHARED_ALIGNED, '71214078_aligned_yxE_float32le.raw'));
    assert.equal(raw.length, 125 * 125 * 123 * 4);
    let maxDiff = 0;
    let worst = -1;
    for (let i = 0; i < stack.data.length; i++) {
      const d = Math.abs(raw.readFloatLE(i * 4) - stack.data[i]);
      if (d > maxDiff) {
        maxDiff = d;
        worst = i;
      }
    }
    assert.ok(maxDiff <= 2e-5, `max |diff| = ${maxDiff} at flat index ${worst}`);
    // Spot checks straight from the text frames (first line, first values of a000: 353, 371).
    assert.equal(stack.data[(0 * 125 + 0) * 123 + 0], 353);
    assert.equal(stack.data[(0 * 125 + 1) * 123 + 0], 371);
  });

  test('orientation: line y / column x of frame e → data[(y*W + x)*m + e]', () => {
    const frame = fs.readFileSync(path.join(STXM_DIR, '71214078_a060.xim'), 'latin1').split('\n');
    for (const [y, x] of [
      [0, 124],
      [124, 0],
      [17, 93],
      [88, 5],
    ]) {
      const expected = Number(frame[y].trim().split('\t')[x]);
      assert.ok(Math.abs(stack.data[(y * 125 + x) * 123 + 60] - expected) <= 1e-4 * Math.abs(expected));
    }
  });

  test('metadata: quantity, source, sha256 over .hdr + frames, axes in µm, scan info', () => {
    const md = stack.metadata;
    assert.equal(md.quantity, 'transmitted intensity (counts)');
    assert.equal(md.source, STXM_HDR);
    const frames = Array.from({ length: 123 }, (_, e) => path.join(STXM_DIR, `71214078_a${String(e).padStart(3, '0')}.xim`));
    assert.equal(md.sha256, sha256sumOf([STXM_HDR, ...frames]));
    const hdrText = fs.readFileSync(STXM_HDR, 'latin1');
    assert.deepEqual(Array.from(md.xUm!), headerAxisByRegex(hdrText, 'PAxis'));
    assert.deepEqual(Array.from(md.yUm!), headerAxisByRegex(hdrText, 'QAxis'));
    assert.ok(Math.abs(md.xUm![1] - md.xUm![0] - 0.08) < 1e-9);
    const scan = md.scan as Record<string, unknown>;
    assert.equal(scan.type, 'NEXAFS Image Scan');
    assert.equal(scan.dwellMs, 0.433);
    assert.equal(scan.startTime, '2007 December 14 18:52:00');
    const ring = scan.ringCurrentMa as number[];
    assert.equal(ring.length, 123);
    assert.equal(ring[0], 333.4);
    assert.equal(ring[1], 333.08);
    assert.equal(ring[122], 306.38);
    assert.deepEqual(md.steps, []);
    assert.deepEqual(md.warnings, []);
  });

  test('i0.xsp energies equal the stack energies; references share the grid', () => {
    const i0 = readSpectrum(path.join(STXM_DIR, 'i0.xsp'));
    assert.equal(i0.name, 'i0.xsp');
    assert.equal(i0.energies.length, 123);
    for (let e = 0; e < 123; e++) assert.ok(Math.abs(i0.energies[e] - stack.energies[e]) < 1e-9, `channel ${e}`);
    assert.equal(i0.values[0], 901.48397);
    for (const f of ['oxidized.r', 'reduced.r', 'oxidized.t', 'reduced.t']) {
      const s = readSpectrum(path.join(STXM_DIR, f));
      assert.equal(s.energies.length, 123, f);
      assert.ok(Math.abs(s.energies[122] - 730.353) < 1e-9, f);
    }
  });
});

describe('aXis2000 header parser', () => {
  test('nested blocks, lists, strings, numbers and booleans', () => {
    const h = parseHdr(
      'A = { B = "x;y"; C = (2, 1.5, -2e3); D = { E = true; F = bare; }; };\nG = 3;\nH = (1,\n{ I = 4;});',
      'mem.hdr',
    );
    assert.deepEqual(h, { A: { B: 'x;y', C: [2, 1.5, -2000], D: { E: true, F: 'bare' } }, G: 3, H: [1, { I: 4 }] });
  });

  test('malformed header names the file and line', (t) => {
    const dir = tempDir(t);
    const f = path.join(dir, 'bad.hdr');
    fs.writeFileSync(f, 'A = { B = 1;\nC = (1, 2;\n};');
    assertSpecmapError(() => readStxm(f), 'HDR', [f, 'line 2']);
  });

  test('Points count that disagrees with the listed values', (t) => {
    const dir = tempDir(t);
    const { hdr } = writeSyntheticStxm(dir);
    const text = fs.readFileSync(hdr, 'utf8').replace('Points = (5, ', 'Points = (6, ');
    fs.writeFileSync(hdr, text);
    assertSpecmapError(() => readStxm(hdr), 'HDR', [hdr, 'StackAxis', '6', '5']);
  });
});

describe('readStxm on synthetic stacks', () => {
  test('reads values, axes and orientation exactly', (t) => {
    const dir = tempDir(t);
    const s = writeSyntheticStxm(dir, { width: 4, height: 3 });
    const stack = readStxm(s.hdr);
    assert.equal(stack.width, 4);
    assert.equal(stack.height, 3);
    assert.deepEqual(Array.from(stack.energies), s.energies);
    const m = s.energies.length;
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 4; x++)
        for (let e = 0; e < m; e++) assert.equal(stack.data[(y * 4 + x) * m + e], s.value(y, x, e));
    assert.deepEqual(Array.from(stack.metadata.yUm!), [5, 5.1, 5.2]);
    assert.equal((stack.metadata.scan as Record<string, unknown>).ringCurrentMa instanceof Array, true);
  });

  test('truncated .xim (copy of the real stack, last frame cut mid-line) → SHAPE naming the frame', (t) => {
    const dir = tempDir(t);
    for (const f of fs.readdirSync(STXM_DIR)) {
      if (f.endsWith('.xim') || f.endsWith('.hdr')) fs.copyFileSync(path.join(STXM_DIR, f), path.join(dir, f));
    }
    const victim = path.join(dir, '71214078_a122.xim');
    const bytes = fs.readFileSync(victim);
    fs.writeFileSync(victim, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const err = assertSpecmapError(() => readStxm(path.join(dir, '71214078.hdr')), 'SHAPE', [victim, '125']);
    assert.match(err.message, /truncated/);
    // The bundled originals are untouched.
    assert.equal(fs.statSync(path.join(STXM_DIR, '71214078_a122.xim')).size, bytes.length);
  });

  test('a frame without a final newline is read, with a warning naming it', (t) => {
    const dir = tempDir(t);
    const s = writeSyntheticStxm(dir);
    const f = path.join(dir, 'synth_a004.xim');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').trimEnd());
    const stack = readStxm(s.hdr);
    assert.equal(stack.data[stack.data.length - 1], s.value(2, 3, 4));
    const w = stack.metadata.warnings as string[];
    assert.equal(w.length, 1);
    assert.ok(w[0].includes(f));
  });

  test('truncated at a line boundary → SHAPE with rows found vs expected', (t) => {
    const dir = tempDir(t);
    const s = writeSyntheticStxm(dir, { width: 4, height: 3 });
    const f = path.join(dir, 'synth_a002.xim');
    const lines = fs.readFileSync(f, 'utf8').split('\n');
    fs.writeFileSync(f, lines.slice(0, 2).join('\n') + '\n');
    assertSpecmapError(() => readStxm(s.hdr), 'SHAPE', [f, 'has 2 rows', 'expects 3']);
  });

  test('missing frame in the middle → FRAME_MISSING naming the frame', (t) => {
    const dir = tempDir(t);
    const s = writeSyntheticStxm(dir);
    const f = path.join(dir, 'synth_a002.xim');
    fs.rmSync(f);
    assertSpecmapError(() => readStxm(s.hdr), 'FRAME_MISSING', [f, 'synth.hdr', '5 energies']);
  });

  test('extra energy in the header (one frame fewer than energies) → FRAME_COUNT', (t) => {
    const dir = tempDir(t);
    const s = writeSyntheticStxm(dir);
    const text = fs.readFileSync(s.hdr, 'utf8').replace('Points = (5, 700.000,', 'Points = (6, 699.500, 700.000,');
    fs.writeFileSync(s.hdr, text);
    assertSpecmapError(() => readStxm(s.hdr), 'FRAME_COUNT', [s.hdr, '6 energies', '5 frames', 'synth_a005.xim']);
  });

  test('more frames than header energies → FRAME_COUNT', (t) => {
    const dir = tempDir(t);
    const s = writeSyntheticStxm(dir);
    fs.copyFileSync(path.join(dir, 'synth_a000.xim'), path.join(dir, 'synth_a005.xim'));
    assertSpecmapError(() => readStxm(s.hdr), 'FRAME_COUNT', [s.hdr, '5 energies', '6 frames', 'synth_a005.xim']);
  });

  test('frame with the wrong width → SHAPE naming the file and line', (t) => {
    const dir = tempDir(t);
    const s = writeSyntheticStxm(dir);
    const f = path.join(dir, 'synth_a003.xim');
    const lines = fs.readFileSync(f, 'utf8').split('\n');
    lines[1] += '\t1.0';
    fs.writeFileSync(f, lines.join('\n'));
    assertSpecmapError(() => readStxm(s.hdr), 'SHAPE', [f, 'line 2', 'has 5 values', 'expects 4']);
  });

  test('non-numeric value → PARSE naming the file, line and column', (t) => {
    const dir = tempDir(t);
    const s = writeSyntheticStxm(dir);
    const f = path.join(dir, 'synth_a001.xim');
    const lines = fs.readFileSync(f, 'utf8').split('\n');
    const cells = lines[2].split('\t');
    cells[3] = 'nan';
    lines[2] = cells.join('\t');
    fs.writeFileSync(f, lines.join('\n'));
    assertSpecmapError(() => readStxm(s.hdr), 'PARSE', [f, 'line 3', 'column 4', "'nan'"]);
  });

  test('missing header and unknown extension', (t) => {
    const dir = tempDir(t);
    const missing = path.join(dir, 'nope.hdr');
    assertSpecmapError(() => readStack(missing), 'ENOENT', [`input file not found: ${missing}`]);
    assertSpecmapError(() => readStxm(missing), 'ENOENT', [missing]);
    const odd = path.join(dir, 'stack.xyz');
    fs.writeFileSync(odd, 'x');
    assertSpecmapError(() => readStack(odd), 'FORMAT', [odd, '.xyz', '.hdr', '.npy', '.tif', '.h5']);
  });

  test('readStack(.hdr) with energies that disagree with the header → ENERGY_MISMATCH', (t) => {
    const dir = tempDir(t);
    const s = writeSyntheticStxm(dir);
    assertSpecmapError(() => readStack(s.hdr, { energies: new Float64Array(4) }), 'ENERGY_MISMATCH', [s.hdr, '5', '4']);
    const shifted = Float64Array.from(s.energies, (e) => e + 0.5);
    assertSpecmapError(() => readStack(s.hdr, { energies: shifted }), 'ENERGY_MISMATCH', [s.hdr, 'channel 0']);
    const ok = readStack(s.hdr, { energies: Float64Array.from(s.energies) });
    assert.equal(ok.energies.length, 5);
  });
});
