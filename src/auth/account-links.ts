// Single-use links mailed to an account's address. The token is 256 random bits; only its
// SHA-256 is stored. Absolute URLs come from PUBLIC_URL, never from the request's Host header
// (a forged Host would otherwise put an attacker's site into a reset mail).
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { absoluteLink } from '../mail/links.js';
import type { Database } from '../db/pool.js';
import { withTransaction } from '../db/transaction.js';
import { findRecentAccountToken, insertAccountToken, lockUserForLinks, type AccountTokenPurpose } from './account-tokens.repo.js';

export function newLinkToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashLinkToken(token) };
}

export const hashLinkToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export function linkUrl(config: Pick<Config, 'publicUrl' | 'port'>, pathname: string, token: string): string {
  const url = new URL(absoluteLink(config, pathname));
  url.searchParams.set('token', token);
  return url.toString();
}

/**
 * One transaction: a new link of this purpose for the user, unless an unused one was issued
 * within `resendMs` (then null). The user row is locked so two concurrent asks make one link.
 */
export async function issueLinkToken(
  db: Pick<Database, 'pool'>,
  link: { userId: number; purpose: AccountTokenPurpose; now: Date; ttlMs: number; resendMs: number },
): Promise<string | null> {
  return withTransaction(db.pool, async (tx) => {
    await lockUserForLinks(tx, link.userId);
    if (await findRecentAccountToken(tx, link.userId, link.purpose, new Date(link.now.getTime() - link.resendMs))) return null;
    const { token, hash } = newLinkToken();
    await insertAccountToken(tx, { hash, userId: link.userId, purpose: link.purpose, createdAt: link.now, expiresAt: new Date(link.now.getTime() + link.ttlMs) });
    return token;
  });
}
