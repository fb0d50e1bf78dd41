import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { balanceCents, buy, count, createDocument, topUp, type TestUser } from '../../test/factories.js';
import { registerAdmin } from '../auth/test-fixtures.js';

let ctx: TestContext;
let admin: TestUser;
let author: TestUser;
let buyer: TestUser;
let docId: number;
let purchaseId: number;

type Agent = ReturnType<typeof request.agent>;

const csrfOf = (html: string) => html.match(/name="_csrf" value="([^"]+)"/)![1]!;

/** A browser-like agent logged in through the login form. */
async function loginAgent(user: TestUser | null): Promise<{ agent: Agent; csrf: string }> {
  const agent = request.agent(ctx.app);
  const page = await agent.get('/login');
  let csrf = csrfOf(page.text);
  if (user) {
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, email: user.user.email, password: user.password, next: '/' });
    expect(res.status).toBe(303);
    csrf = csrfOf((await agent.get('/support')).text);
  }
  return { agent, csrf };
}

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await registerAdmin(ctx, { email: 'desk@example.com', displayName: '客服小李' });
  author = await registerUser(ctx, { displayName: '上传者' });
  buyer = await registerUser(ctx, { displayName: '买家' });
  docId = (await createDocument(ctx, { uploaderId: author.user.id, priceCents: 600, title: '县政法会议讲话' })).id;
  await topUp(ctx, buyer.token, 600);
  purchaseId = await buy(ctx, buyer.token, docId);
});
afterAll(async () => ctx.close());

describe('/support', () => {
  it('when a buyer follows the document page’s 举报/投诉 link, then the form names the document and preselects their purchase and 付费后下载失败', async () => {
    const { agent } = await loginAgent(buyer);
    const page = await agent.get(`/support?documentId=${docId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('《县政法会议讲话》');
    expect(page.text).toContain(`name="documentId" value="${docId}"`);
    expect(page.text).toMatch(new RegExp(`<option value="${purchaseId}" selected>订单 #${purchaseId} · ¥6.00`));
    expect(page.text).toMatch(/<option value="download_failed" selected>/);
  });

  it('when a logged-in user submits the form, then the ticket is stored and they land on it, and it is listed with its status in words', async () => {
    const { agent, csrf } = await loginAgent(buyer);
    const res = await agent.post('/support/tickets').type('form').send({
      _csrf: csrf, category: 'download_failed', documentId: String(docId), purchaseId: String(purchaseId), subject: '下载失败', body: '下载到一半断了', contact: '',
    });
    expect(res.status).toBe(303);
    const id = Number(res.headers.location!.match(/\/support\/tickets\/(\d+)/)![1]);
    expect(await count(ctx, 'tickets WHERE id = $1 AND reporter_id = $2 AND purchase_id = $3', [id, buyer.user.id, purchaseId])).toBe(1);
    const page = await agent.get(res.headers.location!);
    expect(page.text).toContain('工单已提交');
    expect(page.text).toContain('待处理');
    expect(page.text).toContain('从未完整下载');
    const list = await agent.get('/support');
    expect(list.text).toContain(`href="/support/tickets/${id}"`);
    expect(list.text).toContain('待处理');
    const me = await agent.get('/me');
    expect(me.text).toContain('我的工单');
    expect(me.text).toContain(`href="/support/tickets/${id}"`);
  });

  it('when an anonymous visitor opens /support, then they get the copyright notice form; without a contact it is refused, with one it is stored', async () => {
    const { agent } = await loginAgent(null);
    const page = await agent.get(`/support?documentId=${docId}`);
    expect(page.text).toContain('版权投诉（权利人通知）');
    expect(page.text).toContain('name="category" value="copyright"');
    const csrf = csrfOf(page.text);
    const before = await count(ctx, 'tickets');
    const bad = await agent.post('/support/tickets').type('form').send({ _csrf: csrf, category: 'copyright', evidence: '著作权登记号 2024-L-00001', documentId: String(docId), subject: '侵权', body: '侵权', contact: '' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('邮箱或电话');
    expect(await count(ctx, 'tickets')).toBe(before);
    const ok = await agent.post('/support/tickets').type('form').send({
      _csrf: csrf, category: 'copyright', documentId: String(docId), subject: '侵权', body: '侵权', contact: 'owner@example.org', workTitle: '讲话', rightHolder: '王五', evidence: '登记证书',
    });
    expect(ok.status).toBe(201);
    expect(ok.text).toContain('owner@example.org');
    expect(await count(ctx, `tickets WHERE reporter_id IS NULL AND contact = 'owner@example.org' AND right_holder = '王五'`)).toBe(1);
  });

  it('when a user opens another user’s ticket page, then it is 404', async () => {
    const id = (await ctx.deps.db.pool.query(`SELECT id FROM tickets WHERE reporter_id = $1 LIMIT 1`, [buyer.user.id])).rows[0].id;
    const { agent } = await loginAgent(author);
    expect((await agent.get(`/support/tickets/${id}`)).status).toBe(404);
  });
});

describe('/admin', () => {
  it('when an anonymous visitor opens /admin, then they are sent to log in; a user gets a 403 page', async () => {
    const anon = await request(ctx.app).get('/admin').set('accept', 'text/html');
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toBe('/login?next=%2Fadmin');
    const { agent } = await loginAgent(buyer);
    const page = await agent.get('/admin').set('accept', 'text/html');
    expect(page.status).toBe(403);
    expect(page.text).toContain('没有权限');
  });

  it('when an admin filters the queue, then only matching tickets are listed', async () => {
    const { agent } = await loginAgent(admin);
    const all = await agent.get('/admin');
    expect(all.status).toBe(200);
    const copyright = await agent.get('/admin?category=copyright');
    const ids = [...copyright.text.matchAll(/href="\/admin\/tickets\/(\d+)">#/g)].map((m) => Number(m[1]));
    const expected = (await ctx.deps.db.pool.query(`SELECT id FROM tickets WHERE category = 'copyright' ORDER BY id DESC`)).rows.map((r) => r.id);
    expect(ids).toEqual(expected);
    expect(ids.length).toBeGreaterThan(0);
    const resolved = await agent.get('/admin?status=resolved');
    expect(resolved.text).toContain('没有符合条件的工单');
  });

  it('when an admin refunds an undelivered purchase in one click, then the buyer is credited, the page says so, and a second click is refused with 409', async () => {
    const id = (await ctx.deps.db.pool.query(`SELECT id FROM tickets WHERE purchase_id = $1`, [purchaseId])).rows[0].id;
    const { agent } = await loginAgent(admin);
    const page = await agent.get(`/admin/tickets/${id}`);
    expect(page.text).toContain('从未完整下载');
    expect(page.text).toContain('value="refund"');
    const csrf = csrfOf(page.text);
    const res = await agent.post(`/admin/tickets/${id}/resolve`).type('form').send({ _csrf: csrf, action: 'refund', note: '确认未送达' });
    expect(res.status).toBe(303);
    const after = await agent.get(res.headers.location!);
    expect(after.text).toContain('已退款');
    expect(after.text).toContain('已解决');
    expect(await balanceCents(ctx, buyer.token)).toBe(600);
    const again = await agent.post(`/admin/tickets/${id}/resolve`).type('form').send({ _csrf: csrf, action: 'refund', note: '' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('已退款');
    expect(await count(ctx, `ledger_transactions WHERE kind = 'refund'`)).toBe(1);

    const { agent: buyerAgent } = await loginAgent(buyer);
    const mine = await buyerAgent.get(`/support/tickets/${id}`);
    expect(mine.text).toContain('已解决');
    expect(mine.text).toContain('已将 ¥6.00 全额退回您的钱包');
  });

  it('when an admin takes a document down from the desk, the uploader answers with a counter-notice, and the admin restores it, then each page shows the step', async () => {
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0, title: '争议文档' });
    const complaint = (await request(ctx.app).post('/api/v1/tickets').send({ category: 'copyright', evidence: '著作权登记号 2024-L-00001', subject: '侵权', body: '侵权', documentId: doc.id, contact: 'x@example.org' })).body.ticket.id;
    const { agent, csrf } = await loginAgent(admin);
    const down = await agent.post(`/admin/tickets/${complaint}/resolve`).type('form').send({ _csrf: csrf, action: 'takedown', note: '证据充分' });
    expect(down.status).toBe(303);
    expect((await agent.get(down.headers.location!)).text).toContain('已下架');

    const { agent: up, csrf: upCsrf } = await loginAgent(author);
    const list = await up.get('/support');
    const noticeId = Number(list.text.match(/href="\/support\/tickets\/(\d+)">您上传的文档《争议文档》已被下架/)![1]);
    const noticePage = await up.get(`/support/tickets/${noticeId}`);
    expect(noticePage.text).toContain('提交反通知');
    const counter = await up.post(`/support/tickets/${noticeId}/counter-notice`).type('form').send({ _csrf: upCsrf, body: '原创', proof: '底稿' });
    expect(counter.status).toBe(303);
    expect((await up.get(`/support/tickets/${noticeId}`)).text).toContain('处理中');

    const takedowns = await agent.get('/admin/takedowns');
    const downRow = takedowns.text.match(/<table class="data-table" id="taken-down">[\s\S]*?<\/table>/)![0];
    expect(downRow).toContain('《争议文档》');
    expect(downRow).toContain('反通知待审');
    expect(downRow).toContain(`action="/admin/documents/${doc.id}/restore"`);

    const restorePage = await agent.get(`/admin/tickets/${complaint}`);
    expect(restorePage.text).toContain('反通知');
    const restore = await agent.post(`/admin/tickets/${complaint}/restore`).type('form').send({ _csrf: csrf, note: '' });
    expect(restore.status).toBe(303);
    expect(await count(ctx, `documents WHERE id = $1 AND status = 'ready'`, [doc.id])).toBe(1);
    expect((await up.get(`/support/tickets/${noticeId}`)).text).toContain('已恢复');
    expect((await agent.get('/admin/takedowns')).text).not.toContain(`action="/admin/documents/${doc.id}/restore"`);

    const log = await agent.get('/admin/audit-log');
    // Actions in words (issue 16: no raw codes on pages).
    expect(log.text).toContain('恢复文档');
    expect(log.text).toContain('工单处理：下架文档');
    expect(log.text).toContain('工单处理：退款');
    expect(log.text).not.toContain('document.restore');
  });
});
