import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, describe } from 'node:test';
import { readSpectrum, readEnergies, writeComponentsCsv, sha256File, parseNumber } from '../src';
import { STXM_DIR, assertSpecmapError, python, sha256sumOf, tempDir } from './helpers';

describe('readSpectrum', () => {
  test('i0.xsp: Fortran E-notation, whitespace separated, compared with numpy.loadtxt', () => {
    const f = path.join(STXM_DIR, 'i0.xsp');
    const s = readSpectrum(f);
    const ref = python(`import sys, numpy as np\na = np.loadtxt(sys.argv[1])\nprint(' '.join(repr(float(v)) for v in a.ravel()))`, f)
      .trim()
      .split(' ')
      .map(Number);
    assert.equal(s.energies.length * 2, ref.length);
    for (let i = 0; i < s.energies.length; i++) {
      assert.equal(s.energies[i], ref[2 * i]);
      assert.equal(s.values[i], ref[2 * i + 1]);
    }
  });

  test('comma separated with header lines, # comments, separators and extra columns', (t) => {
    const dir = tempDir(t);
    const f = path.join(dir, 'ref spectrum.csv');
    fs.writeFileSync(
      f,
      '#%Name: test \xe9\n# energy, mu\nenergy,mu,extra\n=====\n7000.5, 1.5e-1, 9\n\n7001,2.5D0 # inline comment\r\n7002.0;3\nfoo 1\n',
      'latin1',
    );
    const s = readSpectrum(f);
    assert.equal(s.name, 'ref spectrum.csv');
    assert.deepEqual(Array.from(s.energies), [7000.5, 7001, 7002]);
    assert.deepEqual(Array.from(s.values), [0.15, 2.5, 3]);
  });

  test('fewer than 2 rows, missing file', (t) => {
    const dir = tempDir(t);
    const f = path.join(dir, 'one.txt');
    fs.writeFileSync(f, 'energy value\n700 1\n');
    assertSpecmapError(() => readSpectrum(f), 'FORMAT', [f, '1 data row']);
    assertSpecmapError(() => readSpectrum(path.join(dir, 'none.xsp')), 'ENOENT', ['none.xsp']);
  });
});

describe('readEnergies', () => {
  test('blank lines ignored; non-numeric line → PARSE with line number', (t) => {
    const dir = tempDir(t);
    const f = path.join(dir, 'e.txt');
    fs.writeFileSync(f, '\n700\n700.375\r\n\n7.0075E+2\n');
    assert.deepEqual(Array.from(readEnergies(f)), [700, 700.375, 700.75]);
    const g = path.join(dir, 'bad.txt');
    fs.writeFileSync(g, '700\n701\n702 eV\n');
    assertSpecmapError(() => readEnergies(g), 'PARSE', [g, 'line 3', "'702 eV'"]);
    const h = path.join(dir, 'empty.txt');
    fs.writeFileSync(h, '\n\n');
    assertSpecmapError(() => readEnergies(h), 'FORMAT', [h]);
  });
});

describe('parseNumber', () => {
  test('strict decimal parsing', () => {
    assert.equal(parseNumber('7.0000000E+2'), 700);
    assert.equal(parseNumber('-1.5d-3'), -0.0015);
    assert.equal(parseNumber('.5'), 0.5);
    assert.equal(parseNumber('5.'), 5);
    for (const bad of ['', '0x10', 'Infinity', 'nan', '1e', '1.2.3', '12abc', '--1']) assert.ok(Number.isNaN(parseNumber(bad)), bad);
  });
});

describe('writeComponentsCsv', () => {
  test('header energy,c0..c{K-1}; values round-trip exactly (read back by numpy)', (t) => {
    const dir = tempDir(t);
    const f = path.join(dir, 'components.csv');
    const energies = new Float64Array([700, 700.375, 701.1]);
    const k = 2;
    const components = new Float64Array([0.1, 1 / 3, -2e-17, Math.PI, 123456.789012345, Math.E]); // k×m row-major
    writeComponentsCsv(f, energies, components, k);
    const lines = fs.readFileSync(f, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'energy,c0,c1');
    assert.equal(lines.length, 4);
    for (let e = 0; e < 3; e++) {
      const cells = lines[e + 1].split(',').map(Number);
      assert.equal(cells[0], energies[e]);
      assert.equal(cells[1], components[e]);
      assert.equal(cells[2], components[3 + e]);
    }
    const np = python(`import sys, numpy as np\na = np.loadtxt(sys.argv[1], delimiter=',', skiprows=1)\nprint(repr(float(a[1, 1])), a.shape)`, f).trim();
    assert.equal(np, `${1 / 3} (3, 3)`);
    assertSpecmapError(() => writeComponentsCsv(f, energies, components, 3), 'SHAPE', ['components.csv', '3×3']);
  });
});

describe('sha256File', () => {
  test('matches sha256sum', () => {
    const f = path.join(STXM_DIR, '71214078_a000.xim');
    assert.equal(sha256File(f), sha256sumOf([f]));
    assert.equal(sha256File(path.join(STXM_DIR, 'i0.xsp')), '3708cc34f2130b7013c9a7b62cd8fcbb95267bfabbad664108894e38d2a11df4');
  });
  test('missing file', (t) => {
    const f = path.join(tempDir(t), 'gone.bin');
    assertSpecmapError(() => sha256File(f), 'ENOENT', [f]);
  });
});
