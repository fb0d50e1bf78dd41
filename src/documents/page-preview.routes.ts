// Page preview API: GET /documents/:id/pages, …/pages/:n/image, …/pages/:n/text, …/thumbnail.
// Every image and text layer answers only after the entitlement check; behind nginx
// (DOWNLOAD_ACCEL_PREFIX with a local store) the image bytes are then sent by nginx. With object
// storage (BLOB_STORE=s3) the app streams the object itself, under the same URL and cache headers:
// a free page stays cacheable by nginx and a CDN at this URL for s-maxage (a presigned redirect
// would leave a cache only the redirect, or a signature outliving a takedown), a revalidation is
// answered without touching the store, and the reader's images stay same-origin.
import { Router, type Request, type Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { AppDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { parseId } from '../http/validate.js';
import { getPageImage, getPageText, getThumbnail, isPublicPage, listDocumentPages } from './page-preview.service.js';
import type { Entitlement } from './entitlement.js';

/** Shared caches keep a public page this long: a takedown stops it within a minute. */
export const PUBLIC_PAGE_MAX_AGE = 60;
export const PUBLIC_PAGE_S_MAXAGE = 30;

function cacheHeaders(res: Response, entitlement: Entitlement | null, etag: string): void {
  res.set(
    'Cache-Control',
    entitlement === null || isPublicPage(entitlement) ? `public, max-age=${PUBLIC_PAGE_MAX_AGE}, s-maxage=${PUBLIC_PAGE_S_MAXAGE}` : 'private, no-cache',
  );
  res.set('ETag', etag);
  res.set('X-Content-Type-Options', 'nosniff');
}

async function sendImage(deps: AppDeps, req: Request, res: Response, key: string, etag: string): Promise<void> {
  const accel = deps.config.downloadAccelPrefix;
  const relative = accel ? deps.blobs.relativePath?.(key) : undefined;
  if (accel && relative) {
    res.type('image/png').set('X-Accel-Redirect', `${accel}${relative}`).end();
    return;
  }
  if (req.get('if-none-match') === etag) {
    res.status(304).end();
    return;
  }
  // The row points to the blob, but a store can lose it (a bucket restored from an older copy):
  // a 404 in the contract's format (so no image type set before this), never cached.
  const info = await deps.blobs.stat(key);
  if (!info) {
    res.removeHeader('ETag');
    res.set('Cache-Control', 'no-store');
    throw notFound('页面图片');
  }
  res.type('image/png').set('Content-Length', String(info.size));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(deps.blobs.createReadStream(key), res);
}

const pageNumber = (raw: unknown) => parseId(raw);

export function pagePreviewRouter(deps: AppDeps): Router {
  const router = Router();

  router.get('/documents/:id/pages', async (req, res) => {
    // Who may see how many pages: private, no-store (http/cache-control.ts).
    res.json(await listDocumentPages(deps, req.actor, parseId(req.params.id)));
  });

  router.get('/documents/:id/pages/:n/text', async (req, res) => {
    const id = parseId(req.params.id);
    const n = pageNumber(req.params.n);
    const { text, entitlement, renderVersion } = await getPageText(deps, req.actor, id, n);
    cacheHeaders(res, entitlement, `"t${id}-${n}-v${renderVersion}"`);
    res.json(text);
  });

  router.get('/documents/:id/pages/:n/image', async (req, res) => {
    const id = parseId(req.params.id);
    const n = pageNumber(req.params.n);
    const client = req.actor ? `u:${req.actor.userId}` : `ip:${req.ip ?? ''}`;
    const { key, entitlement, renderVersion } = await getPageImage(deps, req.actor, id, n, client);
    const etag = `"p${id}-${n}-v${renderVersion}"`;
    cacheHeaders(res, entitlement, etag);
    await sendImage(deps, req, res, key, etag);
  });

  router.get('/documents/:id/thumbnail', async (req, res) => {
    const id = parseId(req.params.id);
    const { key, renderVersion, listed } = await getThumbnail(deps, req.actor, id);
    const etag = `"th${id}-v${renderVersion}"`;
    if (listed) cacheHeaders(res, null, etag);
    else res.set({ 'Cache-Control': 'private, no-cache', ETag: etag, 'X-Content-Type-Options': 'nosniff' });
    await sendImage(deps, req, res, key, etag);
  });

  return router;
}
