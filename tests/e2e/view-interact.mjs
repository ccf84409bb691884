#!/usr/bin/env node
// Browser test of the view's interactions on a standalone report (file://,
// the report's CSP): hover → spectrum (values checked on the canvas chart),
// click, arrow keys, zoom (crisp pixels), colour map and contrast controls,
// rectangle and free-hand regions (mean spectrum checked against a Node
// computation through the CSV export), the embedding linked both ways
// (selection → points lit; brush → pixels selected), composite and label
// map colours, PNG / CSV / .npy exports, and the dark theme. Fails on any
// console error/warning, page error or failed request. Screenshots go to
// tests/out/view-interact/.
//   node tests/e2e/view-interact.mjs
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeResult } from '../fixtures/payloads/make-result.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { buildReportHtml } = require(path.join(root, 'packages/widget/dist/report.js'));
const { encodeResult } = require(path.join(root, 'packages/arrow/dist/index.js'));
const W = 120, H = 90, K = 4, M = 100;
const result = makeResult({ width: W, height: H, k: K, m: M, budget: 1_000_000 }); // measured binned 3×3
const out = path.join(root, 'tests', 'out', 'view-interact');
fs.mkdirSync(out, { recursive: true });
const file = path.join(out, 'report.html');
fs.writeFileSync(file, buildReportHtml(encodeResult(result), { title: 'specmap view interactions' }));
const darkFile = path.join(out, 'dark.html');
fs.writeFileSync(darkFile, fs.readFileSync(file, 'utf8')
  .replace('<body>', '<body data-jp-theme-light="false" style="--jp-layout-color1:#111111;--jp-layout-color2:#2a2a2a;--jp-ui-font-color1:rgba(255,255,255,0.87);--jp-ui-font-color2:rgba(255,255,255,0.6);--jp-border-color2:#444;background:#111;color:#eee">'));

const problems = [];
const checks = [];
const check = (cond, what) => {
  checks.push(what);
  if (!cond) throw new Error(`check failed: ${what}`);
};
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const started = Date.now();
let ok = false;
try {
  const ctx = await browser.newContext({ viewport: { width: 1500, height: 1100 }, acceptDownloads: true });
  // Pixel reads go through a copy made for frequent reads (Chromium warns on repeated readbacks otherwise).
  await ctx.addInitScript(() => {
    window.readPx = (c, x, y, w, h) => {
      const t = document.createElement('canvas');
      t.width = c.width;
      t.height = c.height;
      const g = t.getContext('2d', { willReadFrequently: true });
      g.drawImage(c, 0, 0);
      return g.getImageData(x, y, w, h).data;
    };
  });
  const page = await ctx.newPage();
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => !r.url().startsWith('blob:') && problems.push(`request failed: ${r.url()}`));
  await page.goto(pathToFileURL(file).href);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.waitForSelector('.specmap-chart-components svg .role-mark', { timeout: 20000 });
  const rootSel = '.specmap-view';
  const attr = (name) => page.evaluate(([s, n]) => document.querySelector(s).getAttribute(n), [rootSel, name]);
  const waitAttr = (name, value) => page.waitForFunction(([s, n, v]) => document.querySelector(s).getAttribute(n) === v, [rootSel, name, value], { timeout: 5000 });
  const map0 = page.locator(`${rootSel} canvas`).first();
  const scale = Number(await map0.getAttribute('data-scale'));
  const box = await map0.boundingBox();
  const at = (x, y) => ({ x: box.x + (x + 0.5) * scale, y: box.y + (y + 0.5) * scale });

  // 1. Hover → spectrum panel shows the hovered pixel; the reconstruction is drawn where it should be.
  await page.mouse.move(at(40, 30).x, at(40, 30).y);
  await waitAttr('data-spectrum', '40,30');
  check((await attr('data-spectrum-source')) === 'hover', 'hover updates the spectrum panel (data-spectrum-source=hover)');
  const recon = (x, y) => {
    const i = y * W + x;
    return Array.from({ length: M }, (_, e) => {
      let v = 0;
      for (let j = 0; j < K; j++) v += result.weights[i * K + j] * result.components[j * M + e];
      return v;
    });
  };
  const peakE = (() => { const r = recon(40, 30); let b = 0; for (let e = 1; e < M; e++) if (r[e] > r[b]) b = e; return b; })();
  const inkAt = await page.evaluate(([e, v]) => {
    const c = document.querySelector('.specmap-chart-pixel canvas');
    const [x0, x1] = c.dataset.xDomain.split(',').map(Number);
    const [y0, y1] = c.dataset.yDomain.split(',').map(Number);
    const [l, t, w, h] = c.dataset.plot.split(',').map(Number);
    const k = c.width / c.getBoundingClientRect().width;
    const px = (l + ((e - x0) / (x1 - x0)) * w) * k;
    const py = (t + h - ((v - y0) / (y1 - y0)) * h) * k;
    const d = readPx(c, Math.round(px) - 3, Math.round(py) - 3, 7, 7);
    let darkest = 255;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200) darkest = Math.min(darkest, Math.max(d[i], d[i + 1], d[i + 2]));
    return darkest;
  }, [result.energies[peakE], recon(40, 30)[peakE]]);
  check(inkAt < 80, `reconstruction peak of pixel (40, 30) drawn at its value (ink ${inkAt} near the computed point)`);

  // 2. Click selects; leaving the map returns the panel to the selection.
  await page.mouse.click(at(60, 45).x, at(60, 45).y);
  await waitAttr('data-selected', '60,45');
  await waitAttr('data-spectrum', '60,45');
  await page.mouse.move(at(10, 10).x, at(10, 10).y);
  await waitAttr('data-spectrum', '10,10');
  await page.mouse.move(5, 5);
  await waitAttr('data-spectrum', '60,45');
  check((await attr('data-spectrum-source')) === 'selected', 'pointer leaving the map shows the selected pixel again');

  // 3. Keyboard: arrows move the selection; + zooms with crisp pixels; 0 resets.
  await map0.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+ArrowDown');
  await waitAttr('data-selected', '61,55');
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  check((await attr('data-zoom')) === '3', 'keyboard + zooms (zoom 3)');
  const crisp = await page.evaluate(() => {
    const c = document.querySelector('.specmap-view canvas');
    const s = Number(c.dataset.scale) * Number(c.dataset.zoom);
    const d = readPx(c, 0, 0, c.width, c.height);
    // Count distinct colours inside one map pixel (top-left pixel block, away from the crosshair).
    let bad = 0;
    for (let by = 2; by < 8; by++) for (let bx = 2; bx < 8; bx++) {
      const x0 = Math.ceil(bx * s) + 1, y0 = Math.ceil(by * s) + 1;
      const ref = (y0 * c.width + x0) * 4;
      for (let y = y0; y < Math.floor((by + 1) * s) - 1; y++) for (let x = x0; x < Math.floor((bx + 1) * s) - 1; x++) {
        const o = (y * c.width + x) * 4;
        if (d[o] !== d[ref] || d[o + 1] !== d[ref + 1] || d[o + 2] !== d[ref + 2]) bad++;
      }
    }
    return { bad, s };
  });
  check(crisp.bad === 0, `zoomed pixels are uniform blocks of ${crisp.s} px (no smoothing)`);
  await page.screenshot({ path: path.join(out, 'zoomed.png'), clip: { x: box.x - 10, y: box.y - 30, width: 1000, height: 260 } });
  await page.keyboard.press('0');
  check((await attr('data-zoom')) === '1', 'keyboard 0 resets the zoom');

  // 4. Colour map and contrast.
  await page.selectOption('.specmap-cmap', 'gray');
  const gray = await page.evaluate(() => {
    const c = document.querySelector('.specmap-view canvas');
    const d = readPx(c, 3, c.height - 4, 1, 1);
    return [d[0], d[1], d[2]];
  });
  check(gray[0] === gray[1] && gray[1] === gray[2], `gray colour map draws gray pixels (${gray})`);
  const maxBefore = await page.textContent('.specmap-colorbar-max');
  await page.fill('.specmap-phigh', '90');
  await page.dispatchEvent('.specmap-phigh', 'change');
  const maxAfter = await page.textContent('.specmap-colorbar-max');
  check(maxAfter !== maxBefore, `contrast control changes the colour bar (${maxBefore} → ${maxAfter})`);
  await page.selectOption('.specmap-cmap', 'auto');
  await page.fill('.specmap-phigh', '99');
  await page.dispatchEvent('.specmap-phigh', 'change');

  // 5. Composite and label map colours.
  const comp = await page.evaluate(([W, H]) => {
    const c = document.querySelector('canvas[data-component="composite"]');
    const l = document.querySelector('canvas[data-component="labels"]');
    const s = Number(c.dataset.scale);
    const px = (cv, x, y) => Array.from(readPx(cv, Math.floor((x + 0.5) * s), Math.floor((y + 0.5) * s), 1, 1).slice(0, 3));
    return { c0: px(c, Math.round(0.25 * W), Math.round(0.5 * H)), lab: px(l, Math.round(0.25 * W), Math.round(0.5 * H)) };
  }, [W, H]);
  check(comp.c0[2] > comp.c0[0] && comp.c0[2] > 100, `composite is component 0's blue at its blob (${comp.c0})`);
  check(comp.lab.join() === '27,158,119', `label map shows label 0 in its colour (${comp.lab})`);

  // 6. Rectangle region: mean spectrum (not sum), checked through the CSV export.
  await page.click('.specmap-tool-rect');
  await page.mouse.move(at(10, 10).x, at(10, 10).y);
  await page.mouse.down();
  await page.mouse.move(at(20, 18).x, at(20, 18).y, { steps: 4 });
  await page.mouse.move(at(30, 25).x, at(30, 25).y, { steps: 4 });
  await page.mouse.up();
  await waitAttr('data-regions', '1');
  const nRect = Number(await attr('data-selection'));
  check(nRect === 21 * 16, `rectangle (10.5,10.5)–(30.5,25.5) snaps to 21×16 pixels (${nRect})`);
  await page.waitForSelector('.specmap-chart-regions svg .role-mark');
  const [csvDl] = await Promise.all([page.waitForEvent('download'), page.click('.specmap-export-csv')]);
  const splitCsv = (line) => [...line.matchAll(/("([^"]|"")*"|[^,]*)(,|$)/g)].map((m) => m[1].replace(/^"|"$/g, '').replace(/""/g, '"')).slice(0, -1);
  const csv = fs.readFileSync(await csvDl.path(), 'utf8').trim().split('\n').map(splitCsv);
  const col = csv[0].findIndex((h) => h.startsWith('R1 (336 px) mean measured'));
  check(col > 0, `CSV has the region's mean measured spectrum column (${csv[0].length} columns)`);
  const mm = result.measured;
  const meanAt = (e) => {
    let s = 0;
    for (let y = 10; y <= 25; y++) for (let x = 10; x <= 30; x++) {
      const bx = Math.floor(x / mm.binning), by = Math.floor(y / mm.binning);
      s += mm.data[(by * mm.width + bx) * M + e];
    }
    return s / 336;
  };
  const errMax = Math.max(...[5, 30, 60, 90].map((e) => Math.abs(Number(csv[e + 1][col]) - meanAt(e))));
  check(errMax < 1e-5, `region mean measured spectrum equals the Node mean over its 336 pixels (max error ${errMax.toExponential(1)})`);

  // 7. Embedding lights up the region's pixels.
  const lit = Number(await page.getAttribute('.specmap-embedding canvas', 'data-highlighted'));
  check(lit > 300 && lit <= 336, `selecting a region lights its points in the embedding (${lit})`);

  // 8. Free-hand region.
  await page.click('.specmap-tool-lasso');
  await page.mouse.move(at(70, 20).x, at(70, 20).y);
  await page.mouse.down();
  for (const [x, y] of [[90, 22], [100, 40], [85, 60], [70, 50], [66, 30]]) await page.mouse.move(at(x, y).x, at(x, y).y, { steps: 5 });
  await page.mouse.up();
  await waitAttr('data-regions', '2');
  const nLasso = Number(await attr('data-selection'));
  check(nLasso > 500 && nLasso < 1400, `free-hand region selects the pixels inside the outline (${nLasso})`);
  await page.waitForFunction(() => document.querySelectorAll('.specmap-chart-regions svg .role-legend-label text').length >= 4);

  // 9. Brush in the embedding → pixels selected on the maps.
  const eb = await page.locator('.specmap-embedding canvas').boundingBox();
  await page.mouse.move(eb.x + eb.width * 0.55, eb.y + eb.height * 0.05);
  await page.mouse.down();
  await page.mouse.move(eb.x + eb.width * 0.98, eb.y + eb.height * 0.6, { steps: 5 });
  await page.mouse.up();
  await waitAttr('data-selection-source', 'embedding');
  const nBrush = Number(await attr('data-selection'));
  check(nBrush > 50, `brushing the embedding selects pixels on the maps (${nBrush})`);
  const dim = await page.evaluate(() => {
    const c = document.querySelector('.specmap-view canvas');
    return Array.from(readPx(c, 2, 2, 1, 1).slice(0, 3));
  });
  check(dim.every((v) => v < 60), `unselected pixels are dimmed on the maps (${dim})`);

  // 10. Mask (.npy) and PNG exports.
  const [npyDl] = await Promise.all([page.waitForEvent('download'), page.click('.specmap-export-mask')]);
  const npy = fs.readFileSync(await npyDl.path());
  const hlen = npy.readUInt16LE(8);
  const header = npy.subarray(10, 10 + hlen).toString('latin1');
  const ones = [...npy.subarray(10 + hlen)].filter((v) => v === 1).length;
  check(npy.subarray(1, 6).toString() === 'NUMPY' && header.includes(`'shape': (${H}, ${W})`) && npy.length === 10 + hlen + W * H, `mask .npy is uint8 (${H}, ${W}) (${header.trim()})`);
  check(ones === nBrush, `mask holds the ${nBrush} selected pixels (${ones})`);
  await page.click('.specmap-tool-pixel');
  await page.mouse.click(at(60, 45).x, at(60, 45).y);
  await waitAttr('data-spectrum', '60,45');
  const [pngDl] = await Promise.all([page.waitForEvent('download'), page.click('.specmap-export-png')]);
  const png = fs.readFileSync(await pngDl.path());
  fs.writeFileSync(path.join(out, 'export.png'), png);
  check(png.subarray(1, 4).toString() === 'PNG' && png.length > 20000, `PNG export (${png.length} bytes)`);
  const [jsonDl] = await Promise.all([page.waitForEvent('download'), page.click('.specmap-export-regions')]);
  const regions = JSON.parse(fs.readFileSync(await jsonDl.path(), 'utf8')).regions;
  check(regions.length === 2 && regions[0].kind === 'rect' && regions[1].kind === 'polygon', 'regions JSON export');
  await page.screenshot({ path: path.join(out, 'light.png'), fullPage: true });

  // 11. Regions are kept in the page's state across a reload (localStorage) and in window.specmapView.
  check((await page.evaluate(() => window.specmapView.regions.length)) === 2, 'regions in the page state (window.specmapView.regions)');
  await page.reload();
  await page.waitForSelector('.specmap-chart-regions svg .role-mark', { timeout: 20000 });
  check((await attr('data-regions')) === '2', 'regions restored after a reload');

  // 12. Dark theme.
  const dark = await ctx.newPage();
  dark.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`dark console.${m.type()}: ${m.text()}`));
  dark.on('pageerror', (e) => problems.push(`dark page error: ${e.message}`));
  await dark.goto(pathToFileURL(darkFile).href);
  await dark.waitForSelector('.specmap-chart-components svg .role-mark', { timeout: 20000 });
  await dark.locator('.specmap-view canvas').first().click({ position: { x: 60.5 * scale, y: 45.5 * scale } });
  await dark.waitForFunction(() => document.querySelector('.specmap-view').getAttribute('data-spectrum') === '60,45');
  const th = await dark.evaluate(() => ({ theme: document.querySelector('.specmap-view').dataset.theme, fg: getComputedStyle(document.querySelector('.specmap-view')).color }));
  check(th.theme === 'dark' && /255, 255, 255/.test(th.fg), `dark theme followed (${JSON.stringify(th)})`);
  await dark.screenshot({ path: path.join(out, 'dark.png'), fullPage: true });
  await page.waitForTimeout(100);
  if (problems.length) throw new Error(problems.join('; '));
  ok = true;
} catch (err) {
  console.log(String(err && err.stack || err));
  if (problems.length) console.log(problems.join('\n'));
} finally {
  await browser.close();
}
for (const c of checks) console.log(`  ok ${c}`);
console.log(`view-interact: ${ok ? 'OK' : 'FAIL'} ${checks.length} checks, ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(ok ? 0 : 1);
