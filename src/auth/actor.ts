// Who is calling, next to the accounts it resolves: a Bearer token (API clients) or the session
// cookie (web pages). actorMiddleware runs once per request (app.ts); routes call requireActor.
import type { RequestHandler } from 'express';
import type { Actor, AppDeps } from '../deps.js';
import { resolveActor } from './auth.service.js';
import { forbidden, unauthenticated } from '../errors.js';

export const SESSION_COOKIE = 'wenku_session';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      actor: Actor | null;
      /** True when the token came from the Authorization header rather than the cookie. */
      bearerAuth: boolean;
    }
  }
}

export function bearerToken(header: string | undefined): string | null {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1] ?? null;
}

export function actorMiddleware(deps: Pick<AppDeps, 'config' | 'db' | 'clock'>): RequestHandler {
  return async (req, _res, next) => {
    req.actor = null;
    const header = bearerToken(req.get('authorization'));
    req.bearerAuth = header !== null;
    const token = header ?? (req.cookies?.[SESSION_COOKIE] as string | undefined);
    if (!token) return next();
    const actor = await resolveActor(deps, token);
    // A bad Bearer token is an error; a stale cookie just means "logged out".
    if (!actor && header) return next(unauthenticated('登录已失效，请重新登录 (invalid or expired token)'));
    req.actor = actor;
    next();
  };
}

/** The caller, or 401. */
export function requireActor(req: Express.Request): Actor {
  if (!req.actor) throw unauthenticated();
  return req.actor;
}

export function requireAdmin(req: Express.Request): Actor {
  const actor = requireActor(req);
  if (actor.role !== 'admin') throw forbidden('仅管理员可以执行此操作 (admins only)');
  return actor;
}
