// GET /me — 我的文库: the reader's own page, composed from documents, payments and support; and
// the uploader's studio under /me/documents.
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import { loginRedirect } from '../http/forms.js';
import type { RenderPage } from '../http/render.js';
import { setPrivateCache } from '../documents/pages/cache.js';
import { buildMePage } from './me-page.js';
import { studioPagesRouter } from './studio.pages.js';
import { clearRecentViews } from '../documents/recent-views.service.js';

export function mePagesRouter(deps: AppDeps, render: RenderPage): Router {
  const router = Router();
  router.get('/me', async (req, res) => {
    if (loginRedirect(req, res)) return;
    const data = await buildMePage(deps, req.actor!);
    setPrivateCache(res);
    render(req, res, 'me/index', data, { title: '我的文库', scripts: ['me.js'], noindex: true });
  });
  router.use(studioPagesRouter(deps, render)); // /me/documents, the uploader's studio
  // 「清空」 最近浏览 (a form post: the CSRF check covers it).
  router.post('/me/recent-views/clear', async (req, res) => {
    if (loginRedirect(req, res)) return;
    await clearRecentViews(deps, req.actor!);
    res.redirect(303, '/me#recent');
  });
  return router;
}
