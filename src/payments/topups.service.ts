// Top-ups: orders, and the payment provider's signed webhook that pays them.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { AppError, conflict, notFound, validationFailed } from '../errors.js';
import { parseInput } from '../http/validate.js';
import { creditUser, lockUserAccounts, postTransaction } from './ledger.service.js';
import { WebhookBody } from './payments.schemas.js';
import { alipayPagePayUrl, alipayWapPayUrl, closeAlipayTrade, createAlipayPrecreate } from './providers/alipay.js';
import { qrCodeDataUrl } from './providers/qr-code.js';
import { closeWechatOrder, createWechatH5Order, createWechatNativeOrder } from './providers/wechat-pay.js';
import { topupOrderPath } from './topup-paths.js';
import {
  findTopupOrderOfUser,
  insertTopupOrder,
  lockTopupOrder,
  lockTopupOrderOfUser,
  markTopupCancelled,
  markTopupFailed,
  markTopupPaid,
  setTopupProviderLinks,
  type TopupDevice,
  type TopupMethod,
  type TopupOrderRow,
  type TopupStatus,
} from './topups.repo.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'log' | 'clock'>;

export interface TopupOrder {
  id: number;
  amountCents: number;
  status: TopupStatus;
  method: TopupMethod;
  /** desktop: a QR code to scan (and Alipay's page pay); mobile: payUrl opens the provider's app. */
  device: TopupDevice;
  /**
   * While pending, the link that pays the order: Alipay's signed page-pay URL (desktop) or wap-pay
   * URL (mobile), WeChat's h5_url (mobile). Otherwise null.
   */
  payUrl: string | null;
  /** A pending provider order's QR code as an SVG data URL (Alipay: precreate's qr_code; WeChat: code_url). */
  qrCode: string | null;
}

/** The order without its QR code (webhook answers); presentOrderWithQr adds it. */
export const presentOrder = (o: TopupOrderRow): TopupOrder => ({
  id: o.id,
  amountCents: o.amountCents,
  status: o.status,
  method: o.method,
  device: o.device,
  payUrl: o.status === 'pending' ? o.providerUrl : null,
  qrCode: null,
});

/** The order with the QR code to scan while it is pending. */
export async function presentOrderWithQr(o: TopupOrderRow): Promise<TopupOrder> {
  const qrCode = o.status === 'pending' && o.providerQr ? await qrCodeDataUrl(o.providerQr) : null;
  return { ...presentOrder(o), qrCode };
}

export interface TopupRequest {
  amountCents: number;
  method?: TopupMethod;
  /** A same-site path (checked by the caller) the buyer comes back to once paid: the order page sends them on there. */
  returnPath?: string | null;
  /** 'mobile': the provider's phone flow (a link that opens its app) instead of a QR code. */
  device?: TopupDevice;
  /** The buyer's address as the trusted-proxy setting resolves it (WeChat H5 needs it). */
  payerIp?: string;
}

/**
 * Creates a pending order; the wallet is credited only by a verified notification. A method whose
 * settings are missing → 400.
 * - Alipay on a computer: the signed page-pay URL is built locally and the 当面付 order placed with
 *   Alipay (its qr_code is the QR code; when Alipay cannot be reached the order keeps the page-pay
 *   URL alone, which still pays it). On a phone: the signed wap-pay URL, built locally.
 * - WeChat Pay on a computer: the Native order (its code_url is the QR code); on a phone the H5
 *   order (its h5_url). Without WeChat's answer there is no way to pay: 503 and the order failed.
 */
export async function createTopupOrder(deps: Deps, userId: number, request: TopupRequest): Promise<TopupOrder> {
  const { amountCents, method = 'dev', returnPath = null, device = 'desktop' } = request;
  const available = availableTopupMethods(deps.config);
  if (!available.includes(method)) {
    throw validationFailed(`暂不支持该支付方式 (payment method ${method} is not configured)`, { reason: 'method_unavailable', available });
  }
  // The dev method has no provider flow to choose: its orders are desktop ones.
  const order = await insertTopupOrder(deps.db.pool, { userId, amountCents, method, device: method === 'dev' ? 'desktop' : device });
  if (method === 'dev') return presentOrderWithQr(order);
  if (method === 'alipay' && order.device === 'mobile') {
    return presentOrderWithQr(await setTopupProviderLinks(deps.db.pool, order.id, { url: alipayWapPayUrl(deps.config, order, returnPath), qr: null }));
  }
  if (method === 'alipay') {
    const url = alipayPagePayUrl(deps.config, order, returnPath);
    const qr = await createAlipayPrecreate(deps.config, order).catch((err: unknown) => {
      deps.log.error({ err, orderId: order.id }, 'alipay precreate failed; the order offers page pay only');
      return null;
    });
    return presentOrderWithQr(await setTopupProviderLinks(deps.db.pool, order.id, { url, qr }));
  }
  let links: { url: string | null; qr: string | null };
  try {
    links = order.device === 'mobile'
      ? { url: await createWechatH5Order(deps, order, payerIpv4OrV6(request.payerIp), orderPageUrl(deps, order.id, returnPath)), qr: null }
      : { url: null, qr: await createWechatNativeOrder(deps, order) };
  } catch (err) {
    deps.log.error({ err, orderId: order.id, method, device: order.device }, 'payment provider order failed');
    await markTopupFailed(deps.db.pool, order.id);
    throw new AppError('unavailable', '支付渠道暂时不可用，请稍后重试 (payment provider unavailable)');
  }
  return presentOrderWithQr(await setTopupProviderLinks(deps.db.pool, order.id, links));
}

/** The payer's address as WeChat expects it: an IPv4 address mapped into IPv6 (::ffff:a.b.c.d) as IPv4. */
const payerIpv4OrV6 = (ip: string | undefined) => (ip ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

const orderPageUrl = (deps: Deps, orderId: number, returnPath: string | null) =>
  `${deps.config.publicUrl!.replace(/\/$/, '')}${topupOrderPath(orderId, returnPath)}`;

/**
 * The owner gives up a pending order: it is marked cancelled (another's or unknown → 404; not
 * pending → 409) and then closed at the provider so it can no longer be paid. The close is best
 * effort after the commit: when the provider cannot be reached or the buyer paid in the meantime,
 * the payment's notification still credits the order once (applyPaymentEvent), so no money is lost.
 */
export async function cancelTopupOrder(deps: Deps, userId: number, orderId: number): Promise<{ order: TopupOrder; closedAtProvider: boolean }> {
  const cancelled = await withTransaction(deps.db.pool, async (tx) => {
    const order = await lockTopupOrderOfUser(tx, orderId, userId);
    if (!order) throw notFound('充值订单');
    if (order.status !== 'pending') throw conflict('只有等待付款的订单可以取消 (only a pending order can be cancelled)', { status: order.status });
    return markTopupCancelled(tx, order.id);
  });
  let closedAtProvider = false;
  try {
    if (cancelled.method === 'alipay') await closeAlipayTrade(deps.config, cancelled.id);
    if (cancelled.method === 'wechat') await closeWechatOrder(deps, cancelled.id);
    closedAtProvider = true;
  } catch (err) {
    deps.log.warn({ err, orderId: cancelled.id, method: cancelled.method }, 'closing a cancelled order at the provider failed; a late payment is still credited');
  }
  return { order: presentOrder(cancelled), closedAtProvider };
}

/** The user's own order with its QR code (the top-up page polls it); another's → 404. */
export async function getOwnTopupOrder(deps: Deps, userId: number, orderId: number): Promise<TopupOrder> {
  const order = await findTopupOrderOfUser(deps.db.pool, orderId, userId);
  if (!order) throw notFound('充值订单');
  return presentOrderWithQr(order);
}

/** The methods offered: a provider only when configured; the generic webhook ('dev') always. */
export function availableTopupMethods(config: AppDeps['config']): TopupMethod[] {
  return [
    ...(config.payments.alipay ? (['alipay'] as const) : []),
    ...(config.payments.wechat ? (['wechat'] as const) : []),
    'dev',
  ];
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
  return applyPaymentEvent(deps, parseInput(WebhookBody, json), null);
}

export interface PaymentEvent {
  orderId: number;
  status: 'paid' | 'failed';
  amountCents: number;
  providerRef: string;
}

/**
 * The order → credit-once path every payment notification ends in, once its sender is verified
 * (the generic webhook, Alipay, WeChat Pay). In one transaction with the order locked: unknown
 * order (or one created for another provider) → 404, amount differs → 400, failed → order failed
 * (a late failure of a paid or cancelled order changes nothing), paid → the wallet credited exactly once,
 * also for a failed or cancelled order (the money arrived: a payment made before the close)
 * (replays answer with credited false and change nothing; another payment of a paid order → 409).
 */
export async function applyPaymentEvent(
  deps: Deps,
  event: PaymentEvent,
  provider: 'alipay' | 'wechat' | null,
): Promise<{ order: TopupOrder; credited: boolean }> {
  try {
    return await withTransaction(deps.db.pool, async (tx) => {
      const order = await lockTopupOrder(tx, event.orderId);
      if (!order || (provider !== null && order.method !== provider)) throw notFound('充值订单');
      if (order.amountCents !== event.amountCents) {
        deps.log.warn({ orderId: order.id, expected: order.amountCents, got: event.amountCents }, 'webhook amount mismatch');
        throw validationFailed('金额与订单不符 (amount does not match the order)', { expectedCents: order.amountCents });
      }
      if (event.status === 'failed') {
        // A late failure for a paid order is ignored (the money has arrived), and a cancelled order stays cancelled.
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
