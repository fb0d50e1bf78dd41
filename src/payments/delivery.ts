// HTTP details of sending a stored file: Range (RFC 9110 §14), If-Range, and an RFC 6266 /
// RFC 5987 Content-Disposition that never puts raw non-ASCII bytes into a header.
import { formatInfo, isDocumentFormat } from '../conversion/formats.js';

export type RangeRequest =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/**
 * One range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) → partial; no header, another unit, or several
 * ranges → the full file (multipart/byteranges is not offered: resuming needs one range);
 * a malformed or unsatisfiable byte range → 416.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (!header) return { kind: 'full' };
  const m = header.match(/^\s*bytes\s*=\s*(.*)$/i);
  if (!m) return { kind: 'full' };
  const specs = m[1]!.split(',').map((s) => s.trim()).filter(Boolean);
  if (specs.length > 1) return { kind: 'full' };
  const spec = specs[0]?.match(/^(\d{0,15})-(\d{0,15})$/);
  if (!spec || (spec[1] === '' && spec[2] === '')) return { kind: 'unsatisfiable' };
  if (spec[1] === '') {
    const suffix = Number(spec[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(spec[1]);
  const last = spec[2] === '' ? size - 1 : Number(spec[2]);
  if (start >= size || start > last) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(last, size - 1) };
}

/** If-Range: the range applies only when the validator still matches (strong ETag or exact date). */
export function ifRangeMatches(ifRange: string | undefined, etag: string, lastModified: Date): boolean {
  if (!ifRange) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === etag;
  const date = Date.parse(value);
  return Number.isFinite(date) && Math.floor(date / 1000) === Math.floor(lastModified.getTime() / 1000);
}

// attr-char of RFC 5987: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
const encodeRfc5987 = (s: string) =>
  Array.from(new TextEncoder().encode(s), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9!#$&+\-.^_`|~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');

/** `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>`; `fileName` ends in its extension. */
export function contentDisposition(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const ext = dot > 0 && /^\.[A-Za-z0-9]{1,8}$/.test(fileName.slice(dot)) ? fileName.slice(dot) : '';
  let ascii = fileName.slice(0, fileName.length - ext.length).replace(/[^\x20-\x7e]+/g, '_').replace(/["%;\\]/g, '_').trim();
  if (!/[A-Za-z0-9]/.test(ascii)) ascii = 'document';
  return `attachment; filename="${ascii}${ext}"; filename*=UTF-8''${encodeRfc5987(fileName)}`;
}

// Characters no file system or browser accepts in a saved name (Windows is the strictest), and
// the device names Windows refuses as a name stem.
// eslint-disable-next-line no-control-regex
const ILLEGAL_IN_FILE_NAMES = /[\u0000-\u001f\u007f<>:"/\\|?*\u200b-\u200f\u202a-\u202e\u2066-\u2069]/gu;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i;
// File systems allow 255 bytes per name; the stem keeps room for the extension.
const MAX_STEM_BYTES = 240;

/**
 * The name a download is saved under: the document's title with the extension of the format
 * detected from the bytes, never the uploader's file name, so a Word file uploaded as
 * `report.html` or `tool.jar` is saved as `<title>.doc` and cannot open as a page or a program.
 */
export function downloadFileName(title: string, format: string): string {
  let stem = title.normalize('NFC').replace(/\s+/gu, ' ').replace(ILLEGAL_IN_FILE_NAMES, '_').trim();
  stem = truncateUtf8(stem, MAX_STEM_BYTES).replace(/[. ]+$/u, '');
  if (!stem || /^[_. ]*$/u.test(stem)) stem = '文档';
  if (WINDOWS_DEVICE.test(stem)) stem = `_${stem}`;
  return `${stem}${extensionOf(format)}`;
}

function truncateUtf8(s: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    bytes += Buffer.byteLength(ch);
    if (bytes > maxBytes) break;
    out += ch;
  }
  return out;
}

/** The file extension of a detected format, from the format table (`.bin` for anything else). */
export function extensionOf(format: string): string {
  return isDocumentFormat(format) ? `.${formatInfo(format).ext}` : '.bin';
}

/** The Content-Type of a detected format, from the format table. */
export function contentTypeOf(format: string): string {
  return isDocumentFormat(format) ? formatInfo(format).mime : 'application/octet-stream';
}
