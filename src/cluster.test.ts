// WEB_CONCURRENCY: the real server started as a cluster (a primary and two web processes) on a
// real Postgres; the embedded database belongs to one process, so the embedded run skips this.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startWenku, type Running } from '../bench/lib/processes.js';
import type { Database } from './db/pool.js';
import { createTestDatabase } from '../test/db.js';

/** The primary's child processes running the server (not tsx's esbuild service). */
const webProcesses = (primaryPid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(primaryPid), '-f', 'src/server.ts'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
};

describe.skipIf(!process.env.DATABASE_URL)('the server as a cluster of web processes', () => {
  let db: Database;
  let app: Running;
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startWenku({ DATABASE_URL: db.connectionString, WEB_CONCURRENCY: '2', RUN_WORKER: 'false', RATE_LIMIT_SCALE: '1', LOG_LEVEL: 'error' });
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await db?.close();
  });

  it('when it starts, then the primary runs two web processes that answer on one port', async () => {
    expect(webProcesses(app.pid)).toHaveLength(2);
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('when logins arrive on new connections (spread over both processes), then one limit of 10 a minute holds for all of them', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) {
      const res = await fetch(`${app.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong-password' }),
      });
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429, 429, 429]);
  });

  it('when a web process dies, then the primary starts another and the site keeps answering', async () => {
    const [victim] = webProcesses(app.pid);
    process.kill(victim!, 'SIGKILL');
    await vi.waitFor(
      () => {
        const now = webProcesses(app.pid);
        expect(now).toHaveLength(2);
        expect(now).not.toContain(victim);
      },
      { timeout: 30_000, interval: 200 },
    );
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  }, 40_000);
});
