// Listing and search (Postgres full-text search over jieba-segmented tokens, see README), and
// related documents. Only ready documents that are neither deleted nor taken down appear.
import type { Actor, AppDeps } from '../deps.js';
import { notFound } from '../errors.js';
import type { Document, ListDocumentsQuery } from './documents.schemas.js';
import { findDocumentVisibleTo } from './documents.repo.js';
import { presentDocument } from './documents.present.js';
import { searchQuery } from './document-text.js';
import { decodeKeyset, encodeKeyset } from './cursor.js';
import { countListedDocuments, selectListedDocuments, selectRelatedDocuments, type Keyset, type ListFilters, type ListSort, type ListedRow } from './search.repo.js';
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
  const rows = await selectListedDocuments(deps.db.pool, filters, sort, after, query.limit + 1, after ? 0 : (options.offset ?? 0));
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((r) => presentDocument(r, deps.views.unsaved(r.id))),
    nextCursor: rows.length > query.limit ? encodeKeyset(keysetOf(page[page.length - 1]!, sort)) : null,
  };
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

/** 「TA的文档」: up to `limit` of the uploader's other listed documents, most popular first. */
export async function listUploaderDocuments(deps: Deps, uploaderId: number, options: { except?: number; limit: number }): Promise<Document[]> {
  const rows = await selectUploaderDocuments(deps.db.pool, uploaderId, options.except ?? null, options.limit);
  return rows.map((r) => presentDocument(r, deps.views.unsaved(r.id)));
}
