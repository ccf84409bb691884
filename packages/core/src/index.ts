/**
 * specmap core: the pipeline at a glance.
 *
 *   read (@specmap/io) ─► SpectralStack ─► preprocess (optical density, ...)
 *        ─► decompose (pca | nmf) ─► AnalysisResult ─► encode (@specmap/arrow)
 *        ─► show (@specmap/notebook, @specmap/widget, report.html)
 *
 *   out of core: openStackStream(file.npy) ─► analyzeStream (nmf 'cd' | kmeans | pca,
 *        rows streamed from the file through the kernels; same AnalysisResult)
 */
export { SpecmapError } from './errors';
export type { SpectralStack, StackMetadata, PreprocessStep } from './stack';
export { channels, pixels, validateStack } from './stack';
export type { AnalysisResult, Method, Provenance, ReferenceSpectrum } from './result';
export { SPECMAP_VERSION } from './version';
export { analyze, methodNames } from './analyze';
export type { AnalyzeOptions, ReferenceInput } from './analyze';
export { interpolate, opticalDensity, RANGE_RTOL } from './preprocess';
export type { I0Spectrum } from './preprocess';
export { measuredForPayload, DEFAULT_SPECTRA_BUDGET_BYTES } from './measured';
export type { Decomposition, ExtraMap, MatrixView } from './decomposition';
export { fromStack, checkComponents } from './decomposition';
export type { PcaOptions } from './pca';
export { pca, pcaStream } from './pca';
export type { NmfOptions, NmfInit } from './nmf';
export { nmf } from './nmf';
export { pearson, pearsonMatrix } from './pearson';
export type { SymmetricEigen } from './linalg';
export { symmetricEigen, symmetricEigenTop, SmallEigen } from './linalg';
export { fft, fft2, fftfreq, fftPow2 } from './fft';
export { Rng, mulberry32 } from './random';
export { getMethod, listMethods, registerMethod, type MethodSpec } from './methods';
export type { IcaOptions, IcaDecomposition, IcaAlgorithm, IcaFun, IcaWhiten } from './ica';
export { fastIca } from './ica';
export type { KMeansOptions, KMeansResult } from './kmeans';
export { kmeans } from './kmeans';

// ---- out of core: an H×W×E float32 .npy streamed in row blocks (same results as in memory) ----
export type { StreamOptions, OutOfCoreRecord } from './stream';
export { nmfStream } from './nmf';
export { kmeansStream } from './kmeans';
export { analyzeStream, openStackStream, isStackStream, stackFileShape, streamRefusal, streamKernelsReady, STREAM_METHODS } from './analyze-stream';

export { argmaxSegmentation, labelCounts } from './segmentation';
export type { Assignment } from './hungarian';
export { hungarian } from './hungarian';
export type { MatchMetric, MatchOptions, MatchRow, MatchTable, ReferenceLike, RunMatch } from './matching';
export { cosine, cosineMatrix, matchComponents, matchRuns } from './matching';
export type { Scree, ErrorVsKRow, Stability } from './model-selection';
export { scree, reconstructionError, reconstructionErrorVsK, stabilityAcrossSeeds } from './model-selection';
export type { NmfSolver, NmfBetaLoss, NmfRegularisation } from './nmf';
export type { NmfSoOptions, NmfSoInit } from './nmf-so';
export { nmfSo, mapOverlap } from './nmf-so';
export type { NmfArdSoOptions } from './nmf-ard-so';
export { nmfArdSo } from './nmf-ard-so';
export { MT19937 } from './mt19937';
export { betaDivergence } from './nmf-mu';
export { MAX_NEGATIVE_SHARE } from './nmf-input';
export type { SyntheticSpectrum, SyntheticNoise, SyntheticOptions, SyntheticTruth, SyntheticStack } from './synthetic';
export { syntheticStack, poisson } from './synthetic';
export type { FactorsLike, MatchedPearson, TruthComparison, ScanCandidate, ScanChoice } from './scan-metrics';
export {
  mapOverlapOf,
  coverage,
  reconstructionMse,
  matchedPearson,
  scaledMapError,
  compareWithTruth,
  chooseScanRun,
  COVERAGE_THRESHOLD,
  R_TOLERANCE,
  MSE_TOLERANCE,
  SIGN_FREE_METHODS,
} from './scan-metrics';
export type { ReplayContext, ReplayStep, ReplayMode, FieldStatus, FieldDiff, ResultComparison } from './replay';
export { registerReplayStep, replayStepNames, getReplayStep, replaySteps, compareResults, formatComparison, stableJson, REPLAY_TOLERANCES } from './replay';
