// The HTML that reaches a browser: an allowlist sanitiser over mammoth's output, page splitting
// at the markers the LibreOffice bridge puts where each laid-out page begins, and plain text.
import sanitizeHtml from 'sanitize-html';

/** Private-use characters around a page number: "\uE000WKP12\uE001" marks where page 12 starts. */
export const PAGE_MARKER_PREFIX = '\uE000WKP';
const MARKER_RE = /\uE000WKP(\d+)\uE001/gu;
const ANY_MARKER_CHAR_RE = /[\uE000\uE001]/gu;

/** Where mammoth's styleMap puts explicit page breaks when no layout is available. */
export const PAGE_BREAK_MARK = `${PAGE_MARKER_PREFIX}0\uE001`;

const PLACEHOLDER_SRC = 'wk-placeholder:';
export const IMAGE_PLACEHOLDER_SRC = PLACEHOLDER_SRC;
const SAFE_DATA_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]+$/iu;
const SAFE_LINK = /^(https?:\/\/|mailto:)/iu;

const placeholder = (alt: string | undefined) => ({
  tagName: 'span',
  attribs: { class: 'img-placeholder', ...(alt ? { title: alt.slice(0, 200) } : {}) },
  text: '[图片]',
});

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'strong', 'b', 'em', 'i', 'u', 's', 'sub', 'sup', 'br',
    'ul', 'ol', 'li', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'a', 'img', 'span',
    'blockquote', 'pre', 'code', 'hr',
  ],
  allowedAttributes: {
    a: ['href', 'id', 'rel'],
    img: ['src', 'alt'],
    td: ['colspan', 'rowspan'],
    th: ['colspan', 'rowspan'],
    ol: ['start'],
    li: ['id'],
    span: ['class', 'title'],
    p: ['class'],
  },
  allowedClasses: { span: ['img-placeholder'], p: ['doc-title'] },
  // No style attribute at all: nothing in the preview can load a resource through CSS.
  allowedStyles: {},
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['data'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Contents of these are dropped entirely rather than shown as text.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed', 'svg', 'math'],
  transformTags: {
    a: (tagName, attribs) => {
      const href = (attribs.href ?? '').trim();
      const out: Record<string, string> = {};
      if (attribs.id) out.id = attribs.id;
      if (href.startsWith('#') && /^#[\w.:-]*$/u.test(href)) out.href = href;
      else if (SAFE_LINK.test(href)) {
        out.href = href;
        out.rel = 'nofollow noopener noreferrer';
      }
      return { tagName, attribs: out };
    },
    img: (tagName, attribs) => {
      const src = (attribs.src ?? '').trim();
      // Only embedded rasters: an external src would be fetched by every reader's browser.
      if (!SAFE_DATA_IMAGE.test(src)) return placeholder(attribs.alt);
      return { tagName, attribs: { src, ...(attribs.alt ? { alt: attribs.alt } : {}) } };
    },
  },
  // An anchor left without href and id carries nothing.
  exclusiveFilter: (frame) => frame.tag === 'a' && !frame.attribs.href && !frame.attribs.id && !frame.text.trim(),
};

export function sanitize(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}

const VOID = new Set(['br', 'img', 'hr']);
const TOKEN = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>|[^<]+/gu;
// Pieces of a block cut at a page start; removed so pages do not begin or end with empty shells.
const EMPTY_SHELL = /<(p|h[1-6]|li|strong|em|b|i|u|s|sub|sup|blockquote|pre|code)\b[^>]*>\s*<\/\1>/gu;

function tidy(page: string): string {
  let prev;
  let out = page;
  do {
    prev = out;
    out = out.replace(EMPTY_SHELL, '');
  } while (out !== prev);
  return out.replace(/<(ul|ol)\b[^>]*>\s*<\/\1>/gu, '').trim();
}

/**
 * Splits sanitised HTML into pages at the page markers, only between top-level blocks: a page
 * that starts inside a paragraph or a table is cut before or after that block, whichever is
 * nearer (by text length), so the text view never tears one in two (a table that crosses a page
 * end stays one table with its cells in their columns). When several page starts fall inside one
 * block (a table over three pages), the pages after the block's own are empty, so that pages[i]
 * still holds what begins on page i + 1.
 */
export function splitPages(html: string): string[] {
  const pages: string[] = [];
  let depth = 0;
  let current = '';
  /** Where the open top-level block starts in `current`, its text so far, and at the first page start inside it. */
  let blockStart = 0;
  let blockText = 0;
  let textAtMark = 0;
  let pending = 0;
  const flush = () => {
    if (pending === 0) return;
    // Text before the first page start is the smaller part: the block opens the next page.
    if (textAtMark * 2 < blockText) {
      pages.push(current.slice(0, blockStart));
      current = current.slice(blockStart);
      if (pending > 1) {
        pages.push(current);
        current = '';
      }
      for (let i = 2; i < pending; i++) pages.push('');
    } else {
      pages.push(current);
      current = '';
      for (let i = 1; i < pending; i++) pages.push('');
    }
    pending = 0;
  };
  const cut = () => {
    if (depth === 0) {
      pages.push(current);
      current = '';
    } else {
      if (pending === 0) textAtMark = blockText;
      pending++;
    }
  };
  for (const m of html.matchAll(TOKEN)) {
    const [token, slash, rawName] = m;
    if (rawName) {
      const name = rawName.toLowerCase();
      if (VOID.has(name)) {
        current += token;
        if (name === 'img') blockText += 10;
      } else if (slash) {
        current += token;
        depth = Math.max(0, depth - 1);
        if (depth === 0) flush();
      } else {
        if (depth === 0) {
          flush();
          blockStart = current.length;
          blockText = 0;
        }
        depth++;
        current += token;
      }
      continue;
    }
    let last = 0;
    for (const mark of token.matchAll(MARKER_RE)) {
      const before = token.slice(last, mark.index);
      current += before;
      blockText += before.trim().length;
      last = (mark.index ?? 0) + mark[0].length;
      cut();
    }
    const rest = token.slice(last);
    current += rest;
    blockText += rest.trim().length;
  }
  flush();
  pages.push(current);
  const cleaned = pages.map((p) => tidy(p.replace(ANY_MARKER_CHAR_RE, '')));
  return cleaned.length > 0 ? cleaned : [''];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Plain text of sanitised HTML: blocks become lines, cells are separated by tabs. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/giu, '\n')
    .replace(/<\/(p|h[1-6]|li|tr|blockquote|pre|table|ul|ol)>/giu, '\n')
    .replace(/<\/t[dh]>/giu, '\t')
    .replace(/<[^>]*>/gu, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/giu, (all, ent: string) => {
      if (ent[0] === '#') {
        const code = ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : '';
      }
      return ENTITIES[ent.toLowerCase()] ?? all;
    })
    .replace(/[ \t]+\n/gu, '\n')
    .replace(/\n{3,}/gu, '\n\n')
    .trim();
}

/** Paragraph text to HTML for the text-only preview. */
export function paragraphsToHtml(paragraphs: string[]): string {
  const esc = (s: string) => s.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;');
  return paragraphs.map((p) => `<p>${esc(p)}</p>`).join('');
}

/**
 * Page cuts for HTML without a layout: explicit page breaks if any, else an estimate of about
 * 30 lines of 38 Han characters (a Latin character counts half) per page. Returns HTML with markers.
 */
export function estimatePageMarkers(html: string, linesPerPage = 30, charsPerLine = 38): string {
  const blocks = html.split(/(?<=<\/(?:p|h[1-6]|li|table|ul|ol)>)/u);
  let lines = 0;
  let page = 1;
  let out = '';
  for (const block of blocks) {
    const text = htmlToText(block);
    let width = 0;
    for (const ch of text) width += /[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]/u.test(ch) ? 1 : 0.5;
    const blockLines = Math.max(1, Math.ceil(width / charsPerLine)) + (block.includes('<tr') ? (block.match(/<tr/gu)?.length ?? 0) : 0);
    if (lines > 0 && lines + blockLines > linesPerPage) {
      page++;
      out += `${PAGE_MARKER_PREFIX}${page}\uE001`;
      lines = 0;
    }
    lines += blockLines;
    out += block;
  }
  return out;
}
