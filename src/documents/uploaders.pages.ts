// GET /u/:id — an uploader's public page (issue 15), linked from every 上传者 name. Anonymous
// copies are shared briefly like the listings (any document change drops them: response-cache).
import { Router } from 'express';
import type { AppDeps } from '../deps.js';
import type { RenderPage } from '../http/render.js';
import { parseId } from '../http/validate.js';
import { SHARED_TTL, setPageCache } from './pages/cache.js';
import { countLabel, ymd } from './pages/format.js';
import { docCard } from './pages/view-models.js';
import { getUploaderProfile } from './uploaders.service.js';
import { siteBase } from './pages/doc-page.js';

const PAGE_SIZE = 20;

export function uploaderPagesRouter(deps: AppDeps, render: RenderPage): Router {
  const router = Router();
  router.get('/u/:id', async (req, res) => {
    const id = parseId(req.params.id); // not a positive integer → 404
    const before = typeof req.query.before === 'string' && /^[1-9]\d{0,15}$/u.test(req.query.before) ? Number(req.query.before) : null;
    const profile = await getUploaderProfile(deps, id, { limit: PAGE_SIZE, beforeId: before });
    setPageCache(req, res, SHARED_TTL.home);
    render(req, res, 'documents/uploader', {
      uploader: {
        id: profile.id,
        displayName: profile.displayName,
        initial: Array.from(profile.displayName.trim())[0] ?? '文',
        joined: ymd(profile.joinedAt),
        documents: countLabel(profile.totals.documents),
        downloads: countLabel(profile.totals.downloads),
      },
      documents: profile.documents.map((d) => docCard(d)),
      nextUrl: profile.nextBeforeId ? `/u/${id}?before=${profile.nextBeforeId}` : null,
    }, {
      title: `${profile.displayName}上传的文档`,
      description: `${profile.displayName}在${deps.config.site.name}分享的 ${profile.totals.documents} 篇文档。`,
      canonical: `${siteBase(deps)}/u/${id}`,
      noindex: before !== null || profile.totals.documents === 0,
    });
  });
  return router;
}
