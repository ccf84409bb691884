import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeResultBase64, encodeResult } from '@specmap/arrow';
import { buildScanReportHtml, type ScanReportRow } from '../src/scan-report';
import { syntheticResult } from './synthetic';

const rows: ScanReportRow[] = [
  { k: 2, omega: 0, mse: 1e-4, overlap: 0.7, coverage: 0.4, r: { 'ox<id>': 1, red: 0.69 }, worstR: 0.69, dir: 'k2-omega0', chosen: false },
  { k: 2, omega: 0.3, mse: 2e-4, overlap: 0.07, coverage: 0.44, r: { 'ox<id>': 0.99, red: 0.98 }, worstR: 0.98, dir: 'k2-omega0.3', chosen: true },
];
const payloads = [syntheticResult({ width: 6, height: 5, m: 12 }), syntheticResult({ width: 6, height: 5, m: 12, method: 'pca' })].map((r) => encodeResult(r));

test('scan.html inlines every run within the budget: one payload element per run, chosen row marked, text escaped', () => {
  const html = buildScanReportHtml(rows, payloads, { title: 'scan </script> & "x"', method: 'nmf-so' });
  assert.ok(html.includes('<title>scan &lt;/script&gt; &amp; &quot;x&quot;</title>'));
  assert.ok(html.includes('r ox&lt;id&gt;'), 'reference names escaped');
  assert.match(html, /<body data-inline="true">/);
  for (let i = 0; i < 2; i++) {
    const m = html.match(new RegExp(`<script type="application/octet-stream" id="specmap-payload-${i}">([^<]*)</script>`));
    assert.ok(m, `payload ${i}`);
    assert.equal(decodeResultBase64(m![1]).width, 6);
  }
  assert.match(html, /<tr data-row="1" data-dir="k2-omega0.3"[^>]*class="is-chosen"/);
  assert.equal((html.match(/class="scan-chosen"/g) ?? []).length, 2, 'chosen run ringed in both panels');
  assert.equal((html.match(/class="scan-pt"/g) ?? []).length, 4);
  assert.doesNotMatch(html, /<script[^>]*\bsrc\s*=/i);
  const runs = JSON.parse(html.match(/<script type="application\/json" id="scan-runs">([^<]*)<\/script>/)![1]);
  assert.deepEqual(runs.map((r: { href: string; inline: boolean }) => [r.href, r.inline]), [['k2-omega0/report.html', true], ['k2-omega0.3/report.html', true]]);
});

test('scan.html over budget: nothing inlined, the page says so and links to each report.html', () => {
  const html = buildScanReportHtml(rows, payloads, { title: 'scan', maxInlineBytes: 10 });
  assert.match(html, /<body data-inline="false">/);
  assert.doesNotMatch(html, /specmap-payload-\d/);
  assert.match(html, /exceed this page's budget/);
  assert.ok(html.length < 60_000, `no bundle inlined (${html.length} chars)`);
  assert.throws(() => buildScanReportHtml(rows, [payloads[0]], { title: 'x' }), /2 rows but 1 payloads/);
});
