import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { bearer, buy, count, createDocument, topUp, type TestUser } from '../../test/factories.js';
import { notify } from './notifications.service.js';
import { withTransaction } from '../db/transaction.js';
import { loginAgent } from '../../test/pages.js';

let ctx: TestContext;
let author: TestUser;
let buyer: TestUser;

beforeAll(async () => {
  ctx = await createTestContext();
  author = await registerUser(ctx, { displayName: '作者' });
  buyer = await registerUser(ctx, { displayName: '买家' });
});
afterAll(async () => ctx.close());

const list = (token: string, query = '') => ctx.http().get(`/api/v1/me/notifications${query}`).set(bearer(token));

describe('notifications', () => {
  it('when a document is bought, then its author has exactly one sale notification, unread', async () => {
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 300, title: '年终总结范文' });
    await topUp(ctx, buyer.token, 1000);
    await buy(ctx, buyer.token, doc.id);
    // Buying again answers 200 with the same purchase: no second notification.
    await ctx.http().post(`/api/v1/documents/${doc.id}/purchase`).set(bearer(buyer.token)).send({ confirm: true });
    expect(await count(ctx, `notifications WHERE user_id = $1 AND kind = 'sale'`, [author.user.id])).toBe(1);
    expect(await count(ctx, `notifications WHERE user_id = $1`, [buyer.user.id])).toBe(0);
    const res = await list(author.token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [{ id: expect.any(Number), kind: 'sale', title: '您的文档《年终总结范文》售出一份', body: expect.stringContaining('¥'), link: `/doc/${doc.id}`, createdAt: expect.any(String), readAt: null, routine: false }],
      unread: 1,
      unreadImportant: 1,
      nextCursor: null,
    });
  });

  it('when the transaction that reports the event rolls back, then no notification remains', async () => {
    const before = await count(ctx, 'notifications');
    await expect(
      withTransaction(ctx.deps.db.pool, async (tx) => {
        await notify(tx, { userId: author.user.id, kind: 'sale', title: 't', body: 'b', link: null });
        throw new Error('the event failed');
      }),
    ).rejects.toThrow('the event failed');
    expect(await count(ctx, 'notifications')).toBe(before);
  });

  it('when there are more than `limit`, then pages follow the cursor newest first without overlap', async () => {
    const u = await registerUser(ctx);
    for (let i = 1; i <= 5; i++) await notify(ctx.deps.db.pool, { userId: u.user.id, kind: 'ticket_reply', title: `第${i}条`, body: '', link: '/support' });
    const first = await list(u.token, '?limit=2');
    expect(first.body.items.map((n: { title: string }) => n.title)).toEqual(['第5条', '第4条']);
    expect(first.body.unread).toBe(5);
    const second = await list(u.token, `?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((n: { title: string }) => n.title)).toEqual(['第3条', '第2条']);
    const bad = await list(u.token, '?cursor=garbage');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  it('when some are marked read by id, then only the caller’s own change; {all:true} reads the rest', async () => {
    const u = await registerUser(ctx);
    const other = await registerUser(ctx);
    const a = await notify(ctx.deps.db.pool, { userId: u.user.id, kind: 'document_ready', title: 'a', body: '', link: null });
    await notify(ctx.deps.db.pool, { userId: u.user.id, kind: 'document_ready', title: 'b', body: '', link: null });
    const theirs = await notify(ctx.deps.db.pool, { userId: other.user.id, kind: 'document_ready', title: 'c', body: '', link: null });
    const res = await ctx.http().post('/api/v1/me/notifications/read').set(bearer(u.token)).send({ ids: [a.id, theirs.id] });
    expect(res.status).toBe(204);
    expect(await count(ctx, 'notifications WHERE id = $1 AND read_at IS NOT NULL', [a.id])).toBe(1);
    expect(await count(ctx, 'notifications WHERE id = $1 AND read_at IS NULL', [theirs.id])).toBe(1);
    expect((await list(u.token)).body.unread).toBe(1);
    expect((await ctx.http().post('/api/v1/me/notifications/read').set(bearer(u.token)).send({ all: true })).status).toBe(204);
    expect((await list(u.token)).body.unread).toBe(0);
    expect((await list(other.token)).body.unread).toBe(1);
    const bad = await ctx.http().post('/api/v1/me/notifications/read').set(bearer(u.token)).send({ ids: ['x'] });
    expect(bad.status).toBe(400);
    expect((await ctx.http().get('/api/v1/me/notifications')).status).toBe(401);
  });
});

describe('the bell and /notifications', () => {
  it('when a logged-in reader opens any page, then the header shows the unread count; the page marks one read with CSRF', async () => {
    const u = await registerUser(ctx);
    const { agent } = await loginAgent(ctx, u);
    await notify(ctx.deps.db.pool, { userId: u.user.id, kind: 'ticket_resolved', title: '工单已处理', body: '您的工单已处理完毕', link: '/support' });
    const home = await agent.get('/');
    expect(home.text).toMatch(/class="bell-count"[^>]*>1</);
    const page = await agent.get('/notifications');
    expect(page.status).toBe(200);
    expect(page.text).toContain('工单已处理');
    // A whole page of the site: its title, language and header (with the bell), not a bare fragment.
    expect(page.text).toMatch(/<html lang="zh-CN">/u);
    expect(page.text).toMatch(/<title>消息通知[^<]*<\/title>/u);
    expect(page.text).toContain('class="site-header');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const id = /name="id" value="(\d+)"/.exec(page.text)![1]!;
    expect((await agent.post('/notifications/read').type('form').send({ id })).status).toBe(403);
    const ok = await agent.post('/notifications/read').type('form').send({ _csrf: csrf, id });
    expect(ok.status).toBe(303);
    expect(await count(ctx, 'notifications WHERE id = $1 AND read_at IS NOT NULL', [Number(id)])).toBe(1);
    expect((await agent.get('/')).text).not.toContain('class="bell-count"');
  });
});
