// Accounts: register, log in, resolve the caller. Never sees req/res.
import { randomBytes } from 'node:crypto';
import type { AppDeps, Actor } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { AppError, conflict } from '../errors.js';
import { getUserBalanceCents, openUserAccounts } from '../payments/wallet-accounts.repo.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from './passwords.js';
import { signSessionToken, verifySessionToken } from './tokens.js';
import type { LoginBody, RegisterBody, User } from './auth.schemas.js';
import { findUserById, findUserWithPasswordByEmail, insertUser, updateUserRole, type UserRow } from './users.repo.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'clock'>;

const BAD_CREDENTIALS = '邮箱或密码错误 (wrong email or password)';

export const presentUser = (u: UserRow): User => ({
  id: u.id,
  email: u.email,
  displayName: u.displayName,
  role: u.role,
  referralCode: u.referralCode,
});

const roleFor = (deps: Deps, email: string): 'user' | 'admin' => (deps.config.adminEmails.has(email) ? 'admin' : 'user');

/**
 * users.role is the role everything reads; ADMIN_EMAILS decides what it must be. Applied at
 * login and on every session lookup (a write only when the setting changed), so taking an address
 * off ADMIN_EMAILS demotes its sessions at their next request.
 */
async function withCurrentRole<T extends UserRow>(deps: Deps, user: T): Promise<T> {
  const role = roleFor(deps, user.email);
  if (role === user.role) return user;
  await updateUserRole(deps.db.pool, user.id, role);
  return { ...user, role };
}

// 10 characters of an unambiguous alphabet: short enough to share, ~50 bits of entropy.
function newReferralCode(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(10);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function issueToken(deps: Deps, userId: number): string {
  return signSessionToken(deps.config.jwtSecret, userId, deps.config.sessionTtlMs, deps.clock.now().getTime());
}

/** One transaction: the user and their wallet. Throws conflict when the email is taken. */
export async function registerUser(deps: Deps, input: RegisterBody): Promise<{ user: User; token: string }> {
  const passwordHash = await hashPassword(input.password);
  try {
    const row = await withTransaction(deps.db.pool, async (tx) => {
      const user = await insertUser(tx, {
        email: input.email,
        displayName: input.displayName,
        passwordHash,
        role: roleFor(deps, input.email),
        referralCode: newReferralCode(),
      });
      await openUserAccounts(tx, user.id);
      return user;
    });
    return { user: presentUser(row), token: issueToken(deps, row.id) };
  } catch (err) {
    if (isUniqueViolation(err, 'users_email_key')) throw conflict('该邮箱已注册 (email already registered)');
    throw err;
  }
}

/** Same message and about the same time for an unknown email and a wrong password. */
export async function loginUser(deps: Deps, input: LoginBody): Promise<{ user: User; token: string }> {
  const found = await findUserWithPasswordByEmail(deps.db.pool, input.email);
  const ok = await verifyPassword(input.password, found?.passwordHash ?? (await dummyPasswordHash()));
  if (!found || !ok) throw new AppError('unauthenticated', BAD_CREDENTIALS);
  return { user: presentUser(await withCurrentRole(deps, found)), token: issueToken(deps, found.id) };
}

/** The actor behind a session token, or null when the token is bad or the user is gone. */
export async function resolveActor(deps: Deps, token: string): Promise<Actor | null> {
  const claims = verifySessionToken(deps.config.jwtSecret, token, deps.clock.now().getTime());
  if (!claims) return null;
  const found = await findUserById(deps.db.pool, claims.userId);
  if (!found) return null;
  const user = await withCurrentRole(deps, found);
  return {
    userId: user.id,
    role: user.role,
    displayName: user.displayName,
    email: user.email,
    referralCode: user.referralCode,
  };
}

export async function getMe(deps: Deps, actor: Actor): Promise<{ user: User; wallet: { balanceCents: number } }> {
  const user = await findUserById(deps.db.pool, actor.userId);
  if (!user) throw new AppError('unauthenticated', '账号不存在 (account not found)');
  const balanceCents = await getUserBalanceCents(deps.db.pool, actor.userId);
  return { user: presentUser(user), wallet: { balanceCents } };
}
