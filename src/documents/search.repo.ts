// SQL for listing, searching and related documents. Only listed documents appear here: ready,
// not deleted, not taken down. Keyset pagination on (sort key, id); ORDER BY from an allowlist.
import type { Queryable } from '../db/pool.js';
import { DOCUMENT_COLUMNS, type DocumentRow } from './documents.repo.js';
import { listedSql } from './visibility.js';

const LISTED = listedSql('d');

export type ListSort = 'newest' | 'popular' | 'relevance';

/** Where the previous page ended: the sort key of its last row, then its id. */
export type Keyset =
  | { sort: 'newest'; createdAt: string; id: number }
  | { sort: 'popular'; popularity: number; id: number }
  | { sort: 'relevance'; rank: string; popularity: number; id: number };

export interface ListFilters {
  /** Space-joined query tokens (AND); null lists without a query. */
  tokens: string | null;
  category: string | null;
  format: string | null;
  /** true: free only, false: paid only, null: both. */
  free: boolean | null;
}

export interface ListedRow extends DocumentRow {
  /** The sort keys as text, exactly as Postgres holds them (microseconds, float4 rank). */
  createdKey: string;
  rankKey: string | null;
  popularity: number;
}

// The tsquery is written inline (not through a CTE) so the planner sees the words and can
// estimate how many documents match: few → the GIN index; many → the popularity index.
const QUERY = `plainto_tsquery('simple', $1::text)`;

// Per sort: the keyset condition on $6.. and the order, over the table `t` whose id column is
// `id`. Relevance (below) needs a query (the service turns relevance without one into popular).
const orders = (t: string, id: string): Record<'newest' | 'popular', { after: string; orderBy: string }> => ({
  newest: {
    after: `(${t}.created_at, ${t}.${id}) < ($6::timestamptz, $7::bigint)`,
    orderBy: `${t}.created_at DESC, ${t}.${id} DESC`,
  },
  popular: {
    after: `(${t}.popularity, ${t}.${id}) < ($6::bigint, $7::bigint)`,
    orderBy: `${t}.popularity DESC, ${t}.${id} DESC`,
  },
});
const ORDERS = orders('d', 'id');
const SEARCH_ORDERS = orders('s', 'document_id');

function keysetParams(after: Keyset | null): unknown[] {
  if (!after) return [];
  if (after.sort === 'newest') return [after.createdAt, after.id];
  if (after.sort === 'popular') return [after.popularity, after.id];
  return [after.rank, after.popularity, after.id];
}

/**
 * Relevance is scored over at most this many matches, the most popular first. A query for a
 * common word matches a large part of the library; scoring all of it (ts_rank_cd reads every
 * matching row's vector) is what makes naive full-text search slow at a million documents.
 * Queries with fewer matches are ranked exactly; sort=popular or newest reach every match.
 */
export const RELEVANCE_CANDIDATES = 1000;

// The filters over table `t` (documents, or its narrow copy document_search: same column names).
const filtersOn = (t: string) => `${listedSql(t)}
       AND ($1::text IS NULL OR ${t}.search_vector @@ ${QUERY})
       AND ($2::text IS NULL OR ${t}.category = $2::text)
       AND ($3::text IS NULL OR ${t}.format = $3::text)
       AND ($4::boolean IS NULL OR $4::boolean = (${t}.price_cents = 0))`;
const FILTERS = filtersOn('d');
const SEARCH_FILTERS = filtersOn('s');

const PAGE_COLUMNS = `${DOCUMENT_COLUMNS}, d.popularity,
       to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdKey"`;

/**
 * One page (limit rows) of listed documents matching the filters, in the given order. With a
 * query, the matching and ordering run on document_search (migration 0050: narrow rows, so a
 * query matching tens of thousands of documents reads megabytes, not the documents table), and
 * only the page's rows are read from documents.
 */
export async function selectListedDocuments(
  db: Queryable,
  filters: ListFilters,
  sort: ListSort,
  after: Keyset | null,
  limit: number,
  offset = 0,
): Promise<ListedRow[]> {
  const params: unknown[] = [filters.tokens, filters.category, filters.format, filters.free, limit, ...keysetParams(after)];
  // Numbered result pages (the search page) skip rows; the API pages by keyset (offset 0).
  params.push(offset);
  const OFFSET = `OFFSET $${params.length}`;
  if (sort === 'relevance') {
    // Three steps: the candidates (ids and popularity, most popular first, capped), their rank
    // (ts_rank_cd reads the vector, so only for the candidates), then the page over those.
    const { rows } = await db.query<ListedRow>(
      `WITH matches AS (
         SELECT s.document_id AS id, s.popularity FROM document_search s
         WHERE ${SEARCH_FILTERS}
         ORDER BY s.popularity DESC, s.document_id DESC
         LIMIT ${RELEVANCE_CANDIDATES}),
       candidates AS (
         SELECT m.id, m.popularity, ts_rank_cd(s.search_vector, ${QUERY}) AS rank
         FROM matches m JOIN document_search s ON s.document_id = m.id),
       page AS (
         SELECT c.id, c.rank FROM candidates c
         ${after ? 'WHERE (c.rank, c.popularity, c.id) < ($6::real, $7::bigint, $8::bigint)' : ''}
         ORDER BY c.rank DESC, c.popularity DESC, c.id DESC
         LIMIT $5 ${OFFSET})
       SELECT ${PAGE_COLUMNS}, p.rank::text AS "rankKey"
       FROM page p JOIN documents d ON d.id = p.id JOIN users u ON u.id = d.uploader_id
       ORDER BY p.rank DESC, d.popularity DESC, d.id DESC`,
      params,
    );
    return rows;
  }
  if (filters.tokens !== null) {
    const order = SEARCH_ORDERS[sort];
    const { rows } = await db.query<ListedRow>(
      `WITH page AS (
         SELECT s.document_id AS id FROM document_search s
         WHERE ${SEARCH_FILTERS}
           ${after ? `AND ${order.after}` : ''}
         ORDER BY ${order.orderBy}
         LIMIT $5 ${OFFSET})
       SELECT ${PAGE_COLUMNS}, ts_rank_cd(d.search_vector, ${QUERY})::text AS "rankKey"
       FROM page p JOIN documents d ON d.id = p.id JOIN users u ON u.id = d.uploader_id
       ORDER BY ${ORDERS[sort].orderBy}`,
      params,
    );
    return rows;
  }
  const order = ORDERS[sort];
  const { rows } = await db.query<ListedRow>(
    `SELECT ${PAGE_COLUMNS}, NULL::text AS "rankKey"
     FROM documents d JOIN users u ON u.id = d.uploader_id
     WHERE ${FILTERS}
       ${after ? `AND ${order.after}` : ''}
     ORDER BY ${order.orderBy}
     LIMIT $5 ${OFFSET}`,
    params,
  );
  return rows;
}

/**
 * How many listed documents match the filters, counted up to `cap` (a common word can match much
 * of the library: beyond the cap the count says only "more than"). With a query, over the narrow
 * document_search rows.
 */
export async function countListedDocuments(db: Queryable, filters: ListFilters, cap: number): Promise<number> {
  const params = [filters.tokens, filters.category, filters.format, filters.free, cap];
  const from = filters.tokens !== null ? `document_search s WHERE ${SEARCH_FILTERS}` : `documents d WHERE ${FILTERS}`;
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${from} LIMIT $5) x`, params);
  return rows[0]!.n;
}

/**
 * Listed documents like the given one: sharing keywords, or matching its most frequent terms
 * (title and keyword terms first). Ranked in tiers (issue 16): same category and shared keywords
 * first, then either one, then the rest; within a tier by shared keywords and text rank, then
 * popularity. Never the document itself, nor a copy of its file (the same SHA-256).
 */
export async function selectRelatedDocuments(db: Queryable, documentId: number, limit: number): Promise<DocumentRow[]> {
  const { rows } = await db.query<DocumentRow>(
    `WITH src AS (SELECT id, keywords, search_vector, category, sha256 FROM documents WHERE id = $1),
     terms AS (
       SELECT t.lexeme FROM src, unnest(src.search_vector) AS t(lexeme, positions, weights)
       WHERE char_length(t.lexeme) >= 2
       ORDER BY (CASE WHEN 'A' = ANY(t.weights) OR 'B' = ANY(t.weights) THEN 1000 ELSE 0 END)
                + coalesce(array_length(t.positions, 1), 0) DESC, t.lexeme
       LIMIT 24),
     q AS (SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) AS query FROM terms)
     SELECT ${DOCUMENT_COLUMNS}
     FROM documents d JOIN users u ON u.id = d.uploader_id CROSS JOIN src CROSS JOIN q
     WHERE ${LISTED} AND d.id <> src.id AND d.sha256 <> src.sha256
       AND (d.keywords && src.keywords OR (q.query IS NOT NULL AND d.search_vector @@ q.query))
     ORDER BY (d.category = src.category)::int + (d.keywords && src.keywords)::int DESC,
              cardinality(ARRAY(SELECT unnest(d.keywords) INTERSECT SELECT unnest(src.keywords))) * 0.1
              + coalesce(ts_rank(d.search_vector, q.query), 0) DESC,
              d.popularity DESC, d.id DESC
     LIMIT $2`,
    [documentId, limit],
  );
  return rows;
}

