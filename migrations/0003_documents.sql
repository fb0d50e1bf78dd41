-- Documents: one row per upload. The file itself lives in the BlobStore under blob_key.
CREATE TABLE documents (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  uploader_id        bigint      NOT NULL REFERENCES users (id),
  title              text        NOT NULL,
  description        text        NOT NULL DEFAULT '',
  category           text        NOT NULL DEFAULT '其他',
  price_cents        bigint      NOT NULL DEFAULT 0,
  free_preview_pages integer     NOT NULL DEFAULT 3,
  keywords           text[]      NOT NULL DEFAULT '{}', -- derived from the title plus the uploader's own
  user_keywords      text[]      NOT NULL DEFAULT '{}', -- what the uploader typed, kept to re-derive on edits
  format             text        NOT NULL,
  size_bytes         bigint      NOT NULL,
  sha256             text        NOT NULL,
  blob_key           text        NOT NULL,
  original_filename  text        NOT NULL,
  status             text        NOT NULL DEFAULT 'processing',
  failure_reason     text,
  pages              integer,
  word_count         integer,
  doc_title          text,       -- from the file's own properties
  doc_author         text,
  body_text          text,       -- plain text of the body, for search and related documents
  search_vector      tsvector,   -- segmented (jieba) title, keywords, description, body in the 'simple' config
  preview_simplified boolean     NOT NULL DEFAULT false, -- text-only preview (no LibreOffice)
  converter_version  integer,
  views              bigint      NOT NULL DEFAULT 0,
  downloads          bigint      NOT NULL DEFAULT 0,
  favorites_count    integer     NOT NULL DEFAULT 0,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  converted_at       timestamptz,
  deleted_at         timestamptz, -- removed by its uploader: hidden, but buyers keep their downloads
  taken_down_at      timestamptz,
  CONSTRAINT documents_format_check CHECK (format IN ('DOC', 'DOCX')),
  CONSTRAINT documents_status_check CHECK (status IN ('processing', 'ready', 'failed', 'taken_down')),
  CONSTRAINT documents_price_check CHECK (price_cents >= 0 AND price_cents <= 100000000),
  CONSTRAINT documents_free_pages_check CHECK (free_preview_pages >= 0 AND free_preview_pages <= 10000),
  CONSTRAINT documents_sha256_check CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  CONSTRAINT documents_blob_key_key UNIQUE (blob_key)
);
-- One live copy of a file per uploader (a deleted one may be uploaded again).
CREATE UNIQUE INDEX documents_uploader_sha256_key ON documents (uploader_id, sha256) WHERE deleted_at IS NULL;
CREATE INDEX documents_sha256_idx ON documents (sha256);
CREATE INDEX documents_uploader_idx ON documents (uploader_id, created_at DESC);
CREATE INDEX documents_listed_newest_idx ON documents (created_at DESC, id DESC) WHERE status = 'ready' AND deleted_at IS NULL;
CREATE INDEX documents_search_idx ON documents USING gin (search_vector);
CREATE INDEX documents_keywords_idx ON documents USING gin (keywords);

-- The preview, one row per rendered page, so a truncated preview never reads what it may not show.
CREATE TABLE document_pages (
  document_id bigint  NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  page_no     integer NOT NULL,
  html        text    NOT NULL,
  PRIMARY KEY (document_id, page_no),
  CONSTRAINT document_pages_page_no_check CHECK (page_no >= 1)
);

CREATE TABLE favorites (
  user_id     bigint      NOT NULL REFERENCES users (id),
  document_id bigint      NOT NULL REFERENCES documents (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, document_id)
);
CREATE INDEX favorites_document_idx ON favorites (document_id);

-- Files taken down after a copyright notice: the same bytes may not be uploaded again.
CREATE TABLE blocked_hashes (
  sha256      text        PRIMARY KEY,
  document_id bigint      REFERENCES documents (id),
  reason      text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
