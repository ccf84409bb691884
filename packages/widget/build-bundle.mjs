// Builds bundle/specmap-widget.js: the view as one IIFE (global `specmapWidget`)
// for the standalone report. No module imports, no external URLs at runtime.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

const here = path.dirname(fileURLToPath(import.meta.url));
const outfile = path.join(here, 'bundle', 'specmap-widget.js');

await build({
  entryPoints: [path.join(here, 'src', 'browser.ts')],
  outfile,
  bundle: true,
  format: 'iife',
  globalName: 'specmapWidget',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  legalComments: 'none',
  sourcemap: false,
  charset: 'utf8',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});

const text = fs.readFileSync(outfile, 'utf8');
const kb = (Buffer.byteLength(text) / 1024).toFixed(0);
console.log(`bundle/specmap-widget.js ${kb} KiB`);
