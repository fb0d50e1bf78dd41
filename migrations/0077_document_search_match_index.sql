-- Search at a million documents (issue 17): two words that nearly always come together
-- (乡村 振兴: 50,000 matches where the planner expects 4,500) made the relevance step read every
-- match's row (1.9 KB each, the vector inline) to find the 1,000 most popular: 0.2–1 s.
-- Now one GIN index also holds each document's popularity tier, so "matches at or above this
-- popularity" is answered inside the index and only those rows are read
-- (src/documents/search.repo.ts: mostPopularMatches lowers the floor until enough match).
--
-- Tiers: 16 an octave of popularity, 0–511 (511 from about 2³² up). A floor "tier ≥ t" is a
-- handful of lexemes, not a range: each document carries its tier at three sizes of block
-- (1, 8 and 64 tiers: '~0:t', '~1:t/8', '~2:t/64'), and [t, 511] is the union of at most 7
-- blocks of each size. A range over btree_gin entries was tried first: the index gathers every
-- document id in the range before it intersects, about 1 µs a document (25 ms for the 16,000
-- most popular); the lexemes are merged with the words' lists, a few ms. '~' never comes out
-- of the query parser, so no search can match these lexemes.
--
-- btree_gin puts category into the same index (a trusted contrib extension: a database owner
-- may create it; the embedded database loads PGlite's build, src/db/pool.ts). The index
-- replaces the vector-only one: a multicolumn GIN serves a query on its first column alone.
-- On a large library build the index first with CREATE INDEX CONCURRENTLY (same name): the
-- start-up migrator's statements time out after 15 s, and IF NOT EXISTS then makes this a no-op.
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- Never decreases as popularity grows, so every document at or above a popularity is at or
-- above its tier: a floor on tiers never drops a document the popularity floor keeps.
CREATE OR REPLACE FUNCTION popularity_tier(popularity bigint) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN least(511, floor(ln(greatest(popularity, 0)::double precision + 1) * 16 / ln(2)))::integer;

CREATE OR REPLACE FUNCTION popularity_tier_lexemes(popularity bigint) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN array_to_tsvector(ARRAY[
    '~0:' || popularity_tier(popularity),
    '~1:' || (popularity_tier(popularity) >> 3),
    '~2:' || (popularity_tier(popularity) >> 6)]);

-- The lexemes of every tier at or above the floor's: the rest of its block of 8, the rest of
-- that block's block of 64, then the blocks of 64 up to 511.
CREATE OR REPLACE FUNCTION popularity_floor_query(floor bigint) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH b0 AS (SELECT popularity_tier(floor) AS b),
       b1 AS (SELECT (b0.b + 7) >> 3 AS b FROM b0),
       b2 AS (SELECT (b1.b + 7) >> 3 AS b FROM b1)
  SELECT string_agg(quote_literal(term), ' | ')::tsquery FROM (
    SELECT '~0:' || x AS term FROM b0, generate_series(b0.b, ((b0.b + 7) >> 3 << 3) - 1) x
    UNION ALL SELECT '~1:' || x FROM b1, generate_series(b1.b, ((b1.b + 7) >> 3 << 3) - 1) x
    UNION ALL SELECT '~2:' || x FROM b2, generate_series(b2.b, 7) x) terms
$$;

CREATE INDEX IF NOT EXISTS document_search_listed_match_idx
  ON document_search USING gin (search_vector, popularity_tier_lexemes(popularity), category)
  WHERE status = 'ready' AND deleted_at IS NULL AND taken_down_at IS NULL;
DROP INDEX IF EXISTS document_search_vector_idx;
