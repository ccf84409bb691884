/**
 * specmap core: the pipeline at a glance.
 *
 *   read (@specmap/io) ─► SpectralStack ─► preprocess (optical density, ...)
 *        ─► decompose (pca | nmf) ─► AnalysisResult ─► encode (@specmap/arrow)
 *        ─► show (@specmap/notebook, @specmap/widget, report.html)
 */
export { SpecmapError } from './errors';
export type { SpectralStack, StackMetadata, PreprocessStep } from './stack';
export { channels, pixels, validateStack } from './stack';
export type { AnalysisResult, Method, Provenance, ReferenceSpectrum } from './result';
