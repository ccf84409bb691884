#!/usr/bin/env node
// Static fallback: an executed notebook still shows its results where the
// specmap extension is not installed.
//   (a) nbconvert --to html of the executed quick-start notebook, opened in
//       Chromium (file://): every show() output is a PNG that decodes (natural
//       size > 0), the notebook's printed text (stream outputs) is there, no
//       specmap view and no trace of the Arrow payload in the page;
//   (b) the test JupyterLab page (tests/lab-host) with the specmap renderer
//       left out (SPECMAP_LAB_DISABLE=@specmap/jupyterlab → page config
//       disabledExtensions) opens the same executed notebook: each show()
//       output renders with JupyterLab's own image renderer (.jp-RenderedImage
//       img, decoded), no .specmap-view.
//
//   node tests/e2e/static-fallback.mjs [--notebook EXECUTED.ipynb] [--screenshot-dir DIR]
//
// Default notebook: tests/out/notebooks/01-stxm-fe-quickstart.ipynb (written by
// tests/run_notebooks.py; run here first when missing). Outputs (HTML,
// screenshots) go to tests/out/static-fallback/. Fails on page errors, failed
// requests and HTTP errors. Prints PASS/FAIL and exits 0/1.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { freePort, startLabServer } from './lab-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MIME = 'application/vnd.specmap.result.v1+arrow';
const args = { notebook: path.join(ROOT, 'tests/out/notebooks/01-stxm-fe-quickstart.ipynb'), out: path.join(ROOT, 'tests/out/static-fallback') };
for (let i = 2; i < process.argv.length; i++) {
  const [k, v] = [process.argv[i], process.argv[i + 1]];
  if (k === '--notebook') (args.notebook = path.resolve(v)), i++;
  else if (k === '--screenshot-dir') (args.out = path.resolve(v)), i++;
  else throw new Error(`unknown argument ${k}`);
}
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const log = (m) => console.log(`[static-fallback ${secs()}s] ${m}`);
const checks = [];
const check = (cond, what) => {
  if (!cond) throw new Error(`check failed: ${what}`);
  checks.push(what);
  log(`ok: ${what}`);
};
const problems = [];
const notes = new Set();
const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server = null;
let browser = null;
let tmp = null;
let serverLog = () => '';

function watch(page, label) {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (label === 'nbconvert' && m.text() === 'Failed to load resource: net::ERR_FILE_NOT_FOUND') return; // the links above
    problems.push(`${label} console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${label} page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    const f = r.failure()?.errorText ?? '';
    // nbconvert's Debian template links require.js and MathJax from /usr/share/javascript
    // (packages not needed here): not specmap's outputs, noted only.
    if (label === 'nbconvert' && r.url().startsWith('file:///usr/share/javascript/')) return void notes.add(`nbconvert page links ${r.url().split('?')[0]} (missing)`);
    if (!(closing && f.includes('ERR_ABORTED'))) problems.push(`${label} request failed: ${r.url()} ${f}`);
  });
  page.on('response', (r) => r.status() >= 400 && problems.push(`${label} HTTP ${r.status()}: ${r.url()}`));
}
let closing = false;

/** What the executed notebook holds: show() outputs and printed lines. */
function notebookFacts(file) {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8'));
  let shows = 0;
  const printed = [];
  for (const c of nb.cells) {
    for (const o of c.outputs ?? []) {
      if (o.output_type === 'display_data' && o.data?.[MIME] && o.data['image/png']) shows++;
      if (o.output_type === 'stream' && o.name === 'stdout') {
        const t = (Array.isArray(o.text) ? o.text.join('') : o.text).split('\n').map((s) => s.trim()).filter((s) => s.length > 8);
        printed.push(...t);
      }
    }
  }
  return { shows, printed };
}

/** Natural sizes of the <img> elements matched by `sel`, after each has decoded. */
async function imageSizes(page, sel) {
  return page.evaluate(async (s) => {
    const imgs = [...document.querySelectorAll(s)];
    await Promise.all(imgs.map((i) => i.decode().catch(() => {})));
    return imgs.map((i) => [i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width]);
  }, sel);
}

async function partA(facts) {
  const html = path.join(args.out, path.basename(args.notebook, '.ipynb') + '.html');
  const r = spawnSync('/usr/bin/python3', ['-m', 'nbconvert', '--to', 'html', '--output-dir', args.out, args.notebook], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nbconvert failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const text = fs.readFileSync(html, 'utf8');
  log(`nbconvert → ${path.relative(ROOT, html)} (${(text.length / 1e6).toFixed(2)} MB)`);
  check(!text.includes(MIME), 'the HTML carries no specmap Arrow payload (nbconvert keeps only the PNG of each show() output)');
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  watch(page, 'nbconvert');
  await page.goto(pathToFileURL(html).href);
  const sizes = await imageSizes(page, '.jp-OutputArea-output img[src^="data:image/png"]');
  check(sizes.length >= facts.shows, `${sizes.length} PNG output(s) in the HTML for ${facts.shows} show() output(s)`);
  check(sizes.every(([w, h, css]) => w > 100 && h > 100 && css > 0), `every PNG decodes with a non-zero natural size (${sizes.map(([w, h]) => `${w}×${h}`).join(', ')})`);
  const body = await page.evaluate(() => document.body.innerText);
  const missing = facts.printed.filter((l) => !body.includes(l));
  check(facts.printed.length > 0 && missing.length === 0, `the notebook's printed text is shown (${facts.printed.length} lines, e.g. "${facts.printed.find((l) => /NMF/.test(l)) ?? facts.printed[0]}")${missing.length ? `; missing: ${missing.slice(0, 3).join(' | ')}` : ''}`);
  check((await page.locator('.specmap-view').count()) === 0, 'no specmap view in the nbconvert HTML');
  await page.locator('.jp-OutputArea-output img').nth(1).scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(args.out, 'nbconvert.png') });
  await page.close();
}

async function startServer(port, token) {
  // (on failure the server is still recorded, so that stopAll ends it and the report shows its log)
  try {
    ({ server, tmp, log: serverLog } = await startLabServer({ port, token, rootDir: ROOT, tmpPrefix: 'specmap-static-fallback-', disable: '@specmap/jupyterlab' }));
  } catch (e) {
    if (e.lab) ({ server, tmp, log: serverLog } = e.lab);
    throw e;
  }
}

async function stopAll() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  if (server && server.exitCode === null && server.signalCode === null) {
    const done = new Promise((r) => server.once('exit', r));
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    const t = setTimeout(() => {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 5000);
    await done;
    clearTimeout(t);
  }
  server = null;
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  tmp = null;
}

async function partB(facts) {
  if (!fs.existsSync(path.join(ROOT, 'tests/lab-host/build/bundle.js'))) throw new Error('tests/lab-host/build is missing: npm run build -w @specmap/lab-host');
  const rel = path.relative(ROOT, args.notebook).split(path.sep).join('/');
  if (rel.startsWith('..')) throw new Error('the notebook must be inside the repository');
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  await startServer(port, token);
  log(`lab host up on port ${port} (SPECMAP_LAB_DISABLE=@specmap/jupyterlab)`);
  const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  page.setDefaultTimeout(60_000);
  watch(page, 'lab');
  await page.goto(`http://127.0.0.1:${port}/lab/tree/${rel.split('/').map(encodeURIComponent).join('/')}?token=${token}`);
  await page.waitForFunction(() => document.body.dataset.labRestored === 'true', null, { timeout: 90_000 });
  check((await page.evaluate(() => document.body.dataset.specmapMime)) === 'off', 'the page runs without the specmap renderer (body[data-specmap-mime=off])');
  await page.waitForFunction((p) => window.jupyterapp?.shell?.currentWidget?.context?.path === p, rel, { timeout: 60_000 });
  await page.evaluate(() => window.jupyterapp.shell.currentWidget.context.ready);
  const factory = await page.evaluate((mime) => window.jupyterapp.shell.currentWidget.content.rendermime.mimeTypes.includes(mime), MIME);
  check(!factory, 'JupyterLab has no renderer for the specmap MIME type');
  // Outputs render lazily (windowed notebook): scroll each cell with a show() output into view.
  const sel = '.jp-OutputArea-output.jp-RenderedImage img';
  const cellIdx = await page.evaluate((mime) => {
    const w = window.jupyterapp.shell.currentWidget;
    const out = [];
    w.content.widgets.forEach((c, i) => {
      if (c.model.type !== 'code') return;
      for (let j = 0; j < c.model.outputs.length; j++) if (c.model.outputs.get(j).data[mime]) out.push(i);
    });
    return [...new Set(out)];
  }, MIME);
  check(cellIdx.length > 0, `the notebook model holds the specmap outputs (cells ${cellIdx.join(', ')})`);
  for (const i of cellIdx) {
    await page.evaluate(async (i) => {
      const nb = window.jupyterapp.shell.currentWidget.content;
      nb.activeCellIndex = i;
      await nb.scrollToCell(nb.widgets[i], 'start');
    }, i);
    await page.waitForFunction(([i, s]) => window.jupyterapp.shell.currentWidget.content.widgets[i].node.querySelector(s)?.complete, [i, sel], { timeout: 30_000 });
  }
  const sizes = await imageSizes(page, sel);
  check(sizes.length >= facts.shows, `${sizes.length} PNG output(s) rendered by JupyterLab's image renderer for ${facts.shows} show() output(s)`);
  check(sizes.every(([w, h, css]) => w > 100 && h > 100 && css > 0), `every PNG decodes (${sizes.map(([w, h]) => `${w}×${h}`).join(', ')})`);
  check((await page.locator('.specmap-view, .jp-SpecmapRenderer').count()) === 0, 'no specmap view in the page');
  const body = await page.evaluate(() => document.querySelector('.jp-NotebookPanel').innerText);
  const nmf = facts.printed.find((l) => /NMF/.test(l));
  check(!nmf || body.includes(nmf), `the printed text is shown ("${nmf}")`);
  await page.evaluate(async (i) => {
    const nb = window.jupyterapp.shell.currentWidget.content;
    nb.activeCellIndex = i;
    await nb.scrollToCell(nb.widgets[i], 'start');
  }, cellIdx[1] ?? cellIdx[0]);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(args.out, 'lab-no-extension.png') });
  closing = true;
  await page.close();
}

let code = 1;
let line;
const hard = setTimeout(async () => {
  console.log('FAIL static-fallback: hard timeout after 240 s');
  await stopAll();
  process.exit(1);
}, 240_000);
hard.unref();
try {
  fs.mkdirSync(args.out, { recursive: true });
  if (!fs.existsSync(args.notebook)) {
    const src = path.join(ROOT, 'notebooks', path.basename(args.notebook));
    log(`${path.relative(ROOT, args.notebook)} is missing: executing ${path.relative(ROOT, src)}`);
    const r = spawnSync('/usr/bin/python3', [path.join(ROOT, 'tests/run_notebooks.py'), src], { stdio: 'inherit', env: { ...process.env, JUPYTER_PATH: path.join(ROOT, '.jupyter/share/jupyter') } });
    if (r.status !== 0) throw new Error('executing the notebook failed');
  }
  const facts = notebookFacts(args.notebook);
  if (facts.shows === 0) throw new Error(`${args.notebook} has no executed show() output`);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: BROWSER_ARGS });
  await partA(facts);
  await partB(facts);
  if (problems.length) line = `FAIL static-fallback: ${problems.length} browser problem(s):\n  ${problems.join('\n  ')}`;
  else {
    code = 0;
    line = `PASS static-fallback: ${checks.length} checks (nbconvert HTML and JupyterLab without the extension show the PNGs), ${secs()} s`;
  }
} catch (e) {
  line = `FAIL static-fallback: ${e?.message ?? e}`;
  if (browser) for (const p of browser.contexts().flatMap((c) => c.pages())) await p.screenshot({ path: path.join(args.out, 'failure.png') }).catch(() => {});
  if (problems.length) line += `\n  browser problems:\n  ${problems.join('\n  ')}`;
  if (server && serverLog()) line += `\n--- server log (tail) ---\n${serverLog().slice(-3000)}`;
} finally {
  await stopAll();
}
clearTimeout(hard);
for (const n of notes) log(`note: ${n}`);
console.log(line);
process.exit(code);
