"""Writes notebooks/04-reaction-path.ipynb (source of truth for its cells).

Run with /usr/bin/python3 tools/make_reaction_path_notebook.py; the notebook is
committed unexecuted and executed by the test suite in the tslab kernel.
"""
import nbformat as nbf
from pathlib import Path

cells = []
md = lambda s: cells.append(nbf.v4.new_markdown_cell(s.strip()))
code = lambda s: cells.append(nbf.v4.new_code_cell(s.strip()))

md(r"""
# Reaction paths: ordering Fe K-edge spectra with modified LLE

**The map in this notebook is synthetic, built from real spectra.** The three spectra are real
measured Fe K-edge XANES standards (`examples/data/fe-k-standards/`, see its README for sources,
credits and licences): Fe metal and Fe3O4 (magnetite) from the XAS Data Library (APS 13-BM-D,
public domain) and γ-FeOOH (lepidocrocite; C. Hansel, T. Borch, S. Fendorf, ALS 10.3.2 library,
MIT). They are on one energy scale (the ALS spectrum shifted by +1.25 eV).

From them we build a 21×21 "corrosion map": every pixel lies somewhere on the path
Fe → Fe3O4 → γ-FeOOH (a linear mixture of the two neighbouring stages), with a spatially varying
reaction progress and Gaussian noise. The magnetite stage is a **thin layer** between the metal
core and the rust, so it holds few pixels, as in real corrosion scales.

Then we ask what the analysis recovers without being told the progress:

1. **modified LLE** (Zhang & Wang; scikit-learn 1.2's algorithm) orders the spectra along the path;
2. the standards are **projected** into the embedding and the first coordinate is rescaled into a
   **progress map** (0 at Fe, 1 at γ-FeOOH);
3. **PCA** beside mLLE: what the nonlinear embedding adds;
4. **plain NMF vs manifold-weighted NMF** when one stage holds few pixels;
5. **LCF** composition maps and **RSFs** of the end members (`@specmap/xafs`).
""")

code(r"""
import * as fs from "fs";
import * as path from "path";
import * as tslab from "tslab";
import { analyze, registerMethod, pearson, Rng } from "@specmap/core";
import type { SpectralStack } from "@specmap/core";
import { MANIFOLD_METHODS, mixAlongPath, histogram, pathSpectra } from "@specmap/manifold";
import { show } from "@specmap/notebook";
import { Raster, encodePng, colormap } from "@specmap/png";
for (const spec of MANIFOLD_METHODS) registerMethod(spec);

// The real standards, normalised, on one grid (7062–7950 eV); the XANES window 7100–7200 eV for the map.
const csv = fs.readFileSync(path.join("..", "examples", "data", "fe-k-standards", "fe-k-standards.csv"), "utf8")
  .split("\n").filter((l) => l && !l.startsWith("#"));
const header = csv.shift()!.split(",");
const table = csv.map((l) => l.split(",").map(Number));
const full = { E: Float64Array.from(table, (r) => r[0]), Fe: Float64Array.from(table, (r) => r[1]),
               Fe3O4: Float64Array.from(table, (r) => r[2]), FeOOH: Float64Array.from(table, (r) => r[3]) };
const xanes = table.filter((r) => r[0] >= 7100 && r[0] <= 7200);
const E = Float64Array.from(xanes, (r) => r[0]);
const std = { Fe: Float64Array.from(xanes, (r) => r[1]), Fe3O4: Float64Array.from(xanes, (r) => r[2]), FeOOH: Float64Array.from(xanes, (r) => r[3]) };
const m = E.length;
console.log(`columns ${header.join(", ")}; XANES window ${E[0]}–${E[m - 1]} eV, ${m} channels`);
""")

md(r"""
Plot helpers (drawn with `@specmap/png`, no native canvas): spectra, maps and scatter plots.
""")

code(r"""
type Series = { y: ArrayLike<number>; label: string; color: [number, number, number] };
const COLORS: [number, number, number][] = [[31, 119, 180], [214, 39, 40], [44, 160, 44], [148, 103, 189], [255, 127, 14]];
function plot(x: ArrayLike<number>, series: Series[], title: string, xlabel = "eV"): Uint8Array {
  const W = 620, H = 260, L = 50, R = 140, T = 24, B = 30;
  const r = new Raster(W, H);
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (let i = 0; i < s.y.length; i++) { lo = Math.min(lo, s.y[i]); hi = Math.max(hi, s.y[i]); }
  const pad = 0.05 * (hi - lo || 1); lo -= pad; hi += pad;
  const x0 = x[0], x1 = x[x.length - 1];
  const px = (v: number) => L + ((v - x0) / (x1 - x0)) * (W - L - R);
  const py = (v: number) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  r.strokeRect(L, T, W - L - R, H - T - B, [0, 0, 0]);
  r.text(L, 6, title, [0, 0, 0]);
  r.text(L, H - 14, `${x0.toFixed(1)} ${xlabel}`, [0, 0, 0]);
  r.text(W - R, H - 14, `${x1.toFixed(1)} ${xlabel}`, [0, 0, 0], { align: "right" } as any);
  series.forEach((s, k) => {
    const pts: number[] = [];
    for (let i = 0; i < x.length; i++) pts.push(px(x[i]), py(s.y[i]));
    r.polyline(pts, s.color, { width: 1.5 } as any);
    r.line(W - R + 10, T + 10 + 14 * k, W - R + 30, T + 10 + 14 * k, s.color, { width: 2 });
    r.text(W - R + 34, T + 7 + 14 * k, s.label, [0, 0, 0]);
  });
  return encodePng(W, H, r.data);
}
/** Maps side by side, each scaled to [lo, hi] (viridis), 21×21 pixels drawn 8× enlarged. */
function maps(items: { values: ArrayLike<number>; title: string; lo?: number; hi?: number }[], w = 21, h = 21): Uint8Array {
  const s = 8, gap = 16, W = items.length * (w * s + gap) + gap, H = h * s + 40;
  const r = new Raster(W, H);
  items.forEach((it, k) => {
    let lo = it.lo ?? Infinity, hi = it.hi ?? -Infinity;
    if (it.lo === undefined || it.hi === undefined) for (let i = 0; i < w * h; i++) if (Number.isFinite(it.values[i])) { lo = Math.min(lo, it.values[i]); hi = Math.max(hi, it.values[i]); }
    const ox = gap + k * (w * s + gap);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const c = colormap("viridis", (it.values[y * w + x] - lo) / (hi - lo || 1)) ?? [200, 200, 200];
      r.fillRect(ox + x * s, 24 + y * s, s, s, c);
    }
    r.text(ox, 6, it.title, [0, 0, 0]);
    r.text(ox, 28 + h * s, `${lo.toFixed(2)} … ${hi.toFixed(2)}`, [0, 0, 0]);
  });
  return encodePng(W, H, r.data);
}
function scatter(xs: ArrayLike<number>, ys: ArrayLike<number>, color: ArrayLike<number>, title: string, marks: { x: number; y: number; label: string }[] = []): Uint8Array {
  const W = 300, H = 260, L = 30, T = 24, P = 10;
  const r = new Raster(W, H);
  const ext = (v: ArrayLike<number>, extra: number[]) => { let lo = Math.min(...extra), hi = Math.max(...extra); for (let i = 0; i < v.length; i++) { lo = Math.min(lo, v[i]); hi = Math.max(hi, v[i]); } return [lo, hi]; };
  const [xlo, xhi] = ext(xs, marks.map((q) => q.x)), [ylo, yhi] = ext(ys, marks.map((q) => q.y));
  const px = (v: number) => L + P + ((v - xlo) / (xhi - xlo || 1)) * (W - L - 2 * P - 10);
  const py = (v: number) => T + P + (1 - (v - ylo) / (yhi - ylo || 1)) * (H - T - 2 * P - 10);
  r.strokeRect(L, T, W - L - 10, H - T - 10, [0, 0, 0]);
  r.text(L, 6, title, [0, 0, 0]);
  for (let i = 0; i < xs.length; i++) r.fillRect(px(xs[i]) - 1, py(ys[i]) - 1, 3, 3, colormap("viridis", color[i]) ?? [0, 0, 0]);
  for (const q of marks) { r.strokeRect(px(q.x) - 4, py(q.y) - 4, 9, 9, [220, 0, 0]); r.text(px(q.x) + 6, py(q.y) - 4, q.label, [220, 0, 0]); }
  return encodePng(W, H, r.data);
}
function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const rank = (v: ArrayLike<number>) => { const idx = Array.from({ length: v.length }, (_, i) => i).sort((p, q) => v[p] - v[q] || p - q); const out = new Float64Array(v.length); idx.forEach((i, k) => (out[i] = k)); return out; };
  return pearson(rank(a), rank(b));
}
tslab.display.png(plot(E, [{ y: std.Fe, label: "Fe", color: COLORS[0] }, { y: std.Fe3O4, label: "Fe3O4", color: COLORS[1] }, { y: std.FeOOH, label: "gamma-FeOOH", color: COLORS[2] }], "The real standards (normalised mu)"));
""")

md(r"""
## The synthetic-from-real corrosion map

Reaction progress p(x, y) ∈ [0, 1] grows from a metal core (upper left) outwards; a steep front
makes the Fe3O4 stage (p ≈ 0.5) a thin layer. Each pixel is the linear mixture of the two
neighbouring stages at its p, plus Gaussian noise (σ = 0.005 of the edge step).
""")

code(r"""
const Wd = 21, Ht = 21, n = Wd * Ht;
const truth = new Float64Array(n);
for (let y = 0; y < Ht; y++) for (let x = 0; x < Wd; x++) {
  const r = Math.hypot(x + 2, y + 1) / 29 + 0.05 * Math.sin(x / 2) * Math.cos(y / 3);
  truth[y * Wd + x] = 1 / (1 + Math.exp(-(r - 0.55) / 0.07));   // logistic front: few pixels near 0.5
}
const mix = mixAlongPath([std.Fe, std.Fe3O4, std.FeOOH], truth, { noise: 0.005, seed: 4 });
const stack: SpectralStack = { data: mix.data, energies: E, width: Wd, height: Ht,
  metadata: { quantity: "normalised mu (synthetic from real standards)", source: "synthetic: examples/data/fe-k-standards" } };
const middle = Array.from(truth).filter((p) => p > 0.35 && p < 0.65).length;
console.log(`${n} spectra; ${middle} of them (${(100 * middle / n).toFixed(1)} %) in the Fe3O4 stage (0.35 < p < 0.65)`);
const fracMaps = [0, 1, 2].map((j) => Float32Array.from({ length: n }, (_, i) => mix.fractions[i * 3 + j]));
tslab.display.png(maps([{ values: truth, title: "true progress", lo: 0, hi: 1 },
  { values: fracMaps[0], title: "true Fe", lo: 0, hi: 1 }, { values: fracMaps[1], title: "true Fe3O4", lo: 0, hi: 1 }, { values: fracMaps[2], title: "true gamma-FeOOH", lo: 0, hi: 1 }]));
""")

md(r"""
## Modified LLE: order, projected standards, progress

`analyze(stack, { method: "mlle", ... })` runs modified LLE (K = 12 neighbours, 2 dimensions). The
references are projected into the embedding with scikit-learn's `transform` (barycenter weights of
their K nearest spectra). **Orientation rule:** coordinate 0 is signed so the first reference (Fe)
lies below the last (γ-FeOOH); the progress map is coordinate 0 rescaled to 0 at Fe and 1 at
γ-FeOOH. The result's weights are the embedding; its components are the spectral change per unit
of each coordinate (least squares), so weights × components + mean is the linear reconstruction.
""")

code(r"""
const references = [
  { name: "Fe", energies: E, values: std.Fe },
  { name: "Fe3O4", energies: E, values: std.Fe3O4 },
  { name: "gamma-FeOOH", energies: E, values: std.FeOOH },
];
const mlle = analyze(stack, { method: "mlle", components: 2, neighbors: 12, references: references });
const emb = mlle.embedding!;
const y0 = Float64Array.from({ length: n }, (_, i) => emb.coords[i * 2]);
console.log(`reconstruction error ${(mlle.parameters.reconstructionError as number).toExponential(3)}; warnings: ${mlle.warnings.join("; ") || "none"}`);
console.log(`Spearman(mLLE coordinate 0, true progress) = ${spearman(y0, truth).toFixed(4)}`);
for (const s of emb.standards!) console.log(`  ${s.name.padEnd(12)} → (${s.coords[0].toFixed(4)}, ${s.coords[1].toFixed(4)})`);
show(mlle);
""")

code(r"""
const prog = emb.progress!;
const h = histogram(prog, 20, 0, 1);
const maxCount = Math.max(...h.counts);
const hr = new Raster(320, 200);
hr.text(10, 6, `progress histogram (${h.below} below 0, ${h.above} above 1)`, [0, 0, 0]);
h.counts.forEach((c, b) => hr.fillRect(20 + b * 14, 180 - (150 * c) / maxCount, 12, (150 * c) / maxCount, [31, 119, 180]));
hr.line(20, 180, 300, 180, [0, 0, 0]);
hr.text(16, 184, "0", [0, 0, 0]); hr.text(292, 184, "1", [0, 0, 0]);
tslab.display.png(maps([{ values: truth, title: "true progress", lo: 0, hi: 1 }, { values: prog, title: "mLLE progress map", lo: 0, hi: 1 }]));
tslab.display.png(encodePng(320, 200, hr.data));
let err = 0; for (let i = 0; i < n; i++) err += Math.abs(Math.min(1, Math.max(0, prog[i])) - truth[i]);
console.log(`mean |progress − truth| = ${(err / n).toFixed(3)} (the embedding is monotone in p, not linear in it)`);
""")

md(r"""
Spectra along the path: the kernel-averaged spectrum at five evenly spaced points of coordinate 0
(`pathSpectra`) walks from the metal edge to the lepidocrocite white line.
""")

code(r"""
const ps = pathSpectra(stack.data, m, y0, 5);
tslab.display.png(plot(E, [0, 1, 2, 3, 4].map((j) => ({ y: ps.spectra.subarray(j * m, (j + 1) * m), label: `t = ${ps.positions[j].toFixed(3)}`, color: COLORS[j] })), "Spectra along mLLE coordinate 0"));
""")

md(r"""
## PCA beside mLLE

PCA is linear: the path Fe → Fe3O4 → γ-FeOOH is two straight segments at an angle in spectrum
space, so in the PC1–PC2 plane it appears as a bent curve, and whether PC1 alone orders it depends
on how strongly it bends. mLLE's first coordinate follows the path itself (it "unrolls" the bend)
and the second coordinate is left for what is off the path. Compare the rank correlations printed
below and the two scatter plots (colour = true progress, red squares = the real standards).
""")

code(r"""
const pcaRes = analyze(stack, { method: "pca", components: 2 });
const pc1 = Float64Array.from({ length: n }, (_, i) => pcaRes.weights[i * 2]);
const pc2 = Float64Array.from({ length: n }, (_, i) => pcaRes.weights[i * 2 + 1]);
console.log(`|Spearman(PC1, truth)| = ${Math.abs(spearman(pc1, truth)).toFixed(4)}; |Spearman(mLLE 0, truth)| = ${Math.abs(spearman(y0, truth)).toFixed(4)}`);
const y1 = Float64Array.from({ length: n }, (_, i) => emb.coords[i * 2 + 1]);
const pcStd = references.map((r) => { let a = 0, b = 0; for (let e = 0; e < m; e++) { a += (r.values[e] - pcaRes.mean![e]) * pcaRes.components[e]; b += (r.values[e] - pcaRes.mean![e]) * pcaRes.components[m + e]; } return { x: a, y: b, label: r.name }; });
tslab.display.png(scatter(pc1, pc2, truth, "PCA scores (colour = true p)", pcStd));
tslab.display.png(scatter(y0, y1, truth, "mLLE coordinates (colour = true p)", emb.standards!.map((s) => ({ x: s.coords[0], y: s.coords[1], label: s.name }))));
""")

md(r"""
## Plain NMF vs manifold-weighted NMF

With three components, plain NMF fits the populous metal and rust pixels first; the thin magnetite
layer pulls little. **mw-NMF** (specmap's design, docs/cli.md) weights each spectrum by
p̂(τ)^−α, the inverse density of spectra along the mLLE coordinate τ (Gaussian KDE, Silverman
bandwidth, α = 1, weights clipped to their 1–99 % quantiles), so each stretch of the path counts
about equally. Metric: Pearson r of the best-matching component with each real standard.
""")

code(r"""
const plain = analyze(stack, { method: "nmf", components: 3, maxIter: 800, tol: 1e-6, references: references });
const mw = analyze(stack, { method: "mw-nmf", components: 3, neighbors: 12, maxIter: 800, references: references });
const bestR = (res: typeof plain) => references.map((_, j) => Math.max(...[0, 1, 2].map((c) => res.references!.pearson[c * 3 + j])));
const rp = bestR(plain), rw = bestR(mw);
references.forEach((r, j) => console.log(`${r.name.padEnd(12)} best r: plain NMF ${rp[j].toFixed(4)}   mw-NMF ${rw[j].toFixed(4)}`));
console.log(`mw-NMF: path coordinate ${mw.parameters.embedding}, effective sample size ${(mw.parameters.effectiveSampleSize as number).toFixed(0)} of ${n}`);
const comp = (res: typeof plain, c: number) => res.components.subarray(c * m, (c + 1) * m);
const match = (res: typeof plain) => { let best = 0; for (let c = 1; c < 3; c++) if (res.references!.pearson[c * 3 + 1] > res.references!.pearson[best * 3 + 1]) best = c; return best; };
const sc = (v: ArrayLike<number>) => { let mx = 0; for (let e = 0; e < m; e++) mx = Math.max(mx, v[e]); return Float64Array.from(v, (t) => t / mx); };
tslab.display.png(plot(E, [{ y: sc(std.Fe3O4), label: "Fe3O4 (real)", color: [0, 0, 0] },
  { y: comp(plain, match(plain)), label: "plain NMF", color: COLORS[0] }, { y: comp(mw, match(mw)), label: "mw-NMF", color: COLORS[1] }],
  "The component matched to Fe3O4 (each scaled to max 1)"));
show(mw);
""")

md(r"""
## LCF composition maps and RSFs of the end members (`@specmap/xafs`)

Linear-combination fitting of every pixel with the three real standards (non-negative least
squares, weights summing to 1) gives composition maps to compare with the truth and with the
mLLE progress; the histograms show how many pixels hold each fraction. The radial structure
functions |χ(R)| of the end members (autobk background with rbkg = 1 Å, k² weighting, Hanning
window 2–12 Å⁻¹ with dk = 1, no phase correction) are computed from the full-range standards up
to 7950 eV.

**The background's k-weight matters.** larch's `autobk` fits the background with k¹ weighting by
default. On Fe3O4 (and γ-FeOOH) that leaves a slow wiggle in χ(k) at high k, which the k² weight of
the transform amplifies into a spurious peak at ≈ 1.05 Å, just above rbkg, larger than the Fe–O
shell; the same happens on the raw XDI file (so the normalised, flattened table is not the cause)
and for any e0 between 7120 and 7126 eV. Fitting the background with the transform's k-weight
(`bkgKweight: 2`, now the default of `rsfSpectrum`, `rsfMaps` and `specmap rsf`) removes it: the Fe–O peak of Fe3O4 is then at 1.47 Å and its
Fe–Fe peak (the largest) at 2.58 Å, phase-uncorrected. Below, "first peak" is the first local
maximum above rbkg holding at least half of the largest |χ(R)|.
""")

code(r"""
import { lcfMap, fractionHistograms, rsfSpectrum } from "@specmap/xafs";
const lcf = lcfMap(stack, references, { sumToOne: true });
const lcfMaps = [0, 1, 2].map((j) => Float32Array.from({ length: n }, (_, i) => lcf.fractions[i * 3 + j]));
let maxDev = 0; for (let i = 0; i < n * 3; i++) maxDev = Math.max(maxDev, Math.abs(lcf.fractions[i] - mix.fractions[i]));
console.log(`LCF: largest |fraction − true fraction| = ${maxDev.toFixed(3)}; median R-factor ${Array.from(lcf.rfactor).sort((a, b) => a - b)[n >> 1].toExponential(2)}`);
tslab.display.png(maps(lcf.names.map((name, j) => ({ values: lcfMaps[j], title: `LCF ${name}`, lo: 0, hi: 1 }))));
const fh = fractionHistograms(lcf.fractions, 3, { bins: 10 });
fh.counts.forEach((c, j) => console.log(`${lcf.names[j].padEnd(12)} fraction histogram (10 bins on 0–1): ${c.join(" ")}`));
""")

code(r"""
import { readXasSpectrum } from "@specmap/xafs";
const rsfOptions = { rbkg: 1, bkgKweight: 2, kweight: 2, kmin: 2, kmax: 12, dk: 1, window: "hanning" };
const rsfs = [{ name: "Fe", mu: full.Fe }, { name: "Fe3O4", mu: full.Fe3O4 }, { name: "gamma-FeOOH", mu: full.FeOOH }]
  .map((s) => ({ name: s.name, res: rsfSpectrum(full.E, s.mu, rsfOptions) }));
const R = rsfs[0].res.ft.r;
const upto = R.findIndex((v) => v > 6);
/** First local maximum of |χ(R)| above rbkg with at least half the largest value up to 6 Å, and the largest. */
function peaks(mag: ArrayLike<number>): { first: number; largest: number } {
  let il = 1; for (let i = 1; i < upto; i++) if (mag[i] > mag[il]) il = i;
  for (let i = 1; i < upto; i++) if (R[i] > 1 && mag[i] >= mag[i - 1] && mag[i] > mag[i + 1] && mag[i] >= 0.5 * mag[il]) return { first: R[i], largest: R[il] };
  return { first: NaN, largest: R[il] };
}
const rsfPeaks: Record<string, { first: number; largest: number }> = {};
for (const s of rsfs) {
  const p = (rsfPeaks[s.name] = peaks(s.res.ft.mag));
  console.log(`${s.name.padEnd(12)} e0 ${s.res.autobk!.e0} eV: first peak at R = ${p.first.toFixed(2)} Å, largest at ${p.largest.toFixed(2)} Å (no phase correction)`);
}
// The same on the raw Fe3O4 XDI file (ln(I0/It), not flattened), and with larch's default k¹ background weighting.
const xdi = readXasSpectrum(path.join("..", "examples", "data", "fe-k-standards", "Fe3O4_rt_01.xdi"));
const xdiPeaks = peaks(rsfSpectrum(xdi.x, xdi.y, rsfOptions).ft.mag);
const k1Peaks = peaks(rsfSpectrum(full.E, full.Fe3O4, { ...rsfOptions, bkgKweight: 1 }).ft.mag);
console.log(`Fe3O4 from the raw XDI: first peak at ${xdiPeaks.first.toFixed(2)} Å; with a k¹-weighted background: ${k1Peaks.first.toFixed(2)} Å (spurious, just above rbkg)`);
if (!(Math.abs(rsfPeaks.Fe3O4.first - 1.47) < 0.05 && Math.abs(xdiPeaks.first - rsfPeaks.Fe3O4.first) < 0.05 && Math.abs(rsfPeaks.Fe.first - 2.18) < 0.05)) throw new Error("RSF peaks drifted");
tslab.display.png(plot(R.subarray(0, upto), rsfs.map((s, j) => ({ y: s.res.ft.mag.subarray(0, upto), label: s.name, color: COLORS[j] })), "|chi(R)| of the end members (k^2, 2-12 1/A)", "A"));
""")

md(r"""
**What this shows.** On this synthetic-from-real map, modified LLE recovers the order of the
reaction from the spectra alone (Spearman against the true progress printed above) and places the
three real standards in order along its first coordinate; its progress map reproduces the shape of
the corrosion front (monotone in the true progress, not linear in it). On this mildly bent path
PC1 orders the pixels about as well: the nonlinear embedding matters when the path bends more
strongly than here. Down-weighting densely populated stretches of the path (mw-NMF) improves the
match of every component with its real standard here. LCF with the true standards is the
reference answer when the standards are known; the embedding needs no standards to order the
spectra.
""")

md(r"""
**Saved for replay.** The main result, the modified-LLE embedding of the synthetic-from-real corrosion map (`mlle`; the stack is built in memory, so it is saved too, as `input.npy`), is saved with `saveResult` to `out/notebooks/04-reaction-path/`; from the repository root, `npx specmap replay out/notebooks/04-reaction-path/summary.json` redoes it from the recorded input, steps and options and checks that it is identical.
""")
code(r"""
import { saveResult } from "@specmap/notebook";
const saveDir = path.join("..", "out", "notebooks", "04-reaction-path");
const t0Save = Date.now();
const saved = saveResult(mlle, saveDir, { stack: stack, options: { method: "mlle", components: 2, neighbors: 12, references: references } });
console.log(`saved ${saved.outputs.join(", ")} to ${saveDir} in ${Date.now() - t0Save} ms`);
""")

nb = nbf.v4.new_notebook()
nb.cells = cells
nb.metadata = {
    "kernelspec": {"display_name": "TypeScript", "language": "typescript", "name": "tslab"},
    "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"},
}
out = Path(__file__).resolve().parent.parent / "notebooks" / "04-reaction-path.ipynb"
nbf.write(nb, str(out))
print(f"wrote {out}")
