// Home and search pages: listings from the search service, filter and sort links, highlighted
// titles and snippets (from text a reader may see), keyset "next page" links.
import type { AppDeps } from '../../deps.js';
import { htmlToText } from '../../conversion/html.js';
import { AppError } from '../../errors.js';
import { parseInput } from '../../http/validate.js';
import { CATEGORIES, ListDocumentsQuery, type Document } from '../documents.schemas.js';
import { listDocuments } from '../search.service.js';
import { queryTokens } from '../document-text.js';
import { snippet } from './format.js';
import { ANONYMOUS, entitlementOf } from '../entitlement.js';
import { countListedByCategory, selectSnippetSources, type SnippetRequest } from './pages.repo.js';
import { docCard, type DocCard } from './view-models.js';

type Deps = Pick<AppDeps, 'db' | 'views'>;

export async function buildHomePage(deps: Deps) {
  const [latest, popular, counts] = await Promise.all([
    listDocuments(deps, parseInput(ListDocumentsQuery, { sort: 'newest', limit: '12' })),
    listDocuments(deps, parseInput(ListDocumentsQuery, { sort: 'popular', limit: '10' })),
    countListedByCategory(deps.db.pool),
  ]);
  return {
    latest: latest.items.map((d) => docCard(d)),
    popular: popular.items.map((d) => docCard(d)),
    categories: CATEGORIES.map((name) => ({ name, count: counts.get(name) ?? 0 })),
  };
}

/** Words to mark in results: the query's search tokens plus its own space-separated parts. */
export function highlightTerms(q: string | undefined): string[] {
  if (!q) return [];
  const parts = q.normalize('NFKC').split(/\s+/u).filter(Boolean);
  return [...new Set([...parts, ...queryTokens(q).split(' ').filter(Boolean)])];
}

// Cost caps on what a snippet (110 characters) is cut from; not rules of who may read what.
const SNIPPET_MAX_PAGES = 3;
const SNIPPET_BODY_CHARS = 20_000;

/**
 * What each result's snippet may be cut from: what any reader may read (the anonymous
 * entitlement, so a results page never carries text that one reader bought and can be shared or
 * cached as it is), at most SNIPPET_MAX_PAGES pages. Listed documents are ready and live.
 */
function snippetRequest(d: Document): SnippetRequest {
  const { pagesVisible } = entitlementOf({
    actor: ANONYMOUS,
    document: { uploaderId: d.uploader.id, status: 'ready', deletedAt: null, takenDownAt: null, priceCents: d.priceCents, freePreviewPages: d.freePreviewPages },
    purchase: null,
  });
  return { id: d.id, pages: pagesVisible === null ? null : Math.min(pagesVisible, SNIPPET_MAX_PAGES) };
}

async function withSnippets(deps: Deps, items: Document[], terms: string[]): Promise<DocCard[]> {
  const rows = await selectSnippetSources(deps.db.pool, items.map(snippetRequest), SNIPPET_BODY_CHARS);
  const sources = new Map(rows.map((s) => [s.id, s]));
  return items.map((d) => {
    const src = sources.get(d.id);
    const text = src?.text ?? (src?.html ? htmlToText(src.html) : '');
    const base = d.description ? `${d.description} ${text}` : text;
    return docCard(d, { terms, snippet: base ? snippet(base, terms, 110) : null });
  });
}

type Query = Record<string, string | undefined>;
const SORT_LABELS = { relevance: '相关度', newest: '最新', popular: '最热' } as const;

function hrefWith(current: Query, change: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...current, cursor: undefined, ...change })) if (v) params.set(k, v);
  const qs = params.toString();
  return qs ? `/search?${qs}` : '/search';
}

export async function buildSearchPage(deps: Deps, rawQuery: Record<string, unknown>) {
  const raw: Query = {};
  for (const key of ['q', 'category', 'format', 'free', 'sort', 'cursor']) {
    const v = rawQuery[key];
    if (typeof v === 'string' && v.trim() !== '') raw[key] = v.trim().slice(0, 500);
  }
  let error: string | null = null;
  let items: DocCard[] = [];
  let nextCursor: string | null = null;
  const q = raw.q;
  try {
    const query = parseInput(ListDocumentsQuery, { ...raw, limit: '20' });
    const terms = highlightTerms(query.q);
    const result = await listDocuments(deps, query);
    items = await withSnippets(deps, result.items, terms);
    nextCursor = result.nextCursor;
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'validation_failed') throw err;
    error = `搜索条件有误：${err.message}`;
  }
  const current = { q: raw.q, category: raw.category, format: raw.format?.toUpperCase(), free: raw.free, sort: raw.sort };
  const sorts = q ? (['relevance', 'newest', 'popular'] as const) : (['newest', 'popular'] as const);
  const activeSort = current.sort ?? (q ? 'relevance' : 'newest');
  return {
    q,
    error,
    items,
    cursor: raw.cursor ?? null,
    filters: current,
    nextHref: nextCursor ? hrefWith(current, { cursor: nextCursor }) : null,
    firstHref: hrefWith(current, {}),
    formatLinks: [
      { label: '全部', href: hrefWith(current, { format: undefined }), current: !current.format },
      ...['DOC', 'DOCX'].map((f) => ({ label: f, href: hrefWith(current, { format: f }), current: current.format === f })),
    ],
    priceLinks: [
      { label: '全部', href: hrefWith(current, { free: undefined }), current: !current.free },
      { label: '免费', href: hrefWith(current, { free: '1' }), current: current.free === '1' },
      { label: '付费', href: hrefWith(current, { free: '0' }), current: current.free === '0' },
    ],
    categoryLinks: [
      { label: '全部', href: hrefWith(current, { category: undefined }), current: !current.category },
      ...CATEGORIES.map((c) => ({ label: c, href: hrefWith(current, { category: c }), current: current.category === c })),
    ],
    sortLinks: sorts.map((s) => ({ label: SORT_LABELS[s], href: hrefWith(current, { sort: s }), current: activeSort === s })),
  };
}
