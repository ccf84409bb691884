/**
 * The renderer in a real browser: the compiled extension (lib/index.js) is
 * bundled with esbuild together with @lumino/widgets, a mime model is
 * rendered into a Lumino widget on a dark-themed JupyterLab-like page, a
 * pixel is clicked, and bad payloads show an error instead of throwing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { encodeResultBase64 } from '@specmap/arrow';
import { syntheticResult } from '../../widget/test/synthetic';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

test('renderModel draws the view in a Lumino widget; clicks select pixels; errors are shown', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-renderer-'));
  const entry = path.join(dir, 'entry.js');
  const libIndex = path.join(__dirname, '..', 'lib', 'index.js');
  fs.writeFileSync(
    entry,
    `import ext from ${JSON.stringify(libIndex)};
import { Widget } from '@lumino/widgets';
window.ext = ext;
window.render = async (data, host) => {
  const r = ext.rendererFactory.createRenderer({ mimeType: ext.rendererFactory.mimeTypes[0], sanitizer: {}, resolver: null, linkHandler: null, latexTypesetter: null });
  Widget.attach(r, document.getElementById(host));
  await r.renderModel({ data: { [ext.rendererFactory.mimeTypes[0]]: data }, metadata: {}, trusted: true, setData() {} });
  return r;
};`,
  );
  await build({ entryPoints: [entry], bundle: true, format: 'iife', outfile: path.join(dir, 'bundle.js'), logLevel: 'error',
    nodePaths: [path.join(__dirname, '..', 'node_modules'), path.join(__dirname, '..', '..', '..', 'node_modules')] });
  const payload = encodeResultBase64(syntheticResult({ width: 30, height: 20, m: 40 }));
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    `<!DOCTYPE html><html><head><meta charset="utf-8">
<style>:root { --jp-layout-color1: #111111; --jp-ui-font-color1: rgba(255,255,255,0.87); }</style></head>
<body data-jp-theme-light="false"><div id="a"></div><div id="b"></div>
<script src="bundle.js"></script></body></html>`,
  );
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  const problems: string[] = [];
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(pathToFileURL(path.join(dir, 'index.html')).href);
    const info = await page.evaluate(async (data) => {
      const w = (window as any);
      const ext = w.ext;
      await w.render(data, 'a');
      const root = document.querySelector('#a .jp-SpecmapRenderer .specmap-view') as HTMLElement;
      const canvas = root.querySelector('canvas') as HTMLCanvasElement;
      return {
        id: ext.id, mime: ext.rendererFactory.mimeTypes, safe: ext.rendererFactory.safe, dataType: ext.dataType,
        rank: ext.rendererFactory.defaultRank, scale: canvas.dataset.scale, component: canvas.dataset.component,
        svg: !!root.querySelector('.specmap-chart-components svg'),
      };
    }, payload);
    assert.equal(info.id, '@specmap/jupyterlab:plugin');
    assert.deepEqual(info.mime, ['application/vnd.specmap.result.v1+arrow']);
    assert.equal(info.safe, true);
    assert.equal(info.dataType, 'string');
    assert.equal(info.rank, 0);
    assert.equal(info.component, '0');
    assert.ok(info.svg, 'components chart drawn');
    const scale = Number(info.scale);
    await page.locator('#a .specmap-view canvas').first().click({ position: { x: 7.5 * scale, y: 4.5 * scale } });
    await page.waitForFunction(() => document.querySelector('#a .specmap-view')!.getAttribute('data-spectrum') === '7,4');
    const text = await page.textContent('#a .specmap-pixel-info');
    assert.match(text!, /Pixel \(7, 4\)/);
    // Dark theme: the reconstruction line is drawn in a light ink.
    const dark = await page.evaluate(() => {
      const root = document.querySelector('#a .specmap-view')!;
      const c = root.querySelector('.specmap-chart-pixel canvas') as HTMLCanvasElement;
      // Brightest pixel of the plot: the light ink of the reconstruction line.
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let max = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200) max = Math.max(max, Math.min(d[i], d[i + 1], d[i + 2]));
      return { theme: root.getAttribute('data-theme'), max };
    });
    assert.equal(dark.theme, 'dark');
    assert.ok(dark.max > 220, `no light ink in the pixel chart (brightest ${dark.max})`);
    // A corrupt payload shows an error message in the output instead of throwing.
    const err = await page.evaluate(async () => {
      await (window as any).render('bm90IGFycm93', 'b');
      return document.querySelector('#b .jp-SpecmapRenderer-error')?.textContent ?? '';
    });
    assert.match(err, /cannot be shown/);
    // Regions: read from the output metadata, written back through model.setData.
    const regions = await page.evaluate(async (data) => {
      const w = window as any;
      const mime = w.ext.rendererFactory.mimeTypes[0];
      const host = document.createElement('div');
      host.id = 'c';
      document.body.appendChild(host);
      let saved: any = null;
      const model = {
        data: { [mime]: data }, trusted: true,
        metadata: { [mime]: { regions: [{ name: 'R1', kind: 'rect', points: [[2, 2], [6, 5]] }] } },
        setData(o: any) { saved = o.metadata; this.metadata = o.metadata; },
      };
      const r = w.ext.rendererFactory.createRenderer({ mimeType: mime, sanitizer: {}, resolver: null, linkHandler: null, latexTypesetter: null });
      const { Widget } = w;
      host.appendChild(r.node);
      await r.renderModel(model);
      const root = host.querySelector('.specmap-view') as HTMLElement;
      const before = root.getAttribute('data-regions');
      await r.view.addRegion({ name: 'R2', kind: 'polygon', points: [[10, 3], [20, 3], [15, 12]] });
      await r.renderModel(model); // the output area re-renders after setData: the view stays
      return { before, after: host.querySelector('.specmap-view')!.getAttribute('data-regions'), saved, same: host.querySelector('.specmap-view') === root };
    }, payload);
    assert.equal(regions.before, '1');
    assert.equal(regions.after, '2');
    assert.ok(regions.same, 'the view is kept across the metadata re-render');
    assert.deepEqual(regions.saved['application/vnd.specmap.result.v1+arrow'].regions.map((g: any) => g.name), ['R1', 'R2']);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
