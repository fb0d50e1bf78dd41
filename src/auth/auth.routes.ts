// Accounts API: register, login, me.
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { requireActor } from './actor.js';
import { parseInput } from '../http/validate.js';
import { LoginBody, RegisterBody } from './auth.schemas.js';
import { getMe, loginUser, registerUser } from './auth.service.js';

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
    res.json(await getMe(deps, requireActor(req)));
  });

  return router;
}
