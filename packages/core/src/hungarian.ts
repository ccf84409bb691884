import { SpecmapError } from './errors';

/** An optimal one-to-one assignment of rows to columns. */
export interface Assignment {
  /** rowToCol[i] = column assigned to row i, or −1 (more rows than columns). */
  rowToCol: Int32Array;
  /** colToRow[j] = row assigned to column j, or −1 (more columns than rows). */
  colToRow: Int32Array;
  /** Sum of the cost (or score, when maximising) over the assigned pairs. */
  total: number;
}

/**
 * Optimal assignment for a rectangular rows×cols matrix (row-major):
 * min(rows, cols) pairs, each row and column used at most once, minimising
 * (or with `maximize`, maximising) the sum of the chosen entries — the
 * Hungarian method in its shortest-augmenting-path form (Kuhn–Munkres with
 * potentials, O(r²c) for r ≤ c; Jonker–Volgenant style), as
 * `scipy.optimize.linear_sum_assignment`. Deterministic: on ties the lowest
 * column index wins. Throws SpecmapError('SHAPE') on a size mismatch and
 * ('NAN') on a non-finite entry.
 */
export function hungarian(cost: ArrayLike<number>, rows: number, cols: number, maximize = false): Assignment {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || cost.length !== rows * cols) {
    throw new SpecmapError('SHAPE', `hungarian: ${cost.length} values for a ${rows}×${cols} matrix`);
  }
  for (let i = 0; i < cost.length; i++) {
    if (!Number.isFinite(cost[i])) throw new SpecmapError('NAN', `hungarian: entry ${i} (row ${Math.floor(i / cols)}, column ${i % cols}) is not finite`);
  }
  const rowToCol = new Int32Array(rows).fill(-1);
  const colToRow = new Int32Array(cols).fill(-1);
  if (rows === 0 || cols === 0) return { rowToCol, colToRow, total: 0 };
  // Work with r ≤ c (transpose if needed); a[i][j] = cost to minimise.
  const tr = rows > cols;
  const r = tr ? cols : rows;
  const c = tr ? rows : cols;
  const sgn = maximize ? -1 : 1;
  const a = (i: number, j: number): number => sgn * (tr ? cost[j * cols + i] : cost[i * cols + j]);
  // 1-based potentials u (rows), v (cols); p[j] = row matched to column j (0 = none); way = predecessor.
  const u = new Float64Array(r + 1);
  const v = new Float64Array(c + 1);
  const p = new Int32Array(c + 1);
  const way = new Int32Array(c + 1);
  const minv = new Float64Array(c + 1);
  const used = new Uint8Array(c + 1);
  for (let i = 1; i <= r; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= c; j++) {
        if (used[j]) continue;
        const cur = a(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= c; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  let total = 0;
  for (let j = 1; j <= c; j++) {
    if (p[j] === 0) continue;
    const i = p[j] - 1;
    const jj = j - 1;
    const row = tr ? jj : i;
    const col = tr ? i : jj;
    rowToCol[row] = col;
    colToRow[col] = row;
    total += cost[row * cols + col];
  }
  return { rowToCol, colToRow, total };
}
