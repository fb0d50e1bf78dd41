-- Payments: top-up orders, purchases, idempotency keys, referrals, download events.
-- Ledger additions live here rather than in 0002 so databases that already applied 0002 migrate cleanly.

-- 'adjustments' is the system account admin credits come from (it goes negative as credits
-- are granted), so goodwill credits never blur the platform's sales revenue.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check
  CHECK (kind IN ('wallet', 'debt', 'platform_revenue', 'provider_clearing', 'adjustments'));
INSERT INTO ledger_accounts (kind) VALUES ('adjustments');

CREATE INDEX ledger_transactions_reference_idx ON ledger_transactions (reference);

-- Every statement that inserts ledger entries must leave each transaction it touches balanced.
-- The code writes all entries of one ledger transaction in a single INSERT, so this is the
-- database's own guarantee that the entries of all accounts sum to zero.
CREATE FUNCTION ledger_entries_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  unbalanced bigint;
BEGIN
  SELECT e.transaction_id INTO unbalanced
    FROM ledger_entries e
   WHERE e.transaction_id IN (SELECT DISTINCT transaction_id FROM new_entries)
   GROUP BY e.transaction_id
  HAVING sum(e.amount_cents) <> 0
   LIMIT 1;
  IF unbalanced IS NOT NULL THEN
    RAISE EXCEPTION 'ledger transaction % does not balance', unbalanced
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entries_balanced';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_balanced();

CREATE TABLE topup_orders (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id               bigint      NOT NULL REFERENCES users (id),
  amount_cents          bigint      NOT NULL,
  status                text        NOT NULL DEFAULT 'pending',
  provider_ref          text,
  ledger_transaction_id bigint      REFERENCES ledger_transactions (id),
  created_at            timestamptz NOT NULL DEFAULT now(),
  paid_at               timestamptz,
  failed_at             timestamptz,
  CONSTRAINT topup_orders_amount_check CHECK (amount_cents > 0),
  CONSTRAINT topup_orders_status_check CHECK (status IN ('pending', 'paid', 'failed')),
  -- A paid order always points at the one ledger transaction that credited it.
  CONSTRAINT topup_orders_paid_check CHECK ((status = 'paid') = (ledger_transaction_id IS NOT NULL)),
  CONSTRAINT topup_orders_provider_ref_key UNIQUE (provider_ref)
);
CREATE INDEX topup_orders_user_idx ON topup_orders (user_id, id DESC);

CREATE TABLE purchases (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  buyer_id              bigint      NOT NULL REFERENCES users (id),
  document_id           bigint      NOT NULL REFERENCES documents (id),
  price_cents           bigint      NOT NULL,
  -- The split as it was charged, so a refund reverses exactly what was paid out.
  author_id             bigint      NOT NULL REFERENCES users (id),
  author_cents          bigint      NOT NULL,
  referrer_id           bigint      REFERENCES users (id),
  referrer_cents        bigint      NOT NULL DEFAULT 0,
  platform_cents        bigint      NOT NULL,
  status                text        NOT NULL DEFAULT 'paid',
  ledger_transaction_id bigint      NOT NULL REFERENCES ledger_transactions (id),
  refund_transaction_id bigint      REFERENCES ledger_transactions (id),
  refunded_by           bigint      REFERENCES users (id),
  refund_note           text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  refunded_at           timestamptz,
  CONSTRAINT purchases_status_check CHECK (status IN ('paid', 'refunded')),
  CONSTRAINT purchases_price_check CHECK (price_cents > 0),
  CONSTRAINT purchases_split_check CHECK (
    author_cents >= 0 AND referrer_cents >= 0 AND platform_cents >= 0
    AND author_cents + referrer_cents + platform_cents = price_cents),
  CONSTRAINT purchases_referrer_check CHECK (referrer_id IS NOT NULL OR referrer_cents = 0),
  CONSTRAINT purchases_refund_check CHECK ((status = 'refunded') = (refunded_at IS NOT NULL))
);
-- At most one live purchase per buyer and document: concurrent purchases can never charge twice.
-- A refunded purchase no longer counts, so buying again after a refund is a new purchase.
CREATE UNIQUE INDEX purchases_buyer_document_paid_key ON purchases (buyer_id, document_id) WHERE status = 'paid';
CREATE INDEX purchases_buyer_idx ON purchases (buyer_id, id DESC);
CREATE INDEX purchases_document_idx ON purchases (document_id);
CREATE INDEX purchases_author_idx ON purchases (author_id);
CREATE INDEX purchases_referrer_idx ON purchases (referrer_id) WHERE referrer_id IS NOT NULL;

-- Idempotency-Key, as Stripe does it: the first completed response under a key is replayed for
-- the same request; the same key with another request is a conflict. Rows expire after a day.
CREATE TABLE idempotency_keys (
  user_id         bigint      NOT NULL REFERENCES users (id),
  key             text        NOT NULL,
  request_hash    text        NOT NULL,
  response_status integer,
  response_body   jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT idempotency_keys_pkey PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Share links followed by a logged-in reader (readers who were anonymous carry a signed cookie).
-- The latest link followed counts.
CREATE TABLE referral_visits (
  user_id     bigint      NOT NULL REFERENCES users (id),
  document_id bigint      NOT NULL REFERENCES documents (id),
  referrer_id bigint      NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT referral_visits_pkey PRIMARY KEY (user_id, document_id)
);

-- One row per download link (jti): bytes sent through it and whether the whole file went out.
-- Support reads this to see whether a buyer ever received the complete file.
CREATE TABLE download_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  link_id      text        NOT NULL,
  purchase_id  bigint      REFERENCES purchases (id),
  user_id      bigint      NOT NULL REFERENCES users (id),
  document_id  bigint      NOT NULL REFERENCES documents (id),
  bytes_sent   bigint      NOT NULL DEFAULT 0,
  requests     integer     NOT NULL DEFAULT 1,
  completed    boolean     NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  CONSTRAINT download_events_link_key UNIQUE (link_id)
);
CREATE INDEX download_events_purchase_idx ON download_events (purchase_id) WHERE purchase_id IS NOT NULL;
CREATE INDEX download_events_user_document_idx ON download_events (user_id, document_id);

-- documents.downloads counts each user once per document; this remembers who was counted.
CREATE TABLE document_downloaders (
  document_id bigint      NOT NULL REFERENCES documents (id),
  user_id     bigint      NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT document_downloaders_pkey PRIMARY KEY (document_id, user_id)
);
