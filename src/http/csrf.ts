// CSRF: a signed double-submit token (csrf-csrf). Required on state-changing requests that
// rely on the session cookie (and on every web form post); API clients using a Bearer
// header, anonymous API calls without the cookie, and the payment webhook are exempt.
import type { Request } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import type { Config } from '../config.js';
import { SESSION_COOKIE } from '../auth/actor.js';

export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';
const EXEMPT_PATHS = new Set(['/api/v1/payments/webhook', '/api/v1/payments/alipay/notify', '/api/v1/payments/wechat/notify']);

export function createCsrf(config: Pick<Config, 'jwtSecret' | 'env'>) {
  const secure = config.env === 'production';
  const { generateCsrfToken, doubleCsrfProtection } = doubleCsrf({
    getSecret: () => `${config.jwtSecret}:csrf`,
    getSessionIdentifier: (req) => (req.cookies?.[SESSION_COOKIE] as string | undefined) ?? 'anonymous',
    cookieName: secure ? '__Host-wenku.csrf' : 'wenku_csrf',
    cookieOptions: { sameSite: 'lax', secure, path: '/', httpOnly: true },
    getCsrfTokenFromRequest: (req) =>
      (req.headers[CSRF_HEADER] as string | undefined) ?? (req.body as Record<string, string> | undefined)?.[CSRF_FIELD],
    skipCsrfProtection: (req: Request) =>
      req.bearerAuth ||
      EXEMPT_PATHS.has(req.path) ||
      (req.path.startsWith('/api/') && !req.cookies?.[SESSION_COOKIE]),
  });
  return { generateCsrfToken, protect: doubleCsrfProtection };
}
