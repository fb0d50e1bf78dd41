// The database going away under the app: a Postgres of the test's own (test/own-postgres.ts) is
// stopped and started again while requests run, and a backend is terminated under a transaction.
// The shared server other runs use is never restarted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWenku, type Running } from '../../bench/lib/processes.js';
import { ownPostgresProblem, startOwnPostgres, type OwnPostgres } from '../../test/own-postgres.js';
import { createPool } from './pool.js';
import { withTransaction } from './transaction.js';
import { isConnectionError } from './pg-errors.js';

const problem = ownPostgresProblem();
if (problem) console.error(`connection-loss tests skipped: ${problem}`);

describe.skipIf(problem !== null)('when the database goes away', () => {
  let pg: OwnPostgres;
  beforeAll(async () => {
    pg = await startOwnPostgres();
  }, 90_000);
  afterAll(() => pg?.destroy());

  it('when the backend of a transaction in progress is terminated, then the transaction fails with a connection error, the process lives on and the pool serves the next one', async () => {
    const pool = createPool(pg.url, { max: 2 });
    const admin = createPool(pg.url, { max: 1 });
    try {
      const outcome = withTransaction(pool, async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // The client sits checked out and idle (no query running) when its backend is told to go:
        // Postgres sends 57P01 "terminating connection" and closes the socket.
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await new Promise((r) => setTimeout(r, 300));
        await tx.query('SELECT 1');
      });
      const err = await outcome.then(() => null, (e: unknown) => e);
      expect(isConnectionError(err)).toBe(true);
      // A broken client is not handed back: the next transaction runs on a fresh connection.
      expect(await withTransaction(pool, async (tx) => (await tx.query<{ n: number }>('SELECT 41 + 1 AS n')).rows[0]!.n)).toBe(42);
    } finally {
      await pool.end();
      await admin.end();
    }
  });

  describe('the server under load', () => {
    let app: Running;
    beforeAll(async () => {
      app = await startWenku({ DATABASE_URL: pg.url, RUN_WORKER: 'false', LOG_LEVEL: 'fatal' });
    }, 120_000);
    afterAll(async () => {
      await app?.stop();
    });

    const readyz = async () => {
      try {
        return (await fetch(`${app.url}/readyz`, { signal: AbortSignal.timeout(5_000) })).status;
      } catch {
        return 0; // no answer at all: the process is gone or not listening
      }
    };
    const until = async (want: number, ms: number) => {
      const deadline = Date.now() + ms;
      let last = -1;
      while (Date.now() < deadline) {
        last = await readyz();
        if (last === want || last === 0) return last;
        await new Promise((r) => setTimeout(r, 200));
      }
      return last;
    };

    it('when Postgres restarts while transactions run, then the process stays up, answers 503 while it is down and 200 once it is back', async () => {
      let stop = false;
      let n = 0;
      const statuses = new Map<number, number>();
      // Registrations: one transaction of several statements each (user, wallets, session).
      const loop = async () => {
        while (!stop) {
          const i = ++n;
          const res = await fetch(`${app.url}/api/v1/auth/register`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: `load${i}@example.com`, password: 'correct horse battery', displayName: `负载${i}` }),
          }).catch(() => null);
          if (!res) return; // the server is gone: the assertions below say so
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          await res.arrayBuffer();
        }
      };
      const loops = Array.from({ length: 8 }, loop);
      try {
        // Wait until transactions are flowing, then stop the server under them.
        const deadline = Date.now() + 60_000;
        while ((statuses.get(201) ?? 0) < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect(statuses.get(201) ?? 0, JSON.stringify([...statuses])).toBeGreaterThanOrEqual(4);
        pg.stop('fast');
        expect(await until(503, 15_000)).toBe(503);
        expect(app.child.exitCode).toBeNull();
        pg.start();
        expect(await until(200, 30_000)).toBe(200);
      } finally {
        stop = true;
        await Promise.all(loops);
      }
      expect(app.child.exitCode).toBeNull();
      expect(app.child.signalCode).toBeNull();
      // Nothing but created, refused while down (503) or the pool's own limits.
      for (const status of statuses.keys()) expect([201, 503]).toContain(status);
      const after = await fetch(`${app.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'after-restart@example.com', password: 'correct horse battery', displayName: '重启之后' }),
      });
      expect(after.status).toBe(201);
    }, 150_000);
  });
});
