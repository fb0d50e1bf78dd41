-- Secrets the operator did not set (JWT_SECRET, PAYMENT_WEBHOOK_SECRET), generated once and kept
-- here when the database is a server (DATABASE_URL), so every web node and worker on it signs and
-- checks with the same key without copying files (contract, "Settings"). The first node to start
-- inserts its candidate; the others find it (INSERT … ON CONFLICT DO NOTHING, then SELECT).
CREATE TABLE generated_secrets (
  name text PRIMARY KEY,
  value text NOT NULL CHECK (length(value) >= 32),
  created_at timestamptz NOT NULL DEFAULT now()
);
