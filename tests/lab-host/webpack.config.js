// Webpack config of the test JupyterLab page. Loaders come from
// @jupyterlab/builder's base config; Build.ensureAssets copies the extensions'
// settings schemas and themes into build/ and writes build/style.js.
const path = require('path');
const { merge } = require('webpack-merge');
const { Build } = require('@jupyterlab/builder');
const baseConfig = require('@jupyterlab/builder/lib/webpack.config.base');

const pkg = require('./package.json');
const buildDir = path.join(__dirname, 'build');

const assetConfigs = Build.ensureAssets({
  packageNames: pkg.jupyterlab.extensions,
  output: buildDir
});

// One copy of each singleton: @lumino/application may carry a nested, newer
// @lumino/widgets; everything (the specmap renderer too) must share it.
const fromApplication = name =>
  path.dirname(
    require.resolve(`${name}/package.json`, {
      paths: [path.dirname(require.resolve('@lumino/application/package.json'))]
    })
  );

// Until @specmap/jupyterlab is built, SPECMAP_LAB_MIME_EXT may point at
// another mime extension folder (lib/index.js + style/index.css).
const alias = { '@lumino/widgets': fromApplication('@lumino/widgets') };
if (process.env.SPECMAP_LAB_MIME_EXT) {
  alias['@specmap/jupyterlab'] = path.resolve(process.env.SPECMAP_LAB_MIME_EXT);
}

module.exports = [
  merge(baseConfig, {
    mode: process.env.NODE_ENV === 'production' ? 'production' : 'development',
    entry: path.join(__dirname, 'index.js'),
    output: {
      path: buildDir,
      filename: 'bundle.js',
      chunkFilename: '[name].[contenthash].js',
      publicPath: 'auto'
    },
    devtool: false,
    resolve: {
      alias,
      // Hierarchical lookup first; the repository root as a fallback for
      // SPECMAP_LAB_MIME_EXT folders outside the tree.
      modules: ['node_modules', path.join(__dirname, '../../node_modules')]
    },
    performance: { hints: false },
    stats: 'errors-warnings'
  }),
  ...assetConfigs
];
