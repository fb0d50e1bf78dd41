// Plain text: deciding its encoding from a sample (BOMs, strict UTF-8, GB18030's byte grammar
// with a plausibility check, HZ escapes), refusing binary junk, and re-encoding the whole file
// to UTF-8 as a stream (a 50 MB file on one line never sits in memory as one string).
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import iconv from 'iconv-lite';

export type TextEncoding = 'utf8' | 'utf16le' | 'utf16be' | 'gb18030' | 'hz-gb-2312';

export type TextVerdict =
  | { ok: true; encoding: TextEncoding; bom: boolean }
  | { ok: false; reason: 'binary' | 'unknown_encoding' };

/** How many bytes of a file detection looks at. */
export const TEXT_SAMPLE_BYTES = 64 * 1024;

// C0 controls other than TAB, LF, VT, FF, CR, ESC (and SUB, DOS's end-of-file marker); DEL.
function isJunkControl(b: number): boolean {
  return (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0b && b !== 0x0c && b !== 0x0d && b !== 0x1a && b !== 0x1b) || b === 0x7f;
}

function validUtf8(bytes: Buffer, complete: boolean): boolean {
  try {
    // stream: true lets a sample end in the middle of a character.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

/**
 * GB18030's byte grammar: 1 byte < 0x80; 2 bytes [81–FE][40–7E,80–FE]; 4 bytes [81–FE][30–39][81–FE][30–39].
 * Returns null when invalid, else the share of 2-byte characters inside GB2312's rows
 * (A1–F7 × A1–FE: the characters Chinese text is made of), or 1 for pure ASCII.
 */
function gbShare(bytes: Buffer, complete: boolean): number | null {
  let multi = 0;
  let gb2312 = 0;
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    if (b === 0x80 || b === 0xff) return null;
    if (i + 1 >= n) return complete ? null : multi ? gb2312 / multi : 1;
    const b2 = bytes[i + 1]!;
    if ((b2 >= 0x40 && b2 <= 0x7e) || (b2 >= 0x80 && b2 <= 0xfe)) {
      multi++;
      if (b >= 0xa1 && b <= 0xf7 && b2 >= 0xa1) gb2312++;
      i += 2;
    } else if (b2 >= 0x30 && b2 <= 0x39) {
      if (i + 3 >= n) return complete ? null : multi ? gb2312 / multi : 1;
      const b3 = bytes[i + 2]!;
      const b4 = bytes[i + 3]!;
      if (b3 < 0x81 || b3 > 0xfe || b4 < 0x30 || b4 > 0x39) return null;
      multi++;
      i += 4;
    } else {
      return null;
    }
  }
  return multi ? gb2312 / multi : 1;
}

const HZ_SHIFT = /~\{[\x21-\x7e\n]{2,}?~\}/u;

/**
 * Decides how a text file is encoded from its first bytes (`complete` when the sample is the
 * whole file). Refuses NUL bytes and control characters (binary junk), and 8-bit text that is
 * neither UTF-8 nor plausible GB18030 (it would come out as mojibake).
 */
export function detectTextEncoding(sample: Buffer, complete: boolean): TextVerdict {
  if (sample.length >= 2 && sample[0] === 0xff && sample[1] === 0xfe) return utf16Verdict(sample.subarray(2), 'utf16le');
  if (sample.length >= 2 && sample[0] === 0xfe && sample[1] === 0xff) return utf16Verdict(sample.subarray(2), 'utf16be');
  const bom = sample.length >= 3 && sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf;
  const body = bom ? sample.subarray(3) : sample;
  let junk = 0;
  for (const b of body) {
    if (b === 0) return { ok: false, reason: 'binary' };
    if (isJunkControl(b)) junk++;
  }
  if (junk > Math.max(2, body.length / 1000)) return { ok: false, reason: 'binary' };
  if (validUtf8(body, complete)) {
    const ascii = !body.some((b) => b >= 0x80);
    if (ascii && !bom && HZ_SHIFT.test(body.toString('latin1'))) return { ok: true, encoding: 'hz-gb-2312', bom: false };
    return { ok: true, encoding: 'utf8', bom };
  }
  if (bom) return { ok: false, reason: 'unknown_encoding' };
  const share = gbShare(body, complete);
  // Latin-1 or Big5 bytes often pass GB18030's grammar by accident but land outside GB2312.
  if (share !== null && share >= 0.6) return { ok: true, encoding: 'gb18030', bom: false };
  return { ok: false, reason: 'unknown_encoding' };
}

function utf16Verdict(body: Buffer, encoding: 'utf16le' | 'utf16be'): TextVerdict {
  const even = body.subarray(0, body.length - (body.length % 2));
  const units = encoding === 'utf16le' ? even : Buffer.from(even).swap16();
  let junk = 0;
  for (let i = 0; i + 1 < units.length; i += 2) {
    const u = units.readUInt16LE(i);
    if (u === 0) return { ok: false, reason: 'binary' };
    if (u < 0x100 && isJunkControl(u)) junk++;
  }
  if (junk > Math.max(2, units.length / 2000)) return { ok: false, reason: 'binary' };
  return { ok: true, encoding, bom: true };
}

export interface DecodeStats {
  /** UTF-16 code units written (about characters). */
  chars: number;
  lines: number;
  /** U+FFFD written for bytes that did not decode, and control characters dropped. */
  replaced: number;
  /** Lines longer than maxLineChars that were broken into several. */
  brokenLines: number;
}

export interface DecodeOptions {
  /** Longer lines are broken at this many characters, so a layout engine never gets one huge paragraph. */
  maxLineChars?: number;
  /** Write a UTF-8 byte-order mark first (LibreOffice's text import then knows the encoding). */
  bom?: boolean;
}

/** HZ-GB-2312 (RFC 1843): 7-bit ASCII with ~{ … ~} around GB2312 byte pairs minus 0x80. State carries across chunks. */
export class HzState {
  private gb = false;
  private tilde = false;
  private pending: number | null = null;
  private readonly gbk = iconv.getDecoder('gbk');
  decode(chunk: Buffer): string {
    let out = '';
    for (const b of chunk) {
      if (this.tilde) {
        this.tilde = false;
        if (b === 0x7b) this.gb = true;
        else if (b === 0x7d) this.gb = false;
        else if (b === 0x7e) out += '~';
        else if (b !== 0x0a) out += `~${String.fromCharCode(b)}`; // "~\n" is a line continuation
        continue;
      }
      if (b === 0x7e && this.pending === null) {
        this.tilde = true;
      } else if (!this.gb || b < 0x21 || b > 0x7e) {
        if (this.pending !== null) out += '\ufffd';
        this.pending = null;
        out += String.fromCharCode(b);
      } else if (this.pending === null) {
        this.pending = b;
      } else {
        out += this.gbk.write(Buffer.from([this.pending | 0x80, b | 0x80]));
        this.pending = null;
      }
    }
    return out;
  }
}

class HzDecoder extends Transform {
  private readonly state = new HzState();
  constructor() {
    super({ encoding: 'utf8' });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    done(null, this.state.decode(chunk));
  }
}

/** Breaks over-long lines, drops control characters, counts. Input and output are strings. */
class TextShaper extends Transform {
  stats: DecodeStats = { chars: 0, lines: 1, replaced: 0, brokenLines: 0 };
  private lineLength = 0;
  private broke = false;
  constructor(private readonly maxLine: number) {
    super({ decodeStrings: false, encoding: 'utf8' });
  }
  override _transform(chunk: string | Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const s = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let out = '';
    let from = 0;
    const flush = (to: number) => {
      if (to > from) out += s.slice(from, to);
    };
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x0a) {
        this.lineLength = 0;
        this.broke = false;
        this.stats.lines++;
        continue;
      }
      if (c === 0xfffd) this.stats.replaced++;
      if ((c < 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0c) || c === 0x7f || c === 0xfeff) {
        flush(i);
        from = i + 1;
        if (c !== 0xfeff) this.stats.replaced++;
        continue;
      }
      this.lineLength++;
      // Break before a character once the line is full, but never inside a surrogate pair.
      if (this.lineLength > this.maxLine && !(c >= 0xdc00 && c <= 0xdfff)) {
        flush(i);
        from = i;
        out += '\n';
        this.stats.lines++;
        if (!this.broke) this.stats.brokenLines++;
        this.broke = true;
        this.lineLength = 1;
      }
    }
    flush(s.length);
    this.stats.chars += out.length;
    done(null, out);
  }
}

/**
 * Re-encodes a text file to UTF-8 at `dst`, streaming. Returns counts; the caller decides whether
 * too many replaced characters make it junk after all (see `looksLikeJunk`).
 */
export async function decodeTextFile(src: string, dst: string, encoding: TextEncoding, opts: DecodeOptions = {}): Promise<DecodeStats> {
  const shaper = new TextShaper(opts.maxLineChars ?? 5000);
  const decoder: Transform =
    encoding === 'hz-gb-2312'
      ? new HzDecoder()
      : (iconv.decodeStream(encoding === 'utf16be' ? 'utf-16be' : encoding, { stripBOM: true }) as unknown as Transform);
  const out = createWriteStream(dst);
  if (opts.bom !== false) out.write('\ufeff');
  await pipeline(createReadStream(src, { highWaterMark: 256 * 1024 }), decoder, shaper, out);
  return shaper.stats;
}

/** More than 1 % of what was decoded did not decode: binary junk behind a text-like start. */
export function looksLikeJunk(stats: DecodeStats): boolean {
  return stats.replaced > Math.max(8, stats.chars / 100);
}

/** Decodes a (small) buffer whole, for tests and titles. */
export function decodeTextBuffer(bytes: Buffer, encoding: TextEncoding): string {
  if (encoding === 'hz-gb-2312') return new HzState().decode(bytes);
  const dec = new StringDecoder('utf8');
  return encoding === 'utf8' ? dec.write(bytes).replace(/^\ufeff/u, '') : iconv.decode(bytes, encoding === 'utf16be' ? 'utf-16be' : encoding);
}
