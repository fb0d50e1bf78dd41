// createApp(deps): middleware, routers and errors. No listen() here.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type Request, type Response } from 'express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { AppDeps } from './deps.js';
import { notFound, type AppError } from './errors.js';
import { pageMessage } from './http/forms.js';
import { actorMiddleware } from './auth/actor.js';
import { FORM_BODY_LIMIT_BYTES, JSON_BODY_LIMIT_BYTES, rejectOversizedBodies } from './http/body-limits.js';
import { createCsrf } from './http/csrf.js';
import { privateByDefault } from './http/cache-control.js';
import { apiNotFound, errorHandler } from './http/error-handler.js';
import { createRenderer } from './http/render.js';
import { publicHostCheck } from './http/host-check.js';
import { jsonBodiesOnly } from './http/json-only.js';
import { ResponseCache } from './http/response-cache.js';
import { authApiRouter } from './auth/auth.routes.js';
import { authPagesRouter } from './auth/auth.pages.js';
import { healthRouter, siteApiRouter } from './site/site.routes.js';
import { documentsApiRouter } from './documents/documents.routes.js';
import { documentsPagesRouter } from './documents/documents.pages.js';
import { describeDownload } from './payments/download-wording.js';
import { paymentsApiRouter } from './payments/payments.routes.js';
import { downloadLinkHandler } from './payments/downloads.routes.js';
import { paymentsPagesRouter } from './payments/payments.pages.js';
import { payoutsApiRouter } from './payments/payouts.routes.js';
import { rememberReferral } from './payments/referrals.js';
import { supportApiRouter } from './support/support.routes.js';
import { ratingsApiRouter } from './ratings/ratings.routes.js';
import { discoveryRouter } from './discovery/discovery.routes.js';
import { ratingsPagesRouter } from './ratings/ratings.pages.js';
import { shareQrRouter } from './discovery/share-qr.js';
import { supportPagesRouter } from './support/support.pages.js';
import { reviewsApiRouter } from './moderation/reviews.routes.js';
import { reviewsPagesRouter } from './moderation/reviews.pages.js';
import { mePagesRouter } from './me/me.pages.js';
import { uploaderPagesRouter } from './documents/uploaders.pages.js';
import { mailPagesRouter } from './mail/mail.pages.js';
import { notificationsApiRouter, notificationsPagesRouter, unreadCountForPages } from './notifications/notifications.routes.js';

const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public');

declare module 'http' {
  interface IncomingMessage {
    /** The exact request body bytes, kept for signature checks (payment webhook). */
    rawBody?: Buffer;
  }
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.set('query parser', 'simple');

  // Anonymous readers of public pages are served from memory for up to RESPONSE_CACHE_TTL, before
  // anything else runs (hits replay the stored security headers; they are not logged one by one).
  app.use(publicHostCheck(deps.config.publicUrl)); // first: nothing is rendered or cached for a foreign Host
  const responseCache = new ResponseCache(deps.config.responseCacheTtlMs, deps.clock);
  // A takedown, refund, price change or delete on any node drops the document's entries here.
  deps.invalidations.subscribe((documentId) => responseCache.dropDocument(documentId));
  app.use(responseCache.middleware());

  app.use(
    pinoHttp({
      logger: deps.log,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' },
      // Method, path and status are enough; headers (cookies, tokens) never reach the log.
      serializers: {
        // A download link is a bearer credential for its short life: its token never reaches the log.
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.replace(/^\/dl\/[^/?#]+/, '/dl/[redacted]') }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          frameSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'self'"],
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );

  app.use(privateByDefault); // routes that may be shared say so (http/cache-control.ts)
  app.use(healthRouter(deps));
  // Browsers ask for /favicon.ico whatever the page links: the same SVG answers there.
  app.get('/favicon.ico', (_req, res) => {
    res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400').sendFile(path.join(PUBLIC_DIR, 'favicon.svg'));
  });
  app.use(discoveryRouter(deps)); // /robots.txt, /sitemap.xml, /sitemaps/N.xml
  app.use('/static', express.static(PUBLIC_DIR, { maxAge: deps.config.env === 'production' ? '7d' : 0, index: false }));

  // An announced body over the route's limit gets 413 before any of it is read.
  app.use(rejectOversizedBodies(deps.config));
  app.use(cookieParser());
  app.use(
    express.json({
      limit: JSON_BODY_LIMIT_BYTES,
      verify: (req, _res, buf) => {
        req.rawBody = buf;
      },
    }),
  );
  app.use(express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT_BYTES }));
  app.use(actorMiddleware(deps));

  const csrf = createCsrf(deps.config);
  app.use(csrf.protect);
  const render = createRenderer(deps.config, csrf.generateCsrfToken);
  app.locals.renderErrorPage = (req: Request, res: Response, err: AppError) =>
    render(req, res, 'error', errorPageData(err), { title: headingFor(err.status), noindex: true });

  const api = express.Router();
  api.use(jsonBodiesOnly);
  api.use(siteApiRouter(deps));
  api.use(authApiRouter(deps));
  api.use(documentsApiRouter(deps));
  api.use(paymentsApiRouter(deps));
  api.use(supportApiRouter(deps));
  api.use(notificationsApiRouter(deps));
  api.use(payoutsApiRouter(deps));
  api.use(reviewsApiRouter(deps));
  api.use(ratingsApiRouter(deps));
  api.use(apiNotFound);
  app.use('/api/v1', api);
  app.use('/api', apiNotFound);

  // Share links: remembers ?ref= for the reader, then the document page renders as usual.
  app.get('/doc/:id', rememberReferral(deps));
  app.use(unreadCountForPages(deps));
  app.use(authPagesRouter(deps, render));
  app.use(documentsPagesRouter(deps, render, (actor, id, price) => describeDownload(deps, actor, id, price)));
  app.use(ratingsPagesRouter(deps)); // the document page's rating and comment forms
  app.use(shareQrRouter(deps)); // GET /doc/:id/share-qr.svg
  app.use(paymentsPagesRouter(deps, render));
  app.use(supportPagesRouter(deps, render));
  app.use(reviewsPagesRouter(deps, render)); // /admin/reviews
  app.use(mePagesRouter(deps, render)); // GET /me, 我的文库; /me/documents, the studio
  app.use(uploaderPagesRouter(deps, render)); // GET /u/:id, an uploader's public page

  // The download link itself (GET and HEAD): a bearer credential for its short life, no session.
  app.get('/dl/:token', downloadLinkHandler(deps));
  app.use(mailPagesRouter(deps, render));
  app.use(notificationsPagesRouter(deps, render));

  app.use((_req, _res, next) => next(notFound('页面')));
  app.use(errorHandler);
  return app;
}

function errorPageData(err: AppError) {
  // An expired download link names its document (the token's signature was checked): the page
  // sends the reader back there for a fresh link instead of ending the way.
  const documentId = err.code === 'link_expired' ? (err.details as { documentId?: unknown } | undefined)?.documentId : undefined;
  return {
    status: err.status,
    heading: headingFor(err.status),
    message: pageMessage(err.message),
    documentUrl: typeof documentId === 'number' && Number.isSafeInteger(documentId) ? `/doc/${documentId}` : null,
  };
}

function headingFor(status: number): string {
  if (status === 404) return '页面不存在';
  if (status === 410) return '链接已过期';
  if (status === 401) return '请先登录';
  if (status === 403) return '没有权限';
  if (status === 429) return '请求过于频繁';
  if (status >= 500) return '服务暂时不可用';
  return '请求有误';
}
