// With PUBLIC_URL set the site has one name: a request for another host is refused before the
// response cache or any route sees it, so no page is ever rendered (or cached) for a host an
// attacker chose. Health checks are exempt (probes call the process by its address).
import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

export function publicHostCheck(publicUrl: string | undefined): RequestHandler {
  if (!publicUrl) return (_req, _res, next) => next();
  const expected = new URL(publicUrl).hostname.toLowerCase();
  return (req, _res, next) => {
    if (req.path === '/healthz' || req.path === '/readyz') return next();
    // req.hostname is the Host header, or X-Forwarded-Host from a trusted proxy (TRUST_PROXY).
    if ((req.hostname ?? '').toLowerCase() === expected) return next();
    next(new AppError('validation_failed', `未知的站点地址 (this site is served as ${expected} only)`, { reason: 'unknown_host' }));
  };
}
