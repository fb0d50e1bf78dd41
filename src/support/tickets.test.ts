import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { bearer, buy, count, createDocument, topUp, type TestUser } from '../../test/factories.js';
import { registerAdmin } from '../auth/test-fixtures.js';

let ctx: TestContext;
let admin: TestUser;
let alice: TestUser;
let bob: TestUser;
let author: TestUser;
let docId: number;
let alicePurchase: number;

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await registerAdmin(ctx, { email: 'desk@example.com', displayName: '客服小王' });
  alice = await registerUser(ctx, { displayName: '爱丽丝' });
  bob = await registerUser(ctx, { displayName: '鲍勃' });
  author = await registerUser(ctx, { displayName: '作者' });
  docId = (await createDocument(ctx, { uploaderId: author.user.id, priceCents: 500 })).id;
  await topUp(ctx, alice.token, 1000);
  alicePurchase = await buy(ctx, alice.token, docId);
});
afterAll(async () => ctx.close());

const post = (token: string | null, body: object) => {
  const req = ctx.http().post('/api/v1/tickets');
  return (token ? req.set(bearer(token)) : req).send(body);
};

describe('opening a ticket', () => {
  it('when a buyer reports a failed download with the purchase, then it answers 201 with the Ticket and stores the first message and history', async () => {
    const res = await post(alice.token, { category: 'download_failed', subject: '付费后无法下载', body: '点了下载一直失败', documentId: docId, purchaseId: alicePurchase });
    expect(res.status).toBe(201);
    expect(res.body.ticket).toEqual({
      id: expect.any(Number), category: 'download_failed', status: 'open', subject: '付费后无法下载',
      documentId: docId, purchaseId: alicePurchase, createdAt: expect.any(String),
      messages: [{ author: 'user', body: '点了下载一直失败', createdAt: expect.any(String) }], resolution: null,
    });
    const id = res.body.ticket.id;
    expect(await count(ctx, 'tickets WHERE id = $1 AND reporter_id = $2', [id, alice.user.id])).toBe(1);
    expect(await count(ctx, `ticket_events WHERE ticket_id = $1 AND kind = 'created' AND to_status = 'open' AND actor_id = $2`, [id, alice.user.id])).toBe(1);
  });

  it('when a buyer reports about a document without naming the purchase, then the ticket is tied to their paid purchase', async () => {
    const res = await post(alice.token, { category: 'refund', subject: '申请退款', body: '内容不是我要的', documentId: docId });
    expect(res.status).toBe(201);
    expect(res.body.ticket.purchaseId).toBe(alicePurchase);
  });

  it('when the purchase is someone else’s, then it answers 404 and stores nothing', async () => {
    const before = await count(ctx, 'tickets');
    const res = await post(bob.token, { category: 'refund', subject: '退款', body: '退款', documentId: docId, purchaseId: alicePurchase });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(await count(ctx, 'tickets')).toBe(before);
  });

  it('when the purchase is of another document, then it answers 400 validation_failed', async () => {
    const other = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0, title: '另一篇' });
    const res = await post(alice.token, { category: 'refund', subject: '退款', body: '退款', documentId: other.id, purchaseId: alicePurchase });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('when the document does not exist, then it answers 404', async () => {
    const res = await post(alice.token, { category: 'mismatch', subject: '不符', body: '不符', documentId: 999999 });
    expect(res.status).toBe(404);
  });

  it('when a document is taken down, then others cannot report a mismatch about it (404) but a copyright notice is accepted', async () => {
    const down = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0, title: '已下架' });
    await ctx.deps.db.pool.query(`UPDATE documents SET taken_down_at = now() WHERE id = $1`, [down.id]);
    expect((await post(bob.token, { category: 'mismatch', subject: '不符', body: '不符', documentId: down.id })).status).toBe(404);
    expect((await post(bob.token, { category: 'copyright', evidence: '著作权登记号 2024-L-00001', subject: '侵权', body: '侵权', documentId: down.id })).status).toBe(201);
  });

  it('when an anonymous right holder sends a copyright notice with a contact, then it is stored with the notice fields', async () => {
    const res = await post(null, {
      category: 'copyright', subject: '侵犯著作权', body: '该文档抄袭我的讲话稿', documentId: docId, contact: 'rights@example.cn',
      workTitle: '政法工作讲话稿', rightHolder: '张三', evidence: '首发于2020年的报纸',
    });
    expect(res.status).toBe(201);
    const row = await ctx.deps.db.pool.query(`SELECT reporter_id, contact, work_title, right_holder, proof FROM tickets WHERE id = $1`, [res.body.ticket.id]);
    expect(row.rows[0]).toEqual({ reporter_id: null, contact: 'rights@example.cn', work_title: '政法工作讲话稿', right_holder: '张三', proof: '首发于2020年的报纸' });
  });

  it('when an anonymous copyright notice gives a phone number, then it is accepted', async () => {
    expect((await post(null, { category: 'copyright', evidence: '著作权登记号 2024-L-00001', subject: '侵权', body: '侵权', contact: '138-0013-8000' })).status).toBe(201);
  });

  it.each([
    ['no contact', {}],
    ['a contact that is neither email nor phone', { contact: 'call me maybe' }],
  ])('when an anonymous copyright notice has %s, then it answers 400 and stores nothing', async (_label, extra) => {
    const before = await count(ctx, 'tickets');
    const res = await post(null, { category: 'copyright', evidence: '著作权登记号 2024-L-00001', subject: '侵权', body: '侵权', ...extra });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(await count(ctx, 'tickets')).toBe(before);
  });

  it('when an anonymous caller sends another category, then it answers 401', async () => {
    const res = await post(null, { category: 'refund', subject: '退款', body: '退款', contact: 'a@b.cn' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('when the category is unknown or the subject empty, then it answers 400 with the zod issues', async () => {
    const res = await post(alice.token, { category: 'spam', subject: '', body: 'x' });
    expect(res.status).toBe(400);
    expect(Array.isArray(res.body.error.details)).toBe(true);
  });
});

describe('reading tickets', () => {
  let aliceTicket: number;
  beforeAll(async () => {
    aliceTicket = (await post(alice.token, { category: 'other', subject: '我的问题', body: '请帮忙' })).body.ticket.id;
  });

  it('when another user asks for a ticket, then it answers 404 (not 403) and lists none of it', async () => {
    const res = await ctx.http().get(`/api/v1/tickets/${aliceTicket}`).set(bearer(bob.token));
    expect(res.status).toBe(404);
    const list = await ctx.http().get('/api/v1/tickets').set(bearer(bob.token));
    expect(list.body.items.map((t: { id: number }) => t.id)).not.toContain(aliceTicket);
    const reply = await ctx.http().post(`/api/v1/tickets/${aliceTicket}/messages`).set(bearer(bob.token)).send({ body: '我来插话' });
    expect(reply.status).toBe(404);
    expect(await count(ctx, 'ticket_messages WHERE ticket_id = $1', [aliceTicket])).toBe(1);
  });

  it('when the owner asks, then it answers 200 with the ticket; without a token 401', async () => {
    const res = await ctx.http().get(`/api/v1/tickets/${aliceTicket}`).set(bearer(alice.token));
    expect(res.status).toBe(200);
    expect(res.body.ticket.id).toBe(aliceTicket);
    expect((await ctx.http().get(`/api/v1/tickets/${aliceTicket}`)).status).toBe(401);
  });

  it('when a user lists tickets, then only their own come back; an admin sees all and can filter by status and category', async () => {
    const mine = await ctx.http().get('/api/v1/tickets').set(bearer(alice.token));
    expect(mine.status).toBe(200);
    const owners = await ctx.deps.db.pool.query(`SELECT DISTINCT reporter_id FROM tickets WHERE id = ANY($1::bigint[])`, [mine.body.items.map((t: { id: number }) => t.id)]);
    expect(owners.rows).toEqual([{ reporter_id: alice.user.id }]);
    const all = await ctx.http().get('/api/v1/tickets?limit=100').set(bearer(admin.token));
    expect(all.body.items.length).toBe(await count(ctx, 'tickets'));
    const copyright = await ctx.http().get('/api/v1/tickets?category=copyright&status=open').set(bearer(admin.token));
    expect(copyright.body.items.length).toBe(await count(ctx, `tickets WHERE category = 'copyright' AND status = 'open'`));
    expect(copyright.body.items.every((t: { category: string; status: string }) => t.category === 'copyright' && t.status === 'open')).toBe(true);
  });

  it('when an admin pages through tickets, then the pages join up without repeats', async () => {
    const first = await ctx.http().get('/api/v1/tickets?limit=2').set(bearer(admin.token));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await ctx.http().get(`/api/v1/tickets?limit=2&cursor=${first.body.nextCursor}`).set(bearer(admin.token));
    const ids = [...first.body.items, ...second.body.items].map((t: { id: number }) => t.id);
    expect(new Set(ids).size).toBe(4);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });
});

describe('the message thread', () => {
  it('when support replies, then the message is from support, an open ticket moves to in_review, and the reply is audited', async () => {
    const id = (await post(alice.token, { category: 'other', subject: '咨询', body: '怎么开发票' })).body.ticket.id;
    const res = await ctx.http().post(`/api/v1/tickets/${id}/messages`).set(bearer(admin.token)).send({ body: '您好，请提供订单号' });
    expect(res.status).toBe(201);
    expect(res.body.ticket.status).toBe('in_review');
    expect(res.body.ticket.messages.map((m: { author: string }) => m.author)).toEqual(['user', 'support']);
    expect(await count(ctx, `ticket_events WHERE ticket_id = $1 AND kind = 'status' AND from_status = 'open' AND to_status = 'in_review' AND actor_id = $2`, [id, admin.user.id])).toBe(1);
    expect(await count(ctx, `admin_audit_log WHERE action = 'ticket.reply' AND target_id = $1 AND admin_id = $2`, [id, admin.user.id])).toBe(1);
  });

  it('when the user writes on a resolved ticket, then it is reopened and the change is recorded', async () => {
    const id = (await post(alice.token, { category: 'other', subject: '问题', body: '问题' })).body.ticket.id;
    await ctx.http().post(`/api/v1/admin/tickets/${id}/resolve`).set(bearer(admin.token)).send({ action: 'none', note: '已答复' });
    const res = await ctx.http().post(`/api/v1/tickets/${id}/messages`).set(bearer(alice.token)).send({ body: '还是不行' });
    expect(res.status).toBe(201);
    expect(res.body.ticket.status).toBe('open');
    expect(res.body.ticket.resolution).toEqual({ action: 'none', note: '已答复' });
    expect(await count(ctx, `ticket_events WHERE ticket_id = $1 AND from_status = 'resolved' AND to_status = 'open' AND actor_id = $2`, [id, alice.user.id])).toBe(1);
  });

  it('when a message is empty, then it answers 400', async () => {
    const id = (await post(alice.token, { category: 'other', subject: '问题', body: '问题' })).body.ticket.id;
    expect((await ctx.http().post(`/api/v1/tickets/${id}/messages`).set(bearer(alice.token)).send({ body: '   ' })).status).toBe(400);
  });
});

describe('admin-only actions', () => {
  type Call = (id: number) => ['get' | 'post', string, object | undefined];
  it.each<[string, Call]>([
    ['resolve', (id) => ['post', `/api/v1/admin/tickets/${id}/resolve`, { action: 'reject', note: 'x' }]],
    ['status', (id) => ['post', `/api/v1/admin/tickets/${id}/status`, { status: 'in_review' }]],
    ['restore', () => ['post', `/api/v1/admin/documents/${docId}/restore`, { note: 'x' }]],
    ['audit log', () => ['get', '/api/v1/admin/audit-log', undefined]],
  ])('when a non-admin calls %s, then it answers 403 (401 without a token) and changes nothing', async (_name, make) => {
    const id = (await post(alice.token, { category: 'other', subject: '问题', body: '问题' })).body.ticket.id;
    const [method, url, body] = make(id);
    const asUser = method === 'get' ? ctx.http().get(url).set(bearer(alice.token)) : ctx.http().post(url).set(bearer(alice.token)).send(body);
    const res = await asUser;
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    const anon = method === 'get' ? await ctx.http().get(url) : await ctx.http().post(url).send(body);
    expect(anon.status).toBe(401);
    expect(await count(ctx, `tickets WHERE id = $1 AND status = 'open' AND resolution_action IS NULL`, [id])).toBe(1);
  });

  it('when an admin sets a ticket in review, then the status, the history and the audit log say so', async () => {
    const id = (await post(alice.token, { category: 'other', subject: '问题', body: '问题' })).body.ticket.id;
    const res = await ctx.http().post(`/api/v1/admin/tickets/${id}/status`).set(bearer(admin.token)).send({ status: 'in_review' });
    expect(res.status).toBe(200);
    expect(res.body.ticket.status).toBe('in_review');
    expect(await count(ctx, `ticket_events WHERE ticket_id = $1 AND to_status = 'in_review'`, [id])).toBe(1);
    const log = await ctx.http().get('/api/v1/admin/audit-log').set(bearer(admin.token));
    expect(log.body.items[0]).toMatchObject({ action: 'ticket.status', targetType: 'ticket', targetId: id, admin: { id: admin.user.id }, details: { from: 'open', to: 'in_review' } });
  });

  it('when an admin rejects a ticket, then it is rejected with the note, the reporter gets the note as a reply, and it is audited', async () => {
    const id = (await post(alice.token, { category: 'mismatch', subject: '不符', body: '标题和内容不符', documentId: docId })).body.ticket.id;
    const res = await ctx.http().post(`/api/v1/admin/tickets/${id}/resolve`).set(bearer(admin.token)).send({ action: 'reject', note: '经核对内容与标题一致' });
    expect(res.status).toBe(200);
    expect(res.body.ticket).toMatchObject({ status: 'rejected', resolution: { action: 'reject', note: '经核对内容与标题一致' } });
    expect(res.body.ticket.messages.at(-1)).toMatchObject({ author: 'support', body: '经核对内容与标题一致' });
    expect(await count(ctx, `admin_audit_log WHERE action = 'ticket.reject' AND target_id = $1`, [id])).toBe(1);
    expect(await count(ctx, `ticket_events WHERE ticket_id = $1 AND kind = 'reject' AND from_status = 'open' AND to_status = 'rejected'`, [id])).toBe(1);
  });

  it('when an admin asks for a refund on a ticket without a purchase, then it answers 400 and nothing changes', async () => {
    const id = (await post(bob.token, { category: 'other', subject: '问题', body: '问题' })).body.ticket.id;
    const res = await ctx.http().post(`/api/v1/admin/tickets/${id}/resolve`).set(bearer(admin.token)).send({ action: 'refund', note: '' });
    expect(res.status).toBe(400);
    expect(await count(ctx, `tickets WHERE id = $1 AND status = 'open'`, [id])).toBe(1);
  });
});

describe('rate limit', () => {
  it('when one IP sends more than 10 anonymous notices an hour, then the 11th gets 429 with Retry-After', async () => {
    const limited = await createTestContext({ RATE_LIMIT_SCALE: '1' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        const res = await limited.http().post('/api/v1/tickets').send({ category: 'copyright', evidence: '著作权登记号 2024-L-00001', subject: `侵权${i}`, body: '侵权', contact: 'x@y.cn' });
        statuses.push(res.status);
        if (res.status === 429) expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
      expect(statuses).toEqual([...Array(10).fill(201), 429]);
      expect(await count(limited, 'tickets')).toBe(10);
    } finally {
      await limited.close();
    }
  });
});

describe('the published contract', () => {
  it('when the OpenAPI document is fetched, then it lists the support paths and the Ticket schema', async () => {
    const res = await ctx.http().get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    for (const p of ['/api/v1/tickets', '/api/v1/tickets/{id}', '/api/v1/tickets/{id}/messages', '/api/v1/tickets/{id}/counter-notice',
      '/api/v1/admin/tickets/{id}/resolve', '/api/v1/admin/tickets/{id}/status', '/api/v1/admin/documents/{id}/restore', '/api/v1/admin/audit-log']) {
      expect(Object.keys(res.body.paths)).toContain(p);
    }
    expect(Object.keys(res.body.components.schemas.Ticket.properties).sort()).toEqual(
      ['category', 'createdAt', 'documentId', 'id', 'messages', 'purchaseId', 'resolution', 'status', 'subject'],
    );
  });
});

describe('ticket summaries for other pages', () => {
  it('when a user has tickets, then the summaries give their status and outcome in words, newest first, and only theirs', async () => {
    const { getMyTicketSummaries } = await import('./desk.service.js');
    const user = await registerUser(ctx);
    const first = (await post(user.token, { category: 'other', subject: '第一个', body: '问题' })).body.ticket.id;
    const second = (await post(user.token, { category: 'other', subject: '第二个', body: '问题' })).body.ticket.id;
    await ctx.http().post(`/api/v1/admin/tickets/${first}/resolve`).set(bearer(admin.token)).send({ action: 'reject', note: '不属于客服范围' });
    const actor = { userId: user.user.id, role: 'user' as const, displayName: '', email: user.user.email, referralCode: '' };
    const summaries = await getMyTicketSummaries(ctx.deps, actor);
    expect(summaries.map((s) => s.id)).toEqual([second, first]);
    expect(summaries[0]).toMatchObject({ status: '待处理', outcome: null, lastReply: null, url: `/support/tickets/${second}` });
    expect(summaries[1]).toMatchObject({ status: '已驳回', outcome: '已驳回', lastReply: '不属于客服范围', category: '其他问题' });
  });
});
