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

/** A·x for several vectors, four at a time (one pass over A per four). */
export function csrMultiplyMany(A: Csr, X: Float64Array[]): Float64Array[] {
  const { n, rowPtr, col, val } = A;
  const Y = X.map(() => new Float64Array(n));
  let c = 0;
  for (; c + 4 <= X.length; c += 4) {
    const [x0, x1, x2, x3] = X.slice(c, c + 4);
    const [y0, y1, y2, y3] = Y.slice(c, c + 4);
    for (let i = 0; i < n; i++) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = rowPtr[i]; p < rowPtr[i + 1]; p++) {
        const v = val[p];
        const j = col[p];
        s0 += v * x0[j];
        s1 += v * x1[j];
        s2 += v * x2[j];
        s3 += v * x3[j];
      }
      y0[i] = s0;
      y1[i] = s1;
      y2[i] = s2;
      y3[i] = s3;
    }
  }
  for (; c < X.length; c++) csrMultiply(A, X[c], Y[c]);
  return Y;
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
  let widest = 0;
  for (let r = 0; r < n; r++) {
    widest = Math.max(widest, counts[r + 1]);
    counts[r + 1] += counts[r];
  }
  const inv = new Int32Array(n * S); // flat position t = point*S + pos
  const fill = counts.slice(0, n);
  for (let t = 0; t < n * S; t++) inv[fill[sets[t]]++] = t;
  const acc = new Float64Array(n);
  const mark = new Int32Array(n).fill(-1);
  const cols = new Int32Array(Math.min(n, widest * S));
  const rowPtr = new Int32Array(n + 1);
  let cap = n * Math.max(S * 4, 8);
  let col = new Int32Array(cap);
  let val = new Float64Array(cap);
  let nnz = 0;
  for (let r = 0; r < n; r++) {
    let len = 0;
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
          cols[len++] = j;
        }
        acc[j] += blocks[bb + c];
      }
    }
    const row = cols.subarray(0, len).sort();
    if (nnz + len > cap) {
      cap = Math.max(cap * 2, nnz + len);
      const c2 = new Int32Array(cap);
      c2.set(col.subarray(0, nnz));
      col = c2;
      const v2 = new Float64Array(cap);
      v2.set(val.subarray(0, nnz));
      val = v2;
    }
    for (let k = 0; k < len; k++) {
      const j = row[k];
      col[nnz] = j;
      val[nnz] = acc[j];
      nnz++;
    }
    rowPtr[r + 1] = nnz;
  }
  return { n, rowPtr, col: col.slice(0, nnz), val: val.slice(0, nnz) };
}
