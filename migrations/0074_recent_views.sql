-- 最近浏览 (issue 16): the documents a logged-in reader opened lately, newest first. Bounded per
-- reader: each write trims the reader's rows to the newest few dozen (recent-views.repo.ts), so the
-- table grows with readers, not with views. Removing a user or a document row removes its entries.
CREATE TABLE recent_views (
  user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  document_id bigint      NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  viewed_at   timestamptz NOT NULL,
  CONSTRAINT recent_views_pkey PRIMARY KEY (user_id, document_id)
);
CREATE INDEX recent_views_user_viewed_idx ON recent_views (user_id, viewed_at DESC, document_id DESC);
