// SQL for the VIP plans the admin page keeps (a plan of VIP_PLANS has a row once it is edited).
import type { Queryable } from '../db/pool.js';
import type { VipPlan } from '../config.js';

export interface VipPlanRow extends VipPlan {
  /** The row's own id: the audit log's target. */
  rowId: number;
  retiredAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `id AS "rowId", plan_id AS id, name, days, price_cents AS "priceCents", downloads_per_day AS "downloadsPerDay",
  retired_at AS "retiredAt", created_at AS "createdAt"`;

/** Every row, oldest first (the order new plans are shown in). */
export async function listPlanRows(db: Queryable): Promise<VipPlanRow[]> {
  const { rows } = await db.query<VipPlanRow>(`SELECT ${COLUMNS} FROM vip_plans ORDER BY id`);
  return rows;
}

/** Locks the plan's row for the rest of the transaction; null when it has none. */
export async function lockPlanRow(db: Queryable, planId: string): Promise<VipPlanRow | null> {
  const { rows } = await db.query<VipPlanRow>(`SELECT ${COLUMNS} FROM vip_plans WHERE plan_id = $1 FOR UPDATE`, [planId]);
  return rows[0] ?? null;
}

/** Inserts the plan; null when a row with its id exists already (nothing changed). */
export async function insertPlanRow(db: Queryable, p: VipPlan): Promise<VipPlanRow | null> {
  const { rows } = await db.query<VipPlanRow>(
    `INSERT INTO vip_plans (plan_id, name, days, price_cents, downloads_per_day) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (plan_id) DO NOTHING RETURNING ${COLUMNS}`,
    [p.id, p.name, p.days, p.priceCents, p.downloadsPerDay],
  );
  return rows[0] ?? null;
}

export async function updatePlanRow(
  db: Queryable,
  rowId: number,
  p: Pick<VipPlan, 'name' | 'days' | 'priceCents' | 'downloadsPerDay'> & { retiredAt: Date | null },
): Promise<VipPlanRow> {
  const { rows } = await db.query<VipPlanRow>(
    `UPDATE vip_plans SET name = $2, days = $3, price_cents = $4, downloads_per_day = $5, retired_at = $6, updated_at = now()
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [rowId, p.name, p.days, p.priceCents, p.downloadsPerDay, p.retiredAt],
  );
  return rows[0]!;
}
