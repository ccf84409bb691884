#!/usr/bin/env node
// Browser test of payload safety: every payload of tests/fixtures/payloads
// (manifest.json) is rendered with specmapWidget.renderOutput in headless
// Chromium, on a page with the report's Content-Security-Policy and the view
// bundle inlined (as in report.html). Good payloads must give a view, bad ones
// a readable error panel (with the expected code); no script from a payload
// may run (window.__pwned stays unset, no <img>/<script>/on* attributes in the
// output), each render must finish quickly and leave the page responsive.
// Then two reports (hostile metadata; truncated payload) built by the report
// builder are opened. Fails on any console error/warning, page error or
// failed request.
//   node tests/e2e/view-payloads.mjs [--screenshot out.png]
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { buildReportHtml, escapeInlineScript, REPORT_CSP, bundlePath } = require(path.join(root, 'packages/widget/dist/report.js'));
const argv = process.argv.slice(2);
const screenshot = argv.includes('--screenshot') ? argv[argv.indexOf('--screenshot') + 1] : null;
const dir = path.join(root, 'tests', 'fixtures', 'payloads');
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
const out = path.join(root, 'tests', 'out', 'view-payloads');
fs.mkdirSync(out, { recursive: true });
const bundle = escapeInlineScript(fs.readFileSync(bundlePath(), 'utf8'));
fs.writeFileSync(
  path.join(out, 'harness.html'),
  `<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<title>specmap payload corpus</title></head><body><div id="hosts"></div><script>${bundle}</script></body></html>`,
);
for (const [name, src] of [['report-xss.html', 'xss-metadata'], ['report-truncated.html', 'bad-truncated-half']]) {
  const b64 = fs.readFileSync(path.join(dir, `${src}.b64`), 'utf8');
  fs.writeFileSync(path.join(out, name), buildReportHtml(Buffer.from(b64, 'base64'), { title: `<script>window.__pwned=9</script> ${src}` }));
}

const problems = [];
const failures = [];
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const watch = (page) => {
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  page.on('dialog', (d) => (problems.push(`dialog opened: ${d.message()}`), d.dismiss()));
};
const started = Date.now();
let slowest = { name: '', ms: 0 };
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watch(page);
  await page.goto(pathToFileURL(path.join(out, 'harness.html')).href);
  for (const entry of manifest) {
    const payload = fs.readFileSync(path.join(dir, `${entry.name}.b64`), 'utf8');
    const got = await page.evaluate(async ({ name, payload }) => {
      const host = document.createElement('div');
      host.className = 'host';
      host.dataset.name = name;
      document.getElementById('hosts').appendChild(host);
      const t0 = performance.now();
      const res = specmapWidget.renderOutput(host, payload);
      let readyError = null;
      if (res.view) await res.view.ready.catch((e) => (readyError = String(e && e.message)));
      const ms = performance.now() - t0;
      // Responsiveness: a task queued now runs promptly.
      const t1 = performance.now();
      await new Promise((r) => setTimeout(r, 0));
      const lag = performance.now() - t1;
      const panel = host.querySelector('.specmap-error-panel');
      const hostile = [...host.querySelectorAll('*')].filter((e) => /^(script|img|iframe|object|embed|link|meta|base)$/i.test(e.tagName) || [...e.attributes].some((a) => /^on/i.test(a.name) || /javascript:/i.test(a.value)));
      return {
        view: !!host.querySelector('.specmap-view'),
        firstCanvas: host.querySelector('.specmap-view canvas')?.getAttribute('data-component') ?? null,
        error: panel ? panel.querySelector('.specmap-error-message').textContent : null,
        code: panel?.getAttribute('data-error-code') ?? null,
        readyError, ms, lag,
        hostile: hostile.map((e) => e.outerHTML.slice(0, 120)),
        text: host.textContent,
      };
    }, { name: entry.name, payload });
    if (got.ms > slowest.ms) slowest = { name: entry.name, ms: got.ms };
    const why = [];
    if (entry.expect === 'view' && (!got.view || got.error || got.firstCanvas !== '0')) why.push(`expected a view, got ${got.error ? `error "${got.error}"` : 'nothing'}`);
    if (entry.expect === 'error' && (got.view || !got.error)) why.push('expected an error panel, got a view');
    if (entry.expect === 'any' && !got.view && !got.error) why.push('neither a view nor an error panel');
    if (entry.code && got.code !== entry.code) why.push(`error code ${got.code}, expected ${entry.code}`);
    if (got.readyError) why.push(`view.ready rejected: ${got.readyError}`);
    if (got.hostile.length) why.push(`active content in the output: ${got.hostile.join(' ; ')}`);
    if (got.ms > 3000) why.push(`took ${got.ms.toFixed(0)} ms`);
    if (got.lag > 250) why.push(`page unresponsive for ${got.lag.toFixed(0)} ms after rendering`);
    if (entry.name === 'xss-metadata' && !got.text.includes('<img src=x onerror=')) why.push('the hostile warning is not shown as text');
    const status = why.length ? 'FAIL' : 'ok  ';
    console.log(`${status} ${entry.name.padEnd(26)} ${got.view ? 'view ' : 'error'} ${got.ms.toFixed(0).padStart(5)} ms${got.error ? `  "${got.error.slice(0, 90)}"` : ''}${why.length ? `  <- ${why.join('; ')}` : ''}`);
    if (why.length) failures.push(`${entry.name}: ${why.join('; ')}`);
  }
  const pwned = await page.evaluate(() => window.__pwned ?? null);
  if (pwned !== null) failures.push(`a payload's script ran (window.__pwned = ${pwned})`);
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });

  // The same through report.html.
  for (const [name, want] of [['report-xss.html', 'view'], ['report-truncated.html', 'error']]) {
    const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watch(p);
    await p.goto(pathToFileURL(path.join(out, name)).href);
    await p.waitForSelector(want === 'view' ? '.specmap-view canvas' : '.specmap-error-panel', { timeout: 15000 });
    if (want === 'view') await p.waitForSelector('.specmap-chart-components svg .role-mark', { timeout: 15000 });
    const r = await p.evaluate(() => ({ pwned: window.__pwned ?? null, title: document.title, imgs: document.querySelectorAll('img, iframe').length }));
    if (r.pwned !== null || r.imgs) failures.push(`${name}: script ran or active content (${JSON.stringify(r)})`);
    if (!r.title.includes('<script>')) failures.push(`${name}: title not shown as text`);
    console.log(`ok   ${name.padEnd(26)} ${want}`);
    await p.close();
  }
} catch (err) {
  failures.push(String(err && err.stack || err));
} finally {
  await browser.close();
}
if (problems.length) failures.push(...problems);
const secs = ((Date.now() - started) / 1000).toFixed(1);
if (failures.length) {
  console.log(`view-payloads: FAIL (${failures.length})\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`view-payloads: OK ${manifest.length} payloads + 2 reports, slowest ${slowest.name} ${slowest.ms.toFixed(0)} ms, 0 console errors, ${secs} s`);
