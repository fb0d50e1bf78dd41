// The app and pg-boss through pgbouncer 1.18 in transaction pooling mode (started by the test on
// a loopback port, test/pgbouncer.ts). Real Postgres only: the embedded database has no pooler.
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import type { AppDeps } from '../deps.js';
import { JobQueue } from '../jobs/queue.js';
import { ViewCounter } from '../documents/view-counter.js';
import { balanceOf, createDocument, ledgerInvariants, SEED_DOC, topUp } from '../../test/factories.js';
import { createTestContext, type TestContext } from '../../test/app.js';
import { pgbouncerAvailable, startPgbouncer, type TestPgbouncer } from '../../test/pgbouncer.js';
import { createPool, withDirectPool, type Database } from './pool.js';

const onServer = Boolean(process.env.DATABASE_URL) && pgbouncerAvailable();
const log = pino({ level: 'silent' });

describe.skipIf(!onServer)('through pgbouncer (transaction pooling)', () => {
  let ctx: TestContext;
  let bouncer: TestPgbouncer;
  let pooled: Database;
  let deps: AppDeps;
  let http: () => ReturnType<typeof request>;

  beforeAll(async () => {
    ctx = await createTestContext();
    // Two server sessions for many clients: consecutive transactions of one client land on different sessions.
    bouncer = await startPgbouncer(ctx.deps.db.connectionString, { poolSize: 2 });
    const url = bouncer.url(ctx.deps.db.connectionString);
    const pool = createPool(url, { max: 12, transactionPooler: true, log });
    pooled = { pool, connectionString: url, directConnectionString: ctx.deps.db.connectionString, kind: 'postgres', close: () => pool.end() };
    const jobs = new JobQueue(pool, log, { pollingIntervalSeconds: 0.5 });
    deps = { ...ctx.deps, db: pooled, jobs, views: new ViewCounter(pool, log) };
    const app = createApp(deps);
    http = () => request(app);
  });
  afterAll(async () => {
    await deps?.views.stop();
    await deps?.jobs.stop(1_000);
    await pooled?.close();
    await bouncer?.stop();
    await ctx?.close();
  });

  it('when a pool without the pooler setting connects, then pgbouncer refuses its startup settings (why the setting exists)', async () => {
    const plain = createPool(bouncer.url(ctx.deps.db.connectionString), { max: 1 });
    await expect(plain.query('SELECT 1')).rejects.toThrow(/unsupported startup parameter/);
    await plain.end();
  });

  it('when named statements run from many clients over two server sessions, then every one succeeds (sent unnamed)', async () => {
    const runs = Array.from({ length: 60 }, (_, i) =>
      pooled.pool.query({ name: 'pooler-named-probe', text: 'SELECT $1::int + 1 AS n', values: [i] }).then((r) => r.rows[0].n as number),
    );
    expect(await Promise.all(runs)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('when a session goes through the pooler, then the statement timeout comes from its connect_query', async () => {
    const { rows } = await pooled.pool.query('SHOW statement_timeout');
    expect(rows[0].statement_timeout).toBe('15s');
  });

  it('when a user registers, tops up, buys and uploads through the pooler, then the rows, ledger and queued conversion are there', async () => {
    const reg = await http().post('/api/v1/auth/register').send({ email: `pool-${Date.now()}@example.com`, password: 'correct horse battery', displayName: '池' });
    expect(reg.status).toBe(201);
    const token = reg.body.token as string;
    const up = await http().post('/api/v1/documents').set('authorization', `Bearer ${token}`).attach('file', SEED_DOC);
    expect(up.status).toBe(202);
    const id = up.body.document.id as number;
    // pg-boss enqueued the conversion in the upload's transaction, through the pooler.
    expect(await deps.jobs.hasPendingConversion(pooled.pool, id)).toBe(true);
    const { rows } = await ctx.deps.db.pool.query('SELECT status, size_bytes FROM documents WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ status: 'processing', size_bytes: readFileSync(SEED_DOC).length });
    // Concurrent registrations and lookups: no statement ever meets another session's state.
    const many = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        http().post('/api/v1/auth/register').send({ email: `pool-${i}-${Date.now()}@example.com`, password: 'correct horse battery', displayName: `池${i}` }),
      ),
    );
    expect(many.map((r) => r.status)).toEqual(Array(10).fill(201));

    // Money: the top-up webhook and a purchase (named statements, row locks) through the pooler.
    const through = { ...ctx, deps, http } as TestContext;
    await topUp(through, token, 1000);
    const doc = await createDocument(through, { uploaderId: many[0]!.body.user.id as number, priceCents: 300 });
    const bought = await http().post(`/api/v1/documents/${doc.id}/purchase`).set('authorization', `Bearer ${token}`).send({ confirm: true });
    expect(bought.status).toBe(201);
    expect(await balanceOf(ctx, reg.body.user.id as number)).toMatchObject({ wallet: 700 });
    await ledgerInvariants(ctx);
  });

  it('when the migrator runs, then it uses the direct connection (its advisory lock is a session lock)', async () => {
    const seen = await withDirectPool(pooled, async (pool) => (await pool.query('SELECT inet_server_port() AS port')).rows[0].port as number);
    expect(seen).toBe(Number(new URL(ctx.deps.db.connectionString).port || 5432));
  });
});
