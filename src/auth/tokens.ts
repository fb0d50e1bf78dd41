// Session tokens: HS256 only, with issuer, audience and a required expiry. Download links
// use another audience (payments/), so one can never stand in for the other.
import jwt from 'jsonwebtoken';

export const TOKEN_ISSUER = 'wenku';
export const SESSION_AUDIENCE = 'wenku:session';
const ALGORITHMS: jwt.Algorithm[] = ['HS256'];

export interface SessionClaims {
  userId: number;
  /** The `sessions` row this token belongs to (jti); without its row the token is refused. */
  sessionId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function signSessionToken(secret: string, userId: number, sessionId: string, ttlMs: number, now = Date.now()): string {
  return jwt.sign({ sub: String(userId), iat: Math.floor(now / 1000) }, secret, {
    algorithm: 'HS256',
    issuer: TOKEN_ISSUER,
    audience: SESSION_AUDIENCE,
    expiresIn: Math.floor(ttlMs / 1000),
    jwtid: sessionId,
  });
}

/** Returns the claims, or null for any missing, expired, tampered or foreign token. */
export function verifySessionToken(secret: string, token: string, now = Date.now()): SessionClaims | null {
  try {
    const payload = jwt.verify(token, secret, {
      algorithms: ALGORITHMS,
      issuer: TOKEN_ISSUER,
      audience: SESSION_AUDIENCE,
      clockTimestamp: Math.floor(now / 1000),
    });
    if (typeof payload !== 'object' || typeof payload.exp !== 'number' || !payload.sub) return null;
    // Tokens from before server-side sessions carry no jti and are refused (one more login).
    if (typeof payload.jti !== 'string' || !UUID.test(payload.jti)) return null;
    const userId = Number(payload.sub);
    return Number.isSafeInteger(userId) && userId > 0 ? { userId, sessionId: payload.jti } : null;
  } catch {
    return null;
  }
}
