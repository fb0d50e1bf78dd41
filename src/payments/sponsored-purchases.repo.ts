// SQL for purchases paid by a member's quota or a coupon: the row and its ledger posting in one
// statement, as for wallet purchases.
import type { Queryable } from '../db/pool.js';
import { POSTING_PARAMS, postingCtes, type EntryInput, type PostingRow } from './ledger.repo.js';

export interface NewSponsoredPurchase {
  buyerId: number;
  documentId: number;
  priceCents: number;
  authorId: number;
  authorCents: number;
  paidWith: 'vip' | 'coupon';
  vipPeriodId: number | null;
  couponId: number | null;
  quotaDay: string | null;
  /** A member's download: the part of the membership it used (vip.service.ts memberDownloadFee). */
  memberFeeCents: number | null;
  createdAt: Date;
}

/**
 * Inserts the purchase with the posting that pays the author from the platform. Throws unique
 * violations on purchases_buyer_document_paid_key (already bought) and purchases_coupon_key.
 */
export async function insertSponsoredPurchase(
  db: Queryable,
  p: NewSponsoredPurchase,
  posting: { posting: PostingRow; entries: readonly EntryInput[] },
): Promise<number> {
  const ctes = postingCtes(posting.posting, posting.entries);
  const $ = (i: number) => `$${POSTING_PARAMS + i}`;
  const { rows } = await db.query<{ id: number }>(
    `${ctes.sql},
     p AS (
       INSERT INTO purchases (buyer_id, document_id, price_cents, author_id, author_cents, referrer_cents, platform_cents,
                              ledger_transaction_id, paid_with, vip_period_id, coupon_id, quota_day, member_fee_cents, created_at)
       SELECT ${$(1)}, ${$(2)}, ${$(3)}, ${$(4)}, ${$(5)}, 0, ${$(3)}::bigint - ${$(5)}::bigint, t.id, ${$(6)}, ${$(7)}, ${$(8)}, ${$(9)}::date,
              ${$(10)}::bigint, ${$(11)}::timestamptz FROM t
       RETURNING id)
     SELECT id FROM p`,
    [...ctes.values, p.buyerId, p.documentId, p.priceCents, p.authorId, p.authorCents, p.paidWith, p.vipPeriodId, p.couponId, p.quotaDay, p.memberFeeCents, p.createdAt],
  );
  return rows[0]!.id;
}
