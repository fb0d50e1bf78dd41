// Request and response schemas of VIP and coupons, registered for the OpenAPI document.
import { z } from 'zod';
import { VipPlanSchema } from '../config.js';
import { ErrorBody, registry } from '../http/openapi.js';
import { PurchaseResult } from './payments.schemas.js';

const cents = z.number().int();
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(ErrorBody) });
const bearer = [{ bearer: [] }];

/** `confirm` is checked by the service: anything but `true` is 428. */
export const VipPurchaseBody = z.object({
  planId: z.string().min(1).max(32),
  confirm: z.unknown().optional(),
  /** The price the buyer was shown (the page always sends it): a different current price → 409. */
  expectedPriceCents: z.number().int().min(0).optional(),
});
export const RedeemCouponBody = z.object({ code: z.string().min(1).max(40), confirm: z.unknown().optional() });
export const CouponBatchBody = z.object({
  quantity: z.number().int().min(1).max(1000),
  maxPriceCents: z.number().int().min(1).max(10_000_000),
  note: z.string().trim().min(1, '请填写用途 (note required)').max(200),
  expiresAt: z.string().datetime({ offset: true }).optional(),
});

/** A new plan from the admin: the plan rule of VIP_PLANS; the id may be left to the server. */
export const VipPlanCreateBody = VipPlanSchema.extend({ id: VipPlanSchema.shape.id.optional() });
/** A change of a plan: any of its terms. */
export const VipPlanChangeBody = VipPlanSchema.omit({ id: true }).partial();
const AdminVipPlan = VipPlanSchema.extend({ retired: z.boolean(), source: z.enum(['settings', 'admin']) });

export const VipPlan = registry.register(
  'VipPlan',
  z.object({ id: z.string(), name: z.string(), days: z.number().int(), priceCents: cents, downloadsPerDay: z.number().int() }),
);
export const VipStatus = registry.register('VipStatus', z.object({ until: z.string(), downloadsLeftToday: z.number().int() }));
const VipPeriod = z.object({
  id: z.number().int(), planId: z.string(), planName: z.string(), days: z.number().int(), priceCents: cents,
  downloadsPerDay: z.number().int(), startsAt: z.string(), endsAt: z.string(),
});
const CouponBatch = z.object({
  id: z.number().int(), note: z.string(), maxPriceCents: cents, quantity: z.number().int(), redeemed: z.number().int(),
  expiresAt: z.string().nullable(), createdAt: z.string(),
});

registry.registerPath({
  method: 'get', path: '/api/v1/vip/plans', tags: ['vip'],
  responses: { 200: { description: 'the plans on offer', ...json(z.object({ items: z.array(VipPlan) })) } },
});
registry.registerPath({
  method: 'post', path: '/api/v1/vip/purchase', tags: ['vip'], security: bearer, request: { body: json(VipPurchaseBody) },
  responses: {
    201: { description: 'a period bought from the wallet (starts when the current one ends)', ...json(z.object({ period: VipPeriod, vip: VipStatus, wallet: z.object({ balanceCents: cents }) })) },
    402: err('balance too low'), 404: err('no such plan on sale'), 409: err('expectedPriceCents is not the current price'), 428: err('confirm missing'),
  },
});
registry.registerPath({
  method: 'post', path: '/api/v1/vip/cancel', tags: ['vip'], security: bearer,
  responses: {
    200: { description: 'membership ended; unused whole days refunded', ...json(z.object({ refundCents: cents, wallet: z.object({ balanceCents: cents }), vip: z.null() })) },
    409: err('not a member'),
  },
});
registry.registerPath({
  method: 'post', path: '/api/v1/documents/{id}/redeem-coupon', tags: ['purchases'], security: bearer,
  request: { params: z.object({ id: z.string() }), body: json(RedeemCouponBody) },
  responses: {
    201: { description: 'bought with the coupon', ...json(PurchaseResult) }, 200: { description: 'already bought; coupon unused', ...json(PurchaseResult) },
    404: err('no such coupon or document'), 409: err('coupon used, expired or below the price; own, free or processing document'), 428: err('confirm missing'),
  },
});
registry.registerPath({
  method: 'post', path: '/api/v1/admin/coupon-batches', tags: ['vip'], security: bearer, request: { body: json(CouponBatchBody) },
  responses: { 201: { description: 'the batch and its codes', ...json(z.object({ batch: CouponBatch, codes: z.array(z.string()) })) }, 403: err('admins only') },
});
registry.registerPath({
  method: 'get', path: '/api/v1/admin/coupon-batches', tags: ['vip'], security: bearer,
  responses: { 200: { description: 'batches, newest first', ...json(z.object({ items: z.array(CouponBatch) })) }, 403: err('admins only') },
});

const planParams = z.object({ planId: z.string() });
const planAnswer = (description: string) => ({ description, ...json(z.object({ plan: AdminVipPlan })) });
registry.registerPath({
  method: 'get', path: '/api/v1/admin/vip-plans', tags: ['vip'], security: bearer,
  responses: { 200: { description: 'every plan, retired ones too', ...json(z.object({ items: z.array(AdminVipPlan) })) }, 403: err('admins only') },
});
registry.registerPath({
  method: 'post', path: '/api/v1/admin/vip-plans', tags: ['vip'], security: bearer, request: { body: json(VipPlanCreateBody) },
  responses: { 201: planAnswer('the plan, on sale'), 400: err('bad values'), 403: err('admins only'), 409: err('plan id in use') },
});
registry.registerPath({
  method: 'patch', path: '/api/v1/admin/vip-plans/{planId}', tags: ['vip'], security: bearer, request: { params: planParams, body: json(VipPlanChangeBody) },
  responses: { 200: planAnswer('changed; periods already bought keep their terms'), 400: err('bad values'), 403: err('admins only'), 404: err('no such plan') },
});
for (const [action, description] of [['retire', 'no longer sold; members keep theirs'], ['restore', 'on sale again']] as const) {
  registry.registerPath({
    method: 'post', path: `/api/v1/admin/vip-plans/{planId}/${action}`, tags: ['vip'], security: bearer, request: { params: planParams },
    responses: { 200: planAnswer(description), 403: err('admins only'), 404: err('no such plan'), 409: err(action === 'retire' ? 'already retired' : 'already on sale') },
  });
}
