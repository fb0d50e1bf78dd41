-- Payment providers (Alipay, WeChat Pay), VIP memberships and download coupons (issue 18).

-- How a top-up order is paid. 'dev' is the provider-neutral signed webhook (and the development
-- payment page); 'alipay' and 'wechat' orders are completed only by their provider's notification.
-- provider_url: the signed Alipay page-pay URL, or WeChat's code_url (shown as a QR code).
ALTER TABLE topup_orders ADD COLUMN method text NOT NULL DEFAULT 'dev';
ALTER TABLE topup_orders ADD COLUMN provider_url text;
ALTER TABLE topup_orders ADD CONSTRAINT topup_orders_method_check CHECK (method IN ('dev', 'alipay', 'wechat'));

-- A VIP membership is bought in periods. Buying again while a period runs adds a period that
-- starts where the last one ends; nothing renews by itself. Cancelling ends every period at once
-- and refunds the unused whole days of each (refund_cents, refund_transaction_id).
CREATE TABLE vip_periods (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id               bigint      NOT NULL REFERENCES users (id),
  plan_id               text        NOT NULL,
  plan_name             text        NOT NULL,
  days                  integer     NOT NULL,
  price_cents           bigint      NOT NULL,
  downloads_per_day     integer     NOT NULL,
  starts_at             timestamptz NOT NULL,
  ends_at               timestamptz NOT NULL,
  status                text        NOT NULL DEFAULT 'active',
  ledger_transaction_id bigint      NOT NULL REFERENCES ledger_transactions (id),
  cancelled_at          timestamptz,
  refund_cents          bigint,
  refund_transaction_id bigint      REFERENCES ledger_transactions (id),
  reminded_at           timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT vip_periods_days_check CHECK (days > 0),
  CONSTRAINT vip_periods_price_check CHECK (price_cents > 0),
  CONSTRAINT vip_periods_downloads_check CHECK (downloads_per_day >= 0),
  CONSTRAINT vip_periods_range_check CHECK (ends_at > starts_at),
  CONSTRAINT vip_periods_status_check CHECK (status IN ('active', 'cancelled')),
  CONSTRAINT vip_periods_cancel_check CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
  CONSTRAINT vip_periods_refund_check CHECK (refund_cents IS NULL OR (refund_cents >= 0 AND refund_cents <= price_cents))
);
CREATE INDEX vip_periods_user_idx ON vip_periods (user_id, ends_at DESC);
CREATE INDEX vip_periods_reminder_idx ON vip_periods (ends_at) WHERE status = 'active' AND reminded_at IS NULL;

-- Download coupons (下载券): an admin issues a batch of single-use codes, each worth one download
-- of a document priced up to max_price_cents.
CREATE TABLE coupon_batches (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_by      bigint      NOT NULL REFERENCES users (id),
  note            text        NOT NULL,
  max_price_cents bigint      NOT NULL,
  quantity        integer     NOT NULL,
  expires_at      timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT coupon_batches_price_check CHECK (max_price_cents > 0),
  CONSTRAINT coupon_batches_quantity_check CHECK (quantity BETWEEN 1 AND 1000)
);

CREATE TABLE coupons (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  batch_id    bigint      NOT NULL REFERENCES coupon_batches (id),
  code        text        NOT NULL,
  redeemed_by bigint      REFERENCES users (id),
  redeemed_at timestamptz,
  CONSTRAINT coupons_code_key UNIQUE (code),
  CONSTRAINT coupons_redeemed_check CHECK ((redeemed_by IS NULL) = (redeemed_at IS NULL))
);
CREATE INDEX coupons_batch_idx ON coupons (batch_id);

-- A download a member's quota or a coupon paid for is a purchase row like any other (it shows in
-- 我的文库, download links bind to it, support refunds it), marked by how it was paid. The buyer's
-- wallet paid nothing: the platform paid the author's share (author_cents) from its revenue;
-- price_cents is the document's price at the time, platform_cents the rest of it.
-- quota_day is the member's day (in TIMEZONE) whose quota the download used.
ALTER TABLE purchases ADD COLUMN paid_with text NOT NULL DEFAULT 'wallet';
ALTER TABLE purchases ADD COLUMN vip_period_id bigint REFERENCES vip_periods (id);
ALTER TABLE purchases ADD COLUMN coupon_id bigint REFERENCES coupons (id);
ALTER TABLE purchases ADD COLUMN quota_day date;
ALTER TABLE purchases ADD CONSTRAINT purchases_paid_with_check CHECK (
  (paid_with = 'wallet' AND vip_period_id IS NULL AND coupon_id IS NULL AND quota_day IS NULL)
  OR (paid_with = 'vip' AND vip_period_id IS NOT NULL AND coupon_id IS NULL AND quota_day IS NOT NULL AND referrer_id IS NULL)
  OR (paid_with = 'coupon' AND coupon_id IS NOT NULL AND vip_period_id IS NULL AND quota_day IS NULL AND referrer_id IS NULL));
-- One coupon pays for one purchase, ever.
CREATE UNIQUE INDEX purchases_coupon_key ON purchases (coupon_id) WHERE coupon_id IS NOT NULL;
CREATE INDEX purchases_vip_quota_idx ON purchases (buyer_id, quota_day) WHERE paid_with = 'vip';
