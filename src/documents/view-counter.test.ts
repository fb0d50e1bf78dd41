import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createTestContext, MutableClock, registerUser, type TestContext } from '../../test/app.js';
import { createDocument as insertReadyDocument } from '../../test/factories.js';
import { ViewCounter, viewerKey } from './view-counter.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ RESPONSE_CACHE_TTL: '30s' });
});
afterAll(async () => ctx.close());

const storedViews = async (id: number) => {
  await ctx.deps.views.flush();
  return (await ctx.deps.db.pool.query<{ views: number }>('SELECT views FROM documents WHERE id = $1', [id])).rows[0]!.views;
};

describe('counting views', () => {
  it('when a logged-in reader reloads a document 20 times, then it counts one view; the uploader\'s own views count none', async () => {
    const author = await registerUser(ctx);
    const reader = await registerUser(ctx);
    const { id } = await insertReadyDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    for (let i = 0; i < 20; i++) {
      expect((await ctx.http().get(`/api/v1/documents/${id}`).set('authorization', `Bearer ${reader.token}`)).status).toBe(200);
      await ctx.http().get(`/doc/${id}`).set('cookie', `wenku_session=${reader.token}`);
    }
    for (let i = 0; i < 5; i++) await ctx.http().get(`/api/v1/documents/${id}`).set('authorization', `Bearer ${author.token}`);
    expect(await storedViews(id)).toBe(1);
    const marks = await ctx.deps.db.pool.query('SELECT viewer FROM document_view_marks WHERE document_id = $1', [id]);
    expect(marks.rows).toEqual([{ viewer: `u:${reader.user.id}` }]);
  });

  it('when anonymous readers come, then each IP counts once a day whatever User-Agent it sends, also when served from the response cache', async () => {
    const author = await registerUser(ctx);
    const { id } = await insertReadyDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    // Readers by address (the test client is a trusted proxy: TRUST_PROXY loopback).
    const from = (ip: string, ua: string) => ({ 'x-forwarded-for': ip, 'user-agent': ua });
    const first = await ctx.http().get(`/doc/${id}`).set(from('198.51.100.1', 'reader A'));
    expect(first.headers['x-cache']).toBeUndefined();
    for (let i = 0; i < 10; i++) {
      // One address rotating its User-Agent buys nothing.
      const hit = await ctx.http().get(`/doc/${id}`).set(from('198.51.100.1', `Mozilla/5.0 (rotated ${i})`));
      expect(hit.headers['x-cache']).toBe('HIT');
    }
    for (let i = 0; i < 5; i++) await ctx.http().get(`/api/v1/documents/${id}`).set(from('198.51.100.1', `agent ${i}`));
    expect(await storedViews(id)).toBe(1);
    // Two new readers, one of them only ever served from the cache.
    expect((await ctx.http().get(`/doc/${id}`).set(from('198.51.100.2', 'reader B'))).headers['x-cache']).toBe('HIT');
    await ctx.http().get(`/api/v1/documents/${id}`).set(from('198.51.100.3', 'reader C'));
    await ctx.http().get(`/api/v1/documents/${id}`).set(from('198.51.100.3', 'reader C'));
    expect(await storedViews(id)).toBe(3);
    const marks = await ctx.deps.db.pool.query<{ viewer: string }>('SELECT viewer FROM document_view_marks WHERE document_id = $1', [id]);
    expect(marks.rows.every((r) => /^a:[\w-]{22}$/.test(r.viewer))).toBe(true); // no address in clear
  });

  it('when two processes count the same viewer, then the database keeps it to one; the next day counts again and old marks go', async () => {
    const author = await registerUser(ctx);
    const { id } = await insertReadyDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    const clock = new MutableClock();
    const log = pino({ level: 'silent' });
    const one = new ViewCounter(ctx.deps.db.pool, log, 60_000, () => clock.now());
    const two = new ViewCounter(ctx.deps.db.pool, log, 60_000, () => clock.now());
    const viewer = viewerKey(null, '203.0.113.7');
    one.count(id, viewer);
    two.count(id, viewer);
    one.count(id, viewer);
    expect(one.unsaved(id)).toBe(1);
    await Promise.all([one.flush(), two.flush()]);
    expect(await storedViews(id)).toBe(1);
    clock.advance(24 * 3600 * 1000);
    one.count(id, viewer);
    await one.flush();
    expect(await storedViews(id)).toBe(2);
    clock.advance(2 * 24 * 3600 * 1000);
    one.count(id, viewerKey(7, undefined));
    await one.stop();
    await two.stop();
    const days = await ctx.deps.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM document_view_marks WHERE document_id = $1 AND day < $2::date`,
      [id, new Date(clock.now().getTime() - 24 * 3600 * 1000).toISOString().slice(0, 10)],
    );
    expect(days.rows[0]!.n).toBe(0);
    expect(await storedViews(id)).toBe(3);
  });

  it('when views are counted in TIMEZONE, then each document\'s count for that calendar day grows by exactly what its views grow by', async () => {
    const author = await registerUser(ctx);
    const { id } = await insertReadyDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    // 20:00 UTC on 1 May is already 2 May in Shanghai: the view belongs to 2 May there.
    let now = new Date('2024-05-01T20:00:00Z');
    const counter = new ViewCounter(ctx.deps.db.pool, pino({ level: 'silent' }), 60_000, () => now, 'Asia/Shanghai');
    const daily = async () =>
      (await ctx.deps.db.pool.query<{ day: string; views: number }>('SELECT day::text AS day, views FROM document_daily_views WHERE document_id = $1 ORDER BY day', [id])).rows;
    counter.count(id, viewerKey(1, undefined));
    counter.count(id, viewerKey(2, undefined));
    await counter.flush();
    expect(await daily()).toEqual([{ day: '2024-05-02', views: 2 }]);
    // A repeat the same day adds nothing, also from another process (the marks decide).
    const other = new ViewCounter(ctx.deps.db.pool, pino({ level: 'silent' }), 60_000, () => now, 'Asia/Shanghai');
    other.count(id, viewerKey(1, undefined));
    await other.flush();
    now = new Date('2024-05-02T17:00:00Z'); // 3 May, 01:00 in Shanghai
    counter.count(id, viewerKey(1, undefined));
    await counter.stop();
    await other.stop();
    expect(await daily()).toEqual([{ day: '2024-05-02', views: 2 }, { day: '2024-05-03', views: 1 }]);
    expect(await storedViews(id)).toBe(3);
  });
});
