// VIP plans: from VIP_PLANS, and from the admin page, which creates plans, edits them and retires
// them. A plan of VIP_PLANS is the default for its id; once the admin page changes it, its row in
// vip_plans wins. Retiring stops the sale; members who bought a plan keep their periods, which
// copy its terms (vip_periods), so no edit or retirement changes what anyone already paid for.
// Every change is one transaction with its audit entry.
import { randomBytes } from 'node:crypto';
import type { Actor, AppDeps } from '../deps.js';
import { VipPlanSchema, type VipPlan } from '../config.js';
import { withTransaction } from '../db/transaction.js';
import { conflict, notFound } from '../errors.js';
import { parseInput } from '../http/validate.js';
import { insertAuditEntry } from '../support/audit.repo.js';
import { insertPlanRow, listPlanRows, lockPlanRow, updatePlanRow, type VipPlanRow } from './vip-plans.repo.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'clock'>;

export interface AdminVipPlan extends VipPlan {
  /** Not sold any more; members who bought it keep it. */
  retired: boolean;
  /** settings: exactly as VIP_PLANS gives it; admin: created or changed on the admin page. */
  source: 'settings' | 'admin';
}

/** Every plan with its state: VIP_PLANS in its order (a row overriding its plan), then the admin's own plans. */
export function mergePlans(settings: readonly VipPlan[], rows: readonly VipPlanRow[]): AdminVipPlan[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const fromRow = (r: VipPlanRow): AdminVipPlan => ({
    id: r.id, name: r.name, days: r.days, priceCents: r.priceCents, downloadsPerDay: r.downloadsPerDay, retired: r.retiredAt !== null, source: 'admin',
  });
  const settingIds = new Set(settings.map((p) => p.id));
  return [
    ...settings.map((p) => {
      const row = byId.get(p.id);
      return row ? fromRow(row) : { ...p, retired: false, source: 'settings' as const };
    }),
    ...rows.filter((r) => !settingIds.has(r.id)).map(fromRow),
  ];
}

const plain = ({ id, name, days, priceCents, downloadsPerDay }: VipPlan): VipPlan => ({ id, name, days, priceCents, downloadsPerDay });

/** Every plan, retired ones too (the admin page). */
export async function listPlansForAdmin(deps: Deps): Promise<AdminVipPlan[]> {
  return mergePlans(deps.config.vipPlans, await listPlanRows(deps.db.pool));
}

/** The plans on sale (GET /api/v1/vip/plans, /vip). */
export async function listOfferedPlans(deps: Deps): Promise<VipPlan[]> {
  return (await listPlansForAdmin(deps)).filter((p) => !p.retired).map(plain);
}

/** The plan on sale with this id, or null (unknown or retired). */
export async function findOfferedPlan(deps: Deps, planId: string): Promise<VipPlan | null> {
  return (await listOfferedPlans(deps)).find((p) => p.id === planId) ?? null;
}

const auditPlan = (p: VipPlan) => ({ name: p.name, days: p.days, priceCents: p.priceCents, downloadsPerDay: p.downloadsPerDay });

/**
 * Creates a plan (on sale at once). Without an id one is made up; an id in use — by VIP_PLANS or
 * the admin page — → 409. Bad values → 400; nothing is written.
 */
export async function createVipPlan(deps: Deps, admin: Actor, input: Omit<VipPlan, 'id'> & { id?: string }): Promise<AdminVipPlan> {
  const plan = parseInput(VipPlanSchema, { ...input, id: input.id ?? `plan-${randomBytes(4).toString('hex')}` });
  if (deps.config.vipPlans.some((p) => p.id === plan.id)) throw conflict('套餐代码已被使用 (plan id in use)', { reason: 'plan_id_taken' });
  return withTransaction(deps.db.pool, async (tx) => {
    const row = await insertPlanRow(tx, plan);
    if (!row) throw conflict('套餐代码已被使用 (plan id in use)', { reason: 'plan_id_taken' });
    await insertAuditEntry(tx, {
      adminId: admin.userId, action: 'vip_plan.create', targetType: 'vip_plan', targetId: row.rowId, details: { planId: plan.id, ...auditPlan(plan) }, now: deps.clock.now(),
    });
    return mergePlans([], [row])[0]!;
  });
}

type PlanChange = Partial<Pick<VipPlan, 'name' | 'days' | 'priceCents' | 'downloadsPerDay'>> & { retired?: boolean };

/**
 * Changes a plan (its terms, or whether it is sold). Periods already bought keep their own terms.
 * The row is locked; a plan of VIP_PLANS gets its row first, from the setting's values.
 * Unknown plan → 404; bad values → 400; retiring a retired plan (or restoring one on sale) → 409.
 */
export async function changeVipPlan(deps: Deps, admin: Actor, planId: string, change: PlanChange): Promise<AdminVipPlan> {
  const fromSettings = deps.config.vipPlans.find((p) => p.id === planId);
  return withTransaction(deps.db.pool, async (tx) => {
    if (fromSettings) await insertPlanRow(tx, fromSettings); // no-op when its row exists
    const current = await lockPlanRow(tx, planId);
    if (!current) throw notFound('会员套餐');
    const next = parseInput(VipPlanSchema, { ...plain(current), ...withoutUndefined(change), id: current.id });
    const retired = change.retired ?? current.retiredAt !== null;
    if (change.retired !== undefined && change.retired === (current.retiredAt !== null)) {
      throw conflict(change.retired ? '该套餐已停售 (plan already retired)' : '该套餐正在销售 (plan is on sale)', { reason: change.retired ? 'plan_retired' : 'plan_on_sale' });
    }
    const now = deps.clock.now();
    const row = await updatePlanRow(tx, current.rowId, { ...next, retiredAt: retired ? (current.retiredAt ?? now) : null });
    const action = change.retired === true ? 'vip_plan.retire' : change.retired === false ? 'vip_plan.restore' : 'vip_plan.update';
    await insertAuditEntry(tx, {
      adminId: admin.userId, action, targetType: 'vip_plan', targetId: row.rowId, details: { planId, before: auditPlan(current), after: auditPlan(row) }, now,
    });
    return mergePlans([], [row])[0]!;
  });
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
