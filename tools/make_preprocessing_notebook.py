"""Writes notebooks/02-preprocessing.ipynb (source of truth for its cells).

Run with /usr/bin/python3 tools/make_preprocessing_notebook.py; the notebook is
committed unexecuted and executed by the test suite in the tslab kernel.
"""
import nbformat as nbf
from pathlib import Path

cells = []
md = lambda s: cells.append(nbf.v4.new_markdown_cell(s.strip()))
code = lambda s: cells.append(nbf.v4.new_code_cell(s.strip()))

md(r"""
# Preprocessing: line, Shirley and arctangent backgrounds on real L-edge spectra

**What this shows.** Before spectra are decomposed or compared, spectroscopists remove the smooth
background under the absorption features. The three common choices give visibly different
results, and the choice changes the peak intensities a decomposition sees:

* **straight line** (fitted to a pre-edge window, or through the endpoints): removes only the
  pre-edge slope; the edge step stays in the data;
* **Shirley** (iterative): a background that rises in proportion to the integrated signal below
  each energy; it takes the step out, but its shape depends on the white-line intensity;
* **arctangent edge step** — for L-edges the two-step L3/L2 model with 2:1 step heights
  (2p3/2 : 2p1/2), with fixed edge energies and widths; the continuum step is modelled physically,
  independently of the white lines.

**Why.** We compare them on two real data sets: the Cu L2,3 spectrum of CuO measured at FlexPES,
MAX IV (Alexei Preobrajenski, MIT licence; `examples/data/cu-l-edge/README.md`), and the STXM
Fe L-edge stack of hydrothermal-plume particles (ALS 11.0.2.2; Breier et al. 2012; data by Brandy
Toner and Matthew Marcus, MIT licence; `examples/data/stxm-fe/README.md`), where the background is
subtracted from all 15 625 pixel spectra at once. Every step is recorded in the stack's provenance.
""")

code(r"""
import * as path from "path";
import * as tslab from "tslab";
import { readSpectrum, readStack } from "@specmap/io";
import { opticalDensity } from "@specmap/core";
import { Raster, encodePng } from "@specmap/png";
import {
  linearBackground, shirleyBackground, edgeStepBackground, subtractBackground,
  thresholdMask, registerFrames,
} from "@specmap/preprocess";

// A small line-plot helper on @specmap/png's Raster.
type Series = { y: ArrayLike<number>; color: [number, number, number]; label: string; dash?: boolean };
function plot(x: ArrayLike<number>, series: Series[], title: string): Uint8Array {
  const W = 640, H = 300, L = 50, R = 150, T = 24, B = 30;
  const r = new Raster(W, H);
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (let i = 0; i < s.y.length; i++) { lo = Math.min(lo, s.y[i]); hi = Math.max(hi, s.y[i]); }
  const pad = 0.05 * (hi - lo || 1); lo -= pad; hi += pad;
  const x0 = x[0], x1 = x[x.length - 1];
  const px = (v: number) => L + ((v - x0) / (x1 - x0)) * (W - L - R);
  const py = (v: number) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  r.strokeRect(L, T, W - L - R, H - T - B, [0, 0, 0]);
  if (lo < 0 && hi > 0) r.line(L, py(0), W - R, py(0), [180, 180, 180]);
  r.text(L, 6, title, [0, 0, 0]);
  r.text(L, H - 14, `${x0.toFixed(1)} eV`, [0, 0, 0]);
  r.text(W - R, H - 14, `${x1.toFixed(1)} eV`, [0, 0, 0], { align: "right" } as any);
  series.forEach((s, k) => {
    const pts: number[] = [];
    for (let i = 0; i < x.length; i++) pts.push(px(x[i]), py(s.y[i]));
    r.polyline(pts, s.color, { width: 1.5, ...(s.dash ? { dash: [6, 4] } : {}) } as any);
    r.line(W - R + 10, T + 10 + 14 * k, W - R + 30, T + 10 + 14 * k, s.color, { width: 2 });
    r.text(W - R + 34, T + 7 + 14 * k, s.label, [0, 0, 0]);
  });
  return encodePng(W, H, r.data);
}
""")

md(r"""
## 1. The Cu L2,3 spectrum of CuO (total electron yield)

451 points from 921 to 966 eV; the sharp L3 white line of Cu(II) (3d⁹) sits at about 931 eV and
the L2 line about 20 eV above it. We compute the three backgrounds for this one spectrum with the
per-spectrum functions.
""")

code(r"""
const cu = readSpectrum(path.join("..", "examples", "data", "cu-l-edge", "cuo_cu_l23_tey.csv"));
const E = cu.energies, y = cu.values;
let iMax = 0; for (let i = 0; i < y.length; i++) if (y[i] > y[iMax]) iMax = i;
let iL2 = 0; for (let i = 0; i < y.length; i++) if (E[i] > E[iMax] + 15 && (iL2 === 0 || y[i] > y[iL2])) iL2 = i;
console.log(`${E.length} points, ${E[0].toFixed(2)}–${E[E.length - 1].toFixed(2)} eV; ` +
            `L3 maximum at ${E[iMax].toFixed(2)} eV, L2 maximum at ${E[iL2].toFixed(2)} eV`);

const line = linearBackground(E, y, { windows: [[921, 927]] });
const shirley = shirleyBackground(E, y, { average: 5 });
const eL3 = E[iMax], eL2 = E[iL2];
const step = edgeStepBackground(E, y, { edges: [eL3, eL2], widths: [1.0], windows: [[921, eL3 - 3], [eL2 + 6, 966]] });
console.log(`Shirley: ${shirley.iterations} iterations, converged ${shirley.converged}`);
console.log(`L3/L2 arctan: step height h = ${step.h.toExponential(3)}, slope b = ${step.b.toExponential(2)}`);
tslab.display.png(plot(E, [
  { y, color: [0, 0, 0], label: "CuO TEY" },
  { y: line, color: [31, 119, 180], label: "line", dash: true },
  { y: shirley.background, color: [214, 39, 40], label: "Shirley" },
  { y: step.background, color: [44, 160, 44], label: "L3/L2 arctan" },
], "Cu L2,3 of CuO: data and three backgrounds"));
""")

md(r"""
The subtracted spectra differ most above the L3 line: the line leaves the whole edge step in, the
Shirley background follows the integrated white-line intensity, and the arctangent model removes a
physically shaped step at the two edges.
""")

code(r"""
const sub = (b: ArrayLike<number>) => Float64Array.from(y, (v, i) => v - b[i]);
const area = (z: ArrayLike<number>, lo: number, hi: number) => {
  let s = 0; for (let i = 1; i < E.length; i++) if (E[i] >= lo && E[i] <= hi) s += 0.5 * (z[i] + z[i - 1]) * (E[i] - E[i - 1]);
  return s;
};
for (const [name, b] of [["line", line], ["Shirley", shirley.background], ["L3/L2 arctan", step.background]] as const) {
  const z = sub(b);
  console.log(`${name.padEnd(13)} L3 area ${area(z, eL3 - 4, eL3 + 6).toExponential(3)}, L2 area ${area(z, eL2 - 4, eL2 + 6).toExponential(3)}, ` +
              `L3/L2 ratio ${(area(z, eL3 - 4, eL3 + 6) / area(z, eL2 - 4, eL2 + 6)).toFixed(2)}`);
}
tslab.display.png(plot(E, [
  { y: sub(line), color: [31, 119, 180], label: "- line" },
  { y: sub(shirley.background), color: [214, 39, 40], label: "- Shirley" },
  { y: sub(step.background), color: [44, 160, 44], label: "- L3/L2 arctan" },
], "Cu L2,3 of CuO after background subtraction"));
""")

md(r"""
## 2. The STXM Fe L-edge stack: every pixel at once

We convert to optical density and keep the pixels with iron: an edge jump of more than 0.1 OD
between 705 and 710 eV (a threshold mask rule; `--mask "jump>0.1@705,710"` on the command line).
Then each background is subtracted from all pixel spectra — one vectorised pass per model. The
fitted L3/L2 step height per pixel is an iron-thickness map.
""")

code(r"""
const dir = path.join("..", "examples", "data", "stxm-fe");
const base = readStack(path.join(dir, "71214078.hdr"));
opticalDensity(base, readSpectrum(path.join(dir, "i0.xsp")));
thresholdMask(base, "jump>0.1@705,710");
const n = base.width * base.height, m = base.energies.length;
console.log(`${base.mask!.reduce((a, b) => a + b, 0)} of ${n} pixels kept`);
const meanOf = (st: typeof base) => {
  const out = new Float64Array(m); let c = 0;
  for (let p = 0; p < n; p++) { if (!st.mask![p]) continue; c++; for (let e = 0; e < m; e++) out[e] += st.data[p * m + e]; }
  return out.map((v) => v / c);
};
const copy = () => ({ ...base, data: base.data.slice(), metadata: { ...base.metadata } });
const runs: Record<string, typeof base> = {
  line: subtractBackground(copy(), { model: "linear", windows: [[700, 705]] }),
  shirley: subtractBackground(copy(), { model: "shirley", average: 3 }),
  l3l2: subtractBackground(copy(), { model: "l3l2", edges: [708.7, 721.3], widths: [0.6] }),
};
for (const [k, st] of Object.entries(runs)) console.log(k, JSON.stringify(st.metadata.steps!.at(-1)!.parameters).slice(0, 160));
const Ef = base.energies;
tslab.display.png(plot(Ef, [
  { y: meanOf(base), color: [0, 0, 0], label: "mean OD" },
  { y: meanOf(runs.line), color: [31, 119, 180], label: "- line" },
  { y: meanOf(runs.shirley), color: [214, 39, 40], label: "- Shirley" },
  { y: meanOf(runs.l3l2), color: [44, 160, 44], label: "- L3/L2 arctan" },
], "Fe L-edge STXM: mean spectrum of the iron pixels"));
""")

md(r"""
The L3/L2 step height of every pixel (`metadata.edgeJump`) as a map: brighter = more iron.
""")

code(r"""
import { colormap } from "@specmap/png";
const jump = runs.l3l2.metadata.edgeJump as Float32Array;
let jmax = 0; for (const v of jump) jmax = Math.max(jmax, v);
const S = 3, img = new Raster(base.width * S, base.height * S);
for (let y0 = 0; y0 < base.height; y0++) for (let x0 = 0; x0 < base.width; x0++) {
  const t = Math.max(0, Math.min(1, jump[y0 * base.width + x0] / jmax));
  const c = colormap("viridis", t) as any;
  img.fillRect(x0 * S, y0 * S, S, S, [c[0], c[1], c[2]]);
}
tslab.display.png(encodePng(img.width, img.height, img.data));
console.log(`L3/L2 step height: max ${jmax.toFixed(3)} OD`);
""")

md(r"""
## 3. Frame registration

The published frames were already aligned by the authors, so sub-pixel phase correlation against
the middle frame should find shifts near zero — a check on real data. (The unit tests recover
known applied shifts to better than 0.1 px.)
""")

code(r"""
const reg = registerFrames({ ...base, data: base.data.slice(), metadata: { ...base.metadata } }, { estimateOnly: true });
let mx = 0; for (const s of reg.shifts) mx = Math.max(mx, Math.abs(s.dx), Math.abs(s.dy));
console.log(`reference channel ${reg.referenceChannel}; largest |shift| ${mx.toFixed(2)} px over ${reg.shifts.length} frames`);
""")

md(r"""
**Saved for replay.** The main result, the STXM stack after optical density, the iron mask and the L3/L2 arctan background (`runs.l3l2`), analysed by PCA with K = 2, is saved with `saveResult` to `out/notebooks/02-preprocessing/`; from the repository root, `npx specmap replay out/notebooks/02-preprocessing/summary.json` redoes it from the recorded input, steps and options and checks that it is identical.
""")
code(r"""
import { saveResult } from "@specmap/notebook";
import { analyze } from "@specmap/core";
const pcaL3l2 = analyze(runs.l3l2, { method: "pca", components: 2 });
console.log(`PCA of the L3/L2-background-free stack: explained variance ratio ${Array.from(pcaL3l2.explainedVarianceRatio!, (v) => v.toFixed(4)).join(", ")}`);
const saveDir = path.join("..", "out", "notebooks", "02-preprocessing");
const t0Save = Date.now();
const saved = saveResult(pcaL3l2, saveDir, { stack: runs.l3l2, options: { method: "pca", components: 2 } });
console.log(`saved ${saved.outputs.join(", ")} to ${saveDir} in ${Date.now() - t0Save} ms`);
""")

nb = nbf.v4.new_notebook()
nb["cells"] = cells
nb["metadata"] = {
    "kernelspec": {"display_name": "TypeScript", "language": "typescript", "name": "tslab"},
    "language_info": {"name": "typescript"},
}
out = Path(__file__).resolve().parent.parent / "notebooks" / "02-preprocessing.ipynb"
nbf.write(nb, str(out))
print(f"wrote {out}")
