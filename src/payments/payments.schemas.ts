// Request and response schemas of the payments API, registered for the OpenAPI document.
import { z } from 'zod';
import { MAX_TOPUP_CENTS } from '../../public/js/format.js';
import { ErrorBody, registry } from '../http/openapi.js';
import { sameSitePath } from '../http/forms.js';
import { ENTRY_KINDS, type EntryKind } from './ledger-kinds.js';

const cents = z.number().int();
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(ErrorBody) });

export const TopupBody = z.object({
  amountCents: z.number().int('金额必须是整数分 (integer cents)').min(1, '金额至少 1 分').max(MAX_TOPUP_CENTS, '单笔充值不超过 10 万元'),
  /** alipay and wechat only when configured; dev (the generic signed webhook) when omitted. */
  method: z.enum(['alipay', 'wechat', 'dev']).optional(),
  /** Extension: a path on this site the provider's return page sends the buyer back to (e.g. the document). */
  returnPath: z.string().refine((v) => sameSitePath(v) !== null, '返回地址必须是本站路径 (returnPath must be a same-site path)').optional(),
  /** 'mobile': the provider's phone flow (Alipay wap pay, WeChat Pay H5: payUrl opens the app) instead of a QR code. */
  device: z.enum(['desktop', 'mobile']).optional(),
});
export const WebhookBody = z.object({
  orderId: z.number().int().positive(),
  status: z.enum(['paid', 'failed']),
  amountCents: z.number().int().positive(),
  providerRef: z.string().min(1).max(200),
});
/** `confirm` is checked separately: anything but `true` is 428 confirmation_required. */
export const PurchaseBody = z.object({
  confirm: z.unknown().optional(),
  /** Extension for API clients: the referral code of the share link the buyer came through. */
  referralCode: z.string().min(1).max(40).optional(),
  /** The price the buyer was shown and confirmed; a different current price → 409, nothing charged. */
  expectedPriceCents: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export const DownloadLinkBody = z.object({ confirm: z.unknown().optional() });
export const AdminCreditBody = z.object({
  amountCents: z.number().int().min(1).max(MAX_TOPUP_CENTS),
  reason: z.string().trim().min(1, '请填写原因 (reason required)').max(500),
});
export const WalletQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().regex(/^[1-9]\d{0,15}$/).optional(),
});

export const WalletEntry = registry.register(
  'WalletEntry',
  z.object({ id: z.number().int(), amountCents: cents, kind: z.enum(Object.keys(ENTRY_KINDS) as [EntryKind, ...EntryKind[]]), createdAt: z.string(), documentId: z.number().int().nullable() }),
);
export const Wallet = registry.register(
  'Wallet',
  z.object({
    balanceCents: cents,
    // Earned money settled and not yet withdrawn, never more than the balance.
    withdrawableCents: cents,
    // Shares of sales within PAYOUT_HOLD_DAYS: withdrawable once they settle.
    pendingEarningsCents: cents,
    entries: z.array(WalletEntry),
    nextCursor: z.string().nullable(),
  }),
);
export const TopupOrder = registry.register(
  'TopupOrder',
  z.object({
    id: z.number().int(),
    amountCents: cents,
    status: z.enum(['pending', 'paid', 'failed', 'cancelled']),
    method: z.enum(['alipay', 'wechat', 'dev']),
    device: z.enum(['desktop', 'mobile']),
    // While pending: Alipay's page-pay (desktop) or wap-pay (mobile) URL, WeChat's h5_url (mobile).
    payUrl: z.string().nullable(),
    // The QR code to scan while pending, as an SVG data URL.
    qrCode: z.string().nullable(),
  }),
);
export const Purchase = registry.register(
  'Purchase',
  z.object({
    id: z.number().int(),
    documentId: z.number().int(),
    priceCents: cents,
    createdAt: z.string(),
    status: z.enum(['paid', 'refunded']),
    refundedAt: z.string().nullable(),
  }),
);
export const PurchaseResult = z.object({ purchase: Purchase, wallet: z.object({ balanceCents: cents }) });
export const DownloadLink = registry.register(
  'DownloadLink',
  z.object({ url: z.string(), expiresAt: z.string(), notices: z.array(z.string()) }),
);
export const PurchasedDocument = z.object({
  id: z.number().int(),
  title: z.string(),
  format: z.string(),
  priceCents: cents,
  status: z.string(),
  originalFilename: z.string(),
  sizeBytes: z.number().int(),
});
export const MyPurchases = z.object({ items: z.array(z.object({ purchase: Purchase, document: PurchasedDocument })) });
export const Earnings = registry.register(
  'Earnings',
  z.object({
    totalCents: cents,
    referralCents: cents,
    items: z.array(
      z.object({ documentId: z.number().int(), title: z.string(), sales: z.number().int(), earnedCents: cents, refundedCents: cents }),
    ),
  }),
);

const bearer = [{ bearer: [] }];
registry.registerPath({
  method: 'get', path: '/api/v1/wallet', tags: ['wallet'], security: bearer, request: { query: WalletQuery },
  responses: { 200: { description: 'balance and entries, newest first', ...json(Wallet) }, 401: err('not logged in') },
});
registry.registerPath({
  method: 'post', path: '/api/v1/wallet/topups', tags: ['wallet'], security: bearer, request: { body: json(TopupBody) },
  responses: {
    201: { description: 'pending order', ...json(z.object({ order: TopupOrder })) },
    400: err('bad amount, or a method that is not configured'), 503: err('the provider could not be reached'),
  },
});
registry.registerPath({
  method: 'get', path: '/api/v1/wallet/topups/{id}', tags: ['wallet'], security: bearer, request: { params: z.object({ id: z.string() }) },
  responses: { 200: { description: 'own order (the top-up page polls it)', ...json(z.object({ order: TopupOrder })) }, 404: err('not yours') },
});
registry.registerPath({
  method: 'post', path: '/api/v1/wallet/topups/{id}/cancel', tags: ['wallet'], security: bearer, request: { params: z.object({ id: z.string() }) },
  responses: {
    200: {
      description: 'cancelled, and closed at the provider (closedAtProvider false: the provider could not be reached; a payment still arriving is credited once)',
      ...json(z.object({ order: TopupOrder, closedAtProvider: z.boolean() })),
    },
    404: err('not yours, or no such order'), 409: err('not pending (paid, failed or already cancelled)'),
  },
});
registry.registerPath({
  method: 'post', path: '/api/v1/payments/alipay/notify', tags: ['wallet'],
  description: 'Alipay asynchronous notification, form-encoded, RSA2 signed. Answers the text success only when the order is credited or already was.',
  responses: { 200: { description: 'success or failure (text)' }, 401: { description: 'failure: bad signature' } },
});
registry.registerPath({
  method: 'post', path: '/api/v1/payments/wechat/notify', tags: ['wallet'],
  description: 'WeChat Pay APIv3 notification: Wechatpay-Signature over timestamp, nonce and body; resource AES-256-GCM.',
  responses: { 200: { description: '{"code":"SUCCESS"}' }, 401: { description: '{"code":"FAIL"}: bad signature or stale' } },
});
registry.registerPath({
  method: 'post', path: '/api/v1/payments/webhook', tags: ['wallet'],
  description: 'Header X-Signature: sha256=<hex HMAC-SHA256 of the raw body>.',
  request: { body: json(WebhookBody) },
  responses: {
    200: { description: 'applied (replays change nothing)', ...json(z.object({ order: TopupOrder })) },
    400: err('amount differs from the order'), 401: err('bad signature'), 404: err('unknown order'),
    409: err('order already paid by another payment'),
  },
});
registry.registerPath({
  method: 'post', path: '/api/v1/admin/wallets/{userId}/credits', tags: ['wallet'], security: bearer,
  request: { params: z.object({ userId: z.string() }), body: json(AdminCreditBody) },
  responses: { 201: { description: 'credited from the adjustments account', ...json(z.object({ wallet: z.object({ balanceCents: cents }) })) }, 403: err('admins only') },
});
registry.registerPath({
  method: 'post', path: '/api/v1/documents/{id}/purchase', tags: ['purchases'], security: bearer,
  request: {
    params: z.object({ id: z.string() }),
    headers: z.object({ 'idempotency-key': z.string().max(255).optional() }),
    body: json(PurchaseBody),
  },
  responses: {
    201: { description: 'bought', ...json(PurchaseResult) }, 200: { description: 'already bought', ...json(PurchaseResult) },
    402: err('balance too low'), 404: err('no such document'), 409: err('processing, own or free document, or idempotency key reused'),
    428: err('confirm missing'),
  },
});
registry.registerPath({
  method: 'post', path: '/api/v1/documents/{id}/download-link', tags: ['purchases'], security: bearer,
  request: { params: z.object({ id: z.string() }), body: json(DownloadLinkBody) },
  responses: { 200: { description: 'signed link', ...json(DownloadLink) }, 402: err('not bought'), 404: err('no such document'), 428: err('confirm missing') },
});
registry.registerPath({
  method: 'get', path: '/api/v1/me/purchases', tags: ['purchases'], security: bearer,
  responses: { 200: { description: 'own purchases, newest first', ...json(MyPurchases) } },
});
registry.registerPath({
  method: 'get', path: '/api/v1/me/earnings', tags: ['purchases'], security: bearer,
  responses: { 200: { description: 'earnings per uploaded document', ...json(Earnings) } },
});
