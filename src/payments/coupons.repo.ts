// SQL for download coupons (下载券) and their batches.
import type { Queryable } from '../db/pool.js';

export interface CouponBatchRow {
  id: number;
  createdBy: number;
  note: string;
  maxPriceCents: number;
  quantity: number;
  expiresAt: Date | null;
  createdAt: Date;
  redeemed: number;
}

export interface CouponRow {
  id: number;
  batchId: number;
  code: string;
  redeemedBy: number | null;
  redeemedAt: Date | null;
  maxPriceCents: number;
  expiresAt: Date | null;
}

const BATCH_COLUMNS = `b.id, b.created_by AS "createdBy", b.note, b.max_price_cents AS "maxPriceCents", b.quantity,
  b.expires_at AS "expiresAt", b.created_at AS "createdAt"`;

/** The batch and its codes, in one statement. Throws a unique violation on coupons_code_key for a repeated code. */
export async function insertCouponBatch(
  db: Queryable,
  batch: { createdBy: number; note: string; maxPriceCents: number; expiresAt: Date | null; codes: string[] },
): Promise<CouponBatchRow> {
  const { rows } = await db.query<CouponBatchRow>(
    `WITH b AS (
       INSERT INTO coupon_batches (created_by, note, max_price_cents, quantity, expires_at)
       VALUES ($1, $2, $3, cardinality($5::text[]), $4) RETURNING *),
     c AS (INSERT INTO coupons (batch_id, code) SELECT b.id, code FROM b, unnest($5::text[]) AS code)
     SELECT ${BATCH_COLUMNS}, 0 AS redeemed FROM b`,
    [batch.createdBy, batch.note, batch.maxPriceCents, batch.expiresAt, batch.codes],
  );
  return rows[0]!;
}

/** Batches, newest first, with how many of their codes were redeemed. */
export async function listCouponBatches(db: Queryable, limit: number): Promise<CouponBatchRow[]> {
  const { rows } = await db.query<CouponBatchRow>(
    `SELECT ${BATCH_COLUMNS}, (SELECT count(*)::int FROM coupons c WHERE c.batch_id = b.id AND c.redeemed_at IS NOT NULL) AS redeemed
       FROM coupon_batches b ORDER BY b.id DESC LIMIT $1`,
    [limit],
  );
  return rows;
}

const COUPON_COLUMNS = `c.id, c.batch_id AS "batchId", c.code, c.redeemed_by AS "redeemedBy", c.redeemed_at AS "redeemedAt",
  b.max_price_cents AS "maxPriceCents", b.expires_at AS "expiresAt"`;

export async function listCouponsOfBatch(db: Queryable, batchId: number): Promise<CouponRow[]> {
  const { rows } = await db.query<CouponRow>(
    `SELECT ${COUPON_COLUMNS} FROM coupons c JOIN coupon_batches b ON b.id = c.batch_id WHERE c.batch_id = $1 ORDER BY c.id`,
    [batchId],
  );
  return rows;
}

/** Locks the coupon for the rest of the caller's transaction: concurrent redemptions wait here. */
export async function lockCouponByCode(db: Queryable, code: string): Promise<CouponRow | null> {
  const { rows } = await db.query<CouponRow>(
    `SELECT ${COUPON_COLUMNS} FROM coupons c JOIN coupon_batches b ON b.id = c.batch_id WHERE c.code = $1 FOR UPDATE OF c`,
    [code],
  );
  return rows[0] ?? null;
}

/** Marks the coupon used; false when it already was (the caller then redeems nothing). */
export async function markCouponRedeemed(db: Queryable, id: number, by: { userId: number; at: Date }): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE coupons SET redeemed_by = $2, redeemed_at = $3 WHERE id = $1 AND redeemed_at IS NULL`,
    [id, by.userId, by.at],
  );
  return rowCount === 1;
}
