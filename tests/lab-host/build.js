// node build.js: build the test JupyterLab page into build/ (see webpack.config.js).
const fs = require('fs');
const path = require('path');
const webpack = require('webpack');

const buildDir = path.join(__dirname, 'build');
const t0 = Date.now();
fs.rmSync(buildDir, { recursive: true, force: true });
const config = require('./webpack.config.js');
webpack(config, (err, stats) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  const text = stats.toString({ all: false, errors: true, warnings: true, colors: false });
  if (text.trim()) console.log(text);
  if (stats.hasErrors()) process.exit(1);
  // Stamp of the inputs, so callers can skip a rebuild when nothing changed.
  fs.writeFileSync(path.join(buildDir, 'build-ok'), new Date().toISOString() + '\n');
  console.log(`lab-host: built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});
