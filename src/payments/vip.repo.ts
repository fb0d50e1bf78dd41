// SQL for VIP periods and the quota count of member downloads.
import type { Queryable } from '../db/pool.js';

export interface VipPeriodRow {
  id: number;
  userId: number;
  planId: string;
  planName: string;
  days: number;
  priceCents: number;
  downloadsPerDay: number;
  startsAt: Date;
  endsAt: Date;
  status: 'active' | 'cancelled';
  refundCents: number | null;
}

const COLUMNS = `id, user_id AS "userId", plan_id AS "planId", plan_name AS "planName", days, price_cents AS "priceCents",
  downloads_per_day AS "downloadsPerDay", starts_at AS "startsAt", ends_at AS "endsAt", status, refund_cents AS "refundCents"`;

/** The user's active periods not yet over at `now`, in time order; FOR UPDATE when `lock`. */
export async function listLivePeriods(db: Queryable, userId: number, now: Date, lock = false): Promise<VipPeriodRow[]> {
  const { rows } = await db.query<VipPeriodRow>(
    `SELECT ${COLUMNS} FROM vip_periods WHERE user_id = $1 AND status = 'active' AND ends_at > $2
      ORDER BY starts_at ${lock ? 'FOR UPDATE' : ''}`,
    [userId, now],
  );
  return rows;
}

export async function insertVipPeriod(
  db: Queryable,
  p: Omit<VipPeriodRow, 'id' | 'status' | 'refundCents'> & { ledgerTransactionId: number },
): Promise<VipPeriodRow> {
  const { rows } = await db.query<VipPeriodRow>(
    `INSERT INTO vip_periods (user_id, plan_id, plan_name, days, price_cents, downloads_per_day, starts_at, ends_at, ledger_transaction_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
    [p.userId, p.planId, p.planName, p.days, p.priceCents, p.downloadsPerDay, p.startsAt, p.endsAt, p.ledgerTransactionId],
  );
  return rows[0]!;
}

export async function markPeriodCancelled(
  db: Queryable,
  id: number,
  c: { at: Date; refundCents: number; refundTransactionId: number | null },
): Promise<void> {
  await db.query(
    `UPDATE vip_periods SET status = 'cancelled', cancelled_at = $2, refund_cents = $3, refund_transaction_id = $4 WHERE id = $1 AND status = 'active'`,
    [id, c.at, c.refundCents, c.refundTransactionId],
  );
}

/** Member downloads (live, not refunded) the user made on the given day of their quota. */
export async function countVipDownloadsOnDay(db: Queryable, userId: number, day: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM purchases WHERE buyer_id = $1 AND paid_with = 'vip' AND quota_day = $2::date AND status = 'paid'`,
    [userId, day],
  );
  return rows[0]!.n;
}

/** Per period, its live (not refunded) member downloads and the sum of their fees (member_fee_cents). */
export async function sumPeriodUsage(db: Queryable, periodIds: readonly number[]): Promise<Map<number, { downloads: number; feesCents: number }>> {
  if (periodIds.length === 0) return new Map();
  const { rows } = await db.query<{ periodId: number; downloads: number; feesCents: number }>(
    `SELECT vip_period_id AS "periodId", count(*)::int AS downloads, coalesce(sum(member_fee_cents), 0)::bigint AS "feesCents"
       FROM purchases WHERE vip_period_id = ANY($1::bigint[]) AND status = 'paid' GROUP BY vip_period_id`,
    [periodIds],
  );
  return new Map(rows.map((r) => [Number(r.periodId), { downloads: r.downloads, feesCents: r.feesCents }]));
}

/**
 * Marks as reminded, and returns, each member's last active period that ends within
 * (now, until] and was not reminded yet. A period bought after it resets the reminder for the new end.
 */
export async function claimDueReminders(db: Queryable, now: Date, until: Date): Promise<Array<{ userId: number; endsAt: Date }>> {
  const { rows } = await db.query<{ userId: number; endsAt: Date }>(
    `UPDATE vip_periods p SET reminded_at = $1
      WHERE p.status = 'active' AND p.reminded_at IS NULL AND p.ends_at > $1 AND p.ends_at <= $2
        AND NOT EXISTS (SELECT 1 FROM vip_periods later
                         WHERE later.user_id = p.user_id AND later.status = 'active' AND later.ends_at > p.ends_at)
      RETURNING p.user_id AS "userId", p.ends_at AS "endsAt"`,
    [now, until],
  );
  return rows;
}

/** How many users hold a live period of each plan (the admin page: who keeps a retired plan). */
export async function countMembersByPlan(db: Queryable, now: Date): Promise<Map<string, number>> {
  const { rows } = await db.query<{ planId: string; n: number }>(
    `SELECT plan_id AS "planId", count(DISTINCT user_id)::int AS n FROM vip_periods
      WHERE status = 'active' AND ends_at > $1 GROUP BY plan_id`,
    [now],
  );
  return new Map(rows.map((r) => [r.planId, r.n]));
}
