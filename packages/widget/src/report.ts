/**
 * The standalone HTML report (Node only): one self-contained page with the
 * view's IIFE bundle and the Arrow payload inlined. It makes no requests (a
 * Content-Security-Policy forbids them), imports no modules and opens from
 * disk (file://).
 */
import * as fs from 'fs';
import * as path from 'path';
import { isUtf8 } from 'buffer';
import { base64Pieces, bytesToBase64, BASE64_PIECE_BYTES } from '@specmap/arrow';

export interface ReportOptions {
  /** Page title (plain text; escaped). */
  title: string;
  /** Trusted HTML shown under the view (e.g. the CLI's summary table). */
  summaryHtml?: string;
}

/** Path of the IIFE bundle built by `npm run build -w @specmap/widget`. */
export function bundlePath(): string {
  return path.join(__dirname, '..', 'bundle', 'specmap-widget.js');
}

let cachedBundle: string | null = null;

/** The view's IIFE bundle (text), read once. */
export function readBundle(): string {
  if (cachedBundle === null) cachedBundle = readBundleBytes().toString('utf8');
  return cachedBundle;
}

function readBundleBytes(): Buffer {
  const p = bundlePath();
  if (!fs.existsSync(p)) {
    throw new Error(`specmap report: the view bundle ${p} is missing; run "npm run build -w @specmap/widget"`);
  }
  return fs.readFileSync(p);
}

/**
 * Whether script bytes go into the page unchanged: valid UTF-8 (the text
 * re-encodes to the same bytes) with nothing for escapeInlineScript to
 * change (its patterns are ASCII, and in UTF-8 ASCII bytes are only ASCII
 * characters).
 */
export function isVerbatimScript(bytes: Uint8Array): boolean {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isUtf8(b) || b.includes('<!--')) return false;
  for (let i = b.indexOf('</'); i >= 0; i = b.indexOf('</', i + 2)) {
    if (b.toString('latin1', i + 2, i + 8).toLowerCase() === 'script') return false;
  }
  return true;
}

let cachedVerbatim: Buffer | null | undefined;

/**
 * The bundle's bytes when the page holds them unchanged (isVerbatimScript),
 * else null: writing them skips decoding and re-encoding the 1.3 MB bundle
 * (~10 ms).
 */
function verbatimBundle(): Buffer | null {
  if (cachedVerbatim === undefined) {
    const bytes = readBundleBytes();
    cachedVerbatim = isVerbatimScript(bytes) ? bytes : null;
  }
  return cachedVerbatim;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Makes JavaScript safe to inline in a <script> element: `</script` and `<!--`
 * would end or confuse the element. Both only occur inside string, template or
 * regex literals in real code, where `<\/` and `<\!` mean the same characters.
 */
export function escapeInlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** Content-Security-Policy of the report: inline script and style only, nothing fetched. */
export const REPORT_CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'";

/** CSS of the report page around the view. */
export const PAGE_CSS = `
:root { color-scheme: light; }
html, body { margin: 0; background: #ffffff; color: rgba(0, 0, 0, 0.87); }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif; font-size: 14px; }
.report { max-width: 1280px; margin: 0 auto; padding: 16px 20px 40px; }
.report > h1 { font-size: 20px; font-weight: 600; margin: 0 0 8px; }
.report-summary { margin-top: 24px; border-top: 1px solid #e0e0e0; padding-top: 12px; overflow-x: auto; }
.report-summary table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.report-summary th, .report-summary td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid #eeeeee; vertical-align: top; }
.report-error { color: #b00020; white-space: pre-wrap; font-family: ui-monospace, 'DejaVu Sans Mono', monospace; }
noscript { display: block; padding: 8px; background: #fff3e0; }
`;

/** The page around the payload: [before, after]; `bundle` is the escaped bundle text (or a marker put in its place). */
function reportParts(options: ReportOptions, bundle: string = escapeInlineScript(readBundle())): [string, string] {
  const title = escapeHtml(options.title);
  // Regions drawn in the page are kept in the page's state (window.specmapView.regions),
  // exported with the "Regions JSON" button, and remembered in localStorage per result.
  const boot = escapeInlineScript(`(function () {
  var root = document.getElementById('specmap-root');
  var data = document.getElementById('specmap-payload').textContent;
  var key = 'specmap-regions:' + data.length + ':' + data.slice(-64);
  var saved;
  try { saved = JSON.parse(window.localStorage.getItem(key) || 'null'); } catch (e) { saved = null; }
  var options = {
    onRegionsChange: function (regions) {
      try { window.localStorage.setItem(key, JSON.stringify(regions)); } catch (e) { /* storage unavailable */ }
    }
  };
  if (Array.isArray(saved) && saved.length) options.regions = saved;
  var out = specmapWidget.renderOutput(root, data, options);
  window.specmapView = out.view;
  window.specmapError = out.error ? String(out.error && out.error.message || out.error) : null;
})();`);
  const summary = options.summaryHtml ? `<section class="report-summary">\n${options.summaryHtml}\n</section>\n` : '';
  const page = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="specmap">
<title>${title}</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<main class="report">
<h1>${title}</h1>
<noscript>This report needs JavaScript to draw the maps and spectra.</noscript>
<div id="specmap-root"></div>
${summary}</main>
<script type="application/octet-stream" id="specmap-payload">\u0000PAYLOAD\u0000</script>
<script>${bundle}</script>
<script>${boot}</script>
</body>
</html>
`;
  const at = page.indexOf('\u0000PAYLOAD\u0000');
  return [page.slice(0, at), page.slice(at + '\u0000PAYLOAD\u0000'.length)];
}

/** The payload as a list of chunks (one Uint8Array, or encodeResultChunks' list). */
function payloadChunks(payload: Uint8Array | readonly Uint8Array[]): readonly Uint8Array[] {
  return payload instanceof Uint8Array ? [payload] : payload;
}

/**
 * One self-contained HTML page showing the result encoded in `payload`: the
 * bytes of @specmap/arrow's encodeResult, or the chunks of encodeResultChunks
 * (the same page).
 */
export function buildReportHtml(payload: Uint8Array | readonly Uint8Array[], options: ReportOptions): string {
  const [head, tail] = reportParts(options);
  // base64: [A-Za-z0-9+/=] only, cannot close the element
  const text = payload instanceof Uint8Array ? bytesToBase64(payload) : Array.from(base64Pieces(payload)).join('');
  return head + text + tail;
}

/**
 * Write the page of {@link buildReportHtml} to `file` without ever holding it
 * (or the whole base64 text, or a concatenated payload) in memory: `payload`
 * is the bytes of encodeResult or, better, the chunks of encodeResultChunks
 * (views of the result's arrays: no copy at all); its base64 is written piece
 * by piece (base64Pieces, 48 KiB of input per piece), so memory stays at the
 * result + a few hundred KB. The same bytes as buildReportHtml.
 */
export function writeReportHtml(file: string, payload: Uint8Array | readonly Uint8Array[], options: ReportOptions): void {
  const bundle = verbatimBundle();
  const BUNDLE = '\u0000BUNDLE\u0000';
  // The bundle's own bytes in place of its text when they are the same (verbatimBundle).
  const [head, tail] = bundle ? reportParts(options, BUNDLE) : reportParts(options);
  const at = bundle ? tail.indexOf(BUNDLE) : -1;
  const fd = fs.openSync(file, 'w');
  try {
    const put = (buf: Uint8Array): void => {
      let off = 0;
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    };
    put(Buffer.from(head, 'utf8'));
    // Each piece is a short string (young-generation garbage) written through one reused buffer: memory stays flat.
    const out = Buffer.allocUnsafe((BASE64_PIECE_BYTES / 3) * 4);
    for (const piece of base64Pieces(payloadChunks(payload), BASE64_PIECE_BYTES)) {
      put(out.subarray(0, out.write(piece, 0, 'latin1')));
    }
    if (bundle) {
      put(Buffer.from(tail.slice(0, at), 'utf8'));
      put(bundle);
      put(Buffer.from(tail.slice(at + BUNDLE.length), 'utf8'));
    } else {
      put(Buffer.from(tail, 'utf8'));
    }
  } finally {
    fs.closeSync(fd);
  }
}
