// The providers' notifications: verify the sender as the provider documents it, turn the notice
// into a payment event, and feed it to the one order → credit-once path (applyPaymentEvent). The
// answers are in each provider's own terms, because the provider reads them to stop resending.
import type { AppDeps } from '../deps.js';
import { AppError } from '../errors.js';
import { readAlipayNotice } from './providers/alipay.js';
import { readWechatNotice } from './providers/wechat-pay.js';
import { applyPaymentEvent } from './topups.service.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'log' | 'clock'>;

/** Errors the provider may see as a status; anything else is ours and rethrown (500, logged). */
function expectedFailure(err: unknown): number | null {
  return err instanceof AppError && err.status < 500 ? err.status : null;
}

/**
 * Alipay's asynchronous notification (form fields). Answers the text `success` only when the
 * order is credited or already was; otherwise `failure` (Alipay then resends, up to 8 times over
 * 25 hours), with a status saying why: 401 forged, 404 unknown order, 400 wrong amount.
 */
export async function handleAlipayNotice(deps: Deps, fields: Record<string, unknown>): Promise<{ status: number; text: 'success' | 'failure' }> {
  const alipay = deps.config.payments.alipay;
  if (!alipay) return { status: 404, text: 'failure' };
  const notice = readAlipayNotice(alipay, fields);
  if (notice.kind === 'forged') {
    deps.log.warn({ outTradeNo: fields.out_trade_no }, 'alipay notification with a bad signature');
    return { status: 401, text: 'failure' };
  }
  if (notice.kind === 'ignored') {
    deps.log.info({ reason: notice.reason }, 'alipay notification ignored');
    return { status: 200, text: 'failure' };
  }
  try {
    const { order } = await applyPaymentEvent(deps, notice.event, 'alipay');
    return { status: 200, text: order.status === 'paid' ? 'success' : 'failure' };
  } catch (err) {
    const status = expectedFailure(err);
    if (status === null) throw err;
    return { status, text: 'failure' };
  }
}

type WechatAnswer = { status: number; body: { code: 'SUCCESS' } | { code: 'FAIL'; message: string } };

/**
 * WeChat Pay's APIv3 notification (raw JSON body and Wechatpay-* headers). A verified notice that
 * was applied (or needed nothing) answers 200 {"code":"SUCCESS"}; otherwise a 4xx
 * {"code":"FAIL","message"} and WeChat resends.
 */
export async function handleWechatNotice(
  deps: Deps,
  header: (name: string) => string | undefined,
  rawBody: Buffer | undefined,
): Promise<WechatAnswer> {
  const wechat = deps.config.payments.wechat;
  if (!wechat) return { status: 404, body: { code: 'FAIL', message: '未启用微信支付' } };
  const notice = readWechatNotice(wechat, header, rawBody, deps.clock.now().getTime());
  if (notice.kind === 'forged') {
    deps.log.warn({ reason: notice.reason }, 'wechat pay notification refused');
    return { status: 401, body: { code: 'FAIL', message: '验签失败' } };
  }
  if (notice.kind === 'ignored') {
    deps.log.info({ reason: notice.reason }, 'wechat pay notification ignored');
    return { status: 200, body: { code: 'SUCCESS' } };
  }
  try {
    await applyPaymentEvent(deps, notice.event, 'wechat');
    return { status: 200, body: { code: 'SUCCESS' } };
  } catch (err) {
    const status = expectedFailure(err);
    if (status === null) throw err;
    return { status, body: { code: 'FAIL', message: (err as AppError).message } };
  }
}
