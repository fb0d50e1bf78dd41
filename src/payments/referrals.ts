// Share links: /doc/:id?ref=CODE remembers who referred this reader to this document, in a
// signed cookie (works for anonymous readers) and, for a logged-in reader, in referral_visits
// (works for API clients that never carry the cookie). The latest link followed counts, for 30 days.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { AppDeps } from '../deps.js';
import { findUserByReferralCode } from '../auth/users.repo.js';
import { upsertReferralVisit } from './referrals.repo.js';

export const REFERRAL_TTL_MS = 30 * 24 * 3600 * 1000;
export const referralCookieName = (documentId: number) => `wenku_ref_${documentId}`;

function mac(secret: string, documentId: number, referrerId: number, expiresSec: number): string {
  return createHmac('sha256', `${secret}:referral`).update(`${documentId}:${referrerId}:${expiresSec}`).digest('base64url');
}

/** `<referrerId>.<expiry seconds>.<HMAC>`: bound to the document, so it cannot be moved to another. */
export function signReferralCookie(secret: string, documentId: number, referrerId: number, nowMs: number): string {
  const expiresSec = Math.floor((nowMs + REFERRAL_TTL_MS) / 1000);
  return `${referrerId}.${expiresSec}.${mac(secret, documentId, referrerId, expiresSec)}`;
}

/** The referrer id from a cookie value, or null when it is missing, forged or expired. */
export function verifyReferralCookie(secret: string, documentId: number, value: unknown, nowMs: number): number | null {
  if (typeof value !== 'string') return null;
  const m = value.match(/^([1-9]\d{0,15})\.(\d{1,12})\.([\w-]{43})$/);
  if (!m) return null;
  const referrerId = Number(m[1]);
  const expiresSec = Number(m[2]);
  const expected = Buffer.from(mac(secret, documentId, referrerId, expiresSec));
  const given = Buffer.from(m[3]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return expiresSec * 1000 > nowMs ? referrerId : null;
}

export function referrerFromCookie(deps: Pick<AppDeps, 'config' | 'clock'>, req: Request, documentId: number): number | null {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[referralCookieName(documentId)];
  return verifyReferralCookie(deps.config.jwtSecret, documentId, value, deps.clock.now().getTime());
}

/**
 * GET /doc/:id?ref=CODE: remembers the referrer, then hands on to the page (always calls next,
 * never fails the page). A reader's own code is ignored.
 */
export function rememberReferral(deps: Pick<AppDeps, 'config' | 'db' | 'clock' | 'log'>): RequestHandler {
  return async (req, res, next) => {
    const code = req.query.ref;
    const idParam = req.params.id;
    if (typeof code !== 'string' || !/^[a-z0-9]{1,40}$/i.test(code) || typeof idParam !== 'string' || !/^[1-9]\d{0,15}$/.test(idParam)) {
      return next();
    }
    const documentId = Number(idParam);
    try {
      const referrer = await findUserByReferralCode(deps.db.pool, code.toLowerCase());
      if (!referrer || referrer.id === req.actor?.userId) return next();
      const now = deps.clock.now().getTime();
      res.cookie(referralCookieName(documentId), signReferralCookie(deps.config.jwtSecret, documentId, referrer.id, now), {
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.config.env === 'production',
        path: '/',
        maxAge: REFERRAL_TTL_MS,
      });
      if (req.actor) await upsertReferralVisit(deps.db.pool, { userId: req.actor.userId, documentId, referrerId: referrer.id });
    } catch (err) {
      // An unknown document id fails the foreign key; the page itself will answer 404.
      if ((err as { code?: string }).code !== '23503') deps.log.warn({ err }, 'could not remember a referral');
    }
    next();
  };
}
