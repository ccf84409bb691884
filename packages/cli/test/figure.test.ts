import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, syntheticStack, type AnalysisResult } from '@specmap/core';
import { encodeResult } from '@specmap/arrow';
import { decodePng } from '@specmap/png';
import { exportFigure } from '@specmap/notebook';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/specmap.js');

function specmap(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A small NMF result with two references (so legend, dashed curves and subtitles are drawn). */
function smallResult(): AnalysisResult {
  const E = Float64Array.from({ length: 30 }, (_, i) => 700 + i);
  const a = E.map((e) => 0.1 + Math.exp(-(((e - 708) / 2) ** 2)));
  const b = E.map((e) => 0.1 + Math.exp(-(((e - 715) / 2) ** 2)));
  const { stack } = syntheticStack({ spectra: [{ name: 'a', values: a }, { name: 'b', values: b }], energies: E, width: 16, height: 12, seed: 1 });
  return analyze(stack, {
    method: 'nmf', components: 2, maxIter: 20,
    references: [{ name: 'A <ref> & "x"', energies: E, values: a }, { name: 'B', energies: E, values: b }],
  });
}

/** Chunks of a PNG: type → data. */
function pngChunks(bytes: Uint8Array): Map<string, Buffer> {
  const b = Buffer.from(bytes);
  const out = new Map<string, Buffer>();
  for (let o = 8; o < b.length; ) {
    const len = b.readUInt32BE(o);
    out.set(b.toString('latin1', o + 4, o + 8), b.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  return out;
}

/** Parse with a real XML parser (Python's expat) and count elements by local name. */
function xmlCounts(file: string): Record<string, number> {
  const code = `
import sys, json, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
c = {}
for el in root.iter():
    name = el.tag.split('}')[-1]
    c[name] = c.get(name, 0) + 1
c['root'] = root.tag
print(json.dumps(c))`;
  const r = spawnSync('/usr/bin/python3', ['-c', code, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `SVG does not parse as XML: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('specmap figure --format svg writes well-formed SVG: maps as embedded PNGs, spectra as paths, text as text', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-fig-'));
  const result = smallResult();
  fs.writeFileSync(path.join(dir, 'result.arrow'), encodeResult(result));
  const out = path.join(dir, 'fig.svg');
  const r = specmap(['figure', path.join(dir, 'result.arrow'), '--format', 'svg', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^specmap: figure svg, \d+ bytes → .*fig\.svg\n$/);
  const c = xmlCounts(out) as unknown as Record<string, number | string>;
  assert.equal(c.root, '{http://www.w3.org/2000/svg}svg');
  assert.equal(c.image, 2, 'one embedded image per weight map');
  assert.ok((c.text as number) >= 15, `text elements: ${c.text}`);
  assert.ok((c.path as number) >= 2 + 2 + 3, `paths: ${c.path}`);
  const svg = fs.readFileSync(out, 'utf8');
  assert.match(svg, /xlink:href="data:image\/png;base64,/);
  assert.ok(svg.includes('A &lt;ref&gt; &amp; &quot;x&quot; (ref, scaled)'), 'reference names escaped');
  // the embedded map is the native 16×12 map
  const b64 = /data:image\/png;base64,([A-Za-z0-9+/=]+)/.exec(svg)![1];
  const map = decodePng(new Uint8Array(Buffer.from(b64, 'base64')));
  assert.deepEqual([map.width, map.height], [16, 12]);
  assert.match(svg, /stroke-dasharray/); // references dashed
});

test('specmap figure --format png --dpi: pHYs equals the dpi and the size scales with it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-fig-'));
  fs.writeFileSync(path.join(dir, 'result.arrow'), encodeResult(smallResult()));
  const sizes: Record<number, [number, number]> = {};
  for (const dpi of [96, 192, 300]) {
    const out = path.join(dir, `fig${dpi}.png`);
    const r = specmap(['figure', dir, '--dpi', String(dpi), '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const bytes = new Uint8Array(fs.readFileSync(out));
    const phys = pngChunks(bytes).get('pHYs')!;
    assert.ok(phys, 'pHYs chunk present');
    const ppm = Math.round(dpi / 0.0254);
    assert.deepEqual([phys.readUInt32BE(0), phys.readUInt32BE(4), phys[8]], [ppm, ppm, 1]);
    assert.ok(Math.abs((phys.readUInt32BE(0) * 0.0254) - dpi) < 0.02, 'pHYs reads back as the dpi');
    const png = decodePng(bytes);
    sizes[dpi] = [png.width, png.height];
  }
  // 96 dpi is the default figure; 192 dpi exactly twice its size
  assert.deepEqual(sizes[192], [sizes[96][0] * 2, sizes[96][1] * 2]);
  for (const i of [0, 1]) {
    const ratio = sizes[300][i] / sizes[96][i];
    assert.ok(Math.abs(ratio - 300 / 96) / (300 / 96) < 0.05, `300/96 dpi size ratio ${ratio}`);
  }
});

test('exportFigure (notebooks) writes SVG and PNG with the dpi; bad formats are one-line errors', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specmap-fig-'));
  const result = smallResult();
  const svg = exportFigure(result, path.join(dir, 'a.svg'));
  assert.equal(svg.format, 'svg');
  assert.equal(xmlCounts(svg.file).image, 2);
  const png = exportFigure(result, path.join(dir, 'b.png'), { dpi: 240 });
  assert.equal(png.dpi, 240);
  assert.equal(pngChunks(new Uint8Array(fs.readFileSync(png.file))).get('pHYs')!.readUInt32BE(0), Math.round(240 / 0.0254));
  assert.throws(() => exportFigure(result, path.join(dir, 'c.pdf')), /format 'svg' or 'png'/);
  const r = specmap(['figure', path.join(dir, 'nope.arrow'), '--out', path.join(dir, 'x.svg')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^specmap: error: file not found: .*nope\.arrow\n$/);
  const r2 = specmap(['figure', path.join(dir, 'nope.arrow'), '--out', path.join(dir, 'x.svg'), '--dpi', '300']);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /--dpi applies to --format png only/);
});
