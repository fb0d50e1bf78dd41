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
  /** The query's tokens in order, repeats kept (exact titles and phrases compare these); null without a query. */
  phrase: string | null;
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

// Relevance (issue 26): every match has a rank, search_rank in migration 0105 (the one place
// that says what relevance means: exact title, then titles holding every word — fewer other
// words first, the query as written first — then title and keywords, then the text, the words
// next to each other first); popularity, then id, order documents of equal rank. The rank takes
// a few values, so the best of the whole order are the most popular matches of its best
// non-empty levels, and each level gives up only what the page needs:
//  1. the title index: exact titles and titles of n to n+2 words holding every word (levels
//     100–70) are one GIN lookup (the title's length is a lexeme of title_keywords_vector), and
//     few, so they are read and ranked in full;
//  2. each level below (61 to 40), in order, walks the popularity index over at most WALK_ROWS
//     listed documents: a level with enough matches there is done (its most popular matches
//     are the first the walk meets), and a dense one is done after a few dozen rows;
//  3. a level that needs more: a longer walk when the first found it dense enough, else its
//     most popular matches through its index (the title index for titles and keywords, the
//     text index for the rest), which reads the level's matches, not the library.
// Every step is exact for its level, so a new upload is ranked as exactly as a popular one.
const WORDS = `$5::text[]`;
const RANK = (t: string) => `search_rank(${t}.title_words, ${t}.title_keywords_vector, ${t}.search_vector, $5::text[], $6::tsquery, $7::tsquery, $8::tsquery)`;
// The rank's arguments for a query, computed once (as constants, search_rank is inlined and cheap).
const QUERY_TERMS_SQL = `SELECT w AS words, search_words_query(w, 'A')::text AS a, search_words_query(w, 'AB')::text AS ab,
    phraseto_tsquery('simple', array_to_string(w, ' '))::text AS phrase
  FROM search_query_words($1::text) w`;

/** Ranks the title index gives whole (exact title, titles of n to n+2 words holding every word). */
const TITLE_INDEX_LOWEST = 70;
/** The levels below, in order, each with where its words are (title and keywords, or anywhere). */
const WALKED_LEVELS: Array<{ rank: number; index: 'title' | 'text' }> = [
  { rank: 61, index: 'title' },
  { rank: 60, index: 'title' },
  { rank: 50, index: 'title' },
  { rank: 41, index: 'text' },
  { rank: 40, index: 'text' },
];
/** The listed documents a level walks in popularity order before it is read through its index. */
export const WALK_ROWS = 500;
/** A longer walk is taken only when it should read fewer rows than this. */
const MAX_FURTHER_WALK = 20_000;

/** A match of the query with its rank. */
export interface Candidate {
  id: number;
  popularity: number;
  rank: number;
}
type CandidateRow = { id: string; popularity: string; rank: number };
const candidates = (rows: CandidateRow[]): Candidate[] => rows.map((r) => ({ id: Number(r.id), popularity: Number(r.popularity), rank: r.rank }));

// $1–$8: tokens, category, format, free, then the rank's query terms (QUERY_TERMS_SQL). The
// filters without the query: a walk tests the query itself, on the rows it meets.
const FILTERS_BUT_QUERY = `${listedSql('s')}
       AND ($2::text IS NULL OR s.category = $2::text)
       AND ($3::text IS NULL OR s.format = $3::text)
       AND ($4::boolean IS NULL OR $4::boolean = (s.price_cents = 0))`;

// 1. Levels 100–70, ranked whole: $9 the page size, $10–$12 the keyset (rank, popularity, id) or nulls.
const TITLE_LEVELS_SQL = `SELECT r.id, r.popularity, r.rank FROM (
    SELECT s.document_id AS id, s.popularity, ${RANK('s')} AS rank FROM document_search s
    WHERE ${SEARCH_FILTERS}
      AND s.title_keywords_vector @@ (${QUERY} && search_title_lengths(cardinality(${WORDS}), cardinality(${WORDS}) + 2))) r
  WHERE r.rank >= ${TITLE_INDEX_LOWEST} AND ($10::real IS NULL OR (r.rank, r.popularity, r.id) < ($10::real, $11::bigint, $12::bigint))
  ORDER BY r.rank DESC, r.popularity DESC, r.id DESC LIMIT $9`;
// 1b. A query with few matches (by the planner's estimate: good for rare words, and a wrong
// guess costs one capped read) is ranked whole: at most $9 + 1 matches are read, and the result
// counts only when they were all ($13: after the keyset).
const FEW_MATCHES = 2_000;
const ESTIMATE_SQL = `EXPLAIN (FORMAT JSON) SELECT 1 FROM document_search s WHERE ${SEARCH_FILTERS}`;
const ALL_MATCHES_SQL = `WITH m AS MATERIALIZED (
    SELECT s.document_id AS id, s.popularity, ${RANK('s')} AS rank FROM document_search s WHERE ${SEARCH_FILTERS} LIMIT $9 + 1)
  SELECT (SELECT count(*) FROM m)::integer AS total,
         (SELECT coalesce(json_agg(json_build_array(p.id, p.popularity, p.rank) ORDER BY p.rank DESC, p.popularity DESC, p.id DESC), '[]')
          FROM (SELECT * FROM m WHERE $10::real IS NULL OR (m.rank, m.popularity, m.id) < ($10::real, $11::bigint, $12::bigint)
                ORDER BY m.rank DESC, m.popularity DESC, m.id DESC LIMIT $13) p) AS ranked`;
// 2. One level ($9), walked: the first $12 listed documents (filters but the query) after
// ($10, $11) in popularity order, the level's first $13 matches among them. The LIMIT ends the
// walk as soon as they are found, and the rank is computed only for the rows that hold the
// words where the level needs them (title and keywords, or anywhere).
const levelWalkSql = (index: 'title' | 'text') => `SELECT r.id, r.popularity, r.rank FROM (
    SELECT s.document_id AS id, s.popularity, ${RANK('s')} AS rank
    FROM (SELECT * FROM document_search s
          WHERE ${FILTERS_BUT_QUERY} AND ($10::bigint IS NULL OR (s.popularity, s.document_id) < ($10::bigint, $11::bigint))
          ORDER BY s.popularity DESC, s.document_id DESC LIMIT $12) s
    WHERE ${index === 'title' ? `s.title_keywords_vector @@ ${QUERY}` : `s.search_vector @@ ${QUERY}`}) r
  WHERE r.rank = $9::integer LIMIT $13`;
// 3. One level ($9) after ($10, $11), its $12 most popular matches, through the index its
// matches are in (the title index: title and keywords; the text index: everything).
const levelIndexSql = (index: 'title' | 'text') => `SELECT r.id, r.popularity, r.rank FROM (
    SELECT s.document_id AS id, s.popularity, ${RANK('s')} AS rank FROM document_search s
    WHERE ${SEARCH_FILTERS} AND ($10::bigint IS NULL OR (s.popularity, s.document_id) < ($10::bigint, $11::bigint))
      ${index === 'title' ? `AND s.title_keywords_vector @@ ${QUERY}` : ''}) r
  WHERE r.rank = $9::integer
  ORDER BY r.popularity DESC, r.id DESC LIMIT $12`;
// Each read says how it runs: the planner expects words to be spread evenly, so left to itself
// it may walk the popularity index past a level's few matches, or scan the table for a word in
// most documents. No parallel workers or JIT for reads of a few ms.
const PLAN = {
  base: 'SET LOCAL enable_seqscan = off; SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0',
  walk: 'SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = off',
  index: 'SET LOCAL enable_bitmapscan = on; SET LOCAL enable_indexscan = off',
};

/**
 * The `wanted` first matches of the query in relevance order (search_rank, then popularity,
 * then id), after the keyset `after` when given. Exact: the same as ranking every match.
 */
export async function rankedMatches(
  db: pg.Pool,
  filters: ListFilters,
  wanted: number,
  after: Extract<Keyset, { sort: 'relevance' }> | null,
  { walkRows = WALK_ROWS }: { walkRows?: number } = {},
): Promise<Candidate[]> {
  const afterRank = after ? Number(after.rank) : null;
  return withTransaction(db, async (client) => {
    const terms = (await client.query<{ words: string[]; a: string; ab: string; phrase: string }>(QUERY_TERMS_SQL, [filters.phrase])).rows[0]!;
    const base = [filters.tokens, filters.category, filters.format, filters.free, terms.words, terms.a, terms.ab, terms.phrase];
    let plan = PLAN.index;
    const use = async (next: string) => {
      if (next !== plan) await client.query((plan = next));
    };
    const read = async (sql: string, params: unknown[]) => candidates((await client.query<CandidateRow>(sql, [...base, ...params])).rows);
    await client.query(`${PLAN.base}; ${PLAN.index}`);
    const keyset = [afterRank, after?.popularity ?? null, after?.id ?? null];
    const found = await read(TITLE_LEVELS_SQL, [wanted, ...keyset]);
    if (found.length >= wanted) return found;
    // A query with few matches is ranked whole, in one read (tried once, after the first walk found too few).
    let triedWhole = false;
    const whole = async (): Promise<Candidate[] | null> => {
      triedWhole = true;
      const estimate = (await client.query<{ 'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }> }>(ESTIMATE_SQL, base.slice(0, 4))).rows[0]!;
      if (estimate['QUERY PLAN'][0]!.Plan['Plan Rows'] > FEW_MATCHES) return null;
      await use(PLAN.index);
      type All = { total: number; ranked: Array<[number, number, number]> };
      const all = (await client.query<All>(ALL_MATCHES_SQL, [...base, FEW_MATCHES, ...keyset, wanted])).rows[0]!;
      // Every match was read: ranked whole, the first `wanted` are exact (the title levels' included).
      return all.total <= FEW_MATCHES ? all.ranked.map(([id, popularity, rank]) => ({ id, popularity, rank })) : null;
    };
    for (const level of WALKED_LEVELS) {
      if (afterRank !== null && level.rank > afterRank) continue;
      // From the top of the level, or from the keyset inside it.
      const start = afterRank === level.rank ? [after!.popularity, after!.id] : [null, null];
      const needed = wanted - found.length;
      await use(PLAN.walk);
      const walked = await read(levelWalkSql(level.index), [level.rank, ...start, walkRows, needed]);
      let rest: Candidate[] | null = walked.length === needed ? walked : null;
      if (!rest && !triedWhole) {
        const ranked = await whole();
        if (ranked) return ranked;
      }
      // A level the walk found dense, but not dense enough: a longer walk when that should find the rest soon …
      const longer = walked.length > 0 ? Math.ceil((needed * walkRows * 1.5) / walked.length) : Infinity;
      if (!rest && longer <= MAX_FURTHER_WALK) {
        await use(PLAN.walk);
        const more = await read(levelWalkSql(level.index), [level.rank, ...start, longer, needed]);
        if (more.length === needed) rest = more;
      }
      // … else its most popular matches through its index.
      if (!rest) {
        await use(PLAN.index);
        rest = await read(levelIndexSql(level.index), [level.rank, ...start, needed]);
      }
      found.push(...rest);
      if (found.length >= wanted) return found;
    }
    return found;
  });
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
    // The page's matches in relevance order (ranked over every match), then their rows.
    const matches = await rankedMatches(db, filters, offset + limit, after?.sort === 'relevance' ? after : null);
    const page = matches.slice(offset, offset + limit);
    const { rows } = await db.query<ListedRow>(
      `WITH page AS (SELECT * FROM unnest($1::bigint[], $2::integer[]) WITH ORDINALITY AS p(id, rank, n))
       SELECT ${PAGE_COLUMNS}, p.rank::text AS "rankKey"
       FROM page p JOIN documents d ON d.id = p.id JOIN users u ON u.id = d.uploader_id
       WHERE ${LISTED}
       ORDER BY p.n`,
      [page.map((c) => c.id), page.map((c) => c.rank)],
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

/** Those of the words that some listed document holds (a word none holds is a typo, or unknown). */
export async function selectHeldWords(db: Queryable, words: string[]): Promise<string[]> {
  const { rows } = await db.query<{ word: string }>(
    `SELECT w AS word FROM unnest($1::text[]) WITH ORDINALITY AS q(w, n)
     WHERE EXISTS (SELECT 1 FROM document_search s WHERE ${listedSql('s')} AND s.search_vector @@ to_tsquery('simple', quote_literal(w)))
     ORDER BY n`,
    [words],
  );
  return rows.map((r) => r.word);
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

