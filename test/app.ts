// Builds the real app on a fresh database for one test file. Nothing a user would hit is stubbed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../src/app.js';
import { parseConfig, type Config } from '../src/config.js';
import type { AppDeps, Clock } from '../src/deps.js';
import { createBlobStore, prepareBlobStore } from '../src/storage/index.js';
import { JobQueue, type JobQueueOptions } from '../src/jobs/queue.js';
import { ViewCounter } from '../src/documents/view-counter.js';
import { createTestDatabase } from './db.js';

export interface TestContext {
  deps: AppDeps;
  app: ReturnType<typeof createApp>;
  http: () => ReturnType<typeof request>;
  clock: MutableClock;
  close(): Promise<void>;
}

export class MutableClock implements Clock {
  private offsetMs = 0;
  now() {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number) {
    this.offsetMs += ms;
  }
}

export function testConfig(dataDir: string, overrides: Record<string, string> = {}): Config {
  const parsed = parseConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    JWT_SECRET: 'test-jwt-secret-that-is-long-enough-0123456789',
    PAYMENT_WEBHOOK_SECRET: 'test-webhook-secret-0123456789',
    RATE_LIMIT_SCALE: '0',
    LOG_LEVEL: 'silent',
    RUN_WORKER: 'false',
    RESPONSE_CACHE_TTL: '0',
    PATH: process.env.PATH ?? '',
    ...overrides,
  });
  return { ...parsed, jwtSecret: parsed.jwtSecret!, paymentWebhookSecret: parsed.paymentWebhookSecret! };
}

export async function createTestContext(
  env: Record<string, string> = {},
  options: { jobs?: JobQueueOptions } = {},
): Promise<TestContext> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'wenku-test-'));
  const config = testConfig(dataDir, env);
  const db = await createTestDatabase();
  const clock = new MutableClock();
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  // Local files in the temporary DATA_DIR, or the S3 bucket the env names (test/s3-server.ts).
  const blobs = createBlobStore(config);
  await prepareBlobStore(blobs, { create: true });
  const deps: AppDeps = {
    config,
    db,
    log,
    clock,
    blobs,
    // Started lazily on the first enqueue, so files that upload nothing pay nothing.
    jobs: new JobQueue(db.pool, log, { pollingIntervalSeconds: 0.5, clock, ...options.jobs }),
    views: new ViewCounter(db.pool, log),
  };
  const app = createApp(deps);
  return {
    deps,
    app,
    clock,
    http: () => request(app),
    close: async () => {
      await deps.views.stop();
      await deps.jobs.stop(1_000);
      await db.close();
      blobs.close?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// Users (and every other test object) are made by test/factories.ts; re-exported for the many tests that import it here.
export { registerUser } from './factories.js';
