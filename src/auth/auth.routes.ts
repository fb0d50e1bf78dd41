// Accounts API: register, login, me, logout, password reset and change, email verification.
import { Router } from 'express';
import { getVipStatus } from '../payments/vip.service.js';
import type { AppDeps } from '../deps.js';
import { requireActor } from './actor.js';
import { parseInput } from '../http/validate.js';
import { ChangePasswordBody, LoginBody, PasswordResetBody, PasswordResetConfirmBody, RegisterBody, VerifyEmailBody } from './auth.schemas.js';
import { getMe, loginUser, logoutSession, presentUser, registerUser } from './auth.service.js';
import { changePassword, confirmPasswordReset, requestPasswordReset } from './password.service.js';
import { verifyEmail } from './admin-role.js';

export function authApiRouter(deps: AppDeps): Router {
  const router = Router();

  router.post('/auth/register', deps.rateLimits.register, async (req, res) => {
    const result = await registerUser(deps, parseInput(RegisterBody, req.body));
    res.status(201).json(result);
  });

  router.post('/auth/login', deps.rateLimits.login, async (req, res) => {
    res.json(await loginUser(deps, parseInput(LoginBody, req.body)));
  });

  router.get('/me', async (req, res) => {
    const actor = requireActor(req);
    const [me, vip] = await Promise.all([getMe(deps, actor), getVipStatus(deps, actor.userId)]);
    res.json({ ...me, vip });
  });

  router.post('/auth/logout', async (req, res) => {
    await logoutSession(deps, requireActor(req));
    res.status(204).end();
  });

  // 202 before any lookup: the same answer in the same time whether or not the account exists.
  router.post('/auth/password-reset', (req, res) => {
    const { email } = parseInput(PasswordResetBody, req.body);
    res.status(202).json({ accepted: true });
    requestPasswordReset(deps, email);
  });

  router.post('/auth/password-reset/confirm', async (req, res) => {
    const user = await confirmPasswordReset(deps, parseInput(PasswordResetConfirmBody, req.body), req.actor);
    res.json({ user: presentUser(user) });
  });

  router.post('/me/password', async (req, res) => {
    await changePassword(deps, requireActor(req), parseInput(ChangePasswordBody, req.body));
    res.status(204).end();
  });

  router.post('/auth/verify-email', async (req, res) => {
    res.json({ user: presentUser(await verifyEmail(deps, parseInput(VerifyEmailBody, req.body).token)) });
  });

  return router;
}
