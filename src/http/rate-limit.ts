// Rate limits from the contract's decisions (per account, else per IP), each multiplied by
// RATE_LIMIT_SCALE; 0 turns them off. Counts are kept in memory: in this process, or, under
// WEB_CONCURRENCY, in the cluster's primary process, so every web process counts against one limit.
import cluster from 'node:cluster';
import { ClusterMemoryStoreWorker } from '@express-rate-limit/cluster-memory-store';
import type { RequestHandler } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { AppError } from '../errors.js';

export const RATE_LIMITS = {
  login: { limit: 10, windowMs: 60_000 },
  register: { limit: 5, windowMs: 3_600_000 },
  upload: { limit: 30, windowMs: 3_600_000 },
  downloadLink: { limit: 60, windowMs: 3_600_000 },
  ticket: { limit: 10, windowMs: 3_600_000 },
} as const;

export type RateLimitName = keyof typeof RATE_LIMITS;

/** Limiters made so far in this process; every web process makes them in the same order. */
let limitersMade = 0;

export function createRateLimiter(name: RateLimitName, scale: number): RequestHandler {
  if (scale === 0) return (_req, _res, next) => next();
  // Each limiter keeps its own counts (as the in-process store does), in the cluster's primary too.
  const prefix = `${name}:${limitersMade++}:`;
  const { limit, windowMs } = RATE_LIMITS[name];
  return rateLimit({
    windowMs,
    limit: Math.max(1, Math.round(limit * scale)),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    ...(cluster.isWorker ? { store: new ClusterMemoryStoreWorker({ prefix }) } : {}),
    keyGenerator: (req) => (req.actor ? `user:${req.actor.userId}` : `ip:${ipKeyGenerator(req.ip ?? '')}`),
    handler: (_req, res, next, options) => {
      res.setHeader('Retry-After', String(Math.ceil(options.windowMs / 1000)));
      next(new AppError('rate_limited', '请求过于频繁，请稍后再试 (too many requests)'));
    },
  });
}
