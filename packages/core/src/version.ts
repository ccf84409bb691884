/** The specmap version recorded in every result's provenance. Kept equal to the packages' version. */
export const SPECMAP_VERSION = '0.1.0';
