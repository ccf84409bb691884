import { lle } from '../src';
function spearman(a: ArrayLike<number>, b: ArrayLike<number>) {
  const rank = (v: ArrayLike<number>) => { const idx = Array.from(v, (_, i) => i).sort((p, q) => v[p] - v[q]); const r = new Float64Array(v.length); idx.forEach((i, k) => (r[i] = k)); return r; };
  const ra = rank(a), rb = rank(b); const n = ra.length; let ma = 0, mb = 0; for (let i = 0; i < n; i++) { ma += ra[i]; mb += rb[i]; } ma /= n; mb /= n;
  let s = 0, sa = 0, sb = 0; for (let i = 0; i < n; i++) { s += (ra[i] - ma) * (rb[i] - mb); sa += (ra[i] - ma) ** 2; sb += (rb[i] - mb) ** 2; } return s / Math.sqrt(sa * sb);
}
const N = 1000; const X = new Float64Array(N * 3); const t = new Float64Array(N);
for (let i = 0; i < N; i++) { const u = (i + 0.5) / N; const tt = 3 * Math.PI * (u - 0.5); t[i] = tt; const fr = (i * 0.6180339887498949) % 1; X[i*3] = Math.sin(tt); X[i*3+1] = 2 * fr; X[i*3+2] = Math.sign(tt) * (Math.cos(tt) - 1); }
for (const K of [10, 12]) {
  const t0 = Date.now();
  const r = lle({ data: X, rows: N, cols: 3 }, { components: 2, neighbors: K, method: 'modified' });
  console.log(K, r.reconstructionError, spearman(Array.from({length:N},(_,i)=>r.embedding[i*2]), t), Date.now() - t0, 'ms', r.warnings, r.parameters.eigenIterations);
}
// toy 441
const m = 100, n = 441; const g = (c: number) => Float64Array.from({ length: m }, (_, e) => Math.exp(-0.5 * ((e / (m - 1) - c) / 0.05) ** 2));
const A = g(0.3), B = g(0.5), C = g(0.7); const Y = new Float64Array(n * m); const s = Float64Array.from({ length: n }, (_, i) => i / (n - 1));
for (let i = 0; i < n; i++) { const wa = Math.min(Math.max(1 - 2 * s[i], 0), 1), wc = Math.min(Math.max(2 * s[i] - 1, 0), 1), wb = 1 - wa - wc; for (let e = 0; e < m; e++) Y[i*m+e] = wa*A[e]+wb*B[e]+wc*C[e]; }
const t0 = Date.now();
const r = lle({ data: Y, rows: n, cols: m }, { components: 1, neighbors: 10, method: 'modified', standards: [{name:'A',values:A},{name:'B',values:B},{name:'C',values:C}] });
console.log('toy', r.reconstructionError, spearman(r.embedding, s), r.standards!.map(x=>x.coords[0]), r.embedding[0], r.embedding[n-1], Date.now()-t0,'ms', r.warnings);
