import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import { decodeResultBase64, base64ToBytes, SPECMAP_MIME as ARROW_MIME } from '@specmap/arrow';
import { decodePng } from '@specmap/png';
import { displayBundle, summaryText, show, findTslabDisplayWriter, SPECMAP_MIME } from '../src/index';
import { nmfResult, pcaResult } from '../../arrow/test/fixtures';

test('displayBundle has the three MIME keys', () => {
  const b = displayBundle(nmfResult());
  assert.equal(SPECMAP_MIME, ARROW_MIME);
  assert.deepEqual(Object.keys(b).sort(), [SPECMAP_MIME, 'image/png', 'text/plain'].sort());
  for (const v of Object.values(b)) assert.equal(typeof v, 'string');
});

test('displayBundle: Arrow base64 decodes back to the result', () => {
  const r = nmfResult();
  const back = decodeResultBase64(displayBundle(r)[SPECMAP_MIME]);
  assert.equal(back.method, 'nmf');
  assert.deepEqual(back.weights, r.weights);
  assert.deepEqual(back.components, r.components);
  assert.deepEqual(back.references!.pearson, r.references!.pearson);
  assert.deepEqual(back.provenance, r.provenance);
});

test('displayBundle: PNG base64 decodes to a valid image', () => {
  const b = displayBundle(pcaResult());
  const png = base64ToBytes(b['image/png']);
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  const img = decodePng(png);
  assert.ok(img.width > 300 && img.height > 300);
  assert.deepEqual(Buffer.from(b['image/png'], 'base64'), Buffer.from(png), 'standard base64');
});

test('summaryText: NMF with references has the Pearson table and warnings', () => {
  const s = summaryText(nmfResult());
  assert.match(s, /^specmap NMF result: k=2, 16×12 px, 41 energies \(700\.0–725\.0 eV\)/);
  assert.match(s, /iterations: 25, converged: NO, seed: 42/);
  assert.match(s, /warnings \(1\):\n  - NMF did not converge/);
  assert.match(s, /Pearson r/);
  const lines = s.split('\n');
  const header = lines.findIndex((l) => l.includes('oxidized') && l.includes('reduced') && !l.includes('r='));
  assert.ok(header > 0);
  assert.match(lines[header + 1], /^\s+c0\s+0\.990\s+0\.210$/);
  assert.match(lines[header + 2], /^\s+c1\s+0\.180\s+0\.970$/);
});

test('summaryText: PCA shows explained variance and no Pearson table', () => {
  const s = summaryText(pcaResult());
  assert.match(s, /specmap PCA result: k=2, 13×9 px, 37 energies/);
  assert.match(s, /explained variance: c0 81\.3%, c1 18\.8%/);
  assert.match(s, /warnings: none/);
  assert.doesNotMatch(s, /Pearson/);
});

test('show() outside tslab throws a SpecmapError', () => {
  assert.equal(findTslabDisplayWriter(), null);
  assert.throws(() => show(pcaResult()), { name: 'SpecmapError', code: 'NOT_TSLAB' });
});

test('show() sends one display_data with the whole bundle through the tslab writer', () => {
  // Register a fake tslab/dist/jupyter.js module in require.cache, as the kernel would have.
  const filename = '/fake/node_modules/tslab/dist/jupyter.js';
  const sent: { content: { data: Record<string, string> }; update?: boolean }[] = [];
  const mod = new Module(filename);
  mod.filename = filename;
  mod.loaded = true;
  mod.exports = { lastWriteDisplayData: (content: { data: Record<string, string> }, update?: boolean) => sent.push({ content, update }) };
  require.cache[filename] = mod;
  try {
    const r = nmfResult();
    show(r);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].update, false);
    assert.deepEqual(sent[0].content.data, displayBundle(r));
  } finally {
    delete require.cache[filename];
  }
});
