-- Issue 16, ratings and comments. One rating per reader and document (the primary key); the
-- document row carries the aggregate (count and sum of stars), updated in the rating's own
-- transaction after locking the document row, so every listing shows the average without a join.
CREATE TABLE document_ratings (
  document_id bigint      NOT NULL REFERENCES documents (id),
  user_id     bigint      NOT NULL REFERENCES users (id),
  stars       smallint    NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT document_ratings_pkey PRIMARY KEY (document_id, user_id),
  CONSTRAINT document_ratings_stars_check CHECK (stars BETWEEN 1 AND 5)
);

ALTER TABLE documents
  ADD COLUMN rating_count integer NOT NULL DEFAULT 0,
  ADD COLUMN rating_sum   integer NOT NULL DEFAULT 0;

-- Comments, newest first by id (keyset). A deleted comment is removed (its author or an admin).
CREATE TABLE document_comments (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  document_id bigint      NOT NULL REFERENCES documents (id),
  author_id   bigint      NOT NULL REFERENCES users (id),
  body        text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT document_comments_body_check CHECK (char_length(body) BETWEEN 1 AND 1000)
);
CREATE INDEX document_comments_document_idx ON document_comments (document_id, id DESC);
