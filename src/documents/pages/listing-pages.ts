// Home and search pages: listings from the search service, filter and sort links, highlighted
// titles and snippets (from text a reader may see), keyset "next page" links.
import type { AppDeps } from '../../deps.js';
import { htmlToText } from '../../conversion/html.js';
import { AppError } from '../../errors.js';
import { parseInput } from '../../http/validate.js';
import { CATEGORIES, ListDocumentsQuery, type Document } from '../documents.schemas.js';
import { COUNT_CAP, countDocuments, listDocuments } from '../search.service.js';
import { queryTokens } from '../document-text.js';
import { snippet } from './format.js';
import { DOCUMENT_FORMATS } from '../../conversion/formats.js';
import { ANONYMOUS, entitlementOf } from '../entitlement.js';
import { visibleHtml } from '../visible-text.js';
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
  // Everything may be read, or all of its pages: the body text.
  if (pagesVisible === null || (d.pages !== null && pagesVisible >= d.pages)) return { id: d.id, pages: null };
  return { id: d.id, pages: Math.min(pagesVisible, SNIPPET_MAX_PAGES) };
}

async function withSnippets(deps: Deps, items: Document[], terms: string[]): Promise<DocCard[]> {
  const requests = items.map(snippetRequest);
  const allowed = new Map(requests.map((r) => [r.id, r.pages ?? 0]));
  const rows = await selectSnippetSources(deps.db.pool, requests, SNIPPET_BODY_CHARS);
  const sources = new Map(rows.map((s) => [s.id, s]));
  return items.map((d) => {
    const src = sources.get(d.id);
    const text = src?.text ?? (src?.pages ? htmlToText(visibleHtml({ pages: src.pages, layers: src.layers, pagesVisible: allowed.get(d.id) ?? 0 })) : '');
    const base = d.description ? `${d.description} ${text}` : text;
    return docCard(d, { terms, snippet: base ? snippet(base, terms, 110) : null });
  });
}

type Query = Record<string, string | undefined>;

/** Results per page, and the last numbered page (relevance ranks at most 1,000 matches anyway). */
export const RESULTS_PER_PAGE = 20;
export const MAX_RESULT_PAGES = 50;

/** ?page=N as a page number from 1 to MAX_RESULT_PAGES (anything else: 1; beyond: the last). */
function pageNumber(value: unknown): number {
  return typeof value === 'string' && /^[1-9]\d{0,5}$/.test(value) ? Math.min(Number(value), MAX_RESULT_PAGES) : 1;
}

export interface PagerLink { label: string; href: string | null; current?: boolean; rel?: 'prev' | 'next' }

/** 「上一页 1 2 3 … 9 下一页」: the first and last pages, two either side of this one, gaps as 「…」. */
export function pagerLinks(page: number, pages: number, hrefOf: (n: number) => string): PagerLink[] {
  if (pages <= 1) return [];
  const shown = [...new Set([1, pages, ...[-2, -1, 0, 1, 2].map((d) => page + d)])].filter((n) => n >= 1 && n <= pages).sort((a, b) => a - b);
  const links: PagerLink[] = [];
  if (page > 1) links.push({ label: '‹ 上一页', href: hrefOf(page - 1), rel: 'prev' });
  shown.forEach((n, i) => {
    if (i > 0 && n - shown[i - 1]! > 1) links.push({ label: '…', href: null });
    links.push({ label: String(n), href: hrefOf(n), current: n === page });
  });
  if (page < pages) links.push({ label: '下一页 ›', href: hrefOf(page + 1), rel: 'next' });
  return links;
}

/** 「共约 1234 篇」, or 「共约 10000 篇以上」 past the count's cap. */
const totalLabel = (total: number) => (total > COUNT_CAP ? `共约 ${COUNT_CAP} 篇以上` : `共约 ${total} 篇`);
const SORT_LABELS = { relevance: '相关度', newest: '最新', popular: '最热' } as const;

function hrefWith(current: Query, change: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...current, cursor: undefined, ...change })) if (v) params.set(k, v);
  const qs = params.toString();
  return qs ? `/search?${qs}` : '/search';
}

export async function buildSearchPage(deps: Deps, rawQuery: Record<string, unknown>) {
  const raw: Query = {};
  for (const key of ['q', 'category', 'format', 'free', 'sort', 'cursor', 'page']) {
    const v = rawQuery[key];
    if (typeof v === 'string' && v.trim() !== '') raw[key] = v.trim().slice(0, 500);
  }
  let error: string | null = null;
  let items: DocCard[] = [];
  let nextCursor: string | null = null;
  let total = 0;
  const q = raw.q;
  // Numbered pages skip rows; a cursor (links from before numbered pages) keeps paging by keyset.
  const page = raw.cursor ? null : pageNumber(raw.page);
  try {
    // `page` is this page's own parameter; the schema drops keys it does not know.
    const query = parseInput(ListDocumentsQuery, { ...raw, limit: String(RESULTS_PER_PAGE) });
    const terms = highlightTerms(query.q);
    const [result, counted] = await Promise.all([
      listDocuments(deps, query, { offset: ((page ?? 1) - 1) * RESULTS_PER_PAGE }),
      countDocuments(deps, query),
    ]);
    items = await withSnippets(deps, result.items, terms);
    nextCursor = result.nextCursor;
    total = counted;
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'validation_failed') throw err;
    error = `搜索条件有误：${err.message}`;
  }
  const current = { q: raw.q, category: raw.category, format: raw.format?.toUpperCase(), free: raw.free, sort: raw.sort };
  const sorts = q ? (['relevance', 'newest', 'popular'] as const) : (['newest', 'popular'] as const);
  const activeSort = current.sort ?? (q ? 'relevance' : 'newest');
  const pages = Math.min(Math.ceil(Math.min(total, COUNT_CAP) / RESULTS_PER_PAGE), MAX_RESULT_PAGES);
  return {
    q,
    error,
    items,
    cursor: raw.cursor ?? null,
    pageNo: page,
    total,
    totalLabel: totalLabel(total),
    pager: page === null ? [] : pagerLinks(page, pages, (n) => hrefWith(current, { page: n === 1 ? undefined : String(n) })),
    filters: current,
    // Keyset paging only goes on from a cursor link; numbered pages have the pager.
    nextHref: page === null && nextCursor ? hrefWith(current, { cursor: nextCursor }) : null,
    firstHref: hrefWith(current, {}),
    formatLinks: [
      { label: '全部', href: hrefWith(current, { format: undefined }), current: !current.format },
      ...DOCUMENT_FORMATS.map((f) => ({ label: f, href: hrefWith(current, { format: f }), current: current.format === f })),
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
