-- Money, where features meet (issues 23, 24, 27).
--
-- 1. Ledger kinds are a closed list, the same as ENTRY_KINDS and TRANSACTION_KINDS in
-- src/payments/ledger-kinds.ts (ledger-kinds.test.ts compares them): a posting with a misspelt
-- kind is refused, so what counts as earnings can never silently miss an entry.
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check CHECK (kind IN (
    'topup', 'purchase', 'sale', 'referral', 'refund', 'sale_reversal',
    'referral_reversal', 'admin_credit', 'payout', 'payout_return', 'vip_purchase', 'vip_refund',
    'platform_fee', 'platform_fee_reversal', 'payout_transfer', 'vip_fee', 'vip_fee_refund', 'vip_download_payout',
    'coupon_download_payout', 'sponsored_payout_reversal'));
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_check CHECK (kind IN (
    'topup', 'purchase', 'refund', 'admin_credit', 'payout_request', 'payout_approve',
    'payout_reject', 'vip_purchase', 'vip_refund', 'vip_download', 'coupon_download'));

-- 2. A member's download pays its author the author's share of the smaller of the document's
-- price and the member's fee per download (the period's price / (days x downloads per day)):
-- member_fee_cents is that smaller amount, the part of the membership the download used. A
-- cancel refunds at most the period's price less the fees of its live downloads, so what
-- authors earn from one membership never exceeds what it paid (vip.service.ts).
-- Downloads made before this rule paid 70 % of the price: their fee is recorded as at least
-- what their author got, so a cancel of such a period refunds less, never more.
ALTER TABLE purchases ADD COLUMN member_fee_cents bigint;
UPDATE purchases p
   SET member_fee_cents = least(p.price_cents, greatest(p.author_cents,
         CASE WHEN v.downloads_per_day > 0 THEN v.price_cents / (v.days::bigint * v.downloads_per_day) ELSE 0 END))
  FROM vip_periods v
 WHERE v.id = p.vip_period_id AND p.paid_with = 'vip';
ALTER TABLE purchases ADD CONSTRAINT purchases_member_fee_check CHECK (
  (paid_with = 'vip') = (member_fee_cents IS NOT NULL)
  AND (member_fee_cents IS NULL OR (author_cents <= member_fee_cents AND member_fee_cents <= price_cents)));
-- The downloads of one period (its fee total and its count against days x downloads per day).
CREATE INDEX purchases_vip_period_idx ON purchases (vip_period_id) WHERE vip_period_id IS NOT NULL;

-- 3. Settlement (PAYOUT_HOLD_DAYS): a sale's shares count as withdrawable only after the hold;
-- the shares still held are read per author and referrer by the sale's time.
CREATE INDEX purchases_author_settling_idx ON purchases (author_id, created_at) WHERE status = 'paid';
CREATE INDEX purchases_referrer_settling_idx ON purchases (referrer_id, created_at) WHERE status = 'paid' AND referrer_id IS NOT NULL;
