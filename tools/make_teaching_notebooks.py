"""Writes the teaching course notebooks/teaching/0{1,2,3}-*.ipynb (source of truth for their cells).

Run with /usr/bin/python3 tools/make_teaching_notebooks.py; the notebooks are committed
unexecuted and executed by the test suite in the tslab kernel (cwd = notebooks/teaching).

Each notebook has exercises: a cell with a function the student completes (the solution is
filled in, so CI passes; students delete it and write their own) and a check cell that throws
a helpful message when the function is wrong.
"""
import nbformat as nbf
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "notebooks" / "teaching"

# Small drawing helpers shared by the notebooks (inlined: each notebook stands alone).
HELPERS = r"""
import * as tslab from "tslab";
import { Raster, encodePng, colormap } from "@specmap/png";

const COLORS: [number, number, number][] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189]];
/** Line plot of several curves against x (PNG). */
function plot(x: ArrayLike<number>, curves: { y: ArrayLike<number>; label: string; color?: [number, number, number] }[], title: string, xlabel = "Energy (eV)"): Uint8Array {
  const W = 560, H = 300, L = 52, R = 12, T = 26, B = 34;
  const r = new Raster(W, H);
  let lo = Infinity, hi = -Infinity;
  for (const c of curves) for (let i = 0; i < c.y.length; i++) if (Number.isFinite(c.y[i])) { lo = Math.min(lo, c.y[i]); hi = Math.max(hi, c.y[i]); }
  if (!(hi > lo)) { lo -= 1; hi += 1; }
  const pad = 0.05 * (hi - lo); lo -= pad; hi += pad;
  const x0 = x[0], x1 = x[x.length - 1];
  const X = (v: number) => L + ((v - x0) / (x1 - x0)) * (W - L - R);
  const Y = (v: number) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  r.strokeRect(L, T, W - L - R, H - T - B, [60, 60, 60]);
  if (lo < 0 && hi > 0) r.fillRect(L, Math.round(Y(0)), W - L - R, 1, [170, 170, 170]);
  r.text(L, 8, title, [0, 0, 0]);
  r.text(L + (W - L - R) / 2, H - 4, xlabel, [0, 0, 0], { align: "center", baseline: "bottom" });
  r.text(L - 4, T, hi.toPrecision(3), [60, 60, 60], { align: "right" });
  r.text(L - 4, H - B, lo.toPrecision(3), [60, 60, 60], { align: "right", baseline: "bottom" });
  r.text(L, H - B + 4, String(Number(x0.toFixed(2))), [60, 60, 60]);
  r.text(W - R, H - B + 4, String(Number(x1.toFixed(2))), [60, 60, 60], { align: "right" });
  curves.forEach((c, j) => {
    const pts = new Float64Array(2 * x.length);
    for (let i = 0; i < x.length; i++) { pts[2 * i] = X(x[i]); pts[2 * i + 1] = Y(c.y[i]); }
    const col = c.color ?? COLORS[j % COLORS.length];
    r.polyline(pts, col, { width: 1.5 });
    r.text(W - R - 4, T + 4 + 12 * j, c.label, col, { align: "right" });
  });
  return encodePng(W, H, r.data);
}
/** Several maps side by side, each scaled to its own range (or the given lo/hi). */
function maps(items: { values: ArrayLike<number>; title: string; lo?: number; hi?: number; cmap?: "viridis" | "diverging" }[], w: number, h: number, scale = 4): Uint8Array {
  const gap = 14, top = 22, bottom = 16;
  const W = items.length * (w * scale + gap) + gap, H = top + h * scale + bottom;
  const r = new Raster(W, H);
  items.forEach((it, k) => {
    let lo = it.lo ?? Infinity, hi = it.hi ?? -Infinity;
    if (it.lo === undefined || it.hi === undefined) for (let i = 0; i < w * h; i++) { const v = it.values[i]; if (Number.isFinite(v)) { if (it.lo === undefined) lo = Math.min(lo, v); if (it.hi === undefined) hi = Math.max(hi, v); } }
    const ox = gap + k * (w * scale + gap);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const c = colormap(it.cmap ?? "viridis", (it.values[y * w + x] - lo) / (hi - lo || 1)) ?? [205, 205, 205];
      r.fillRect(ox + x * scale, top + y * scale, scale, scale, c);
    }
    r.text(ox, 6, it.title, [0, 0, 0]);
    r.text(ox, top + h * scale + 4, `${lo.toPrecision(3)} .. ${hi.toPrecision(3)}`, [80, 80, 80]);
  });
  return encodePng(W, H, r.data);
}
function check(condition: boolean, message: string): void {
  if (!condition) throw new Error("Not yet: " + message);
}
"""

META = {
    "kernelspec": {"name": "tslab", "display_name": "TypeScript", "language": "typescript"},
    "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"},
}


def write(name, cells):
    nb = nbf.v4.new_notebook()
    nb.cells = cells
    nb.metadata = META
    OUT.mkdir(parents=True, exist_ok=True)
    nbf.write(nb, OUT / name)
    print("wrote", OUT / name)


def builder():
    cells = []
    md = lambda s: cells.append(nbf.v4.new_markdown_cell(s.strip()))
    code = lambda s: cells.append(nbf.v4.new_code_cell(s.strip()))
    return cells, md, code


# --------------------------------------------------------------------------- 01
cells, md, code = builder()
md(r"""
# Teaching 1 — What is a spectral image?

A **spectral image** (a STXM or PEEM *stack*, an XAFS map) holds one X-ray absorption spectrum per
pixel: a cube of numbers with two spatial axes (x, y) and one energy axis (E). Looking at it one
way you see an **image at one energy**; looking at it the other way you see the **spectrum of one
pixel**.

In this notebook we build a stack whose answer we know: two *real* iron L-edge spectra measured
by the authors of the STXM example (`examples/data/stxm-fe/oxidized.r` and `reduced.r`: Fe(III)
and Fe(II) references) are mixed, pixel by pixel, by two smooth abundance maps, and detector
noise is added. Then we look at the cube, at single pixels and at energy slices.

**Exercises** (marked ✎): complete a function, then run the check cell below it. The solution is
filled in so the notebook runs top to bottom; to practise, delete the body and write your own.
""")
code(HELPERS)
code(r"""
import * as path from "path";
import { readSpectrum } from "@specmap/io";
import { syntheticStack, pearson } from "@specmap/core";

const data = path.join("..", "..", "examples", "data", "stxm-fe");
const ox = readSpectrum(path.join(data, "oxidized.r"));
const red = readSpectrum(path.join(data, "reduced.r"));
const energies = Float64Array.from({ length: 113 }, (_, i) => 702 + i * 0.25);   // 702–730 eV
const syn = syntheticStack({
  spectra: [{ ...ox, name: "Fe(III) oxidised" }, { ...red, name: "Fe(II) reduced" }],
  energies: energies, width: 48, height: 40, seed: 2, noise: { counts: 3000 },
});
const stack = syn.stack, truth = syn.truth;
const W = stack.width, H = stack.height, m = stack.energies.length, n = W * H;
console.log(`cube: ${W} × ${H} pixels × ${m} energies = ${stack.data.length} numbers (${stack.data.constructor.name})`);
console.log(`the truth: ${truth.names.join(" and ")}, mixed by ${truth.names.length} abundance maps`);
tslab.display.png(plot(energies, [{ y: truth.spectra.subarray(0, m), label: truth.names[0] }, { y: truth.spectra.subarray(m, 2 * m), label: truth.names[1] }],
  "The two real spectra (optical density) the stack is mixed from"));
""")
md(r"""
## How the cube is stored

specmap keeps the cube **pixel-major**: all energies of pixel 0, then all energies of pixel 1, …
Pixels go in raster order (row y, then column x), so the value of pixel (x, y) at channel e is

```
stack.data[(y * width + x) * m + e]        m = number of energies
```

Seen as a matrix X with n = width·height rows (pixels) and m columns (energies), each **row is a
spectrum** and each **column is an image**. Every decomposition in specmap factorises this X.
""")
md(r"""
### ✎ Exercise 1: the spectrum of one pixel

Complete `pixelSpectrum(stack, x, y)`: return the m values of pixel (x, y) as a `Float64Array`.
""")
code(r"""
function pixelSpectrum(s: typeof stack, x: number, y: number): Float64Array {
  // --- solution (delete and write your own) ---
  const mm = s.energies.length;
  const start = (y * s.width + x) * mm;
  return Float64Array.from(s.data.subarray(start, start + mm));
}
""")
code(r"""
// Check: the values must be the cube's, and the spectrum must follow the true mixture (up to noise).
{
  for (const [x, y] of [[0, 0], [47, 0], [5, 39], [30, 17]]) {
    const got = pixelSpectrum(stack, x, y);
    check(got instanceof Float64Array && got.length === m, `pixelSpectrum must return a Float64Array of length ${m} (got ${got && got.length})`);
    const p = y * W + x;
    for (const e of [0, 40, m - 1]) check(got[e] === stack.data[p * m + e],
      `pixel (${x}, ${y}) at channel ${e}: got ${got[e]}, expected ${stack.data[p * m + e]}; ` +
      "is the index (y * width + x) * m + e? (x is the column, y the row)");
  }
  const r = pearson(pixelSpectrum(stack, 30, 17), truth.clean.subarray((17 * W + 30) * m, (17 * W + 31) * m));
  check(r > 0.95, `pixel (30, 17) should correlate with its noise-free spectrum (r = ${r.toFixed(3)})`);
  console.log("✓ pixelSpectrum is right");
}
""")
code(r"""
const picks = [[6, 6], [40, 30], [24, 20]];
tslab.display.png(plot(energies, picks.map(([x, y], j) => ({ y: pixelSpectrum(stack, x, y), label: `pixel (${x}, ${y})` })), "Spectra of three pixels (noisy mixtures)"));
for (const [x, y] of picks) {
  const p = y * W + x;
  console.log(`pixel (${x}, ${y}): true abundances ${truth.names.map((nm, j) => `${nm} ${truth.maps[p * 2 + j].toFixed(2)}`).join(", ")}`);
}
""")
md(r"""
Each measured spectrum is (up to noise) a **linear mixture** of the pure spectra,
x(E) = a₁·s₁(E) + a₂·s₂(E): Beer–Lambert says optical densities of thin layers add. That is the
model all of linear unmixing (PCA, NMF, ICA, LCF) builds on.

## An energy slice is an image

Fix the energy and look at all pixels: at 708.7 eV the reduced Fe(II) absorbs most, at 710.2 eV
the oxidised Fe(III). The two slices already show where each species sits.
""")
md(r"""
### ✎ Exercise 2: the image at one energy

Complete `energySlice(stack, energy)`: the n values of the channel **nearest** to `energy`, as a
`Float32Array` in raster order.
""")
code(r"""
function energySlice(s: typeof stack, energy: number): Float32Array {
  // --- solution (delete and write your own) ---
  let e = 0;
  for (let i = 1; i < s.energies.length; i++) if (Math.abs(s.energies[i] - energy) < Math.abs(s.energies[e] - energy)) e = i;
  const mm = s.energies.length, out = new Float32Array(s.width * s.height);
  for (let p = 0; p < out.length; p++) out[p] = s.data[p * mm + e];
  return out;
}
""")
code(r"""
{
  const got = energySlice(stack, 708.8);          // channel 27 is 708.75 eV
  check(got instanceof Float32Array && got.length === n, `energySlice must return a Float32Array of length ${n}`);
  for (const p of [0, 1, W, n - 1, 777]) check(got[p] === stack.data[p * m + 27],
    `value of pixel ${p} is ${got[p]}, expected ${stack.data[p * m + 27]} (channel 27 = 708.75 eV is nearest to 708.8): ` +
    "did you pick the nearest channel, and step through pixels by m?");
  console.log("✓ energySlice is right");
}
""")
code(r"""
tslab.display.png(maps([
  { values: energySlice(stack, 708.7), title: "OD at 708.7 eV" },
  { values: energySlice(stack, 710.2), title: "OD at 710.2 eV" },
  { values: Float64Array.from({ length: n }, (_, p) => truth.maps[p * 2]), title: "true Fe(III) map" },
  { values: Float64Array.from({ length: n }, (_, p) => truth.maps[p * 2 + 1]), title: "true Fe(II) map" },
], W, H, 3));
""")
md(r"""
### ✎ Exercise 3: the mixture law

Complete `mixture(a1, a2)`: the spectrum a₁·s₁ + a₂·s₂ from the true pure spectra
(`truth.spectra`, K×m row-major). The check rebuilds every pixel from its true abundances and
compares with the noise-free cube.
""")
code(r"""
function mixture(a1: number, a2: number): Float64Array {
  // --- solution (delete and write your own) ---
  return Float64Array.from({ length: m }, (_, e) => a1 * truth.spectra[e] + a2 * truth.spectra[m + e]);
}
""")
code(r"""
{
  let worst = 0;
  for (let p = 0; p < n; p += 7) {
    const x = mixture(truth.maps[p * 2], truth.maps[p * 2 + 1]);
    for (let e = 0; e < m; e++) worst = Math.max(worst, Math.abs(x[e] - truth.clean[p * m + e]));
  }
  check(worst < 1e-9, `mixture differs from the noise-free cube by up to ${worst.toExponential(2)}: ` +
    "component j's value at channel e is truth.spectra[j * m + e]");
  console.log(`✓ every pixel is a₁·s₁ + a₂·s₂ (largest deviation ${worst.toExponential(1)})`);
}
""")
md(r"""
**Summary.** A spectral image is an n × m matrix: rows are spectra, columns are images. Real
pixels are mixtures of a few pure spectra plus noise. The next notebook asks how to find the pure
spectra and their maps *without* knowing them — and why the method matters.
""")
md(r"""
**Saved for replay.** This notebook's synthetic stack (built in memory, saved as `input.npy`) with a PCA (K = 2) of it is saved with `saveResult` to `out/notebooks/teaching/01-what-is-a-spectral-image/`; from the repository root, `npx specmap replay out/notebooks/teaching/01-what-is-a-spectral-image/summary.json` redoes it from the recorded input, steps and options and checks that it is identical.
""")
code(r"""
import { saveResult } from "@specmap/notebook";
import { analyze } from "@specmap/core";
const pcaSyn = analyze(stack, { method: "pca", components: 2 });
const saveDir = path.join("..", "..", "out", "notebooks", "teaching", "01-what-is-a-spectral-image");
const t0Save = Date.now();
const saved = saveResult(pcaSyn, saveDir, { stack: stack, options: { method: "pca", components: 2 } });
console.log(`saved ${saved.outputs.join(", ")} to ${saveDir} in ${Date.now() - t0Save} ms`);
""")

write("01-what-is-a-spectral-image.ipynb", cells)

# --------------------------------------------------------------------------- 02
cells, md, code = builder()
md(r"""
# Teaching 2 — PCA, NMF and ICA on stacks with a known truth

Given only the cube X (n pixels × m energies), we want K spectra and K maps with
X ≈ maps · spectra. Many factorisations fit equally well; they differ in what they **assume**:

| method | assumption | what you get |
|---|---|---|
| PCA | orthogonal directions of largest variance (data centred) | signed "loadings" and scores, ordered by variance |
| ICA | statistically independent sources | signed, unordered |
| NMF | everything non-negative (optical densities and amounts are) | spectra and maps a chemist can read |
| NMF-SO | NMF + maps that overlap little (weight ω) | sharper phase maps |

We use a stack with known truth (two real Fe L-edge spectra, as in notebook 1) and measure how
close each method gets. Then: what ω does, and how to choose K.
""")
code(HELPERS)
code(r"""
import * as path from "path";
import { readSpectrum } from "@specmap/io";
import { analyze, syntheticStack, compareWithTruth, scree, reconstructionErrorVsK, stabilityAcrossSeeds, mapOverlapOf } from "@specmap/core";

const data = path.join("..", "..", "examples", "data", "stxm-fe");
const ox = readSpectrum(path.join(data, "oxidized.r")), red = readSpectrum(path.join(data, "reduced.r"));
const energies = Float64Array.from({ length: 71 }, (_, i) => 702 + i * 0.4);
const syn = syntheticStack({ spectra: [{ ...ox, name: "Fe(III)" }, { ...red, name: "Fe(II)" }],
  energies: energies, width: 40, height: 36, seed: 7, noise: { counts: 2000 } });
const stack = syn.stack, truth = syn.truth;
const W = stack.width, H = stack.height, m = energies.length, n = W * H;
console.log(`${W}×${H} px × ${m} energies; truth: ${truth.names.join(", ")}`);
""")
md(r"""
## Three methods, K = 2

`compareWithTruth` matches each true spectrum to one component (Hungarian matching on Pearson r;
|r| for the sign-free PCA and ICA) and compares the matched map with the true map after the best
scaling (0 = perfect, 1 = no better than zero).
""")
code(r"""
const runs: Record<string, ReturnType<typeof analyze>> = {};
for (const method of ["pca", "ica", "nmf"]) runs[method] = analyze(stack, { method: method, components: 2, seed: 0, maxIter: 400 });
console.log("method  r(Fe(III))  r(Fe(II))  map err(Fe(III))  map err(Fe(II))");
for (const [method, res] of Object.entries(runs)) {
  const c = compareWithTruth(res, truth, { absolute: method !== "nmf" });
  console.log(`${method.padEnd(7)} ${c.pearson[0].toFixed(3).padStart(9)}  ${c.pearson[1].toFixed(3).padStart(9)}  ${c.mapError[0].toFixed(3).padStart(16)}  ${c.mapError[1].toFixed(3).padStart(15)}`);
}
const comp = (res: ReturnType<typeof analyze>, j: number) => res.components.subarray(j * m, (j + 1) * m);
tslab.display.png(plot(energies, [{ y: comp(runs.pca, 0), label: "PCA c0" }, { y: comp(runs.pca, 1), label: "PCA c1" }], "PCA components: signed, mixtures of the truth"));
tslab.display.png(plot(energies, [{ y: comp(runs.nmf, 0), label: "NMF c0" }, { y: comp(runs.nmf, 1), label: "NMF c1" },
  { y: truth.spectra.subarray(0, m), label: "true Fe(III)", color: [120, 120, 120] }, { y: truth.spectra.subarray(m), label: "true Fe(II)", color: [0, 0, 0] }],
  "NMF components (scaled to max 1) and the truth"));
""")
md(r"""
### ✎ Exercise 1: why non-negativity matters

A physical spectrum or amount is never negative. Complete `negativeShare(values)`: the share of
the total magnitude Σ|v| carried by negative values, Σ_{v<0}|v| / Σ|v| (0 when all are ≥ 0).
The check applies it to the components and maps of each method.
""")
code(r"""
function negativeShare(values: ArrayLike<number>): number {
  // --- solution (delete and write your own) ---
  let neg = 0, all = 0;
  for (let i = 0; i < values.length; i++) { all += Math.abs(values[i]); if (values[i] < 0) neg -= values[i]; }
  return all > 0 ? neg / all : 0;
}
""")
code(r"""
{
  check(Math.abs(negativeShare([1, -1, 2]) - 0.25) < 1e-12, `negativeShare([1, -1, 2]) should be 0.25, got ${negativeShare([1, -1, 2])}`);
  check(negativeShare([0, 0]) === 0, "negativeShare of all zeros should be 0 (no division by zero)");
  for (const [method, res] of Object.entries(runs)) {
    console.log(`${method.padEnd(4)} negative share: spectra ${(100 * negativeShare(res.components)).toFixed(1)} %, maps ${(100 * negativeShare(res.weights)).toFixed(1)} %`);
  }
  check(negativeShare(runs.nmf.components) === 0 && negativeShare(runs.nmf.weights) === 0, "NMF output should have no negative values");
  check(negativeShare(runs.pca.components) > 0.05, "PCA components should carry a visible negative share");
  console.log("✓ PCA needs negative values to describe positive data; NMF's are readable as spectra and amounts");
}
""")
md(r"""
PCA is still the best *first look*: its variances tell how many components there are (below),
but its components are differences of spectra, not spectra. ICA finds the two spectral *shapes*
here (compare |r| above), yet its maps are signed and offset (look at their negative share), so
they are not amounts. NMF's non-negativity removes most of the freedom, but not all: any spectrum
plus a bit of another still gives non-negative factors, which is why plain NMF can match one true
spectrum only partly (look at its r for Fe(III)).

## What ω does (NMF-SO)

NMF-SO (soft orthogonality) adds ω·Σ_{i≠j} ⟨map_i, map_j⟩ to the loss: maps that overlap cost
more. ω = 0 is plain NMF (HALS); larger ω pushes each pixel towards one dominant component. The
**map overlap** (mean cosine between different maps; 0 = disjoint) drops, and so does the
ambiguity of the spectra — until ω forces apart phases that really do mix.
""")
code(r"""
console.log("  ω      map overlap  r(Fe(III))  r(Fe(II))  map err max");
const omegas = [0, 0.05, 0.3, 1];
const soRuns = omegas.map((omega) => analyze(stack, { method: "nmf-so", components: 2, omega: omega, seed: 0, maxIter: 300 }));
soRuns.forEach((res, i) => {
  const c = compareWithTruth(res, truth);
  console.log(`${String(omegas[i]).padStart(5)}  ${mapOverlapOf(res.weights, n, 2).toFixed(3).padStart(11)}  ${c.pearson[0].toFixed(3).padStart(10)}  ${c.pearson[1].toFixed(3).padStart(9)}  ${c.worstMapError.toFixed(3).padStart(11)}`);
});
tslab.display.png(maps([0, 3].flatMap((i) => [0, 1].map((j) => ({ values: Float64Array.from({ length: n }, (_, p) => soRuns[i].weights[p * 2 + j]), title: `ω=${omegas[i]} c${j}` }))), W, H, 3));
""")
md(r"""
## How to choose K

Three complementary views (all in `@specmap/core`; `specmap scan` runs them from the command line):

1. **Scree**: PCA variance ratio per component; look for the elbow where the rest is noise.
2. **Reconstruction error vs K**: ‖X − X̂‖/‖X‖ stops improving once K covers the real components.
3. **Stability across seeds**: with too many components, runs from different seeds disagree
   (matched cosine similarity drops).
""")
code(r"""
const sc = scree(stack, { components: 6 });
console.log("scree (variance ratio):", Array.from(sc.explainedVarianceRatio, (v) => v.toExponential(2)).join(", "));
const ks = [1, 2, 3, 4];
const errs = reconstructionErrorVsK(stack, "nmf", ks, { maxIter: 200 });
for (const row of errs) console.log(`NMF K=${row.k}: relative error ${row.relativeError.toFixed(4)}`);
const stab = [2, 3].map((k) => stabilityAcrossSeeds(stack, "nmf", k, [0, 1, 2], { init: "random", maxIter: 200 }));
stab.forEach((s, i) => console.log(`NMF K=${i + 2}: stability across seeds ${s.mean.toFixed(4)} (min per component ${Math.min(...s.minPerComponent).toFixed(4)})`));
tslab.display.png(plot(Float64Array.from(ks), [{ y: errs.map((r) => r.relativeError), label: "NMF relative error" }], "Reconstruction error vs K", "K"));
""")
md(r"""
### ✎ Exercise 2: the elbow

Complete `chooseK(errors)`: given the relative errors for K = 1, 2, …, return the **smallest K
after which adding a component improves the error by less than 10 % of its value**
(i.e. the first K with errors[K] > 0.9·errors[K−1], counting K from 1; the last K if none).
""")
code(r"""
function chooseK(errors: number[]): number {
  // --- solution (delete and write your own) ---
  for (let i = 1; i < errors.length; i++) if (errors[i] > 0.9 * errors[i - 1]) return i;
  return errors.length;
}
""")
code(r"""
{
  check(chooseK([1, 0.5, 0.48, 0.47]) === 2, `chooseK([1, 0.5, 0.48, 0.47]) should be 2 (K=3 gains only 4 %), got ${chooseK([1, 0.5, 0.48, 0.47])}`);
  check(chooseK([1, 0.5, 0.2, 0.19]) === 3, `chooseK([1, 0.5, 0.2, 0.19]) should be 3, got ${chooseK([1, 0.5, 0.2, 0.19])}`);
  check(chooseK([1, 0.5, 0.2]) === 3, `with no elbow chooseK should return the last K (3), got ${chooseK([1, 0.5, 0.2])}`);
  const k = chooseK(errs.map((r) => r.relativeError));
  check(k === truth.names.length, `on the synthetic stack the elbow should be at the true K = ${truth.names.length}, got ${k}`);
  console.log(`✓ the elbow is at K = ${k}, the number of true components`);
}
""")
md(r"""
**Summary.** Non-negativity is what turns a factorisation into spectra and maps a chemist can
read; ω trades map overlap for sharper phases; K is chosen from several indicators together
(scree, error vs K, stability), and on real data from the chemistry too.
""")
md(r"""
**Saved for replay.** The NMF run of the three-method comparison (`runs.nmf`; the synthetic stack, built in memory, is saved as `input.npy`) is saved with `saveResult` to `out/notebooks/teaching/02-pca-nmf-ica/`; from the repository root, `npx specmap replay out/notebooks/teaching/02-pca-nmf-ica/summary.json` redoes it from the recorded input, steps and options and checks that it is identical.
""")
code(r"""
import { saveResult } from "@specmap/notebook";
const saveDir = path.join("..", "..", "out", "notebooks", "teaching", "02-pca-nmf-ica");
const t0Save = Date.now();
const saved = saveResult(runs.nmf, saveDir, { stack: stack, options: { method: "nmf", components: 2, seed: 0, maxIter: 400 } });
console.log(`saved ${saved.outputs.join(", ")} to ${saveDir} in ${Date.now() - t0Save} ms`);
""")

write("02-pca-nmf-ica.ipynb", cells)

# --------------------------------------------------------------------------- 03
cells, md, code = builder()
md(r"""
# Teaching 3 — Reaction paths and manifold learning

In a reaction (corrosion, reduction, lithiation…) each pixel sits somewhere along a **path** of
states: metal → intermediate → product. Its spectrum is then not an arbitrary mixture of all
phases but a point on a curve in spectral space. A linear method (PCA) sees the curve from
outside; **manifold learning** (here modified locally linear embedding, mLLE) unrolls it and gives
each pixel its position along the path — a **progress map** — without reference spectra.

Data: three real Fe K-edge standards (Fe metal, Fe3O4, γ-FeOOH; `examples/data/fe-k-standards`,
see its README for sources and licences) mixed along a known progress p ∈ [0, 1]: for p < ½ a
pixel mixes Fe and Fe3O4, for p > ½ Fe3O4 and γ-FeOOH.
""")
code(HELPERS)
code(r"""
import * as fs from "fs";
import * as path from "path";
import { analyze, registerMethod, pearson } from "@specmap/core";
import type { SpectralStack } from "@specmap/core";
import { MANIFOLD_METHODS, mixAlongPath } from "@specmap/manifold";
for (const spec of MANIFOLD_METHODS) registerMethod(spec);

const csv = fs.readFileSync(path.join("..", "..", "examples", "data", "fe-k-standards", "fe-k-standards.csv"), "utf8");
const rows = csv.split("\n").filter((l) => l && !l.startsWith("#")).slice(1).map((l) => l.split(",").map(Number)).filter((r) => r[0] >= 7100 && r[0] <= 7180);
const E = Float64Array.from(rows, (r) => r[0]);
const names = ["Fe", "Fe3O4", "gamma-FeOOH"];
const std = [1, 2, 3].map((j) => Float64Array.from(rows, (r) => r[j]));
tslab.display.png(plot(E, std.map((y, j) => ({ y: y, label: names[j] })), "The three real standards (normalised mu)"));

const W = 24, H = 24, n = W * H;
const truth = Float64Array.from({ length: n }, (_, i) => {
  const x = i % W, y = Math.floor(i / W);
  return Math.min(1, Math.max(0, Math.hypot(x + 1, y + 1) / 32 + 0.04 * Math.sin(x / 2)));
});
const mix = mixAlongPath(std, truth, { noise: 0.004, seed: 4 });
const stack: SpectralStack = { data: mix.data, energies: E, width: W, height: H, metadata: { quantity: "normalised mu (synthetic from real standards)" } };
tslab.display.png(maps([{ values: truth, title: "true progress", lo: 0, hi: 1 }, ...[0, 1, 2].map((j) => ({ values: Float64Array.from({ length: n }, (_, i) => mix.fractions[i * 3 + j]), title: `true ${names[j]}`, lo: 0, hi: 1 }))], W, H, 4));
""")
md(r"""
### ✎ Exercise 1: rank correlation

A progress coordinate only needs the right **order**, not the right scale. Complete
`spearman(a, b)`: the Pearson correlation of the ranks of a and of b (ranks 0…n−1; no ties in
our data). `pearson` from @specmap/core is available.
""")
code(r"""
function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  // --- solution (delete and write your own) ---
  const rank = (v: ArrayLike<number>) => {
    const idx = Array.from({ length: v.length }, (_, i) => i).sort((p, q) => v[p] - v[q]);
    const r = new Float64Array(v.length);
    idx.forEach((i, k) => (r[i] = k));
    return r;
  };
  return pearson(rank(a), rank(b));
}
""")
code(r"""
{
  const x = [0.1, 0.5, 0.2, 0.9, 0.7];
  const s1 = spearman(x, x.map((v) => Math.exp(5 * v)));
  check(Math.abs(s1 - 1) < 1e-12, `a monotone transform keeps the order: spearman should be 1, got ${s1}`);
  const s2 = spearman(x, x.map((v) => -v * v));
  check(Math.abs(s2 + 1) < 1e-12, `a decreasing transform reverses the order: spearman should be −1, got ${s2}`);
  const s3 = spearman([1, 2, 3, 4], [2, 1, 4, 3]);
  check(Math.abs(s3 - 0.6) < 1e-12, `spearman([1,2,3,4], [2,1,4,3]) should be 0.6, got ${s3}`);
  console.log("✓ spearman is right");
}
""")
md(r"""
## PCA vs modified LLE

PCA projects the spectra on the two directions of largest variance. mLLE (12 neighbours) keeps
each spectrum's local neighbourhood and unrolls the path; the references are projected into the
embedding and the **progress map** is the first coordinate rescaled to 0 at Fe and 1 at γ-FeOOH.
""")
code(r"""
const references = names.map((name, j) => ({ name: name, energies: E, values: std[j] }));
const pca = analyze(stack, { method: "pca", components: 2 });
const mlle = analyze(stack, { method: "mlle", components: 2, neighbors: 12, references: references });
const pc1 = Float64Array.from({ length: n }, (_, i) => pca.weights[i * 2]);
const pc2 = Float64Array.from({ length: n }, (_, i) => pca.weights[i * 2 + 1]);
const progress = mlle.embedding!.progress!;
console.log(`|Spearman(PC1, true progress)|           = ${Math.abs(spearman(pc1, truth)).toFixed(4)}`);
console.log(`Spearman(mLLE progress, true progress)   = ${spearman(progress, truth).toFixed(4)}`);
console.log(`Pearson(mLLE progress, true progress)    = ${pearson(Float64Array.from(progress), truth).toFixed(4)}`);
tslab.display.png(maps([{ values: truth, title: "true progress", lo: 0, hi: 1 }, { values: progress, title: "mLLE progress" }, { values: pc1, title: "PC1", cmap: "diverging" }, { values: pc2, title: "PC2 (the bend)", cmap: "diverging" }], W, H, 4));
""")
md(r"""
The PCA scores of a bent path trace a **curve** (PC2 is the bend: the Fe3O4 stage sticks out in
the middle); PC1 alone still orders the pixels here because this path bends mildly. mLLE's first
coordinate follows the path itself, so its progress is monotone in the truth even where the path
turns. Plotting the two PCA scores against each other shows the curve:
""")
code(r"""
{
  const Wp = 320, Hp = 260, r = new Raster(Wp, Hp);
  const ext = (v: ArrayLike<number>) => [Math.min(...Array.from(v)), Math.max(...Array.from(v))];
  const [x0, x1] = ext(pc1), [y0, y1] = ext(pc2);
  r.strokeRect(20, 20, Wp - 30, Hp - 30, [0, 0, 0]);
  r.text(20, 6, "PCA scores (PC1, PC2), colour = true progress", [0, 0, 0]);
  for (let i = 0; i < n; i++) r.fillRect(25 + ((pc1[i] - x0) / (x1 - x0)) * (Wp - 42) - 1, 25 + (1 - (pc2[i] - y0) / (y1 - y0)) * (Hp - 42) - 1, 3, 3, colormap("viridis", truth[i]) ?? [0, 0, 0]);
  tslab.display.png(encodePng(Wp, Hp, r.data));
}
""")
md(r"""
### ✎ Exercise 2: progress from fractions

If the standards *are* known, linear combination fitting gives each pixel's fractions
(f_Fe, f_Fe3O4, f_FeOOH). Complete `progressFromFractions(f)`: on our path
p = ½·f_Fe3O4 + 1·f_FeOOH (the Fe3O4 stage sits at p = ½). The check fits the fractions with
`lcfMap` (@specmap/xafs) and compares your progress with the truth.
""")
code(r"""
function progressFromFractions(f: [number, number, number]): number {
  // --- solution (delete and write your own) ---
  return 0.5 * f[1] + f[2];
}
""")
code(r"""
import { lcfMap } from "@specmap/xafs";
{
  check(Math.abs(progressFromFractions([1, 0, 0])) < 1e-12, "pure Fe metal is the start of the path: progress 0");
  check(Math.abs(progressFromFractions([0, 1, 0]) - 0.5) < 1e-12, "pure Fe3O4 is the middle of the path: progress 0.5");
  check(Math.abs(progressFromFractions([0, 0, 1]) - 1) < 1e-12, "pure gamma-FeOOH is the end of the path: progress 1");
  const lcf = lcfMap(stack, references, { sumToOne: true });
  const p = Float64Array.from({ length: n }, (_, i) => progressFromFractions([lcf.fractions[i * 3], lcf.fractions[i * 3 + 1], lcf.fractions[i * 3 + 2]]));
  let worst = 0;
  for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(p[i] - truth[i]));
  check(worst < 0.05, `the LCF progress differs from the truth by up to ${worst.toFixed(3)}`);
  console.log(`✓ LCF progress matches the truth within ${worst.toFixed(3)}; Spearman with mLLE progress ${spearman(p, progress).toFixed(4)}`);
  tslab.display.png(maps([{ values: truth, title: "true progress", lo: 0, hi: 1 }, { values: p, title: "LCF progress", lo: 0, hi: 1 }, { values: progress, title: "mLLE progress" }], W, H, 4));
}
""")
md(r"""
**Summary.** When pixels lie along a reaction path, the path's coordinate is the chemistry.
Manifold learning (mLLE) recovers the order from the spectra alone; with known standards, LCF
gives the fractions and hence the progress directly. Compare both: agreement means the standards
describe the path; disagreement points to a missing phase.
""")
md(r"""
**Saved for replay.** The mLLE embedding (`mlle`; the synthetic stack, built in memory, is saved as `input.npy`) is saved with `saveResult` to `out/notebooks/teaching/03-reaction-paths-manifold/`; from the repository root, `npx specmap replay out/notebooks/teaching/03-reaction-paths-manifold/summary.json` redoes it from the recorded input, steps and options and checks that it is identical.
""")
code(r"""
import { saveResult } from "@specmap/notebook";
const saveDir = path.join("..", "..", "out", "notebooks", "teaching", "03-reaction-paths-manifold");
const t0Save = Date.now();
const saved = saveResult(mlle, saveDir, { stack: stack, options: { method: "mlle", components: 2, neighbors: 12, references: references } });
console.log(`saved ${saved.outputs.join(", ")} to ${saveDir} in ${Date.now() - t0Save} ms`);
""")

write("03-reaction-paths-manifold.ipynb", cells)
