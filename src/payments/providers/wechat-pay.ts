// WeChat Pay APIv3: Native (扫码支付, the order's code_url as a QR code) on a computer, H5 (its
// h5_url opens WeChat's cashier) in a phone's browser, closing an order, and the notification.
//
// Node's crypto does all of it, as WeChat documents it:
// - requests carry `Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,signature=…,
//   timestamp=…,serial_no=…`, the signature SHA256withRSA under the merchant key over
//   `METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY\n`;
// - WeChat's answers and notifications carry Wechatpay-Timestamp / -Nonce / -Signature, a
//   SHA256withRSA signature under the platform key over `TIMESTAMP\nNONCE\nBODY\n`;
// - a notification's `resource` is AES-256-GCM under the APIv3 key (nonce, associated_data; the
//   last 16 bytes of the ciphertext are the tag).
// The HTTP client is plain fetch against WECHAT_API_BASE, which tests point at a loopback server.
import { createDecipheriv, createSign, createVerify, randomBytes, type KeyObject } from 'node:crypto';
import type { AppDeps } from '../../deps.js';
import type { WechatPayConfig } from '../../config.js';
import type { TopupOrderRow } from '../topups.repo.js';

/** Notifications older (or newer) than this are refused: a captured one cannot be replayed later. */
export const WECHAT_MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
const REQUEST_TIMEOUT_MS = 10_000;

export const wechatTradeNo = (orderId: number) => `wenku_topup_${orderId}`;
const ORDER_FROM_TRADE_NO = /^wenku_topup_([1-9]\d{0,15})$/;

/** SHA256withRSA, base64, over the lines each followed by \n (WeChat's message format). */
export function signWechatMessage(privateKey: KeyObject, lines: readonly string[]): string {
  return createSign('RSA-SHA256').update(lines.map((l) => `${l}\n`).join('')).sign(privateKey, 'base64');
}

function verifyWechatMessage(publicKey: KeyObject, lines: readonly string[], signature: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(lines.map((l) => `${l}\n`).join('')).verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/** The Authorization header of a merchant request. */
export function wechatAuthorization(config: WechatPayConfig, method: string, pathWithQuery: string, body: string, nowMs: number): string {
  const timestamp = String(Math.floor(nowMs / 1000));
  const nonce = randomBytes(16).toString('hex');
  const signature = signWechatMessage(config.privateKey, [method, pathWithQuery, timestamp, nonce, body]);
  return `WECHATPAY2-SHA256-RSA2048 mchid="${config.mchid}",nonce_str="${nonce}",signature="${signature}",timestamp="${timestamp}",serial_no="${config.serialNo}"`;
}

type HeaderGetter = (name: string) => string | null | undefined;

/** Signature and freshness of something WeChat sent (an answer or a notification). */
function fromWechat(config: WechatPayConfig, header: HeaderGetter, body: string, nowMs: number): boolean {
  const timestamp = header('wechatpay-timestamp');
  const nonce = header('wechatpay-nonce');
  const signature = header('wechatpay-signature');
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !nonce || !signature) return false;
  if (Math.abs(nowMs - Number(timestamp) * 1000) > WECHAT_MAX_CLOCK_SKEW_MS) return false;
  return verifyWechatMessage(config.platformPublicKey, [timestamp, nonce, body], signature);
}

/**
 * A merchant-signed request to WeChat Pay; returns the answer's body once it is the expected
 * status and signed by the platform key. Throws otherwise (unreachable, refused, unsigned).
 */
async function wechatRequest(deps: Pick<AppDeps, 'config' | 'clock'>, path: string, payload: object, expectStatus: number): Promise<string> {
  const config = deps.config.payments.wechat!;
  const body = JSON.stringify(payload);
  const res = await fetch(`${config.apiBase}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: wechatAuthorization(config, 'POST', path, body, deps.clock.now().getTime()),
    },
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  if (res.status !== expectStatus) throw new Error(`WeChat Pay answered ${res.status}: ${text.slice(0, 200)}`);
  if (!fromWechat(config, (n) => res.headers.get(n), text, deps.clock.now().getTime())) {
    throw new Error('WeChat Pay answer is not signed by the platform key');
  }
  return text;
}

/** What every order request carries: our app and merchant, the trade number, amount and notify URL. */
function orderPayload(deps: Pick<AppDeps, 'config'>, order: TopupOrderRow) {
  const config = deps.config.payments.wechat!;
  return {
    appid: config.appid,
    mchid: config.mchid,
    description: `${deps.config.site.name}钱包充值`,
    out_trade_no: wechatTradeNo(order.id),
    notify_url: `${deps.config.publicUrl!.replace(/\/$/, '')}/api/v1/payments/wechat/notify`,
    amount: { total: order.amountCents, currency: 'CNY' },
  };
}

/**
 * Places the Native order with WeChat and returns its code_url. Throws when WeChat cannot be
 * reached, refuses, or its answer is not signed by the platform key.
 */
export async function createWechatNativeOrder(deps: Pick<AppDeps, 'config' | 'clock'>, order: TopupOrderRow): Promise<string> {
  const text = await wechatRequest(deps, '/v3/pay/transactions/native', orderPayload(deps, order), 200);
  const codeUrl = (JSON.parse(text) as { code_url?: unknown }).code_url;
  if (typeof codeUrl !== 'string' || !codeUrl.startsWith('weixin://')) throw new Error('WeChat Pay answer has no code_url');
  return codeUrl;
}

/**
 * Places the H5 order (a phone's browser other than WeChat's) and returns the URL the buyer opens:
 * WeChat's h5_url with `redirect_url` (where WeChat's cashier sends the buyer back, our order page)
 * appended as WeChat documents. `payerIp` is the buyer's address as the trusted-proxy setting
 * resolves it: WeChat compares it with the address that opens h5_url.
 */
export async function createWechatH5Order(
  deps: Pick<AppDeps, 'config' | 'clock'>,
  order: TopupOrderRow,
  payerIp: string,
  returnUrl: string,
): Promise<string> {
  const text = await wechatRequest(
    deps,
    '/v3/pay/transactions/h5',
    { ...orderPayload(deps, order), scene_info: { payer_client_ip: payerIp, h5_info: { type: 'Wap' } } },
    200,
  );
  const h5Url = (JSON.parse(text) as { h5_url?: unknown }).h5_url;
  if (typeof h5Url !== 'string' || !/^https?:\/\//.test(h5Url)) throw new Error('WeChat Pay answer has no h5_url');
  return `${h5Url}${h5Url.includes('?') ? '&' : '?'}redirect_url=${encodeURIComponent(returnUrl)}`;
}

/** Closes the order at WeChat (关闭订单: 204, signed) so it can no longer be paid. Throws otherwise. */
export async function closeWechatOrder(deps: Pick<AppDeps, 'config' | 'clock'>, orderId: number): Promise<void> {
  const config = deps.config.payments.wechat!;
  await wechatRequest(deps, `/v3/pay/transactions/out-trade-no/${wechatTradeNo(orderId)}/close`, { mchid: config.mchid }, 204);
}

/** AES-256-GCM under the APIv3 key; null when it does not decrypt (wrong key, tampered). */
export function decryptWechatResource(apiV3Key: string, resource: { ciphertext: string; nonce: string; associated_data?: string }): string | null {
  try {
    const data = Buffer.from(resource.ciphertext, 'base64');
    if (data.length <= 16) return null;
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(resource.nonce, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - 16));
    decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

export type WechatNotice =
  | { kind: 'forged'; reason: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'event'; event: { orderId: number; status: 'paid' | 'failed'; amountCents: number; providerRef: string } };

interface Transaction {
  mchid?: unknown;
  appid?: unknown;
  out_trade_no?: unknown;
  transaction_id?: unknown;
  trade_state?: unknown;
  amount?: { total?: unknown };
}

/**
 * Reads a notification: the platform signature over `timestamp\nnonce\nbody\n` and a timestamp
 * within 5 minutes, then the resource decrypted and for our merchant and app. SUCCESS → paid;
 * CLOSED, PAYERROR, REVOKED → failed; other states or foreign trade numbers → ignored.
 */
export function readWechatNotice(config: WechatPayConfig, header: HeaderGetter, rawBody: Buffer | undefined, nowMs: number): WechatNotice {
  const body = rawBody?.toString('utf8') ?? '';
  if (!fromWechat(config, header, body, nowMs)) return { kind: 'forged', reason: 'signature' };
  let notice: { resource?: { algorithm?: unknown; ciphertext?: unknown; nonce?: unknown; associated_data?: unknown } };
  try {
    notice = JSON.parse(body) as typeof notice;
  } catch {
    return { kind: 'forged', reason: 'body' };
  }
  const r = notice.resource;
  if (!r || r.algorithm !== 'AEAD_AES_256_GCM' || typeof r.ciphertext !== 'string' || typeof r.nonce !== 'string') {
    return { kind: 'forged', reason: 'resource' };
  }
  const plain = decryptWechatResource(config.apiV3Key, {
    ciphertext: r.ciphertext,
    nonce: r.nonce,
    associated_data: typeof r.associated_data === 'string' ? r.associated_data : '',
  });
  if (plain === null) return { kind: 'forged', reason: 'decryption' };
  let tx: Transaction;
  try {
    tx = JSON.parse(plain) as Transaction;
  } catch {
    return { kind: 'forged', reason: 'resource body' };
  }
  if (tx.mchid !== config.mchid || tx.appid !== config.appid) return { kind: 'forged', reason: 'merchant' };
  const orderMatch = typeof tx.out_trade_no === 'string' ? tx.out_trade_no.match(ORDER_FROM_TRADE_NO) : null;
  if (!orderMatch) return { kind: 'ignored', reason: 'not our trade number' };
  const total = tx.amount?.total;
  if (typeof total !== 'number' || !Number.isSafeInteger(total) || total <= 0 || typeof tx.transaction_id !== 'string' || !tx.transaction_id) {
    return { kind: 'ignored', reason: 'no amount or transaction id' };
  }
  const status = tx.trade_state === 'SUCCESS' ? 'paid' : ['CLOSED', 'PAYERROR', 'REVOKED'].includes(String(tx.trade_state)) ? 'failed' : null;
  if (status === null) return { kind: 'ignored', reason: `trade state ${String(tx.trade_state)}` };
  return { kind: 'event', event: { orderId: Number(orderMatch[1]), status, amountCents: total, providerRef: `wechat:${tx.transaction_id}` } };
}
