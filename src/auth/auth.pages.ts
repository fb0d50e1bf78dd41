// Login, registration and logout pages. The session token lives in an HttpOnly cookie.
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../deps.js';
import { formError, formErrorMessage, sameSitePath } from '../http/forms.js';
import { devPagesOpen } from '../http/dev-access.js';
import { SESSION_COOKIE } from './actor.js';
import type { RenderPage } from '../http/render.js';
import { parseInput } from '../http/validate.js';
import { LoginBody, PasswordResetBody, PasswordResetConfirmBody, RegisterBody, VerifyEmailBody } from './auth.schemas.js';
import { loginUser, logoutSession, registerUser } from './auth.service.js';
import { confirmPasswordReset, requestPasswordReset } from './password.service.js';
import { verifyEmail } from './admin-role.js';

/** Only same-site relative paths are followed after login (no open redirect). */
export function safeNext(value: unknown): string {
  return sameSitePath(value) ?? '/';
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

  // Someone already logged in has nothing to do on these pages: on to where they were going.
  const alreadyIn = (req: Request, res: Response): boolean => {
    if (!req.actor) return false;
    const next = safeNext(req.query.next);
    res.redirect(303, next === '/' ? '/me' : next);
    return true;
  };

  router.get('/login', (req, res) => {
    if (alreadyIn(req, res)) return;
    render(req, res, 'auth/login', { next: safeNext(req.query.next) }, { title: '登录', noindex: true });
  });

  router.get('/register', (req, res) => {
    if (alreadyIn(req, res)) return;
    render(req, res, 'auth/register', { next: safeNext(req.query.next) }, { title: '注册', noindex: true });
  });

  router.post('/login', deps.rateLimits.login, async (req, res) => {
    const next = safeNext(req.body?.next);
    try {
      const { token } = await loginUser(deps, parseInput(LoginBody, req.body));
      setSessionCookie(deps, res, token);
      res.redirect(303, next);
    } catch (err) {
      const error = formErrorMessage(formError(err, res));
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
      const data = { next, email: req.body?.email, displayName: req.body?.displayName, error: formErrorMessage(formError(err, res)) };
      render(req, res, 'auth/register', data, { title: '注册', noindex: true });
    }
  });

  router.post('/logout', async (req, res) => {
    // The session ends on the server too: a copy of the cookie is refused from now on.
    if (req.actor) await logoutSession(deps, req.actor);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/');
  });

  const FORGOT = { title: '找回密码', noindex: true };
  // In development (no SMTP_URL) the mail is not sent: say where it went, the outbox when this client may open it.
  const devMailWhere = (req: Request) => (deps.config.smtpUrl ? null : { outbox: devPagesOpen(deps, req) });
  router.get('/forgot-password', (req, res) => {
    render(req, res, 'auth/forgot-password', {}, FORGOT);
  });

  router.post('/forgot-password', async (req, res) => {
    try {
      const { email } = parseInput(PasswordResetBody, req.body);
      requestPasswordReset(deps, email);
      render(req, res, 'auth/forgot-password', { sent: true, email, devMail: devMailWhere(req) }, FORGOT);
    } catch (err) {
      const error = formErrorMessage(formError(err, res));
      render(req, res, 'auth/forgot-password', { email: req.body?.email, error }, FORGOT);
    }
  });

  const RESET = { title: '重置密码', noindex: true };
  router.get('/reset-password', (req, res) => {
    res.setHeader('Referrer-Policy', 'no-referrer'); // the token is in this page's URL
    render(req, res, 'auth/reset-password', { token: typeof req.query.token === 'string' ? req.query.token : '' }, RESET);
  });

  router.post('/reset-password', async (req, res) => {
    try {
      const user = await confirmPasswordReset(deps, parseInput(PasswordResetConfirmBody, req.body), req.actor);
      render(req, res, 'auth/reset-password', { done: true, email: user.email }, RESET);
    } catch (err) {
      const error = formErrorMessage(formError(err, res));
      render(req, res, 'auth/reset-password', { token: req.body?.token, error }, RESET);
    }
  });

  // The link only shows a button: mail scanners that prefetch links do not verify anything.
  const VERIFY = { title: '验证邮箱', noindex: true };
  router.get('/verify-email', (req, res) => {
    res.setHeader('Referrer-Policy', 'no-referrer');
    render(req, res, 'auth/verify-email', { token: typeof req.query.token === 'string' ? req.query.token : '' }, VERIFY);
  });

  router.post('/verify-email', async (req, res) => {
    try {
      const user = await verifyEmail(deps, parseInput(VerifyEmailBody, req.body).token);
      render(req, res, 'auth/verify-email', { done: true, role: user.role }, VERIFY);
    } catch (err) {
      const error = formErrorMessage(formError(err, res));
      render(req, res, 'auth/verify-email', { token: req.body?.token, error }, VERIFY);
    }
  });

  return router;
}
