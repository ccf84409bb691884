#!/usr/bin/env node
'use strict';
// The `specmap` command. The TypeScript sources live in ../src; `npm ci` at the
// repository root builds them (the root `prepare` script).
let cli;
try {
  cli = require('../dist/main.js');
} catch (err) {
  process.stderr.write('specmap: not built yet (run `npm run build` at the repository root)\n');
  process.exit(70);
}
cli.main(process.argv.slice(2)).then((code) => process.exit(code));
