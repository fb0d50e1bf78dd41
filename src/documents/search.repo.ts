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

// Per sort: the keyset condition on $6.. and the order. Relevance (below) needs a query (the
// service turns relevance without one into popular).
const ORDERS: Record<'newest' | 'popular', { after: string; orderBy: string }> = {
  newest: {
    after: '(d.created_at, d.id) < ($6::timestamptz, $7::bigint)',
    orderBy: 'd.created_at DESC, d.id DESC',
  },
  popular: {
    after: '(d.popularity, d.id) < ($6::bigint, $7::bigint)',
    orderBy: 'd.popularity DESC, d.id DESC',
  },
};

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

const FILTERS = `${LISTED}
       AND ($1::text IS NULL OR d.search_vector @@ ${QUERY})
       AND ($2::text IS NULL OR d.category = $2::text)
       AND ($3::text IS NULL OR d.format = $3::text)
       AND ($4::boolean IS NULL OR $4::boolean = (d.price_cents = 0))`;

/** One page (limit rows) of listed documents matching the filters, in the given order. */
export async function selectListedDocuments(
  db: Queryable,
  filters: ListFilters,
  sort: ListSort,
  after: Keyset | null,
  limit: number,
): Promise<ListedRow[]> {
  const params = [filters.tokens, filters.category, filters.format, filters.free, limit, ...keysetParams(after)];
  const columns = `${DOCUMENT_COLUMNS}, d.popularity,
       to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdKey",
       CASE WHEN $1::text IS NULL THEN NULL ELSE ts_rank_cd(d.search_vector, ${QUERY}) END::text AS "rankKey"`;
  if (sort === 'relevance') {
    // Two steps: the candidates scored (ids, rank, popularity: most popular first, capped), then
    // the page over those, and only the page's rows read in full.
    const { rows } = await db.query<ListedRow>(
      `WITH candidates AS (
         SELECT d.id, d.popularity, ts_rank_cd(d.search_vector, ${QUERY}) AS rank FROM documents d
         WHERE ${FILTERS}
         ORDER BY d.popularity DESC, d.id DESC
         LIMIT ${RELEVANCE_CANDIDATES}),
       page AS (
         SELECT c.id, c.rank FROM candidates c
         ${after ? 'WHERE (c.rank, c.popularity, c.id) < ($6::real, $7::bigint, $8::bigint)' : ''}
         ORDER BY c.rank DESC, c.popularity DESC, c.id DESC
         LIMIT $5)
       SELECT ${DOCUMENT_COLUMNS}, d.popularity,
         to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdKey",
         p.rank::text AS "rankKey"
       FROM page p JOIN documents d ON d.id = p.id JOIN users u ON u.id = d.uploader_id
       ORDER BY p.rank DESC, d.popularity DESC, d.id DESC`,
      params,
    );
    return rows;
  }
  const order = ORDERS[sort];
  const { rows } = await db.query<ListedRow>(
    `SELECT ${columns}
     FROM documents d JOIN users u ON u.id = d.uploader_id
     WHERE ${FILTERS}
       ${after ? `AND ${order.after}` : ''}
     ORDER BY ${order.orderBy}
     LIMIT $5`,
    params,
  );
  return rows;
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
