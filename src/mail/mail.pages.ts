// The development outbox: mails that were logged instead of sent. Only with DEV_PAYMENTS
// (never in production), and only for an admin or a loopback client (http/dev-access.ts),
// because the mails hold live reset and verification links.
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { assertDevPagesOpen } from '../http/dev-access.js';
import type { RenderPage } from '../http/render.js';

/** A mail's text cut into plain runs and http(s) links, so the page can make the links clickable. */
export function textWithLinks(text: string): Array<{ text: string; href?: string }> {
  const parts: Array<{ text: string; href?: string }> = [];
  let last = 0;
  for (const m of text.matchAll(/https?:\/\/[^\s<>"]+/g)) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index) });
    parts.push({ text: m[0], href: m[0] });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}

export function mailPagesRouter(deps: Pick<AppDeps, 'config' | 'mailer'>, render: RenderPage): Router {
  const router = Router();
  router.get('/dev/outbox', (req, res) => {
    assertDevPagesOpen(deps, req);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer'); // the links hold tokens
    const mails = deps.mailer.recent().map((m) => ({ ...m, parts: textWithLinks(m.text) }));
    render(req, res, 'mail/outbox', { mails }, { title: '开发发件箱', noindex: true });
  });
  return router;
}
