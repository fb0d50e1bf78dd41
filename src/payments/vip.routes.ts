// VIP plans, purchase and cancel; download coupons (redeeming, and the admin's batches).
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { requireActor, requireAdmin } from '../auth/actor.js';
import { parseId, parseInput } from '../http/validate.js';
import { issueCouponBatch, listBatchCodes, listBatches, redeemCoupon } from './coupons.service.js';
import { changeVipPlan, createVipPlan, listPlansForAdmin } from './vip-plans.service.js';
import { cancelVip, listVipPlans, purchaseVip } from './vip.service.js';
import { CouponBatchBody, RedeemCouponBody, VipPlanChangeBody, VipPlanCreateBody, VipPurchaseBody } from './vip.schemas.js';

export function vipApiRouter(deps: AppDeps): Router {
  const router = Router();

  router.get('/vip/plans', async (_req, res) => {
    res.json(await listVipPlans(deps));
  });

  router.post('/vip/purchase', async (req, res) => {
    const actor = requireActor(req);
    res.status(201).json(await purchaseVip(deps, actor, parseInput(VipPurchaseBody, req.body ?? {})));
  });

  router.post('/vip/cancel', async (req, res) => {
    const actor = requireActor(req);
    res.json({ ...(await cancelVip(deps, actor)), vip: null });
  });

  router.post('/documents/:id/redeem-coupon', async (req, res) => {
    const actor = requireActor(req);
    const body = parseInput(RedeemCouponBody, req.body ?? {});
    const result = await redeemCoupon(deps, actor, { documentId: parseId(req.params.id), ...body });
    res.status(result.status).json(result.body);
  });

  router.post('/admin/coupon-batches', async (req, res) => {
    const admin = requireAdmin(req);
    res.status(201).json(await issueCouponBatch(deps, admin, parseInput(CouponBatchBody, req.body ?? {})));
  });

  router.get('/admin/coupon-batches', async (req, res) => {
    requireAdmin(req);
    res.json(await listBatches(deps));
  });

  router.get('/admin/coupon-batches/:id/codes', async (req, res) => {
    requireAdmin(req);
    res.json(await listBatchCodes(deps, parseId(req.params.id)));
  });

  router.get('/admin/vip-plans', async (req, res) => {
    requireAdmin(req);
    res.json({ items: await listPlansForAdmin(deps) });
  });

  router.post('/admin/vip-plans', async (req, res) => {
    const admin = requireAdmin(req);
    res.status(201).json({ plan: await createVipPlan(deps, admin, parseInput(VipPlanCreateBody, req.body ?? {})) });
  });

  router.patch('/admin/vip-plans/:planId', async (req, res) => {
    const admin = requireAdmin(req);
    res.json({ plan: await changeVipPlan(deps, admin, req.params.planId, parseInput(VipPlanChangeBody, req.body ?? {})) });
  });

  for (const action of ['retire', 'restore'] as const) {
    router.post(`/admin/vip-plans/:planId/${action}`, async (req, res) => {
      const admin = requireAdmin(req);
      res.json({ plan: await changeVipPlan(deps, admin, req.params.planId, { retired: action === 'retire' }) });
    });
  }

  return router;
}
