#!/usr/bin/env node
// Browser test of the scan report (DIR/scan.html of `specmap scan`): a tiny
// synthetic Fe L-edge stack (24×20 px, the authors' oxidised/reduced spectra)
// is scanned with the CLI (nmf-so, K = 2,3, ω = 0,0.3, with references); the
// page opens from file:// under its CSP and must show the chosen run's view
// first, then another run's view after a click on its table row (and after a
// click on a chart point), with the right K and different maps. A second page
// built with a 1-byte inline budget must say so and link to the run's
// report.html, which opens and shows that run. Fails on any console
// error/warning, page error or failed request. Screenshots:
// tests/out/view-scan/.
//   node tests/e2e/view-scan.mjs [--keep]
import { chromium } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { syntheticStack } = require(path.join(ROOT, 'packages/core/dist/index.js'));
const { readSpectrum, writeNpy } = require(path.join(ROOT, 'packages/io/dist/index.js'));
const { buildScanReportHtml } = require(path.join(ROOT, 'packages/widget/dist/scan-report.js'));
const OUT = path.join(ROOT, 'tests/out/view-scan');
fs.mkdirSync(OUT, { recursive: true });
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const checks = [];
const check = (cond, what) => {
  if (!cond) throw new Error(`check failed: ${what}`);
  checks.push(what);
  console.log(`[view-scan ${secs()}s] ok: ${what}`);
};

// 1. The fixture and the scan.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-view-scan-'));
const FE = path.join(ROOT, 'examples/data/stxm-fe');
const W = 24, H = 20;
const spectra = ['oxidized', 'reduced'].map((name) => ({ ...readSpectrum(path.join(FE, `${name}.t`)), name }));
const syn = syntheticStack({ spectra, width: W, height: H, seed: 2, noise: { counts: 1e4 } });
const m = syn.stack.energies.length;
const npy = path.join(tmp, 'cube.npy');
writeNpy(npy, syn.stack.data, [H, W, m]);
const energies = path.join(tmp, 'energies.txt');
fs.writeFileSync(energies, Array.from(syn.stack.energies).join('\n') + '\n');
const refs = syn.truth.names.map((name, q) => {
  const f = path.join(tmp, `${name}.txt`);
  fs.writeFileSync(f, Array.from(syn.stack.energies, (e, i) => `${e} ${syn.truth.spectra[q * m + i]}`).join('\n') + '\n');
  return f;
});
const scanDir = path.join(tmp, 'scan');
const cli = spawnSync(process.execPath, [
  path.join(ROOT, 'packages/cli/bin/specmap.js'), 'scan', npy, '--energies', energies, '--method', 'nmf-so',
  '--components', '2,3', '--omega', '0,0.3', '--references', ...refs, '--max-iter', '80', '--out', scanDir,
], { encoding: 'utf8' });
if (cli.status !== 0) throw new Error(`specmap scan failed (${cli.status}):\n${cli.stderr}`);
const scanHtml = path.join(scanDir, 'scan.html');
check(fs.existsSync(scanHtml), `specmap scan wrote scan.html (${(fs.statSync(scanHtml).size / 1e6).toFixed(2)} MB, ${secs()} s)`);
const [head, ...lines] = fs.readFileSync(path.join(scanDir, 'scan.csv'), 'utf8').trim().split('\n');
const cols = head.split(',');
const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
const chosen = rows.find((r) => r.chosen === '1');
check(rows.length === 4 && chosen, `scan.csv: 4 runs, chosen ${chosen?.dir}`);
const other = rows.find((r) => r.k_out !== chosen.k_out) ?? rows.find((r) => r !== chosen);

const problems = [];
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let ok = false;
try {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const watch = (p, label) => {
    p.on('console', (msg) => (msg.type() === 'error' || msg.type() === 'warning') && problems.push(`${label} console.${msg.type()}: ${msg.text()}`));
    p.on('pageerror', (e) => problems.push(`${label} page error: ${e.message}`));
    p.on('requestfailed', (r) => !r.url().startsWith('blob:') && problems.push(`${label} request failed: ${r.url()}`));
  };
  watch(page, 'scan.html');
  await page.goto(pathToFileURL(scanHtml).href);
  const viewOf = async (dir) => {
    await page.waitForFunction((d) => document.body.dataset.run === d && document.querySelector('.specmap-view canvas[data-scale]'), dir, { timeout: 20000 });
    await page.waitForSelector('.specmap-chart-components svg .role-mark', { timeout: 20000 });
    return page.evaluate(() => {
      const v = document.querySelector('.specmap-view');
      const maps = [...v.querySelectorAll('canvas[data-component]')].filter((c) => /^\d+$/.test(c.dataset.component));
      const ks = new Set(maps.map((c) => c.dataset.component));
      return {
        views: document.querySelectorAll('.specmap-view').length,
        size: `${v.dataset.width}×${v.dataset.height}`,
        k: ks.size,
        map0: v.querySelector('canvas').toDataURL(),
        selectedRow: document.querySelector('.scan-table tr[aria-selected="true"]')?.dataset.dir,
        current: [...document.querySelectorAll('.scan-pt.is-current')].map((c) => c.dataset.row),
        heading: document.getElementById('scan-run-title').textContent,
      };
    });
  };
  const first = await viewOf(chosen.dir);
  check(first.views === 1 && first.size === `${W}×${H}` && first.k === Number(chosen.k_out), `the chosen run ${chosen.dir} is shown first (${first.size}, ${first.k} maps; "${first.heading}")`);
  check(first.selectedRow === chosen.dir && first.current.length === 2, 'its table row is selected and its points are marked in both chart panels');
  check((await page.locator('.scan-chosen').count()) >= 2, 'the chosen run is ringed in the chart');
  await page.screenshot({ path: path.join(OUT, 'scan.png'), fullPage: true });

  // 2. Click another run's table row.
  await page.click(`.scan-table tbody tr[data-dir="${other.dir}"] td:first-child`);
  const second = await viewOf(other.dir);
  check(second.views === 1 && second.k === Number(other.k_out), `clicking row ${other.dir} shows that run (${second.k} maps, one view; "${second.heading}")`);
  check(second.map0 !== first.map0, 'the component-0 map changed');
  check(second.selectedRow === other.dir, 'the clicked row is selected');
  await page.screenshot({ path: path.join(OUT, 'scan-row-clicked.png'), fullPage: true });

  // 3. Click a chart point of a third run; then the pixel view works (click a map pixel).
  // (Points of runs with equal values overlap: click a run's point where it is on top.)
  const hit = await page.evaluate((exclude) => {
    for (const c of document.querySelectorAll('.scan-pt')) {
      if (c.dataset.row === exclude) continue;
      const b = c.getBoundingClientRect();
      const x = b.x + b.width / 2, y = b.y + b.height / 2;
      if (document.elementFromPoint(x, y) === c) return { row: Number(c.dataset.row), x, y };
    }
    return null;
  }, String(rows.indexOf(other)));
  check(hit !== null, 'some other run has a visible chart point');
  const third = rows[hit.row];
  await page.mouse.click(hit.x, hit.y);
  const thirdView = await viewOf(third.dir);
  check(thirdView.selectedRow === third.dir, `clicking a chart point shows run ${third.dir}`);
  const map0 = page.locator('.specmap-view canvas').first();
  const scale = Number(await map0.getAttribute('data-scale'));
  await map0.click({ position: { x: 5.5 * scale, y: 7.5 * scale } });
  await page.waitForFunction(() => document.querySelector('.specmap-view').getAttribute('data-spectrum') === '5,7', null, { timeout: 10000 });
  check(true, 'a click on the shown run\'s map selects pixel (5, 7) and the spectrum panel follows');
  // Keyboard: ArrowDown on a focused row moves to the next run.
  await page.focus(`.scan-table tbody tr[data-row="0"]`);
  await page.keyboard.press('ArrowDown');
  await viewOf(rows[1].dir);
  check(true, `ArrowDown in the table shows the next run (${rows[1].dir})`);

  // 4. Over budget: nothing inlined, the page says so and links to each run's report.html.
  const payloads = rows.map((r) => new Uint8Array(fs.readFileSync(path.join(scanDir, r.dir, 'result.arrow'))));
  const rowObjs = rows.map((r) => ({ k: Number(r.k), omega: Number(r.omega), mse: Number(r.mse), overlap: Number(r.overlap), coverage: Number(r.coverage), r: Object.fromEntries(cols.filter((c) => c.startsWith('r_')).map((c) => [c.slice(2), Number(r[c])])), worstR: Number(r.worst_r), dir: r.dir, chosen: r.chosen === '1' }));
  const linked = path.join(scanDir, 'scan-linked.html');
  fs.writeFileSync(linked, buildScanReportHtml(rowObjs, payloads, { title: 'scan (over budget)', maxInlineBytes: 1 }));
  const linkedSize = fs.statSync(linked).size;
  check(linkedSize < 100_000, `the over-budget page inlines neither payloads nor the bundle (${(linkedSize / 1024).toFixed(0)} KiB)`);
  const p2 = await ctx.newPage();
  watch(p2, 'scan-linked.html');
  await p2.goto(pathToFileURL(linked).href);
  const note = await p2.textContent('.scan-budget');
  check(/exceed this page's budget/.test(note), `the page says the runs are not inlined ("${note.slice(0, 90)}…")`);
  await p2.click(`.scan-table tbody tr[data-dir="${other.dir}"] td:first-child`);
  await p2.waitForFunction((d) => document.body.dataset.run === d, other.dir);
  const href = await p2.getAttribute('.scan-run-link a', 'href');
  check(href === `${other.dir}/report.html` && (await p2.locator('.specmap-view').count()) === 0, `choosing a run links to ${href}`);
  await Promise.all([p2.waitForNavigation(), p2.click('.scan-run-link a')]);
  await p2.waitForSelector('.specmap-view canvas[data-scale]', { timeout: 20000 });
  const k2 = await p2.evaluate(() => new Set([...document.querySelectorAll('.specmap-view canvas[data-component]')].map((c) => c.dataset.component).filter((c) => /^\d+$/.test(c))).size);
  check(k2 === Number(other.k_out), `the linked report.html opens and shows that run (${k2} maps)`);
  await p2.waitForTimeout(300);
  if (problems.length) throw new Error(`browser problems:\n  ${problems.join('\n  ')}`);
  ok = true;
} catch (e) {
  console.log(`FAIL view-scan: ${e.message}${problems.length && !e.message.includes('browser problems') ? `\n  browser problems:\n  ${problems.join('\n  ')}` : ''}`);
} finally {
  await browser.close();
  if (!process.argv.includes('--keep')) fs.rmSync(tmp, { recursive: true, force: true });
  else console.log(`kept ${tmp}`);
}
if (ok) console.log(`PASS view-scan: ${checks.length} checks, ${secs()} s`);
process.exit(ok ? 0 : 1);
