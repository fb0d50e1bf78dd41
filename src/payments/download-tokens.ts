// Download links are JWTs with their own audience: a session token is not a link, and a link is
// not a session token (src/auth/tokens.ts checks 'wenku:session').
import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { TOKEN_ISSUER } from '../auth/tokens.js';
import { AppError } from '../errors.js';

export const DOWNLOAD_AUDIENCE = 'wenku:download';

export interface DownloadClaims {
  userId: number;
  documentId: number;
  purchaseId: number | null;
  linkId: string;
  expiresAt: Date;
}

export function signDownloadToken(
  secret: string,
  claims: { userId: number; documentId: number; purchaseId: number | null },
  ttlMs: number,
  nowMs: number,
): { token: string; linkId: string; expiresAt: Date } {
  const linkId = randomUUID();
  const iat = Math.floor(nowMs / 1000);
  const exp = Math.floor((nowMs + ttlMs) / 1000);
  const token = jwt.sign(
    { sub: String(claims.userId), doc: claims.documentId, pur: claims.purchaseId, jti: linkId, iat, exp },
    secret,
    { algorithm: 'HS256', issuer: TOKEN_ISSUER, audience: DOWNLOAD_AUDIENCE },
  );
  return { token, linkId, expiresAt: new Date(exp * 1000) };
}

const invalidLink = () => new AppError('forbidden', '下载链接无效 (invalid download link)');

/**
 * Verifies the signature, algorithm, issuer and audience first (any failure → 403), and only
 * then looks at the expiry, so a forged token can never be told apart as "merely expired" (410).
 */
export function verifyDownloadToken(secret: string, token: string, nowMs: number): DownloadClaims {
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(token, secret, {
      algorithms: ['HS256'],
      issuer: TOKEN_ISSUER,
      audience: DOWNLOAD_AUDIENCE,
      ignoreExpiration: true,
    });
  } catch {
    throw invalidLink();
  }
  if (typeof payload !== 'object' || typeof payload.exp !== 'number' || typeof payload.jti !== 'string') throw invalidLink();
  const userId = Number(payload.sub);
  const documentId = payload.doc as unknown;
  const purchaseId = payload.pur as unknown;
  if (!Number.isSafeInteger(userId) || userId <= 0 || !Number.isSafeInteger(documentId)) throw invalidLink();
  if (purchaseId !== null && !Number.isSafeInteger(purchaseId)) throw invalidLink();
  // The signature is good: naming the document lets the expired-link page lead back to it.
  if (payload.exp * 1000 <= nowMs) {
    throw new AppError('link_expired', '下载链接已过期，请重新获取 (download link expired)', { documentId });
  }
  return {
    userId,
    documentId: documentId as number,
    purchaseId: purchaseId as number | null,
    linkId: payload.jti,
    expiresAt: new Date(payload.exp * 1000),
  };
}
