// A download paid by a member's quota or a coupon instead of the buyer's wallet. It is a purchase
// row like any other (我的文库 lists it, download links bind to it, support can refund it), and
// the author earns their share, paid from the platform's revenue as a ledger posting; the buyer's
// wallet does not move. A coupon pays the share of the price (bounded by the coupon's price limit);
// a member's download the share of its fee (vip-terms.ts), so a membership never pays authors
// more than it collected.
import type { PoolClient } from 'pg';
import type { AppDeps } from '../deps.js';
import { checkPosting, creditUser, debitUserIntoDebt, lockUserAccounts, postTransaction, type UserAccounts } from './ledger.service.js';
import { splitPrice } from './money.js';
import { findPurchaseById, type PurchaseRow } from './purchases.repo.js';
import type { SaleDocumentRow } from './sale-documents.repo.js';
import { insertSponsoredPurchase } from './sponsored-purchases.repo.js';

export type SponsoredBy =
  | { paidWith: 'vip'; vipPeriodId: number; quotaDay: string; memberFeeCents: number }
  | { paidWith: 'coupon'; couponId: number };

/**
 * Records the purchase and pays the author floor(basis × AUTHOR_SHARE) from platform revenue (the
 * basis: a coupon's document price, a member download's fee), in the caller's transaction,
 * at the clock's time (its share settles like a sale's). `accounts` must hold the buyer's and the
 * author's locked accounts.
 */
export async function recordSponsoredPurchase(
  deps: Pick<AppDeps, 'config' | 'clock'>,
  tx: PoolClient,
  accounts: ReadonlyMap<number, UserAccounts>,
  input: { buyerId: number; doc: SaleDocumentRow; by: SponsoredBy },
): Promise<PurchaseRow> {
  const { doc, by } = input;
  const basisCents = by.paidWith === 'vip' ? by.memberFeeCents : doc.priceCents;
  const { authorCents } = splitPrice(basisCents, deps.config, false);
  const kind = by.paidWith === 'vip' ? ('vip_download' as const) : ('coupon_download' as const);
  const posting = { kind, reference: `document:${doc.id}`, note: null };
  // A price so small that the author's share rounds to 0 moves no money: an empty posting.
  const written =
    authorCents > 0
      ? checkPosting(accounts, {
          ...posting,
          entries: [
            { systemAccount: 'platform_revenue', amountCents: -authorCents, kind: by.paidWith === 'vip' ? 'vip_download_payout' : 'coupon_download_payout', documentId: doc.id },
            ...creditUser(accounts.get(doc.uploaderId)!, authorCents, 'sale', doc.id),
          ],
        })
      : { posting, entries: [] };
  const id = await insertSponsoredPurchase(
    tx,
    {
      buyerId: input.buyerId,
      documentId: doc.id,
      priceCents: doc.priceCents,
      authorId: doc.uploaderId,
      authorCents,
      paidWith: by.paidWith,
      vipPeriodId: by.paidWith === 'vip' ? by.vipPeriodId : null,
      couponId: by.paidWith === 'coupon' ? by.couponId : null,
      quotaDay: by.paidWith === 'vip' ? by.quotaDay : null,
      memberFeeCents: by.paidWith === 'vip' ? by.memberFeeCents : null,
      createdAt: deps.clock.now(),
    },
    written,
  );
  return (await findPurchaseById(tx, id))!;
}

/**
 * The refund of a sponsored purchase, in the caller's transaction: the author's share goes back
 * to the platform (from the wallet down to zero, the rest as debt). The buyer paid nothing, so
 * gets nothing; a member's download stops counting against that day's quota. Returns the
 * ledger transaction, or null when the share was 0.
 */
export async function reverseSponsoredPurchase(tx: PoolClient, p: PurchaseRow, note: string | null): Promise<number | null> {
  if (p.authorCents === 0) return null;
  const accounts = await lockUserAccounts(tx, [p.authorId]);
  const { transactionId } = await postTransaction(tx, accounts, {
    kind: 'refund',
    reference: `purchase:${p.id}`,
    note,
    entries: [
      ...debitUserIntoDebt(accounts.get(p.authorId)!, p.authorCents, 'sale_reversal', p.documentId),
      { systemAccount: 'platform_revenue', amountCents: p.authorCents, kind: 'sponsored_payout_reversal', documentId: p.documentId },
    ],
  });
  return transactionId;
}
