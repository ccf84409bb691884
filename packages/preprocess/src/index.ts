/**
 * @specmap/preprocess: preprocessing of spectral stacks the way
 * spectroscopists do it. Every stack function is a recorded step (it appends
 * `{name, parameters}` to `stack.metadata.steps`, which becomes the result's
 * provenance); each says whether it works in place or returns a new stack.
 * The per-spectrum forms work on single spectra.
 *
 *   cropEnergy, binEnergy, binSpatial                 → new stack
 *   nanPolicy, applyMask, thresholdMask               → in place (mask)
 *   registerFrames (phase correlation)                → in place
 *   subtractBackground (linear|shirley|arctan|l3l2)   → in place
 *   subtractModel (mathjs expression, LM)             → in place
 *   alignEnergy, normalizeStack                       → in place
 *   poissonScale                                      → new stack (+ unscale)
 */
export { cropEnergy, binEnergy, binSpatial, binSpectrum } from './crop-bin';
export { readMaskFile, parseMaskText, parseMaskNpy, applyMask, parseMaskRule, thresholdMask, nanPolicy } from './mask';
export type { MaskImage, MaskRule } from './mask';
export { fft, fft2, fftfreq } from '@specmap/core';
export { phaseCorrelate, shiftFrame, registerFrames } from './register';
export type { PhaseCorrelationOptions, Shift, RegisterOptions, RegisterResult } from './register';
export { arctanStep, stepShape, L3L2_RATIO, linearBackground, shirleyBackground, edgeStepBackground, subtractBackground } from './background';
export type { Window, LinearOptions, ShirleyOptions, ShirleyResult, EdgeStepOptions, EdgeStepResult, BackgroundOptions } from './background';
export { poissonScale, poissonUnscale } from './poisson';
export type { PoissonScaled, PoissonScaling } from './poisson';
export { estimateEnergyShift, alignEnergy } from './align';
export type { ShiftOptions, ShiftEstimate, AlignEnergyOptions } from './align';
export { pearsonR, cosineSimilarity, euclideanDistance, spectralAngle, similarity, similarityMap } from './similarity';
export type { SimilarityMetric } from './similarity';
export { normalizeStack, normalizeArea, normalizeMax, loadPreEdge } from './normalize';
export type { NormalizeMode, PreEdgeOptions } from './normalize';
export { compileModel, fitModel, subtractModel, convertEnergies, parseEnergy } from './model';
export type { Model, ModelFit, ModelFitOptions } from './model';
export { levenbergMarquardt } from './lm';
export type { LmOptions, LmResult } from './lm';
export { recordStep, trapz } from './util';
