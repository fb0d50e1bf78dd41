-- Double-entry ledger. Every movement of money is one ledger_transaction with entries that
-- sum to zero; ledger_accounts.balance_cents caches the sum of an account's entries and is
-- updated in the same database transaction, after locking the account rows in id order.
--
-- Account kinds:
--   wallet            a user's spendable money; never below zero (the CHECK is the last line of defence)
--   debt              what a user owes after a refund reversed earnings they had already spent; never above zero
--   platform_revenue  the platform's share of sales
--   provider_clearing money received from the payment provider (goes negative as wallets are topped up)
CREATE TABLE ledger_accounts (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind          text   NOT NULL,
  user_id       bigint REFERENCES users (id),
  balance_cents bigint NOT NULL DEFAULT 0,
  CONSTRAINT ledger_accounts_kind_check CHECK (kind IN ('wallet', 'debt', 'platform_revenue', 'provider_clearing')),
  CONSTRAINT ledger_accounts_owner_check CHECK ((kind IN ('wallet', 'debt')) = (user_id IS NOT NULL)),
  CONSTRAINT ledger_accounts_wallet_nonnegative CHECK (kind <> 'wallet' OR balance_cents >= 0),
  CONSTRAINT ledger_accounts_debt_nonpositive CHECK (kind <> 'debt' OR balance_cents <= 0)
);
CREATE UNIQUE INDEX ledger_accounts_user_kind_key ON ledger_accounts (user_id, kind) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_accounts_system_kind_key ON ledger_accounts (kind) WHERE user_id IS NULL;

INSERT INTO ledger_accounts (kind) VALUES ('platform_revenue'), ('provider_clearing');

CREATE TABLE ledger_transactions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind        text        NOT NULL, -- topup, purchase, refund, admin_credit, debt_settlement
  reference   text,                 -- e.g. 'purchase:12', 'topup:7': what caused it
  note        text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Append-only: rows are never updated or deleted; a refund adds compensating entries.
CREATE TABLE ledger_entries (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id bigint      NOT NULL REFERENCES ledger_transactions (id),
  account_id     bigint      NOT NULL REFERENCES ledger_accounts (id),
  amount_cents   bigint      NOT NULL,
  kind           text        NOT NULL, -- what the entry means for its account: topup, purchase, sale, referral, platform_fee, refund, ...
  document_id    bigint,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ledger_entries_amount_nonzero CHECK (amount_cents <> 0)
);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id, id DESC);
CREATE INDEX ledger_entries_transaction_idx ON ledger_entries (transaction_id);

CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entries is append-only' USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
