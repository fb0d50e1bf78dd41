-- Floors per category (issue 17). A search with a category filter takes its floors from the
-- category's own ranks (src/documents/search.repo.ts), so a floor there lies far down the whole
-- library: the 23,000th of 教育教学 is about the 280,000th overall, and "tier ≥ the floor's"
-- merged 280,000 documents' tier lists with the words' and the category's (乡村 振兴 in 教育教学:
-- 16–19 ms of a 40 ms request at 1M). Each row now also carries its tier within its category
-- (the same three block sizes, the lexemes prefixed by the category's md5: no escaping, and no
-- query can produce them), so a category floor reads only that category's tier lists.
-- Build the index first with CREATE INDEX CONCURRENTLY (same name) on a large library: the
-- start-up migrator's statements time out after 15 s, and IF NOT EXISTS then makes this a no-op.

CREATE OR REPLACE FUNCTION popularity_tier_lexemes(popularity bigint, category text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN popularity_tier_lexemes(popularity) || array_to_tsvector(ARRAY[
    '~c0:' || md5(coalesce(category, '')) || ':' || popularity_tier(popularity),
    '~c1:' || md5(coalesce(category, '')) || ':' || (popularity_tier(popularity) >> 3),
    '~c2:' || md5(coalesce(category, '')) || ':' || (popularity_tier(popularity) >> 6)]);

-- popularity_floor_query(floor) within one category; a null category: the whole library's.
CREATE OR REPLACE FUNCTION popularity_floor_query(floor bigint, category text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN category IS NULL THEN popularity_floor_query(floor)
         ELSE replace(replace(replace(popularity_floor_query(floor)::text,
                '''~0:', '''~c0:' || md5(category) || ':'),
                '''~1:', '''~c1:' || md5(category) || ':'),
                '''~2:', '''~c2:' || md5(category) || ':')::tsquery END
$$;

CREATE INDEX IF NOT EXISTS document_search_listed_floor_idx
  ON document_search USING gin (search_vector, popularity_tier_lexemes(popularity, category), category)
  WHERE status = 'ready' AND deleted_at IS NULL AND taken_down_at IS NULL;
DROP INDEX IF EXISTS document_search_listed_match_idx;
