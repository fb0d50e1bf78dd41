// Listing and search (Postgres full-text search over jieba-segmented tokens, see README), and
// related documents. Only ready documents that are neither deleted nor taken down appear.
import type { Actor, AppDeps } from '../deps.js';
import { notFound } from '../errors.js';
import type { Document, ListDocumentsQuery } from './documents.schemas.js';
import { findDocumentVisibleTo } from './documents.repo.js';
import { presentDocument } from './documents.present.js';
import { searchQuery } from './document-text.js';
import { decodeKeyset, encodeKeyset } from './cursor.js';
import { countListedDocuments, selectHeldWords, selectListedDocuments, selectRelatedDocuments, type Keyset, type ListFilters, type ListSort, type ListedRow } from './search.repo.js';
import { selectUploaderDocuments } from './uploaders.repo.js';
import { viewerOf } from './documents.service.js';

type Deps = Pick<AppDeps, 'db' | 'views'>;

export interface DocumentPage {
  items: Document[];
  nextCursor: string | null;
}

function keysetOf(row: ListedRow, sort: ListSort): Keyset {
  if (sort === 'newest') return { sort, createdAt: row.createdKey, id: row.id };
  if (sort === 'popular') return { sort, popularity: row.popularity, id: row.id };
  return { sort, rank: row.rankKey ?? '0', popularity: row.popularity, id: row.id };
}

/**
 * Lists documents, newest first by default; with `q`, the documents containing every word of
 * it (title, keywords, description, body), most relevant first, popularity breaking ties.
 */
export async function listDocuments(deps: Deps, query: ListDocumentsQuery, options: { offset?: number } = {}): Promise<DocumentPage> {
  const filters = listFilters(query);
  if (filters.tokens === '') return { items: [], nextCursor: null }; // a query of punctuation only matches nothing
  let sort: ListSort = query.sort ?? (filters.tokens ? 'relevance' : 'newest');
  if (sort === 'relevance' && !filters.tokens) sort = 'popular';
  const after = query.cursor ? decodeKeyset(query.cursor, sort) : null;
  let rows = await selectListedDocuments(deps.db.pool, filters, sort, after, query.limit + 1, after ? 0 : (options.offset ?? 0));
  const typoFree = rows.length === 0 && !after && !options.offset ? await withoutUnknownWords(deps, filters) : null;
  if (typoFree) rows = await selectListedDocuments(deps.db.pool, typoFree, sort, null, query.limit + 1, 0);
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((r) => presentDocument(r, deps.views.unsaved(r.id))),
    nextCursor: rows.length > query.limit ? encodeKeyset(keysetOf(page[page.length - 1]!, sort)) : null,
  };
}

/**
 * When a query of several words finds nothing because some of its words are in no listed
 * document (a typo: 总洁 for 总结), the same query without those words, so a title typed with
 * one wrong character still finds its document; null when every word is known, or none is.
 * Asked only for a first page that came back empty: a query that finds something is never changed.
 */
async function withoutUnknownWords(deps: Deps, filters: ListFilters): Promise<ListFilters | null> {
  const words = filters.tokens?.split(' ').filter(Boolean) ?? [];
  if (words.length < 2) return null;
  const held = new Set(await selectHeldWords(deps.db.pool, words));
  if (held.size === 0 || held.size === words.length) return null;
  const keep = (tokens: string | null) => tokens?.split(' ').filter((w) => held.has(w) || !words.includes(w)).join(' ') ?? null;
  return { ...filters, tokens: keep(filters.tokens), phrase: keep(filters.phrase) };
}

function listFilters(query: ListDocumentsQuery): ListFilters {
  return {
    ...(query.q ? searchQuery(query.q) : { tokens: null, phrase: null }),
    category: query.category ?? null,
    format: query.format ?? null,
    free: query.free === undefined ? null : query.free === '1',
  };
}

/** Counts above this are shown as "more than" (counting every match of a common word costs too much). */
export const COUNT_CAP = 10_000;

/** How many listed documents match (the search page's 「共约 N 篇」), at most COUNT_CAP + 1. */
export async function countDocuments(deps: Deps, query: ListDocumentsQuery): Promise<number> {
  const filters = listFilters(query);
  if (filters.tokens === '') return 0;
  return countListedDocuments(deps.db.pool, filters, COUNT_CAP + 1);
}

/** 「你可能关注的文档」: up to `limit` listed documents like this one (404 if it is not visible). */
export async function listRelatedDocuments(deps: Deps, actor: Actor | null, id: number, limit = 8): Promise<{ items: Document[] }> {
  const doc = await findDocumentVisibleTo(deps.db.pool, viewerOf(actor), id);
  if (!doc) throw notFound('文档');
  const rows = await selectRelatedDocuments(deps.db.pool, id, limit);
  return { items: rows.map((r) => presentDocument(r, deps.views.unsaved(r.id))) };
}

/** Listed documents related to a document whatever its state (a deleted document's page); the caller decides it may be named. */
export async function listRelatedToAny(deps: Deps, id: number, limit = 8): Promise<Document[]> {
  const rows = await selectRelatedDocuments(deps.db.pool, id, limit);
  return rows.map((r) => presentDocument(r, deps.views.unsaved(r.id)));
}

/** 「TA的文档」: up to `limit` of the uploader's other listed documents, most popular first. */
export async function listUploaderDocuments(deps: Deps, uploaderId: number, options: { except?: number; limit: number }): Promise<Document[]> {
  const rows = await selectUploaderDocuments(deps.db.pool, uploaderId, options.except ?? null, options.limit);
  return rows.map((r) => presentDocument(r, deps.views.unsaved(r.id)));
}
