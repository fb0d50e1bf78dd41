// Builds the real app on a fresh database for one test file. Nothing a user would hit is stubbed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../src/app.js';
import { parseConfig, type Config } from '../src/config.js';
import { buildDeps } from '../src/build-deps.js';
import type { AppDeps, Clock } from '../src/deps.js';
import type { JobQueueOptions } from '../src/jobs/queue.js';
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
  // Jobs start lazily on the first enqueue, so files that upload nothing pay nothing.
  const deps = await buildDeps(config, log, { db, clock, jobs: { pollingIntervalSeconds: 0.5, ...options.jobs } });
  const app = createApp(deps);
  return {
    deps,
    app,
    clock,
    http: () => request(app),
    close: async () => {
      await deps.close(1_000);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// Users (and every other test object) are made by test/factories.ts; re-exported for the many tests that import it here.
export { registerUser } from './factories.js';
