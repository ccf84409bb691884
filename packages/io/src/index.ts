/**
 * @specmap/io: readers and writers of spectral stacks and spectra.
 *
 *   readStack(path)        .hdr (ALS/aXis2000 STXM + .xim frames) | .npy | .npz | .tif/.tiff
 *                          (multi-page, folder, glob) | .h5/.nxs (NeXus; read in a worker thread
 *                          with a time limit and a memory cap) | .dm3/.dm4
 *   readStackAsync(path)   the same, starting HDF5 support when needed
 *   readSpectrum(path)     two-column text spectrum (I0, references)
 *   readSpectraFile(path)  any spectrum format (.prj, .xdi, .msa, .e, .h5, .nor, .csv, …)
 *   readReferenceLibrary   a folder / list of reference spectra; onGrid() onto a stack's energies
 *   readEnergies(path)     one energy per line; checkEnergyAxis(energies, where) its checks
 *   writeNpy / writeTiffStack / writeTiffMap / writeHdf5Stack / writeMapsCsv /
 *   writeComponentsCsv / sha256File
 *
 * Every bad input throws a SpecmapError (from @specmap/core) whose message
 * names the file and the problem.
 */
export { readStack, readStackAsync, needsHdf5, STACK_FORMATS } from './read-stack';
export type { ReadStackOptions } from './read-stack';
export { readStxm, parseXimInto, ximFrameName } from './stxm';
export { parseHdr, readAxis, findBlock } from './hdr';
export type { HdrAxis, HdrBlock, HdrValue } from './hdr';
export { readNpy, readNpyBuffer, readNpyStack, writeNpy, NPY_DTYPES } from './npy';
export type { NpyArray, NpyDtype } from './npy';
export { readNpz, readNpzStack, listNpz } from './npz';
export type { NpzStackOptions } from './npz';
export { readTiffStack, readTiffPages, writeTiffStack, writeTiffMap, listSeries, lzwDecode, packBitsDecode } from './tiff';
export type { EnergyOptions, TiffPage } from './tiff';
export { loadHdf5, hdf5Loaded, isHdf5File, readHdf5Stack, readHdf5Spectra, readHdf5StackDirect, readHdf5SpectraDirect, writeHdf5Stack } from './hdf5';
export type { Hdf5StackOptions } from './hdf5';
export { startHdf5Worker, hdf5InWorker } from './hdf5-host';
export type { Hdf5Limits } from './hdf5-host';
export { readDmStack, readDmSpectrum, readDmTags, dmImages } from './dm';
export type { DmTag, DmArray, DmImage } from './dm';
export { toPixelMajor, AXIS_ORDERS } from './layout';
export type { AxisOrder } from './layout';
export { readColumns, readColumnSpectrum, readColumnSpectra, readXdi, readEmsa, readAlsE, readAthenaProject, columnIndex } from './spectra-text';
export type { ColumnTable, XdiSpectrum, AthenaRecord } from './spectra-text';
export { readReferenceLibrary, readSpectraFile, onGrid, SPECTRUM_EXTENSIONS } from './library';
export type { ReferenceLibrary, LibrarySpectrum, LibraryOptions } from './library';
export { readSpectrum, readEnergies } from './spectrum';
export type { Spectrum } from './spectrum';
export { writeComponentsCsv } from './csv';
export { writeMapsCsv } from './csv-maps';
export { sha256File } from './hash';
export { parseNumber, writeFileChecked, checkEnergyAxis } from './text';
export { RandomAccessFile, allocFloat32 } from './binary';
