/** File checksums for provenance. */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { fsError } from './text';

/** SHA-256 (lower-case hex) of a file's bytes, read in 1 MiB chunks. */
export function sha256File(path: string): string {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (err) {
    throw fsError(err, path, 'input file');
  }
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(1 << 20);
  try {
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      hash.update(chunk.subarray(0, n));
    }
  } catch (err) {
    throw fsError(err, path, 'input file');
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}
