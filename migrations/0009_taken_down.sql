-- Taken down has one representation (issue 11): documents.taken_down_at, like deleted_at.
-- status is left to conversion alone (processing, ready, failed), so a takedown no longer
-- overwrites it and a restore only clears taken_down_at. The contract's status "taken_down" is
-- derived when a row is read (src/documents/visibility.ts: contractStatus / contractStatusSql).

-- Rows written the old way: status 'taken_down' (perhaps without taken_down_at). Their conversion
-- status is what the latest takedown replaced, else 'ready' (only converted documents were shown).
UPDATE documents d
   SET taken_down_at = coalesce(d.taken_down_at, d.updated_at),
       status = coalesce(
         (SELECT a.previous_status FROM takedown_actions a
           WHERE a.document_id = d.id AND a.action = 'takedown' AND a.previous_status IN ('processing', 'ready', 'failed')
           ORDER BY a.id DESC LIMIT 1),
         'ready')
 WHERE d.status = 'taken_down';

ALTER TABLE documents DROP CONSTRAINT documents_status_check;
ALTER TABLE documents ADD CONSTRAINT documents_status_check CHECK (status IN ('processing', 'ready', 'failed'));

-- takedown_actions.previous_status is history only now (the conversion status a takedown found;
-- nothing reads it to restore). Only a takedown step carries one.
UPDATE takedown_actions SET previous_status = NULL WHERE action <> 'takedown' OR previous_status NOT IN ('processing', 'ready', 'failed');
ALTER TABLE takedown_actions ADD CONSTRAINT takedown_actions_previous_status_check
  CHECK (previous_status IS NULL OR (action = 'takedown' AND previous_status IN ('processing', 'ready', 'failed')));

-- The "newest" listing index had no taken_down_at condition; give it the same predicate as the
-- listed rule (visibility.ts: LISTED) and the popular index.
DROP INDEX documents_listed_newest_idx;
CREATE INDEX documents_listed_newest_idx ON documents (created_at DESC, id DESC)
  WHERE status = 'ready' AND deleted_at IS NULL AND taken_down_at IS NULL;
-- The restore check and re-blocking look for taken-down copies of a hash, and the admin pages for
-- taken-down documents: few rows.
CREATE INDEX documents_taken_down_idx ON documents (sha256) WHERE taken_down_at IS NOT NULL;
