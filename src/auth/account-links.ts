// Single-use links mailed to an account's address. The token is 256 random bits; only its
// SHA-256 is stored. Absolute URLs come from PUBLIC_URL, never from the request's Host header
// (a forged Host would otherwise put an attacker's site into a reset mail).
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config.js';

export function newLinkToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashLinkToken(token) };
}

export const hashLinkToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export function linkUrl(config: Pick<Config, 'publicUrl' | 'port'>, pathname: string, token: string): string {
  const base = config.publicUrl ?? `http://localhost:${config.port}`;
  const url = new URL(pathname, base.endsWith('/') ? base : `${base}/`);
  url.searchParams.set('token', token);
  return url.toString();
}
