// Status events across processes: a change committed through one app instance reaches another
// instance's SSE stream through Postgres LISTEN/NOTIFY; the poller remains for the embedded
// database and for the time the LISTEN connection is down.
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { createPool, type Database } from '../db/pool.js';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { createDocument } from '../../test/factories.js';
import { ViewCounter } from './view-counter.js';
import { DocumentStatusWatcher } from './status-events.js';
import type { StatusEvent } from './documents.schemas.js';

let ctx: TestContext;
let author: Awaited<ReturnType<typeof registerUser>>;
const log = pino({ level: 'silent' });
const onServer = () => ctx.deps.db.kind === 'postgres';

beforeAll(async () => {
  ctx = await createTestContext();
  author = await registerUser(ctx);
});
afterAll(async () => ctx.close());

const processing = () => createDocument(ctx, { uploaderId: author.user.id, priceCents: 0, status: 'processing' });
const markReady = (id: number) => ctx.deps.db.pool.query(`UPDATE documents SET status = 'ready', pages = 7 WHERE id = $1`, [id]);

/** Resolves with the first event the watcher reports for `id`, and the milliseconds it took from `since`. */
function nextEvent(watcher: DocumentStatusWatcher, id: number) {
  let unwatch = () => {};
  const promise = new Promise<{ event: StatusEvent; at: number }>((resolve) => {
    unwatch = watcher.watch(id, { status: 'processing', failureReason: null, pages: null }, (event) => resolve({ event, at: Date.now() }));
  });
  return { promise, unwatch: () => unwatch() };
}

async function until(check: () => boolean, timeoutMs = 5_000) {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('status watcher', () => {
  it('when a status changes and the poller is slow, then the LISTEN connection reports it at once (Postgres)', async (t) => {
    if (!onServer()) return t.skip();
    // A poll period of a minute: whatever arrives sooner came by notification.
    const watcher = new DocumentStatusWatcher(ctx.deps.db.pool, log, { intervalMs: 60_000, listenUrl: ctx.deps.db.directConnectionString });
    for (let i = 0; i < 3; i++) {
      const doc = await processing();
      const next = nextEvent(watcher, doc.id);
      await until(() => watcher.usesNotifications);
      const started = Date.now();
      await markReady(doc.id);
      const { event, at } = await next.promise;
      expect(event).toEqual({ status: 'ready', failureReason: null, pages: 7 });
      expect(at - started).toBeLessThan(500);
      next.unwatch();
    }
    await watcher.close();
  });

  it('when the LISTEN connection is killed, then the watcher reconnects and still reports the change (Postgres)', async (t) => {
    if (!onServer()) return t.skip();
    const watcher = new DocumentStatusWatcher(ctx.deps.db.pool, log, { intervalMs: 60_000, listenUrl: ctx.deps.db.directConnectionString });
    const doc = await processing();
    const next = nextEvent(watcher, doc.id);
    await until(() => watcher.usesNotifications);
    const listenerPids = async () =>
      (
        await ctx.deps.db.pool.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE application_name = 'wenku-status-listener' AND datname = current_database()`,
        )
      ).rows.map((r) => r.pid);
    const [before] = await listenerPids();
    await ctx.deps.db.pool.query('SELECT pg_terminate_backend($1)', [before]);
    // A new session LISTENs again (the old one is gone).
    for (let i = 0; i < 100; i++) {
      const pids = await listenerPids();
      if (pids.length === 1 && pids[0] !== before && watcher.usesNotifications) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await listenerPids()).filter((pid) => pid !== before)).toHaveLength(1);
    const started = Date.now();
    await markReady(doc.id);
    const { event, at } = await next.promise;
    expect(event.status).toBe('ready');
    expect(at - started).toBeLessThan(500);
    next.unwatch();
    await watcher.close();
  });

  it('when no LISTEN is possible (embedded database), then the poller reports the change within its period', async () => {
    const watcher = new DocumentStatusWatcher(ctx.deps.db.pool, log, { intervalMs: 200 });
    const doc = await processing();
    const next = nextEvent(watcher, doc.id);
    expect(watcher.usesNotifications).toBe(false);
    const started = Date.now();
    await markReady(doc.id);
    const { event, at } = await next.promise;
    expect(event.pages).toBe(7);
    expect(at - started).toBeLessThan(1_000);
    next.unwatch();
    await watcher.close();
  });

  it('when the last watcher leaves, then the LISTEN connection is closed (Postgres)', async (t) => {
    if (!onServer()) return t.skip();
    const watcher = new DocumentStatusWatcher(ctx.deps.db.pool, log, { intervalMs: 60_000, listenUrl: ctx.deps.db.directConnectionString });
    const doc = await processing();
    const next = nextEvent(watcher, doc.id);
    await until(() => watcher.usesNotifications);
    next.unwatch();
    await until(() => !watcher.usesNotifications);
    const count = async () =>
      (
        await ctx.deps.db.pool.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'wenku-status-listener' AND datname = current_database()`,
        )
      ).rows[0].n as number;
    for (let i = 0; i < 50 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await count()).toBe(0);
  });
});

describe('two app instances on one database', () => {
  let second: { server: Server; db: Database; views: ViewCounter };

  beforeAll(async () => {
    // Instance B: its own pool, its own app (and so its own status watcher), the same database.
    const pool = createPool(ctx.deps.db.connectionString, { max: 4, sharedSession: ctx.deps.db.kind === 'embedded' });
    const db: Database = { ...ctx.deps.db, pool, close: () => pool.end() };
    const views = new ViewCounter(pool, log);
    const app = createApp({ ...ctx.deps, db, views });
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    second = { server, db, views };
  });
  afterAll(async () => {
    second.server.closeAllConnections();
    second.server.close();
    await second.views.stop();
    await second.db.close();
  });

  it("when a conversion's status is written through instance A, then instance B's SSE stream shows it within a second", async () => {
    const doc = await processing();
    const { port } = second.server.address() as AddressInfo;
    const events: Array<{ data: StatusEvent; at: number }> = [];
    // The uploader watches (a document being converted is not public yet).
    const response = await new Promise<IncomingMessage>((resolve) =>
      get(`http://127.0.0.1:${port}/api/v1/documents/${doc.id}/events`, { headers: { authorization: `Bearer ${author.token}` } }, resolve),
    );
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    let buffered = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      buffered += chunk;
      let cut: number;
      while ((cut = buffered.indexOf('\n\n')) >= 0) {
        const block = buffered.slice(0, cut);
        buffered = buffered.slice(cut + 2);
        const data = /^data: (.*)$/m.exec(block);
        if (data) events.push({ data: JSON.parse(data[1]!) as StatusEvent, at: Date.now() });
      }
    });
    const ended = new Promise((r) => response.on('end', r));
    await until(() => events.length === 1);
    expect(events[0]!.data.status).toBe('processing');
    // Give B's LISTEN connection time to be in place (it opens with the first watch).
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await markReady(doc.id);
    await ended;
    expect(events.map((e) => e.data.status)).toEqual(['processing', 'ready']);
    expect(events[1]!.at - started).toBeLessThan(1_000);
    expect(events[1]!.data.pages).toBe(7);
  });
});
