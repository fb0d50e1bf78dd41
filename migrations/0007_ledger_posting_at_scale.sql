-- Ledger postings whose cost does not grow with the ledger or queue behind one another.

-- 1. The balance check looked up the posted transactions with `IN (SELECT ... FROM new_entries)`;
-- the planner knows nothing of a transition table and scanned all of ledger_entries, so every
-- posting got slower as the ledger grew (8 ms at 13k entries). Summing each posted transaction
-- through its index keeps it a few index probes at any size.
CREATE OR REPLACE FUNCTION ledger_entries_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  unbalanced bigint;
BEGIN
  SELECT t.transaction_id INTO unbalanced
    FROM (SELECT DISTINCT transaction_id FROM new_entries) t
    CROSS JOIN LATERAL (SELECT sum(e.amount_cents) AS total FROM ledger_entries e WHERE e.transaction_id = t.transaction_id) s
   WHERE s.total <> 0
   LIMIT 1;
  IF unbalanced IS NOT NULL THEN
    RAISE EXCEPTION 'ledger transaction % does not balance', unbalanced
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entries_balanced';
  END IF;
  RETURN NULL;
END $$;

-- 2. System accounts no longer cache a balance. Every purchase credits platform_revenue, so its
-- cached balance was one row that every purchase had to lock and update in turn (purchases ran
-- one at a time, however many buyers). User accounts keep their cached balance: it is what the
-- wallet CHECK guards, and each is locked only by postings that involve its user.
-- A system account's balance is the sum of its entries (ledger_entries_account_idx).
ALTER TABLE ledger_accounts ALTER COLUMN balance_cents DROP NOT NULL;
UPDATE ledger_accounts SET balance_cents = NULL WHERE user_id IS NULL;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_balance_cached_for_users
  CHECK ((user_id IS NULL) = (balance_cents IS NULL));
