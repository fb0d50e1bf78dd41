-- Relevance over every match (issue 26). Until now relevance was computed over the 1,000 most
-- popular matches only, so a new upload (popularity 0) whose title is made of common words was
-- not listed even for its own exact title. Now every match has a rank given by one function,
-- search_rank below, and the search (src/documents/search.repo.ts) finds the exact top of that
-- order level by level: the levels are few, and inside a level popularity decides, so each
-- level's best are its most popular matches, which an index walk or a title index finds
-- without reading every match.
--
-- document_search gets the title on its own, derived from the weighted vector (weight A is the
-- title, src/documents/document-text.ts), as generated columns, so no writer can forget them:
--   title_words   the title's words in order: the segmenter's tokens, without a compound whose
--                 parts are there too (信访 工作 信访工作 → 信访 工作), the rule queryTokens
--                 applies to a query; exact-title and phrase tests compare these.
--   title_keywords_vector
--                 the title's and the keywords' lexemes (weights A and B), plus
--                 '~w:<number of title words>' (no query can produce '~'), so "titles of n to
--                 n+2 words holding every query word" is one lookup in its GIN index, and the
--                 documents whose title or keywords hold the words are found without reading
--                 those that hold them only in the body.
-- On a large library add the columns and build the indexes before deploying (the start-up
-- migrator's statements time out after 15 s; the columns rewrite the table).

CREATE OR REPLACE FUNCTION search_title_words(v tsvector) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ARRAY(
    SELECT t.lexeme FROM unnest(ts_filter(v, '{a}')) t, unnest(t.positions) p(pos)
    WHERE NOT EXISTS (SELECT 1 FROM unnest(ts_filter(v, '{a}')) part
                      WHERE char_length(part.lexeme) >= 2 AND char_length(part.lexeme) < char_length(t.lexeme)
                        AND strpos(t.lexeme, part.lexeme) > 0)
    ORDER BY p.pos);

-- The words of a query (the segmenter's tokens, space-joined), by the same rule as a title's.
CREATE OR REPLACE FUNCTION search_query_words(tokens text) RETURNS text[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN search_title_words(setweight(to_tsvector('simple', coalesce(tokens, '')), 'A'));

ALTER TABLE document_search
  ADD COLUMN title_words text[] GENERATED ALWAYS AS (search_title_words(search_vector)) STORED,
  ADD COLUMN title_keywords_vector tsvector GENERATED ALWAYS AS (
    ts_filter(search_vector, '{a,b}')
    || array_to_tsvector(ARRAY['~w:' || cardinality(search_title_words(search_vector))])) STORED;

-- Titles of `low` to `high` words, as a query over title_keywords_vector.
CREATE OR REPLACE FUNCTION search_title_lengths(low integer, high integer) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (SELECT string_agg(quote_literal('~w:' || n), ' | ')::tsquery FROM generate_series(low, high) n);

-- Every one of the words, as a title word (weights 'A') or a title or keyword word ('AB').
CREATE OR REPLACE FUNCTION search_words_query(words text[], weights text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (SELECT string_agg(quote_literal(w) || ':' || weights, ' & ')::tsquery FROM unnest(words) w);

/*
 * The rank of a matching document for a query: what relevance means, written once. Higher is
 * better; documents of equal rank are ordered by popularity, then by newest id. An uploader
 * can be told:
 *   100  the title is exactly the query (ignoring spaces, punctuation and letter case);
 *   90   the title holds every word of the query and nothing else, in another order;
 *   81/80, 71/70, 61/60
 *        the title holds every word of the query, with 1, 2, or 3 and more other words
 *        (shorter titles first); +1 when the query stands in the title as written;
 *   50   the title and the keywords together hold every word;
 *   41/40
 *        only the description or the text hold them; +1 when the words stand next to each
 *        other, in the query's order, somewhere.
 * Popularity (views and downloads) orders documents only within one of these ranks: a new
 * document with the exact title comes before every popular document that merely contains it.
 * `words` is search_query_words(the query's tokens), `query_a` and `query_ab` are
 * search_words_query(words, 'A' / 'AB'), `phrase` its words next to each other in order; only
 * called for documents that match the query.
 */
CREATE OR REPLACE FUNCTION search_rank(title_words text[], title_keywords_vector tsvector, search_vector tsvector,
                                       words text[], query_a tsquery, query_ab tsquery, phrase tsquery) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE
    WHEN title_words = words THEN 100
    WHEN title_keywords_vector @@ query_a THEN
      CASE greatest(least(cardinality(title_words) - cardinality(words), 3), 0) WHEN 0 THEN 90 WHEN 1 THEN 80 WHEN 2 THEN 70 ELSE 60 END
      + (strpos(' ' || array_to_string(title_words, ' ') || ' ', ' ' || array_to_string(words, ' ') || ' ') > 0)::integer
    WHEN title_keywords_vector @@ query_ab THEN 50
    WHEN search_vector @@ phrase THEN 41
    ELSE 40
  END;

CREATE INDEX IF NOT EXISTS document_search_listed_title_idx ON document_search USING gin (title_keywords_vector)
  WHERE status = 'ready' AND deleted_at IS NULL AND taken_down_at IS NULL;

-- The popularity floors of migrations 0077 and 0078 found the 1,000 most popular matches, the
-- candidates of the old relevance. Nothing asks for that any more: each level of the new order
-- needs only a page of its most popular matches. The floors' index (its tier lexemes computed
-- for every row at every popularity change) gives way to a plain one over the vector.
CREATE INDEX IF NOT EXISTS document_search_listed_vector_idx ON document_search USING gin (search_vector)
  WHERE status = 'ready' AND deleted_at IS NULL AND taken_down_at IS NULL;
DROP INDEX IF EXISTS document_search_listed_floor_idx;
DROP FUNCTION IF EXISTS popularity_floor_query(bigint, text);
DROP FUNCTION IF EXISTS popularity_floor_query(bigint);
DROP FUNCTION IF EXISTS popularity_tier_lexemes(bigint, text);
DROP FUNCTION IF EXISTS popularity_tier_lexemes(bigint);
DROP FUNCTION IF EXISTS category_tier_terms(text, text);
DROP FUNCTION IF EXISTS popularity_tier(bigint);
