// Accounts: register, log in, resolve the caller, log out. Never sees req/res.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '../db/pool.js';
import type { AppDeps, Actor } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { AppError, conflict } from '../errors.js';
import { getUserBalanceCents, openUserAccounts } from '../payments/wallet-accounts.repo.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from './passwords.js';
import { signSessionToken, verifySessionToken } from './tokens.js';
import type { LoginBody, RegisterBody, User } from './auth.schemas.js';
import { findUserById, findUserWithPasswordByEmail, insertUser, type UserRow } from './users.repo.js';
import { deleteExpiredSessions, deleteSession, findSessionUser, insertSession } from './sessions.repo.js';
import { offerAdminVerification } from './admin-role.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'clock'>;
type MailDeps = Deps & Pick<AppDeps, 'mailer' | 'log'>;

const BAD_CREDENTIALS = '邮箱或密码错误 (wrong email or password)';

export const presentUser = (u: UserRow): User => ({
  id: u.id,
  email: u.email,
  displayName: u.displayName,
  role: u.role,
  referralCode: u.referralCode,
});

// 10 characters of an unambiguous alphabet: short enough to share, ~50 bits of entropy.
function newReferralCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(10);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/** A new session row and its token (the token names the row as its jti). */
export async function issueSession(deps: Deps, db: Queryable, userId: number): Promise<string> {
  const now = deps.clock.now();
  const id = randomUUID();
  await insertSession(db, { id, userId, createdAt: now, expiresAt: new Date(now.getTime() + deps.config.sessionTtlMs) });
  return signSessionToken(deps.config.jwtSecret, userId, id, deps.config.sessionTtlMs, now.getTime());
}

/**
 * One transaction: the user, their wallet and a session. Throws conflict when the email is taken.
 * Always an ordinary user: an ADMIN_EMAILS address is mailed a link that proves it (admin-role.ts).
 */
export async function registerUser(deps: MailDeps, input: RegisterBody): Promise<{ user: User; token: string }> {
  const passwordHash = await hashPassword(input.password);
  try {
    const { row, token } = await withTransaction(deps.db.pool, async (tx) => {
      const user = await insertUser(tx, {
        email: input.email,
        displayName: input.displayName,
        passwordHash,
        role: 'user',
        referralCode: newReferralCode(),
      });
      await openUserAccounts(tx, user.id);
      return { row: user, token: await issueSession(deps, tx, user.id) };
    });
    offerAdminVerification(deps, row);
    return { user: presentUser(row), token };
  } catch (err) {
    if (isUniqueViolation(err, 'users_email_key')) throw conflict('该邮箱已注册 (email already registered)');
    throw err;
  }
}

/** Same message and about the same time for an unknown email and a wrong password. */
export async function loginUser(deps: MailDeps, input: LoginBody): Promise<{ user: User; token: string }> {
  const found = await findUserWithPasswordByEmail(deps.db.pool, input.email);
  const ok = await verifyPassword(input.password, found?.passwordHash ?? (await dummyPasswordHash()));
  if (!found || !ok) throw new AppError('unauthenticated', BAD_CREDENTIALS);
  await deleteExpiredSessions(deps.db.pool, found.id, deps.clock.now());
  const token = await issueSession(deps, deps.db.pool, found.id);
  offerAdminVerification(deps, found);
  return { user: presentUser(found), token };
}

/**
 * The actor behind a session token, or null when the token is bad, its session ended (logout,
 * password change) or the user is gone. One query: the session and its user by primary keys.
 */
export async function resolveActor(deps: Deps, token: string): Promise<Actor | null> {
  const claims = verifySessionToken(deps.config.jwtSecret, token, deps.clock.now().getTime());
  if (!claims) return null;
  const user = await findSessionUser(deps.db.pool, claims.sessionId, claims.userId, deps.clock.now());
  if (!user) return null;
  return {
    userId: user.id,
    role: user.role,
    displayName: user.displayName,
    email: user.email,
    referralCode: user.referralCode,
    sessionId: claims.sessionId,
  };
}

/** Ends the caller's session: its token and cookie are refused from now on. */
export async function logoutSession(deps: Deps, actor: Actor): Promise<void> {
  if (actor.sessionId) await deleteSession(deps.db.pool, actor.sessionId);
}

export async function getMe(deps: Deps, actor: Actor): Promise<{ user: User; wallet: { balanceCents: number } }> {
  const user = await findUserById(deps.db.pool, actor.userId);
  if (!user) throw new AppError('unauthenticated', '账号不存在 (account not found)');
  const balanceCents = await getUserBalanceCents(deps.db.pool, actor.userId);
  return { user: presentUser(user), wallet: { balanceCents } };
}
