-- 1. A ledger entry that names a document (a purchase, a sale, a refund) now must name a real one.
-- Plain ADD CONSTRAINT: the migrator runs each file in one transaction, so NOT VALID + VALIDATE
-- would gain nothing here. Documents are soft-deleted (deleted_at), never removed, and the default
-- NO ACTION keeps it so: a document with money on it cannot be deleted, and no entry is ever
-- updated (the append-only trigger fires on UPDATE/DELETE only, not on adding a constraint).
ALTER TABLE ledger_entries
  ADD CONSTRAINT ledger_entries_document_id_fkey FOREIGN KEY (document_id) REFERENCES documents (id);
-- No index on the referencing side: documents are never deleted, so the key never scans entries.

-- 2. admin_audit_log (id DESC) repeated the primary key: a b-tree is read backwards as cheaply.
DROP INDEX admin_audit_log_created_idx;
