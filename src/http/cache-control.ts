// Who may store a response. One rule (issue 27 item 10): nothing is stored by a browser, nginx or
// a CDN unless its route says it may be shared — the reader pages for anonymous readers
// (documents/pages/cache.ts setPageCache), free page images and thumbnails, robots.txt and the
// sitemaps, the static files and the favicon set their own. Every other response — whatever a
// signed-in reader gets, and the personal pages whoever asks (wallet, VIP, notifications, support,
// the admin pages, password reset and address verification, their redirects and errors) — is
// `private, no-store`, set here before any route runs, so a route added later starts private.
import type { Request, RequestHandler } from 'express';
import { isAnonymousRequest } from './response-cache.js';

export const PRIVATE_NO_STORE = 'private, no-store';

export const privateByDefault: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', PRIVATE_NO_STORE);
  next();
};

/** Refusals that say the content is gone or closed to this reader. */
const REFUSALS = new Set([403, 404, 410]);

/**
 * The Cache-Control of an error answer. A refusal of an anonymous read is itself cacheable for a
 * second, so it replaces whatever copy a shared cache holds for the URL: nginx keeps serving a
 * stale entry while it refreshes it in the background (proxy_cache_use_stale updating) and
 * replaces it only with a response it may store, so an unstorable 403/404 left a taken-down page,
 * or the image and text layer of a page that became paid, served for ever (issue 27 item 3).
 * Any other error is never stored.
 */
export function errorCacheControl(req: Request, status: number): string {
  if (!isAnonymousRequest(req)) return PRIVATE_NO_STORE;
  if ((req.method === 'GET' || req.method === 'HEAD') && REFUSALS.has(status)) return 'public, max-age=0, s-maxage=1';
  return 'no-store';
}
