/**
 * Base64 for Uint8Array that works in Node and in browsers.
 *
 * Jupyter carries binary MIME data as base64 strings. The decode and encode
 * paths below are pure JavaScript (no Buffer, no atob), so bundlers never need
 * a Buffer polyfill; Node's Buffer is used only as a fast path when it exists.
 */
import { SpecmapError } from '@specmap/core/dist/errors';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;
// Accept the URL-safe alphabet too.
LOOKUP['-'.charCodeAt(0)] = 62;
LOOKUP['_'.charCodeAt(0)] = 63;

interface NodeBufferLike {
  from(data: ArrayBufferLike, byteOffset?: number, length?: number): { toString(enc: string): string };
}

function nodeBuffer(): NodeBufferLike | undefined {
  const g = globalThis as unknown as { Buffer?: NodeBufferLike };
  return g.Buffer && typeof g.Buffer.from === 'function' ? g.Buffer : undefined;
}

/** Standard base64 (RFC 4648, with padding) of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  const B = nodeBuffer();
  if (B) return B.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const n = bytes.length;
  const parts: string[] = [];
  const CHUNK = 3 * 8192;
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    let s = '';
    let i = start;
    for (; i + 2 < end; i += 3) {
      const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      s += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + ALPHABET[(v >> 6) & 63] + ALPHABET[v & 63];
    }
    const rest = end - i;
    if (rest === 1) {
      const v = bytes[i] << 16;
      s += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + '==';
    } else if (rest === 2) {
      const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
      s += ALPHABET[v >> 18] + ALPHABET[(v >> 12) & 63] + ALPHABET[(v >> 6) & 63] + '=';
    }
    parts.push(s);
  }
  return parts.join('');
}

/**
 * Input bytes per base64 piece by default: 48 KiB, 64 Ki characters. V8 puts
 * strings of 128 KiB or more in its large-object space, one mapping each:
 * 96 KiB pieces (exactly 128 Ki characters) made streaming a 17.8 MB payload
 * take ~35 ms instead of ~15.
 */
export const BASE64_PIECE_BYTES = 3 << 14;

/**
 * Base64 of the concatenation of `chunks` (e.g. encodeResultChunks' output),
 * delivered in pieces: each piece encodes `step` input bytes (a multiple of
 * 3, so no piece but the last has padding and the pieces concatenate to the
 * base64 of the whole), the last one the rest. Memory: one `step`-byte
 * staging buffer and one piece at a time, never the whole text or a
 * concatenated copy of the chunks; pieces that lie inside one chunk are
 * encoded from the chunk itself. Yields nothing for empty input.
 */
export function* base64Pieces(chunks: Iterable<Uint8Array>, step = BASE64_PIECE_BYTES): Generator<string, void, undefined> {
  if (!Number.isInteger(step) || step < 3 || step % 3 !== 0) {
    throw new SpecmapError('ARG', `base64Pieces: step must be a positive multiple of 3, got ${step}`);
  }
  const stage = new Uint8Array(step);
  let fill = 0;
  for (const chunk of chunks) {
    let off = 0;
    while (off < chunk.length) {
      if (fill === 0 && chunk.length - off >= step) {
        yield bytesToBase64(chunk.subarray(off, off + step));
        off += step;
        continue;
      }
      const n = Math.min(step - fill, chunk.length - off);
      stage.set(chunk.subarray(off, off + n), fill);
      fill += n;
      off += n;
      if (fill === step) {
        yield bytesToBase64(stage);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield bytesToBase64(stage.subarray(0, fill));
}

/**
 * Decode base64 (standard or URL-safe alphabet; padding optional; ASCII
 * whitespace such as the line breaks some tools insert is ignored).
 * Pure JavaScript: no Buffer, no atob.
 */
export function base64ToBytes(s: string): Uint8Array {
  if (typeof s !== 'string') throw new SpecmapError('FORMAT', `base64 input must be a string, got ${typeof s}`);
  // Fast path in browsers: the native decoder (it accepts exactly the standard
  // alphabet with optional padding and ASCII whitespace); anything it rejects
  // goes through the JavaScript decoder below, which also names the problem.
  const atob = (globalThis as { atob?: (s: string) => string }).atob;
  if (typeof atob === 'function' && !nodeBuffer() && s.length > 4096) {
    let bin: string | null = null;
    try {
      bin = atob(s);
    } catch {
      bin = null;
    }
    if (bin !== null) {
      const out = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
      return out;
    }
  }
  const out = new Uint8Array(Math.floor((s.length * 3) / 4) + 3);
  let acc = 0;
  let bits = 0;
  let o = 0;
  let padding = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 61 /* = */) {
      padding++;
      continue;
    }
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    const v = c < 128 ? LOOKUP[c] : -1;
    if (v < 0 || padding > 0) {
      throw new SpecmapError('FORMAT', `invalid base64: unexpected character ${JSON.stringify(s[i])} at offset ${i}`);
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  if (bits >= 6) throw new SpecmapError('FORMAT', 'invalid base64: truncated input');
  return out.slice(0, o);
}
