/**
 * Sparse symmetric matrices in compressed sparse row form, assembled from
 * per-point dense blocks: LLE's M = Σ_i B_i where B_i is a (K+1)×(K+1) block
 * on the index set [i, N_i] (standard LLE: r_i r_iᵀ with r_i = [1, −w_i];
 * modified LLE: Ŵ_i Ŵ_iᵀ).
 */
export interface Csr {
  n: number;
  rowPtr: Int32Array;
  col: Int32Array;
  val: Float64Array;
}

/** y = A·x. */
export function csrMultiply(A: Csr, x: Float64Array, y: Float64Array): void {
  const { n, rowPtr, col, val } = A;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) s += val[p] * x[col[p]];
    y[i] = s;
  }
}

/**
 * Per-point blocks: point i owns the index set `sets[i*S .. i*S+S)` (S = K+1,
 * first entry i itself) and the S×S block `blocks[i*S*S ..]` (row-major).
 */
export interface Blocks {
  n: number;
  S: number;
  sets: Int32Array;
  blocks: Float64Array;
}

/** Add the blocks into a dense n×n row-major matrix. */
export function assembleDense(b: Blocks): Float64Array {
  const { n, S, sets, blocks } = b;
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const bs = i * S;
    const bb = i * S * S;
    for (let a = 0; a < S; a++) {
      const ra = sets[bs + a] * n;
      for (let c = 0; c < S; c++) M[ra + sets[bs + c]] += blocks[bb + a * S + c];
    }
  }
  return M;
}

/**
 * Sum the blocks into CSR without forming triplets: for each row r, the
 * blocks containing r (inverse lists) are scattered into a dense accumulator
 * and the touched columns collected and sorted. Memory: the blocks plus the
 * result.
 */
export function assembleCsr(b: Blocks): Csr {
  const { n, S, sets, blocks } = b;
  // inverse lists: for every row r, the (point, local position) pairs with sets[point][pos] = r
  const counts = new Int32Array(n + 1);
  for (let t = 0; t < n * S; t++) counts[sets[t] + 1]++;
  for (let r = 0; r < n; r++) counts[r + 1] += counts[r];
  const inv = new Int32Array(n * S); // flat position t = point*S + pos
  const fill = counts.slice(0, n);
  for (let t = 0; t < n * S; t++) inv[fill[sets[t]]++] = t;
  const acc = new Float64Array(n);
  const mark = new Int32Array(n).fill(-1);
  const cols: number[] = [];
  let rowPtr = new Int32Array(n + 1);
  let cap = n * Math.max(S * 4, 8);
  let col = new Int32Array(cap);
  let val = new Float64Array(cap);
  let nnz = 0;
  for (let r = 0; r < n; r++) {
    cols.length = 0;
    for (let q = counts[r]; q < counts[r + 1]; q++) {
      const t = inv[q];
      const i = (t / S) | 0;
      const a = t - i * S;
      const bs = i * S;
      const bb = i * S * S + a * S;
      for (let c = 0; c < S; c++) {
        const j = sets[bs + c];
        if (mark[j] !== r) {
          mark[j] = r;
          acc[j] = 0;
          cols.push(j);
        }
        acc[j] += blocks[bb + c];
      }
    }
    cols.sort((p, q) => p - q);
    if (nnz + cols.length > cap) {
      cap = Math.max(cap * 2, nnz + cols.length);
      const c2 = new Int32Array(cap);
      c2.set(col.subarray(0, nnz));
      col = c2;
      const v2 = new Float64Array(cap);
      v2.set(val.subarray(0, nnz));
      val = v2;
    }
    for (const j of cols) {
      col[nnz] = j;
      val[nnz] = acc[j];
      nnz++;
    }
    rowPtr[r + 1] = nnz;
  }
  rowPtr = rowPtr.slice();
  return { n, rowPtr, col: col.slice(0, nnz), val: val.slice(0, nnz) };
}
