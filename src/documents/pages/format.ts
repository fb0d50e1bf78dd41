// Display helpers for the reader-facing pages: dates, prices, counts, highlighted matches.
// Nothing here returns HTML: templates escape every piece they print. Money and sizes are
// formatted by public/js/format.js, shared with the page scripts.
import { formatYuan } from '../../../public/js/format.js';

// The site is zh-CN: a date is the calendar day in China, whatever the server's zone.
const DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/** ISO time → "2023-05-05" (China time). */
export function ymd(iso: string | Date): string {
  return DAY.format(typeof iso === 'string' ? new Date(iso) : iso);
}

/** Cents → "¥2.00"; 0 → "免费". Display only, never arithmetic. */
export function priceLabel(cents: number): string {
  return cents === 0 ? '免费' : formatYuan(cents);
}

/** 12345 → "1.2万" for counts shown in small print. */
export function countLabel(n: number): string {
  return n >= 10000 ? `${(n / 10000).toFixed(1).replace(/\.0$/u, '')}万` : String(n);
}

export interface Segment {
  text: string;
  mark: boolean;
}

/**
 * Splits text into plain and matched segments (case-insensitive, longest term first, overlaps
 * merged). Templates print each segment escaped and wrap matched ones in <mark>, so the
 * highlighting never builds HTML from user text.
 */
export function highlight(text: string, terms: readonly string[]): Segment[] {
  const lower = text.toLowerCase();
  const wanted = [...new Set(terms.map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0))].sort(
    (a, b) => b.length - a.length,
  );
  const ranges: Array<[number, number]> = [];
  for (const term of wanted) {
    for (let at = lower.indexOf(term); at !== -1; at = lower.indexOf(term, at + term.length)) {
      ranges.push([at, at + term.length]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const out: Segment[] = [];
  let pos = 0;
  for (const [start, end] of merged) {
    if (start > pos) out.push({ text: text.slice(pos, start), mark: false });
    out.push({ text: text.slice(start, end), mark: true });
    pos = end;
  }
  if (pos < text.length || out.length === 0) out.push({ text: text.slice(pos), mark: false });
  return out;
}

/**
 * A snippet of about `width` characters centred on the first match of any term (or the start),
 * with "…" where text was cut. Whitespace runs become one space.
 */
export function snippet(text: string, terms: readonly string[], width = 120): string {
  const flat = text.replace(/\s+/gu, ' ').trim();
  if (flat.length <= width) return flat;
  const lower = flat.toLowerCase();
  let first = -1;
  let matchLength = 0;
  for (const t of terms) {
    const at = t.trim() ? lower.indexOf(t.trim().toLowerCase()) : -1;
    if (at !== -1 && (first === -1 || at < first)) {
      first = at;
      matchLength = t.trim().length;
    }
  }
  // The match in the middle of the snippet (as much text before it as after), clamped to the text.
  const centred = first === -1 ? 0 : first - Math.floor((width - matchLength) / 2);
  const start = Math.max(0, Math.min(centred, flat.length - width));
  const end = Math.min(flat.length, start + width);
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}

/** The first sentences of a text, for a meta description (about 150 characters). */
export function metaDescription(parts: Array<string | null | undefined>, max = 150): string {
  const flat = parts
    .filter((p): p is string => !!p && p.trim() !== '')
    .join(' ')
    .replace(/\s+/gu, ' ')
    .trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
