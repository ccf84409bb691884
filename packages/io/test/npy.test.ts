import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, describe } from 'node:test';
import { readNpy, readNpyStack, readStack, writeNpy, readEnergies } from '../src';
import { assertSpecmapError, python, tempDir } from './helpers';

/** Distinct value per (y, x, e), exactly representable in float32. */
const val = (y: number, x: number, e: number): number => 1000 * y + 10 * x + e + 0.5;

/** Make H×W×E cubes with numpy: value = 1000 y + 10 x + e + 0.5 (so order mistakes show). */
const MAKE = `
import sys, numpy as np
out, dtype, H, W, E = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
y, x, e = np.meshgrid(np.arange(H), np.arange(W), np.arange(E), indexing='ij')
a = (1000*y + 10*x + e + 0.5).astype(dtype)
version = tuple(int(v) for v in sys.argv[6].split('.')) if len(sys.argv) > 6 else None
with open(out, 'wb') as f:
    np.lib.format.write_array(f, a, version=version)
`;

describe('readNpy / readNpyStack on numpy-written files', () => {
  for (const dtype of ['<f4', '<f8']) {
    for (const version of ['1.0', '2.0', '3.0']) {
      test(`${dtype} v${version} H×W×E order`, (t) => {
        const dir = tempDir(t);
        const f = path.join(dir, 'cube.npy');
        python(MAKE, f, dtype, '3', '4', '5', version);
        const arr = readNpy(f);
        assert.deepEqual(arr.shape, [3, 4, 5]);
        assert.equal(arr.dtype, dtype);
        const stack = readNpyStack(f);
        assert.equal(stack.height, 3);
        assert.equal(stack.width, 4);
        assert.deepEqual(Array.from(stack.energies), [0, 1, 2, 3, 4]);
        assert.equal(stack.metadata.energyUnit, 'channel index');
        for (let y = 0; y < 3; y++)
          for (let x = 0; x < 4; x++)
            for (let e = 0; e < 5; e++) assert.equal(stack.data[(y * 4 + x) * 5 + e], val(y, x, e), `(${y},${x},${e})`);
      });
    }
  }

  test('f8 values are rounded to float32 (checked against numpy astype)', (t) => {
    const dir = tempDir(t);
    const f = path.join(dir, 'frac.npy');
    const out = python(
      `import sys, numpy as np\na = (np.arange(24, dtype='<f8').reshape(2, 3, 4) / 7.0)\nnp.save(sys.argv[1], a)\nprint(' '.join(repr(float(v)) for v in a.astype('<f4').ravel()))`,
      f,
    );
    const expected = out.trim().split(' ').map(Number);
    const arr = readNpy(f);
    assert.deepEqual(Array.from(arr.data), expected);
  });

  test('energies option: used when length matches, error when it does not', (t) => {
    const dir = tempDir(t);
    const f = path.join(dir, 'cube.npy');
    python(MAKE, f, '<f4', '2', '3', '4');
    const ef = path.join(dir, 'energies.txt');
    fs.writeFileSync(ef, '700\n\n700.5\n701\n702.25\n');
    const energies = readEnergies(ef);
    const s = readStack(f, { energies });
    assert.deepEqual(Array.from(s.energies), [700, 700.5, 701, 702.25]);
    assert.equal(s.metadata.energyUnit, 'eV');
    assertSpecmapError(() => readNpyStack(f, new Float64Array([1, 2, 3])), 'ENERGY_MISMATCH', [f, '4 energy channels', '3 energies']);
    assertSpecmapError(() => readStack(f, { energies: new Float64Array(5) }), 'ENERGY_MISMATCH', [f]);
  });
});

describe('writeNpy', () => {
  for (const kind of ['f4', 'f8'] as const) {
    test(`${kind}: numpy loads what we write; header padded to 64 bytes; round trip`, (t) => {
      const dir = tempDir(t);
      const f = path.join(dir, `w-${kind}.npy`);
      const H = 3, W = 2, E = 7;
      const data = kind === 'f4' ? new Float32Array(H * W * E) : new Float64Array(H * W * E);
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) for (let e = 0; e < E; e++) data[(y * W + x) * E + e] = val(y, x, e) / (kind === 'f8' ? 3 : 1);
      writeNpy(f, data, [H, W, E]);
      const check = python(
        `import sys, numpy as np\na = np.load(sys.argv[1])\nH, W, E = a.shape\nfrom numpy.lib import format as fm\nwith open(sys.argv[1], 'rb') as fh:\n    v = fm.read_magic(fh); fm.read_array_header_1_0(fh); off = fh.tell()\ny, x, e = np.meshgrid(np.arange(H), np.arange(W), np.arange(E), indexing='ij')\nref = (1000*y + 10*x + e + 0.5) / (3.0 if a.dtype == np.float64 else 1.0)\nprint(a.dtype.str, a.shape, a.flags['C_CONTIGUOUS'], v, off % 64, bool(np.array_equal(a, ref.astype(a.dtype))))`,
        f,
      );
      assert.equal(check.trim(), `${kind === 'f4' ? '<f4' : '<f8'} (3, 2, 7) True (1, 0) 0 True`);
      const back = readNpy(f);
      assert.deepEqual(back.shape, [H, W, E]);
      assert.deepEqual(Array.from(back.data), Array.from(Float32Array.from(data)));
    });
  }

  test('1-D and 2-D shapes; shape/data mismatch is an error', (t) => {
    const dir = tempDir(t);
    const f1 = path.join(dir, 'v.npy');
    writeNpy(f1, new Float64Array([1, 2, 3]), [3]);
    const f2 = path.join(dir, 'm.npy');
    writeNpy(f2, new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    assert.equal(python(`import sys, numpy as np\nprint(np.load(sys.argv[1]).tolist(), np.load(sys.argv[2]).tolist())`, f1, f2).trim(), '[1.0, 2.0, 3.0] [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]');
    assertSpecmapError(() => writeNpy(path.join(dir, 'x.npy'), new Float32Array(5), [2, 3]), 'SHAPE', ['x.npy', '(2, 3)', '5']);
    assertSpecmapError(() => writeNpy(path.join(dir, 'no', 'such', 'dir.npy'), new Float32Array(1), [1]), 'EWRITE', ['dir.npy']);
  });
});

describe('readNpy bad input', () => {
  const cases: { name: string; script: string; code: string; mention: string }[] = [
    { name: '<i8 integers', script: `np.save(f, np.arange(6, dtype='<i8').reshape(1, 2, 3))`, code: 'NPY_DTYPE', mention: "'<i8'" },
    { name: '|b1 booleans', script: `np.save(f, np.ones((1, 2, 3), dtype=bool))`, code: 'NPY_DTYPE', mention: "'|b1'" },
    { name: 'big-endian >f4', script: `np.save(f, np.ones((1, 2, 3), dtype='>f4'))`, code: 'NPY_DTYPE', mention: 'big-endian' },
    { name: 'complex <c16', script: `np.save(f, np.ones((1, 2, 3), dtype='<c16'))`, code: 'NPY_DTYPE', mention: 'complex' },
    { name: 'structured dtype', script: `np.save(f, np.zeros(3, dtype=[('a', '<f4'), ('b', '<i4')]))`, code: 'NPY_DTYPE', mention: 'structured' },
    { name: 'fortran_order True', script: `np.save(f, np.asfortranarray(np.ones((2, 3, 4), dtype='<f4')))`, code: 'NPY_ORDER', mention: 'fortran_order' },
  ];
  for (const c of cases) {
    test(c.name, (t) => {
      const dir = tempDir(t);
      const f = path.join(dir, 'bad.npy');
      python(`import sys, numpy as np\nf = sys.argv[1]\n${c.script}`, f);
      assertSpecmapError(() => readNpy(f), c.code, [f, c.mention]);
    });
  }

  test('truncated data', (t) => {
    const dir = tempDir(t);
    const f = path.join(dir, 'cut.npy');
    python(MAKE, f, '<f4', '3', '4', '5');
    const bytes = fs.readFileSync(f);
    fs.writeFileSync(f, bytes.subarray(0, bytes.length - 10));
    assertSpecmapError(() => readNpy(f), 'TRUNCATED', [f, '240 bytes', 'found 230']);
    fs.writeFileSync(f, bytes.subarray(0, 40));
    assertSpecmapError(() => readNpy(f), 'TRUNCATED', [f, 'header']);
  });

  test('bad magic, unknown version', (t) => {
    const dir = tempDir(t);
    const f = path.join(dir, 'notnpy.npy');
    fs.writeFileSync(f, 'hello, this is text and not numpy at all');
    assertSpecmapError(() => readNpy(f), 'NPY_FORMAT', [f, 'magic']);
    const g = path.join(dir, 'v9.npy');
    fs.writeFileSync(g, Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([9, 0, 0, 0, 0, 0])]));
    assertSpecmapError(() => readNpy(g), 'NPY_FORMAT', [g, '9.0']);
  });

  test('2-D array is not a stack; missing file', (t) => {
    const dir = tempDir(t);
    const f = path.join(dir, 'flat.npy');
    python(`import sys, numpy as np\nnp.save(sys.argv[1], np.ones((4, 5), dtype='<f4'))`, f);
    assert.deepEqual(readNpy(f).shape, [4, 5]);
    assertSpecmapError(() => readNpyStack(f), 'SHAPE', [f, '3-D', '(4, 5)']);
    assertSpecmapError(() => readStack(f), 'SHAPE', [f]);
    const missing = path.join(dir, 'missing.npy');
    assertSpecmapError(() => readStack(missing), 'ENOENT', [`input file not found: ${missing}`]);
    assertSpecmapError(() => readNpy(missing), 'ENOENT', [missing]);
  });
});
