import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pixelModel } from '../src/model';
import { componentRows, componentsSpec, LIGHT_THEME, PIXEL_DATA, pixelRows, pixelSeries, pixelSpec, weightsText } from '../src/specs';
import { syntheticResult } from './synthetic';

const size = { width: 400, height: 180 };

test('component rows: each component and reference scaled to max |value| = 1, references labelled with r', () => {
  const r = syntheticResult({ width: 6, height: 4, m: 40 });
  const rows = componentRows(r);
  assert.equal(rows.length, (r.k + 2) * 40);
  const bySeries = new Map<string, number[]>();
  for (const row of rows) {
    if (!bySeries.has(row.series)) bySeries.set(row.series, []);
    bySeries.get(row.series)!.push(row.value);
  }
  for (const [name, values] of bySeries) {
    assert.ok(Math.abs(Math.max(...values.map(Math.abs)) - 1) < 1e-12, `${name} not scaled to 1`);
  }
  const labels = [...bySeries.keys()];
  assert.ok(labels.some((l) => /^ref siderite \(Fe2\+\): r = 0\.9\d\d vs c0$/.test(l)), labels.join(' | '));
  assert.ok(labels.some((l) => /^ref hematite \(Fe3\+\): r = 0\.9\d\d vs c1$/.test(l)), labels.join(' | '));
  assert.equal(rows.filter((x) => x.kind === 'reference').length, 80);
});

test('components spec is a plain Vega-Lite object with dashed references in matching colours', () => {
  const r = syntheticResult({ width: 6, height: 4, m: 30 });
  const spec = componentsSpec(r, LIGHT_THEME, size) as any;
  assert.equal(spec.mark.type, 'line');
  assert.equal(spec.encoding.x.field, 'energy');
  const color = spec.encoding.color.scale;
  assert.equal(color.domain.length, r.k + 2);
  assert.equal(color.range[r.k], color.range[0], 'siderite overlay uses the colour of component 0');
  // Components solid; each reference dashed (siderite → c0, hematite → c1: the first dash of each).
  assert.deepEqual(spec.encoding.strokeDash.scale.range, [[1, 0], [1, 0], [6, 3], [6, 3]]);
  assert.deepEqual(spec.encoding.strokeDash.scale.domain, color.domain);
  assert.ok(!('$schema' in spec), 'no remote schema URL in the spec');
  // JSON round-trip: a plain object (no typed arrays, no functions).
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
});

test('pixel rows: measured points, reconstruction, mean (PCA) and every contribution', () => {
  const r = syntheticResult({ width: 8, height: 6, m: 25, method: 'pca', binning: 2 });
  const p = pixelModel(r, 5, 3);
  const rows = pixelRows(r, p);
  const kinds = new Map<string, number>();
  for (const row of rows) kinds.set(row.kind, (kinds.get(row.kind) ?? 0) + 1);
  assert.equal(kinds.get('measured'), 25);
  assert.equal(kinds.get('reconstruction'), 25);
  assert.equal(kinds.get('mean'), 25);
  assert.equal(kinds.get('contribution'), 25 * r.k);
  const rec = rows.filter((x) => x.kind === 'reconstruction').map((x) => x.value);
  const contrib = rows.filter((x) => x.kind === 'contribution');
  for (let e = 0; e < 25; e++) {
    const sum = r.mean![e] + contrib.filter((x) => x.energy === r.energies[e]).reduce((s, x) => s + x.value, 0);
    assert.ok(Math.abs(sum - rec[e]) < 1e-9, `energy ${e}: ${sum} vs ${rec[e]}`);
  }
  const series = pixelSeries(r, LIGHT_THEME).map((s) => s.name);
  assert.deepEqual(series, ['measured (2×2 binned)', 'reconstruction', 'mean spectrum', 'w0·c0', 'w1·c1', 'w2·c2']);
  for (const row of rows) assert.ok(series.includes(row.series), row.series);
  const spec = pixelSpec(r, LIGHT_THEME, size, rows) as any;
  assert.equal(spec.data.name, PIXEL_DATA);
  assert.equal(spec.datasets[PIXEL_DATA].length, rows.length);
  assert.equal(spec.layer.length, 4); // points, contributions, mean, reconstruction
});

test('NMF pixel spec has no mean layer; no measured layer without measured spectra', () => {
  const r = syntheticResult({ width: 5, height: 5, m: 10, measured: false });
  const rows = pixelRows(r, pixelModel(r, 1, 1));
  assert.ok(!rows.some((x) => x.kind === 'measured' || x.kind === 'mean'));
  const spec = pixelSpec(r, LIGHT_THEME, size, rows) as any;
  assert.equal(spec.layer.length, 2);
  assert.equal(weightsText([0.5, 1e-6]), 'w0 = 0.5 · w1 = 1e−6');
});

test('several references matching one component get distinct dash patterns', () => {
  const r = syntheticResult({ width: 6, height: 4, m: 30 });
  const a = r.references!.spectra[0];
  r.references!.spectra.push({ name: 'siderite copy', values: a.values.slice() }, { name: 'third', values: a.values.map((v) => v * 1.1) });
  const R = 4;
  const pear = new Float64Array(r.k * R);
  for (let j = 0; j < r.k; j++) for (let i = 0; i < R; i++) pear[j * R + i] = i === 1 ? (j === 1 ? 0.9 : 0.1) : j === 0 ? 0.95 - i * 0.01 : 0.2;
  r.references!.pearson = pear;
  const spec = componentsSpec(r, LIGHT_THEME, size) as any;
  const dashes = spec.encoding.strokeDash.scale.range.slice(r.k).map((d: number[]) => d.join(','));
  // refs 0, 2, 3 match c0: three different dashes; ref 1 matches c1.
  assert.equal(new Set([dashes[0], dashes[2], dashes[3]]).size, 3, dashes.join(' | '));
  assert.equal(spec.encoding.color.scale.range[r.k + 2], spec.encoding.color.scale.range[0]);
});
