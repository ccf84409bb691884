/**
 * Checks the built federated extension (run `npm run build -w @specmap/jupyterlab` first):
 * JupyterLab's loader metadata, the remote entry, and that @lumino/widgets is
 * consumed from JupyterLab (shared singleton) rather than bundled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

const pkgDir = path.join(__dirname, '..');
const labext = path.join(pkgDir, 'labext');

function readJson(p: string): any {
  return JSON.parse(fs.readFileSync(p, 'utf8'));
}

test('labext/package.json carries the federated build metadata', () => {
  const meta = readJson(path.join(labext, 'package.json'));
  assert.equal(meta.name, '@specmap/jupyterlab');
  assert.equal(meta.jupyterlab.mimeExtension, true);
  const build = meta.jupyterlab._build;
  assert.ok(build, 'jupyterlab._build missing');
  assert.match(build.load, /^static\/remoteEntry\.[0-9a-f]+\.js$/);
  assert.equal(build.mimeExtension, './mimeExtension');
  assert.equal(build.style, './style');
  assert.ok(fs.existsSync(path.join(labext, build.load)), `${build.load} does not exist`);
});

test('@lumino/widgets is consumed as a shared singleton, not bundled', () => {
  const meta = readJson(path.join(labext, 'package.json'));
  const remote = fs.readFileSync(path.join(labext, meta.jupyterlab._build.load), 'utf8');
  // The container consumes the module with no fallback factory: ("default","@lumino/widgets",!1,[1,2,...])
  const m = /\("default","@lumino\/widgets",(!0|!1|true|false),\[([0-9,]+)\]\)/.exec(remote);
  assert.ok(m, 'remoteEntry does not consume @lumino/widgets as a shared module without fallback');
  assert.equal(m[2].split(',')[1], '2', 'required major version of @lumino/widgets should be 2');
  // And no chunk contains the library itself (a string only its TabBar renderer has).
  const luminoSource = fs.readFileSync(require.resolve('@lumino/widgets/dist/index.js'), 'utf8');
  assert.ok(luminoSource.includes('lm-TabBar-tab'), 'marker string no longer in @lumino/widgets; update the test');
  for (const f of fs.readdirSync(path.join(labext, 'static'))) {
    if (!f.endsWith('.js')) continue;
    const text = fs.readFileSync(path.join(labext, 'static', f), 'utf8');
    assert.ok(!text.includes('lm-TabBar-tab'), `${f} bundles @lumino/widgets`);
  }
});

test('the mime extension is exposed and the renderer code is in the build', () => {
  const meta = readJson(path.join(labext, 'package.json'));
  const remote = fs.readFileSync(path.join(labext, meta.jupyterlab._build.load), 'utf8');
  assert.ok(remote.includes('"./mimeExtension"'), 'remoteEntry does not expose ./mimeExtension');
  assert.ok(remote.includes('"./style"'), 'remoteEntry does not expose ./style');
  const all = fs
    .readdirSync(path.join(labext, 'static'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => fs.readFileSync(path.join(labext, 'static', f), 'utf8'))
    .join('\n');
  assert.ok(all.includes('application/vnd.specmap.result.v1+arrow'), 'SPECMAP_MIME not found in the build');
  assert.ok(all.includes('@specmap/jupyterlab:plugin'), 'extension id not found in the build');
});

test('the compiled entry exports the IRenderMime.IExtension', () => {
  // lib/index.js is what hosts import statically (import ext from '@specmap/jupyterlab').
  const pkg = readJson(path.join(pkgDir, 'package.json'));
  assert.equal(pkg.main, 'lib/index.js');
  const src = fs.readFileSync(path.join(pkgDir, pkg.main), 'utf8');
  assert.match(src, /exports\.default = extension/);
  const dts = fs.readFileSync(path.join(pkgDir, 'lib', 'index.d.ts'), 'utf8');
  assert.match(dts, /export default extension/);
  assert.ok(fs.existsSync(path.join(pkgDir, 'style', 'index.css')));
  assert.ok(fs.existsSync(path.join(pkgDir, 'style', 'index.js')));
});
