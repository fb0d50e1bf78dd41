-- Every change a status stream shows (status, failure reason, pages, takedown, deletion) is
-- announced on channel document_status with the document's id, at commit of the transaction
-- that made it, whichever process or statement made it. Each web node LISTENs on one connection
-- (src/documents/status-events.ts), so a conversion finished by any worker reaches every node's
-- SSE streams at once instead of on the next poll.
CREATE FUNCTION notify_document_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('document_status', (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END)::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER documents_status_notify
  AFTER UPDATE ON documents
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status
     OR OLD.failure_reason IS DISTINCT FROM NEW.failure_reason
     OR OLD.pages IS DISTINCT FROM NEW.pages
     OR OLD.taken_down_at IS DISTINCT FROM NEW.taken_down_at
     OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
  EXECUTE FUNCTION notify_document_status();

CREATE TRIGGER documents_status_notify_delete
  AFTER DELETE ON documents
  FOR EACH ROW
  EXECUTE FUNCTION notify_document_status();
