#!/usr/bin/env node
// Every executed notebook renders without a kernel, with and without the
// specmap extension.
//   (a) with the extension: the test JupyterLab page (tests/lab-host, one
//       server for all notebooks, root_dir = the executed notebooks' folder)
//       opens each notebook WITHOUT a kernel (no cell runs): the number of
//       .specmap-view elements equals the number of outputs carrying the
//       specmap MIME type in the .ipynb JSON, and each view's first canvas is
//       drawn (non-transparent pixels, more than one colour);
//   (b) without the extension: nbconvert --to html of each notebook, opened in
//       Chromium (file://): each output whose displayed form is its image/png
//       (nbconvert's priority: no text/html, pdf, latex or svg beside it) is an
//       <img> that decodes with a non-zero natural size, and their number equals
//       the count from the .ipynb JSON; no specmap view, no Arrow payload.
// Fails on console errors, page errors, failed requests, HTTP >= 400 and on
// any kernel or session started by the lab page.
//
//   node tests/e2e/render-notebooks.mjs [--dir tests/out/notebooks] [--out tests/out/render-notebooks]
//
// Prints one line per notebook and a total; exits 1 on any failure.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { freePort, startLabServer } from './lab-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MIME = 'application/vnd.specmap.result.v1+arrow';
// nbconvert's display priority: these win over image/png when present.
const ABOVE_PNG = ['text/html', 'application/pdf', 'text/latex', 'image/svg+xml'];
const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const args = { dir: path.join(ROOT, 'tests/out/notebooks'), out: path.join(ROOT, 'tests/out/render-notebooks') };
for (let i = 2; i < process.argv.length; i++) {
  const [k, v] = [process.argv[i], process.argv[i + 1]];
  if (k === '--dir') (args.dir = path.resolve(v)), i++;
  else if (k === '--out') (args.out = path.resolve(v)), i++;
  else throw new Error(`unknown argument ${k}`);
}
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const log = (m) => console.log(`[render-notebooks ${secs()}s] ${m}`);

let server = null;
let browser = null;
let tmp = null;
let serverLog = () => '';
const children = new Set();

/** Executed notebooks under dir (recursive), no checkpoints or hidden files. */
function collect(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.ipynb')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** What the .ipynb JSON says should render. */
function facts(file) {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8'));
  let specmap = 0;
  let png = 0;
  let pngHidden = 0; // outputs with a PNG that nbconvert shows in another form
  for (const c of nb.cells ?? []) {
    for (const o of c.outputs ?? []) {
      if (o.output_type !== 'display_data' && o.output_type !== 'execute_result') continue;
      const d = o.data ?? {};
      if (d[MIME] !== undefined) specmap++;
      if (d['image/png'] !== undefined) {
        if (ABOVE_PNG.some((m) => d[m] !== undefined)) pngHidden++;
        else png++;
      }
    }
  }
  return { specmap, png, pngHidden, kernel: nb.metadata?.kernelspec?.name ?? '?' };
}

function run(cmd, argv) {
  return new Promise((resolve) => {
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(p);
    let err = '';
    p.stdout.on('data', () => {});
    p.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    p.on('exit', (code, sig) => {
      children.delete(p);
      resolve({ code: code ?? sig, err });
    });
  });
}

/**
 * nbconvert every notebook to HTML under args.out/html (same relative folders).
 * One nbconvert process converts many notebooks (saves the Python start-up);
 * two processes in parallel, notebooks split by size.
 */
async function nbconvertAll(files) {
  const jobs = [];
  const byDir = new Map();
  for (const f of files) {
    const rel = path.dirname(path.relative(args.dir, f));
    if (!byDir.has(rel)) byDir.set(rel, []);
    byDir.get(rel).push(f);
  }
  const t = Date.now();
  for (const [rel, fs_] of byDir) {
    const outDir = path.join(args.out, 'html', rel);
    fs.mkdirSync(outDir, { recursive: true });
    const batches = [[], []];
    const load = [0, 0];
    for (const f of [...fs_].sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)) {
      const i = load[0] <= load[1] ? 0 : 1;
      batches[i].push(f);
      load[i] += fs.statSync(f).size + 2e6; // + a fixed cost per notebook
    }
    for (const b of batches.filter((b) => b.length))
      jobs.push(run('/usr/bin/python3', ['-m', 'nbconvert', '--to', 'html', '--log-level=WARN', '--output-dir', outDir, ...b]).then((r) => ({ ...r, b })));
  }
  const res = await Promise.all(jobs);
  const failed = res.filter((r) => r.code !== 0);
  log(`nbconvert: ${files.length} notebook(s) in ${jobs.length} process(es), ${((Date.now() - t) / 1000).toFixed(1)} s${failed.length ? `, ${failed.length} failed` : ''}`);
  const errors = new Map();
  for (const r of failed) for (const f of r.b) errors.set(f, `nbconvert exited ${r.code}: ${r.err.trim().split('\n').slice(-3).join(' | ')}`);
  return errors;
}

async function startServer(port, token) {
  // (on failure the server is still recorded, so that stopAll ends it and the report shows its log)
  try {
    ({ server, tmp, log: serverLog } = await startLabServer({ port, token, rootDir: args.dir, tmpPrefix: 'specmap-render-notebooks-' }));
  } catch (e) {
    if (e.lab) ({ server, tmp, log: serverLog } = e.lab);
    throw e;
  }
}

async function stopAll() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  for (const c of children) {
    try {
      c.kill('SIGTERM');
    } catch {
      /* gone */
    }
  }
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

// Browser problems, attributed to the notebook being checked.
let current = null; // { problems: [] }
let closing = false;
function watch(page, label) {
  const add = (m) => (current ? current.problems : globalProblems).push(`${label}: ${m}`);
  let ignoredFileRequests = 0;
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // nbconvert's Debian template links require.js and MathJax from
    // /usr/share/javascript (not installed, not specmap's outputs): the
    // matching "Failed to load resource" lines are those requests.
    if (label === 'html' && m.text() === 'Failed to load resource: net::ERR_FILE_NOT_FOUND' && ignoredFileRequests > 0) return void ignoredFileRequests--;
    add(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => add(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    const f = r.failure()?.errorText ?? '';
    if (label === 'html' && r.url().startsWith('file:///usr/share/javascript/')) return void ignoredFileRequests++;
    if (closing && f.includes('ERR_ABORTED')) return;
    add(`request failed: ${r.url().split('?')[0]} ${f}`);
  });
  page.on('request', (r) => {
    // No kernel: the notebooks are only displayed.
    if (r.method() === 'POST' && /\/api\/(sessions|kernels)(\/|$|\?)/.test(r.url())) add(`kernel/session started: POST ${r.url().split('?')[0]}`);
  });
  page.on('response', (r) => r.status() >= 400 && add(`HTTP ${r.status()}: ${r.url().split('?')[0]}`));
}
const globalProblems = [];

/** (a) One notebook in the lab page with the specmap renderer, no kernel. */
async function labCheck(page, rel, want) {
  const opened = await page.evaluate(async (p) => {
    const app = window.jupyterapp;
    const w = await app.commands.execute('docmanager:open', { path: p, kernelPreference: { shouldStart: false, canStart: false, autoStartDefault: false } });
    await w.context.ready;
    return w?.context?.path ?? null;
  }, rel);
  if (opened !== rel) throw new Error(`lab: opened "${opened}", expected "${rel}"`);
  // Every output of the model rendered (all cells attached), the views built.
  await page.waitForFunction(
    ([p, n]) => {
      const w = window.jupyterapp.shell.currentWidget;
      if (w?.context?.path !== p) return false;
      let outputs = 0;
      for (const c of w.content.widgets) if (c.model.type === 'code') outputs += c.model.outputs.length;
      const shown = w.content.node.querySelectorAll('.jp-OutputArea-child').length;
      return shown >= outputs && w.content.node.querySelectorAll('.specmap-view').length >= n;
    },
    [rel, want.specmap],
    { timeout: 30_000, polling: 100 },
  ).catch(() => {});
  const info = await page.evaluate(async ([p, mime]) => {
    const w = window.jupyterapp.shell.currentWidget;
    let modelMime = 0;
    for (const c of w.content.widgets) {
      if (c.model.type !== 'code') continue;
      for (let j = 0; j < c.model.outputs.length; j++) if (c.model.outputs.get(j).data[mime] !== undefined) modelMime++;
    }
    const views = [...w.content.node.querySelectorAll('.specmap-view')];
    const canvases = [];
    for (const v of views) {
      v.scrollIntoView({ block: 'center' });
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const c = v.querySelector('canvas');
      if (!c) {
        canvases.push({ ok: false, why: 'no canvas' });
        continue;
      }
      if (!c.width || !c.height) {
        canvases.push({ ok: false, why: `canvas ${c.width}×${c.height}` });
        continue;
      }
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let opaque = 0;
      const colours = new Set();
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] === 0) continue;
        opaque++;
        if (colours.size < 64) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      }
      canvases.push({ ok: opaque > 0 && colours.size > 1, why: `${c.width}×${c.height}, ${opaque} painted px, ${colours.size}${colours.size === 64 ? '+' : ''} colour(s)` });
    }
    const kernel = w.sessionContext?.session?.kernel?.name ?? null;
    return { modelMime, views: views.length, canvases, kernel, path: w.context.path === p };
  }, [rel, MIME]);
  const errs = [];
  if (info.modelMime !== want.specmap) errs.push(`the lab model holds ${info.modelMime} specmap output(s), the JSON ${want.specmap}`);
  if (info.views !== want.specmap) errs.push(`${info.views} .specmap-view for ${want.specmap} specmap output(s)`);
  info.canvases.forEach((c, i) => !c.ok && errs.push(`view ${i}: first canvas not drawn (${c.why})`));
  if (info.kernel) errs.push(`a kernel (${info.kernel}) is attached`);
  const drawn = info.canvases.filter((c) => c.ok).length;
  if (errs.length) {
    const shot = path.join(args.out, `failure-lab-${rel.replace(/[\\/]/g, '_')}.png`);
    await page.screenshot({ path: shot }).catch(() => {});
  }
  // The notebook stays open (hidden behind the next one): disposing a panel
  // right after it rendered races JupyterLab's own toolbar resize
  // ("Error while computing the ReactiveToolbar"), a console error not ours.
  return { views: info.views, drawn, errs };
}

/** (b) One notebook's nbconvert HTML, without the extension. */
async function htmlCheck(page, html, want) {
  const text = fs.readFileSync(html, 'utf8');
  const errs = [];
  if (text.includes(MIME)) errs.push('the HTML carries the specmap Arrow payload');
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load', timeout: 60_000 });
  const sizes = await page.evaluate(async () => {
    const imgs = [...document.querySelectorAll('.jp-OutputArea-output img')];
    await Promise.all(imgs.map((i) => i.decode().catch(() => {})));
    return imgs.map((i) => ({ png: i.src.startsWith('data:image/png'), w: i.naturalWidth, h: i.naturalHeight, css: i.getBoundingClientRect().width }));
  });
  const pngs = sizes.filter((s) => s.png);
  const decoded = pngs.filter((s) => s.w > 0 && s.h > 0 && s.css > 0).length;
  if (pngs.length !== want.png) errs.push(`${pngs.length} PNG <img> in the HTML for ${want.png} image/png output(s) in the JSON`);
  if (decoded !== pngs.length) errs.push(`${pngs.length - decoded} PNG(s) do not decode (${pngs.map((s) => `${s.w}×${s.h}`).join(', ')})`);
  if (sizes.length !== pngs.length) errs.push(`${sizes.length - pngs.length} output <img> that is not a PNG data URI`);
  if ((await page.locator('.specmap-view').count()) !== 0) errs.push('a specmap view in the nbconvert HTML');
  if (errs.length) await page.screenshot({ path: html.replace(/\.html$/, '.failure.png'), fullPage: false }).catch(() => {});
  return { pngs: pngs.length, decoded, errs };
}

let code = 1;
const hard = setTimeout(async () => {
  console.log('FAIL render-notebooks: hard timeout after 240 s');
  if (serverLog()) console.log(`--- server log (tail) ---\n${serverLog().slice(-3000)}`);
  await stopAll();
  process.exit(1);
}, 240_000);
hard.unref();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await stopAll();
    process.exit(130);
  });
}

const lines = [];
try {
  if (!fs.existsSync(args.dir)) throw new Error(`${path.relative(ROOT, args.dir)} is missing (run tests/run_notebooks.py first)`);
  if (!fs.existsSync(path.join(ROOT, 'tests/lab-host/build/bundle.js'))) throw new Error('tests/lab-host/build is missing: npm run build -w @specmap/lab-host');
  const files = collect(args.dir);
  if (!files.length) throw new Error(`no executed notebook under ${path.relative(ROOT, args.dir)}`);
  fs.rmSync(path.join(args.out, 'html'), { recursive: true, force: true });
  fs.mkdirSync(args.out, { recursive: true });
  for (const f of fs.readdirSync(args.out)) if (f.startsWith('failure-')) fs.rmSync(path.join(args.out, f));
  const want = new Map(files.map((f) => [f, facts(f)]));
  log(`${files.length} executed notebook(s) under ${path.relative(ROOT, args.dir)}`);

  // nbconvert runs while the server starts and the lab part runs.
  const converting = nbconvertAll(files);
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const [, b] = await Promise.all([startServer(port, token), chromium.launch({ executablePath: '/usr/bin/chromium', args: BROWSER_ARGS })]);
  browser = b;
  log(`lab host up on port ${port} (root_dir ${path.relative(ROOT, args.dir)})`);

  const results = new Map(files.map((f) => [f, { problems: [] }]));
  const lab = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  lab.setDefaultTimeout(60_000);
  watch(lab, 'lab');
  await lab.goto(`http://127.0.0.1:${port}/lab?token=${token}`);
  await lab.waitForFunction(() => document.body.dataset.labRestored === 'true', null, { timeout: 90_000 });
  const on = await lab.evaluate(() => document.body.dataset.specmapMime);
  if (on !== 'on') throw new Error(`the lab page runs without the specmap renderer (body[data-specmap-mime=${on}])`);
  log('lab page restored with the specmap renderer');
  const tLab = Date.now();
  for (const f of files) {
    const rel = path.relative(args.dir, f).split(path.sep).join('/');
    const r = results.get(f);
    current = r;
    try {
      r.lab = await labCheck(lab, rel, want.get(f));
    } catch (e) {
      r.lab = { views: 0, drawn: 0, errs: [`lab: ${e?.message ?? e}`] };
    }
    current = null;
  }
  const labSecs = ((Date.now() - tLab) / 1000).toFixed(1);
  closing = true;
  await lab.close();
  closing = false;

  const convErrors = await converting;
  const tHtml = Date.now();
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  watch(page, 'html');
  for (const f of files) {
    const r = results.get(f);
    const rel = path.relative(args.dir, f);
    const html = path.join(args.out, 'html', rel.replace(/\.ipynb$/, '.html'));
    current = r;
    try {
      if (convErrors.has(f)) throw new Error(convErrors.get(f));
      if (!fs.existsSync(html)) throw new Error(`${path.relative(ROOT, html)} was not written`);
      r.html = await htmlCheck(page, html, want.get(f));
    } catch (e) {
      r.html = { pngs: 0, decoded: 0, errs: [`html: ${e?.message ?? e}`] };
    }
    current = null;
  }
  await page.close();
  const htmlSecs = ((Date.now() - tHtml) / 1000).toFixed(1);

  let ok = 0;
  let tot = { spec: 0, views: 0, drawn: 0, png: 0, pngs: 0, decoded: 0 };
  for (const f of files) {
    const r = results.get(f);
    const w = want.get(f);
    const rel = path.relative(ROOT, f);
    const errs = [...r.lab.errs, ...r.html.errs, ...r.problems];
    tot.spec += w.specmap; tot.views += r.lab.views; tot.drawn += r.lab.drawn;
    tot.png += w.png; tot.pngs += r.html.pngs; tot.decoded += r.html.decoded;
    const hidden = w.pngHidden ? ` (+${w.pngHidden} PNG shown as HTML)` : '';
    const msg = `${rel}: with extension ${r.lab.views}/${w.specmap} specmap view(s), ${r.lab.drawn} drawn; without ${r.html.decoded}/${w.png} PNG(s) decoded${hidden}`;
    if (errs.length) lines.push(`FAIL ${msg}\n    ${errs.join('\n    ')}`);
    else (ok++, lines.push(`PASS ${msg}`));
  }
  for (const l of lines) console.log(l);
  if (globalProblems.length) console.log(`browser problems outside a notebook:\n  ${globalProblems.join('\n  ')}`);
  log(`lab part ${labSecs} s, HTML part ${htmlSecs} s`);
  const summary = `${files.length} notebook(s): with the extension ${tot.views}/${tot.spec} specmap views (${tot.drawn} drawn); without ${tot.decoded}/${tot.png} PNGs decoded; ${secs()} s`;
  if (ok === files.length && !globalProblems.length) {
    code = 0;
    console.log(`PASS render-notebooks: ${summary}`);
  } else console.log(`FAIL render-notebooks: ${files.length - ok} of ${files.length} notebook(s) failed; ${summary}`);
} catch (e) {
  for (const l of lines) console.log(l);
  console.log(`FAIL render-notebooks: ${e?.message ?? e}`);
  if (globalProblems.length) console.log(`  browser problems:\n  ${globalProblems.join('\n  ')}`);
  if (server && serverLog()) console.log(`--- server log (tail) ---\n${serverLog().slice(-3000)}`);
} finally {
  await stopAll();
}
clearTimeout(hard);
process.exit(code);
