// Re-encodes the 8-bit grey PNGs MuPDF writes as 4-bit grey (16 levels): for black text on white
// the anti-aliasing edges need no more, and the file shrinks by about 40 % (docs/conversion.md,
// "Page images"). Only reads PNGs we rendered ourselves (8-bit grey or RGB, not interlaced).
import { crc32, deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);


function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export interface RawImage {
  width: number;
  height: number;
  /** 1 (grey) or 3 (RGB) bytes per pixel, rows without filter bytes. */
  channels: 1 | 3;
  pixels: Buffer;
}

/** Decodes an 8-bit grey or RGB, non-interlaced PNG. Throws on anything else. */
export function decodePng(png: Buffer): RawImage {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let channels: 1 | 3 = 1;
  const idat: Buffer[] = [];
  while (off + 8 <= png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      const colour = data[9];
      if (depth !== 8 || (colour !== 0 && colour !== 2) || data[12] !== 0) throw new Error('unsupported PNG layout');
      channels = colour === 0 ? 1 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat), { maxOutputLength: (stride + 1) * height + 1 });
  const pixels = Buffer.alloc(stride * height);
  const bpp = channels;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    for (let x = 0; x < stride; x++) {
      const v = raw[src + x]!;
      const a = x >= bpp ? pixels[dst + x - bpp]! : 0;
      const b = y > 0 ? pixels[dst - stride + x]! : 0;
      const c = x >= bpp && y > 0 ? pixels[dst - stride + x - bpp]! : 0;
      let out: number;
      switch (filter) {
        case 0: out = v; break;
        case 1: out = v + a; break;
        case 2: out = v + b; break;
        case 3: out = v + ((a + b) >> 1); break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          out = v + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default: throw new Error(`bad PNG filter ${filter}`);
      }
      pixels[dst + x] = out & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** A 4-bit grey PNG (16 levels) of an 8-bit grey image. */
export function encodeGray4(img: RawImage): Buffer {
  if (img.channels !== 1) throw new Error('grey images only');
  const rowBytes = Math.ceil(img.width / 2);
  const rows = Buffer.alloc((rowBytes + 1) * img.height);
  for (let y = 0; y < img.height; y++) {
    const o = y * (rowBytes + 1);
    rows[o] = 0; // no filter: runs of white and of black deflate well as they are
    for (let x = 0; x < img.width; x++) {
      const level = Math.round(img.pixels[y * img.width + x]! / 17); // 0..15
      rows[o + 1 + (x >> 1)]! |= x & 1 ? level : level << 4;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr[8] = 4; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** Palette of 16 greys followed by the 6×6×6 colour cube. */
const PALETTE = (() => {
  const p = Buffer.alloc((16 + 216) * 3);
  for (let i = 0; i < 16; i++) p.fill(i * 17, i * 3, i * 3 + 3);
  for (let i = 0; i < 216; i++) {
    const o = (16 + i) * 3;
    p[o] = Math.floor(i / 36) * 51;
    p[o + 1] = (Math.floor(i / 6) % 6) * 51;
    p[o + 2] = (i % 6) * 51;
  }
  return p;
})();

/** Distinct colours in a sample of the pixels: few for text, stamps and charts, many for photos. */
function distinctColours(img: RawImage, limit: number): number {
  const seen = new Set<number>();
  const px = img.pixels;
  for (let i = 0; i + 2 < px.length && seen.size < limit; i += 3 * 7) seen.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
  return seen.size;
}

/** An 8-bit indexed PNG (greys + colour cube) of an RGB image with flat colours (red 公文 headers, stamps). */
export function encodeIndexed(img: RawImage): Buffer {
  if (img.channels !== 3) throw new Error('RGB images only');
  const rows = Buffer.alloc((img.width + 1) * img.height);
  const px = img.pixels;
  for (let y = 0; y < img.height; y++) {
    const o = y * (img.width + 1);
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 3;
      const r = px[i]!;
      const g = px[i + 1]!;
      const b = px[i + 2]!;
      rows[o + 1 + x] = Math.max(r, g, b) - Math.min(r, g, b) < 24
        ? Math.round((r + g + b) / 51)
        : 16 + Math.round(r / 51) * 36 + Math.round(g / 51) * 6 + Math.round(b / 51);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr[8] = 8;
  ihdr[9] = 3; // indexed colour
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('PLTE', PALETTE), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** Smaller PNG: grey pages as 4-bit grey, flat-colour pages indexed; photos stay true colour. */
export function shrinkPng(png: Buffer): Buffer {
  const img = decodePng(png);
  const small = img.channels === 1 ? encodeGray4(img) : distinctColours(img, 1500) < 1500 ? encodeIndexed(img) : png;
  return small.length < png.length ? small : png;
}
