// One 'ticket' rate limiter per app, shared by the API and the web form, so the contract's
// 10 tickets an hour holds whichever way they arrive.
import type { RequestHandler } from 'express';
import type { AppDeps } from '../deps.js';
import { createRateLimiter } from '../http/rate-limit.js';

const limiters = new WeakMap<AppDeps['config'], RequestHandler>();

export function ticketRateLimiter(deps: Pick<AppDeps, 'config'>): RequestHandler {
  let limiter = limiters.get(deps.config);
  if (!limiter) {
    limiter = createRateLimiter('ticket', deps.config.rateLimitScale);
    limiters.set(deps.config, limiter);
  }
  return limiter;
}
