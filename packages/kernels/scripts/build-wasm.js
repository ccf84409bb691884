#!/usr/bin/env node
// Compile assembly/index.ts to dist/kernels.wasm with AssemblyScript (SIMD + threads,
// imported shared memory, no runtime, no static data). Part of `npm run build`.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
// KERNELS_WASM_OUT=<dir> builds elsewhere (the tests check that a fresh build reproduces dist/kernels.wasm).
const outDir = process.env.KERNELS_WASM_OUT ? path.resolve(process.env.KERNELS_WASM_OUT) : path.join(root, 'dist');
fs.mkdirSync(outDir, { recursive: true });
const asc = require.resolve('assemblyscript/bin/asc.js', { paths: [root] });
const args = [
  asc,
  'assembly/index.ts',
  '--outFile', path.join(outDir, 'kernels.wasm'),
  '--textFile', path.join(outDir, 'kernels.wat'),
  '--enable', 'simd,threads',
  '--importMemory',
  '--sharedMemory',
  '--initialMemory', '1',
  '--maximumMemory', '65536',
  '--runtime', 'stub',
  '--noAssert',
  '--use', 'abort=',
  '--optimizeLevel', '3',
  '--shrinkLevel', '0',
];
execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
const wasm = fs.readFileSync(path.join(outDir, 'kernels.wasm'));
console.log(`kernels.wasm: ${wasm.length} bytes`);
