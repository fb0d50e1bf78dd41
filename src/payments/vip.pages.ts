// The /vip page (plans, status, what a membership covers, buy and cancel), the admin's VIP plans
// (/admin/vip, vip-plans.pages.ts) and download coupon page (/admin/coupons). Forms work without
// JavaScript.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../deps.js';
import { forbidden } from '../errors.js';
import { formatYuan, yuanToCents } from '../../public/js/format.js';
import { formError, loginRedirect } from '../http/forms.js';
import type { RenderPage } from '../http/render.js';
import { parseId } from '../http/validate.js';
import { issueCouponBatch, listBatchCodes, listBatches } from './coupons.service.js';
import { listOfferedPlans } from './vip-plans.service.js';
import { vipPlansPagesRouter } from './vip-plans.pages.js';
import { listLivePeriods } from './vip.repo.js';
import { cancelRefunds, cancelVip, getVipStatus, purchaseVip } from './vip.service.js';
import { getUserBalanceCents } from './wallet-accounts.repo.js';

export function vipPagesRouter(deps: AppDeps, render: RenderPage): Router {
  const router = Router();
  const timeFormat = new Intl.DateTimeFormat('zh-CN', { timeZone: deps.config.timezone, dateStyle: 'medium', timeStyle: 'short' });
  const formatTime = (iso: string) => timeFormat.format(new Date(iso));

  const renderVip = async (req: Request, res: Response, extra: Record<string, unknown> = {}) => {
    const userId = req.actor?.userId;
    const now = deps.clock.now();
    const [vip, balanceCents, live] = userId
      ? await Promise.all([getVipStatus(deps, userId), getUserBalanceCents(deps.db.pool, userId), listLivePeriods(deps.db.pool, userId, now)])
      : [null, 0, []];
    const refunds = await cancelRefunds(deps.db.pool, live, now);
    render(req, res, 'payments/vip', {
      plans: await listOfferedPlans(deps),
      vip,
      balanceCents,
      refundPreviewCents: refunds.reduce((sum, r) => sum + r.cents, 0),
      timezone: deps.config.timezone,
      authorSharePercent: Math.round(deps.config.authorShare * 100),
      formatYuan,
      formatTime,
      ...extra,
    }, { title: '会员', description: '文库会员：每天免费下载付费文档，不自动续费，随时取消按天退款。' });
  };

  /** Runs a form's action; a refusal (4xx) is shown on the page, not as an error page. */
  const attempt = async (req: Request, res: Response, action: () => Promise<Record<string, unknown>>) => {
    let shown: Record<string, unknown>;
    try {
      shown = await action();
    } catch (err) {
      const refusal = formError(err, res);
      const errorLink = refusal.status === 402 ? { href: '/wallet', text: '去充值' } : null;
      shown = { error: refusal.message, errorLink };
    }
    await renderVip(req, res, shown);
  };

  router.get('/vip', async (req, res) => {
    await renderVip(req, res);
  });

  router.post('/vip/purchase', async (req, res) => {
    if (loginRedirect(req, res)) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    await attempt(req, res, async () => {
      const shownPrice = typeof body.expectedPriceCents === 'string' && /^\d{1,12}$/.test(body.expectedPriceCents) ? Number(body.expectedPriceCents) : undefined;
      const result = await purchaseVip(deps, req.actor!, { planId: String(body.planId ?? ''), confirm: body.confirm === 'yes', expectedPriceCents: shownPrice });
      return { message: `已开通${result.period.planName}，有效期至 ${formatTime(result.vip.until)}。` };
    });
  });

  router.post('/vip/cancel', async (req, res) => {
    if (loginRedirect(req, res)) return;
    await attempt(req, res, async () => {
      const { refundCents } = await cancelVip(deps, req.actor!);
      return { message: `会员已取消，已退回 ${formatYuan(refundCents)} 到钱包。` };
    });
  });

  router.use(vipPlansPagesRouter(deps, render));

  const admin = (req: Request, res: Response) => {
    if (loginRedirect(req, res)) return false;
    if (req.actor!.role !== 'admin') throw forbidden('仅管理员可以发放下载券 (admins only)');
    return true;
  };
  const renderCoupons = async (req: Request, res: Response, extra: Record<string, unknown> = {}) => {
    const { items } = await listBatches(deps);
    render(req, res, 'payments/admin-coupons', { batches: items, formatYuan, formatTime, ...extra }, { title: '下载券', noindex: true });
  };

  router.get('/admin/coupons', async (req, res) => {
    if (!admin(req, res)) return;
    await renderCoupons(req, res);
  });

  router.get('/admin/coupons/:id', async (req, res) => {
    if (!admin(req, res)) return;
    const batchId = parseId(req.params.id);
    await renderCoupons(req, res, { batchId, codes: (await listBatchCodes(deps, batchId)).items });
  });

  router.post('/admin/coupons', async (req, res) => {
    if (!admin(req, res)) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const quantity = Number(body.quantity);
    const maxPriceCents = yuanToCents(body.maxPriceYuan, { min: 1, max: 10_000_000 });
    const note = typeof body.note === 'string' ? body.note.trim().slice(0, 200) : '';
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1000 || maxPriceCents === null || !note) {
      res.status(400);
      return renderCoupons(req, res, { error: '请填写 1–1000 的数量、面值上限（元）和用途' });
    }
    const issued = await issueCouponBatch(deps, req.actor!, { quantity, maxPriceCents, note });
    res.status(201);
    await renderCoupons(req, res, { issued });
  });

  return router;
}
