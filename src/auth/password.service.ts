// Password reset (by a link mailed to the address) and password change. Either ends every
// other session of the account; a reset link works once, for 30 minutes.
import type { Actor, AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { AppError, validationFailed } from '../errors.js';
import { consumeAccountToken, voidAccountTokens } from './account-tokens.repo.js';
import { hashLinkToken, issueLinkToken, linkUrl } from './account-links.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { deleteOtherSessions } from './sessions.repo.js';
import { findUserByEmail, findUserById, findUserWithPasswordByEmail, updatePasswordHash, type UserRow } from './users.repo.js';
import type { ChangePasswordBody, PasswordResetConfirmBody } from './auth.schemas.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'clock' | 'mailer' | 'log'>;

export const RESET_LINK_TTL_MS = 30 * 60_000;
/** One reset mail per account per minute, so the form cannot be used to flood someone's inbox. */
const RESET_RESEND_MS = 60_000;

/**
 * Starts a reset for whoever typed this email and returns at once: the lookup, the link and the
 * mail happen after the caller's 202 is sent, so an unknown email answers the same and in the
 * same time as a known one. Failures are logged.
 */
export function requestPasswordReset(deps: Deps, email: string): void {
  sendPasswordResetMail(deps, email).catch((err: unknown) => deps.log.error({ err }, 'password reset mail failed'));
}

/** Mails a reset link to the account with this email; false when there is none or one just went out. */
export async function sendPasswordResetMail(deps: Deps, email: string): Promise<boolean> {
  const user = await findUserByEmail(deps.db.pool, email);
  if (!user) return false;
  const token = await issueLinkToken(deps.db, { userId: user.id, purpose: 'password_reset', now: deps.clock.now(), ttlMs: RESET_LINK_TTL_MS, resendMs: RESET_RESEND_MS });
  if (!token) return false;
  await deps.mailer.send({
    to: user.email,
    subject: `【${deps.config.site.name}】重置密码`,
    text: [
      `${user.displayName}，您好：`,
      '',
      '我们收到了重置您账号密码的请求。请在 30 分钟内打开下面的链接设置新密码（链接只能使用一次）：',
      linkUrl(deps.config, 'reset-password', token),
      '',
      '如果这不是您本人的操作，请忽略本邮件，您的密码不会改变。',
    ].join('\n'),
  });
  return true;
}

/**
 * Uses a reset link once: sets the new password, voids the account's other reset links and ends
 * every session but the caller's own (when the caller is logged in as this account). One
 * transaction; a used, expired or tampered token → 400 validation_failed.
 */
export async function confirmPasswordReset(deps: Pick<Deps, 'db' | 'clock'>, input: PasswordResetConfirmBody, actor: Actor | null): Promise<UserRow> {
  const passwordHash = await hashPassword(input.password);
  const now = deps.clock.now();
  return withTransaction(deps.db.pool, async (tx) => {
    const userId = await consumeAccountToken(tx, hashLinkToken(input.token), 'password_reset', now);
    if (userId === null) throw validationFailed('重置链接无效、已使用或已过期，请重新申请 (invalid, used or expired link)', [{ path: ['token'], message: 'invalid or expired' }]);
    await updatePasswordHash(tx, userId, passwordHash);
    await voidAccountTokens(tx, userId, 'password_reset', now);
    await deleteOtherSessions(tx, userId, actor?.userId === userId ? (actor.sessionId ?? null) : null);
    return (await findUserById(tx, userId))!;
  });
}

/** Changes the caller's password after checking the current one; ends every other session. */
export async function changePassword(deps: Pick<Deps, 'db' | 'clock'>, actor: Actor, input: ChangePasswordBody): Promise<void> {
  const found = await findUserWithPasswordByEmail(deps.db.pool, actor.email);
  if (!found || !(await verifyPassword(input.currentPassword, found.passwordHash))) {
    throw validationFailed('当前密码不正确 (current password is wrong)', [{ path: ['currentPassword'], message: 'wrong password' }]);
  }
  if (found.id !== actor.userId) throw new AppError('unauthenticated', '账号不存在 (account not found)');
  const passwordHash = await hashPassword(input.password);
  await withTransaction(deps.db.pool, async (tx) => {
    await updatePasswordHash(tx, actor.userId, passwordHash);
    await voidAccountTokens(tx, actor.userId, 'password_reset', deps.clock.now());
    await deleteOtherSessions(tx, actor.userId, actor.sessionId ?? null);
  });
}
