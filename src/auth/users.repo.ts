// SQL for accounts. One exported function per query; first argument a pool or client.
import type { Queryable } from '../db/pool.js';

export interface UserRow {
  id: number;
  email: string;
  displayName: string;
  role: 'user' | 'admin';
  referralCode: string;
  createdAt: Date;
}

const USER_COLUMNS = `id, email, display_name AS "displayName", role, referral_code AS "referralCode", created_at AS "createdAt"`;

/** Inserts a user; throws a unique violation on users_email_key or users_referral_code_key. */
export async function insertUser(
  db: Queryable,
  user: { email: string; displayName: string; passwordHash: string; role: 'user' | 'admin'; referralCode: string },
): Promise<UserRow> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (email, display_name, password_hash, role, referral_code)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${USER_COLUMNS}`,
    [user.email, user.displayName, user.passwordHash, user.role, user.referralCode],
  );
  return rows[0]!;
}

export async function findUserWithPasswordByEmail(
  db: Queryable,
  email: string,
): Promise<(UserRow & { passwordHash: string }) | null> {
  const { rows } = await db.query<UserRow & { passwordHash: string }>(
    `SELECT ${USER_COLUMNS}, password_hash AS "passwordHash" FROM users WHERE email = $1`,
    [email],
  );
  return rows[0] ?? null;
}

export async function findUserById(db: Queryable, id: number): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export async function findUserByReferralCode(db: Queryable, code: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE referral_code = $1`, [code]);
  return rows[0] ?? null;
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email = $1`, [email]);
  return rows[0] ?? null;
}

/** Sets the stored role, the only source of it; returns false when there is no such user. */
export async function updateUserRole(db: Queryable, id: number, role: 'user' | 'admin'): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE users SET role = $2 WHERE id = $1', [id, role]);
  return (rowCount ?? 0) > 0;
}

/** Records that the owner of the address proved it (a link followed, or an operator's word). */
export async function markEmailVerified(db: Queryable, id: number, at: Date): Promise<void> {
  await db.query('UPDATE users SET email_verified_at = coalesce(email_verified_at, $2) WHERE id = $1', [id, at]);
}

export async function updatePasswordHash(db: Queryable, id: number, passwordHash: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [id, passwordHash]);
}

export async function listAdmins(db: Queryable): Promise<UserRow[]> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE role = 'admin' ORDER BY id`);
  return rows;
}
