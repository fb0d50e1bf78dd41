// Top-ups: orders, and the payment provider's signed webhook that pays them.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { AppError, conflict, notFound, validationFailed } from '../errors.js';
import { parseInput } from '../http/validate.js';
import { creditUser, lockUserAccounts, postTransaction } from './ledger.service.js';
import { WebhookBody } from './payments.schemas.js';
import { insertTopupOrder, lockTopupOrder, markTopupFailed, markTopupPaid, type TopupOrderRow } from './topups.repo.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'log'>;

export interface TopupOrder {
  id: number;
  amountCents: number;
  status: 'pending' | 'paid' | 'failed';
}

export const presentOrder = (o: TopupOrderRow): TopupOrder => ({ id: o.id, amountCents: o.amountCents, status: o.status });

/** Creates a pending order; the wallet is credited only by the webhook. */
export async function createTopupOrder(deps: Deps, userId: number, amountCents: number): Promise<TopupOrder> {
  return presentOrder(await insertTopupOrder(deps.db.pool, { userId, amountCents }));
}

/** `sha256=<hex HMAC-SHA256 of the raw body>`, as the provider sends it. */
export function signWebhookBody(secret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

function signatureMatches(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  const match = header?.trim().match(/^sha256=([0-9a-fA-F]{64})$/);
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'));
}

/**
 * The one path that completes top-ups (the webhook route and the development payment page both
 * call it). Checks the signature over the raw body first; then, in one transaction with the
 * order locked: unknown order → 404, amount differs → 400, failed → order failed, paid → the
 * wallet credited exactly once (replays answer 200 and change nothing).
 * Decided (README, Money): `failed` is not final. Providers report a failed attempt and then a
 * success for the same order (the buyer paid on a second try); the money has arrived, so a later
 * `paid` with the order's amount credits it, once. A `failed` after `paid` changes nothing.
 */
export async function handlePaymentWebhook(
  deps: Deps,
  rawBody: Buffer | undefined,
  signature: string | undefined,
): Promise<{ order: TopupOrder; credited: boolean }> {
  if (!rawBody || !signatureMatches(deps.config.paymentWebhookSecret, rawBody, signature)) {
    throw new AppError('unauthenticated', '签名无效 (bad webhook signature)');
  }
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw validationFailed('请求体不是合法的 JSON (malformed JSON body)');
  }
  const event = parseInput(WebhookBody, json);
  try {
    return await withTransaction(deps.db.pool, async (tx) => {
      const order = await lockTopupOrder(tx, event.orderId);
      if (!order) throw notFound('充值订单');
      if (order.amountCents !== event.amountCents) {
        deps.log.warn({ orderId: order.id, expected: order.amountCents, got: event.amountCents }, 'webhook amount mismatch');
        throw validationFailed('金额与订单不符 (amount does not match the order)', { expectedCents: order.amountCents });
      }
      if (event.status === 'failed') {
        // A late failure for a paid order is ignored; the money has arrived.
        const updated = order.status === 'pending' ? await markTopupFailed(tx, order.id) : order;
        return { order: presentOrder(updated), credited: false };
      }
      if (order.status === 'paid') {
        if (order.providerRef === event.providerRef) return { order: presentOrder(order), credited: false };
        deps.log.warn({ orderId: order.id, providerRef: event.providerRef }, 'second payment reported for a paid order');
        throw conflict('订单已由另一笔支付完成 (order already paid by another payment)');
      }
      const locked = await lockUserAccounts(tx, [order.userId]);
      const { transactionId } = await postTransaction(tx, locked, {
        kind: 'topup',
        reference: `topup:${order.id}`,
        entries: [
          { systemAccount: 'provider_clearing', amountCents: -order.amountCents, kind: 'topup' },
          ...creditUser(locked.get(order.userId)!, order.amountCents, 'topup'),
        ],
      });
      const paid = await markTopupPaid(tx, order.id, { providerRef: event.providerRef, ledgerTransactionId: transactionId });
      return { order: presentOrder(paid), credited: true };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'topup_orders_provider_ref_key')) {
      throw conflict('该支付流水号已用于其他订单 (providerRef already used by another order)');
    }
    throw err;
  }
}
