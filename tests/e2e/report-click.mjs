#!/usr/bin/env node
// Browser test of the standalone report:
//   node tests/e2e/report-click.mjs <report.html> [--pixel x,y] [--screenshot out.png]
// Opens the report over file:// in /usr/bin/chromium (playwright-core), clicks a
// weight-map pixel, waits for data-selected / data-spectrum, checks that the
// spectrum panel changed and that the arrow keys move the selection. Fails on
// any console error or warning, page error, failed or non-local request.
import { chromium } from 'playwright-core';
import path from 'node:path';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const file = argv.find((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--')));
if (!file) {
  console.error('usage: node tests/e2e/report-click.mjs <report.html> [--pixel x,y] [--screenshot out.png]');
  process.exit(2);
}
if (!fs.existsSync(file)) {
  console.error(`report-click: FAIL no such file ${file}`);
  process.exit(1);
}
const screenshot = opt('--screenshot');
const pixelArg = opt('--pixel');
const url = pathToFileURL(path.resolve(file)).href;
const problems = [];
const started = Date.now();

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let ok = false;
let summary = '';
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console.${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  page.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith('file:') && !u.startsWith('data:') && !u.startsWith('blob:') && u !== url) problems.push(`non-local request: ${u}`);
  });

  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('.specmap-view canvas', { timeout: 20000 });
  await page.waitForSelector('.specmap-chart-components svg .role-mark', { timeout: 20000 });

  const info = await page.evaluate(() => {
    const root = document.querySelector('.specmap-view');
    const canvas = root.querySelector('canvas');
    const ctx = canvas.getContext('2d');
    return {
      width: Number(root.getAttribute('data-width')),
      height: Number(root.getAttribute('data-height')),
      scale: Number(canvas.getAttribute('data-scale')),
      component: canvas.getAttribute('data-component'),
      has2d: !!ctx,
      canvasW: canvas.width,
      selectedBefore: root.getAttribute('data-selected'),
    };
  });
  if (!info.has2d || info.component !== '0') throw new Error(`first canvas is not the 2D weight map of component 0 (${JSON.stringify(info)})`);
  if (!(info.scale >= 1)) throw new Error(`bad data-scale ${info.scale}`);
  if (info.canvasW !== info.width * info.scale) throw new Error(`canvas width ${info.canvasW} != ${info.width}×${info.scale}`);

  let [px, py] = pixelArg ? pixelArg.split(',').map(Number) : [Math.floor(info.width * 0.62), Math.floor(info.height * 0.6)];
  if (!(px >= 0 && px < info.width && py >= 0 && py < info.height)) throw new Error(`pixel ${px},${py} outside ${info.width}×${info.height}`);

  const snapshot = () =>
    page.evaluate(() => {
      // The pixel spectrum is a canvas chart, created at the first hover or selection.
      const c = document.querySelector('.specmap-chart-pixel canvas');
      const marks = c ? c.toDataURL() : '';
      return { marks, text: document.querySelector('.specmap-pixel-info').textContent };
    });
  const before = await snapshot();

  // Click the centre of map pixel (px, py); the canvas is drawn at `scale` CSS px per map pixel.
  const canvas = page.locator('.specmap-view canvas').first();
  await canvas.click({ position: { x: (px + 0.5) * info.scale, y: (py + 0.5) * info.scale } });
  const want = `${px},${py}`;
  await page.waitForFunction((w) => document.querySelector('.specmap-view').getAttribute('data-selected') === w, want, { timeout: 5000 });
  await page.waitForFunction((w) => document.querySelector('.specmap-view').getAttribute('data-spectrum') === w, want, { timeout: 10000 });
  const after = await snapshot();
  if (after.marks === before.marks) throw new Error('the spectrum panel did not change after the click');
  if (after.marks.length < 2000) throw new Error('the spectrum panel is (almost) empty after the click');
  if (!after.text.includes(`Pixel (${px}, ${py})`)) throw new Error(`pixel info does not show the pixel: "${after.text}"`);

  // Arrow keys move the selection when a map has focus.
  await canvas.focus();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowUp');
  const moved = `${Math.max(0, px - 1)},${Math.max(0, py - 1)}`;
  await page.waitForFunction((w) => document.querySelector('.specmap-view').getAttribute('data-spectrum') === w, moved, { timeout: 10000 });
  const afterKeys = await snapshot();
  if (afterKeys.marks === after.marks && moved !== want) throw new Error('the spectrum panel did not change after the arrow keys');
  // Back to the clicked pixel for the screenshot.
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction((w) => document.querySelector('.specmap-view').getAttribute('data-spectrum') === w, want, { timeout: 10000 });
  await page.mouse.move(0, 0);

  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  await page.waitForTimeout(100);
  if (problems.length) throw new Error(problems.join('; '));
  ok = true;
  summary = `report-click: OK ${path.basename(file)} ${info.width}×${info.height} scale ${info.scale}, clicked (${px}, ${py}), spectrum changed, arrow keys ok, 0 console errors, ${((Date.now() - started) / 1000).toFixed(1)} s`;
} catch (err) {
  const extra = problems.length && !String(err.message).includes(problems[0]) ? ` [${problems.join('; ')}]` : '';
  summary = `report-click: FAIL ${path.basename(file)}: ${err.message}${extra}`;
} finally {
  await browser.close();
}
console.log(summary);
process.exit(ok ? 0 : 1);
