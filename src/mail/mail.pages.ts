// The development outbox: mails that were logged instead of sent. Only with DEV_PAYMENTS
// (never in production), because the mails hold live reset and verification links.
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { notFound } from '../errors.js';
import type { RenderPage } from '../http/render.js';

export function mailPagesRouter(deps: Pick<AppDeps, 'config' | 'mailer'>, render: RenderPage): Router {
  const router = Router();
  router.get('/dev/outbox', (req, res) => {
    if (!deps.config.devPayments) throw notFound('页面');
    res.setHeader('Cache-Control', 'no-store');
    render(req, res, 'mail/outbox', { mails: deps.mailer.recent() }, { title: '开发发件箱', noindex: true });
  });
  return router;
}
