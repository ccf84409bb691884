/**
 * The one error type specmap throws for bad input. Its message names the
 * problem (file, shape, NaN, energy axis, k) in one line, so the CLI can print
 * it as is and exit non-zero without a stack trace.
 */
export class SpecmapError extends Error {
  /** A short machine-readable code, e.g. "ENOENT", "SHAPE", "NAN", "K_RANGE". */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'SpecmapError';
    this.code = code;
  }
}
