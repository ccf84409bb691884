"""Writes notebooks/01-stxm-fe-quickstart.ipynb (source of truth for its cells).

Run with /usr/bin/python3 tools/make_quickstart_notebook.py; the notebook is
committed unexecuted and executed by the test suite in the tslab kernel.
"""
import nbformat as nbf
from pathlib import Path

cells = []
md = lambda s: cells.append(nbf.v4.new_markdown_cell(s.strip()))
code = lambda s: cells.append(nbf.v4.new_code_cell(s.strip()))

md(r"""
# Quick start: chemical-state maps of iron from a real STXM stack

This notebook takes a **real** scanning transmission X-ray microscopy (STXM) stack, the Fe L-edge
(700–730 eV, 123 energies) of hydrothermal-plume particles measured at the Advanced Light Source
(beamline 11.0.2.2, 2007; Breier et al. 2012, Fig. S4; data credited to Brandy Toner and Matthew
Marcus, MIT licence: see `examples/data/stxm-fe/README.md`), and asks: *where is the iron oxidised
(Fe(III)) and where reduced (Fe(II))?*

Every pixel holds an absorption spectrum. We

1. read the stack and its energy axis, and convert transmitted intensity to optical density,
   OD = −ln(I/I0);
2. run **PCA** (how many distinct spectral shapes are there?) and **NMF** with two components
   (non-negative spectra and maps a chemist can read);
3. compare the NMF component spectra with the authors' own oxidised and reduced reference spectra
   by Pearson correlation.

Each `show(result)` draws an interactive view in JupyterLab with the specmap extension (click a pixel
to see its spectrum, its reconstruction and each component's contribution) and a static picture
everywhere else.
""")

code(r"""
import * as path from "path";
import { readStack, readSpectrum } from "@specmap/io";
import { analyze, opticalDensity } from "@specmap/core";
import { show } from "@specmap/notebook";

const dir = path.join("..", "examples", "data", "stxm-fe");
const stack = readStack(path.join(dir, "71214078.hdr"));
const m = stack.energies.length;
console.log(`${stack.width} × ${stack.height} pixels × ${m} energies, ` +
            `${stack.energies[0].toFixed(2)}–${stack.energies[m - 1].toFixed(2)} eV`);
console.log(`values: ${stack.metadata.quantity}; sha256 ${String(stack.metadata.sha256).slice(0, 16)}…`);
""")

md(r"""
## Optical density

The frames hold transmitted intensity I in detector counts. With the incident intensity I0
measured off the sample (`i0.xsp`), the absorbance per pixel is OD = −ln(I/I0). The conversion is
recorded in the stack's provenance, so every result says how its data were prepared.
""")

code(r"""
const i0 = readSpectrum(path.join(dir, "i0.xsp"));
opticalDensity(stack, i0);
let odMin = Infinity, odMax = -Infinity;
for (const v of stack.data) { if (v < odMin) odMin = v; if (v > odMax) odMax = v; }
console.log(`optical density from ${odMin.toFixed(3)} to ${odMax.toFixed(3)}`);
console.log("steps:", JSON.stringify(stack.metadata.steps));
""")

md(r"""
## PCA: how many spectral shapes?

PCA finds orthogonal directions of largest variance (centred data; the sign of each axis is fixed so
its largest entry is positive). The explained-variance ratio tells how much of the variation two
components capture; PCA maps are signed, so they are drawn with a diverging colour scale.
""")

code(r"""
const pcaResult = analyze(stack, { method: "pca", components: 2 });
const ratio = Array.from(pcaResult.explainedVarianceRatio!);
console.log("explained variance ratio:", ratio.map((r) => r.toFixed(4)).join(", "),
            `(together ${(100 * (ratio[0] + ratio[1])).toFixed(1)} %)`);
show(pcaResult);
""")

md(r"""
## NMF: non-negative spectra and maps

NMF writes every pixel's spectrum as a non-negative mixture of K non-negative component spectra.
With K = 2 we expect one oxidised and one reduced iron spectrum. The component spectra are scaled
to a maximum of 1, so the maps carry the optical density. The authors' reference spectra of the
oxidised and reduced areas (`oxidized.r`, `reduced.r`, raw OD) are passed in and drawn beside the
components.
""")

code(r"""
const refs = ["oxidized.r", "reduced.r"].map((f) => readSpectrum(path.join(dir, f)));
const nmfResult = analyze(stack, { method: "nmf", components: 2, seed: 0, maxIter: 1000, tol: 1e-4, references: refs });
console.log(`NMF: ${nmfResult.iterations} iterations, ${nmfResult.converged ? "converged" : "not converged"}`);
for (const w of nmfResult.warnings) console.log("warning:", w);
show(nmfResult);
""")

md(r"""
## Do the components look like the authors' references?

Pearson r between every component spectrum and every reference, on the stack's energy grid; each
reference is then paired with its best component (one-to-one).
""")

code(r"""
function pearsonTable(result: typeof nmfResult) {
  const names = result.references!.spectra.map((s) => s.name);
  const r = (j: number, ref: number) => result.references!.pearson[j * names.length + ref];
  console.log(["", ...names].map((s) => s.padEnd(12)).join(""));
  for (let j = 0; j < result.k; j++) {
    console.log([`c${j}`, ...names.map((_, i) => r(j, i).toFixed(3))].map((s) => s.padEnd(12)).join(""));
  }
  // One-to-one pairing for k = 2: the assignment with the larger total r.
  const pair = r(0, 0) + r(1, 1) >= r(0, 1) + r(1, 0) ? [0, 1] : [1, 0];
  const matched = names.map((_, i) => r(pair[i], i));
  names.forEach((name, i) => console.log(`${name} ↔ c${pair[i]}: Pearson r = ${matched[i].toFixed(3)}`));
  return { pair, matched, best: names.map((_, i) => Math.max(...Array.from({ length: result.k }, (_, j) => r(j, i)))) };
}
const raw = pearsonTable(nmfResult);
""")

md(r"""
**Reading the table.** On raw optical density, one NMF component is the iron spectrum: it
correlates almost perfectly with the oxidised reference, and well with the reduced one, since the
two references share the L3/L2 shape (they correlate with each other at r ≈ 0.83). The other
component is nearly flat: the thickness of everything in the beam that is not iron (carbon, oxygen,
the filter), which sets the OD baseline of every pixel. Two components on raw OD therefore separate
"iron" from "baseline", not Fe(III) from Fe(II).

To give NMF a chance at the oxidation state, remove each pixel's baseline first: the straight
line through the means of its first and last three energies (700 and 730 eV, below the L3 and above
the L2 edge) is subtracted from the whole spectrum (`@specmap/preprocess`, `subtractBackground`). Pixels with hardly any iron then hold only noise around zero, which NMF cannot
fit (it needs non-negative data), so we also keep only pixels whose OD rises by more than 0.1 from
the pre-edge (705 eV) to the L3 peak (710 eV): a threshold mask. Both steps are recorded in the
result's provenance.
""")

code(r"""
import { subtractBackground, thresholdMask } from "@specmap/preprocess";
subtractBackground(stack, { model: "linear", endpoints: 3 });
thresholdMask(stack, "jump>0.1@705,710");
let kept = 0;
for (const v of stack.mask!) kept += v;
console.log(`kept ${kept} of ${stack.width * stack.height} pixels; steps: ${stack.metadata.steps!.map((s) => s.name).join(" → ")}`);
const nmfEdge = analyze(stack, { method: "nmf", components: 2, seed: 0, maxIter: 1000, tol: 1e-4, references: refs });
console.log(`NMF: ${nmfEdge.iterations} iterations; warnings: ${nmfEdge.warnings.join("; ") || "none"}`);
show(nmfEdge);
const edge = pearsonTable(nmfEdge);
""")

md(r"""
### Check

A check you can rerun after changing anything above: on raw OD the iron component must match the
oxidised reference closely, and after baseline removal each reference must be matched by a
different component.
""")

code(r"""
if (!(raw.best[0] > 0.95)) throw new Error(`no component matches oxidized.r (best r = ${raw.best[0].toFixed(3)})`);
if (edge.pair[0] === edge.pair[1]) throw new Error("both references matched the same component");
console.log(`check passed: raw OD best r(oxidized) = ${raw.best[0].toFixed(3)}; ` +
            `after baseline removal r = ${edge.matched.map((x) => x.toFixed(3)).join(", ")} (oxidized, reduced)`);
""")

md(r"""
**Saved for replay.** The main result, NMF (K = 2) of the baseline-removed, masked stack (`nmfEdge`), is saved with `saveResult` to `out/notebooks/01-stxm-fe-quickstart/`; from the repository root, `npx specmap replay out/notebooks/01-stxm-fe-quickstart/summary.json` redoes it from the recorded input, steps and options and checks that it is identical.
""")
code(r"""
import { saveResult } from "@specmap/notebook";
const saveDir = path.join("..", "out", "notebooks", "01-stxm-fe-quickstart");
const t0Save = Date.now();
const saved = saveResult(nmfEdge, saveDir, { stack: stack, options: { method: "nmf", components: 2, seed: 0, maxIter: 1000, tol: 1e-4, references: refs } });
console.log(`saved ${saved.outputs.join(", ")} to ${saveDir} in ${Date.now() - t0Save} ms`);
""")

nb = nbf.v4.new_notebook()
nb.cells = cells
nb.metadata = {
    "kernelspec": {"name": "tslab", "display_name": "TypeScript", "language": "typescript"},
    "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"},
}
out = Path(__file__).resolve().parent.parent / "notebooks" / "01-stxm-fe-quickstart.ipynb"
nbf.write(nb, out)
print("wrote", out)
