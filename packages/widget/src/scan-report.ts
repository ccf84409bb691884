/**
 * The scan report (Node only): DIR/scan.html of `specmap scan`. One
 * self-contained page like report.html (same CSP, the view's IIFE bundle
 * inlined, opens from file://): the scan's runs as a chart (worst matched r —
 * or the MSE without references — and the map overlap against ω, one line per
 * K; against K when ω is not scanned; chosen runs ringed) and a table; clicking
 * a point or a row shows that run's maps and spectra in the specmap view.
 *
 * Every run's Arrow payload is inlined when together they fit the budget
 * (`maxInlineBytes`, base64 text counted); otherwise none is, the page says so
 * and each run links to its own report.html (DIR/<dir>/report.html).
 */
import { bytesToBase64 } from '@specmap/arrow';
import { COMPONENT_COLORS } from './colormap';
import { escapeHtml, escapeInlineScript, PAGE_CSS, readBundle, REPORT_CSP } from './report';

/** One run of a scan (structurally the CLI's ScanRow; extra fields are ignored). */
export interface ScanReportRow {
  k: number;
  /** ω as run (null for methods without ω). */
  omega: number | null;
  mse: number;
  overlap: number;
  coverage: number;
  /** Matched Pearson r per reference name. */
  r: Record<string, number>;
  /** Smallest matched r over the references (NaN/absent without references). */
  worstR: number;
  /** The run's folder, relative to the scan folder (its report is `${dir}/report.html`). */
  dir: string;
  chosen: boolean;
  /** Components actually returned (nmf-ard-so may prune). */
  kOut?: number;
}

export interface ScanReportOptions {
  /** Page title (plain text; escaped). */
  title: string;
  /** Method name shown under the title. */
  method?: string;
  /** Reference names, in column order (default: the keys of the first row's r). */
  references?: string[];
  /** The choice rule and notes of the scan (plain text). */
  rule?: string;
  notes?: string[];
  /** Budget for the inlined payloads together (base64 characters). Default SCAN_INLINE_BUDGET_BYTES. */
  maxInlineBytes?: number;
}

/** Default budget of the inlined payloads of scan.html: 48 MiB of base64. */
export const SCAN_INLINE_BUDGET_BYTES = 48 * 2 ** 20;

const fin = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function fmt(v: number | null | undefined, digits = 4): string {
  if (!fin(v)) return '–';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(2);
  return String(Number(v.toPrecision(digits)));
}

function niceStep(span: number, n: number): number {
  const raw = span / Math.max(1, n);
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

interface Series {
  label: string;
  color: string;
  pts: { x: number; y: number; row: number }[];
}

interface Panel {
  title: string;
  xLabel: string;
  series: Series[];
}

/** The scan chart as inline SVG (points carry data-row for the page script). */
export function scanChartSvg(rows: readonly ScanReportRow[], hasRefs: boolean): string {
  const omegaScan = new Set(rows.map((r) => r.omega).filter((o) => o !== null)).size > 1;
  const ks = [...new Set(rows.map((r) => r.k))];
  const mk = (f: (i: number, base: number) => number): Series[] => {
    if (omegaScan) {
      return ks.map((k, s) => {
        const idx = rows.map((_, i) => i).filter((i) => rows[i].k === k).sort((a, b) => (rows[a].omega ?? 0) - (rows[b].omega ?? 0));
        return { label: `K=${k}`, color: COMPONENT_COLORS[s % COMPONENT_COLORS.length], pts: idx.map((i) => ({ x: rows[i].omega ?? 0, y: f(i, idx[0]), row: i })) };
      });
    }
    const idx = rows.map((_, i) => i).sort((a, b) => rows[a].k - rows[b].k);
    return [{ label: 'runs', color: COMPONENT_COLORS[0], pts: idx.map((i) => ({ x: rows[i].k, y: f(i, idx[0]), row: i })) }];
  };
  const xLabel = omegaScan ? 'ω' : 'K';
  const panels: Panel[] = [
    hasRefs
      ? { title: 'worst matched Pearson r', xLabel, series: mk((i) => rows[i].worstR) }
      : omegaScan
        ? { title: 'MSE / MSE at smallest ω', xLabel, series: mk((i, b) => rows[i].mse / rows[b].mse) }
        : { title: 'MSE', xLabel, series: mk((i) => rows[i].mse) },
    { title: 'map overlap (mean pair cosine)', xLabel, series: mk((i) => rows[i].overlap) },
  ];
  const W = 360;
  const H = 250;
  const parts: string[] = [];
  panels.forEach((p, n) => parts.push(`<g transform="translate(${n * W},0)">${panelSvg(p, W, H, rows)}</g>`));
  const legend =
    panels[0].series.length > 1
      ? panels[0].series
          .map((s, i) => `<g transform="translate(${60 + i * 70},${H + 6})"><rect width="14" height="4" y="4" fill="${s.color}"/><text x="18" y="10">${escapeHtml(s.label)}</text></g>`)
          .join('')
      : '';
  const chosenKey = `<g transform="translate(${W * panels.length - 150},${H + 6})"><rect x="0" y="0" width="11" height="11" fill="none" stroke="#000"/><text x="16" y="10">chosen run</text></g>`;
  return `<svg class="scan-chart" xmlns="http://www.w3.org/2000/svg" width="${W * panels.length}" height="${H + 24}" viewBox="0 0 ${W * panels.length} ${H + 24}" font-size="11" font-family="system-ui, 'DejaVu Sans', sans-serif" role="img" aria-label="scan runs chart">${parts.join('')}${legend}${chosenKey}</svg>`;
}

function panelSvg(p: Panel, w: number, h: number, rows: readonly ScanReportRow[]): string {
  const L = 52, R = w - 14, T = 24, B = h - 36;
  const xs = p.series.flatMap((s) => s.pts.map((q) => q.x)).filter(fin);
  const ys = p.series.flatMap((s) => s.pts.map((q) => q.y)).filter(fin);
  const out: string[] = [`<text x="${(L + R) / 2}" y="14" text-anchor="middle" font-weight="600">${escapeHtml(p.title)}</text>`, `<rect x="${L}" y="${T}" width="${R - L}" height="${B - T}" fill="none" stroke="#888"/>`];
  if (!xs.length || !ys.length) return out.join('') + `<text x="${(L + R) / 2}" y="${(T + B) / 2}" text-anchor="middle" fill="#888">no finite values</text>`;
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x1 === x0) [x0, x1] = [x0 - 0.5, x1 + 0.5];
  if (y1 === y0) [y0, y1] = [y0 - Math.max(Math.abs(y0) * 0.01, 1e-3), y1 + Math.max(Math.abs(y1) * 0.01, 1e-3)];
  const pad = (y1 - y0) * 0.08;
  y0 -= pad;
  y1 += pad;
  const X = (v: number) => L + 8 + ((v - x0) / (x1 - x0)) * (R - L - 16);
  const Y = (v: number) => B - ((v - y0) / (y1 - y0)) * (B - T);
  const tick = (lo: number, hi: number) => {
    const st = niceStep(hi - lo, 5);
    const t: number[] = [];
    for (let v = Math.ceil(lo / st) * st; v <= hi + st * 1e-9; v += st) t.push(Number(v.toPrecision(12)));
    return t;
  };
  for (const t of tick(x0, x1)) out.push(`<line x1="${X(t)}" x2="${X(t)}" y1="${B}" y2="${B + 4}" stroke="#666"/><text x="${X(t)}" y="${B + 15}" text-anchor="middle" fill="#444">${fmt(t, 3)}</text>`);
  for (const t of tick(y0, y1)) out.push(`<line x1="${L - 4}" x2="${R}" y1="${Y(t)}" y2="${Y(t)}" stroke="#eee"/><text x="${L - 6}" y="${Y(t) + 4}" text-anchor="end" fill="#444">${fmt(t, 3)}</text>`);
  out.push(`<text x="${(L + R) / 2}" y="${B + 30}" text-anchor="middle">${escapeHtml(p.xLabel)}</text>`);
  for (const s of p.series) {
    const pts = s.pts.filter((q) => fin(q.y) && fin(q.x));
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((q) => `${X(q.x).toFixed(1)},${Y(q.y).toFixed(1)}`).join(' ')}"/>`);
    for (const q of pts) {
      const row = rows[q.row];
      const label = `${row.dir}: ${p.title} = ${fmt(q.y)}`;
      if (row.chosen) out.push(`<rect class="scan-chosen" x="${X(q.x) - 7}" y="${Y(q.y) - 7}" width="14" height="14" fill="none" stroke="#000" stroke-width="1.5"/>`);
      out.push(`<circle class="scan-pt" data-row="${q.row}" cx="${X(q.x).toFixed(1)}" cy="${Y(q.y).toFixed(1)}" r="4.5" fill="${s.color}" tabindex="-1"><title>${escapeHtml(label)}</title></circle>`);
    }
  }
  return out.join('');
}

const SCAN_CSS = `
.scan-intro { color: #555; margin: 0 0 10px; }
.scan-budget { background: #fff3e0; border: 1px solid #ffcc80; padding: 6px 10px; margin: 8px 0; }
.scan-chart .scan-pt { cursor: pointer; }
.scan-chart .scan-pt.is-current { stroke: #000; stroke-width: 2.5; r: 6.5; }
.scan-table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 10px 0 16px; }
.scan-table th, .scan-table td { text-align: right; padding: 3px 9px; border-bottom: 1px solid #eee; }
.scan-table th:last-child, .scan-table td:last-child, .scan-table td.scan-dir { text-align: left; }
.scan-table tbody tr { cursor: pointer; }
.scan-table tbody tr:hover { background: #f3f6fa; }
.scan-table tbody tr.is-chosen td.scan-dir::after { content: ' ★ chosen'; color: #b26a00; }
.scan-table tbody tr[aria-selected="true"] { background: #e3eefb; outline: 2px solid #4c78a8; }
.scan-run-title { font-size: 16px; font-weight: 600; margin: 14px 0 6px; }
.scan-run-link { padding: 10px; background: #f5f5f5; }
`;

/**
 * scan.html: the chart and table of a scan, each run's view one click away.
 * `payloads[i]` is run i's Arrow bytes (result.arrow), or null when missing
 * (that run then links to its report).
 */
export function buildScanReportHtml(rows: readonly ScanReportRow[], payloads: readonly (Uint8Array | null | undefined)[], options: ScanReportOptions): string {
  if (payloads.length !== rows.length) throw new Error(`buildScanReportHtml: ${rows.length} rows but ${payloads.length} payloads`);
  const title = escapeHtml(options.title);
  const refs = options.references ?? Object.keys(rows[0]?.r ?? {});
  const hasRefs = refs.length > 0;
  const budget = options.maxInlineBytes ?? SCAN_INLINE_BUDGET_BYTES;
  const b64Size = (p: Uint8Array | null | undefined) => (p ? 4 * Math.ceil(p.length / 3) : 0);
  const total = payloads.reduce((s, p) => s + b64Size(p), 0);
  const inline = total <= budget;
  const mb = (n: number) => (n / 2 ** 20).toFixed(1);
  const href = (r: ScanReportRow) => r.dir.split('/').map(encodeURIComponent).join('/') + '/report.html';
  const omegaCol = rows.some((r) => r.omega !== null);

  const head = ['', 'K', ...(omegaCol ? ['ω'] : []), 'MSE', 'overlap', 'coverage', ...refs.map((n) => `r ${n}`), ...(hasRefs ? ['worst r'] : []), 'run'];
  const body = rows.map((r, i) => {
    const cells = [
      `<td>${i + 1}</td>`,
      `<td>${r.k}${r.kOut !== undefined && r.kOut !== r.k ? ` (→${r.kOut})` : ''}</td>`,
      ...(omegaCol ? [`<td>${fmt(r.omega)}</td>`] : []),
      `<td>${fmt(r.mse)}</td>`,
      `<td>${fmt(r.overlap)}</td>`,
      `<td>${fmt(r.coverage)}</td>`,
      ...refs.map((n) => `<td>${fmt(r.r[n])}</td>`),
      ...(hasRefs ? [`<td>${fmt(r.worstR)}</td>`] : []),
      `<td class="scan-dir"><a href="${escapeHtml(href(r))}">${escapeHtml(r.dir)}</a></td>`,
    ];
    return `<tr data-row="${i}" data-dir="${escapeHtml(r.dir)}" tabindex="0" aria-selected="false"${r.chosen ? ' class="is-chosen"' : ''}>${cells.join('')}</tr>`;
  });
  const table = `<table class="scan-table"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>\n${body.join('\n')}\n</tbody></table>`;

  const meta = rows.map((r, i) => ({ dir: r.dir, k: r.k, omega: r.omega, chosen: r.chosen, href: href(r), inline: inline && !!payloads[i] }));
  const json = JSON.stringify(meta).replace(/</g, '\\u003c');
  const budgetNote = inline
    ? ''
    : `<p class="scan-budget" data-inline="false">The ${rows.length} runs' results together (${mb(total)} MB) exceed this page's budget of ${mb(budget)} MB, so they are not inlined: choosing a run links to its own report.html (the folders beside this page).</p>`;
  const intro = `<p class="scan-intro">${rows.length} runs${options.method ? ` of ${escapeHtml(options.method)}` : ''}. Click a point or a row to show that run's maps and spectra.${options.rule ? ` Choice: ${escapeHtml(options.rule)}` : ''}</p>${(options.notes ?? []).map((n) => `<p class="scan-intro">${escapeHtml(n)}</p>`).join('')}`;
  const payloadTags = inline ? payloads.map((p, i) => (p ? `<script type="application/octet-stream" id="specmap-payload-${i}">${bytesToBase64(p)}</script>` : '')).join('\n') : '';
  const bundle = inline ? `<script>${escapeInlineScript(readBundle())}</script>` : '';
  const boot = escapeInlineScript(`(function () {
  var runs = JSON.parse(document.getElementById('scan-runs').textContent);
  var root = document.getElementById('specmap-root');
  var heading = document.getElementById('scan-run-title');
  var current = null;
  function show(i) {
    if (!(i >= 0 && i < runs.length)) return;
    var run = runs[i];
    if (current && current.view) current.view.dispose();
    current = null;
    root.textContent = '';
    Array.prototype.forEach.call(document.querySelectorAll('.scan-table tbody tr'), function (tr) {
      tr.setAttribute('aria-selected', String(Number(tr.getAttribute('data-row')) === i));
    });
    Array.prototype.forEach.call(document.querySelectorAll('.scan-pt'), function (c) {
      c.classList.toggle('is-current', Number(c.getAttribute('data-row')) === i);
    });
    heading.textContent = 'Run ' + run.dir + ' (K = ' + run.k + (run.omega === null ? '' : ', \\u03c9 = ' + run.omega) + ')' + (run.chosen ? ' \\u2014 chosen' : '');
    document.body.setAttribute('data-run', run.dir);
    var el = run.inline ? document.getElementById('specmap-payload-' + i) : null;
    if (el && window.specmapWidget) {
      current = specmapWidget.renderOutput(root, el.textContent, {});
      window.specmapView = current.view;
      window.specmapError = current.error ? String(current.error && current.error.message || current.error) : null;
    } else {
      window.specmapView = null;
      var p = document.createElement('p');
      p.className = 'scan-run-link';
      var a = document.createElement('a');
      a.href = run.href;
      a.textContent = 'Open ' + run.href;
      p.append('This run is not inlined in this page: ', a, ' (its own report).');
      root.appendChild(p);
    }
  }
  function rowOf(target) {
    var t = target && target.closest ? target.closest('[data-row]') : null;
    return t ? Number(t.getAttribute('data-row')) : -1;
  }
  document.querySelector('.scan-table tbody').addEventListener('click', function (e) {
    if (e.target.closest('a')) return;
    show(rowOf(e.target));
  });
  document.querySelector('.scan-table tbody').addEventListener('keydown', function (e) {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); show(rowOf(e.target)); }
    else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      var tr = e.target.closest('tr');
      var next = tr && (e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling);
      if (next) { next.focus(); show(rowOf(next)); }
    }
  });
  var chart = document.querySelector('.scan-chart');
  if (chart) chart.addEventListener('click', function (e) { var i = rowOf(e.target); if (i >= 0) show(i); });
  var first = 0;
  for (var i = 0; i < runs.length; i++) if (runs[i].chosen) { first = i; break; }
  window.specmapScan = { show: show, runs: runs };
  if (runs.length) show(first);
})();`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="specmap">
<title>${title}</title>
<style>${PAGE_CSS}${SCAN_CSS}</style>
</head>
<body data-inline="${inline}">
<main class="report">
<h1>${title}</h1>
${intro}
${budgetNote}<noscript>This page needs JavaScript to show the runs' maps and spectra; the table links to each run's report.html.</noscript>
${rows.length ? scanChartSvg(rows, hasRefs) : '<p>No runs.</p>'}
${table}
<div class="scan-run-title" id="scan-run-title"></div>
<div id="specmap-root"></div>
</main>
<script type="application/json" id="scan-runs">${json}</script>
${payloadTags}
${bundle}
<script>${boot}</script>
</body>
</html>
`;
}
