-- Withdrawals (提现, issue 15). A request moves its amount from the user's wallet to the
-- 'pending_payouts' system account in the transaction that records it; an approval moves it on
-- to 'provider_clearing' (paid out through the bank or Alipay), a rejection back to the wallet.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check
  CHECK (kind IN ('wallet', 'debt', 'platform_revenue', 'provider_clearing', 'adjustments', 'pending_payouts'));
-- System accounts keep no cached balance (migration 0007): the sum of their entries is it.
INSERT INTO ledger_accounts (kind, balance_cents) VALUES ('pending_payouts', NULL);

CREATE TABLE payouts (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id        bigint      NOT NULL,
  amount_cents   bigint      NOT NULL,
  method         text        NOT NULL,
  account_name   text        NOT NULL,
  account_number text        NOT NULL,
  status         text        NOT NULL DEFAULT 'pending',
  reference      text,
  reason         text,
  decided_by     bigint,
  decided_at     timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payouts_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT payouts_decided_by_fkey FOREIGN KEY (decided_by) REFERENCES users (id),
  CONSTRAINT payouts_amount_positive CHECK (amount_cents > 0),
  CONSTRAINT payouts_method_check CHECK (method IN ('alipay', 'bank')),
  CONSTRAINT payouts_status_check CHECK (status IN ('pending', 'approved', 'rejected')),
  -- A decision carries who, when, and the transfer's reference or the reason.
  CONSTRAINT payouts_decision_check CHECK (
    (status = 'pending' AND decided_at IS NULL) OR
    (status = 'approved' AND decided_at IS NOT NULL AND reference IS NOT NULL) OR
    (status = 'rejected' AND decided_at IS NOT NULL AND reason IS NOT NULL))
);
CREATE INDEX payouts_user_id_idx ON payouts (user_id, id DESC);
CREATE INDEX payouts_status_idx ON payouts (status, id);
