import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { decodeResultBase64, encodeResult, encodeResultChunks } from '@specmap/arrow';
import { buildReportHtml, bundlePath, escapeInlineScript, isVerbatimScript, writeReportHtml } from '../src/report';
import { syntheticResult } from './synthetic';

test('the view bundle exists (npm run build -w @specmap/widget)', () => {
  assert.ok(fs.existsSync(bundlePath()), bundlePath());
});

test('report is one self-contained page: inline scripts only, no remote URLs, no module imports', () => {
  const r = syntheticResult({ width: 12, height: 9, m: 30 });
  const html = buildReportHtml(encodeResult(r), { title: 'Fe <L3> & "test"', summaryHtml: '<p id="sum">summary</p>' });
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.includes('<title>Fe &lt;L3&gt; &amp; &quot;test&quot;</title>'), 'title escaped');
  assert.ok(html.includes('<p id="sum">summary</p>'));
  assert.doesNotMatch(html, /\bsrc\s*=\s*["']?\s*(https?:)?\/\//i, 'no src=http(s) or protocol-relative src');
  assert.doesNotMatch(html, /<link\b[^>]*href/i, 'no stylesheet links');
  assert.doesNotMatch(html, /<script[^>]*\bsrc\s*=/i, 'no external scripts');
  assert.doesNotMatch(html, /<script[^>]*type\s*=\s*["']?module/i, 'no module scripts');
  assert.doesNotMatch(html, /\bimport\s*\(/, 'no dynamic import()');
  assert.doesNotMatch(html, /@import/, 'no CSS @import');
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  // Exactly the three scripts we wrote; none is closed early by "</script" in its text.
  const scripts = html.match(/<script\b[^>]*>/gi) ?? [];
  assert.equal(scripts.length, 3);
  assert.equal((html.match(/<\/script>/gi) ?? []).length, 3);
});

test('payload round-trips through the inlined base64', () => {
  const r = syntheticResult({ width: 7, height: 5, m: 16, method: 'pca', binning: 2 });
  const html = buildReportHtml(encodeResult(r), { title: 't' });
  const m = /<script type="application\/octet-stream" id="specmap-payload">([A-Za-z0-9+/=]*)<\/script>/.exec(html);
  assert.ok(m, 'payload script not found');
  const back = decodeResultBase64(m[1]);
  assert.equal(back.method, 'pca');
  assert.equal(back.width, 7);
  assert.equal(back.height, 5);
  assert.deepEqual(Array.from(back.weights), Array.from(r.weights));
  assert.deepEqual(Array.from(back.components), Array.from(r.components));
  assert.deepEqual(Array.from(back.mean!), Array.from(r.mean!));
  assert.equal(back.measured!.binning, 2);
  assert.deepEqual(Array.from(back.measured!.data), Array.from(r.measured!.data));
  assert.deepEqual(back.references!.spectra.map((s) => s.name), ['siderite (Fe2+)', 'hematite (Fe3+)']);
});

test('inline-script guard neutralises </script and <!--', () => {
  const js = 'var a = "</script><script>alert(1)</script>"; var b = "<!-- x"; var c = "</SCRIPT>";';
  const out = escapeInlineScript(js);
  assert.doesNotMatch(out, /<\/script/i);
  assert.doesNotMatch(out, /<!--/);
  // Same string values once evaluated.
  const f = new Function(`${out}; return [a, b, c];`);
  assert.deepEqual(f(), ['</script><script>alert(1)</script>', '<!-- x', '</SCRIPT>']);
});

test('isVerbatimScript: true exactly when the UTF-8 bytes are the escaped text (the report then writes the bundle as it is)', () => {
  const enc = (t: string) => Buffer.from(t, 'utf8');
  const verbatim = ['var a = 1;', 'x < /y/.test("a") && b </ c', 'if (a <! b) "</scrip" + "t>"', 'é ∑ 😀 "<\\/script>"', ''];
  const escaped = ['"</script>"', 'a = "</SCRIPT"', '"</ScRiPt "', 'a <!-- b', 's = "x</script"'];
  for (const t of verbatim) {
    assert.equal(isVerbatimScript(enc(t)), true, t);
    assert.equal(escapeInlineScript(t), t, t);
  }
  for (const t of escaped) {
    assert.equal(isVerbatimScript(enc(t)), false, t);
    assert.notEqual(escapeInlineScript(t), t, t);
  }
  // Bytes that are not UTF-8 would not survive decoding and re-encoding.
  assert.equal(isVerbatimScript(Uint8Array.of(0x61, 0xff, 0x62)), false);
  assert.equal(isVerbatimScript(Uint8Array.of(0xe2, 0x82)), false);
  // A view into a larger buffer is judged on its own bytes.
  const big = enc('</script>var a = 1;');
  assert.equal(isVerbatimScript(big.subarray(9)), true);
  // The real bundle: whichever way it goes, the page holds escapeInlineScript of its text.
  const bundle = fs.readFileSync(bundlePath());
  if (isVerbatimScript(bundle)) assert.equal(escapeInlineScript(bundle.toString('utf8')), bundle.toString('utf8'));
});

test('writeReportHtml from encodeResultChunks writes the bytes of buildReportHtml(encodeResult(r)) (payload of many base64 pieces)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-report-'));
  try {
    // ≈ 0.6 MB of measured spectra: several 96 KiB pieces, chunk boundaries inside pieces.
    const r = syntheticResult({ width: 48, height: 40, m: 80 });
    const whole = encodeResult(r);
    const chunks = encodeResultChunks(r);
    assert.ok(chunks.length > 3 && whole.length > 4 * (3 << 15), `${chunks.length} chunks, ${whole.length} bytes`);
    const options = { title: 'chunks', summaryHtml: '<p>s</p>' };
    const expected = Buffer.from(buildReportHtml(whole, options), 'utf8');
    const fromChunks = path.join(dir, 'chunks.html');
    writeReportHtml(fromChunks, chunks, options);
    assert.ok(fs.readFileSync(fromChunks).equals(expected), 'chunks → same bytes');
    const fromWhole = path.join(dir, 'whole.html');
    writeReportHtml(fromWhole, whole, options);
    assert.ok(fs.readFileSync(fromWhole).equals(expected), 'one buffer → same bytes');
    assert.equal(buildReportHtml(chunks, options), expected.toString('utf8'));
    // The payload inside decodes to the result.
    const m = /id="specmap-payload">([A-Za-z0-9+/=]*)<\/script>/.exec(expected.toString('utf8'));
    assert.ok(m);
    assert.deepEqual(Array.from(decodeResultBase64(m[1]).measured!.data), Array.from(r.measured!.data));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
