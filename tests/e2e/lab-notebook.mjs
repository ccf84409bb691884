#!/usr/bin/env node
// Live-kernel browser test: the test JupyterLab page (tests/lab-host) opens a
// tslab notebook, runs all cells, and the specmap renderer must show a view
// whose map reacts to a click. Then a rectangle region drawn on that view must
// be stored in the output's metadata (metadata[MIME].regions, what a save
// writes) and be shown again after the cell's outputs are re-rendered.
//
//   node tests/e2e/lab-notebook.mjs [--notebook PATH] [--screenshot OUT.png]
//                                   [--timeout SECONDS]
//                                   [--docs-screenshot OUT.png [--docs-view N]
//                                    [--docs-pixel X,Y] [--docs-height PX]]
//
// --docs-screenshot: a screenshot cropped to view N (default: the clicked one)
// with pixel X,Y selected, e.g. docs/screenshot-jupyterlab.png:
//   node tests/e2e/lab-notebook.mjs --docs-screenshot docs/screenshot-jupyterlab.png --docs-view 1 --docs-pixel 76,21
//
// Defaults: notebooks/01-stxm-fe-quickstart.ipynb, tests/out/lab-notebook.png,
// 180 s overall. Needs: tests/lab-host/build (npm run build -w @specmap/lab-host),
// the tslab kernelspec in .jupyter (scripts/setup-test-env.sh), /usr/bin/chromium.
// Fails on any browser console error, page error, failed or >= 400 HTTP
// request, and on error outputs in the notebook. The notebook is never saved
// (the host turns autosave off). Always stops the server and the browser.
// Prints one result line (PASS/FAIL) and exits 0/1.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { freePort, startLabServer } from './lab-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MIME = 'application/vnd.specmap.result.v1+arrow';
const { decodeResultBase64 } = createRequire(path.join(ROOT, 'package.json'))('@specmap/arrow');

function parseArgs(argv) {
  const a = {
    notebook: path.join(ROOT, 'notebooks/01-stxm-fe-quickstart.ipynb'),
    screenshot: path.join(ROOT, 'tests/out/lab-notebook.png'),
    timeout: 180,
    docsScreenshot: null,
    docsHeight: 1900,
    docsView: null,
    docsPixel: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--notebook') (a.notebook = path.resolve(v)), i++;
    else if (k === '--screenshot') (a.screenshot = path.resolve(v)), i++;
    else if (k === '--timeout') (a.timeout = Number(v)), i++;
    else if (k === '--docs-screenshot') (a.docsScreenshot = path.resolve(v)), i++;
    else if (k === '--docs-height') (a.docsHeight = Number(v)), i++;
    else if (k === '--docs-view') (a.docsView = Number(v)), i++;
    else if (k === '--docs-pixel') (a.docsPixel = v.split(',').map(Number)), i++;
    else if (k === '-h' || k === '--help') {
      console.log('usage: node tests/e2e/lab-notebook.mjs [--notebook PATH] [--screenshot OUT.png] [--timeout S] [--docs-screenshot OUT.png [--docs-height PX] [--docs-view N] [--docs-pixel X,Y]]');
      process.exit(0);
    } else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

const args = parseArgs(process.argv.slice(2));
const rel = path.relative(ROOT, args.notebook).split(path.sep).join('/');
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const log = (msg) => console.log(`[lab-notebook ${secs()}s] ${msg}`);

const problems = []; // console errors, page errors, failed requests
let server = null;
let browser = null;
let tmp = null;
let serverLog = () => '';

async function startServer(port, token) {
  // (on failure the server is still recorded, so that stopAll ends it and the report shows its log)
  try {
    ({ server, tmp, log: serverLog } = await startLabServer({ port, token, rootDir: ROOT, tmpPrefix: 'specmap-lab-e2e-' }));
  } catch (e) {
    if (e.lab) ({ server, tmp, log: serverLog } = e.lab);
    throw e;
  }
}

async function stopAll() {
  if (browser) {
    await browser.close().catch(() => {});
    browser = null;
  }
  if (server && server.exitCode === null && server.signalCode === null) {
    const done = new Promise((r) => server.once('exit', r));
    try {
      process.kill(-server.pid, 'SIGTERM'); // the server's process group: kernels too
    } catch {
      /* already gone */
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

// Rejects (a second after the first one, to collect its companions) as soon as
// the browser reports a problem, so waits below fail fast instead of timing out.
let onProblem = () => {};
const problemSeen = new Promise((_, reject) => {
  onProblem = () => setTimeout(() => reject(new Error('the browser reported problems')), 1000);
});
problemSeen.catch(() => {});
function problem(text) {
  problems.push(text);
  if (problems.length === 1) onProblem();
}
/** Races a playwright wait against the first browser problem. */
const guard = (p) => Promise.race([p, problemSeen]);

function watchPage(page) {
  page.on('console', (m) => {
    if (m.type() === 'error') problem(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problem(`page error: ${e.stack || e.message}`));
  page.on('requestfailed', (r) => {
    // Navigations/aborted fetches when the page is closed at the end are not failures.
    const f = r.failure()?.errorText ?? '';
    if (f.includes('ERR_ABORTED') && closing) return;
    problem(`request failed: ${r.method()} ${r.url()} ${f}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problem(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
}
let closing = false;

async function run() {
  if (!fs.existsSync(args.notebook)) throw new Error(`no such notebook: ${args.notebook}`);
  if (rel.startsWith('..')) throw new Error(`the notebook must be inside the repository: ${args.notebook}`);
  if (!fs.existsSync(path.join(ROOT, 'tests/lab-host/build/bundle.js')))
    throw new Error('tests/lab-host/build is missing: npm run build -w @specmap/lab-host');

  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  await startServer(port, token);
  log(`server up on port ${port}`);

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1500, height: 1100 } });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  watchPage(page);

  const encoded = rel.split('/').map(encodeURIComponent).join('/');
  await page.goto(`http://127.0.0.1:${port}/lab/tree/${encoded}?token=${token}`);
  await guard(page.waitForFunction(
    (p) => {
      const w = window.jupyterapp?.shell?.currentWidget;
      return w?.context?.path === p && w.sessionContext?.session?.kernel && w.sessionContext.kernelDisplayStatus === 'idle';
    },
    rel,
    { timeout: 90_000 },
  ));
  log(`notebook open, kernel ${await page.evaluate(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.name)} idle`);

  // Run every cell. The command resolves when the cells have run (false when
  // one failed); then every code cell must carry an execution count.
  const before = Date.now();
  const ranOk = await guard(page.evaluate(() => window.jupyterapp.commands.execute('notebook:run-all-cells')));
  if (ranOk !== false) await guard(page.waitForFunction(
    () => {
      const w = window.jupyterapp.shell.currentWidget;
      const cells = [...w.content.widgets].filter((c) => c.model.type === 'code' && c.model.sharedModel.getSource().trim());
      return cells.every((c) => c.model.executionCount !== null) && w.sessionContext.kernelDisplayStatus === 'idle';
    },
    null,
    { timeout: 30_000, polling: 250 },
  ));
  const errors = await page.evaluate((failed) => {
    const w = window.jupyterapp.shell.currentWidget;
    const out = [];
    w.content.widgets.forEach((c, i) => {
      if (c.model.type !== 'code') return;
      for (let j = 0; j < c.model.outputs.length; j++) {
        const o = c.model.outputs.get(j).toJSON();
        if (o.output_type === 'error') out.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
        // tslab reports compile (type) errors on stderr only.
        else if (failed && o.output_type === 'stream' && o.name === 'stderr') {
          const text = Array.isArray(o.text) ? o.text.join('') : String(o.text);
          out.push(`cell ${i} stderr: ${text.trim().split('\n').slice(0, 5).join(' | ')}`);
        }
      }
    });
    return out;
  }, ranOk === false);
  if (errors.length || ranOk === false)
    throw new Error(`notebook cells failed:\n  ${errors.join('\n  ') || '(run-all-cells reported a failure)'}`);
  log(`all cells ran (${((Date.now() - before) / 1000).toFixed(1)} s)`);

  // The specmap views, one per specmap output, in notebook order.
  await guard(page.locator('.specmap-view canvas[data-scale]').first().waitFor({ state: 'visible', timeout: 30_000 }));
  const payloads = await page.evaluate((mime) => {
    const w = window.jupyterapp.shell.currentWidget;
    const out = [];
    for (const c of w.content.widgets) {
      if (c.model.type !== 'code') continue;
      for (let j = 0; j < c.model.outputs.length; j++) {
        const d = c.model.outputs.get(j).data[mime];
        if (typeof d === 'string') out.push(d);
      }
    }
    return out;
  }, MIME);
  const views = page.locator('.specmap-view');
  const nViews = await views.count();
  if (nViews !== payloads.length) throw new Error(`${payloads.length} specmap output(s) but ${nViews} rendered view(s)`);

  // Click on the particle: the pixel whose 5×5 neighbourhood has the largest
  // mean weight, away from the frame edge (single hot pixels and the drift
  // band at the edge of the real STXM stack would win a plain argmax). Payloads are decoded here with @specmap/arrow; an NMF view
  // (weights >= 0) is preferred, PCA uses |weight|.
  const results = payloads.map((p) => decodeResultBase64(p));
  let v = results.findIndex((r) => r.method === 'nmf');
  if (v < 0) v = 0;
  const r = results[v];
  const R = Math.min(2, Math.floor((Math.min(r.width, r.height) - 1) / 2));
  const B = Math.max(R, Math.min(Math.round(0.08 * Math.min(r.width, r.height)), Math.floor((Math.min(r.width, r.height) - 1) / 2)));
  let best = -Infinity;
  let pick = [Math.floor(r.width / 2), Math.floor(r.height / 2), 0];
  for (let j = 0; j < r.k; j++) {
    const val = (x, y) => {
      const w = r.weights[(y * r.width + x) * r.k + j];
      return r.method === 'nmf' ? w : Math.abs(w);
    };
    for (let y = B; y < r.height - B; y++) {
      for (let x = B; x < r.width - B; x++) {
        let sum = 0;
        for (let dy = -R; dy <= R; dy++) for (let dx = -R; dx <= R; dx++) sum += val(x + dx, y + dy);
        const mean = sum / (2 * R + 1) ** 2;
        if (mean > best) (best = mean), (pick = [x, y, j]);
      }
    }
  }
  const [x, y, comp] = pick;
  const root = await views.nth(v).elementHandle();
  const attrs = await root.evaluate((el) => [el.dataset.method, el.dataset.width, el.dataset.height].join(' '));
  if (attrs !== `${r.method} ${r.width} ${r.height}`)
    throw new Error(`view ${v} shows "${attrs}", its payload is "${r.method} ${r.width} ${r.height}"`);
  const canvas = await root.$(`canvas[data-scale][data-component="${comp}"]`);
  if (!canvas) throw new Error(`view ${v} has no map canvas for component ${comp}`);
  await canvas.scrollIntoViewIfNeeded();
  const info = await canvas.evaluate((c) => {
    const panel = c.closest('.specmap-view').querySelector('.specmap-spectra-panel') ?? c.closest('.specmap-view');
    return { s: Number(c.dataset.scale), cssW: c.getBoundingClientRect().width, before: panel.innerHTML };
  });
  if (!(info.s > 0)) throw new Error(`canvas data-scale is not a positive number: ${info.s}`);
  // CSS pixels per map pixel (equals data-scale unless the canvas is resized).
  const k = info.cssW / r.width;
  if (Math.abs(k - info.s) > 0.01) log(`note: canvas drawn at ${k.toFixed(2)} CSS px per pixel, data-scale ${info.s}`);
  log(`${nViews} specmap view(s); view ${v} (${r.method}, ${r.width}×${r.height}, data-scale ${info.s}): clicking pixel (${x}, ${y}), largest local mean of w${comp} = ${best.toPrecision(4)}`);
  await canvas.click({ position: { x: (x + 0.5) * k, y: (y + 0.5) * k } });
  await guard(page.waitForFunction((el) => el.getAttribute('data-selected') !== null, root, { timeout: 10_000 }));
  const selected = await root.getAttribute('data-selected');
  if (selected !== `${x},${y}`) throw new Error(`data-selected is "${selected}", expected "${x},${y}"`);
  // The spectrum panel shows that pixel once data-spectrum is set; it must have changed.
  await guard(
    page.waitForFunction((el) => el.getAttribute('data-spectrum') === el.getAttribute('data-selected'), root, {
      timeout: 15_000,
    }),
  );
  const after = await root.evaluate((el) => (el.querySelector('.specmap-spectra-panel') ?? el).innerHTML);
  if (after === info.before) throw new Error('the spectrum panel did not change after the click');
  const title = await root.evaluate((el) => el.querySelector('.specmap-pixel-title')?.textContent ?? '');
  if (title && !title.includes(`(${x}, ${y})`)) throw new Error(`the spectrum panel shows "${title}", expected pixel (${x}, ${y})`);

  await root.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(200);
  fs.mkdirSync(path.dirname(args.screenshot), { recursive: true });
  await page.screenshot({ path: args.screenshot, fullPage: false });
  log(`screenshot ${path.relative(process.cwd(), args.screenshot)}${title ? `; panel shows "${title}"` : ''}`);

  const regionNote = await regionsPersist(page, root, r, k);
  if (args.docsScreenshot) await docsScreenshot(page, args.docsView ?? v, args.docsPixel ?? [x, y]);

  // Let late errors (e.g. from the click) surface before judging.
  await page.waitForTimeout(500);
  closing = true;
  await page.close();
  return `${nViews} view(s), pixel (${x}, ${y}) of view ${v} selected; ${regionNote}`;
}

/** The cell index and output index of the output holding a view's root element. */
async function outputOf(page, root) {
  return root.evaluate((el, mime) => {
    const w = window.jupyterapp.shell.currentWidget;
    const cells = [...w.content.widgets];
    const i = cells.findIndex((c) => c.node.contains(el));
    if (i < 0) return null;
    const outs = [...cells[i].node.querySelectorAll('.jp-OutputArea-child')];
    const shown = outs.findIndex((o) => o.contains(el));
    // Output models with the specmap MIME type, in order; the view is the n-th of them.
    const withMime = [];
    for (let j = 0; j < cells[i].model.outputs.length; j++) if (cells[i].model.outputs.get(j).data[mime]) withMime.push(j);
    const nth = outs.slice(0, shown + 1).filter((o) => o.querySelector('.specmap-view')).length - 1;
    return { cell: i, output: withMime[nth] };
  }, MIME);
}

/**
 * Live regions: draw a rectangle on the view's component-0 map; it must be
 * stored in the output's metadata (metadata[MIME].regions in the notebook
 * model, i.e. what a save writes), survive a re-render of the output (the
 * cell's outputs rebuilt from their JSON: a new renderer reads the metadata),
 * and be shown again by the new view (its regions chart drawn).
 */
async function regionsPersist(page, root, r, k) {
  const where = await outputOf(page, root);
  if (!where || where.output === undefined) throw new Error('cannot find the notebook output of the view');
  const map0 = await root.$('canvas[data-scale][data-component="0"]');
  await (await root.$('.specmap-tool-rect')).click();
  await map0.scrollIntoViewIfNeeded();
  const box = await map0.boundingBox();
  const [ax, ay, bx, by] = [Math.round(r.width * 0.2), Math.round(r.height * 0.3), Math.round(r.width * 0.45), Math.round(r.height * 0.5)];
  const at = (px, py) => [box.x + (px + 0.5) * k, box.y + (py + 0.5) * k];
  await page.mouse.move(...at(ax, ay));
  await page.mouse.down();
  await page.mouse.move(...at((ax + bx) / 2, (ay + by) / 2), { steps: 4 });
  await page.mouse.move(...at(bx, by), { steps: 4 });
  await page.mouse.up();
  await guard(page.waitForFunction((el) => el.getAttribute('data-regions') === '1', root, { timeout: 10_000 }));
  const stored = await page.evaluate(
    ([w, mime]) => {
      const cell = window.jupyterapp.shell.currentWidget.content.widgets[w.cell];
      const live = cell.model.outputs.get(w.output).metadata?.[mime]?.regions ?? null;
      const saved = cell.model.toJSON().outputs[w.output].metadata?.[mime]?.regions ?? null; // what a save writes
      return { live, saved };
    },
    [where, MIME],
  );
  const reg = stored.saved?.[0];
  if (!Array.isArray(stored.saved) || stored.saved.length !== 1 || reg.kind !== 'rect')
    throw new Error(`the drawn rectangle is not in the output metadata: ${JSON.stringify(stored).slice(0, 300)}`);
  if (JSON.stringify(stored.live) !== JSON.stringify(stored.saved)) throw new Error('output metadata differs between the model and its JSON');
  log(`rectangle region stored in cell ${where.cell} output ${where.output} metadata: ${JSON.stringify(reg).slice(0, 160)}`);

  // Re-render: the cell's outputs cleared and added back from their JSON (as a
  // notebook loaded from disk): new output models, new renderers. (Replacing
  // one output in place would reuse the renderer, which keeps its view.)
  await root.evaluate((el) => (window.__specmapOldView = el));
  await page.evaluate((w) => {
    const outputs = window.jupyterapp.shell.currentWidget.content.widgets[w.cell].model.outputs;
    const json = outputs.toJSON();
    outputs.clear();
    for (const o of json) outputs.add(o);
  }, where);
  await guard(page.waitForFunction(() => !window.__specmapOldView.isConnected, null, { timeout: 15_000 }));
  const fresh = await page.waitForFunction(
    (w) => {
      const cell = window.jupyterapp.shell.currentWidget.content.widgets[w.cell];
      const views = [...cell.node.querySelectorAll('.specmap-view')];
      return views.find((v) => v.getAttribute('data-regions') === '1' && v.querySelector('.specmap-chart-regions svg .role-mark')) ?? null;
    },
    where,
    { timeout: 20_000 },
  );
  const back = await fresh.evaluate((el) => ({ n: el.getAttribute('data-regions'), sel: el.getAttribute('data-selection') }));
  if (back.n !== '1') throw new Error(`after the re-render the view shows ${back.n} region(s)`);
  return `rectangle region stored in the output metadata and shown again after a re-render`;
}

/** A cropped screenshot of view `v`'s output (README image) with pixel `sel` selected. */
async function docsScreenshot(page, v, sel) {
  await page.setViewportSize({ width: 1500, height: args.docsHeight + 300 });
  await page.waitForTimeout(300);
  const root = await page.locator('.specmap-view').nth(v).elementHandle();
  const map = await root.$('canvas[data-scale][data-component="0"]');
  const s = Number(await map.getAttribute('data-scale'));
  await (await root.$('.specmap-tool-pixel'))?.click();
  await map.scrollIntoViewIfNeeded();
  await map.click({ position: { x: (sel[0] + 0.5) * s, y: (sel[1] + 0.5) * s } });
  await page.waitForFunction((el) => el.getAttribute('data-spectrum') === el.getAttribute('data-selected'), root, { timeout: 15_000 });
  await page.mouse.move(2, 2);
  await page.waitForTimeout(300);
  const box = await root.boundingBox();
  const shellBox = await page.locator('.jp-NotebookPanel-notebook').boundingBox();
  await root.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(200);
  const b = await root.boundingBox();
  const height = Math.min(b.height, shellBox.y + shellBox.height - b.y, args.docsHeight);
  fs.mkdirSync(path.dirname(args.docsScreenshot), { recursive: true });
  // Width: up to the right edge of the widest child (the view's own box spans the output area).
  const right = await root.evaluate((el) => {
    const edge = el.getBoundingClientRect().right;
    let r = 0;
    for (const c of el.querySelectorAll('button, select, input, canvas, svg, .specmap-map, .specmap-header *')) {
      const b = c.getBoundingClientRect();
      if (b.width > 0 && b.right <= edge) r = Math.max(r, b.right);
    }
    return r;
  });
  await page.screenshot({ path: args.docsScreenshot, clip: { x: b.x - 8, y: b.y - 8, width: Math.min(box.width, right - b.x) + 16, height: height + 8 } });
  log(`docs screenshot ${path.relative(process.cwd(), args.docsScreenshot)} (${(fs.statSync(args.docsScreenshot).size / 1024).toFixed(0)} KiB)`);
}

let code = 1;
let line;
const hard = setTimeout(async () => {
  console.log(`FAIL lab-notebook ${rel}: hard timeout after ${args.timeout} s`);
  if (serverLog()) console.log(`--- server log (tail) ---\n${serverLog().slice(-3000)}`);
  await stopAll();
  process.exit(1);
}, (args.timeout + 30) * 1000);
hard.unref();

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await stopAll();
    process.exit(130);
  });
}

try {
  const what = await run();
  if (problems.length) {
    line = `FAIL lab-notebook ${rel}: ${problems.length} browser problem(s):\n  ${problems.join('\n  ')}`;
  } else {
    code = 0;
    line = `PASS lab-notebook ${rel}: ${what}, ${secs()} s`;
  }
} catch (e) {
  line = `FAIL lab-notebook ${rel}: ${e && e.message ? e.message : e}`;
  if (problems.length) line += `\n  browser problems:\n  ${problems.join('\n  ')}`;
  if (serverLog()) line += `\n--- server log (tail) ---\n${serverLog().slice(-3000)}`;
} finally {
  await stopAll();
}
clearTimeout(hard);
console.log(line);
process.exit(code);
