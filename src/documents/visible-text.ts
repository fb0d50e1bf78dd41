// What of the 文字版 (the HTML text view) a reader limited to pages 1..N may get: the one home of
// that cut (issue 27 item 2). The stored 文字版 keeps blocks whole (a table that crosses a page end
// stays one table, conversion/html.ts splitPages), so its page rows are no measure of what a page
// shows. The rendered pages are: each page's text layer (pdftotext over the PDF the page images
// come from) is exactly what that page shows. The cut walks the HTML in order and lets a letter or
// digit through only while the free pages' text layers still hold one more of it, so nothing
// leaves that the free page images do not show; then it steps back to where the HTML's last
// characters read as they do on those pages, so the tail of a sentence or row continued on a paid
// page is not shown either (characters there can still be in the budget: page headers, footers,
// page numbers and footnotes sit in the layers but elsewhere or nowhere in the HTML). What can
// still pass the cut is a run of at least six characters that the visible pages show in that
// order (a phrase repeated word for word): nothing they do not show.
// Every path that sends text of a document that is not wholly readable goes through visibleHtml:
// the preview (API and frame), the document page's text copy, description and JSON-LD (built from
// the preview) and the search snippets.

/** Tags, or the text between them (the sanitiser's output has no comments or CDATA). */
const TOKEN = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>|[^<]+/gu;
const VOID = new Set(['br', 'img', 'hr']);
/** A character that carries content: letters and digits of any script (punctuation and spaces never count). */
const CONTENT = /[\p{L}\p{N}]/u;
/** Characters the tail check compares: a run this long must read on the visible pages as in the HTML. */
const TAIL = 6;
// Pieces of blocks left empty by the cut.
const EMPTY_SHELL = /<(p|h[1-6]|li|strong|em|b|i|u|s|sub|sup|blockquote|pre|code|a|span|td|th|tr|thead|tbody|tfoot|table|ul|ol)\b[^>]*>\s*<\/\1>/gu;

/** The content characters of a string: NFKC (full-width forms, Kangxi radicals as PDFs give them) and lower case. */
function contentChars(s: string): string[] {
  // The common cases without normalising: CJK ideographs and ASCII.
  if (s.length === 1) {
    const c = s.charCodeAt(0);
    if (c >= 0x4e00 && c <= 0x9fff) return [s];
    if (c < 0x80) return /[a-z0-9]/iu.test(s) ? [s.toLowerCase()] : [];
  }
  const out: string[] = [];
  for (const ch of s.normalize('NFKC').toLowerCase()) if (CONTENT.test(ch)) out.push(ch);
  return out;
}

export interface VisibleTextSource {
  /** The stored 文字版 pages from the first, at least up to page pagesVisible + 1 (a block that starts on page N may be stored with page N + 1). */
  pages: readonly string[];
  /** The text layer lines of pages 1..pagesVisible (each page's lines in order); null when the document has no rendered pages. */
  layers: ReadonlyArray<readonly string[]> | null;
  pagesVisible: number;
}

/**
 * The HTML a reader who may see pages 1..pagesVisible gets: with text layers, the stored pages
 * cut where the visible pages' text ends (never a letter or digit more than those pages show);
 * without (a document converted without a page layout: its 文字版 pages are its only pages), the
 * first pagesVisible stored pages. Open elements at the cut are closed.
 */
export function visibleHtml({ pages, layers, pagesVisible }: VisibleTextSource): string {
  if (pagesVisible <= 0) return '';
  if (layers === null) return pages.slice(0, pagesVisible).join('\n');
  const lines = layers.slice(0, pagesVisible).flat();
  const budget = new Map<string, number>();
  let flowed = '';
  for (const line of lines) {
    for (const ch of contentChars(line)) {
      budget.set(ch, (budget.get(ch) ?? 0) + 1);
      flowed += ch;
    }
  }
  // Runs of TAIL code units of the visible pages' characters, lines in order (the HTML's text compared the same way).
  const tails = new Set<string>();
  for (let i = TAIL; i <= flowed.length; i++) tails.add(flowed.slice(i - TAIL, i));
  return cutHtml(pages.join('\n'), budget, tails);
}

interface Cut {
  /** Offset in the HTML, and the open elements there (outermost first). */
  at: number;
  open: string[];
  /** Length of the content characters before it (code units). */
  seen: number;
}

function cutHtml(html: string, budget: Map<string, number>, tails: Set<string>): string {
  const open: string[] = [];
  let openNow: string[] = [];
  let seen = '';
  /** Places the cut may fall: between tokens, and between characters of a text. */
  const cuts: Cut[] = [];
  let placeholder = 0;
  let end: number | null = null;
  const mark = (at: number) => cuts.push({ at, open: openNow, seen: seen.length });
  outer: for (const m of html.matchAll(TOKEN)) {
    const start = m.index;
    const [token, slash, rawName, attrs] = m;
    if (rawName) {
      const name = rawName.toLowerCase();
      mark(start);
      if (VOID.has(name)) continue;
      if (slash) {
        const at = open.lastIndexOf(name);
        if (at >= 0) open.length = at;
        if (placeholder > 0) placeholder--;
      } else {
        open.push(name);
        // The image placeholder's 「[图片]」 is ours, not the document's: it needs no budget.
        if (placeholder > 0 || (name === 'span' && /img-placeholder/u.test(attrs ?? ''))) placeholder++;
      }
      openNow = [...open];
      continue;
    }
    if (placeholder > 0) continue;
    // Character by character; an entity (&amp; …) is skipped whole and is never content.
    for (let i = 0; i < token.length; ) {
      if (token[i] === '&') {
        const semi = token.indexOf(';', i);
        if (semi > i) {
          i = semi + 1;
          continue;
        }
      }
      const cp = token.codePointAt(i)!;
      const unit = String.fromCodePoint(cp);
      const at = start + i;
      i += unit.length;
      const chars = contentChars(unit);
      if (chars.length === 0) continue;
      mark(at);
      for (const ch of chars) {
        const left = budget.get(ch) ?? 0;
        if (left === 0) {
          end = at;
          break outer;
        }
        budget.set(ch, left - 1);
      }
      seen += chars.join('');
    }
  }
  if (end === null) return html; // everything the HTML holds is on the visible pages
  // Step back to the last place whose preceding characters read as on the visible pages.
  let chosen: Cut = { at: 0, open: [], seen: 0 };
  for (let i = cuts.length - 1; i >= 0; i--) {
    const c = cuts[i]!;
    if (c.at > end) continue;
    // Fewer characters than TAIL before it: the document's start, where the budget alone decides.
    if (c.seen < TAIL || tails.has(seen.slice(c.seen - TAIL, c.seen))) {
      chosen = c;
      break;
    }
  }
  let out = html.slice(0, chosen.at);
  for (let i = chosen.open.length - 1; i >= 0; i--) out += `</${chosen.open[i]}>`;
  let prev;
  do {
    prev = out;
    out = out.replace(EMPTY_SHELL, '');
  } while (out !== prev);
  return out.trim();
}
