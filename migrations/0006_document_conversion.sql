-- Conversion bookkeeping and listing support for documents (issues 3 and 4).

ALTER TABLE documents
  -- Where the title came from: the uploader, the file's own properties, or (until conversion
  -- finds a better one) the file name. Only a title from the file name is replaced later.
  ADD COLUMN title_source text NOT NULL DEFAULT 'uploader',
  -- The conversion attempt that holds the document, and until when. The job queue has its own
  -- lease; this one guards the document row, so a worker that lost its lease (crashed, or too
  -- slow) can never write over a newer attempt's result.
  ADD COLUMN conversion_claim uuid,
  ADD COLUMN conversion_claimed_until timestamptz,
  ADD COLUMN conversion_attempts integer NOT NULL DEFAULT 0,
  -- One number to sort "popular" by, kept by Postgres so no writer can forget it.
  ADD COLUMN popularity bigint GENERATED ALWAYS AS (views + 20 * downloads + 10 * favorites_count) STORED,
  ADD CONSTRAINT documents_title_source_check CHECK (title_source IN ('uploader', 'properties', 'file'));

CREATE INDEX documents_listed_popular_idx ON documents (popularity DESC, id DESC)
  WHERE status = 'ready' AND deleted_at IS NULL AND taken_down_at IS NULL;
CREATE INDEX documents_processing_idx ON documents (id) WHERE status = 'processing';
CREATE INDEX favorites_user_idx ON favorites (user_id, created_at DESC);
