/**
 * Methods implemented outside @specmap/core, registered with core's
 * `registerMethod` before any command runs (imported first by main.ts).
 * Each package exports its specs as an array: add one loop per package.
 */
import { registerMethod } from '@specmap/core';
import { XAFS_METHODS } from '@specmap/xafs';
import { MANIFOLD_METHODS } from '@specmap/manifold';

for (const spec of XAFS_METHODS) registerMethod(spec);
for (const spec of MANIFOLD_METHODS) registerMethod(spec);
