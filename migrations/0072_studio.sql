-- Issue 15, the uploader's studio (/me/documents).
--
-- Whether a failed conversion may be tried again from the studio. The converter knows: a
-- ConversionError is `permanent` when the same file will fail again (a zip bomb, a corrupt or
-- unreadable file, a timeout, macros); everything else (LibreOffice missing, a worker that died on
-- every attempt) may succeed later. Written with the failure (src/documents/conversion.repo.ts).
ALTER TABLE documents ADD COLUMN failure_retriable boolean NOT NULL DEFAULT false;

-- Failures recorded before this column: the two reasons that are not the file's fault.
UPDATE documents SET failure_retriable = true
 WHERE status = 'failed'
   AND (failure_reason LIKE '文档转换多次未能完成%' OR failure_reason LIKE '服务器未安装 LibreOffice，暂时%');

-- Views per document per calendar day in TIMEZONE, for the studio's 30-day chart: the view
-- counter adds here exactly what it adds to documents.views (a first view of the day per viewer,
-- document_view_marks), in the same statement. The marks are kept two days only; these counts stay.
CREATE TABLE document_daily_views (
  document_id bigint  NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  day         date    NOT NULL,
  views       integer NOT NULL,
  CONSTRAINT document_daily_views_pkey PRIMARY KEY (document_id, day),
  CONSTRAINT document_daily_views_views_check CHECK (views > 0)
);

-- The studio's sales per day: a document's purchases in a time window.
CREATE INDEX purchases_document_created_idx ON purchases (document_id, created_at);
