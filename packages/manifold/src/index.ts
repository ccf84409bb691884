/**
 * @specmap/manifold: manifold learning for spectral images.
 *
 *   spectra ─► k nearest neighbours (exact / approximate) ─► LLE or modified LLE
 *     (dense or sparse eigenproblem) ─► embedding, projected standards, progress map
 *   spectra + embedding ─► manifold-weighted NMF (density-reweighted along the path)
 */
export { exactKnn, prunedKnn, approximateKnn, kNearestNeighbors, queryKnn, connectedComponents } from './knn';
export type { Neighbors, KnnOptions, Rows } from './knn';
export { lle, barycenterWeights } from './lle';
export type { LleOptions, LleModel, LleMethod, StandardSpectrum } from './lle';
export { denseSmallest, lobpcgSmallest, sparseDirectSmallest } from './eigen';
export type { SmallestEigen } from './eigen';
export { assembleCsr, assembleDense, csrMultiply, csrMultiplyMany } from './sparse';
export { reverseCuthillMcKee, envelopeSize, envelopeCholesky, envelopeSolve } from './envelope';
export type { EnvelopeCholesky } from './envelope';
export type { Csr, Blocks } from './sparse';
export { mwNmf, kde, silverman, densityWeights } from './mwnmf';
export type { MwNmfOptions, MwNmfResult } from './mwnmf';
export { MANIFOLD_METHODS, histogram, pathSpectra, standardsFrom } from './methods';
export { mixAlongPath } from './synthetic';
