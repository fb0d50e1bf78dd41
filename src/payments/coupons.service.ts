// Download coupons (下载券): an admin issues a batch of single-use codes, each worth one download
// of a document priced up to the batch's limit. Redeeming one in the purchase dialog makes a
// purchase paid by the coupon; the author is paid as for a member's download.
import { randomInt } from 'node:crypto';
import type { Actor, AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { purchaseStep, saleDecision } from './sale-decision.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { conflict, notFound } from '../errors.js';
import { insertAuditEntry } from '../support/audit.repo.js';
import { insertCouponBatch, listCouponBatches, listCouponsOfBatch, lockCouponByCode, markCouponRedeemed, type CouponBatchRow } from './coupons.repo.js';
import { lockUserAccounts } from './ledger.service.js';
import { findPurchaseById, lockDocumentForPurchase } from './purchases.repo.js';
import { confirmationRequired, presentPurchase, viewerOf, type PurchaseResult } from './purchases.service.js';
import { recordSponsoredPurchase } from './sponsored-purchases.service.js';
import { getUserBalanceCents } from './wallet-accounts.repo.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'clock'>;

// No 0/O, 1/I/L: codes are read out and typed by people.
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** XXXX-XXXX-XXXX-XXXX, 16 random characters (~79 bits): not guessable. */
export function generateCouponCode(): string {
  const chars = Array.from({ length: 16 }, () => ALPHABET[randomInt(ALPHABET.length)]!);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

/** What a person typed → the stored form (case, spaces and dashes do not matter); null if it cannot be a code. */
export function normalizeCouponCode(input: string): string | null {
  const bare = input.toUpperCase().replace(/[\s-]/g, '');
  if (!/^[2-9A-HJ-NP-Z]{16}$/.test(bare)) return null;
  return bare.match(/.{4}/g)!.join('-');
}

export interface CouponBatchView {
  id: number;
  note: string;
  maxPriceCents: number;
  quantity: number;
  redeemed: number;
  expiresAt: string | null;
  createdAt: string;
}

const presentBatch = (b: CouponBatchRow): CouponBatchView => ({
  id: b.id,
  note: b.note,
  maxPriceCents: b.maxPriceCents,
  quantity: b.quantity,
  redeemed: b.redeemed,
  expiresAt: b.expiresAt?.toISOString() ?? null,
  createdAt: b.createdAt.toISOString(),
});

/** Issues a batch of fresh codes (admins; the route checks). */
export async function issueCouponBatch(
  deps: Deps,
  admin: Actor,
  input: { quantity: number; maxPriceCents: number; note: string; expiresAt?: string },
): Promise<{ batch: CouponBatchView; codes: string[] }> {
  const codes = [...new Set(Array.from({ length: input.quantity }, generateCouponCode))];
  for (let attempt = 0; ; attempt++) {
    try {
      // The batch and its audit entry in one transaction: an admin's issue is always on record.
      const batch = await withTransaction(deps.db.pool, async (tx) => {
        const inserted = await insertCouponBatch(tx, {
          createdBy: admin.userId,
          note: input.note,
          maxPriceCents: input.maxPriceCents,
          expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
          codes,
        });
        await insertAuditEntry(tx, {
          adminId: admin.userId, action: 'coupon_batch.issue', targetType: 'coupon_batch', targetId: inserted.id,
          details: { quantity: codes.length, maxPriceCents: input.maxPriceCents, note: input.note, expiresAt: input.expiresAt ?? null }, now: deps.clock.now(),
        });
        return inserted;
      });
      return { batch: presentBatch(batch), codes };
    } catch (err) {
      // 79 bits make a collision with an earlier batch all but impossible; draw again if it happens.
      if (attempt < 2 && isUniqueViolation(err, 'coupons_code_key')) {
        codes.splice(0, codes.length, ...Array.from({ length: input.quantity }, generateCouponCode));
        continue;
      }
      throw err;
    }
  }
}

export async function listBatches(deps: Deps): Promise<{ items: CouponBatchView[] }> {
  return { items: (await listCouponBatches(deps.db.pool, 200)).map(presentBatch) };
}

export async function listBatchCodes(deps: Deps, batchId: number) {
  const rows = await listCouponsOfBatch(deps.db.pool, batchId);
  if (rows.length === 0) throw notFound('下载券批次');
  return { items: rows.map((c) => ({ code: c.code, redeemedBy: c.redeemedBy, redeemedAt: c.redeemedAt?.toISOString() ?? null })) };
}

const couponUnusable = (message: string, reason: string, extra: Record<string, unknown> = {}) => conflict(message, { reason, ...extra });

/**
 * Redeems a coupon for one document: 201 with the new purchase, 200 when the buyer already owns
 * it (the coupon stays unused). 428 without confirm; unknown code → 404; used, expired, or a
 * document priced above the coupon's limit → 409 (details.reason). One transaction with the
 * coupon row locked first, so of any number of concurrent attempts exactly one redeems it.
 */
export async function redeemCoupon(
  deps: Deps,
  actor: Actor,
  input: { documentId: number; code: string; confirm?: unknown },
): Promise<{ status: 200 | 201; body: PurchaseResult }> {
  if (input.confirm !== true) throw confirmationRequired('使用下载券');
  const code = normalizeCouponCode(input.code);
  if (!code) throw notFound('下载券');
  try {
    return await withTransaction(deps.db.pool, async (tx) => {
      const now = deps.clock.now();
      const coupon = await lockCouponByCode(tx, code);
      if (!coupon) throw notFound('下载券');
      const candidate = await lockDocumentForPurchase(tx, {
        documentId: input.documentId, buyerId: actor.userId, referralCode: null, cookieReferrerId: null, visitSince: now,
      });
      if (!candidate) throw notFound('文档');
      const doc = candidate.document;
      // The one sale decision (sale-decision.ts), as for a wallet purchase.
      const step = purchaseStep(saleDecision(viewerOf(actor), doc, { purchaseId: candidate.paidPurchaseId, member: null }));
      if (step !== 'buy') {
        const existing = (await findPurchaseById(tx, step.bought))!;
        return { status: 200 as const, body: { purchase: presentPurchase(existing), wallet: { balanceCents: await getUserBalanceCents(tx, actor.userId) } } };
      }
      if (coupon.redeemedAt) throw couponUnusable('该下载券已被使用 (coupon already used)', 'coupon_used');
      if (coupon.expiresAt && coupon.expiresAt <= now) throw couponUnusable('该下载券已过期 (coupon expired)', 'coupon_expired');
      if (doc.priceCents > coupon.maxPriceCents) {
        throw couponUnusable('该文档价格超出下载券的面值 (document costs more than the coupon covers)', 'coupon_price_limit', { maxPriceCents: coupon.maxPriceCents });
      }
      if (!(await markCouponRedeemed(tx, coupon.id, { userId: actor.userId, at: now }))) {
        throw couponUnusable('该下载券已被使用 (coupon already used)', 'coupon_used');
      }
      const accounts = await lockUserAccounts(tx, [actor.userId, doc.uploaderId]);
      const purchase = await recordSponsoredPurchase(deps, tx, accounts, { buyerId: actor.userId, doc, by: { paidWith: 'coupon', couponId: coupon.id } });
      return { status: 201 as const, body: { purchase: presentPurchase(purchase), wallet: { balanceCents: await getUserBalanceCents(tx, actor.userId) } } };
    });
  } catch (err) {
    // Bought meanwhile through another path: the coupon's redemption rolled back with it.
    if (isUniqueViolation(err, 'purchases_buyer_document_paid_key')) {
      return redeemCoupon(deps, actor, input);
    }
    throw err;
  }
}
