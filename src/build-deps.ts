// The one place that wires what the app and the workers are built from. Used by every entry point
// (server.ts, lifecycle.ts for the worker and the cluster's primary, migrate.ts) and by the tests
// (test/app.ts), so a new dependency is added here once.
import type { Logger } from 'pino';
import type { Settings } from './config.js';
import { withGeneratedSecrets } from './settings/generated-secrets.js';
import { systemClock, type AppDeps, type Clock } from './deps.js';
import { openDatabase, withDirectPool, type Database } from './db/pool.js';
import { migrate } from './db/migrator.js';
import { ViewCounter } from './documents/view-counter.js';
import { createRateLimits } from './http/rate-limit.js';
import { JobQueue, type JobQueueOptions } from './jobs/queue.js';
import { createBlobStore, prepareBlobStore } from './storage/index.js';
import { createMailer } from './mail/mailer.js';
import { closeRedis, openRedis } from './cache/redis.js';
import { LocalInvalidations, RedisInvalidations, type Invalidations } from './cache/invalidation.js';

export interface BuildOptions {
  /** An already open database (the tests' clone); otherwise the configured one is opened. */
  db?: Database;
  /** Apply pending migrations first: only the process that owns the database does. */
  migrate?: boolean;
  clock?: Clock;
  /** pg-boss settings; `supervise` in the one process that runs the queue's maintenance. */
  jobs?: JobQueueOptions;
}

export interface BuiltDeps extends AppDeps {
  /** Flushes views, closes the mailer, stops the queue (running jobs get `jobsTimeoutMs`) and closes the database. */
  close(jobsTimeoutMs?: number): Promise<void>;
}

export async function buildDeps(settings: Settings, log: Logger, options: BuildOptions = {}): Promise<BuiltDeps> {
  const db = options.db ?? (await openDatabase(settings, log));
  if (options.migrate) {
    // Its advisory lock is a session lock: on the direct connection when DATABASE_URL is a pooler.
    const applied = await withDirectPool(db, (pool) => migrate(pool), log);
    log.info({ database: db.kind, applied }, applied.length ? 'migrations applied' : 'database ready');
  }
  // Secrets not given are shared through the database (after the migration that holds them).
  const config = await withGeneratedSecrets(settings, db.pool).catch(async (err: unknown) => {
    if (!options.db) await db.close();
    throw err;
  });
  const clock = options.clock ?? systemClock;
  // The queue's heartbeats use the app's clock, so the sweep and the tests judge them alike.
  const jobs = new JobQueue(db.pool, log, { clock, ...options.jobs });
  const views = new ViewCounter(db.pool, log, undefined, undefined, config.timezone);
  // Local files in DATA_DIR/blobs, or the S3 bucket (checked now; created outside production).
  const blobs = createBlobStore(config);
  await prepareBlobStore(blobs, { create: config.env !== 'production' });
  const mailer = createMailer(config, log);
  // REDIS_URL: counts and invalidations shared by every node; the subscriber needs a connection
  // of its own (a subscribed connection can run nothing else).
  const redis = config.redisUrl ? openRedis(config.redisUrl, log, 'commands') : undefined;
  const subscriber = config.redisUrl ? openRedis(config.redisUrl, log, 'invalidations') : undefined;
  const invalidations: Invalidations =
    redis && subscriber ? new RedisInvalidations(redis, subscriber, log) : new LocalInvalidations();
  return {
    config,
    db,
    log,
    clock,
    blobs,
    jobs,
    views,
    rateLimits: createRateLimits(config.rateLimitScale, { redis, log }),
    mailer,
    invalidations,
    async close(jobsTimeoutMs = 10_000) {
      await views.stop();
      mailer.close();
      await jobs.stop(jobsTimeoutMs);
      await invalidations.close();
      for (const r of [subscriber, redis]) if (r) await closeRedis(r);
      await db.close();
      blobs.close?.();
    },
  };
}
