// Buying a document: one transaction that checks, charges and splits, honouring Idempotency-Key.
//
// Decisions (see README "Payments"):
// - Free documents need no purchase: 409 conflict (details.reason 'free_document'); download directly.
// - Buying your own document: 409 conflict (details.reason 'own_document').
// - Referrer: the explicit `referralCode` in the body when the buyer's recorded share-link visit of
//   this document names that referrer (a code alone proves nothing: it could be the buyer's own
//   second account), else the signed share-link cookie, else the share link a logged-in reader
//   followed (referral_visits, 30 days). Never the buyer, never the document's author (they already
//   get the author's share); then the platform keeps that part.
// - Price switch: `expectedPriceCents` is the price the buyer confirmed; when the author changed
//   the price since, 409 conflict (details.reason 'price_changed', the current price), nothing charged.
// - Idempotency-Key: only completed purchases (201, or 200 already bought) are stored and replayed;
//   a request that failed (402, 404, ...) changed nothing and leaves the key free to retry.
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Actor, AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { AppError, conflict, notFound, validationFailed } from '../errors.js';
import { purchaseStep, saleDecision } from './sale-decision.js';
import { checkPosting, creditUser, insufficientFunds, lockUserAccounts, mapOverdraft } from './ledger.service.js';
import { splitPrice } from './money.js';
import { formatYuan } from '../../public/js/format.js';
import { notify } from '../notifications/notifications.service.js';
import {
  claimIdempotencyKey,
  deleteExpiredIdempotencyKey,
  deleteIdempotencyKeysCreatedBefore,
  findIdempotencyKey,
  saveIdempotentResponse,
} from './idempotency.repo.js';
import { findPaidPurchase, findPurchaseById, insertPurchaseWithPosting, lockDocumentForPurchase, type PurchaseRow } from './purchases.repo.js';
import { REFERRAL_TTL_MS } from './referrals.js';
import type { SaleDocumentRow } from './sale-documents.repo.js';
import { getUserBalanceCents } from './wallet-accounts.repo.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'clock'>;

const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const idempotencyCutoff = (deps: Pick<AppDeps, 'clock'>) => new Date(deps.clock.now().getTime() - IDEMPOTENCY_TTL_MS);

/**
 * Forgets every Idempotency-Key older than its retention window (a key past it would be claimed
 * afresh anyway, see claimKey); run by startIdempotencyKeySweep. Returns how many went.
 */
export async function sweepExpiredIdempotencyKeys(deps: Pick<AppDeps, 'db' | 'clock'>, batch = 5_000): Promise<number> {
  const cutoff = idempotencyCutoff(deps);
  let removed = 0;
  for (;;) {
    const n = await deleteIdempotencyKeysCreatedBefore(deps.db.pool, cutoff, batch);
    removed += n;
    if (n < batch) return removed;
  }
}

/** Runs sweepExpiredIdempotencyKeys now and then every `everyMs` (web processes, which write the keys); returns a stop function. */
export function startIdempotencyKeySweep(deps: Pick<AppDeps, 'db' | 'clock' | 'log'>, everyMs = 10 * 60_000): () => void {
  const run = () => void sweepExpiredIdempotencyKeys(deps)
    .then((removed) => removed > 0 && deps.log.info({ removed }, 'expired idempotency keys removed'))
    .catch((err: unknown) => deps.log.error({ err }, 'sweep of expired idempotency keys failed'));
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

export interface PurchaseView {
  id: number;
  documentId: number;
  priceCents: number;
  createdAt: string;
  status: 'paid' | 'refunded';
  refundedAt: string | null;
}

export interface PurchaseResult {
  purchase: PurchaseView;
  wallet: { balanceCents: number };
}

export interface PurchaseInput {
  documentId: number;
  confirm: unknown;
  idempotencyKey?: string;
  referralCode?: string;
  /** The price the buyer confirmed; when it is not the current price nothing is charged (409). */
  expectedPriceCents?: number;
  /** The referrer from the signed share-link cookie, read by the route. */
  cookieReferrerId?: number | null;
}

export const presentPurchase = (p: PurchaseRow): PurchaseView => ({
  id: p.id,
  documentId: p.documentId,
  priceCents: p.priceCents,
  createdAt: p.createdAt.toISOString(),
  status: p.status,
  refundedAt: p.refundedAt ? p.refundedAt.toISOString() : null,
});

/** The actor as the visibility and entitlement rules see them. */
export const viewerOf = (actor: Actor) => ({ userId: actor.userId, isAdmin: actor.role === 'admin' });

export const confirmationRequired = (what: string) =>
  new AppError('confirmation_required', `请确认${what} (send "confirm": true)`);

/**
 * Buys the document for the actor: 201 new purchase, 200 already bought (no second charge).
 * One transaction; throws confirmation_required, not_found, conflict, insufficient_funds.
 */
export async function purchaseDocument(deps: Deps, actor: Actor, input: PurchaseInput): Promise<{ status: 200 | 201; body: PurchaseResult }> {
  if (input.confirm !== true) throw confirmationRequired('购买');
  const key = input.idempotencyKey;
  if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw validationFailed('Idempotency-Key 须为 1–255 个可见 ASCII 字符 (invalid Idempotency-Key)');
  }
  const requestHash = createHash('sha256')
    .update(JSON.stringify(['purchase', input.documentId, true, input.referralCode ?? null, input.expectedPriceCents ?? null]))
    .digest('hex');

  for (let attempt = 0; ; attempt++) {
    try {
      return await withTransaction(deps.db.pool, async (tx) => {
        if (key !== undefined) {
          const replay = await claimKey(deps, tx, actor.userId, key, requestHash);
          if (replay) return replay;
        }
        return purchaseInTransaction(deps, tx, actor, input, key);
      });
    } catch (err) {
      // The buyer's wallet lock already serialises purchases; the index is the backstop. Running
      // again finds the committed purchase and answers 200.
      if (attempt === 0 && isUniqueViolation(err, 'purchases_buyer_document_paid_key')) continue;
      throw err;
    }
  }
}

async function claimKey(deps: Deps, tx: PoolClient, userId: number, key: string, requestHash: string) {
  await deleteExpiredIdempotencyKey(tx, userId, key, idempotencyCutoff(deps));
  if (await claimIdempotencyKey(tx, userId, key, requestHash)) return null;
  const stored = await findIdempotencyKey(tx, userId, key);
  if (!stored || stored.requestHash !== requestHash || stored.responseStatus === null) {
    throw conflict('该 Idempotency-Key 已用于另一个请求 (Idempotency-Key reused with a different request)');
  }
  return { status: stored.responseStatus as 200 | 201, body: stored.responseBody as PurchaseResult };
}

/** The document is share-locked, so the price checked here is the price charged. */
function checkExpectedPrice(doc: SaleDocumentRow, expectedPriceCents: number | undefined): void {
  if (expectedPriceCents === undefined || expectedPriceCents === doc.priceCents) return;
  throw conflict('文档价格已变更，请确认新价格后再购买 (the price changed since you confirmed it)', {
    reason: 'price_changed',
    priceCents: doc.priceCents,
  });
}

async function purchaseInTransaction(deps: Deps, tx: PoolClient, actor: Actor, input: PurchaseInput, key: string | undefined) {
  const buyerId = actor.userId;
  const candidate = await lockDocumentForPurchase(tx, {
    documentId: input.documentId,
    buyerId,
    referralCode: input.referralCode?.toLowerCase() ?? null,
    cookieReferrerId: input.cookieReferrerId ?? null,
    visitSince: new Date(deps.clock.now().getTime() - REFERRAL_TTL_MS),
  });
  if (!candidate) throw notFound('文档');
  // The one sale decision (sale-decision.ts); a deleted document stays available to those who bought it.
  const doc = candidate.document;
  const step = purchaseStep(saleDecision(viewerOf(actor), doc, { purchaseId: candidate.paidPurchaseId, member: null }));
  if (step !== 'buy') return alreadyBought(tx, buyerId, step.bought, key);
  checkExpectedPrice(doc, input.expectedPriceCents);
  // Never the buyer, never the author (they already get the author's share); then the platform keeps that part.
  const referrerId = candidate.referrerId === buyerId || candidate.referrerId === doc.uploaderId ? null : candidate.referrerId;
  const accounts = await lockUserAccounts(tx, [buyerId, doc.uploaderId, ...(referrerId ? [referrerId] : [])]);
  const buyer = accounts.get(buyerId)!;
  if (buyer.wallet.balanceCents < doc.priceCents) {
    // A purchase of the same document by this buyer may have committed while we waited for the
    // wallet lock; that is an "already bought", not a shortage.
    const bought = await findPaidPurchase(tx, buyerId, doc.id);
    if (bought) return alreadyBought(tx, buyerId, bought.id, key);
    throw insufficientFunds();
  }

  const split = splitPrice(doc.priceCents, deps.config, referrerId !== null);
  const posting = checkPosting(accounts, {
    kind: 'purchase',
    reference: `document:${doc.id}`,
    entries: [
      { accountId: buyer.wallet.id, amountCents: -doc.priceCents, kind: 'purchase', documentId: doc.id },
      ...creditUser(accounts.get(doc.uploaderId)!, split.authorCents, 'sale', doc.id),
      ...(referrerId ? creditUser(accounts.get(referrerId)!, split.referrerCents, 'referral', doc.id) : []),
      { systemAccount: 'platform_revenue', amountCents: split.platformCents, kind: 'platform_fee', documentId: doc.id },
    ],
  });
  // A purchase of the same document that committed meanwhile makes this fail on the unique index;
  // the caller then runs again and answers 200.
  const newPurchase = {
    buyerId,
    documentId: doc.id,
    priceCents: doc.priceCents,
    authorId: doc.uploaderId,
    authorCents: split.authorCents,
    referrerId: split.referrerCents > 0 ? referrerId : null,
    referrerCents: split.referrerCents,
    platformCents: split.platformCents,
    // The sale's time is the clock's: its shares settle PAYOUT_HOLD_DAYS after it (payouts.service.ts).
    createdAt: deps.clock.now(),
  };
  const purchase = await mapOverdraft(() => insertPurchaseWithPosting(tx, newPurchase, posting));
  // Commits with the sale, or not at all.
  await notify(tx, {
    userId: doc.uploaderId,
    kind: 'sale',
    title: `您的文档《${doc.title}》售出一份`,
    body: `售价 ${formatYuan(doc.priceCents)}，您获得 ${formatYuan(split.authorCents)}。`,
    link: `/doc/${doc.id}`,
  });
  // The buyer's debt is zero whenever their wallet could pay (credits settle debt first).
  const balanceCents = buyer.wallet.balanceCents - doc.priceCents + buyer.debt.balanceCents;
  const result = { status: 201 as const, body: { purchase: presentPurchase(purchase), wallet: { balanceCents } } };
  if (key !== undefined) await saveIdempotentResponse(tx, buyerId, key, result.status, result.body);
  return result;
}

async function alreadyBought(tx: PoolClient, buyerId: number, purchaseId: number, key: string | undefined) {
  const existing = (await findPurchaseById(tx, purchaseId))!;
  const result = { status: 200 as const, body: { purchase: presentPurchase(existing), wallet: { balanceCents: await getUserBalanceCents(tx, buyerId) } } };
  if (key !== undefined) await saveIdempotentResponse(tx, buyerId, key, result.status, result.body);
  return result;
}
