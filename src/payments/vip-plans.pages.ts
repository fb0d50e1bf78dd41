// /admin/vip: the admin's VIP plans — list, create, edit the terms, stop and resume the sale. Forms
// without JavaScript; prices typed in yuan (public/js/format.js); a refused form is shown again with
// its Chinese message and nothing changed.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../deps.js';
import { AppError, forbidden } from '../errors.js';
import { YUAN_LIMITS, formatYuan, yuanToCents } from '../../public/js/format.js';
import { formError, formErrorMessage, loginRedirect } from '../http/forms.js';
import type { RenderPage } from '../http/render.js';
import { changeVipPlan, createVipPlan, listPlansForAdmin } from './vip-plans.service.js';
import { countMembersByPlan } from './vip.repo.js';

type Form = Record<string, unknown>;

const DONE: Record<string, string> = {
  created: '已新增套餐，已开始销售。',
  updated: '已保存。已开通的会员按购买时的条件继续有效。',
  retired: '已停售。已开通该套餐的会员不受影响，到期为止照常使用。',
  restored: '已恢复销售。',
};

const PRICE_ERROR = '请输入 0.01 到 1000000 之间的价格（元），最多两位小数';

/** A whole number typed in a form; NaN when it is not one (the plan rule then refuses it in Chinese). */
const formInt = (value: unknown) => (typeof value === 'string' && /^\s*\d{1,9}\s*$/.test(value) ? Number(value) : NaN);

/** The plan's terms from the form; the price through the one yuan parser. */
function termsFrom(form: Form) {
  const priceCents = yuanToCents(form.priceYuan, YUAN_LIMITS.vipPrice);
  if (priceCents === null) throw new AppError('validation_failed', PRICE_ERROR);
  return {
    name: typeof form.name === 'string' ? form.name : '',
    days: formInt(form.days),
    priceCents,
    downloadsPerDay: formInt(form.downloadsPerDay),
  };
}

export function vipPlansPagesRouter(deps: AppDeps, render: RenderPage): Router {
  const router = Router();

  const admin = (req: Request, res: Response) => {
    if (loginRedirect(req, res)) return null;
    if (req.actor!.role !== 'admin') throw forbidden('仅管理员可以管理会员套餐 (admins only)');
    return req.actor!;
  };

  const renderPlans = async (req: Request, res: Response, extra: { error?: string; form?: Form; formFor?: string } = {}) => {
    const [plans, members] = await Promise.all([listPlansForAdmin(deps), countMembersByPlan(deps.db.pool, deps.clock.now())]);
    const done = typeof req.query.done === 'string' ? DONE[req.query.done] : undefined;
    render(req, res, 'payments/admin-vip', { plans, members, formatYuan, done, ...extra }, { title: '会员套餐', noindex: true });
  };

  /** Runs a form's change, then back to the list (303); a refusal is shown on the page. */
  const attempt = async (req: Request, res: Response, formFor: string, done: keyof typeof DONE, change: () => Promise<unknown>) => {
    try {
      await change();
    } catch (err) {
      const error = formErrorMessage(formError(err, res));
      return renderPlans(req, res, { error, form: (req.body ?? {}) as Form, formFor });
    }
    res.redirect(303, `/admin/vip?done=${done}`);
  };

  router.get('/admin/vip', async (req, res) => {
    if (!admin(req, res)) return;
    await renderPlans(req, res);
  });

  router.post('/admin/vip', async (req, res) => {
    const actor = admin(req, res);
    if (!actor) return;
    const form = (req.body ?? {}) as Form;
    const id = typeof form.id === 'string' && form.id.trim() !== '' ? form.id.trim() : undefined;
    await attempt(req, res, 'new', 'created', () => createVipPlan(deps, actor, { ...termsFrom(form), id }));
  });

  router.post('/admin/vip/:planId', async (req, res) => {
    const actor = admin(req, res);
    if (!actor) return;
    const planId = req.params.planId;
    await attempt(req, res, planId, 'updated', () => changeVipPlan(deps, actor, planId, termsFrom((req.body ?? {}) as Form)));
  });

  for (const action of ['retire', 'restore'] as const) {
    router.post(`/admin/vip/:planId/${action}`, async (req, res) => {
      const actor = admin(req, res);
      if (!actor) return;
      const planId = req.params.planId;
      await attempt(req, res, planId, action === 'retire' ? 'retired' : 'restored', () => changeVipPlan(deps, actor, planId, { retired: action === 'retire' }));
    });
  }

  return router;
}
