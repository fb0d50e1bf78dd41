// A user's purchases and earnings, for /api/v1/me/* and the /me page.
import type { AppDeps } from '../deps.js';
import { countDailySales, listPurchasesOfBuyer, sumAuthorEarnings, sumReferralEarnings, type BuyerPurchaseRow, type EarningsRow } from './purchases.repo.js';
import { presentPurchase, type PurchaseView } from './purchases.service.js';

type Deps = Pick<AppDeps, 'db'>;

/** The buyer's purchases (refunded ones included, with their status), newest first. */
export async function listMyPurchases(
  deps: Deps,
  userId: number,
  limit = 200,
): Promise<{ items: Array<{ purchase: PurchaseView; document: BuyerPurchaseRow['document'] }> }> {
  const rows = await listPurchasesOfBuyer(deps.db.pool, userId, limit);
  return { items: rows.map((r) => ({ purchase: presentPurchase(r.purchase), document: r.document })) };
}

/**
 * Per uploaded document: live sales, author shares earned and reversed by refunds. totalCents is
 * what the user keeps: all author shares minus reversed ones, plus referral shares kept.
 */
export async function getEarnings(deps: Deps, userId: number): Promise<{ totalCents: number; referralCents: number; items: EarningsRow[] }> {
  const [items, referralCents] = await Promise.all([sumAuthorEarnings(deps.db.pool, userId), sumReferralEarnings(deps.db.pool, userId)]);
  const authored = items.reduce((sum, i) => sum + i.earnedCents - i.refundedCents, 0);
  return { totalCents: authored + referralCents, referralCents, items };
}

/** The author's live sales per document and day (TIMEZONE) since `since`, for the studio's chart. */
export async function dailySalesOf(
  deps: Deps & Pick<AppDeps, 'config'>,
  documentIds: number[],
  since: Date,
): Promise<Array<{ documentId: number; day: string; sales: number }>> {
  if (documentIds.length === 0) return [];
  return countDailySales(deps.db.pool, documentIds, since, deps.config.timezone);
}
