import * as fs from 'fs';
import * as path from 'path';
import { SpecmapError, type AnalysisResult } from '@specmap/core';
import { decodeResult } from '@specmap/arrow';
import { renderResultPngDpi, renderResultSvg } from '@specmap/png';
import { formatFlags, numberFlag, parseArgs, stringFlag, type FlagSpec } from '../args';

export const FIGURE_FLAGS: FlagSpec[] = [
  { name: 'format', kind: 'value', valueName: 'svg|png', help: 'output format (default: from the --out extension)' },
  { name: 'dpi', kind: 'value', valueName: 'N', help: 'PNG resolution in dots per inch: scales fonts, lines and maps (96 = the figure.png of analyze) and is recorded in the pHYs chunk', default: '300' },
  { name: 'out', kind: 'value', valueName: 'FILE', help: 'output file (.svg or .png)' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

export const FIGURE_USAGE = `usage: specmap figure DIR/result.arrow --out FILE [--format svg|png] [--dpi 300]

Write the static figure of a result (weight maps with colour bars, component
spectra with the references, legend, warnings) for a paper:
  svg   maps as embedded PNG images at their native resolution (pixelated),
        spectra, axes and colour bars as vectors, text as SVG text
  png   the raster figure drawn for --dpi (sizes grow linearly with it) with
        the resolution in the PNG's pHYs chunk

options:
${formatFlags(FIGURE_FLAGS)}`;

export interface FigureRun {
  file: string;
  format: 'svg' | 'png';
  bytes: number;
  dpi: number | null;
}

/** Run `specmap figure`. */
export function runFigure(argv: string[]): FigureRun {
  const args = parseArgs(argv, FIGURE_FLAGS);
  if (args.positionals.length !== 1) {
    throw new SpecmapError('USAGE', args.positionals.length === 0 ? 'missing DIR/result.arrow (try: specmap figure --help)' : `expected one result file, got ${args.positionals.length}`);
  }
  let input = args.positionals[0];
  if (fs.existsSync(input) && fs.statSync(input).isDirectory()) input = path.join(input, 'result.arrow');
  const out = stringFlag(args, 'out');
  if (!out) throw new SpecmapError('USAGE', '--out FILE is required');
  const ext = path.extname(out).toLowerCase().slice(1);
  const format = stringFlag(args, 'format') ?? ext;
  if (format !== 'svg' && format !== 'png') {
    throw new SpecmapError('USAGE', `--format must be svg or png${stringFlag(args, 'format') ? `, got "${format}"` : ` (or give --out a .svg/.png name), got "${out}"`}`);
  }
  const dpiFlag = numberFlag(args, 'dpi', { min: 1, max: 2400 });
  if (format === 'svg' && dpiFlag !== undefined) throw new SpecmapError('USAGE', '--dpi applies to --format png only (an SVG has no resolution)');
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(input);
  } catch {
    throw new SpecmapError('ENOENT', `file not found: ${input}`);
  }
  const result: AnalysisResult = decodeResult(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const dpi = format === 'png' ? dpiFlag ?? 300 : null;
  const data = format === 'svg' ? Buffer.from(renderResultSvg(result), 'utf8') : renderResultPngDpi(result, dpi!);
  const parent = path.dirname(out);
  if (parent) fs.mkdirSync(parent, { recursive: true });
  fs.writeFileSync(out, data);
  return { file: out, format, bytes: data.length, dpi };
}
