import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordBatch, Schema, Struct, Table, makeData, tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { AnalysisResult } from '@specmap/core';
import {
  SPECMAP_MIME,
  FORMAT_VERSION,
  HEADER_KEY,
  encodeResult,
  encodeResultChunks,
  decodeResult,
  encodeResultBase64,
  decodeResultBase64,
  bytesToBase64,
  base64ToBytes,
  base64Pieces,
} from '../src/index';
import { nmfResult, pcaResult } from './fixtures';

type Typed = Float32Array | Float64Array;

function bitsEqual(a: Typed | undefined, b: Typed | undefined, what: string): void {
  assert.ok(a && b, `${what}: both present`);
  assert.equal(a!.constructor, b!.constructor, `${what}: same type`);
  assert.equal(a!.length, b!.length, `${what}: same length`);
  const ua = new Uint8Array(a!.buffer, a!.byteOffset, a!.byteLength);
  const ub = new Uint8Array(b!.buffer, b!.byteOffset, b!.byteLength);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) assert.fail(`${what}: byte ${i} differs`);
}

/** Everything except typed arrays, for deep equality. */
function plain(r: AnalysisResult): unknown {
  return JSON.parse(
    JSON.stringify(r, (_k, v) => (ArrayBuffer.isView(v) ? `<${(v as Typed).constructor.name}:${(v as Typed).length}>` : v)),
  );
}

function assertSameResult(got: AnalysisResult, want: AnalysisResult): void {
  assert.deepEqual(plain(got), plain(want));
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort());
  bitsEqual(got.energies, want.energies, 'energies');
  bitsEqual(got.components, want.components, 'components');
  bitsEqual(got.weights, want.weights, 'weights');
  for (const key of ['mean', 'explainedVariance', 'explainedVarianceRatio', 'lossHistory'] as const) {
    assert.equal(got[key] === undefined, want[key] === undefined, `${key} presence`);
    if (want[key]) bitsEqual(got[key], want[key], key);
  }
  assert.equal(got.measured === undefined, want.measured === undefined);
  if (want.measured) bitsEqual(got.measured!.data, want.measured.data, 'measured');
  assert.equal(got.references === undefined, want.references === undefined);
  if (want.references) {
    bitsEqual(got.references!.pearson, want.references.pearson, 'pearson');
    want.references.spectra.forEach((s, i) => bitsEqual(got.references!.spectra[i].values, s.values, `reference ${s.name}`));
  }
}

test('constants', () => {
  assert.equal(SPECMAP_MIME, 'application/vnd.specmap.result.v1+arrow');
  assert.equal(FORMAT_VERSION, 1);
});

test('PCA-like result round-trips exactly', () => {
  const r = pcaResult();
  const bytes = encodeResult(r);
  // Arrow IPC stream: starts with the continuation marker, not the file magic.
  assert.deepEqual([...bytes.subarray(0, 4)], [0xff, 0xff, 0xff, 0xff]);
  const back = decodeResult(bytes);
  assertSameResult(back, r);
  assert.ok(Object.is(back.weights[0], -0), '-0 preserved');
  assert.equal(back.weights[1], 1.401298464324817e-45);
  assert.equal(back.components[2], Number.MIN_VALUE);
  assert.equal(back.mean!.length, r.energies.length);
  assert.equal(back.measured, undefined);
  assert.equal(back.references, undefined);
});

test('NMF-like result with measured spectra and references round-trips exactly', () => {
  const r = nmfResult();
  const back = decodeResult(encodeResult(r));
  assertSameResult(back, r);
  assert.deepEqual(back.references!.spectra.map((s) => s.name), ['oxidized', 'reduced']);
  assert.deepEqual(back.measured && { w: back.measured.width, h: back.measured.height, b: back.measured.binning }, { w: 8, h: 6, b: 2 });
});

test('NaN and infinities inside arrays survive bit for bit', () => {
  const r = nmfResult(4, 3, 5);
  r.weights[3] = NaN;
  r.components[1] = Infinity;
  r.lossHistory![0] = -Infinity;
  assertSameResult(decodeResult(encodeResult(r)), r);
});

test('decoded arrays own their memory (not views into the IPC buffer)', () => {
  const bytes = encodeResult(pcaResult());
  const back = decodeResult(bytes);
  assert.notEqual(back.weights.buffer, bytes.buffer);
  bytes.fill(0);
  assert.ok(back.energies[0] > 0);
});

test('base64 round trip, also with Buffer hidden (browser path)', () => {
  const r = nmfResult();
  const s = encodeResultBase64(r);
  assert.match(s, /^[A-Za-z0-9+/]+=*$/);
  assertSameResult(decodeResultBase64(s), r);
  const g = globalThis as { Buffer?: unknown };
  const saved = g.Buffer;
  try {
    g.Buffer = undefined;
    assert.equal(encodeResultBase64(r), s, 'pure-JS encoder matches Buffer');
    assertSameResult(decodeResultBase64(s), r);
  } finally {
    g.Buffer = saved;
  }
});

test('base64 helpers agree with Buffer on all tail lengths', () => {
  const g = globalThis as { Buffer?: unknown };
  for (let n = 0; n < 20; n++) {
    const bytes = new Uint8Array(n).map((_, i) => (i * 97 + 13) & 255);
    const ref = Buffer.from(bytes).toString('base64');
    assert.equal(bytesToBase64(bytes), ref);
    const saved = g.Buffer;
    try {
      g.Buffer = undefined;
      assert.equal(bytesToBase64(bytes), ref);
    } finally {
      g.Buffer = saved;
    }
    assert.deepEqual(base64ToBytes(ref), bytes);
    assert.deepEqual(base64ToBytes(ref.replace(/=+$/, '')), bytes, 'unpadded');
  }
  assert.deepEqual(base64ToBytes('AQID\nBA=='), new Uint8Array([1, 2, 3, 4]));
  assert.throws(() => base64ToBytes('AB$C'), { name: 'SpecmapError', code: 'FORMAT' });
});

test('schema metadata: header JSON and field units/shapes', () => {
  const r = nmfResult();
  const table = tableFromIPC(encodeResult(r));
  const header = JSON.parse(table.schema.metadata.get(HEADER_KEY)!);
  assert.deepEqual(header, {
    format: 'specmap-result',
    version: 1,
    method: 'nmf',
    k: 2,
    width: 16,
    height: 12,
    m: 41,
    parameters: r.parameters,
    iterations: 25,
    converged: false,
    warnings: r.warnings,
    provenance: r.provenance,
    measured: { width: 8, height: 6, binning: 2 },
    references: ['oxidized', 'reduced'],
  });
  assert.deepEqual(
    table.schema.fields.map((f) => f.name),
    ['energies', 'components', 'weights', 'mean', 'explained_variance', 'explained_variance_ratio', 'loss_history', 'measured', 'reference_values', 'reference_pearson',
      'embedding_coords', 'embedding_progress', 'embedding_standards', 'labels'],
  );
  const f = (name: string) => table.schema.fields.find((x) => x.name === name)!;
  assert.equal(f('energies').metadata.get('unit'), 'eV');
  assert.equal(f('components').metadata.get('shape'), '[2,41]');
  assert.equal(f('weights').metadata.get('shape'), '[192,2]');
  assert.equal(f('measured').metadata.get('shape'), '[6,8,41]');
  assert.equal(f('reference_pearson').metadata.get('shape'), '[2,2]');
  assert.equal(String(f('weights').type), 'List<Float32>');
  assert.equal(String(f('energies').type), 'List<Float64>');
  assert.equal(f('energies').nullable, false);
  assert.equal(f('mean').nullable, true);
  assert.equal(table.numRows, 1);
  assert.equal(table.getChild('mean')!.isValid(0), false, 'absent mean is a null cell');
});

/** Re-encode a result's stream with its header changed by `edit`. */
function withHeader(r: AnalysisResult, edit: (h: Record<string, unknown>) => void): Uint8Array {
  const table = tableFromIPC(encodeResult(r));
  const h = JSON.parse(table.schema.metadata.get(HEADER_KEY)!);
  edit(h);
  const schema = new Schema(table.schema.fields, new Map([[HEADER_KEY, JSON.stringify(h)]]));
  const batches = table.batches.map((b) => new RecordBatch(schema, b.data));
  return tableToIPC(new Table(batches), 'stream');
}

test('not Arrow → FORMAT error', () => {
  assert.throws(() => decodeResult(new TextEncoder().encode('{"method":"pca"}')), { name: 'SpecmapError', code: 'FORMAT' });
  assert.throws(() => decodeResult(new Uint8Array(0)), { code: 'FORMAT' });
  // Arrow magic but truncated garbage after it.
  const bytes = encodeResult(pcaResult());
  assert.throws(() => decodeResult(bytes.subarray(0, 40)), { code: 'FORMAT' });
  assert.throws(() => decodeResultBase64('%%%'), { code: 'FORMAT' });
});

test('Arrow without a specmap header → FORMAT error', () => {
  const other = tableToIPC(tableFromArrays({ a: new Float64Array([1, 2, 3]) }), 'stream');
  assert.throws(() => decodeResult(other), (e: Error & { code?: string }) => e.code === 'FORMAT' && /specmap\.header/.test(e.message));
  const wrongFormat = withHeader(pcaResult(), (h) => (h.format = 'something-else'));
  assert.throws(() => decodeResult(wrongFormat), { code: 'FORMAT' });
});

test('unknown version → error naming it', () => {
  const v2 = withHeader(pcaResult(), (h) => (h.version = 2));
  assert.throws(() => decodeResult(v2), (e: Error & { code?: string }) => {
    assert.equal(e.name, 'SpecmapError');
    assert.equal(e.code, 'VERSION');
    assert.match(e.message, /version 2\b/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
});

test('array lengths that do not match the header → SHAPE error', () => {
  for (const edit of [
    (h: Record<string, unknown>) => (h.width = 14),
    (h: Record<string, unknown>) => (h.k = 3),
    (h: Record<string, unknown>) => (h.m = 40),
    (h: Record<string, unknown>) => ((h.measured as { width: number }).width = 9),
    (h: Record<string, unknown>) => (h.references = ['oxidized']),
    (h: Record<string, unknown>) => (h.references = null),
    (h: Record<string, unknown>) => (h.measured = null),
  ]) {
    assert.throws(() => decodeResult(withHeader(nmfResult(), edit)), { name: 'SpecmapError', code: 'SHAPE' }, String(edit));
  }
  assert.throws(
    () => decodeResult(withHeader(pcaResult(), (h) => (h.height = 10))),
    (e: Error) => /weights has 234 values/.test(e.message),
  );
});

test('encodeResult rejects inconsistent results', () => {
  const r = pcaResult();
  assert.throws(() => encodeResult({ ...r, k: 3 }), { code: 'SHAPE' });
  assert.throws(() => encodeResult({ ...r, weights: new Float32Array(5) }), { code: 'SHAPE' });
  assert.throws(() => encodeResult({ ...r, weights: new Float64Array(r.weights) as unknown as Float32Array }), { code: 'FORMAT' });
  assert.throws(() => encodeResult({ ...r, mean: new Float64Array(3) }), { code: 'SHAPE' });
  const n = nmfResult();
  n.references!.spectra[0].values = new Float64Array(2);
  assert.throws(() => encodeResult(n), { code: 'SHAPE' });
});

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

test('encodeResultChunks: the same bytes as encodeResult, the big arrays not copied', () => {
  const withMeasured = nmfResult(40, 30, 50);
  for (const r of [pcaResult(), nmfResult(), withMeasured]) {
    const chunks = encodeResultChunks(r);
    assert.ok(chunks.length > 1);
    assert.deepEqual(concat(chunks), encodeResult(r));
    assertSameResult(decodeResult(concat(chunks)), r);
    // The weights travel as a view of the result's own array (no copy).
    const w = new Uint8Array(r.weights.buffer, r.weights.byteOffset, r.weights.byteLength);
    assert.ok(chunks.some((c) => c.buffer === r.weights.buffer && c.byteOffset === w.byteOffset && c.byteLength === w.byteLength), 'weights chunk is a view');
    if (r.measured) assert.ok(chunks.some((c) => c.buffer === r.measured!.data.buffer), 'measured chunk is a view');
  }
});

test('base64Pieces: pieces of the concatenated chunks, joined = base64 of the whole', () => {
  const r = nmfResult(40, 30, 50);
  const chunks = encodeResultChunks(r);
  const whole = Buffer.from(encodeResult(r)).toString('base64');
  for (const step of [3, 6, 30, 3 * 1000, 3 << 15, 3 << 22]) {
    const pieces = [...base64Pieces(chunks, step)];
    assert.equal(pieces.join(''), whole, `step ${step}`);
    pieces.slice(0, -1).forEach((p) => assert.equal(p.length, (step / 3) * 4, 'full pieces, no padding'));
  }
  assert.deepEqual([...base64Pieces([])], []);
  assert.deepEqual([...base64Pieces([new Uint8Array(0), Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3, 4)], 3)], ['AQID', 'BA==']);
  for (const bad of [0, 4, -3, 1.5, NaN]) assert.throws(() => [...base64Pieces(chunks, bad)], { name: 'SpecmapError' });
  assert.equal(encodeResultBase64(r), whole, 'encodeResultBase64 streams the same text');
});

test('encoding is deterministic', () => {
  assert.deepEqual(encodeResult(nmfResult()), encodeResult(nmfResult()));
});

test('embedding, labels and regions round-trip (additive columns of version 1)', () => {
  const r = nmfResult() as AnalysisResult & { regions?: { name: string; kind: 'rect' | 'polygon'; points: [number, number][] }[] };
  const n = r.width * r.height;
  const coords = new Float64Array(n * 2).map((_, i) => Math.sin(i));
  const progress = new Float32Array(n).map((_, i) => (i % 7 === 0 ? NaN : i / n));
  r.embedding = { method: 'lle', d: 2, coords, progress, standards: [{ name: 'oxidized', coords: new Float64Array([0.5, -1]) }] };
  r.labels = new Int32Array(n).map((_, i) => (i % 5) - 1);
  r.regions = [
    { name: 'grain <b>A</b>', kind: 'rect', points: [[1, 2], [5, 6]] },
    { name: 'lasso', kind: 'polygon', points: [[0, 0], [4, 0], [2, 3]] },
  ];
  const got = decodeResult(encodeResult(r));
  assert.equal(got.embedding!.method, 'lle');
  assert.equal(got.embedding!.d, 2);
  bitsEqual(got.embedding!.coords, coords, 'coords');
  bitsEqual(got.embedding!.progress, progress, 'progress');
  assert.deepEqual(Array.from(got.embedding!.standards![0].coords), [0.5, -1]);
  assert.deepEqual(Array.from(got.labels!), Array.from(r.labels));
  assert.deepEqual(got.regions, r.regions);
  // Without them, nothing new appears.
  const plainR = decodeResult(encodeResult(nmfResult()));
  assert.equal(plainR.embedding, undefined);
  assert.equal(plainR.labels, undefined);
  assert.equal('regions' in plainR, false);
  // Inconsistent embedding: rejected on encode.
  assert.throws(() => encodeResult({ ...r, embedding: { ...r.embedding, coords: new Float64Array(3) } }), { code: 'SHAPE' });
});

test('payloads written before the embedding/labels columns still decode', () => {
  // Re-encode with only the ten original columns, as the first writer did.
  const table = tableFromIPC(encodeResult(nmfResult()));
  const keep = table.schema.fields.slice(0, 10);
  const schema = new Schema(keep, table.schema.metadata);
  const old = tableToIPC(new Table(table.batches.map((b) => new RecordBatch(schema, b.data.children.length ? makeStruct(keep, b) : b.data))), 'stream');
  const got = decodeResult(old);
  assertSameResult(got, nmfResult());
});

function makeStruct(fields: Schema['fields'], b: RecordBatch) {
  return makeData({ type: new Struct(fields), length: 1, nullCount: 0, children: b.data.children.slice(0, fields.length) });
}

test('untrusted header: metadata made plain, huge declared sizes refused before allocation', () => {
  const evil = withHeader(nmfResult(), (h) => {
    h.warnings = ['<img src=x onerror=alert(1)>', { not: 'a string' }, 'x'.repeat(10000)];
    h.provenance = { input: '<script>alert(1)</script>', steps: 'nope', seed: 'x', versions: { node: 5 } };
    h.parameters = ['array'];
  });
  const got = decodeResult(evil);
  assert.equal(got.warnings[0], '<img src=x onerror=alert(1)>', 'kept as text: the view escapes it');
  assert.equal(got.warnings[1], '{"not":"a string"}');
  assert.ok(got.warnings[2].length < 4100);
  assert.deepEqual(got.provenance.steps, []);
  assert.equal(got.provenance.seed, null);
  assert.equal(got.provenance.versions.node, '5');
  assert.deepEqual(got.parameters, {});
  assert.throws(() => decodeResult(withHeader(pcaResult(), (h) => ((h.width = 1e6), (h.height = 1e6)))), { code: 'SHAPE' });
  assert.throws(() => decodeResult(withHeader(pcaResult(), (h) => (h.method = '<script>'))), { code: 'FORMAT' });
  assert.throws(() => decodeResult(withHeader(pcaResult(), (h) => (h.regions = [{ name: 'a', kind: 'rect', points: [[0, 'x'], [1, 1]] }]))), { code: 'FORMAT' });
  // Methods registered later (any short name) decode.
  assert.equal(decodeResult(withHeader(pcaResult(), (h) => (h.method = 'ica'))).method, 'ica');
});
