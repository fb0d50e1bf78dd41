// A taken-down document's page (issue 16): everyone but admins still gets 404 (the contract); its
// own uploader is told why, in Chinese, and where to answer (the notice ticket, its counter-notice
// form, or a new ticket when the site took it down itself).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { bearer, createDocument, createTicket, registerUser } from '../../test/factories.js';
import { registerAdmin } from '../auth/test-fixtures.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const page = (path: string, token?: string) => {
  const req = ctx.http().get(path).set('accept', 'text/html');
  return token ? req.set('cookie', `wenku_session=${token}`) : req;
};

async function takenDownOnComplaint(note: string) {
  const admin = await registerAdmin(ctx);
  const author = await registerUser(ctx);
  const reader = await registerUser(ctx);
  const doc = await createDocument(ctx, { uploaderId: author.user.id, title: '被投诉的讲话稿<b>', priceCents: 200 });
  const complaint = await createTicket(ctx, reader.token, { category: 'mismatch', subject: '内容与标题不符', body: '正文是另一篇文章', documentId: doc.id });
  const resolved = await ctx.http().post(`/api/v1/admin/tickets/${complaint}/resolve`).set(bearer(admin.token)).send({ action: 'takedown', note });
  expect(resolved.status).toBe(200);
  const notice = await ctx.deps.db.pool.query<{ id: number }>('SELECT id FROM tickets WHERE notice_for_ticket_id = $1', [complaint]);
  return { admin, author, reader, doc, complaint, noticeId: notice.rows[0]!.id };
}

describe('the page of a taken-down document', () => {
  it('when its uploader opens it, then it says it was taken down, why and by what complaint, and links the notice ticket and the counter-notice form', async () => {
    const { author, doc, noticeId } = await takenDownOnComplaint('经核实，正文与标题不符');
    const res = await page(`/doc/${doc.id}`, author.token);
    expect(res.status).toBe(404);
    expect(res.headers['cache-control']).toContain('no-store');
    expect(res.text).toContain('文档已下架');
    expect(res.text).toContain('《被投诉的讲话稿&lt;b&gt;》');
    expect(res.text).toContain('收到投诉：内容与标题不符');
    expect(res.text).toContain('经核实，正文与标题不符');
    expect(res.text).toContain(`href="/support/tickets/${noticeId}#counter-notice"`);
    expect(res.text).toContain(`href="/support/tickets/${noticeId}"`);
    expect(res.text).toContain('<meta name="robots" content="noindex">');
    expect(res.text).not.toMatch(/[A-Za-z]{4,} (not found|taken down)/);
    // The counter-notice form is where the link points.
    const ticket = await page(`/support/tickets/${noticeId}`, author.token);
    expect(ticket.text).toContain('id="counter-notice"');
  });

  it('when anyone else opens it (anonymous, another reader, the complainant), then it is the ordinary 404 without the reason', async () => {
    const { reader, doc } = await takenDownOnComplaint('秘密的客服说明');
    const stranger = await registerUser(ctx);
    for (const token of [undefined, reader.token, stranger.token]) {
      const res = await page(`/doc/${doc.id}`, token);
      expect(res.status).toBe(404);
      expect(res.text).toContain('页面不存在');
      expect(res.text).not.toContain('秘密的客服说明');
      expect(res.text).not.toContain('被投诉的讲话稿');
    }
    const api = await ctx.http().get(`/api/v1/documents/${doc.id}`);
    expect(api.status).toBe(404);
    expect(api.body.error.code).toBe('not_found');
  });

  it('when the uploader has filed a counter-notice, then the page says it is being reviewed and offers no second one', async () => {
    const { author, doc, noticeId } = await takenDownOnComplaint('');
    const filed = await ctx.http().post(`/api/v1/tickets/${noticeId}/counter-notice`).set(bearer(author.token)).send({ body: '本文为本人原创', proof: '原始底稿' });
    expect([200, 201]).toContain(filed.status);
    const res = await page(`/doc/${doc.id}`, author.token);
    expect(res.text).toContain('您已提交反通知，客服正在审核');
    expect(res.text).not.toContain('#counter-notice');
  });

  it('when the site took it down without a complaint, then the uploader is offered a new ticket about it', async () => {
    const author = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, title: '直接下架的文档', status: 'taken_down' });
    const res = await page(`/doc/${doc.id}`, author.token);
    expect(res.status).toBe(404);
    expect(res.text).toContain('经本站审核');
    expect(res.text).toContain(`href="/support?documentId=${doc.id}&amp;category=other"`);
  });

  it('when a live document is missing or deleted, then its uploader gets the ordinary 404 too', async () => {
    const author = await registerUser(ctx);
    const deleted = await createDocument(ctx, { uploaderId: author.user.id, deleted: true, takenDown: true });
    for (const id of [deleted.id, 999_999]) {
      const res = await page(`/doc/${id}`, author.token);
      expect(res.status).toBe(404);
      expect(res.text).toContain('页面不存在');
      expect(res.text).not.toContain('文档已下架');
    }
  });
});
