// What-if for the proposed @specmap/io patch (readNpyStack reading float32 .npy files straight into
// allocateCube memory): preload with `node -r ./bench/io-shim.cjs packages/cli/bin/specmap.js analyze x.npy ...`.
// Only for `.npy` inputs without --energies/--axis options; benchmark use only.
const path = require('path');
const cliDir = path.join(__dirname, '..', 'packages', 'cli');
const ioPath = require.resolve('@specmap/io', { paths: [cliDir] });
const io = require(ioPath);
const K = require(require.resolve('@specmap/kernels', { paths: [cliDir] }));
const patched = { ...io };
patched.readStack = (file, options) => {
  if (!file.endsWith('.npy')) return io.readStack(file, options);
  const r = K.readIntoCube(file);
  const [height, width, m] = r.shape;
  const energies = new Float64Array(m);
  for (let e = 0; e < m; e++) energies[e] = e;
  return {
    data: r.data, energies, width, height,
    metadata: { quantity: 'values as stored in the .npy file', source: file, sha256: r.sha256, format: 'NumPy .npy (<f4, H×W×E)', dtype: '<f4', energyUnit: 'channel index', steps: [], warnings: [] },
  };
};
require.cache[ioPath].exports = patched;
