/**
 * Complex FFT of any length (radix-2 for powers of two, Bluestein's chirp-z
 * otherwise) and the 2-D FFT of a row-major image. Unnormalised forward
 * transform X_k = Σ x_j e^{−2πi jk/n}; the inverse divides by n.
 */

const bluesteinCache = new Map<number, { M: number; wRe: Float64Array; wIm: Float64Array; bRe: Float64Array; bIm: Float64Array }>();

function isPow2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** In-place radix-2 FFT (n a power of two); sign −1 forward, +1 inverse (unnormalised). */
export function fftPow2(re: Float64Array, im: Float64Array, sign: number): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sign * 2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    const half = len >> 1;
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < half; k++) {
        const a = i + k;
        const b = a + half;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

function bluesteinPlan(n: number) {
  let plan = bluesteinCache.get(n);
  if (plan) return plan;
  let M = 1;
  while (M < 2 * n - 1) M <<= 1;
  const wRe = new Float64Array(n);
  const wIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = (Math.PI * ((k * k) % (2 * n))) / n;
    wRe[k] = Math.cos(a);
    wIm[k] = -Math.sin(a); // e^{−iπk²/n}
  }
  const bRe = new Float64Array(M);
  const bIm = new Float64Array(M);
  for (let k = 0; k < n; k++) {
    bRe[k] = wRe[k];
    bIm[k] = -wIm[k];
    if (k > 0) {
      bRe[M - k] = wRe[k];
      bIm[M - k] = -wIm[k];
    }
  }
  fftPow2(bRe, bIm, -1);
  plan = { M, wRe, wIm, bRe, bIm };
  bluesteinCache.set(n, plan);
  return plan;
}

/** In-place complex FFT of any length. `inverse` divides by n. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n <= 1) return;
  if (inverse) for (let i = 0; i < n; i++) im[i] = -im[i];
  if (isPow2(n)) fftPow2(re, im, -1);
  else {
    const { M, wRe, wIm, bRe, bIm } = bluesteinPlan(n);
    const aRe = new Float64Array(M);
    const aIm = new Float64Array(M);
    for (let k = 0; k < n; k++) {
      aRe[k] = re[k] * wRe[k] - im[k] * wIm[k];
      aIm[k] = re[k] * wIm[k] + im[k] * wRe[k];
    }
    fftPow2(aRe, aIm, -1);
    for (let k = 0; k < M; k++) {
      const r = aRe[k] * bRe[k] - aIm[k] * bIm[k];
      aIm[k] = aRe[k] * bIm[k] + aIm[k] * bRe[k];
      aRe[k] = r;
    }
    fftPow2(aRe, aIm, 1);
    for (let k = 0; k < n; k++) {
      const cr = aRe[k] / M;
      const ci = aIm[k] / M;
      re[k] = cr * wRe[k] - ci * wIm[k];
      im[k] = cr * wIm[k] + ci * wRe[k];
    }
  }
  if (inverse) for (let i = 0; i < n; i++) {
    re[i] /= n;
    im[i] = -im[i] / n;
  }
}

/** In-place 2-D FFT of an h×w row-major complex image. */
export function fft2(re: Float64Array, im: Float64Array, h: number, w: number, inverse = false): void {
  const rr = new Float64Array(w);
  const ri = new Float64Array(w);
  for (let y = 0; y < h; y++) {
    rr.set(re.subarray(y * w, y * w + w));
    ri.set(im.subarray(y * w, y * w + w));
    fft(rr, ri, inverse);
    re.set(rr, y * w);
    im.set(ri, y * w);
  }
  const cr = new Float64Array(h);
  const ci = new Float64Array(h);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      cr[y] = re[y * w + x];
      ci[y] = im[y * w + x];
    }
    fft(cr, ci, inverse);
    for (let y = 0; y < h; y++) {
      re[y * w + x] = cr[y];
      im[y * w + x] = ci[y];
    }
  }
}

/** numpy.fft.fftfreq(n): k/n for k = 0…⌈n/2⌉−1, then negative frequencies. */
export function fftfreq(n: number): Float64Array {
  const f = new Float64Array(n);
  for (let k = 0; k < n; k++) f[k] = (k < Math.ceil(n / 2) ? k : k - n) / n;
  return f;
}
