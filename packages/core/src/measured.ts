import type { AnalysisResult } from './result';
import type { SpectralStack } from './stack';

/** Default size budget for the measured spectra embedded in a result's payload: 16 MB. */
export const DEFAULT_SPECTRA_BUDGET_BYTES = 16 * 1024 * 1024;

/**
 * The measured spectra to embed in a payload so the views can show a clicked
 * pixel's data next to its reconstruction. The full cube when it fits in
 * `budgetBytes` (float32); otherwise spatially binned by the smallest integer
 * factor b that fits, each binned pixel the **mean** of its b×b block (blocks
 * at the right/bottom edges average the pixels they have). Budget 0 → none.
 */
export function measuredForPayload(
  stack: SpectralStack,
  budgetBytes: number = DEFAULT_SPECTRA_BUDGET_BYTES,
): AnalysisResult['measured'] | undefined {
  const m = stack.energies.length;
  const { width, height } = stack;
  if (budgetBytes <= 0) return undefined;
  let b = 1;
  while (Math.ceil(width / b) * Math.ceil(height / b) * m * 4 > budgetBytes) {
    b++;
    if (b > Math.max(width, height)) {
      if (m * 4 > budgetBytes) return undefined;
      break;
    }
  }
  if (b === 1) return { data: stack.data, width, height, binning: 1 };
  const bw = Math.ceil(width / b);
  const bh = Math.ceil(height / b);
  const out = new Float32Array(bw * bh * m);
  const acc = new Float64Array(m);
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      acc.fill(0);
      let count = 0;
      for (let y = by * b; y < Math.min(height, (by + 1) * b); y++) {
        for (let x = bx * b; x < Math.min(width, (bx + 1) * b); x++) {
          const base = (y * width + x) * m;
          for (let e = 0; e < m; e++) acc[e] += stack.data[base + e];
          count++;
        }
      }
      const o = (by * bw + bx) * m;
      for (let e = 0; e < m; e++) out[o + e] = acc[e] / count;
    }
  }
  return { data: out, width: bw, height: bh, binning: b };
}
