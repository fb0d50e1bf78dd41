// What createApp and the worker are built from; buildDeps (src/build-deps.ts) makes them for
// every entry point and for the tests.
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Database } from './db/pool.js';
import type { BlobStore } from './storage/blob-store.js';
import type { JobQueue } from './jobs/queue.js';
import type { ViewCounter } from './documents/view-counter.js';
import type { RateLimits } from './http/rate-limit.js';
import type { Mailer } from './mail/mailer.js';
import type { Invalidations } from './cache/invalidation.js';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export interface AppDeps {
  config: Config;
  db: Database;
  log: Logger;
  clock: Clock;
  blobs: BlobStore;
  /** Background jobs (pg-boss): conversions are enqueued in the upload's transaction. */
  jobs: JobQueue;
  /** Document views, counted in memory and written in batches. */
  views: ViewCounter;
  /** The app's one limiter per named limit, shared by every route that performs the action. */
  rateLimits: RateLimits;
  /** Outgoing mail (password resets, address verification). */
  mailer: Mailer;
  /** Tells every node (Redis pub/sub, or this process alone) that a document's cached responses are stale. */
  invalidations: Invalidations;
}

/** Who is making a request: a logged-in user, or nobody. */
export interface Actor {
  userId: number;
  role: 'user' | 'admin';
  displayName: string;
  email: string;
  referralCode: string;
  /** The login session behind the request (logout ends it). */
  sessionId?: string;
}
