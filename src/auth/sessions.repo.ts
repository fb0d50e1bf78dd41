// SQL for login sessions. One exported function per query; first argument a pool or client.
import type { Queryable } from '../db/pool.js';
import type { UserRow } from './users.repo.js';

export async function insertSession(db: Queryable, session: { id: string; userId: number; createdAt: Date; expiresAt: Date }): Promise<void> {
  await db.query('INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
    session.id,
    session.userId,
    session.createdAt,
    session.expiresAt,
  ]);
}

/**
 * The user of a live session: one query over two primary keys (sessions.id, users.id), so a
 * revocable session costs the request no more round trips than the user lookup alone did.
 */
export async function findSessionUser(db: Queryable, sessionId: string, userId: number, now: Date): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(
    `SELECT u.id, u.email, u.display_name AS "displayName", u.role, u.referral_code AS "referralCode", u.created_at AS "createdAt"
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = $1 AND s.user_id = $2 AND s.expires_at > $3`,
    [sessionId, userId, now],
  );
  return rows[0] ?? null;
}

/** Ends one session (logout). */
export async function deleteSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE id = $1', [sessionId]);
}

/** Ends every session of a user except `keep` (null: all of them); returns how many ended. */
export async function deleteOtherSessions(db: Queryable, userId: number, keep: string | null): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2::uuid', [userId, keep]);
  return rowCount ?? 0;
}

/** Drops a user's expired sessions (called at login, so the table does not grow without bound). */
export async function deleteExpiredSessions(db: Queryable, userId: number, now: Date): Promise<void> {
  await db.query('DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2', [userId, now]);
}
