import * as fs from 'fs';
import * as path from 'path';
import {
  chooseScanRun,
  coverage,
  DEFAULT_SPECTRA_BUDGET_BYTES,
  getMethod,
  interpolate,
  listMethods,
  mapOverlapOf,
  matchedPearson,
  reconstructionMse,
  scree,
  SIGN_FREE_METHODS,
  SpecmapError,
  SPECMAP_VERSION,
  stabilityAcrossSeeds,
  COVERAGE_THRESHOLD,
  R_TOLERANCE,
  MSE_TOLERANCE,
  type AnalyzeOptions,
  type MethodSpec,
  type Scree,
} from '@specmap/core';
import { COMPONENT_COLORS, encodePng, formatTick, niceTicks, Raster, type Color } from '@specmap/png';
import { formatFlags, numberFlag, parseArgs, stringFlag, type FlagSpec, type ParsedArgs } from '../args';
import { readInput } from '../flags/input';
import { methodOptions } from '../flags/method';
import { preparePreprocessing } from '../flags/preprocess';
import { readReferences } from '../flags/references';
import { analyzeAndWrite, ANALYZE_FLAGS } from './analyze';
import { buildScanReportHtml } from '@specmap/widget/dist/scan-report';

/**
 * `specmap scan`: run one method for every (K, ω) combination (and seeds),
 * write each run's normal `analyze` outputs into DIR/k{K}-omega{W}/ (DIR/k{K}/
 * for methods without ω), and compare the runs in DIR/scan.csv, scan.json and
 * scan.png. The input is read and preprocessed once.
 */
export const SCAN_FLAGS: FlagSpec[] = [
  ...ANALYZE_FLAGS.map((f): FlagSpec => {
    if (f.name === 'components') return { ...f, valueName: 'K[,K…]', help: 'numbers of components to scan, comma-separated (e.g. 2,3,4)' };
    if (f.name === 'omega') return { ...f, valueName: 'W[,W…]', help: 'nmf-so / nmf-ard-so: ω values to scan, comma-separated, each 0…1 (e.g. 0,0.05,0.1,0.2,0.5)', default: 'the method default (0.1), not scanned' };
    return f;
  }).filter((f) => f.name !== 'help'),
  { name: 'seeds', kind: 'value', valueName: 'N[,N…]', help: 'seeds: the first one is used for the written runs; with two or more, every (K, ω) is rerun per seed and scored for stability (instead of --seed)' },
  { name: 'coverage-threshold', kind: 'value', valueName: 'T', help: 'coverage: a pixel is covered when some map exceeds T × that map\'s maximum', default: String(COVERAGE_THRESHOLD) },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

export const SCAN_USAGE = `usage: specmap scan <input> --method NAME --components K[,K…] [--omega W[,W…]] [--seeds N[,N…]] --out DIR [analyze options]

Run every (K, ω) combination (every analyze flag applies to each run) and write:
  k{K}-omega{W}/   each run's analyze outputs (k{K}/ for methods without ω)
  scan.csv         one row per run: k, omega, mse, overlap, coverage, r_<reference>…, worst_r,
                   explained_variance_ratio, cumulative_ratio, stability, stability_min,
                   iterations, converged, seconds, dir, chosen
  scan.json        the same, the PCA scree, per-component stability, the rule and its decision
  scan.png         worst matched r (or MSE) and map overlap against ω per K (against K without ω)
  scan.html        the same chart and the table; clicking a run shows its maps and spectra

Choice (chosen = 1): with --references, the runs whose worst matched Pearson r is within
${R_TOLERANCE} of the best, then the lowest map overlap; without references, for each K the largest ω
whose MSE is within ${100 * MSE_TOLERANCE} % of the smallest ω's. Definitions: docs/cli.md (specmap scan).

options:
${formatFlags(SCAN_FLAGS)}`;

/** One run of a scan, as written to scan.csv / scan.json. */
export interface ScanRow {
  k: number;
  /** ω as run (null for methods without ω). */
  omega: number | null;
  /** Components actually returned (nmf-ard-so may prune). */
  kOut: number;
  dir: string;
  mse: number;
  overlap: number;
  coverage: number;
  /** Matched Pearson r per reference name (NaN = no component left for it). */
  r: Record<string, number>;
  worstR: number;
  /** PCA scree: the k-th direction's share of the variance, and the first k's together. */
  explainedVarianceRatio: number;
  cumulativeRatio: number;
  /** Mean and minimum over components of the matched |r| across seeds (NaN with one seed). */
  stability: number;
  stabilityMin: number;
  stabilityPerComponent: number[];
  iterations: number;
  converged: boolean;
  seconds: number;
  chosen: boolean;
}

export interface ScanRun {
  outDir: string;
  method: string;
  references: string[];
  rows: ScanRow[];
  scree: Scree;
  rule: string;
  notes: string[];
  warnings: string[];
}

/** Parse "a,b,c" into numbers (deduplicated, in the order given). */
function numberList(args: ParsedArgs, name: string, opts: { integer?: boolean; min?: number; max?: number }): number[] | undefined {
  const s = stringFlag(args, name);
  if (s === undefined) return undefined;
  const out: number[] = [];
  for (const t of s.split(',')) {
    const v = Number(t.trim());
    if (t.trim() === '' || !Number.isFinite(v)) throw new SpecmapError('USAGE', `--${name} must be numbers separated by commas, got "${s}"`);
    if (opts.integer && !Number.isInteger(v)) throw new SpecmapError('USAGE', `--${name} values must be integers, got "${t.trim()}"`);
    if (opts.min !== undefined && v < opts.min) throw new SpecmapError('USAGE', `--${name} values must be ≥ ${opts.min}, got ${t.trim()}`);
    if (opts.max !== undefined && v > opts.max) throw new SpecmapError('USAGE', `--${name} values must be ≤ ${opts.max}, got ${t.trim()}`);
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

/** Column name of a reference: r_<name> with anything but letters, digits, '.', '-', '_' replaced by '_'. */
export function referenceColumn(name: string): string {
  return 'r_' + name.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function runScan(argv: string[]): ScanRun {
  const t0 = performance.now();
  const args = parseArgs(argv, SCAN_FLAGS);
  if (args.positionals.length !== 1) {
    throw new SpecmapError(
      'USAGE',
      args.positionals.length === 0 ? 'missing input file (try: specmap scan --help)' : `expected one input file, got ${args.positionals.length}: ${args.positionals.join(' ')}`,
    );
  }
  const input = args.positionals[0];
  const methodName = stringFlag(args, 'method') ?? 'nmf';
  let spec: MethodSpec;
  try {
    spec = getMethod(methodName);
  } catch {
    throw new SpecmapError('USAGE', `--method must be one of ${listMethods().map((m) => m.name).join(', ')}; got "${methodName}"`);
  }
  if ((spec as { componentsFrom?: string }).componentsFrom === 'references') {
    throw new SpecmapError('USAGE', `specmap scan: --method ${spec.name} takes its components from --references; there is no K to scan`);
  }
  const ks = numberList(args, 'components', { integer: true, min: 1 });
  if (!ks) throw new SpecmapError('USAGE', '--components K[,K…] is required');
  const omegaList = numberList(args, 'omega', { min: 0, max: 1 });
  const hasOmega = spec.options.includes('omega');
  if (omegaList && !hasOmega) throw new SpecmapError('USAGE', `--omega: method ${spec.name} has no ω (only ${listMethods().filter((m) => m.options.includes('omega')).map((m) => m.name).join(', ')})`);
  if (args.flags.has('seeds') && args.flags.has('seed')) throw new SpecmapError('USAGE', 'give either --seed or --seeds, not both');
  const seeds = numberList(args, 'seeds', { integer: true, min: 0, max: 2 ** 32 - 1 }) ?? [numberFlag(args, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 }) ?? 0];
  const outDir = stringFlag(args, 'out');
  if (!outDir) throw new SpecmapError('USAGE', '--out DIR is required');
  const budgetMb = numberFlag(args, 'spectra-budget', { min: 0 }) ?? DEFAULT_SPECTRA_BUDGET_BYTES / 2 ** 20;
  const threshold = numberFlag(args, 'coverage-threshold', { min: 0 }) ?? COVERAGE_THRESHOLD;
  // Method options from every other method flag (the scanned ones are set per run).
  const rest: ParsedArgs = { positionals: args.positionals, flags: new Map(args.flags) };
  for (const f of ['omega', 'seed', 'seeds', 'components']) rest.flags.delete(f);
  const { options, ignored } = methodOptions(rest, spec.options);

  const stack = readInput(input, args);
  const preprocess = preparePreprocessing(args);
  const references = readReferences(args);
  const tRead = performance.now();
  preprocess(stack);
  const tPre = performance.now();
  const n = stack.width * stack.height;
  const m = stack.energies.length;
  const warnings: string[] = [];
  const scaled = stack.metadata.poissonScaling !== undefined;
  if (scaled) warnings.push('--poisson: the written results are unscaled, so mse is not computed (NaN)');
  const refSpectra = references.map((r) => ({ name: r.name, values: interpolate(r.energies, r.values, stack.energies) }));
  const absolute = SIGN_FREE_METHODS.includes(spec.name);

  const rank = Math.min(n, m);
  const sc = scree(stack, { components: Math.min(rank, Math.max(...ks)) });
  fs.mkdirSync(outDir, { recursive: true });

  const rows: ScanRow[] = [];
  const omegas: (number | null)[] = hasOmega && omegaList ? omegaList : [null];
  for (const k of ks) {
    for (const omega of omegas) {
      const dir = omega === null ? `k${k}` : `k${k}-omega${omega}`;
      const runOptions: Record<string, unknown> = { ...options, seed: seeds[0] };
      if (omega !== null) runOptions.omega = omega;
      const t1 = performance.now();
      const run = analyzeAndWrite(stack, {
        method: spec.name,
        components: k,
        options: runOptions,
        ignored,
        references,
        input,
        budgetMb,
        outDir: path.join(outDir, dir),
        command: ['specmap', 'scan', ...argv],
        times: { t0, tRead, tPre },
      });
      const res = run.result;
      const seconds = (performance.now() - t1) / 1000;
      const mp = matchedPearson(res.components, res.k, refSpectra, m, { absolute });
      const r: Record<string, number> = {};
      refSpectra.forEach((ref, q) => (r[ref.name] = mp.r[q]));
      let stability = NaN;
      let stabilityMin = NaN;
      let stabilityPerComponent: number[] = [];
      if (seeds.length >= 2) {
        const st = stabilityAcrossSeeds(stack, spec.name, k, seeds, runOptions as Partial<AnalyzeOptions>);
        stability = st.mean;
        stabilityPerComponent = Array.from(st.perComponent);
        stabilityMin = Math.min(...stabilityPerComponent);
      }
      const kk = Math.min(k, sc.explainedVarianceRatio.length);
      rows.push({
        k,
        omega: omega ?? (typeof res.parameters.omega === 'number' ? (res.parameters.omega as number) : null),
        kOut: res.k,
        dir,
        mse: scaled ? NaN : reconstructionMse(stack, res),
        overlap: mapOverlapOf(res.weights, n, res.k),
        coverage: coverage(res.weights, n, res.k, threshold, stack.mask),
        r,
        worstR: mp.worst,
        explainedVarianceRatio: sc.explainedVarianceRatio[kk - 1],
        cumulativeRatio: sc.cumulativeRatio[kk - 1],
        stability,
        stabilityMin,
        stabilityPerComponent,
        iterations: res.iterations,
        converged: res.converged,
        seconds,
        chosen: false,
      });
      for (const w of res.warnings) warnings.push(`${dir}: ${w}`);
    }
  }
  const choice = chooseScanRun(
    rows.map((row) => ({ k: row.k, omega: omegas[0] === null ? null : row.omega, mse: row.mse, overlap: row.overlap, worstR: row.worstR })),
  );
  for (const i of choice.chosen) rows[i].chosen = true;

  const scan: ScanRun = { outDir, method: spec.name, references: refSpectra.map((r) => r.name), rows, scree: sc, rule: choice.rule, notes: choice.notes, warnings };
  fs.writeFileSync(path.join(outDir, 'scan.csv'), scanCsv(scan));
  fs.writeFileSync(
    path.join(outDir, 'scan.json'),
    JSON.stringify(
      {
        specmap: SPECMAP_VERSION,
        command: ['specmap', 'scan', ...argv],
        input: path.resolve(input),
        method: spec.name,
        components: ks,
        omega: omegas[0] === null ? null : omegas,
        seeds,
        references: scan.references,
        ignoredFlags: ignored,
        definitions: {
          mse: 'mean over fitted pixels and channels of (X − W·C − mean)², X as analysed (after preprocessing)',
          overlap: 'mean over pairs of maps i<j of the cosine <w_i,w_j>/(|w_i||w_j|) over pixels',
          coverage: `share of (masked-in) pixels where some map exceeds ${threshold} × its maximum`,
          r: `Pearson r of each reference with its component in the optimal one-to-one assignment (Hungarian)${absolute ? ', |r| (sign-free method)' : ''}`,
          worst_r: 'smallest matched r over the references (−1 for a reference left without a component)',
          stability: 'mean over components of the matched |r| between the first seed\'s spectra and each other seed\'s (stabilityAcrossSeeds)',
        },
        rule: choice.rule,
        notes: choice.notes,
        chosen: choice.chosen.map((i) => rows[i].dir),
        scree: {
          explainedVariance: Array.from(sc.explainedVariance),
          explainedVarianceRatio: Array.from(sc.explainedVarianceRatio),
          cumulativeRatio: Array.from(sc.cumulativeRatio),
          totalVariance: sc.totalVariance,
        },
        rows: rows.map((row) => ({ ...row, r: { ...row.r } })),
        warnings,
        seconds: Math.round(performance.now() - t0) / 1000,
      },
      (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
      2,
    ) + '\n',
  );
  fs.writeFileSync(path.join(outDir, 'scan.png'), renderScanPng(scan));
  // scan.html: the chart and table; a click shows that run's view (payloads inlined within a budget, else links).
  const payloads = rows.map((row) => {
    const f = path.join(outDir, row.dir, 'result.arrow');
    return fs.existsSync(f) ? new Uint8Array(fs.readFileSync(f)) : null;
  });
  fs.writeFileSync(
    path.join(outDir, 'scan.html'),
    buildScanReportHtml(rows, payloads, { title: `specmap scan: ${spec.name}`, method: spec.name, references: scan.references, rule: choice.rule, notes: choice.notes }),
  );
  return scan;
}

function fmt(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '';
  return String(Number(v.toPrecision(8)));
}

/** scan.csv: one row per run. */
export function scanCsv(scan: ScanRun): string {
  const header = ['k', 'omega', 'mse', 'overlap', 'coverage', ...scan.references.map(referenceColumn), 'worst_r', 'explained_variance_ratio', 'cumulative_ratio', 'stability', 'stability_min', 'k_out', 'iterations', 'converged', 'seconds', 'dir', 'chosen'];
  const lines = [header.join(',')];
  for (const r of scan.rows) {
    lines.push(
      [
        String(r.k),
        fmt(r.omega),
        fmt(r.mse),
        fmt(r.overlap),
        fmt(r.coverage),
        ...scan.references.map((name) => fmt(r.r[name])),
        scan.references.length > 0 ? fmt(r.worstR) : '',
        fmt(r.explainedVarianceRatio),
        fmt(r.cumulativeRatio),
        fmt(r.stability),
        fmt(r.stabilityMin),
        String(r.kOut),
        String(r.iterations),
        r.converged ? '1' : '0',
        fmt(Math.round(r.seconds * 1000) / 1000),
        r.dir,
        r.chosen ? '1' : '0',
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

interface Series {
  label: string;
  color: Color;
  xs: number[];
  ys: number[];
  /** Indices of points to ring (chosen runs). */
  marked: number[];
}

interface Panel {
  title: string;
  xLabel: string;
  series: Series[];
}

/**
 * scan.png: with ω scanned, the worst matched r (without references: MSE
 * relative to the smallest ω's) and the map overlap against ω, one line per
 * K, chosen runs ringed; without ω, the same against K plus the PCA
 * cumulative explained variance and (with seeds) the stability.
 */
export function renderScanPng(scan: ScanRun): Uint8Array {
  const rows = scan.rows;
  const hasRefs = scan.references.length > 0;
  const omegaScan = new Set(rows.map((r) => r.omega)).size > 1;
  const panels: Panel[] = [];
  if (omegaScan) {
    const ks = [...new Set(rows.map((r) => r.k))];
    const byK = (f: (r: ScanRow, base: ScanRow) => number): Series[] =>
      ks.map((k, i) => {
        const rs = rows.filter((r) => r.k === k).sort((a, b) => (a.omega ?? 0) - (b.omega ?? 0));
        return { label: `K=${k}`, color: COMPONENT_COLORS[i % COMPONENT_COLORS.length], xs: rs.map((r) => r.omega ?? 0), ys: rs.map((r) => f(r, rs[0])), marked: rs.map((r, j) => (r.chosen ? j : -1)).filter((j) => j >= 0) };
      });
    panels.push(hasRefs ? { title: 'worst matched Pearson r', xLabel: 'omega', series: byK((r) => r.worstR) } : { title: 'MSE / MSE at smallest omega', xLabel: 'omega', series: byK((r, b) => r.mse / b.mse) });
    panels.push({ title: 'map overlap (mean pair cosine)', xLabel: 'omega', series: byK((r) => r.overlap) });
  } else {
    const rs = [...rows].sort((a, b) => a.k - b.k);
    const one = (title: string, f: (r: ScanRow) => number, color: Color): Panel => ({
      title,
      xLabel: 'K',
      series: [{ label: scan.method, color, xs: rs.map((r) => r.k), ys: rs.map(f), marked: rs.map((r, j) => (r.chosen ? j : -1)).filter((j) => j >= 0) }],
    });
    if (hasRefs) panels.push(one('worst matched Pearson r', (r) => r.worstR, COMPONENT_COLORS[0]));
    panels.push(one('MSE', (r) => r.mse, COMPONENT_COLORS[1]));
    panels.push(one('PCA cumulative variance ratio', (r) => r.cumulativeRatio, COMPONENT_COLORS[2]));
    if (rows.some((r) => Number.isFinite(r.stability))) panels.push(one('stability across seeds', (r) => r.stability, COMPONENT_COLORS[3 % COMPONENT_COLORS.length]));
  }
  const pw = 300;
  const ph = 220;
  const raster = new Raster(pw * panels.length, ph + 16);
  raster.text(6, 4, `specmap scan: ${scan.method}`, [0, 0, 0], { baseline: 'top' });
  panels.forEach((p, i) => drawPanel(raster, i * pw, 16, pw, ph, p));
  return encodePng(raster.width, raster.height, raster.data);
}

function drawPanel(r: Raster, x0: number, y0: number, w: number, h: number, p: Panel): void {
  const left = x0 + 48;
  const right = x0 + w - 10;
  const top = y0 + 18;
  const bottom = y0 + h - 44;
  const xs = p.series.flatMap((s) => s.xs).filter(Number.isFinite);
  const ys = p.series.flatMap((s) => s.ys).filter(Number.isFinite);
  r.text((left + right) / 2, y0 + 4, p.title, [0, 0, 0], { align: 'center', baseline: 'top' });
  r.strokeRect(left, top, right - left, bottom - top, [0, 0, 0]);
  if (xs.length === 0 || ys.length === 0) return;
  let [xlo, xhi] = [Math.min(...xs), Math.max(...xs)];
  let [ylo, yhi] = [Math.min(...ys), Math.max(...ys)];
  if (xhi === xlo) [xlo, xhi] = [xlo - 0.5, xhi + 0.5];
  if (yhi === ylo) [ylo, yhi] = [ylo - Math.max(Math.abs(ylo) * 0.01, 1e-3), yhi + Math.max(Math.abs(yhi) * 0.01, 1e-3)];
  const pad = (yhi - ylo) * 0.08;
  ylo -= pad;
  yhi += pad;
  const X = (v: number) => left + 6 + ((v - xlo) / (xhi - xlo)) * (right - left - 12);
  const Y = (v: number) => bottom - ((v - ylo) / (yhi - ylo)) * (bottom - top);
  const gray: Color = [90, 90, 90];
  const xt = niceTicks(xlo, xhi, 5);
  for (const t of xt.ticks) {
    r.line(X(t), bottom, X(t), bottom + 3, gray);
    r.text(X(t), bottom + 5, formatTick(t, xt.step), gray, { align: 'center', baseline: 'top' });
  }
  const yt = niceTicks(ylo, yhi, 5);
  for (const t of yt.ticks) {
    r.line(left - 3, Y(t), left, Y(t), gray);
    r.text(left - 5, Y(t), formatTick(t, yt.step), gray, { align: 'right', baseline: 'middle' });
  }
  r.text((left + right) / 2, bottom + 16, p.xLabel, [0, 0, 0], { align: 'center', baseline: 'top' });
  let lx = left;
  for (const s of p.series) {
    const pts: number[] = [];
    s.xs.forEach((x, i) => pts.push(X(x), Number.isFinite(s.ys[i]) ? Y(s.ys[i]) : NaN));
    r.polyline(pts, s.color, { width: 2 });
    s.xs.forEach((x, i) => {
      if (Number.isFinite(s.ys[i])) r.fillRect(X(x) - 2, Y(s.ys[i]) - 2, 5, 5, s.color);
    });
    for (const i of s.marked) r.strokeRect(X(s.xs[i]) - 5, Y(s.ys[i]) - 5, 11, 11, [0, 0, 0]);
    if (p.series.length > 1) {
      r.fillRect(lx, bottom + 30, 8, 4, s.color);
      lx += 12 + r.text(lx + 12, bottom + 32, s.label, [0, 0, 0], { baseline: 'middle' });
      lx += 8;
    }
  }
}
