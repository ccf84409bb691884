#!/usr/bin/env node
// Compile assembly/index.ts to dist/kernels.wasm with AssemblyScript (SIMD + threads,
// imported shared memory, no runtime, no static data). Part of `npm run build`.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
const asc = require.resolve('assemblyscript/bin/asc.js', { paths: [root] });
const args = [
  asc,
  'assembly/index.ts',
  '--outFile', 'dist/kernels.wasm',
  '--textFile', 'dist/kernels.wat',
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
const wasm = fs.readFileSync(path.join(root, 'dist', 'kernels.wasm'));
console.log(`kernels.wasm: ${wasm.length} bytes`);
