/**
 * @specmap/xafs: XAFS for specmap.
 *
 *   preEdge / findE0      larch-style K-edge normalisation (e0, edge step, norm, flat)
 *   lcf*                  per-pixel linear-combination fitting (NNLS, sum-to-one, constant)
 *   autobk / xftf         EXAFS chi(k) by a spline background, Fourier transform to R
 *   rsf*                  radial structure functions of spectra, regions and maps
 */
export { preEdge, findE0, smoothLorentzian, TINY_ENERGY, MAX_NNORM } from './preedge';
export type { PreEdgeOptions, PreEdgeResult } from './preedge';
export { parseColumns, readXasSpectrum } from './spectrum-text';
export type { ColumnFile, XasSpectrum } from './spectrum-text';
export { lcfDesign, lcfFitWithDesign, lcfSpectrum, lcfMap, fractionHistograms, lincomboFitAll } from './lcf';
export type { LcfStandard, LcfOptions, LcfDesign, LcfFit, LcfMapResult, LincomboFitAllOptions } from './lcf';
export { solveBoundedLs } from './nnls';
export type { BoundedLsProblem, BoundedLsWork } from './nnls';
export { XAFS_METHODS, LCF_METHOD, LCF_POOR_RFACTOR } from './methods';
export { ftwindow, xftf, xftfFast, fftInPlace, besselI0, peakR, FT_WINDOWS } from './ft';
export type { FtWindow, XftfOptions, XftfResult } from './ft';
export { autobk, ETOK } from './autobk';
export type { AutobkOptions, AutobkResult } from './autobk';
export { InterpolatingSpline, splev, interpKnots } from './spline';
export { autobkPlan, autobkWithPlan } from './autobk';
export type { AutobkPlan } from './autobk';
export { rsfSpectrum, rsfFromChi, rsfRegion, rsfMaps, regionMean } from './rsf';
export type { RsfOptions, RsfResult, RegionSelector } from './rsf';
