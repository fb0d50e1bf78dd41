-- Copyright notices (信息网络传播权保护条例 arts. 14–17) and copies held for review.
--
-- A copyright notice's filer, signed in or anonymous, follows the notice on a page reached by a
-- secret link (/support/notices/<token>). The token is kept as it is, not hashed: every later
-- mail (takedown, counter-notice, restore, rejection) carries the same link, and the token opens
-- only what a reader of this table already sees (the ticket's own status and messages).
ALTER TABLE tickets ADD COLUMN tracking_token text;
ALTER TABLE tickets ADD CONSTRAINT tickets_tracking_token_key UNIQUE (tracking_token);
ALTER TABLE tickets ADD CONSTRAINT tickets_tracking_token_check
  CHECK (tracking_token IS NULL OR tracking_token ~ '^[A-Za-z0-9_-]{43}$');

-- Why a converted document waits for a moderator although REVIEW_MODE would publish it: it is a
-- near copy of another user's document, or has the bytes or text of a rejected one. The
-- moderator sees the original named on /admin/reviews.
ALTER TABLE documents ADD COLUMN review_hold text;
ALTER TABLE documents ADD COLUMN review_copy_of bigint;
ALTER TABLE documents ADD CONSTRAINT documents_review_hold_check
  CHECK (review_hold IS NULL OR review_hold IN ('near_copy', 'rejected_copy'));
ALTER TABLE documents ADD CONSTRAINT documents_review_copy_of_fkey
  FOREIGN KEY (review_copy_of) REFERENCES documents (id) ON DELETE SET NULL;
CREATE INDEX documents_review_copy_of_idx ON documents (review_copy_of) WHERE review_copy_of IS NOT NULL;
