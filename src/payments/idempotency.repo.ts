// SQL for Idempotency-Key records.
import type { Queryable } from '../db/pool.js';

export interface IdempotencyRow {
  requestHash: string;
  responseStatus: number | null;
  responseBody: unknown;
  createdAt: Date;
}

/**
 * Claims the key for this request. While another transaction holds an uncommitted claim of the
 * same key, this waits for it (the unique index), so two requests with one key never both run.
 * Returns false when the key was already taken.
 */
export async function claimIdempotencyKey(db: Queryable, userId: number, key: string, requestHash: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3)
     ON CONFLICT (user_id, key) DO NOTHING`,
    [userId, key, requestHash],
  );
  return rowCount === 1;
}

export async function findIdempotencyKey(db: Queryable, userId: number, key: string): Promise<IdempotencyRow | null> {
  const { rows } = await db.query<IdempotencyRow>(
    `SELECT request_hash AS "requestHash", response_status AS "responseStatus", response_body AS "responseBody", created_at AS "createdAt"
       FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
    [userId, key],
  );
  return rows[0] ?? null;
}

export async function saveIdempotentResponse(db: Queryable, userId: number, key: string, status: number, body: unknown): Promise<void> {
  await db.query(`UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE user_id = $1 AND key = $2`, [
    userId,
    key,
    status,
    JSON.stringify(body),
  ]);
}

/** Forgets a key older than the retention window, so it can be claimed afresh. */
export async function deleteExpiredIdempotencyKey(db: Queryable, userId: number, key: string, olderThan: Date): Promise<void> {
  await db.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND created_at < $3`, [userId, key, olderThan]);
}

/** Deletes up to `limit` keys created before `olderThan`; returns how many went. */
export async function deleteIdempotencyKeysCreatedBefore(db: Queryable, olderThan: Date, limit: number): Promise<number> {
  // In batches (idempotency_keys_created_idx), so a long backlog never holds one huge delete.
  const { rowCount } = await db.query(
    `DELETE FROM idempotency_keys WHERE (user_id, key) IN (
       SELECT user_id, key FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2)`,
    [olderThan, limit],
  );
  return rowCount ?? 0;
}
