/**
 * A tiny RGBA raster with just enough drawing for static figures:
 * pixels, rectangles, anti-aliased (poly)lines of any width with optional
 * dashes, and 5×7 bitmap text (scaled, aligned, optionally rotated).
 */
import { ADVANCE, DESCENT, GLYPH_HEIGHT, GLYPH_WIDTH, glyphColumn, textWidth } from './font';

/** An RGB or RGBA colour, components 0–255. */
export type Color = readonly [number, number, number] | readonly [number, number, number, number];

export interface LineStyle {
  /** Line width in pixels (default 1). */
  width?: number;
  /** Dash pattern [on, off] in pixels along the line; solid when absent. */
  dash?: readonly [number, number];
}

export interface TextStyle {
  /** Integer pixel scale of the 5×7 font (default 1). */
  scale?: number;
  /** Horizontal anchor of (x, y) along the text direction. */
  align?: 'left' | 'center' | 'right';
  /** Vertical anchor of (x, y) across the text direction. */
  baseline?: 'top' | 'middle' | 'bottom';
  /** Rotate 90° counter-clockwise (text reads bottom to top), for y-axis labels. */
  rotate?: boolean;
}

export class Raster {
  readonly width: number;
  readonly height: number;
  /** RGBA, 4 bytes per pixel, row-major, top row first. */
  readonly data: Uint8Array;

  constructor(width: number, height: number, background: Color = [255, 255, 255, 255]) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`invalid raster size ${width}×${height}`);
    }
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 4);
    const a = background.length > 3 ? (background as readonly number[])[3] : 255;
    // One pixel, then doubling copies (native memmove; a per-byte loop took ~6 ms on a figure).
    const d = this.data;
    d[0] = background[0];
    d[1] = background[1];
    d[2] = background[2];
    d[3] = a;
    for (let n = 4; n < d.length; n *= 2) d.copyWithin(n, 0, Math.min(n, d.length - n));
  }

  /** Blend `color` over pixel (x, y) with coverage `alpha` (0–1). Outside pixels are ignored. */
  setPixel(x: number, y: number, color: Color, alpha = 1): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || !(alpha > 0)) return;
    x = Math.floor(x);
    y = Math.floor(y);
    const ca = (color.length > 3 ? (color as readonly number[])[3] / 255 : 1) * Math.min(1, alpha);
    const i = (y * this.width + x) * 4;
    const d = this.data;
    if (ca >= 1) {
      d[i] = color[0];
      d[i + 1] = color[1];
      d[i + 2] = color[2];
      d[i + 3] = 255;
      return;
    }
    const da = d[i + 3] / 255;
    const oa = ca + da * (1 - ca);
    if (oa <= 0) return;
    for (let c = 0; c < 3; c++) d[i + c] = Math.round((color[c] * ca + d[i + c] * da * (1 - ca)) / oa);
    d[i + 3] = Math.round(oa * 255);
  }

  /** RGBA of pixel (x, y). */
  getPixel(x: number, y: number): [number, number, number, number] {
    const i = (y * this.width + x) * 4;
    return [this.data[i], this.data[i + 1], this.data[i + 2], this.data[i + 3]];
  }

  /** Fill the rectangle [x, x+w) × [y, y+h) (clipped to the raster). */
  fillRect(x: number, y: number, w: number, h: number, color: Color): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.setPixel(xx, yy, color);
  }

  /** 1-px outline just inside the rectangle [x, x+w) × [y, y+h). */
  strokeRect(x: number, y: number, w: number, h: number, color: Color): void {
    this.fillRect(x, y, w, 1, color);
    this.fillRect(x, y + h - 1, w, 1, color);
    this.fillRect(x, y, 1, h, color);
    this.fillRect(x + w - 1, y, 1, h, color);
  }

  /** Anti-aliased straight line between pixel centres (x0, y0) and (x1, y1). */
  line(x0: number, y0: number, x1: number, y1: number, color: Color, style: LineStyle = {}): void {
    this.polyline([x0, y0, x1, y1], color, style);
  }

  /**
   * Anti-aliased polyline through points [x0, y0, x1, y1, ...] (pixel-centre
   * coordinates: pixel (i, j) covers [i, i+1) × [j, j+1), its centre is
   * (i+0.5, j+0.5)). Coverage is the maximum over segments, so joints are not
   * drawn twice. Non-finite points break the line.
   */
  polyline(points: ArrayLike<number>, color: Color, style: LineStyle = {}): void {
    const half = Math.max(0.5, style.width ?? 1) / 2;
    const dash = style.dash;
    const period = dash ? dash[0] + dash[1] : 0;
    const cov = new Map<number, number>();
    let arc = 0; // arc length at the start of the current segment
    for (let s = 0; s + 3 < points.length; s += 2) {
      const ax = points[s];
      const ay = points[s + 1];
      const bx = points[s + 2];
      const by = points[s + 3];
      if (!(Number.isFinite(ax) && Number.isFinite(ay) && Number.isFinite(bx) && Number.isFinite(by))) continue;
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      const len = Math.sqrt(len2);
      const r = half + 1;
      const xmin = Math.max(0, Math.floor(Math.min(ax, bx) - r));
      const xmax = Math.min(this.width - 1, Math.ceil(Math.max(ax, bx) + r));
      const ymin = Math.max(0, Math.floor(Math.min(ay, by) - r));
      const ymax = Math.min(this.height - 1, Math.ceil(Math.max(ay, by) + r));
      for (let py = ymin; py <= ymax; py++) {
        for (let px = xmin; px <= xmax; px++) {
          const cx = px + 0.5;
          const cy = py + 0.5;
          let t = len2 > 0 ? ((cx - ax) * dx + (cy - ay) * dy) / len2 : 0;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const qx = ax + t * dx - cx;
          const qy = ay + t * dy - cy;
          const dist = Math.sqrt(qx * qx + qy * qy);
          let c = half + 0.5 - dist;
          if (c <= 0) continue;
          if (c > 1) c = 1;
          if (dash && period > 0) {
            const pos = (arc + t * len) % period;
            if (pos > dash[0]) continue;
          }
          const key = py * this.width + px;
          const prev = cov.get(key);
          if (prev === undefined || c > prev) cov.set(key, c);
        }
      }
      arc += len;
    }
    for (const [key, c] of cov) this.setPixel(key % this.width, Math.floor(key / this.width), color, c);
  }

  /**
   * Draw `text` with the built-in 5×7 font. (x, y) is the anchor given by
   * `align`/`baseline`. Returns the drawn width in pixels (along the text).
   */
  text(x: number, y: number, text: string, color: Color, style: TextStyle = {}): number {
    const scale = Math.max(1, Math.round(style.scale ?? 1));
    const w = textWidth(text, scale);
    const h = GLYPH_HEIGHT * scale;
    const along = style.align === 'center' ? -Math.round(w / 2) : style.align === 'right' ? -w : 0;
    const across = style.baseline === 'middle' ? -Math.round(h / 2) : style.baseline === 'bottom' ? -h : 0;
    x = Math.round(x);
    y = Math.round(y);
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        const bits = glyphColumn(ch, col);
        for (let row = 0; row < GLYPH_HEIGHT + DESCENT; row++) {
          if (((bits >> row) & 1) === 0) continue;
          // u runs along the text, v across it (downwards for unrotated text).
          const u = along + (i * ADVANCE + col) * scale;
          const v = across + row * scale;
          for (let a = 0; a < scale; a++) {
            for (let b = 0; b < scale; b++) {
              if (style.rotate) this.setPixel(x + v + b, y - (u + a) - 1, color);
              else this.setPixel(x + u + a, y + v + b, color);
            }
          }
        }
      }
    }
    return w;
  }

  /** Copy an RGBA image of size w×h into this raster at (x, y), nearest-neighbour scaled to dw×dh. */
  drawImage(rgba: Uint8Array, w: number, h: number, x: number, y: number, dw = w, dh = h): void {
    const px: [number, number, number, number] = [0, 0, 0, 0]; // reused: nothing allocated per pixel
    for (let j = 0; j < dh; j++) {
      const sy = Math.min(h - 1, Math.floor((j * h) / dh));
      const ty = y + j;
      if (ty < 0 || ty >= this.height) continue;
      for (let i = 0; i < dw; i++) {
        const sx = Math.min(w - 1, Math.floor((i * w) / dw));
        const tx = x + i;
        if (tx < 0 || tx >= this.width) continue;
        const s = (sy * w + sx) * 4;
        px[0] = rgba[s];
        px[1] = rgba[s + 1];
        px[2] = rgba[s + 2];
        px[3] = rgba[s + 3];
        this.setPixel(tx, ty, px);
      }
    }
  }
}
