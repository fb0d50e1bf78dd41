// Withdrawals (提现): the JSON API.
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { requireActor, requireAdmin } from '../auth/actor.js';
import { parseId, parseInput } from '../http/validate.js';
import { ApproveBody, PayoutBody, PayoutQueueQuery, RejectBody } from './payouts.schemas.js';
import { decidePayout, listMyPayouts, listPayoutQueue, requestPayout } from './payouts.service.js';

export function payoutsApiRouter(deps: AppDeps): Router {
  const router = Router();
  router.post('/wallet/payouts', async (req, res) => {
    const actor = requireActor(req);
    res.status(201).json(await requestPayout(deps, actor, parseInput(PayoutBody, req.body)));
  });
  router.get('/wallet/payouts', async (req, res) => {
    res.json(await listMyPayouts(deps, requireActor(req)));
  });
  router.get('/admin/payouts', async (req, res) => {
    requireAdmin(req);
    res.json(await listPayoutQueue(deps, parseInput(PayoutQueueQuery, req.query).status ?? null));
  });
  router.post('/admin/payouts/:id/approve', async (req, res) => {
    const admin = requireAdmin(req);
    const { reference } = parseInput(ApproveBody, req.body);
    res.json(await decidePayout(deps, admin, parseId(req.params.id), { approve: true, reference }));
  });
  router.post('/admin/payouts/:id/reject', async (req, res) => {
    const admin = requireAdmin(req);
    const { reason } = parseInput(RejectBody, req.body);
    res.json(await decidePayout(deps, admin, parseId(req.params.id), { approve: false, reason }));
  });
  return router;
}
