// The admin role. An ADMIN_EMAILS address becomes admin only once its owner proves the address
// (following the link mailed at registration or login) or an operator grants it
// (`npm run admin -- grant EMAIL`); until then it is an ordinary account. The stored role is
// the only source of truth for every request.
import type { AppDeps } from '../deps.js';
import type { Database } from '../db/pool.js';
import { withTransaction } from '../db/transaction.js';
import { validationFailed } from '../errors.js';
import { consumeAccountToken } from './account-tokens.repo.js';
import { hashLinkToken, issueLinkToken, linkUrl } from './account-links.js';
import { findUserByEmail, findUserById, markEmailVerified, updateUserRole, type UserRow } from './users.repo.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'clock' | 'mailer' | 'log'>;

export const VERIFY_LINK_TTL_MS = 24 * 3_600_000;
/** At most one live verification mail per hour per account (logins would otherwise mail on each). */
const VERIFY_RESEND_MS = 3_600_000;

const needsVerification = (deps: Pick<Deps, 'config'>, user: Pick<UserRow, 'email' | 'role'>) =>
  user.role !== 'admin' && deps.config.adminEmails.has(user.email);

/**
 * When an ADMIN_EMAILS account is not admin yet, mails it a verification link, in the
 * background (the caller's response never waits for the mail server); failures are logged.
 */
export function offerAdminVerification(deps: Deps, user: Pick<UserRow, 'id' | 'email' | 'role'>): void {
  if (!needsVerification(deps, user)) return;
  sendAdminVerification(deps, user).catch((err: unknown) => deps.log.error({ err, userId: user.id }, 'verification mail failed'));
}

/** Issues a verification link (unless one went out within the hour) and mails it. */
export async function sendAdminVerification(deps: Deps, user: Pick<UserRow, 'id' | 'email'>): Promise<boolean> {
  const token = await issueLinkToken(deps.db, { userId: user.id, purpose: 'verify_email', now: deps.clock.now(), ttlMs: VERIFY_LINK_TTL_MS, resendMs: VERIFY_RESEND_MS });
  if (!token) return false;
  const url = linkUrl(deps.config, 'verify-email', token);
  await deps.mailer.send({
    to: user.email,
    subject: `【${deps.config.site.name}】请验证您的邮箱`,
    text: [
      '您好：',
      '',
      `此邮箱被设置为${deps.config.site.name}的管理员邮箱。请在 24 小时内打开下面的链接并确认，验证后您的账号将获得管理员权限：`,
      url,
      '',
      '如果这不是您本人的操作，请忽略本邮件，账号不会获得任何权限。',
    ].join('\n'),
  });
  return true;
}

/**
 * Uses a verification link once: marks the address verified and, when it is listed in
 * ADMIN_EMAILS now, grants admin. One transaction; a used, expired or unknown link → 400.
 */
export async function verifyEmail(deps: Pick<Deps, 'config' | 'db' | 'clock'>, token: string): Promise<UserRow> {
  const now = deps.clock.now();
  return withTransaction(deps.db.pool, async (tx) => {
    const userId = await consumeAccountToken(tx, hashLinkToken(token), 'verify_email', now);
    if (userId === null) throw validationFailed('验证链接无效或已过期 (invalid or expired link)');
    await markEmailVerified(tx, userId, now);
    const user = (await findUserById(tx, userId))!;
    if (!needsVerification(deps, user)) return user;
    await updateUserRole(tx, userId, 'admin');
    return { ...user, role: 'admin' };
  });
}

/**
 * The operator's word: the account with this email becomes admin (its address counts as
 * verified). Returns the user, or null when no account has this email. Tests call it too.
 */
export async function grantAdmin(db: Pick<Database, 'pool'>, email: string, now = new Date()): Promise<UserRow | null> {
  return withTransaction(db.pool, async (tx) => {
    const user = await findUserByEmail(tx, email.trim().toLowerCase());
    if (!user) return null;
    await updateUserRole(tx, user.id, 'admin');
    await markEmailVerified(tx, user.id, now);
    return { ...user, role: 'admin' as const };
  });
}

/** Takes the admin role away (the next request of every session of the account sees it). */
export async function revokeAdmin(db: Pick<Database, 'pool'>, email: string): Promise<UserRow | null> {
  const user = await findUserByEmail(db.pool, email.trim().toLowerCase());
  if (!user) return null;
  await updateUserRole(db.pool, user.id, 'user');
  return { ...user, role: 'user' };
}
