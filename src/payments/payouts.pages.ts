// Withdrawals on the pages: the form on /wallet (its data: walletPayoutData) and /admin/payouts.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../deps.js';
import { AppError, forbidden } from '../errors.js';
import { formatYuan, yuanToCents } from '../../public/js/format.js';
import type { RenderPage } from '../http/render.js';
import { parseId, parseInput } from '../http/validate.js';
import { formatTime } from '../support/tickets.present.js';
import { ApproveBody, PayoutBody, PayoutQueueQuery, RejectBody } from './payouts.schemas.js';
import { decidePayout, listMyPayouts, listPayoutQueue, requestPayout } from './payouts.service.js';

const PAYOUT_YUAN = { min: 1, max: 100_000_000 };

/** What the wallet page's withdrawal section shows (src/views/payments/payouts-partial.eta). */
export async function walletPayoutData(deps: AppDeps, req: Request) {
  return {
    payouts: (await listMyPayouts(deps, req.actor!)).items,
    payoutMinCents: deps.config.payoutMinCents,
    payoutHoldDays: Math.round(deps.config.payoutHoldMs / (24 * 3600 * 1000)),
    formatTime,
    payoutDone: req.query.payout === '1',
  };
}

export function payoutsPagesRouter(deps: AppDeps, render: RenderPage, renderWallet: (req: Request, res: Response, extra?: Record<string, unknown>) => Promise<void>): Router {
  const router = Router();

  router.post('/wallet/payouts', async (req, res) => {
    if (!req.actor) return res.redirect(303, '/login?next=/wallet');
    const form = (req.body ?? {}) as Record<string, unknown>;
    const amountCents = yuanToCents(form.amountYuan, PAYOUT_YUAN);
    try {
      if (amountCents === null) throw new AppError('validation_failed', '请输入正确的金额，最多两位小数');
      const input = parseInput(PayoutBody, { amountCents, account: { method: form.method, name: form.name, number: form.number } });
      await requestPayout(deps, req.actor, input);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      res.status(err.status);
      const message = err.code === 'insufficient_funds' ? '提现金额超过可提现金额' : err.message;
      return renderWallet(req, res, { payoutError: message });
    }
    res.redirect(303, '/wallet?payout=1#payouts');
  });

  const requireAdminPage = (req: Request, res: Response): boolean => {
    if (!req.actor) {
      res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      return false;
    }
    if (req.actor.role !== 'admin') throw forbidden();
    return true;
  };

  const renderQueue = async (req: Request, res: Response, status: 'pending' | 'approved' | 'rejected', error?: string) => {
    const { items } = await listPayoutQueue(deps, status);
    render(req, res, 'admin/payouts', { items, status, error, formatYuan, formatTime }, { title: '提现审核', noindex: true });
  };

  router.get('/admin/payouts', async (req, res) => {
    if (!requireAdminPage(req, res)) return;
    await renderQueue(req, res, parseInput(PayoutQueueQuery, req.query).status ?? 'pending');
  });

  for (const action of ['approve', 'reject'] as const) {
    router.post(`/admin/payouts/:id/${action}`, async (req, res) => {
      if (!requireAdminPage(req, res)) return;
      const id = parseId(req.params.id);
      try {
        const decision = action === 'approve'
          ? { approve: true as const, reference: parseInput(ApproveBody, req.body).reference }
          : { approve: false as const, reason: parseInput(RejectBody, req.body).reason };
        await decidePayout(deps, req.actor!, id, decision);
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        res.status(err.status);
        return renderQueue(req, res, 'pending', err.message);
      }
      res.redirect(303, '/admin/payouts?status=pending');
    });
  }
  return router;
}
