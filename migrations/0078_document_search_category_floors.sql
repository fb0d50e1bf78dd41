-- Floors per category (issue 17). A search with a category filter takes its floors from the
-- category's own ranks (src/documents/search.repo.ts), so a floor there lies far down the whole
-- library: the 23,000th of 教育教学 is about the 280,000th overall, and "tier ≥ the floor's"
-- merged 280,000 documents' tier lists with the words' and the category's (乡村 振兴 in 教育教学:
-- 16–19 ms of a 40 ms request at 1M). Each row now also carries its tier within its category
-- (the same three block sizes, the lexemes prefixed by the category's md5: no escaping, and no
-- query can produce them), so a category floor reads only that category's tier lists.
-- On a large library run this file's CREATE FUNCTION statements first, then the CREATE INDEX
-- below with CONCURRENTLY (same name): the start-up migrator's statements time out after 15 s,
-- and IF NOT EXISTS then makes it a no-op.

-- The one rule from the library's tier terms (0077's '~0:', '~1:', '~2:' blocks) to a category's.
CREATE OR REPLACE FUNCTION category_tier_terms(library_terms text, category text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN regexp_replace(library_terms, '~([0-9]):', '~c\1:' || md5(coalesce(category, '')) || ':', 'g');

CREATE OR REPLACE FUNCTION popularity_tier_lexemes(popularity bigint, category text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN popularity_tier_lexemes(popularity) || array_to_tsvector(ARRAY(
    SELECT category_tier_terms(t, category) FROM unnest(tsvector_to_array(popularity_tier_lexemes(popularity))) t));

-- popularity_floor_query(floor) within one category; a null category: the whole library's.
CREATE OR REPLACE FUNCTION popularity_floor_query(floor bigint, category text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE WHEN category IS NULL THEN popularity_floor_query(floor)
         ELSE category_tier_terms(popularity_floor_query(floor)::text, category)::tsquery END;

CREATE INDEX IF NOT EXISTS document_search_listed_floor_idx
  ON document_search USING gin (search_vector, popularity_tier_lexemes(popularity, category), category)
  WHERE status = 'ready' AND deleted_at IS NULL AND taken_down_at IS NULL;
DROP INDEX IF EXISTS document_search_listed_match_idx;
