#!/usr/bin/env node
// Benchmark of the interactive view in headless Chromium (/usr/bin/chromium):
// a 600×500 map with 4 components and 100 energies (measured spectra binned
// by core's measuredForPayload to the default 16 MB budget).
//  - first draw: from the payload string arriving (renderOutput called) to
//    the maps drawn (synchronous) and to the charts drawn (view.ready), plus
//    the next animation frame (pixels on screen);
//  - hover: real mouse moves over successive pixels; latency from the
//    pointermove event's timestamp to the spectrum panel showing that pixel
//    (data-spectrum), and the time spent in the update itself
//    (data-spectrum-ms). Hover updates are throttled to requestAnimationFrame,
//    so "within one frame" means latency ≤ ~16.7 ms + the update time.
// Prints a table and a JSON line; exits 1 if first draw ≥ 1 s or the median
// hover latency exceeds 2 frames (33 ms).
//   node bench/view-draw.mjs [--width 600 --height 500 --k 4 --m 100 --hovers 60]
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeResult } from '../tests/fixtures/payloads/make-result.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { escapeInlineScript, REPORT_CSP, bundlePath } = require(path.join(root, 'packages/widget/dist/report.js'));
const { encodeResultBase64 } = require(path.join(root, 'packages/arrow/dist/index.js'));
const argv = process.argv.slice(2);
const num = (name, d) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : d);
const W = num('--width', 600), H = num('--height', 500), K = num('--k', 4), M = num('--m', 100), HOVERS = num('--hovers', 60);

const t0 = Date.now();
const result = makeResult({ width: W, height: H, k: K, m: M });
const payload = encodeResultBase64(result);
const genSecs = ((Date.now() - t0) / 1000).toFixed(1);
const out = path.join(root, 'tests', 'out', 'bench');
fs.mkdirSync(out, { recursive: true });
const page = path.join(out, 'view-draw.html');
fs.writeFileSync(page, `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<title>specmap view benchmark</title></head><body style="margin:0"><div id="host"></div>
<script type="application/octet-stream" id="payload">${payload}</script>
<script>${escapeInlineScript(fs.readFileSync(bundlePath(), 'utf8'))}</script></body></html>`);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const problems = [];
let report;
try {
  const p = await browser.newPage({ viewport: { width: 2600, height: 1400 } });
  p.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(m.text()));
  p.on('pageerror', (e) => problems.push(e.message));
  await p.goto(pathToFileURL(page).href);
  const draw = await p.evaluate(async () => {
    const text = document.getElementById('payload').textContent;
    const host = document.getElementById('host');
    const t0 = performance.now();
    const out = specmapWidget.renderOutput(host, text);
    const maps = performance.now() - t0;
    if (!out.view) throw new Error(String(out.error && out.error.message));
    await out.view.ready;
    const ready = performance.now() - t0;
    await new Promise((r) => requestAnimationFrame(() => r()));
    const frame = performance.now() - t0;
    window.view = out.view;
    const binned = out.view.result.measured ? out.view.result.measured.binning : 0;
    return { maps, ready, frame, binned, bytes: text.length };
  });
  // Hover: the first map canvas, successive pixels along a diagonal.
  const box = await p.locator('.specmap-view canvas').first().boundingBox();
  const scale = Number(await p.locator('.specmap-view canvas').first().getAttribute('data-scale'));
  await p.evaluate(() => {
    window.hoverLog = [];
    const root = document.querySelector('.specmap-view');
    const canvas = root.querySelector('canvas');
    let last = 0;
    canvas.addEventListener('pointermove', (e) => (last = e.timeStamp), { capture: true });
    new MutationObserver(() => {
      window.hoverLog.push({ at: root.getAttribute('data-spectrum'), latency: performance.now() - last, ms: Number(root.getAttribute('data-spectrum-ms')) });
    }).observe(root, { attributes: true, attributeFilter: ['data-spectrum'] });
  });
  for (let i = 0; i < HOVERS; i++) {
    const x = 100 + ((i * 7) % 400), y = 80 + ((i * 5) % 340);
    await p.mouse.move(box.x + (x + 0.5) * scale, box.y + (y + 0.5) * scale);
    await p.waitForFunction((w) => document.querySelector('.specmap-view').getAttribute('data-spectrum') === w, `${x},${y}`, { timeout: 5000 });
  }
  const log = await p.evaluate(() => window.hoverLog);
  const lat = log.map((l) => l.latency).sort((a, b) => a - b);
  const upd = log.map((l) => l.ms).sort((a, b) => a - b);
  const q = (a, f) => a[Math.min(a.length - 1, Math.floor(f * a.length))];
  // A click (selection) for comparison.
  const c0 = Date.now();
  await p.locator('.specmap-view canvas').first().click({ position: { x: 300.5 * scale, y: 250.5 * scale } });
  await p.waitForFunction(() => document.querySelector('.specmap-view').getAttribute('data-selected') === '300,250' && document.querySelector('.specmap-view').getAttribute('data-spectrum') === '300,250');
  const click = Date.now() - c0;
  await p.screenshot({ path: path.join(out, 'view-draw.png'), clip: { x: 0, y: 0, width: 2600, height: 1400 } });
  report = {
    map: `${W}x${H}`, k: K, m: M, payloadMB: +(draw.bytes / 1e6).toFixed(1), measuredBinning: draw.binned,
    firstDrawMapsMs: +draw.maps.toFixed(0), firstDrawChartsMs: +draw.ready.toFixed(0), firstFrameMs: +draw.frame.toFixed(0),
    hovers: log.length, hoverLatencyMedianMs: +q(lat, 0.5).toFixed(1), hoverLatencyP95Ms: +q(lat, 0.95).toFixed(1),
    hoverUpdateMedianMs: +q(upd, 0.5).toFixed(1), hoverUpdateP95Ms: +q(upd, 0.95).toFixed(1), clickRoundTripMs: click,
  };
} finally {
  await browser.close();
}
console.log(`payload generated in ${genSecs} s`);
for (const [k, v] of Object.entries(report)) console.log(`${k.padEnd(22)} ${v}`);
console.log(JSON.stringify(report));
if (problems.length) console.log(`console problems: ${problems.join(' | ')}`);
const ok = report.firstFrameMs < 1000 && report.hoverLatencyMedianMs <= 33 && !problems.length;
console.log(`view-draw: ${ok ? 'OK' : 'FAIL'}`);
process.exit(ok ? 0 : 1);
