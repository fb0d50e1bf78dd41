// Cache headers of the reader pages. A shared cache (nginx, a CDN) may keep a page only when
// the request carried no session cookie and no share code, so nobody's name, balance or
// referral link is ever served to someone else; everything else is private and not stored.
import type { Request, Response } from 'express';
import { SESSION_COOKIE } from '../../auth/actor.js';

/**
 * Seconds a shared cache (nginx, the in-process cache) may reuse an anonymous response: short,
 * so a takedown or an edit reaches every reader within seconds. `doc` covers the document page
 * and its JSON.
 */
export const SHARED_TTL = { home: 10, search: 10, doc: 5 } as const;

export function setPageCache(req: Request, res: Response, sharedSeconds: number): void {
  res.vary('Cookie');
  const anonymous =
    !req.cookies?.[SESSION_COOKIE] && !req.get('authorization') && req.query.ref === undefined && !req.actor;
  res.set('Cache-Control', anonymous ? `public, max-age=0, s-maxage=${sharedSeconds}` : 'private, no-store');
}

/** Pages that only make sense for a logged-in reader. */
export function setPrivateCache(res: Response): void {
  res.vary('Cookie');
  res.set('Cache-Control', 'private, no-store');
}
