// SQL for single-use account links (password reset, email verification). Only hashes are stored.
import type { Queryable } from '../db/pool.js';

export type AccountTokenPurpose = 'password_reset' | 'verify_email';

export async function insertAccountToken(
  db: Queryable,
  token: { hash: Buffer; userId: number; purpose: AccountTokenPurpose; createdAt: Date; expiresAt: Date },
): Promise<void> {
  await db.query(
    'INSERT INTO account_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
    [token.hash, token.userId, token.purpose, token.createdAt, token.expiresAt],
  );
}

/** When the newest link of this purpose was issued to the user after `since`, its time; else null. */
export async function findRecentAccountToken(db: Queryable, userId: number, purpose: AccountTokenPurpose, since: Date): Promise<Date | null> {
  const { rows } = await db.query<{ createdAt: Date }>(
    `SELECT created_at AS "createdAt" FROM account_tokens
      WHERE user_id = $1 AND purpose = $2 AND created_at > $3 AND used_at IS NULL
      ORDER BY created_at DESC LIMIT 1`,
    [userId, purpose, since],
  );
  return rows[0]?.createdAt ?? null;
}

/**
 * Marks a live token used and returns its user, or null when it is unknown, used or expired.
 * One UPDATE, so two concurrent uses of one link cannot both succeed.
 */
export async function consumeAccountToken(db: Queryable, hash: Buffer, purpose: AccountTokenPurpose, now: Date): Promise<number | null> {
  const { rows } = await db.query<{ userId: number }>(
    `UPDATE account_tokens SET used_at = $3
      WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
      RETURNING user_id AS "userId"`,
    [hash, purpose, now],
  );
  return rows[0]?.userId ?? null;
}

/** Voids the user's other outstanding links of this purpose (after one was used). */
export async function voidAccountTokens(db: Queryable, userId: number, purpose: AccountTokenPurpose, now: Date): Promise<void> {
  await db.query('UPDATE account_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL', [userId, purpose, now]);
}

/** Serialises link issuing per account (the resend throttle's check and insert), without blocking logins. */
export async function lockUserForLinks(db: Queryable, userId: number): Promise<void> {
  await db.query('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [userId]);
}
