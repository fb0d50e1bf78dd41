import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { createDocument } from '../../test/factories.js';

let ctx: TestContext;
let docId: number;
let readerToken: string;
beforeAll(async () => {
  ctx = await createTestContext({ RESPONSE_CACHE_TTL: '30s' });
  const author = await registerUser(ctx, { displayName: '作者甲' });
  readerToken = (await registerUser(ctx, { displayName: '读者乙' })).token;
  docId = (await createDocument(ctx, { uploaderId: author.user.id, priceCents: 300, title: '缓存测试文档' })).id;
});
afterAll(async () => ctx.close());

describe('the anonymous response cache', () => {
  it('when an anonymous reader opens a document page twice, then the second answer comes from memory, still counts a view, and honours ETag', async () => {
    const first = await ctx.http().get(`/doc/${docId}`);
    expect(first.status).toBe(200);
    expect(first.headers['x-cache']).toBeUndefined();
    const viewsBefore = ctx.deps.views.unsaved(docId);
    // Another anonymous reader, from another address (views count once per viewer per day; the test client is a trusted proxy).
    const second = await ctx.http().get(`/doc/${docId}`).set('x-forwarded-for', '198.51.100.77');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.text).toBe(first.text);
    expect(second.headers['cache-control']).toMatch(/public/);
    expect(second.headers['content-security-policy']).toBe(first.headers['content-security-policy']);
    expect(second.headers['x-request-id']).toBeUndefined();
    expect(ctx.deps.views.unsaved(docId)).toBe(viewsBefore + 1);
    const notModified = await ctx.http().get(`/doc/${docId}`).set('if-none-match', second.headers.etag!);
    expect(notModified.status).toBe(304);
  });

  it('when the client accepts gzip, then the stored page is sent compressed (made once) and decodes to the same bytes', async () => {
    const plain = await ctx.http().get(`/doc/${docId}`);
    const res = await ctx.http().get(`/doc/${docId}`).set('accept-encoding', 'gzip').buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.headers['x-cache']).toBe('HIT');
    expect(res.headers['vary']).toMatch(/Accept-Encoding/);
    expect(res.headers['content-encoding']).toBe('gzip');
    // supertest inflates the body before the parser sees it: equal bytes prove the stored gzip decodes right.
    expect((res.body as Buffer).toString()).toBe(plain.text);
  });

  it('when a reader is logged in, then they never get the cached anonymous page, and their page is never stored', async () => {
    await ctx.http().get(`/doc/${docId}`); // make sure an anonymous copy exists
    const mine = await ctx.http().get(`/doc/${docId}`).set('cookie', `wenku_session=${readerToken}`);
    expect(mine.headers['x-cache']).toBeUndefined();
    expect(mine.headers['cache-control']).toMatch(/private/);
    expect(mine.text).toContain('读者乙');
    const anonymous = await ctx.http().get(`/doc/${docId}`);
    expect(anonymous.headers['x-cache']).toBe('HIT');
    expect(anonymous.text).not.toContain('读者乙');
    const bearer = await ctx.http().get(`/api/v1/documents/${docId}`).set('authorization', `Bearer ${readerToken}`);
    expect(bearer.headers['x-cache']).toBeUndefined();
  });

  it('when a share link (?ref=) or a page that sets a cookie is requested, then nothing is served from or put in the cache', async () => {
    await ctx.http().get(`/doc/${docId}?ref=abc`);
    expect((await ctx.http().get(`/doc/${docId}?ref=abc`)).headers['x-cache']).toBeUndefined();
    await ctx.http().get('/login');
    expect((await ctx.http().get('/login')).headers['x-cache']).toBeUndefined();
  });

  it('when a cached document is taken down, then once its copy expires every reader gets 404, none the stale page', async () => {
    const short = await createTestContext({ RESPONSE_CACHE_TTL: '1s' });
    try {
      const author = await registerUser(short);
      const id = (await createDocument(short, { uploaderId: author.user.id, priceCents: 100, title: '将被下架' })).id;
      await short.http().get(`/doc/${id}`);
      expect((await short.http().get(`/doc/${id}`)).headers['x-cache']).toBe('HIT');
      await short.deps.db.pool.query(`UPDATE documents SET taken_down_at = now() WHERE id = $1`, [id]);
      short.clock.advance(1_100);
      expect((await short.http().get(`/doc/${id}`)).status).toBe(404); // the request that refreshes
      const next = await short.http().get(`/doc/${id}`);
      expect(next.status).toBe(404);
      expect(next.headers['x-cache']).toBeUndefined();
    } finally {
      await short.close();
    }
  });
});
