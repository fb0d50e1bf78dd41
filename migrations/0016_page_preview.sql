-- The page-faithful preview (issues 12 and 13): the PDF LibreOffice (or the uploader) made, kept in
-- the BlobStore and never served; one row per previewable page with its size, its text layer and,
-- once rendered, its image; the first page's thumbnail and the fonts that were substituted.
ALTER TABLE documents
  ADD COLUMN pdf_key            text,
  ADD COLUMN thumbnail_key      text,
  -- Bumped by every conversion that replaces the pages: image URLs carry it (?v=), ETags too.
  ADD COLUMN render_version     integer NOT NULL DEFAULT 0,
  -- Pages the stored PDF holds (≤ pages: spreadsheets and huge PDFs are capped, the true count stays in pages).
  ADD COLUMN preview_pages      integer,
  ADD COLUMN font_substitutions jsonb   NOT NULL DEFAULT '[]';

CREATE TABLE document_page_images (
  document_id bigint  NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  number      integer NOT NULL,
  -- In pixels of the image at PAGE_WIDTH_PX (src/conversion/render.ts).
  width       integer NOT NULL,
  height      integer NOT NULL,
  -- [{x, y, w, h, text}] in the same pixels; [] for a scanned page.
  lines       jsonb   NOT NULL DEFAULT '[]',
  -- Null until rendered (eagerly for the free pages, on demand for entitled readers).
  image_key   text,
  PRIMARY KEY (document_id, number),
  CONSTRAINT document_page_images_number_check CHECK (number >= 1),
  CONSTRAINT document_page_images_size_check CHECK (width > 0 AND height > 0)
);
CREATE INDEX document_page_images_key_idx ON document_page_images (image_key) WHERE image_key IS NOT NULL;
CREATE INDEX documents_pdf_key_idx ON documents (pdf_key) WHERE pdf_key IS NOT NULL;
CREATE INDEX documents_thumbnail_key_idx ON documents (thumbnail_key) WHERE thumbnail_key IS NOT NULL;
