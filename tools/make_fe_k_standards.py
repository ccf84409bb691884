#!/usr/bin/env python3
"""Build examples/data/fe-k-standards/ from the real Fe K-edge standards in /work/shared/data.

Copies three original files unchanged and writes fe-k-standards.csv: the three
spectra normalised (edge step 1) on one energy grid, on the 7112 eV (Fe foil)
convention. Run with /usr/bin/python3 (numpy). Sources, licences: README.md there.

Normalisation (a simple larch-style pre_edge, written here, not larch):
  e0 = energy of the largest derivative of mu in 7100-7135 eV;
  pre-edge line fitted on [e0-150, e0-30] eV (or the data start),
  post-edge quadratic fitted on [e0+150, e0+700] eV;
  norm = (mu - pre)/(post(e0) - pre(e0)); flattened: above e0 the post-edge
  curvature is removed (post - pre, rescaled), as Athena's "flattened".
The ALS file (gamma-FeOOH) is already normalised and flattened by its authors:
its energies are shifted by +1.25 eV (ALS 10.3.2 calibrates Fe metal at
7110.75 eV, PROVENANCE.md section 2) and it is re-normalised the same way.
"""
import shutil, sys
from pathlib import Path
import numpy as np

SRC = Path('/work/shared/data')
OUT = Path(__file__).resolve().parent.parent / 'examples' / 'data' / 'fe-k-standards'
FILES = {
    'Fe': (SRC / 'XASDataLibrary/Fe/Fe_metal_rt_01.xdi', 'xdi', 0.0),
    'Fe3O4': (SRC / 'XASDataLibrary/Fe/Fe3O4_rt_01.xdi', 'xdi', 0.0),
    'gamma-FeOOH': (SRC / 'nano-XANES-microscopy-of-Fe/References/Lepidocrocite_Borch FeEXAFS overabs.e', 'e', 1.25),
}


def read(path, kind):
    if kind == 'xdi':
        d = np.loadtxt(path, comments='#')
        return d[:, 0], np.log(d[:, 1] / d[:, 2])
    rows = []
    for line in open(path, encoding='latin-1'):
        t = line.split()
        try:
            rows.append((float(t[0]), float(t[1])))
        except (ValueError, IndexError):
            pass
    d = np.array(rows)
    return d[:, 0], d[:, 1]


def normalise(E, mu):
    o = np.argsort(E, kind='stable')
    E, mu = E[o], mu[o]
    keep = np.r_[True, np.diff(E) > 0]
    E, mu = E[keep], mu[keep]
    w = (E > 7100) & (E < 7135)
    dmu = np.gradient(mu, E)
    e0 = E[w][np.argmax(dmu[w])]
    pre = (E >= max(E[0], e0 - 150)) & (E <= e0 - 30)
    pc = np.polyfit(E[pre], mu[pre], 1)
    post = (E >= e0 + 150) & (E <= e0 + 700)
    qc = np.polyfit(E[post] - e0, mu[post], 2)
    preline = np.polyval(pc, E)
    postcurve = np.polyval(qc, E - e0)
    step = np.polyval(qc, 0.0) - np.polyval(pc, e0)
    norm = (mu - preline) / step
    flat = norm.copy()
    above = E > e0
    flat[above] = norm[above] - ((postcurve[above] - preline[above]) / step - 1)
    return E, flat, e0, step


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    grid = np.r_[np.arange(7062.0, 7100.0, 2.0), np.arange(7100.0, 7200.0, 0.5), np.arange(7200.0, 7951.0, 2.0)]
    cols = {}
    for name, (path, kind, shift) in FILES.items():
        shutil.copy(path, OUT / path.name)
        E, mu = read(path, kind)
        E = E + shift
        En, flat, e0, step = normalise(E, mu)
        if grid[0] < En[0] or grid[-1] > En[-1]:
            sys.exit(f'{name}: data {En[0]}-{En[-1]} eV do not cover the grid')
        cols[name] = np.interp(grid, En, flat)
        print(f'{name}: e0 {e0:.2f} eV, edge step {step:.4g}, {len(En)} points')
    with open(OUT / 'fe-k-standards.csv', 'w') as f:
        f.write('# Fe K-edge standards, normalised mu(E) (edge step 1, flattened), energy in eV on the Fe-foil 7112 eV convention.\n')
        f.write('# Made by tools/make_fe_k_standards.py from the original files in this folder; see README.md for sources and licences.\n')
        f.write('energy,' + ','.join(cols) + '\n')
        for i, e in enumerate(grid):
            f.write(f'{e:.2f},' + ','.join(f'{cols[k][i]:.6f}' for k in cols) + '\n')


if __name__ == '__main__':
    main()
