// The refund primitive support uses (issue 6 decides when; this decides how the money moves).
import type { PoolClient } from 'pg';
import { conflict, notFound } from '../errors.js';
import { creditUser, debitUserIntoDebt, lockUserAccounts, postTransaction } from './ledger.service.js';
import { lockPurchase, markPurchaseRefunded, type PurchaseRow } from './purchases.repo.js';
import { reverseSponsoredPurchase } from './sponsored-purchases.service.js';

/**
 * Refunds a purchase in the caller's transaction: the buyer gets the full price back (settling
 * any debt of theirs first); the author's and referrer's shares are taken back from their wallets
 * down to zero and the rest becomes debt; the platform's share is reversed. The purchase row is
 * locked first, so of any number of concurrent refunds exactly one succeeds; the others (and any
 * later one) throw conflict (409). Unknown purchase → not_found.
 */
export async function refundPurchase(
  tx: PoolClient,
  input: { purchaseId: number; actorId: number | null; note: string | null },
): Promise<PurchaseRow> {
  const p = await lockPurchase(tx, input.purchaseId);
  if (!p) throw notFound('购买记录');
  if (p.status === 'refunded') throw conflict('该订单已退款 (already refunded)');
  if (p.paidWith !== 'wallet') {
    const refundTransactionId = await reverseSponsoredPurchase(tx, p, input.note);
    return markPurchaseRefunded(tx, p.id, { refundTransactionId, refundedBy: input.actorId, note: input.note });
  }
  const userIds = [p.buyerId, p.authorId, ...(p.referrerId ? [p.referrerId] : [])];
  const accounts = await lockUserAccounts(tx, userIds);
  const { transactionId } = await postTransaction(tx, accounts, {
    kind: 'refund',
    reference: `purchase:${p.id}`,
    note: input.note,
    entries: [
      ...creditUser(accounts.get(p.buyerId)!, p.priceCents, 'refund', p.documentId),
      ...debitUserIntoDebt(accounts.get(p.authorId)!, p.authorCents, 'sale_reversal', p.documentId),
      ...(p.referrerId ? debitUserIntoDebt(accounts.get(p.referrerId)!, p.referrerCents, 'referral_reversal', p.documentId) : []),
      { systemAccount: 'platform_revenue', amountCents: -p.platformCents, kind: 'platform_fee_reversal', documentId: p.documentId },
    ],
  });
  return markPurchaseRefunded(tx, p.id, { refundTransactionId: transactionId, refundedBy: input.actorId, note: input.note });
}
