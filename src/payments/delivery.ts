// HTTP details of sending a stored file: Range (RFC 9110 §14), If-Range, and an RFC 6266 /
// RFC 5987 Content-Disposition that never puts raw non-ASCII bytes into a header.

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

/** `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>` */
export function contentDisposition(originalName: string, fallbackExtension: string): string {
  // Control characters and path separators never belong in a saved file name.
  const cleaned = Array.from(originalName.normalize('NFC'), (ch) => (ch < ' ' || ch === '\x7f' || ch === '/' || ch === '\\' ? '_' : ch)).join('');
  const name = cleaned.trim() || `document${fallbackExtension}`;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && /^\.[A-Za-z0-9]{1,8}$/.test(name.slice(dot)) ? name.slice(dot) : '';
  let ascii = name.slice(0, name.length - ext.length).replace(/[^\x20-\x7e]+/g, '_').replace(/["%;\\]/g, '_').trim();
  if (!/[A-Za-z0-9]/.test(ascii)) ascii = 'document';
  return `attachment; filename="${ascii}${ext || fallbackExtension}"; filename*=UTF-8''${encodeRfc5987(name)}`;
}

export const CONTENT_TYPES: Record<string, string> = {
  DOC: 'application/msword',
  DOCX: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};
export const EXTENSIONS: Record<string, string> = { DOC: '.doc', DOCX: '.docx' };
