// Ratings and comments (issue 16): who may rate, the stored aggregate on every listing, comments
// with their limit, deletion rights and escaping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { bearer, buy, count, createDocument, registerUser, topUp, type TestUser } from '../../test/factories.js';

let ctx: TestContext;
let uploader: TestUser;
let reader: TestUser;

beforeAll(async () => {
  ctx = await createTestContext();
  uploader = await registerUser(ctx);
  reader = await registerUser(ctx);
});
afterAll(async () => ctx.close());

const rate = (token: string, id: number, stars: unknown) => ctx.http().put(`/api/v1/documents/${id}/rating`).set(bearer(token)).send({ stars });
const aggregate = async (id: number) =>
  (await ctx.deps.db.pool.query('SELECT rating_count AS n, rating_sum AS s FROM documents WHERE id = $1', [id])).rows[0];

describe('ratings', () => {
  it('when a reader rates a free document twice, then one rating is kept, replaced, and the document shows its average and count', async () => {
    const doc = await createDocument(ctx, { uploaderId: uploader.user.id });
    expect((await rate(reader.token, doc.id, 4)).status).toBe(204);
    const other = await registerUser(ctx);
    expect((await rate(other.token, doc.id, 5)).status).toBe(204);
    expect((await rate(reader.token, doc.id, 2)).status).toBe(204);
    expect(await count(ctx, 'document_ratings WHERE document_id = $1', [doc.id])).toBe(2);
    expect(await aggregate(doc.id)).toEqual({ n: 2, s: 7 });
    const one = await ctx.http().get(`/api/v1/documents/${doc.id}`);
    expect(one.body.document.rating).toEqual({ average: 3.5, count: 2 });
    const list = await ctx.http().get('/api/v1/documents?sort=newest&limit=100');
    expect(list.body.items.find((d: { id: number }) => d.id === doc.id).rating).toEqual({ average: 3.5, count: 2 });
  });

  it('when a paid document is rated by someone who has not bought it, then 403 and nothing is stored; after buying, 204', async () => {
    const doc = await createDocument(ctx, { uploaderId: uploader.user.id, priceCents: 200 });
    const buyer = await registerUser(ctx);
    expect((await rate(buyer.token, doc.id, 5)).status).toBe(403);
    expect(await aggregate(doc.id)).toEqual({ n: 0, s: 0 });
    await topUp(ctx, buyer.token, 1000);
    await buy(ctx, buyer.token, doc.id);
    expect((await rate(buyer.token, doc.id, 5)).status).toBe(204);
    expect(await aggregate(doc.id)).toEqual({ n: 1, s: 5 });
  });

  it('when the purchase was refunded, then the buyer may no longer rate (403)', async () => {
    const doc = await createDocument(ctx, { uploaderId: uploader.user.id, priceCents: 300 });
    const buyer = await registerUser(ctx);
    await topUp(ctx, buyer.token, 1000);
    await buy(ctx, buyer.token, doc.id);
    await ctx.deps.db.pool.query(`UPDATE purchases SET status = 'refunded', refunded_at = now() WHERE buyer_id = $1 AND document_id = $2`, [buyer.user.id, doc.id]);
    expect((await rate(buyer.token, doc.id, 1)).status).toBe(403);
    expect(await aggregate(doc.id)).toEqual({ n: 0, s: 0 });
  });

  it('when the uploader rates their own document, or an admin a paid one not bought, then 403', async () => {
    const free = await createDocument(ctx, { uploaderId: uploader.user.id });
    expect((await rate(uploader.token, free.id, 5)).status).toBe(403);
    const admin = await registerUser(ctx);
    await ctx.deps.db.pool.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [admin.user.id]);
    const paid = await createDocument(ctx, { uploaderId: uploader.user.id, priceCents: 100 });
    expect((await rate(admin.token, paid.id, 5)).status).toBe(403);
    expect(await count(ctx, 'document_ratings WHERE document_id = ANY($1)', [[free.id, paid.id]])).toBe(0);
  });

  it('when stars are outside 1..5 or not whole, or the caller is anonymous, then 400 / 401; a hidden document is 404', async () => {
    const doc = await createDocument(ctx, { uploaderId: uploader.user.id });
    for (const stars of [0, 6, 2.5, '3', null]) expect((await rate(reader.token, doc.id, stars)).status).toBe(400);
    expect((await ctx.http().put(`/api/v1/documents/${doc.id}/rating`).send({ stars: 3 })).status).toBe(401);
    const gone = await createDocument(ctx, { uploaderId: uploader.user.id, takenDown: true });
    expect((await rate(reader.token, gone.id, 3)).status).toBe(404);
  });
});

describe('comments', () => {
  const post = (token: string, id: number, body: unknown) => ctx.http().post(`/api/v1/documents/${id}/comments`).set(bearer(token)).send({ body });

  it('when comments are posted, then they list newest first with authors, page by cursor, and the body is stored as given', async () => {
    const doc = await createDocument(ctx, { uploaderId: uploader.user.id });
    const ids: number[] = [];
    for (let i = 0; i < 22; i++) {
      const res = await post(reader.token, doc.id, `第${i}条`);
      expect(res.status).toBe(201);
      ids.push(res.body.comment.id);
    }
    const first = await ctx.http().get(`/api/v1/documents/${doc.id}/comments`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(20);
    expect(first.body.items[0]).toMatchObject({ id: ids[21], body: '第21条', author: { id: reader.user.id } });
    const second = await ctx.http().get(`/api/v1/documents/${doc.id}/comments?cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((c: { id: number }) => c.id)).toEqual([ids[1], ids[0]]);
    expect(second.body.nextCursor).toBeNull();
    expect((await ctx.http().get(`/api/v1/documents/${doc.id}/comments?cursor=xyz`)).status).toBe(400);
  });

  it('when a body is empty, blank or over 1000 characters, or the caller is anonymous, then 400 / 401 and nothing is stored', async () => {
    const doc = await createDocument(ctx, { uploaderId: uploader.user.id });
    for (const body of ['', '   ', '字'.repeat(1001), 5]) expect((await post(reader.token, doc.id, body)).status).toBe(400);
    expect((await post(reader.token, doc.id, '字'.repeat(1000))).status).toBe(201);
    expect((await ctx.http().post(`/api/v1/documents/${doc.id}/comments`).send({ body: 'hi' })).status).toBe(401);
    expect(await count(ctx, 'document_comments WHERE document_id = $1', [doc.id])).toBe(1);
  });

  it('when someone else deletes a comment, then 403; its author or an admin, then 204 and the row is gone', async () => {
    const doc = await createDocument(ctx, { uploaderId: uploader.user.id });
    const a = (await post(reader.token, doc.id, 'one')).body.comment.id;
    const b = (await post(reader.token, doc.id, 'two')).body.comment.id;
    const stranger = await registerUser(ctx);
    expect((await ctx.http().delete(`/api/v1/comments/${a}`).set(bearer(stranger.token))).status).toBe(403);
    expect((await ctx.http().delete(`/api/v1/comments/${a}`).set(bearer(reader.token))).status).toBe(204);
    const admin = await registerUser(ctx);
    await ctx.deps.db.pool.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [admin.user.id]);
    expect((await ctx.http().delete(`/api/v1/comments/${b}`).set(bearer(admin.token))).status).toBe(204);
    expect(await count(ctx, 'document_comments WHERE id = ANY($1)', [[a, b]])).toBe(0);
    expect((await ctx.http().delete(`/api/v1/comments/${a}`).set(bearer(reader.token))).status).toBe(404);
  });

  it('when a comment holds markup, then the page shows it as text, never as an element', async () => {
    const doc = await createDocument(ctx, { uploaderId: uploader.user.id });
    await post(reader.token, doc.id, '<script>alert(1)</script><img src=x onerror=alert(2)>');
    const page = await ctx.http().get(`/doc/${doc.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).not.toContain('<img src=x');
  });
});

describe('comments rate limit', () => {
  it('when a user posts a 21st comment within an hour, then 429 rate_limited and 20 are stored', async () => {
    const limited = await createTestContext({ RATE_LIMIT_SCALE: '1' });
    try {
      const u = await registerUser(limited);
      const w = await registerUser(limited);
      const doc = await createDocument(limited, { uploaderId: w.user.id });
      for (let i = 0; i < 20; i++) {
        expect((await limited.http().post(`/api/v1/documents/${doc.id}/comments`).set(bearer(u.token)).send({ body: `c${i}` })).status).toBe(201);
      }
      const res = await limited.http().post(`/api/v1/documents/${doc.id}/comments`).set(bearer(u.token)).send({ body: 'c20' });
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('rate_limited');
      expect(await count(limited, 'document_comments WHERE document_id = $1', [doc.id])).toBe(20);
    } finally {
      await limited.close();
    }
  });
});
