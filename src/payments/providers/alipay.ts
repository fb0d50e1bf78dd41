// Alipay (支付宝): a top-up order's ways to pay — on a computer the QR code of 当面付
// (alipay.trade.precreate, scanned with the Alipay app) and the signed page-pay URL (电脑网站支付);
// on a phone the signed wap-pay URL (手机网站支付, alipay.trade.wap.pay) that opens the Alipay app —
// closing a trade (alipay.trade.close), and the asynchronous notification.
//
// Alipay's own SDK (alipay-sdk) does the signing: it builds the page-pay and wap-pay URLs (RSA2)
// without any network call; it sends alipay.trade.precreate and alipay.trade.close to
// ALIPAY_GATEWAY and checks the answers' RSA2 signature under ALIPAY_PUBLIC_KEY; and it checks the
// notification's signature: the parameters other than sign and sign_type, sorted by name, joined
// as key=value with &, SHA256withRSA. What a verified notification means is decided here; crediting
// is the shared order → credit-once path (applyPaymentEvent).
import { AlipaySdk } from 'alipay-sdk';
import type { AlipayConfig, Config } from '../../config.js';
import type { TopupOrderRow } from '../topups.repo.js';
import { formatYuanAmount, parseYuanAmount } from './amounts.js';
import { topupOrderPath } from '../topup-paths.js';

const sdks = new WeakMap<AlipayConfig, AlipaySdk>();

function sdkFor(config: AlipayConfig): AlipaySdk {
  let sdk = sdks.get(config);
  if (!sdk) {
    sdk = new AlipaySdk({
      appId: config.appId,
      privateKey: config.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      keyType: 'PKCS1',
      alipayPublicKey: config.alipayPublicKey.export({ type: 'spki', format: 'pem' }).toString(),
      gateway: config.gateway,
      signType: 'RSA2',
    });
    sdks.set(config, sdk);
  }
  return sdk;
}

/** Our out_trade_no for an order: unique per merchant, and the way back to the order. */
export const alipayTradeNo = (orderId: number) => `wenku_topup_${orderId}`;
const ORDER_FROM_TRADE_NO = /^wenku_topup_([1-9]\d{0,15})$/;

const notifyUrl = (config: Pick<Config, 'publicUrl'>) => `${config.publicUrl!.replace(/\/$/, '')}/api/v1/payments/alipay/notify`;

/** The signed page-pay URL (GET) the buyer opens; the QR code to scan comes from precreate (createAlipayPrecreate). */
export function alipayPagePayUrl(config: Config, order: TopupOrderRow, returnPath: string | null = null): string {
  const alipay = config.payments.alipay!;
  const base = config.publicUrl!.replace(/\/$/, '');
  return sdkFor(alipay).pageExecute('alipay.trade.page.pay', 'GET', {
    notifyUrl: notifyUrl(config),
    returnUrl: `${base}${topupOrderPath(order.id, returnPath)}`,
    bizContent: {
      outTradeNo: alipayTradeNo(order.id),
      productCode: 'FAST_INSTANT_TRADE_PAY',
      totalAmount: formatYuanAmount(order.amountCents),
      subject: `${config.site.name}钱包充值`,
      timeoutExpress: '2h',
    },
  });
}

/**
 * The signed 手机网站支付 URL (alipay.trade.wap.pay, GET) a phone opens: Alipay's page hands the
 * payment to the Alipay app (or its H5 cashier). Built locally like page pay; quit_url and
 * return_url both lead to the order page, which goes on to where the buyer came from once paid.
 */
export function alipayWapPayUrl(config: Config, order: TopupOrderRow, returnPath: string | null = null): string {
  const base = config.publicUrl!.replace(/\/$/, '');
  const orderPage = `${base}${topupOrderPath(order.id, returnPath)}`;
  return sdkFor(config.payments.alipay!).pageExecute('alipay.trade.wap.pay', 'GET', {
    notifyUrl: notifyUrl(config),
    returnUrl: orderPage,
    bizContent: {
      outTradeNo: alipayTradeNo(order.id),
      productCode: 'QUICK_WAP_WAY',
      totalAmount: formatYuanAmount(order.amountCents),
      subject: `${config.site.name}钱包充值`,
      quitUrl: orderPage,
      timeoutExpress: '2h',
    },
  });
}

/**
 * Closes the trade at Alipay (alipay.trade.close) so it can no longer be paid. A trade Alipay never
 * saw (the buyer did not open the link: ACQ.TRADE_NOT_EXIST) counts as closed. Throws when Alipay
 * cannot be reached, answers unsigned, or refuses (e.g. the trade was paid meanwhile).
 */
export async function closeAlipayTrade(config: Config, orderId: number): Promise<void> {
  const tradeNo = alipayTradeNo(orderId);
  const answer: Record<string, unknown> = await sdkFor(config.payments.alipay!).exec(
    'alipay.trade.close',
    { bizContent: { outTradeNo: tradeNo } },
    { validateSign: true },
  );
  if (answer.code === '10000' && answer.outTradeNo === tradeNo) return;
  if (answer.subCode === 'ACQ.TRADE_NOT_EXIST') return;
  throw new Error(`alipay.trade.close refused: ${String(answer.code)} ${String(answer.subCode ?? answer.msg)}`);
}

/**
 * Places the 当面付 order with Alipay (alipay.trade.precreate) and returns its qr_code, the text of
 * the QR code the buyer scans. Throws when Alipay cannot be reached, refuses, or its answer is not
 * signed with ALIPAY_PUBLIC_KEY or is for another trade.
 */
export async function createAlipayPrecreate(config: Config, order: TopupOrderRow): Promise<string> {
  const tradeNo = alipayTradeNo(order.id);
  // camelcase (the SDK's default): the answer's qr_code and out_trade_no come as qrCode, outTradeNo.
  const answer: Record<string, unknown> = await sdkFor(config.payments.alipay!).exec(
    'alipay.trade.precreate',
    {
      notifyUrl: notifyUrl(config),
      bizContent: {
        outTradeNo: tradeNo,
        totalAmount: formatYuanAmount(order.amountCents),
        subject: `${config.site.name}钱包充值`,
        timeoutExpress: '2h',
      },
    },
    { validateSign: true },
  );
  if (answer.code !== '10000' || answer.outTradeNo !== tradeNo || typeof answer.qrCode !== 'string' || !answer.qrCode) {
    throw new Error(`alipay.trade.precreate refused: ${String(answer.code)} ${String(answer.subCode ?? answer.msg)}`);
  }
  return answer.qrCode;
}

export type AlipayNotice =
  | { kind: 'forged' }
  | { kind: 'ignored'; reason: string }
  | { kind: 'event'; event: { orderId: number; status: 'paid' | 'failed'; amountCents: number; providerRef: string } };

/**
 * Reads a notification (the form fields as posted). Forged: no valid RSA2 signature under
 * ALIPAY_PUBLIC_KEY, or for another app. TRADE_SUCCESS / TRADE_FINISHED → paid; TRADE_CLOSED →
 * failed; anything else (WAIT_BUYER_PAY) or not our trade number → ignored.
 */
export function readAlipayNotice(config: AlipayConfig, fields: Record<string, unknown>): AlipayNotice {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v !== 'string') return { kind: 'forged' }; // a repeated field is not what Alipay sends
    params[k] = v;
  }
  if (!params.sign || (params.sign_type && params.sign_type !== 'RSA2')) return { kind: 'forged' };
  // raw: the form body is already decoded; the signature covers the decoded values.
  if (!sdkFor(config).checkNotifySignV2(params)) return { kind: 'forged' };
  if (params.app_id !== config.appId) return { kind: 'forged' };
  const orderMatch = params.out_trade_no?.match(ORDER_FROM_TRADE_NO);
  if (!orderMatch) return { kind: 'ignored', reason: 'not our trade number' };
  const amountCents = parseYuanAmount(params.total_amount);
  if (amountCents === null || !params.trade_no) return { kind: 'ignored', reason: 'no amount or trade number' };
  const status = params.trade_status === 'TRADE_SUCCESS' || params.trade_status === 'TRADE_FINISHED'
    ? 'paid'
    : params.trade_status === 'TRADE_CLOSED'
      ? 'failed'
      : null;
  if (status === null) return { kind: 'ignored', reason: `trade status ${params.trade_status}` };
  return { kind: 'event', event: { orderId: Number(orderMatch[1]), status, amountCents, providerRef: `alipay:${params.trade_no}` } };
}
