// SQL for listing, searching and related documents. Only listed documents appear here: ready,
// not deleted, not taken down. Keyset pagination on (sort key, id); ORDER BY from an allowlist.
import type pg from 'pg';
import type { Queryable } from '../db/pool.js';
import { withTransaction } from '../db/transaction.js';
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

// The filters over table `t` (documents, or its narrow copy document_search: same column names).
const filtersOn = (t: string) => `${listedSql(t)}
       AND ($1::text IS NULL OR ${t}.search_vector @@ ${QUERY})
       AND ($2::text IS NULL OR ${t}.category = $2::text)
       AND ($3::text IS NULL OR ${t}.format = $3::text)
       AND ($4::boolean IS NULL OR $4::boolean = (${t}.price_cents = 0))`;
const FILTERS = filtersOn('d');
const SEARCH_FILTERS = filtersOn('s');

/**
 * Relevance is scored over at most this many matches, the most popular first. A query for a
 * common word matches a large part of the library; scoring all of it (ts_rank_cd reads every
 * matching row's vector) is what makes naive full-text search slow at a million documents.
 * Queries with fewer matches are ranked exactly; sort=popular or newest reach every match.
 */
export const RELEVANCE_CANDIDATES = 1000;

/**
 * The candidates of a query matching a large part of the library are found under a popularity
 * floor: only the matches at or above it are read. Without one, two words that nearly always
 * come together (乡村 振兴, 5 % of the library) cost a read of every match's row (50,000 at 1M
 * documents) to find the most popular 1,000. First the SAMPLE_RANK most popular documents are
 * read in popularity order (of the category, with a category filter: its ranks and floors come
 * from its own popularity index); a word in most documents finds its candidates there. The
 * share of them that matched says how far down the floor must go for the rest, and the GIN
 * index, which holds each document's popularity tier too (migrations 0077, 0078: in the library
 * and in its category), reads only the matches above it.
 * Libraries (categories) of SAMPLE_RANK listed documents or fewer are searched without a floor.
 */
export const SAMPLE_RANK = 2_500;
/** Floors are ranks of this ladder (so each is looked up once a minute, not per query). */
const FLOOR_STEP = 1.25;
/** Floors and sizes are read again after this long: popularity only drifts, and any floor is exact. */
const FLOOR_TTL_MS = 60_000;
/**
 * What a floor costs per document above it, against reading one matching row: the index merges
 * the floor's tier lists with the words' (measured at 1M documents: ≈ 0.2 µs a document above
 * the floor, ≈ 6 µs a row read).
 */
const FLOOR_COST_PER_DOCUMENT = 0.04;

const libraryFigures = new WeakMap<Queryable, Map<string, { value: number | null; until: number }>>();

/**
 * A figure about the library (a floor, a size), read once a minute per pool. The keys are few:
 * ranks of the ladder, times the contract's fixed list of categories.
 */
async function cachedFigure(pool: pg.Pool, key: string, read: () => Promise<number | null>): Promise<number | null> {
  let cache = libraryFigures.get(pool);
  if (!cache) libraryFigures.set(pool, (cache = new Map()));
  const hit = cache.get(key);
  if (hit && hit.until > Date.now()) return hit.value;
  const value = await read();
  cache.set(key, { value, until: Date.now() + FLOOR_TTL_MS });
  return value;
}

/**
 * The popularity of the rank-th most popular listed document, of the category when one is
 * given (null: fewer are listed); read through `via` (the pool, or a client of it inside a
 * transaction, after `prepare` when it is not cached). A category's ranks walk its own
 * popularity index.
 */
async function popularityAtRank(
  pool: pg.Pool,
  rank: number,
  category: string | null,
  { via = pool, prepare }: { via?: Queryable; prepare?: () => Promise<void> } = {},
): Promise<number | null> {
  return cachedFigure(pool, JSON.stringify(['rank', rank, category]), async () => {
    await prepare?.();
    const { rows } = await via.query<{ popularity: string }>(
      `SELECT s.popularity FROM document_search s WHERE ${listedSql('s')} AND ($2::text IS NULL OR s.category = $2::text)
       ORDER BY s.popularity DESC, s.document_id DESC OFFSET $1 LIMIT 1`,
      [rank - 1, category],
    );
    return rows[0] ? Number(rows[0].popularity) : null;
  });
}

/**
 * The planner's estimate of the listed documents, of the category when one is given: the
 * rows of document_search times the category's share in its statistics (the whole library
 * for a category too rare to be among its most common values: an overestimate only makes a
 * floor likelier, and every floor is exact).
 */
async function libraryEstimate(pool: pg.Pool, category: string | null): Promise<number> {
  const estimate = await cachedFigure(pool, JSON.stringify(['size', category]), async () => {
    const { rows } = await pool.query<{ n: string }>(
      `SELECT (greatest(c.reltuples, 0) * coalesce(
                (SELECT f.freq FROM pg_stats st, unnest(st.most_common_vals::text::text[], st.most_common_freqs) AS f(val, freq)
                  WHERE st.schemaname = current_schema() AND st.tablename = 'document_search' AND st.attname = 'category'
                    AND f.val = $1::text), 1))::bigint AS n
       FROM pg_class c WHERE c.oid = 'document_search'::regclass`,
      [category],
    );
    return Number(rows[0]?.n ?? 0);
  });
  return estimate ?? 0;
}

/** A candidate: its id, popularity and rank for the query (ts_rank_cd reads the vector, and the row is read anyway). */
export interface Candidate {
  id: number;
  popularity: number;
  rank: number;
}
const CANDIDATE_COLUMNS = `s.document_id AS id, s.popularity, ts_rank_cd(s.search_vector, ${QUERY}) AS rank`;
// The most popular matches ($5 of them), without a floor. Ranked outside the LIMIT: ts_rank_cd
// decompresses the vector (≈ 3 µs a row), and this read may match many times the rows it keeps
// (report 工作 at 1M: 3,176 for 1,000; ranking after the LIMIT saves 5 ms there). The reads
// below find about as many rows as they keep, and carrying the vectors through the sort would
// cost more than it saves.
const MATCHES_SQL = `SELECT c.id, c.popularity, ts_rank_cd(c.search_vector, ${QUERY}) AS rank
  FROM (SELECT s.document_id AS id, s.popularity, s.search_vector FROM document_search s WHERE ${SEARCH_FILTERS}
        ORDER BY s.popularity DESC, s.document_id DESC LIMIT $5) c
  ORDER BY c.popularity DESC, c.id DESC`;
// The sample: the same among the documents at or above popularity $6, walked in popularity order.
const MATCHES_IN_SAMPLE_SQL = `SELECT ${CANDIDATE_COLUMNS} FROM document_search s
  WHERE ${SEARCH_FILTERS} AND s.popularity >= $6::bigint
  ORDER BY s.popularity DESC, s.document_id DESC LIMIT $5`;
// Under the floor $6: the GIN index finds the matches in the floor's tiers (the category's own
// tiers with a category filter, migration 0078), the rows are read for the exact floor ("+ 0":
// not a condition the popularity index could take).
const MATCHES_ABOVE_FLOOR_SQL = `SELECT ${CANDIDATE_COLUMNS} FROM document_search s
  WHERE ${SEARCH_FILTERS}
    AND popularity_tier_lexemes(s.popularity, s.category) @@ popularity_floor_query($6::bigint, $2::text) AND s.popularity + 0 >= $6::bigint
  ORDER BY s.popularity DESC, s.document_id DESC LIMIT $5`;
// The planner, left to itself, misjudges both reads: it expects words to be spread evenly,
// so it may walk the popularity index past a floor's matches (安全 生产: every row above the
// floor), take the GIN index for the sample (乡村 振兴: all 50,000 matches), or scan the table for
// a word in most documents (工作: 1.2 s). Each read says how it runs; no parallel workers or JIT
// for reads of a few ms.
const PLAN = {
  base: 'SET LOCAL enable_seqscan = off; SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0',
  walk: 'SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = off',
  gin: 'SET LOCAL enable_bitmapscan = on; SET LOCAL enable_indexscan = off',
};

/**
 * The `candidates` most popular listed documents matching the filters, most popular
 * first. Exact under any floor: when at least that many matches are at or above a popularity,
 * every match below it is less popular than all of them. When too few are, the share that
 * matched says how many a lower floor should find: the next read is the first floor expected
 * to find enough, or none when reading all of the library's matches costs less.
 */
export async function mostPopularMatches(
  db: pg.Pool,
  filters: ListFilters,
  { candidates = RELEVANCE_CANDIDATES, sampleRank = SAMPLE_RANK }: { candidates?: number; sampleRank?: number } = {},
): Promise<Candidate[]> {
  const params = [filters.tokens, filters.category, filters.format, filters.free, candidates];
  type Row = { id: string; popularity: string; rank: number };
  const ids = (rows: Row[]): Candidate[] => rows.map((r) => ({ id: Number(r.id), popularity: Number(r.popularity), rank: r.rank }));
  const sampleFloor = await popularityAtRank(db, sampleRank, filters.category);
  if (sampleFloor === null) return ids((await db.query<Row>(MATCHES_SQL, params)).rows);
  const library = await libraryEstimate(db, filters.category);
  return withTransaction(db, async (client) => {
    // Planner settings are sent only when they change (each is a round trip).
    let plan = PLAN.walk;
    const use = async (next: string) => {
      if (next !== plan) await client.query((plan = next));
    };
    await client.query(`${PLAN.base}; ${PLAN.walk}`);
    const sample = await client.query<Row>(MATCHES_IN_SAMPLE_SQL, [...params, sampleFloor]);
    if (sample.rows.length >= candidates) return ids(sample.rows);
    let reached = sampleRank;
    let share = sample.rows.length / sampleRank;
    for (;;) {
      const rank = floorRankFor(reached, share, candidates, library);
      // The floor's lookup (when not cached) walks the popularity index.
      const floor = rank === null ? null : await popularityAtRank(db, rank, filters.category, { via: client, prepare: () => use(PLAN.walk) });
      await use(PLAN.gin);
      const { rows } = await client.query<Row>(floor === null ? MATCHES_SQL : MATCHES_ABOVE_FLOOR_SQL, floor === null ? params : [...params, floor]);
      if (floor === null || rows.length >= candidates) return ids(rows);
      [reached, share] = [rank!, rows.length / rank!];
    }
  });
}

/**
 * The rank of the next floor: the first of the ladder below `reached` where `share` of the
 * documents should hold enough matches, or null (no floor) when reading every match of the
 * library costs less than that floor.
 */
function floorRankFor(reached: number, share: number, candidates: number, library: number): number | null {
  if (share === 0) return null;
  let rank = reached;
  while (share * rank < candidates * 1.15) rank = Math.ceil(rank * FLOOR_STEP);
  const floorCost = rank * FLOOR_COST_PER_DOCUMENT + share * rank;
  return floorCost < share * library ? rank : null;
}

const PAGE_COLUMNS = `${DOCUMENT_COLUMNS}, d.popularity,
       to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdKey"`;

/**
 * One page (limit rows) of listed documents matching the filters, in the given order. With a
 * query, the matching and ordering run on document_search (migration 0050: narrow rows, so a
 * query matching tens of thousands of documents reads megabytes, not the documents table), and
 * only the page's rows are read from documents.
 */
export async function selectListedDocuments(
  db: pg.Pool,
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
    // The candidates (the most popular matches, capped), then their rank (ts_rank_cd reads the
    // vector, so only for the candidates), then the page over those.
    const candidates = await mostPopularMatches(db, filters);
    const pageParams: unknown[] = [
      candidates.map((c) => c.id),
      candidates.map((c) => c.popularity),
      candidates.map((c) => c.rank),
      limit,
      ...keysetParams(after),
      offset,
    ];
    const { rows } = await db.query<ListedRow>(
      `WITH candidates AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::real[]) AS c(id, popularity, rank)),
       page AS (
         SELECT c.id, c.rank FROM candidates c
         ${after ? 'WHERE (c.rank, c.popularity, c.id) < ($5::real, $6::bigint, $7::bigint)' : ''}
         ORDER BY c.rank DESC, c.popularity DESC, c.id DESC
         LIMIT $4 OFFSET $${pageParams.length})
       SELECT ${PAGE_COLUMNS}, p.rank::text AS "rankKey"
       FROM page p JOIN documents d ON d.id = p.id JOIN users u ON u.id = d.uploader_id
       WHERE ${LISTED}
       ORDER BY p.rank DESC, d.popularity DESC, d.id DESC`,
      pageParams,
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

