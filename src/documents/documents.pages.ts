// Reader-facing pages (issue 4): home, search, the document page and its preview frame, and
// upload. Data comes from the documents services (see ./pages); 我的文库 is src/me/.
import { Router } from 'express';
import { Eta } from 'eta';
import type { AppDeps } from '../deps.js';
import { FORMAT_WORDS, VIEWS_DIR, type RenderPage } from '../http/render.js';
import { ACCEPTED_EXTENSIONS } from '../conversion/formats.js';
import { loginRedirect } from '../http/forms.js';
import { parseId } from '../http/validate.js';
import { AppError } from '../errors.js';
import { CATEGORIES, DEFAULT_FREE_PREVIEW_PAGES } from './documents.schemas.js';
import { getDocumentPreview } from './documents.service.js';
import { SHARED_TTL, setPageCache, setPrivateCache } from './pages/cache.js';
import { buildDeletedDocPage, buildDocPage, type DescribeDownloadOf } from './pages/doc-page.js';
import { humanSize } from '../../public/js/format.js';
import { buildHomePage, buildSearchPage } from './pages/listing-pages.js';
import { viewerOfRequest } from './view-counter.js';
import { hotSearches, logSearch } from '../discovery/hot-searches.service.js';
import { listRecentViews } from './recent-views.service.js';
import { docCard } from './pages/view-models.js';

/** 最近浏览 on the home page of a logged-in reader (/me shows more). */
const HOME_RECENT_SHOWN = 5;

/**
 * The preview frame's own policy: no script of any kind, no network but our stylesheet,
 * embedded images only, and a sandbox even when the frame is opened on its own. Same-origin
 * is kept so the page's script can measure the frame's height; without scripts inside the
 * frame, nothing can use that.
 */
export const PREVIEW_FRAME_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
  'sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox',
].join('; ');



/** `describeDownload`: the download's words on /doc/:id, from the feature that sells (wired in app.ts). */
export function documentsPagesRouter(deps: AppDeps, render: RenderPage, describeDownload: DescribeDownloadOf): Router {
  const router = Router();
  // The frame is a bare document, not a page in the layout: its own renderer, escaping by default.
  const frameEta = new Eta({ views: VIEWS_DIR, autoEscape: true, cache: deps.config.env === 'production', autoTrim: false });

  router.get('/', async (req, res) => {
    const [data, hot, recent] = await Promise.all([
      buildHomePage(deps),
      hotSearches(deps),
      req.actor ? listRecentViews(deps, req.actor, HOME_RECENT_SHOWN) : Promise.resolve([]),
    ]);
    setPageCache(req, res, SHARED_TTL.home);
    render(req, res, 'documents/home', { ...data, hot, recent: recent.map((d) => docCard(d)) }, {
      title: `${deps.config.site.name} - ${FORMAT_WORDS.families}文档在线预览与下载`,
      fullTitle: true,
      description: `${deps.config.site.name}：公文、讲话稿、工作总结、合同、论文、课件、报表等文档（${FORMAT_WORDS.families}，共 ${FORMAT_WORDS.count} 种格式），在线预览，满意再下载。`,
    });
  });

  router.get('/search', async (req, res) => {
    const [data, hot] = await Promise.all([buildSearchPage(deps, req.query as Record<string, unknown>), hotSearches(deps)]);
    // 「热门搜索」 counts first pages of valid searches, once per searcher and day.
    if (!data.error && data.pageNo === 1) await logSearch(deps, data.q, viewerOfRequest(req));
    setPageCache(req, res, SHARED_TTL.search);
    if (data.error) res.status(400);
    const title = (data.q ? `${data.q} - 搜索结果` : data.filters.category ? `${data.filters.category} - 文档分类` : '全部文档') + (data.pageNo && data.pageNo > 1 ? ` - 第${data.pageNo}页` : '');
    render(req, res, 'documents/search', { ...data, hot, query: data.q }, {
      title,
      description: data.q ? `与“${data.q}”相关的文档：在线预览，满意再下载。` : `按分类、格式（${FORMAT_WORDS.families}）和价格浏览文档。`,
      // Result pages of arbitrary queries are not worth indexing; category listings are.
      noindex: !!data.q || data.pageNo !== 1,
    });
  });

  router.get('/doc/:id', async (req, res, next) => {
    const id = parseId(req.params.id);
    let built: Awaited<ReturnType<typeof buildDocPage>>;
    try {
      built = await buildDocPage(deps, req, id, describeDownload);
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') {
        const gone = await buildDeletedDocPage(deps, id);
        if (gone) {
          setPageCache(req, res, SHARED_TTL.doc);
          res.status(410);
          return render(req, res, 'documents/deleted', gone.data, gone.page);
        }
      }
      // Hidden from a logged-in reader: it may be their own taken-down document, whose page
      // (why, and how to answer) is support's (support.pages.ts); anyone else gets the 404 there.
      if (req.actor && err instanceof AppError && err.code === 'not_found') return next();
      throw err;
    }
    const { data, page } = built;
    setPageCache(req, res, SHARED_TTL.doc);
    res.locals.onCacheReplay = (hit) => deps.views.count(id, viewerOfRequest(hit)); // a cached copy is still a view
    render(req, res, 'documents/doc', data, page);
  });

  router.get('/doc/:id/preview', async (req, res) => {
    const id = parseId(req.params.id);
    const preview = await getDocumentPreview(deps, req.actor, id);
    setPageCache(req, res, SHARED_TTL.doc);
    res.set('Content-Security-Policy', PREVIEW_FRAME_CSP);
    res.set('X-Robots-Tag', 'noindex');
    const html = frameEta.render('documents/preview-frame', {
      title: `文档 ${id}`,
      html: preview.html,
      simplified: preview.simplified,
    });
    res.type('html').send(html);
  });

  router.get('/upload', (req, res) => {
    if (loginRedirect(req, res)) return;
    setPrivateCache(res);
    render(
      req,
      res,
      'documents/upload',
      {
        categories: CATEGORIES,
        defaultFreePages: DEFAULT_FREE_PREVIEW_PAGES,
        maxBytes: deps.config.maxUploadBytes,
        maxLabel: humanSize(deps.config.maxUploadBytes),
        accept: ACCEPTED_EXTENSIONS.map((e) => `.${e}`).join(','),
      },
      { title: '上传文档', description: `上传文档（${FORMAT_WORDS.text}），设置价格与免费预览页数。`, scripts: ['upload.js'], noindex: true },
    );
  });

  return router;
}
