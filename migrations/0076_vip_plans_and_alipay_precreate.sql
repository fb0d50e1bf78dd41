-- VIP plans kept by the admin page, and the QR code text of a provider order (issue 18).

-- A plan of VIP_PLANS is the default; the admin page's edits of it (or a plan it creates) are rows
-- here and win over the setting for that plan_id. A retired plan is no longer sold; members who
-- bought it keep their periods, which copy the plan's terms (vip_periods).
-- id is the audit log's target; plan_id is the API's `id`.
CREATE TABLE vip_plans (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  plan_id           text        NOT NULL,
  name              text        NOT NULL,
  days              integer     NOT NULL,
  price_cents       bigint      NOT NULL,
  downloads_per_day integer     NOT NULL,
  retired_at        timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT vip_plans_plan_id_key UNIQUE (plan_id),
  CONSTRAINT vip_plans_plan_id_check CHECK (plan_id ~ '^[a-z0-9_-]{1,32}$'),
  CONSTRAINT vip_plans_name_check CHECK (char_length(name) BETWEEN 1 AND 40),
  CONSTRAINT vip_plans_days_check CHECK (days BETWEEN 1 AND 3660),
  CONSTRAINT vip_plans_price_check CHECK (price_cents BETWEEN 1 AND 100000000),
  CONSTRAINT vip_plans_downloads_check CHECK (downloads_per_day BETWEEN 0 AND 10000)
);

-- provider_qr: what the order's QR code carries — Alipay's precreate qr_code (当面付, scanned with
-- the Alipay app) or WeChat's code_url. provider_url is now only a URL to open (Alipay page pay).
ALTER TABLE topup_orders ADD COLUMN provider_qr text;
UPDATE topup_orders SET provider_qr = provider_url, provider_url = NULL WHERE method = 'wechat';
