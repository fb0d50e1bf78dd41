// Deriving a document's keywords, search tokens and display names from its text.
import path from 'node:path';
import { FORMATS, TITLE_EXTENSION, type DocumentFormat } from '../conversion/formats.js';
import { cleanTitle, isPlaceholderTitle } from '../conversion/title.js';
import { searchTokens, titleKeywords } from '../text/chinese.js';
import type { SearchTokens } from './documents.repo.js';

// A tsvector holds at most 1 MB; the start of a long body is what search needs (about 60 pages
// of Chinese text). The whole body stays in body_text.
const MAX_INDEXED_BODY_CHARS = 100_000;

/** The title's own keywords, then the uploader's, without duplicates (case-insensitive). */
export function mergeKeywords(title: string, userKeywords: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const k of [...titleKeywords(title), ...userKeywords]) {
    const key = k.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(k);
  }
  return out;
}

/** Token strings for the weighted search vector: A title, B keywords, C description, D body. */
export function documentSearchTokens(doc: { title: string; keywords: readonly string[]; description: string; body: string }): SearchTokens {
  return {
    title: searchTokens(doc.title),
    keywords: searchTokens(doc.keywords.join(' ')),
    description: searchTokens(doc.description),
    body: searchTokens(doc.body.slice(0, MAX_INDEXED_BODY_CHARS)),
  };
}

/**
 * Tokens of a search query, for an AND query. The segmenter's search mode also emits the
 * compound that contains shorter words (信访 工作 信访工作); only the shortest parts are kept,
 * because a document's text may segment the compound differently in context, while the parts
 * are always indexed. Empty when the query has no word in it.
 */
export function queryTokens(q: string): string {
  const tokens = [...new Set(searchTokens(q).split(' ').filter(Boolean))];
  // Single characters are not dropped-from: a compound's parts are words of two or more.
  return tokens
    .filter((t) => !tokens.some((part) => part.length >= 2 && part.length < t.length && t.includes(part)))
    .join(' ');
}

/**
 * What a search query asks for: its words for the AND match (queryTokens) and its tokens in
 * order, repeats kept, for exact titles and phrases (search_query_words in migration 0105).
 */
export function searchQuery(q: string): { tokens: string; phrase: string } {
  return { tokens: queryTokens(q), phrase: searchTokens(q) };
}

// Control characters, and characters that mean nothing in a name but can spoof one (bidi overrides).
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_NAME = /[\u0000-\u001f\u007f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * The client's file name as metadata: path parts removed (`../../etc/passwd.doc` → `passwd.doc`),
 * control characters dropped, at most 200 characters; Chinese names are kept as they are.
 */
export function cleanFileName(name: string | undefined, format: DocumentFormat): string {
  const base = (name ?? '').normalize('NFC').split(/[\\/]/).pop() ?? '';
  let cleaned = base.replace(UNSAFE_IN_NAME, '').trim().replace(/^\.+/, '');
  if ([...cleaned].length > 200) {
    const ext = path.extname(cleaned).slice(0, 10);
    cleaned = [...cleaned].slice(0, 200 - ext.length).join('') + ext;
  }
  return cleaned || `document.${FORMATS[format].ext}`;
}

/** The file name without its extension (.docm, .dotx, .pdf … too), as a title of last resort. */
export function titleFromFileName(fileName: string): string {
  const stem = cleanTitle(fileName);
  return [...(stem || fileName)].slice(0, 200).join('');
}

/** A title from the file's own properties, cleaned up; null when it says nothing. */
export function titleFromProperties(title: string | null): string | null {
  if (!title) return null;
  const cleaned = title
    .replace(UNSAFE_IN_NAME, '')
    .replace(/^Microsoft Word\s*-\s*/i, '')
    .replace(TITLE_EXTENSION, '')
    .replace(/\s+/g, ' ')
    .trim();
  // Template leftovers such as 「标准名称」 「（填写标准名称）」 are never a title (conversion/title.ts).
  if (!cleaned || /^(untitled|无标题|文档\d*|document\d*)$/i.test(cleaned) || isPlaceholderTitle(cleaned)) return null;
  return [...cleaned].slice(0, 200).join('');
}
