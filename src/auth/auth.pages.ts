// Login, registration and logout pages. The session token lives in an HttpOnly cookie.
import { Router, type Response } from 'express';
import type { AppDeps } from '../deps.js';
import { formError } from '../http/forms.js';
import { SESSION_COOKIE } from './actor.js';
import type { RenderPage } from '../http/render.js';
import { parseInput } from '../http/validate.js';
import { LoginBody, RegisterBody } from './auth.schemas.js';
import { loginUser, registerUser } from './auth.service.js';

/** Only same-site relative paths are followed after login (no open redirect). */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : '/';
}

export function setSessionCookie(deps: AppDeps, res: Response, token: string): void {
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: deps.config.env === 'production',
    path: '/',
    maxAge: deps.config.sessionTtlMs,
  });
}

export function authPagesRouter(deps: AppDeps, render: RenderPage): Router {
  const router = Router();

  router.get('/login', (req, res) => {
    render(req, res, 'auth/login', { next: safeNext(req.query.next) }, { title: '登录', noindex: true });
  });

  router.get('/register', (req, res) => {
    render(req, res, 'auth/register', { next: safeNext(req.query.next) }, { title: '注册', noindex: true });
  });

  router.post('/login', deps.rateLimits.login, async (req, res) => {
    const next = safeNext(req.body?.next);
    try {
      const { token } = await loginUser(deps, parseInput(LoginBody, req.body));
      setSessionCookie(deps, res, token);
      res.redirect(303, next);
    } catch (err) {
      const error = formError(err, res).message;
      render(req, res, 'auth/login', { next, email: req.body?.email, error }, { title: '登录', noindex: true });
    }
  });

  router.post('/register', deps.rateLimits.register, async (req, res) => {
    const next = safeNext(req.body?.next);
    try {
      const { token } = await registerUser(deps, parseInput(RegisterBody, req.body));
      setSessionCookie(deps, res, token);
      res.redirect(303, next);
    } catch (err) {
      const data = { next, email: req.body?.email, displayName: req.body?.displayName, error: formError(err, res).message };
      render(req, res, 'auth/register', data, { title: '注册', noindex: true });
    }
  });

  router.post('/logout', (_req, res) => {
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/');
  });

  return router;
}
