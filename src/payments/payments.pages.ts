// Wallet page and the development payment page. (The download link /dl/:token is mounted in app.ts.)
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { assertDevPagesOpen, devPagesOpen } from '../http/dev-access.js';
import { YUAN_LIMITS, formatYuan, topupPresetsCents, yuanToCents } from '../../public/js/format.js';
import { formError, loginRedirect, sameSitePath } from '../http/forms.js';
import { afterTopupPath, devPayPath, topupOrderPath } from './topup-paths.js';
import type { RenderPage } from '../http/render.js';
import { parseId, parseInput } from '../http/validate.js';
import { payoutsPagesRouter, walletPayoutData } from './payouts.pages.js';
import { WalletQuery } from './payments.schemas.js';
import { findTopupOrderOfUser, listRecentTopupOrders } from './topups.repo.js';
import { WECHAT_BROWSER_NOTICE, isWechatBrowser, topupDeviceOf } from '../../public/js/device.js';
import type { TopupMethod, TopupStatus } from './topups.repo.js';
import { availableTopupMethods, cancelTopupOrder, createTopupOrder, getOwnTopupOrder, handlePaymentWebhook, presentOrder, signWebhookBody } from './topups.service.js';
import { vipPagesRouter } from './vip.pages.js';
import { ENTRY_KIND_LABELS, entryDocumentTitles, getWallet } from './wallet.service.js';

export const METHOD_LABELS: Record<TopupMethod, string> = { alipay: '支付宝', wechat: '微信支付', dev: '模拟支付（开发环境）' };
/** How the wallet's order list names a method: without the development page, 'dev' orders are paid through the generic signed webhook. */
const listedMethodLabels = (devPayments: boolean): Record<TopupMethod, string> => (devPayments ? METHOD_LABELS : { ...METHOD_LABELS, dev: '其他方式' });
export const TOPUP_STATUS_LABELS: Record<TopupStatus, string> = { pending: '等待付款', paid: '已到账', failed: '支付失败', cancelled: '已取消' };
/** How many of the user's latest top-up orders the wallet lists. */
const RECENT_ORDERS = 10;

/** What the top-up form offers: the configured providers, the development page when open to this client; else the generic webhook. */
function pageTopupMethods(deps: AppDeps, req: Request): TopupMethod[] {
  const methods = availableTopupMethods(deps.config).filter((m) => m !== 'dev' || devPagesOpen(deps, req));
  return methods.length ? methods : ['dev'];
}

/** A whole number of cents within the top-up limits given as text (a query or form field), else null. */
function centsParam(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return null;
  const cents = Number(value);
  return cents >= YUAN_LIMITS.topup.min && cents <= YUAN_LIMITS.topup.max ? cents : null;
}

/** The same-site path a top-up returns to: the form's hidden field, else the query's `return`. */
const returnPathOf = (req: Request): string | null =>
  sameSitePath((req.body as Record<string, unknown> | undefined)?.return) ?? sameSitePath(req.query.return);

export function paymentsPagesRouter(deps: AppDeps, render: RenderPage): Router {
  const router = Router();

  const renderWallet = async (req: Request, res: Response, extra: Record<string, unknown> = {}) => {
    const query = parseInput(WalletQuery, req.query);
    const wallet = await getWallet(deps, req.actor!.userId, query);
    // The table names documents by title (the API's entries carry only the id).
    const titles = await entryDocumentTitles(deps, wallet.entries);
    const methods = pageTopupMethods(deps, req);
    // From a purchase dialog: ?need= (what the purchase is short of), ?amount= (the preset chosen), ?return= (the document).
    const topup = {
      presets: topupPresetsCents(centsParam(req.query.need)),
      amountYuan: ((c) => (c === null ? '' : (c / 100).toFixed(2)))(centsParam(req.query.amount)),
      returnPath: returnPathOf(req),
    };
    const orders = (await listRecentTopupOrders(deps.db.pool, req.actor!.userId, RECENT_ORDERS)).map(presentOrder);
    const inWechat = isWechatBrowser(req.get('user-agent'));
    render(req, res, 'payments/wallet', { ...(await walletPayoutData(deps, req)), wallet, titles, labels: ENTRY_KIND_LABELS, formatYuan, devPayments: devPagesOpen(deps, req), methods, methodLabels: METHOD_LABELS, listedMethodLabels: listedMethodLabels(devPagesOpen(deps, req)), statusLabels: TOPUP_STATUS_LABELS, paid: req.query.paid === '1', cancelled: req.query.cancelled === '1', topup, orders, wechatNotice: inWechat ? WECHAT_BROWSER_NOTICE : null, ...extra }, {
      title: '我的钱包',
      noindex: true,
      scripts: ['payments.js'],
    });
  };

  router.use(payoutsPagesRouter(deps, render, renderWallet));

  router.get('/wallet', async (req, res) => {
    if (loginRedirect(req, res)) return;
    await renderWallet(req, res);
  });

  // The form works without JavaScript too; payments.js does the same through the API.
  router.post('/wallet/topups', async (req, res) => {
    if (loginRedirect(req, res)) return;
    const body = req.body as Record<string, unknown> | undefined;
    // A preset button sends its amount in cents; otherwise the typed yuan.
    const cents = body?.presetCents !== undefined ? centsParam(body.presetCents) : yuanToCents(body?.amountYuan, YUAN_LIMITS.topup);
    if (cents === null) {
      res.status(400);
      return renderWallet(req, res, { error: '请输入 0.01 到 100000 之间的金额，最多两位小数' });
    }
    const methods = pageTopupMethods(deps, req);
    const asked = (req.body as Record<string, unknown> | undefined)?.method;
    const method = methods.find((m) => m === asked) ?? methods[0]!;
    const returnPath = returnPathOf(req);
    const userAgent = req.get('user-agent');
    // WeChat refuses its H5 pay inside its own browser: say what works instead of a dead end.
    if (method === 'wechat' && isWechatBrowser(userAgent)) {
      res.status(400);
      return renderWallet(req, res, { error: WECHAT_BROWSER_NOTICE });
    }
    const order = await createTopupOrder(deps, req.actor!.userId, { amountCents: cents, method, returnPath, device: topupDeviceOf(userAgent), payerIp: req.ip });
    if (method === 'dev' && devPagesOpen(deps, req)) return res.redirect(303, devPayPath(order.id, returnPath));
    if (method === 'dev') return renderWallet(req, res, { pendingOrder: order });
    res.redirect(303, topupOrderPath(order.id, returnPath));
  });

  // The order page: the QR code to scan, and payments.js polls the order until it is paid.
  router.get('/wallet/topup/:orderId', async (req, res) => {
    if (loginRedirect(req, res)) return;
    const order = await getOwnTopupOrder(deps, req.actor!.userId, parseId(req.params.orderId));
    const returnPath = returnPathOf(req);
    // Back from the provider (Alipay's return URL) and already paid: straight on to the document.
    if (order.status === 'paid' && returnPath) return res.redirect(303, returnPath);
    const wechatNotice = isWechatBrowser(req.get('user-agent')) ? WECHAT_BROWSER_NOTICE : null;
    render(req, res, 'payments/topup-order', { order, wechatNotice, formatYuan, methodLabels: METHOD_LABELS, devPayments: devPagesOpen(deps, req), returnPath, devPayUrl: devPayPath(order.id, returnPath), afterPaid: afterTopupPath(returnPath) }, {
      title: `充值订单 #${order.id}`,
      noindex: true,
      scripts: ['payments.js'],
    });
  });

  // The wallet's and the order page's 取消 button (without JavaScript too).
  router.post('/wallet/topup/:orderId/cancel', async (req, res) => {
    if (loginRedirect(req, res)) return;
    try {
      await cancelTopupOrder(deps, req.actor!.userId, parseId(req.params.orderId));
    } catch (err) {
      const error = formError(err, res).message;
      return renderWallet(req, res, { error });
    }
    res.redirect(303, '/wallet?cancelled=1');
  });

  const findOwnOrder = async (req: Request) => {
    assertDevPagesOpen(deps, req);
    const order = await findTopupOrderOfUser(deps.db.pool, parseId(req.params.orderId), req.actor!.userId);
    if (!order) throw notFound('充值订单');
    return order;
  };

  router.get('/wallet/topup/:orderId/dev-pay', async (req, res) => {
    assertDevPagesOpen(deps, req);
    if (loginRedirect(req, res)) return;
    const order = await findOwnOrder(req);
    render(req, res, 'payments/dev-pay', { order: presentOrder(order), formatYuan, action: devPayPath(order.id), returnPath: returnPathOf(req) }, { title: '模拟支付', noindex: true });
  });

  // Completes the order through the very code path of the real webhook, with a valid signature.
  router.post('/wallet/topup/:orderId/dev-pay', async (req, res) => {
    assertDevPagesOpen(deps, req);
    if (loginRedirect(req, res)) return;
    const order = await findOwnOrder(req);
    const raw = Buffer.from(JSON.stringify({ orderId: order.id, status: 'paid', amountCents: order.amountCents, providerRef: `dev-${order.id}` }));
    try {
      await handlePaymentWebhook(deps, raw, signWebhookBody(deps.config.paymentWebhookSecret, raw));
    } catch (err) {
      const error = formError(err, res).message;
      return render(req, res, 'payments/dev-pay', { order: presentOrder(order), formatYuan, action: devPayPath(order.id), returnPath: returnPathOf(req), error }, { title: '模拟支付', noindex: true });
    }
    res.redirect(303, afterTopupPath(returnPathOf(req)));
  });

  router.use(vipPagesRouter(deps, render));
  return router;
}
