-- A narrow copy of what search filters and sorts on (issue 17): one row per document with its
-- listed-state columns, filters, sort keys and the tsvector, kept by a trigger so no writer can
-- forget it. Search reads this table, not documents: when the planner underestimates how many
-- documents match (two words that nearly always come together, 乡村 振兴), the GIN path reads
-- tens of thousands of rows, and here those are ~100-byte rows that stay in memory instead of
-- wide document rows (title, description, body inline).
CREATE TABLE document_search (
  document_id    bigint PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
  -- The columns the listed rule reads (src/documents/visibility.ts: listedSql), copied as they
  -- are so the rule stays written once.
  status         text        NOT NULL,
  deleted_at     timestamptz,
  taken_down_at  timestamptz,
  category       text,
  format         text,
  price_cents    bigint      NOT NULL,
  popularity     bigint      NOT NULL,
  created_at     timestamptz NOT NULL,
  search_vector  tsvector
);

CREATE INDEX document_search_vector_idx ON document_search USING gin (search_vector);
CREATE INDEX document_search_listed_popular_idx ON document_search (popularity DESC, document_id DESC)
  WHERE status = 'ready' AND deleted_at IS NULL AND taken_down_at IS NULL;

CREATE FUNCTION document_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO document_search (document_id, status, deleted_at, taken_down_at, category, format,
                               price_cents, popularity, created_at, search_vector)
  VALUES (NEW.id, NEW.status, NEW.deleted_at, NEW.taken_down_at, NEW.category, NEW.format,
          NEW.price_cents, NEW.popularity, NEW.created_at, NEW.search_vector)
  ON CONFLICT (document_id) DO UPDATE SET
    status = EXCLUDED.status, deleted_at = EXCLUDED.deleted_at, taken_down_at = EXCLUDED.taken_down_at,
    category = EXCLUDED.category, format = EXCLUDED.format, price_cents = EXCLUDED.price_cents,
    popularity = EXCLUDED.popularity, created_at = EXCLUDED.created_at, search_vector = EXCLUDED.search_vector;
  RETURN NULL;
END $$;

CREATE TRIGGER document_search_insert AFTER INSERT ON documents
  FOR EACH ROW EXECUTE FUNCTION document_search_sync();
-- Only when a copied column changed (the view counter's flushes change popularity, most others
-- change nothing here).
CREATE TRIGGER document_search_update AFTER UPDATE ON documents
  FOR EACH ROW
  WHEN ((OLD.status, OLD.deleted_at, OLD.taken_down_at, OLD.category, OLD.format, OLD.price_cents,
         OLD.popularity, OLD.created_at, OLD.search_vector)
        IS DISTINCT FROM
        (NEW.status, NEW.deleted_at, NEW.taken_down_at, NEW.category, NEW.format, NEW.price_cents,
         NEW.popularity, NEW.created_at, NEW.search_vector))
  EXECUTE FUNCTION document_search_sync();

INSERT INTO document_search (document_id, status, deleted_at, taken_down_at, category, format,
                             price_cents, popularity, created_at, search_vector)
SELECT id, status, deleted_at, taken_down_at, category, format, price_cents, popularity, created_at, search_vector
FROM documents;
