// Rate limits from the contract's decisions, each multiplied by RATE_LIMIT_SCALE (0 turns them
// off). An app has exactly one limiter per named limit (createRateLimits, built once by
// buildDeps), and every route that performs the action — API and form page alike — uses it, so
// a limit holds however the requests arrive. Counts are kept in Redis when REDIS_URL is set, so
// every node counts against one limit; else in memory: in this process, or, under
// WEB_CONCURRENCY, in the cluster's primary process.
//
// Redis down: the limits fail open (the request goes through, a warning is logged). A limit is
// abuse protection, not a correctness rule, and refusing every login and upload because a
// helper is unreachable would turn a Redis outage into a site outage.
import { createHash } from 'node:crypto';
import cluster from 'node:cluster';
import { ClusterMemoryStoreWorker } from '@express-rate-limit/cluster-memory-store';
import type { Request, RequestHandler } from 'express';
import { rateLimit, ipKeyGenerator, type Store } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { Redis } from '../cache/redis.js';

/** Whose requests a limit counts together. */
type KeyBy =
  /** the client IP only: anonymous actions, where the caller's own token must not matter */
  | 'ip'
  /** the account of a logged-in caller, else the IP */
  | 'actor'
  /** the account named in the body (login's email), across every IP; failures only */
  | 'targetAccount';

interface LimitSpec {
  limit: number;
  windowMs: number;
  keyBy: KeyBy;
}

export const RATE_LIMITS = {
  login: { limit: 10, windowMs: 60_000, keyBy: 'ip' },
  // A slow lockout per account against guessing spread over many IPs: 10 failed logins per
  // account per 15 minutes (a correct password does not count).
  loginAccount: { limit: 10, windowMs: 15 * 60_000, keyBy: 'targetAccount' },
  register: { limit: 5, windowMs: 3_600_000, keyBy: 'ip' },
  upload: { limit: 30, windowMs: 3_600_000, keyBy: 'actor' },
  downloadLink: { limit: 60, windowMs: 3_600_000, keyBy: 'actor' },
  ticket: { limit: 10, windowMs: 3_600_000, keyBy: 'actor' },
  comments: { limit: 20, windowMs: 3_600_000, keyBy: 'actor' },
} as const satisfies Record<string, LimitSpec>;

export type RateLimitName = keyof typeof RATE_LIMITS;

/** The limiters an action's routes put in front of it. `login` checks the IP, then the account. */
export interface RateLimits {
  login: RequestHandler;
  register: RequestHandler;
  upload: RequestHandler;
  downloadLink: RequestHandler;
  ticket: RequestHandler;
  comments: RequestHandler;
}

const ipKey = (req: Request) => `ip:${ipKeyGenerator(req.ip ?? '')}`;

function keyFor(keyBy: KeyBy, req: Request): string {
  if (keyBy === 'ip') return ipKey(req);
  if (keyBy === 'actor') return req.actor ? `user:${req.actor.userId}` : ipKey(req);
  // Normalised as LoginBody normalises it, so "A@x.cn " and "a@x.cn" are one account.
  const email: unknown = req.body?.email;
  return `account:${typeof email === 'string' ? email.trim().toLowerCase() : ''}`;
}

/**
 * Where the counts live when shared through Redis. rate-limit-redis loads its Lua scripts once at
 * start; while Redis is unreachable the script's SHA1 is computed here instead (Redis names a
 * script by the SHA1 of its text), so the store neither fails for good nor leaves a rejected
 * promise behind, and once Redis is back a NOSCRIPT reply makes it load the script for real.
 */
export function redisRateLimitStore(redis: Redis, name: string): Store {
  return new RedisStore({
    prefix: `wenku:rl:${name}:`,
    sendCommand: async (...args: string[]) => {
      if (args[0] === 'SCRIPT' && args[1] === 'LOAD' && !redis.isReady) return createHash('sha1').update(args[2] ?? '').digest('hex');
      return (await redis.sendCommand(args)) as never;
    },
  });
}

export interface RateLimitOptions {
  /** Shared counts for every node (REDIS_URL); else memory. */
  redis?: Redis;
  log?: Logger;
}

function storeFor(name: RateLimitName, options: RateLimitOptions): { store?: Store } {
  if (options.redis) return { store: redisRateLimitStore(options.redis, name) };
  // Under WEB_CONCURRENCY the primary keeps one count per name for all web processes.
  if (cluster.isWorker) return { store: new ClusterMemoryStoreWorker({ prefix: `${name}:` }) };
  return {};
}

/** One limiter; made only by createRateLimits, so there is never a second count of the same name. */
function createLimiter(name: RateLimitName, scale: number, options: RateLimitOptions): RequestHandler {
  const spec: LimitSpec = RATE_LIMITS[name];
  let warnedAt = 0;
  return rateLimit({
    windowMs: spec.windowMs,
    limit: Math.max(1, Math.round(spec.limit * scale)),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    ...storeFor(name, options),
    // Fail open when the store (Redis) is unreachable; warn at most once a minute per limit.
    passOnStoreError: true,
    logger: {
      error: (err) => {
        if (Date.now() - warnedAt < 60_000) return;
        warnedAt = Date.now();
        options.log?.warn({ err, limit: name }, 'rate limit store unreachable; letting requests through');
      },
      warn: (err, message) => options.log?.warn({ err, limit: name }, message ?? 'rate limit warning'),
    },
    keyGenerator: (req) => keyFor(spec.keyBy, req),
    // Per account, only failures count (a success is taken back once the response is sent).
    skipSuccessfulRequests: spec.keyBy === 'targetAccount',
    // A login without an email is refused by validation; it names no account to lock.
    skip: (req) => spec.keyBy === 'targetAccount' && typeof req.body?.email !== 'string',
    handler: (req, res, next, options) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime ? Math.ceil((resetTime.getTime() - Date.now()) / 1000) : Math.ceil(options.windowMs / 1000);
      res.setHeader('Retry-After', String(Math.max(1, seconds)));
      next(new AppError('rate_limited', '请求过于频繁，请稍后再试 (too many requests)'));
    },
  });
}

/** Runs `first`, then `second` unless `first` answered or failed. */
function both(first: RequestHandler, second: RequestHandler): RequestHandler {
  return (req, res, next) => {
    void first(req, res, (err?: unknown) => (err ? next(err) : void second(req, res, next)));
  };
}

/** The app's limiters, one per named limit. Built once per app (buildDeps). */
export function createRateLimits(scale: number, options: RateLimitOptions = {}): RateLimits {
  if (scale === 0) {
    const off: RequestHandler = (_req, _res, next) => next();
    return { login: off, register: off, upload: off, downloadLink: off, ticket: off, comments: off };
  }
  return {
    login: both(createLimiter('login', scale, options), createLimiter('loginAccount', scale, options)),
    register: createLimiter('register', scale, options),
    upload: createLimiter('upload', scale, options),
    downloadLink: createLimiter('downloadLink', scale, options),
    ticket: createLimiter('ticket', scale, options),
    comments: createLimiter('comments', scale, options),
  };
}
