/**
 * @specmap/io: readers and writers of spectral stacks and spectra.
 *
 *   readStack(path)        .hdr (ALS/aXis2000 STXM + .xim frames) | .npy (H×W×E)
 *   readSpectrum(path)     two-column text spectrum (I0, references)
 *   readEnergies(path)     one energy per line
 *   writeNpy / writeComponentsCsv / sha256File
 *
 * Every bad input throws a SpecmapError (from @specmap/core) whose message
 * names the file and the problem.
 */
export { readStack, STACK_FORMATS } from './read-stack';
export type { ReadStackOptions } from './read-stack';
export { readStxm, parseXimInto, ximFrameName } from './stxm';
export { parseHdr, readAxis, findBlock } from './hdr';
export type { HdrAxis, HdrBlock, HdrValue } from './hdr';
export { readNpy, readNpyBuffer, readNpyStack, writeNpy, NPY_DTYPES } from './npy';
export type { NpyArray, NpyDtype } from './npy';
export { readSpectrum, readEnergies } from './spectrum';
export type { Spectrum } from './spectrum';
export { writeComponentsCsv } from './csv';
export { sha256File } from './hash';
export { parseNumber } from './text';
