-- Review before publish (issue 15, REVIEW_MODE). A converted document that needs review is
-- stored as 'pending_review' instead of 'ready'; a moderator publishes it ('ready') or rejects it
-- ('rejected'). Both are values of documents.status, so the listed rule (status = 'ready', the
-- partial indexes and document_search, which copies status) hides them with no change, and the
-- visible rule (ready, or the viewer's own) shows them to their uploader and admins only.
ALTER TABLE documents DROP CONSTRAINT documents_status_check;
ALTER TABLE documents ADD CONSTRAINT documents_status_check
  CHECK (status IN ('processing', 'pending_review', 'ready', 'failed', 'rejected'));

-- When the document (last) entered the queue: the queue is served oldest first, and an edit of
-- a rejected document puts it at the back again.
ALTER TABLE documents ADD COLUMN review_queued_at timestamptz;
ALTER TABLE documents ADD CONSTRAINT documents_review_queued_check
  CHECK ((status = 'pending_review') = (review_queued_at IS NOT NULL));
CREATE INDEX documents_review_queue_idx ON documents (review_queued_at, id) WHERE status = 'pending_review';

-- Every decision, kept for the uploader's history on the queue (past rejections) and the
-- uploader's page (the reason of the latest rejection).
CREATE TABLE document_reviews (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  document_id bigint      NOT NULL,
  admin_id    bigint      NOT NULL,
  decision    text        NOT NULL,
  reason      text,
  note        text        NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT document_reviews_document_id_fkey FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE CASCADE,
  CONSTRAINT document_reviews_admin_id_fkey FOREIGN KEY (admin_id) REFERENCES users (id),
  CONSTRAINT document_reviews_decision_check CHECK (decision IN ('approve', 'reject')),
  -- A rejection carries one of the contract's reasons; an approval none.
  CONSTRAINT document_reviews_reason_check CHECK (
    (decision = 'approve' AND reason IS NULL) OR
    (decision = 'reject' AND reason IN ('copyright', 'low_quality', 'duplicate', 'illegal', 'advertising', 'mismatch', 'other'))),
  CONSTRAINT document_reviews_note_check CHECK (length(note) <= 2000)
);
CREATE INDEX document_reviews_document_id_idx ON document_reviews (document_id, id DESC);

-- The uploader appeals a rejection with a ticket of category 'appeal' (the contract's Ticket).
ALTER TABLE tickets DROP CONSTRAINT tickets_category_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_category_check
  CHECK (category IN ('copyright', 'mismatch', 'download_failed', 'refund', 'appeal', 'other'));

-- A takedown may find a document waiting for review or rejected.
ALTER TABLE takedown_actions DROP CONSTRAINT takedown_actions_previous_status_check;
ALTER TABLE takedown_actions ADD CONSTRAINT takedown_actions_previous_status_check
  CHECK (previous_status IS NULL OR (action = 'takedown' AND previous_status IN ('processing', 'pending_review', 'ready', 'failed', 'rejected')));
