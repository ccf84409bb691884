/**
 * @specmap/notebook — show(result) for tslab notebooks.
 *
 * One `display_data` message carries three representations of a result:
 *   - `application/vnd.specmap.result.v1+arrow`: the Arrow IPC stream (base64),
 *     for the JupyterLab extension's interactive view;
 *   - `image/png`: a static figure (maps + spectra), for any Jupyter front end,
 *     nbconvert, GitHub previews;
 *   - `text/plain`: a short summary.
 *
 * tslab's public `display.raw(mime, data)` sends one MIME key per message, so
 * show() calls the kernel's internal display-data writer (the function
 * `display.raw` itself calls), which takes a whole bundle.
 */
import { SpecmapError, type AnalysisResult } from '@specmap/core';
import { SPECMAP_MIME, encodeResultBase64, bytesToBase64 } from '@specmap/arrow';
import { renderResultPng, type RenderOptions } from '@specmap/png';

export { SPECMAP_MIME } from '@specmap/arrow';

export interface ShowOptions {
  /** Options of the static PNG figure. */
  png?: RenderOptions;
}

/** The payload of a Jupyter display_data message. */
export interface DisplayContent {
  data: Record<string, string>;
  metadata: Record<string, unknown>;
  transient: Record<string, unknown>;
}

type WriteDisplayData = (content: DisplayContent, update?: boolean) => void;

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function fmtEnergy(e: number): string {
  return Number.isInteger(e) ? e.toFixed(1) : String(Number(e.toFixed(3)));
}

/**
 * A short plain-text summary of a result: method, k, size, energy range,
 * iterations/convergence, explained variance (PCA), warnings, and the Pearson
 * table against the references when there are any.
 */
export function summaryText(r: AnalysisResult): string {
  const m = r.energies.length;
  const lo = m ? Math.min(r.energies[0], r.energies[m - 1]) : NaN;
  const hi = m ? Math.max(r.energies[0], r.energies[m - 1]) : NaN;
  const lines: string[] = [];
  lines.push(`specmap ${r.method.toUpperCase()} result: k=${r.k}, ${r.width}×${r.height} px, ${m} energies (${fmtEnergy(lo)}–${fmtEnergy(hi)} eV)`);
  const seed = r.provenance?.seed;
  lines.push(
    `iterations: ${r.iterations}, converged: ${r.converged ? 'yes' : 'NO'}` + (seed !== null && seed !== undefined ? `, seed: ${seed}` : ''),
  );
  if (r.explainedVarianceRatio && r.explainedVarianceRatio.length === r.k) {
    const parts = Array.from(r.explainedVarianceRatio, (v, c) => `c${c} ${(v * 100).toFixed(1)}%`);
    lines.push(`explained variance: ${parts.join(', ')}`);
  }
  if (r.measured) {
    lines.push(`measured spectra: ${r.measured.width}×${r.measured.height} px (binning ${r.measured.binning})`);
  }
  const warnings = r.warnings ?? [];
  if (warnings.length === 0) lines.push('warnings: none');
  else {
    lines.push(`warnings (${warnings.length}):`);
    for (const w of warnings) lines.push(`  - ${w}`);
  }
  const refs = r.references;
  if (refs && refs.spectra.length > 0) {
    const names = refs.spectra.map((s) => s.name);
    const n = names.length;
    const colW = Math.max(7, ...names.map((s) => s.length)) + 2;
    lines.push('Pearson r (component vs reference):');
    lines.push(pad('', 6) + names.map((s) => pad(s, colW, true)).join(''));
    for (let c = 0; c < r.k; c++) {
      const row = names.map((_, j) => {
        const v = refs.pearson[c * n + j];
        return pad(Number.isFinite(v) ? v.toFixed(3) : 'n/a', colW, true);
      });
      lines.push(pad(`  c${c}`, 6) + row.join(''));
    }
  }
  return lines.join('\n');
}

/**
 * The MIME bundle of a result (pure; no kernel needed):
 * `{[SPECMAP_MIME]: base64 Arrow, 'image/png': base64 PNG, 'text/plain': summary}`.
 */
export function displayBundle(result: AnalysisResult, options: ShowOptions = {}): Record<string, string> {
  return {
    [SPECMAP_MIME]: encodeResultBase64(result),
    'image/png': bytesToBase64(renderResultPng(result, options.png)),
    'text/plain': summaryText(result),
  };
}

/**
 * Find the running tslab kernel's display-data writer: the module
 * `tslab/dist/jupyter.js` that the kernel loaded (searched in require.cache,
 * so it is found wherever tslab is installed), whose `lastWriteDisplayData`
 * is set for the cell being executed. Returns null outside tslab.
 */
export function findTslabDisplayWriter(): WriteDisplayData | null {
  const cache = typeof require !== 'undefined' ? require.cache : undefined;
  if (!cache) return null;
  for (const mod of Object.values(cache)) {
    if (!mod || !/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(mod.filename)) continue;
    const writer = (mod.exports as { lastWriteDisplayData?: unknown }).lastWriteDisplayData;
    if (typeof writer === 'function') return writer as WriteDisplayData;
  }
  return null;
}

/**
 * Display a result in a tslab notebook cell: one display_data message with
 * the Arrow, PNG and text representations. Throws SpecmapError('NOT_TSLAB')
 * when not running inside a tslab kernel.
 */
export function show(result: AnalysisResult, options: ShowOptions = {}): void {
  const write = findTslabDisplayWriter();
  if (!write) {
    throw new SpecmapError(
      'NOT_TSLAB',
      'show() needs a running tslab kernel (tslab/dist/jupyter.js with an active cell); outside notebooks use displayBundle(result)',
    );
  }
  const data = displayBundle(result, options);
  write({ data, metadata: {}, transient: {} }, false);
}

export { saveResult, exportFigure, figureBytes, machineInfo } from './save';
export type { SaveOptions, SavedRun, ReplayFile, MachineInfo, ExportFigureOptions, ExportedFigure } from './save';
